#include "demo_server.hpp"

#include <openssl/evp.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace inetget {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr std::uint64_t mebibyte = 1024 * 1024;

// The content is a pseudo-random table whose length is a prime a little under 1 MiB, read
// cyclically from a per-file starting point: any byte range can be produced with memcpy, and
// a block that arrives shifted, repeated or from another file does not match.
constexpr std::size_t pattern_length = 1'048'573;

const std::vector<char>& pattern() {
    static const std::vector<char> table = [] {
        std::vector<char> bytes(pattern_length);
        std::uint64_t state = 0x5eed'1e7e'0b5e'55edULL;
        for (auto& byte : bytes) {
            // splitmix64
            state += 0x9e3779b97f4a7c15ULL;
            std::uint64_t z = state;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            byte = static_cast<char>((z ^ (z >> 31)) & 0xff);
        }
        return bytes;
    }();
    return table;
}

// Hashes what the server sends; SHA-256 through OpenSSL (already a dependency of OpenInet).
class Sha256Hasher {
  public:
    Sha256Hasher() : context_(EVP_MD_CTX_new()) {
        if (!context_ || EVP_DigestInit_ex(context_, EVP_sha256(), nullptr) != 1) {
            EVP_MD_CTX_free(context_);
            throw std::runtime_error("cannot initialise SHA-256");
        }
    }
    ~Sha256Hasher() { EVP_MD_CTX_free(context_); }
    Sha256Hasher(const Sha256Hasher&) = delete;
    Sha256Hasher& operator=(const Sha256Hasher&) = delete;

    void update(const char* data, std::size_t size) { EVP_DigestUpdate(context_, data, size); }
    Sha256 final() {
        Sha256 digest;
        unsigned int length = 0;
        EVP_DigestFinal_ex(context_, digest.bytes.data(), &length);
        return digest;
    }

  private:
    EVP_MD_CTX* context_;
};

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
        text.remove_suffix(1);
    }
    return text;
}

struct Request {
    std::string method;
    std::string target;
    bool keep_alive = true;
    bool valid = false;
};

Request parse_request_head(std::string_view head) {
    Request request;
    auto line_end = head.find("\r\n");
    std::string_view line = head.substr(0, line_end);
    auto first_space = line.find(' ');
    auto second_space =
        line.find(' ', first_space == std::string_view::npos ? line.size() : first_space + 1);
    if (first_space == std::string_view::npos || second_space == std::string_view::npos)
        return request;
    request.method = std::string(line.substr(0, first_space));
    request.target = std::string(line.substr(first_space + 1, second_space - first_space - 1));
    std::string_view version = line.substr(second_space + 1);
    if (!version.starts_with("HTTP/1.")) return request;
    request.keep_alive = version != "HTTP/1.0";
    request.valid = !request.method.empty() && request.target.starts_with("/");

    std::string_view rest =
        line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
    while (!rest.empty()) {
        auto end = rest.find("\r\n");
        std::string_view header = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 2);
        auto colon = header.find(':');
        if (colon == std::string_view::npos) continue;
        if (lower(trim(header.substr(0, colon))) != "connection") continue;
        std::string value = lower(trim(header.substr(colon + 1)));
        if (value.find("close") != std::string::npos) request.keep_alive = false;
        if (value.find("keep-alive") != std::string::npos) request.keep_alive = true;
    }
    return request;
}

std::string response_head(int status, std::string_view reason, std::uint64_t content_length,
                          bool keep_alive, std::string_view extra_headers = {}) {
    std::string head = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
    head += "Server: inetget-demo\r\n";
    head += "Content-Type: application/octet-stream\r\n";
    head += "Content-Length: " + std::to_string(content_length) + "\r\n";
    head += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
    head += extra_headers;
    head += "\r\n";
    return head;
}

}  // namespace

std::vector<DemoFile> demo_catalogue(unsigned count) {
    static constexpr std::uint64_t sizes_mib[] = {1, 2, 4, 8, 16, 32, 64, 256};
    constexpr std::size_t kinds = std::size(sizes_mib);
    std::vector<DemoFile> files;
    for (unsigned i = 0; i < count; ++i) {
        std::size_t kind = i % kinds;
        DemoFile file;
        file.size = sizes_mib[kind] * mebibyte;
        file.name = std::to_string(sizes_mib[kind]) + "MiB";
        if (i >= kinds) file.name += "-" + std::to_string(i / kinds + 1);
        file.name += ".bin";
        file.seed = i + 1;
        file.duration = std::chrono::milliseconds(3000 + 4000 * kind / (kinds - 1));
        files.push_back(std::move(file));
    }
    return files;
}

