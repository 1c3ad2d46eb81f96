#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "demo_server.hpp"

namespace inetget {
namespace {

// A plain blocking client socket, so the server is checked by something independent of
// OpenInet (the library is checked against the server by the integration tests).
class Client {
  public:
    explicit Client(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        timeval limit{10, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    }
    ~Client() { ::close(fd_); }

    bool connected() const { return connected_; }
    void send(const std::string& text) {
        ASSERT_EQ(::write(fd_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    }

    // Reads one response: head, then Content-Length bytes of body.
    bool read_response(std::string& head, std::string& body) {
        while (buffer_.find("\r\n\r\n") == std::string::npos) {
            if (!fill()) return false;
        }
        auto head_end = buffer_.find("\r\n\r\n") + 4;
        head = buffer_.substr(0, head_end);
        buffer_.erase(0, head_end);
        auto length_at = head.find("Content-Length: ");
        if (length_at == std::string::npos) return false;
        std::size_t length = std::stoull(head.substr(length_at + 16));
        if (head.starts_with("HEAD")) length = 0;
        while (buffer_.size() < length) {
            if (!fill()) return false;
        }
        body = buffer_.substr(0, length);
        buffer_.erase(0, length);
        return true;
    }
    bool at_eof() {
        char c;
        return buffer_.empty() && ::read(fd_, &c, 1) == 0;
    }

  private:
    bool fill() {
        char chunk[65536];
        ssize_t n = ::read(fd_, chunk, sizeof chunk);
        if (n <= 0) return false;
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
    }

    int fd_;
    bool connected_ = false;
    std::string buffer_;
};

std::vector<DemoFile> quick_files() {
    return {DemoFile{"small.bin", 100'000, 7, std::chrono::milliseconds(50)},
            DemoFile{"other.bin", 300'000, 8, std::chrono::milliseconds(50)}};
}

std::string expected_content(const DemoFile& file) {
    std::string content(file.size, '\0');
    demo_content(file.seed, 0, std::span<char>(content.data(), content.size()));
    return content;
}

TEST(InetgetDemoContent, DeterministicAndSeekable) {
    std::string whole(5000, '\0');
    demo_content(3, 1'048'000, std::span<char>(whole.data(), whole.size()));  // wraps the table
    std::string part(1000, '\0');
    demo_content(3, 1'048'000 + 2500, std::span<char>(part.data(), part.size()));
    EXPECT_EQ(whole.substr(2500, 1000), part);
    std::string other(5000, '\0');
    demo_content(4, 1'048'000, std::span<char>(other.data(), other.size()));
    EXPECT_NE(whole, other);
}

TEST(InetgetDemoCatalogue, SizesNamesAndPacing) {
    auto files = demo_catalogue(10);
    ASSERT_EQ(files.size(), 10u);
    EXPECT_EQ(files[0].name, "1MiB.bin");
    EXPECT_EQ(files[0].size, 1u << 20);
    EXPECT_EQ(files[7].name, "256MiB.bin");
    EXPECT_EQ(files[7].size, 256u << 20);
    EXPECT_EQ(files[8].name, "1MiB-2.bin");
    EXPECT_NE(files[8].seed, files[0].seed);
    for (const auto& file : files) {
        EXPECT_GE(file.duration, std::chrono::seconds(3));
        EXPECT_LE(file.duration, std::chrono::seconds(7));
    }
}

TEST(InetgetDemoServer, ServesContentOverKeepAliveAndRecordsTheDigest) {
    DemoServer server(quick_files());
    server.start();
    ASSERT_NE(server.port(), 0);
    EXPECT_EQ(server.url_for(server.files()[0]),
              "http://127.0.0.1:" + std::to_string(server.port()) + "/small.bin");

    Client client(server.port());
    ASSERT_TRUE(client.connected());
    std::string head, body;
    for (const auto& file : server.files()) {
        client.send("GET /" + file.name + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        ASSERT_TRUE(client.read_response(head, body));
        EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n")) << head;
        EXPECT_NE(head.find("Content-Length: " + std::to_string(file.size) + "\r\n"),
                  std::string::npos);
        EXPECT_NE(head.find("Connection: keep-alive"), std::string::npos);
        ASSERT_EQ(body.size(), file.size);
        EXPECT_TRUE(body == expected_content(file)) << file.name;
    }

    // The digest of what was sent equals the digest of the expected content.
    std::string path = (std::filesystem::temp_directory_path() /
                        ("inetget-demo-test-" + std::to_string(::getpid())))
                           .string();
    std::ofstream(path, std::ios::binary) << expected_content(server.files()[1]);
    std::string error;
    auto on_disk = sha256_of_file(path, error);
    std::filesystem::remove(path);
    ASSERT_TRUE(on_disk) << error;
    // Recorded just after the server's last write, so possibly a moment after our last read.
    auto sent = server.sent_digest("other.bin");
    for (int i = 0; i < 500 && !sent; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        sent = server.sent_digest("other.bin");
    }
    ASSERT_TRUE(sent);
    EXPECT_EQ(*sent, *on_disk);
    EXPECT_EQ(sent->hex().size(), 64u);
    EXPECT_FALSE(server.sent_digest("never-served.bin"));
}

TEST(InetgetDemoServer, NotFoundHeadAndClose) {
    DemoServer server(quick_files());
    server.start();
    Client client(server.port());
    ASSERT_TRUE(client.connected());
    std::string head, body;

    client.send("GET /missing.bin HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(client.read_response(head, body));
    EXPECT_TRUE(head.starts_with("HTTP/1.1 404 Not Found\r\n")) << head;

    client.send("POST /small.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    ASSERT_TRUE(client.read_response(head, body));
    EXPECT_TRUE(head.starts_with("HTTP/1.1 405 ")) << head;

    client.send("GET /small.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    ASSERT_TRUE(client.read_response(head, body));
    EXPECT_NE(head.find("Connection: close"), std::string::npos);
    EXPECT_EQ(body.size(), 100'000u);
    EXPECT_TRUE(client.at_eof());
}

TEST(InetgetDemoServer, StopEndsConnectionsInTheMiddleOfABody) {
    DemoServer server({DemoFile{"slow.bin", 50'000'000, 1, std::chrono::seconds(60)}});
    server.start();
    Client client(server.port());
    ASSERT_TRUE(client.connected());
    client.send("GET /slow.bin HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string head, body;
    auto started = std::chrono::steady_clock::now();
    server.stop();  // must not wait for the 60 s body
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    EXPECT_FALSE(client.read_response(head, body));
}

}  // namespace
}  // namespace inetget
