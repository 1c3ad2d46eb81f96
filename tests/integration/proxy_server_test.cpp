// Self-tests of the forward-proxy harness (tinyproxy): it must forward absolute-form requests and
// tunnel CONNECT to the private nginx. The client side is plain POSIX sockets, independent of the
// library under test (which does not speak to proxies yet).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "content.hpp"
#include "nginx_server.hpp"
#include "proxy_server.hpp"

namespace openinet::test {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t max_response_bytes = 1 << 20;
constexpr auto overall_read_limit = 10s;

// A blocking TCP connection to 127.0.0.1 whose every send and receive gives up after 5 s.
class LoopbackSocket {
 public:
  explicit LoopbackSocket(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    timeval limit{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      error_ = std::string("connect: ") + std::strerror(errno);
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~LoopbackSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  LoopbackSocket(const LoopbackSocket&) = delete;
  LoopbackSocket& operator=(const LoopbackSocket&) = delete;

  bool connected() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }

  bool send_all(std::string_view data) {
    while (!data.empty()) {
      ssize_t sent = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (sent < 0 && errno == EINTR) continue;
      if (sent <= 0) {
        error_ = std::string("send: ") + std::strerror(errno);
        return false;
      }
      data.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }

  // Reads until `stop` returns true for what arrived so far, the peer closes, a receive times
  // out, or the overall limit or size cap is reached.
  template <class Stop>
  std::string receive_until(Stop stop) {
    std::string received;
    auto deadline = std::chrono::steady_clock::now() + overall_read_limit;
    char buffer[16384];
    while (!stop(received) && received.size() < max_response_bytes &&
           std::chrono::steady_clock::now() < deadline) {
      ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) error_ = std::string("recv: ") + std::strerror(errno);
      if (got <= 0) break;
      received.append(buffer, static_cast<std::size_t>(got));
    }
    return received;
  }

  std::string receive_to_end() {
    return receive_until([](const std::string&) { return false; });
  }
  std::string receive_head() {
    return receive_until([](const std::string& data) { return data.find("\r\n\r\n") != std::string::npos; });
  }

 private:
  int fd_ = -1;
  std::string error_;
};

struct ParsedResponse {
  int status = 0;
  std::string status_line;
  std::string head;
  std::string body;
};

std::optional<ParsedResponse> parse_response(const std::string& raw) {
  auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos) return std::nullopt;
  ParsedResponse response;
  response.head = raw.substr(0, head_end + 2);
  response.body = raw.substr(head_end + 4);
  response.status_line = raw.substr(0, raw.find("\r\n"));
  // "HTTP/1.x NNN reason"
  if (response.status_line.size() < 12 || response.status_line[8] != ' ') return std::nullopt;
  response.status = std::stoi(response.status_line.substr(9, 3));
  return response;
}

std::size_t count_occurrences(const std::string& text, std::string_view needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size()))
    ++count;
  return count;
}

TEST(ProxyHarness, ForwardsAbsoluteFormGetToNginx) {
  NginxServer& nginx = shared_nginx();
  ProxyServer& proxy = shared_proxy();
  const std::string authority = "127.0.0.1:" + std::to_string(nginx.http_port());
  // A unique query string, so this request's lines are told apart from other tests' and repeats'.
  const std::string target = "/files/1k.bin?proxy-get-" + unique_suffix();

  LoopbackSocket socket(proxy.port());
  ASSERT_TRUE(socket.connected()) << socket.error();
  const std::string request_line = "GET http://" + authority + target + " HTTP/1.0";
  ASSERT_TRUE(socket.send_all(request_line + "\r\nHost: " + authority + "\r\n\r\n")) << socket.error();
  const std::string raw = socket.receive_to_end();

  auto response = parse_response(raw);
  ASSERT_TRUE(response) << "not an HTTP response: " << raw.substr(0, 200) << socket.error();
  EXPECT_EQ(response->status, 200) << response->head;
  EXPECT_NE(response->head.find("Content-Length: 1024\r\n"), std::string::npos) << response->head;
  ASSERT_EQ(response->body.size(), 1024u) << response->head;
  EXPECT_EQ(first_pattern_mismatch(0, response->body), std::nullopt);

  // nginx saw it (so the answer did not come from the proxy itself) and the proxy logged it.
  EXPECT_EQ(nginx.wait_for_access_log(target).size(), 1u);
  EXPECT_NE(proxy.wait_for_log(request_line).find(request_line), std::string::npos) << proxy.log_text();
}