void demo_content(std::uint32_t seed, std::uint64_t offset, std::span<char> out) {
    const auto& table = pattern();
    std::uint64_t start = (static_cast<std::uint64_t>(seed) * 104'729 + offset) % pattern_length;
    std::size_t done = 0;
    while (done < out.size()) {
        std::size_t run = std::min<std::size_t>(out.size() - done, pattern_length - start);
        std::memcpy(out.data() + done, table.data() + start, run);
        done += run;
        start = 0;
    }
}

std::string Sha256::hex() const {
    static constexpr char digits[] = "0123456789abcdef";
    std::string text;
    for (unsigned char byte : bytes) {
        text += digits[byte >> 4];
        text += digits[byte & 0xf];
    }
    return text;
}

std::optional<Sha256> sha256_of_file(const std::filesystem::path& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot open " + path.string();
        return std::nullopt;
    }
    Sha256Hasher hasher;
    std::vector<char> buffer(1 << 20);
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        hasher.update(buffer.data(), static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) {
        error = "cannot read " + path.string();
        return std::nullopt;
    }
    return hasher.final();
}

struct DemoServer::Impl {
    explicit Impl(std::vector<DemoFile> catalogue) : files(std::move(catalogue)) {}

    const DemoFile* find(std::string_view target) const {
        target = target.substr(0, target.find_first_of("?#"));
        for (const auto& file : files) {
            if (target.size() == file.name.size() + 1 && target.substr(1) == file.name)
                return &file;
        }
        return nullptr;
    }

    asio::awaitable<void> accept_connections() {
        for (;;) {
            boost::system::error_code ec;
            tcp::socket socket =
                co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
            if (stopping) co_return;  // accepted just before stop(): drop it
            if (ec) {
                if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
                continue;  // e.g. EMFILE: keep serving the connections there are
            }
            auto shared = std::make_shared<tcp::socket>(std::move(socket));
            {
                std::lock_guard lock(mutex);
                connections.insert(shared);
            }
            asio::co_spawn(context, serve(shared), asio::detached);
        }
    }

    asio::awaitable<void> serve(std::shared_ptr<tcp::socket> socket) {
        try {
            std::string pending;
            for (;;) {
                std::size_t head_size = co_await asio::async_read_until(
                    *socket, asio::dynamic_buffer(pending, max_head_size), "\r\n\r\n",
                    asio::use_awaitable);
                Request request =
                    parse_request_head(std::string_view(pending).substr(0, head_size));
                pending.erase(0, head_size);
                bool keep_alive = request.keep_alive;
                if (!request.valid) {
                    co_await send_text(*socket, 400, "Bad Request", "bad request\n", false);
                    break;
                }
                const DemoFile* file = find(request.target);
                if (request.method != "GET" && request.method != "HEAD") {
                    co_await send_text(*socket, 405, "Method Not Allowed", "GET or HEAD only\n",
                                       keep_alive, "Allow: GET, HEAD\r\n");
                } else if (!file) {
                    co_await send_text(*socket, 404, "Not Found", "no such demo file\n", keep_alive,
                                       {}, request.method == "HEAD");
                } else {
                    co_await send_file(*socket, *file, keep_alive, request.method == "HEAD");
                }
                if (!keep_alive) break;
            }
        } catch (const std::exception&) {
            // The client went away or stop() closed the socket: nothing to report to anyone.
        }
        boost::system::error_code ignored;
        socket->shutdown(tcp::socket::shutdown_both, ignored);
        socket->close(ignored);
        std::lock_guard lock(mutex);
        connections.erase(socket);
    }

    asio::awaitable<void> send_text(tcp::socket& socket, int status, std::string_view reason,
                                    std::string_view body, bool keep_alive,
                                    std::string_view extra_headers = {}, bool head_only = false) {
        std::string message = response_head(status, reason, body.size(), keep_alive, extra_headers);
        if (!head_only) message += body;
        co_await asio::async_write(socket, asio::buffer(message), asio::use_awaitable);
    }

