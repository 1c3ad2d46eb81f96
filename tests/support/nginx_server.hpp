// A private nginx on 127.0.0.1 for integration tests.
//
// One HTTP port and one HTTPS port per test certificate (see test_ca.hpp), all serving the same
// locations (full list in docs/internals/testing.md):
//   /<file>                  static files from the docroot (Range, HEAD, ETag: nginx's own)
//   /gzip/<file>             the same files, gzip'd for any type when the client accepts gzip
//                            (the response is then chunked, without Content-Length)
//   /chunked/<file>          the same files, identity encoding but always chunked
//   /redirect/<code>/<path>  answers <code> (301 302 303 307 308) with Location: /<path>
//   /redirect/chain/<n>/<p>  n redirects (302) in a row, ending at /<p> (1 <= n <= 40)
//   /redirect/loop           302 to itself; /redirect/loop-a <-> /redirect/loop-b
//   /redirect/relative/<p>   302 with a relative Location ("/<p>", absolute_redirect off)
//   /redirect/to-https/<p>   302 to https://localhost:<good https port>/<p>
//   /redirect/to-http/<p>    302 to http://127.0.0.1:<http port>/<p>
//   /upload/<path>           WebDAV PUT / DELETE / MKCOL / COPY / MOVE (and GET), no size limit
//   /echo/body               answers the request body
//   /echo/headers            answers the raw request head as received (request line + headers)
//   /echo/request            raw request head followed by the body
//   /echo/method             the request method and a newline
//   /status/<code>           answers <code> with a short text body (none for 204 / 304)
//   /auth/<file>             docroot files behind Basic auth (basic_auth_user / _password)
//   /cookies/set             sets two cookies (session=abc123, theme=dark)
// Keep-alive is on (keepalive_requests 100000), sendfile on, gzip on for text types.
//
// The access log records nginx's connection serial number and the request's index on it, so a
// test can prove that requests shared one connection (connection_ids_for()).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "process.hpp"
#include "test_ca.hpp"

namespace openinet::test {

struct AccessLogEntry {
  std::uint64_t connection = 0;           // nginx's $connection: one number per TCP connection
  std::uint64_t connection_requests = 0;  // 1 for the first request on that connection, 2, ...
  std::uint16_t server_port = 0;
  std::string method;
  std::string request_uri;                // as sent, with the query string
  int status = 0;
  std::uint64_t body_bytes_sent = 0;
  std::uint64_t request_length = 0;       // request line + headers + body as received
  std::string range;                      // the Range header, empty when none
  std::string accept_encoding;
  std::string user_agent;
};

class NginxServer {
 public:
  static constexpr std::string_view basic_auth_user = "openinet";
  static constexpr std::string_view basic_auth_password = "s3cret-pass";
  static constexpr int max_redirect_chain = 40;

  NginxServer();
  ~NginxServer();  // stops nginx and removes its directory
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  // Files may be added before or after start(); url_path starts with '/'. Default files are
  // created by the constructor:
  //   /files/empty.bin (0 B), /files/small.txt ("Hello from OpenInet nginx\n"),
  //   /files/1k.bin, /files/64k.bin, /files/1m.bin, /files/10m.bin (pattern content),
  //   /files/text-100k.txt (text content, 100000 B), /index.html
  void add_file(std::string_view url_path, std::string_view content);
  void add_pattern_file(std::string_view url_path, std::uint64_t size);  // content.hpp
  void add_text_file(std::string_view url_path, std::uint64_t size);     // content.hpp
  std::filesystem::path docroot_path(std::string_view url_path) const;
  // Where a PUT to url_path (which starts with "/upload/") is stored.
  std::filesystem::path upload_path(std::string_view url_path) const;

  // Starts nginx and waits (at most 10 s) until every port accepts connections. Throws with
  // nginx's error log when it cannot. Retries with other ports when one was taken meanwhile.
  void start();
  // SIGTERM, then SIGKILL after 5 s, then waitpid.
  void stop();
  bool running();
  pid_t pid() const { return process_.pid(); }

  std::uint16_t http_port() const { return http_port_; }
  std::uint16_t https_port(CertKind kind = CertKind::good) const;
  // "http://127.0.0.1:<port><path>"
  std::string http_url(std::string_view path) const;
  // "https://localhost:<port><path>" (the good and expired certificates name localhost and
  // 127.0.0.1; note that "localhost" may resolve to ::1 first, where nothing listens).
  std::string https_url(std::string_view path, CertKind kind = CertKind::good) const;

  std::vector<AccessLogEntry> access_log() const;
  // Waits (bounded) until at least `count` entries with exactly this request_uri are logged
  // (nginx writes the line just after sending the response) and returns all of them.
  std::vector<AccessLogEntry> wait_for_access_log(std::string_view request_uri, std::size_t count = 1,
                                                  std::chrono::milliseconds limit = std::chrono::seconds(5)) const;
  // The $connection values of those entries: equal values prove keep-alive reuse.
  std::vector<std::uint64_t> connection_ids_for(std::string_view request_uri, std::size_t count = 1) const;
  std::string error_log() const;

  const std::filesystem::path& prefix() const { return dir_.path(); }

 private:
  void write_config();
  bool try_start(std::string& failure);

  TempDir dir_;
  ChildProcess process_;
  std::uint16_t http_port_ = 0;
  std::map<CertKind, std::uint16_t> https_ports_;
};

// One nginx for the whole test binary, started on first use and stopped (by PID) at exit.
// Tests that add files to it should use names unique to the test.
NginxServer& shared_nginx();

}  // namespace openinet::test