TEST(ProxyHarness, ForwardedRequestCarriesViaHeader) {
  NginxServer& nginx = shared_nginx();
  ProxyServer& proxy = shared_proxy();
  const std::string authority = "127.0.0.1:" + std::to_string(nginx.http_port());

  LoopbackSocket socket(proxy.port());
  ASSERT_TRUE(socket.connected()) << socket.error();
  ASSERT_TRUE(socket.send_all("GET http://" + authority + "/echo/headers HTTP/1.0\r\nHost: " + authority +
                              "\r\n\r\n"))
      << socket.error();
  auto response = parse_response(socket.receive_to_end());
  ASSERT_TRUE(response) << socket.error();
  EXPECT_EQ(response->status, 200) << response->head;
  // /echo/headers answers the request head as nginx received it from the proxy, which names the
  // client's protocol version in its Via entry.
  EXPECT_NE(response->body.find("\r\nVia: 1.0 openinet-test-proxy"), std::string::npos) << response->body;
}

TEST(ProxyHarness, TunnelsConnectToNginx) {
  NginxServer& nginx = shared_nginx();
  ProxyServer& proxy = shared_proxy();
  const std::string authority = "127.0.0.1:" + std::to_string(nginx.http_port());
  const std::string connect_line = "CONNECT " + authority + " HTTP/1.1";
  const std::size_t connects_logged_before = count_occurrences(proxy.log_text(), connect_line);

  LoopbackSocket socket(proxy.port());
  ASSERT_TRUE(socket.connected()) << socket.error();
  ASSERT_TRUE(socket.send_all(connect_line + "\r\nHost: " + authority + "\r\n\r\n")) << socket.error();
  // The tunnel carries nothing before the client speaks, so the head is all that arrives here.
  auto established = parse_response(socket.receive_head());
  ASSERT_TRUE(established) << socket.error() << proxy.log_text();
  ASSERT_EQ(established->status, 200) << established->head;
  EXPECT_TRUE(established->body.empty());

  // Through the tunnel, nginx is spoken to directly (origin-form request).
  const std::string target = "/files/small.txt?proxy-tunnel-" + unique_suffix();
  ASSERT_TRUE(socket.send_all("GET " + target + " HTTP/1.0\r\n\r\n")) << socket.error();
  auto response = parse_response(socket.receive_to_end());
  ASSERT_TRUE(response) << socket.error();
  EXPECT_EQ(response->status, 200) << response->head;
  EXPECT_EQ(response->body, "Hello from OpenInet nginx\n");
  EXPECT_EQ(nginx.wait_for_access_log(target).size(), 1u);

  // tinyproxy logs each request line as "Request (file descriptor N): <line>".
  std::string log;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  for (;;) {
    log = proxy.log_text();
    if (count_occurrences(log, connect_line) > connects_logged_before ||
        std::chrono::steady_clock::now() >= deadline)
      break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(count_occurrences(log, connect_line), connects_logged_before + 1) << log;
  EXPECT_NE(log.find("): " + connect_line), std::string::npos) << log;
}

TEST(ProxyHarness, OwnInstanceStopsByPid) {
  std::uint16_t port = 0;
  pid_t pid = -1;
  {
    ProxyServer proxy;
    proxy.start();
    port = proxy.port();
    pid = proxy.pid();
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(can_connect(port));
    // The port accepts as soon as tinyproxy listens, a moment before it logs entering its loop.
    EXPECT_NE(proxy.wait_for_log("Starting main loop").find("Starting main loop"), std::string::npos)
        << proxy.log_text();
  }
  // The destructor stopped and reaped it: the PID is gone and nothing listens on its port.
  EXPECT_NE(::kill(pid, 0), 0);
  EXPECT_FALSE(can_connect(port));
}

}  // namespace
}  // namespace openinet::test
