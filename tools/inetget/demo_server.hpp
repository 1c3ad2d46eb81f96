// The embedded server behind `inetget --demo`: HTTP/1.1 on 127.0.0.1 (a free port chosen by
// the kernel), on a thread of its own, serving generated files of known size and content.
//
// Every file is deterministic (demo_content()), sent with Content-Length over keep-alive
// connections, and paced so that each file takes a few seconds: the demo is meant to be
// watched. While sending a body the server hashes exactly the bytes it sends, so the demo can
// compare each downloaded file with what really went over the wire.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace inetget {

struct DemoFile {
    std::string name;  // URL path is "/" + name
    std::uint64_t size = 0;
    std::uint32_t seed = 0;              // selects the content
    std::chrono::milliseconds duration;  // pacing: the body is spread over about this long
};

// `count` files: sizes 1 MiB, 2, 4, 8, 16, 32, 64, 256 MiB (repeating with new names and
// seeds beyond eight), the larger ones paced to take longer, 3 to 7 seconds.
std::vector<DemoFile> demo_catalogue(unsigned count);

// The bytes of the file with this seed from `offset` on, filling `out`.
void demo_content(std::uint32_t seed, std::uint64_t offset, std::span<char> out);

struct Sha256 {
    std::array<unsigned char, 32> bytes{};
    std::string hex() const;
    bool operator==(const Sha256&) const = default;
};

// SHA-256 of a file's content; nullopt (and `error` set) when it cannot be read.
std::optional<Sha256> sha256_of_file(const std::filesystem::path& path, std::string& error);

class DemoServer {
  public:
    explicit DemoServer(std::vector<DemoFile> files);
    ~DemoServer();  // stop()
    DemoServer(const DemoServer&) = delete;
    DemoServer& operator=(const DemoServer&) = delete;

    // Binds 127.0.0.1:0 and starts serving on the server's own thread.
    void start();
    // Closes the listener and every connection and joins the thread. Idempotent.
    void stop();

    std::uint16_t port() const noexcept;
    std::string url_for(const DemoFile& file) const;
    const std::vector<DemoFile>& files() const noexcept;

    // Digest of the last complete body the server sent for this file name.
    std::optional<Sha256> sent_digest(std::string_view name) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace inetget