    // Sends the body in slices of about a twentieth of a second's worth, waiting between them
    // so that the whole body takes about file.duration.
    asio::awaitable<void> send_file(tcp::socket& socket, const DemoFile& file, bool keep_alive,
                                    bool head_only) {
        std::string head = response_head(200, "OK", file.size, keep_alive);
        co_await asio::async_write(socket, asio::buffer(head), asio::use_awaitable);
        if (head_only) co_return;

        double seconds = std::chrono::duration<double>(file.duration).count();
        double bytes_per_second = static_cast<double>(file.size) / std::max(seconds, 0.001);
        std::size_t slice = std::clamp<std::size_t>(static_cast<std::size_t>(bytes_per_second / 20),
                                                    4096, 256 * 1024);
        std::vector<char> buffer(slice);
        Sha256Hasher hasher;
        asio::steady_timer timer(context);
        auto started = std::chrono::steady_clock::now();
        std::uint64_t sent = 0;
        while (sent < file.size) {
            std::size_t size =
                static_cast<std::size_t>(std::min<std::uint64_t>(slice, file.size - sent));
            demo_content(file.seed, sent, std::span<char>(buffer.data(), size));
            hasher.update(buffer.data(), size);
            co_await asio::async_write(socket, asio::buffer(buffer.data(), size),
                                       asio::use_awaitable);
            sent += size;
            auto due =
                started +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(static_cast<double>(sent) / bytes_per_second));
            if (due > std::chrono::steady_clock::now()) {
                timer.expires_at(due);
                co_await timer.async_wait(asio::use_awaitable);
            }
        }
        Sha256 digest = hasher.final();
        std::lock_guard lock(mutex);
        digests[file.name] = digest;
    }

    static constexpr std::size_t max_head_size = 16 * 1024;

    std::vector<DemoFile> files;
    asio::io_context context{1};
    tcp::acceptor acceptor{context};
    std::thread thread;
    std::uint16_t port = 0;
    bool stopping = false;  // only touched on the server thread

    mutable std::mutex mutex;  // guards the two below (the server thread and the demo's thread)
    std::set<std::shared_ptr<tcp::socket>> connections;
    std::map<std::string, Sha256, std::less<>> digests;
};

DemoServer::DemoServer(std::vector<DemoFile> files)
    : impl_(std::make_unique<Impl>(std::move(files))) {}

DemoServer::~DemoServer() {
    stop();
}

void DemoServer::start() {
    tcp::endpoint loopback(asio::ip::address_v4::loopback(), 0);
    impl_->acceptor.open(loopback.protocol());
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(loopback);
    impl_->acceptor.listen();
    impl_->port = impl_->acceptor.local_endpoint().port();
    pattern();  // build the table now, not inside the first paced response
    asio::co_spawn(impl_->context, impl_->accept_connections(), asio::detached);
    impl_->thread = std::thread([impl = impl_.get()] { impl->context.run(); });
}

void DemoServer::stop() {
    if (!impl_->thread.joinable()) return;
    // Closing the listener and the sockets ends every coroutine (a paced one at its next
    // write, a twentieth of a second later at most), so the context runs out of work and the
    // thread returns by itself, with every socket closed in an orderly way.
    asio::post(impl_->context, [impl = impl_.get()] {
        impl->stopping = true;
        boost::system::error_code ignored;
        impl->acceptor.close(ignored);
        std::lock_guard lock(impl->mutex);
        for (const auto& socket : impl->connections) socket->close(ignored);
    });
    impl_->thread.join();
}

std::uint16_t DemoServer::port() const noexcept {
    return impl_->port;
}

std::string DemoServer::url_for(const DemoFile& file) const {
    return "http://127.0.0.1:" + std::to_string(impl_->port) + "/" + file.name;
}

const std::vector<DemoFile>& DemoServer::files() const noexcept {
    return impl_->files;
}

std::optional<Sha256> DemoServer::sent_digest(std::string_view name) const {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->digests.find(name);
    if (it == impl_->digests.end()) return std::nullopt;
    return it->second;
}

}  // namespace inetget
