// Self-tests of the test servers: they must serve what the other tests rely on.
// The client side here is deliberately raw Asio, independent of the library under test.
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <string>

#include "content.hpp"
#include "nginx_server.hpp"
#include "scripted_server.hpp"
#include "test_ca.hpp"

namespace openinet::test {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

struct RawResponse {
  int status = 0;
  std::string head;
  std::string body;
};

std::string header_value(const std::string& head, std::string_view name) {
  std::string lowered_head = head;
  for (auto& ch : lowered_head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::string key = "\r\n" + std::string(name) + ":";
  for (auto& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto at = lowered_head.find(key);
  if (at == std::string::npos) return {};
  auto start = head.find_first_not_of(' ', at + key.size());
  auto end = head.find("\r\n", start);
  return head.substr(start, end - start);
}

// Reads one response (Content-Length or chunked framing, or none for HEAD) from `socket`,
// keeping any extra bytes in `buffer` for the next response.
template <class Stream>
RawResponse read_response(Stream& socket, std::string& buffer, bool head_request = false) {
  RawResponse response;
  std::size_t end = asio::read_until(socket, asio::dynamic_buffer(buffer), "\r\n\r\n");
  response.head = buffer.substr(0, end);
  buffer.erase(0, end);
  response.status = std::stoi(response.head.substr(9, 3));
  if (head_request || response.status == 204 || response.status == 304) return response;
  if (header_value(response.head, "Transfer-Encoding") == "chunked") {
    for (;;) {
      std::size_t line_end = asio::read_until(socket, asio::dynamic_buffer(buffer), "\r\n");
      std::size_t size = std::stoul(buffer.substr(0, line_end), nullptr, 16);
      buffer.erase(0, line_end);
      if (buffer.size() < size + 2)
        asio::read(socket, asio::dynamic_buffer(buffer), asio::transfer_exactly(size + 2 - buffer.size()));
      response.body += buffer.substr(0, size);
      buffer.erase(0, size + 2);
      if (size == 0) return response;
    }
  }
  std::string length = header_value(response.head, "Content-Length");
  std::size_t size = length.empty() ? 0 : std::stoul(length);
  if (buffer.size() < size)
    asio::read(socket, asio::dynamic_buffer(buffer), asio::transfer_exactly(size - buffer.size()));
  response.body = buffer.substr(0, size);
  buffer.erase(0, size);
  return response;
}

class RawHttpConnection {
 public:
  explicit RawHttpConnection(std::uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  RawResponse request(const std::string& method, const std::string& target, const std::string& extra_headers = {},
                      const std::string& body = {}) {
    std::string text = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
    if (!body.empty()) text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    text += "\r\n" + body;
    asio::write(socket_, asio::buffer(text));
    return read_response(socket_, buffer_, method == "HEAD");
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  std::string buffer_;
};

TEST(SupportTestCa, GeneratesAllCertificates) {
  const TestCa& ca = TestCa::instance();
  EXPECT_TRUE(std::filesystem::exists(ca.ca_cert()));
  EXPECT_TRUE(std::filesystem::exists(ca.untrusted_ca_cert()));
  for (CertKind kind : all_cert_kinds) {
    SCOPED_TRACE(std::string(to_string(kind)));
    EXPECT_GT(std::filesystem::file_size(ca.files(kind).cert), 0u);
    EXPECT_GT(std::filesystem::file_size(ca.files(kind).key), 0u);
  }
  EXPECT_EQ(&ca, &TestCa::instance());
}

TEST(SupportNginx, ServesFilesOfExactSize) {
  NginxServer& nginx = shared_nginx();
  nginx.add_pattern_file("/support/3m-plus-7.bin", 3 * 1024 * 1024 + 7);
  RawHttpConnection connection(nginx.http_port());
  for (auto [path, size] : {std::pair<std::string, std::size_t>{"/files/empty.bin", 0},
                            {"/files/1k.bin", 1024},
                            {"/files/1m.bin", 1024 * 1024},
                            {"/support/3m-plus-7.bin", 3 * 1024 * 1024 + 7}}) {
    SCOPED_TRACE(path);
    RawResponse response = connection.request("GET", path);
    EXPECT_EQ(response.status, 200);
    ASSERT_EQ(response.body.size(), size);
    EXPECT_EQ(first_pattern_mismatch(0, response.body), std::nullopt);
  }
  RawResponse small = connection.request("GET", "/files/small.txt");
  EXPECT_EQ(small.body, "Hello from OpenInet nginx\n");
  RawResponse head = connection.request("HEAD", "/files/1m.bin");
  EXPECT_EQ(header_value(head.head, "Content-Length"), "1048576");
  RawResponse missing = connection.request("GET", "/files/does-not-exist");
  EXPECT_EQ(missing.status, 404);
}

TEST(SupportNginx, AccessLogProvesKeepAlive) {
  NginxServer& nginx = shared_nginx();
  std::string uri_a = "/files/small.txt?keepalive-a-" + unique_suffix();
  std::string uri_b = "/files/small.txt?keepalive-b-" + unique_suffix();
  {
    RawHttpConnection first(nginx.http_port());
    first.request("GET", uri_a);
    first.request("GET", uri_a);
    first.request("GET", uri_b);
  }
  RawHttpConnection second(nginx.http_port());
  second.request("GET", uri_b);

  auto shared = nginx.connection_ids_for(uri_a, 2);
  ASSERT_EQ(shared.size(), 2u);
  EXPECT_EQ(shared[0], shared[1]);
  auto separate = nginx.connection_ids_for(uri_b, 2);
  ASSERT_EQ(separate.size(), 2u);
  EXPECT_EQ(separate[0], shared[0]);
  EXPECT_NE(separate[1], shared[0]);
  auto entries = nginx.wait_for_access_log(uri_b, 2);
  EXPECT_EQ(entries[0].connection_requests, 3u);
  EXPECT_EQ(entries[1].connection_requests, 1u);
}

TEST(SupportNginx, GzipAndChunkedLocations) {
  NginxServer& nginx = shared_nginx();
  RawHttpConnection connection(nginx.http_port());
  RawResponse gzipped = connection.request("GET", "/gzip/files/1m.bin", "Accept-Encoding: gzip\r\n");
  EXPECT_EQ(header_value(gzipped.head, "Content-Encoding"), "gzip");
  EXPECT_EQ(header_value(gzipped.head, "Transfer-Encoding"), "chunked");
  EXPECT_FALSE(gzipped.body.empty());
  RawResponse text = connection.request("GET", "/files/text-100k.txt", "Accept-Encoding: gzip\r\n");
  EXPECT_EQ(header_value(text.head, "Content-Encoding"), "gzip");
  EXPECT_LT(text.body.size(), 100000u);
  RawResponse plain = connection.request("GET", "/files/text-100k.txt");
  EXPECT_EQ(plain.body, text_bytes(0, 100000));

  RawResponse chunked = connection.request("GET", "/chunked/files/1m.bin");
  EXPECT_EQ(header_value(chunked.head, "Transfer-Encoding"), "chunked");
  EXPECT_EQ(header_value(chunked.head, "Content-Length"), "");
  ASSERT_EQ(chunked.body.size(), 1024u * 1024u);
  EXPECT_EQ(first_pattern_mismatch(0, chunked.body), std::nullopt);
}

TEST(SupportNginx, RedirectLocations) {
  NginxServer& nginx = shared_nginx();
  RawHttpConnection connection(nginx.http_port());
  for (int code : {301, 302, 303, 307, 308}) {
    RawResponse response = connection.request("GET", "/redirect/" + std::to_string(code) + "/files/small.txt");
    EXPECT_EQ(response.status, code);
    EXPECT_EQ(header_value(response.head, "Location"), nginx.http_url("/files/small.txt"));  // nginx names the Host header's host
  }
  RawResponse relative = connection.request("GET", "/redirect/relative/files/small.txt?x=1");
  EXPECT_EQ(header_value(relative.head, "Location"), "/files/small.txt?x=1");
  std::string target = "/redirect/chain/3/files/small.txt";
  int hops = 0;
  for (; hops < 10; ++hops) {
    RawResponse response = connection.request("GET", target);
    if (response.status != 302) {
      EXPECT_EQ(response.body, "Hello from OpenInet nginx\n");
      break;
    }
    std::string location = header_value(response.head, "Location");
    target = location.substr(location.find('/', 8));
  }
  EXPECT_EQ(hops, 3);
  RawResponse loop = connection.request("GET", "/redirect/loop");
  EXPECT_EQ(loop.status, 302);
  EXPECT_NE(header_value(loop.head, "Location").find("/redirect/loop"), std::string::npos);
  RawResponse to_https = connection.request("GET", "/redirect/to-https/files/small.txt");
  EXPECT_EQ(header_value(to_https.head, "Location"), nginx.https_url("/files/small.txt"));
}

TEST(SupportNginx, EchoUploadStatusAuth) {
  NginxServer& nginx = shared_nginx();
  RawHttpConnection connection(nginx.http_port());
  std::string body = pattern_bytes(0, 300000);
  RawResponse echoed = connection.request("POST", "/echo/body", "", body);
  EXPECT_EQ(echoed.status, 200);
  EXPECT_EQ(echoed.body, body);
  RawResponse headers = connection.request("GET", "/echo/headers", "X-Test: hello there\r\n");
  EXPECT_EQ(headers.body.rfind("GET /echo/headers HTTP/1.1\r\n", 0), 0u) << headers.body;
  EXPECT_NE(headers.body.find("X-Test: hello there\r\n"), std::string::npos) << headers.body;
  RawResponse method = connection.request("DELETE", "/echo/method");
  EXPECT_EQ(method.body, "DELETE\n");
  RawResponse request = connection.request("PUT", "/echo/request", "", "payload");
  EXPECT_EQ(request.body.rfind("PUT /echo/request HTTP/1.1\r\n", 0), 0u);
  EXPECT_EQ(request.body.substr(request.body.size() - 11), "\r\n\r\npayload");

  RawResponse put = connection.request("PUT", "/upload/support/dir/up.bin", "", body);
  EXPECT_EQ(put.status, 201);
  EXPECT_EQ(read_file(nginx.upload_path("/upload/support/dir/up.bin")), body);
  RawResponse get = connection.request("GET", "/upload/support/dir/up.bin");
  EXPECT_EQ(get.body, body);
  RawResponse removed = connection.request("DELETE", "/upload/support/dir/up.bin");
  EXPECT_EQ(removed.status, 204);
  EXPECT_FALSE(std::filesystem::exists(nginx.upload_path("/upload/support/dir/up.bin")));

  EXPECT_EQ(connection.request("GET", "/status/503").status, 503);
  EXPECT_EQ(connection.request("GET", "/status/204").status, 204);
  RawResponse denied = connection.request("GET", "/auth/files/small.txt");
  EXPECT_EQ(denied.status, 401);
  // "openinet:s3cret-pass" in base64.
  RawResponse allowed = connection.request("GET", "/auth/files/small.txt",
                                           "Authorization: Basic b3BlbmluZXQ6czNjcmV0LXBhc3M=\r\n");
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(allowed.body, "Hello from OpenInet nginx\n");
}

// Handshake with verification against the test CA; returns OpenSSL's verify result.
long tls_verify_result(std::uint16_t port, const std::filesystem::path& trust, bool& handshake_ok,
                       RawResponse* response = nullptr) {
  asio::io_context io;
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(trust.string());
  context.set_verify_mode(asio::ssl::verify_peer);
  asio::ssl::stream<tcp::socket> stream(io, context);
  SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
  SSL_set1_host(stream.native_handle(), "localhost");
  stream.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  boost::system::error_code ec;
  stream.handshake(asio::ssl::stream_base::client, ec);
  handshake_ok = !ec;
  if (handshake_ok && response) {
    std::string request = "GET /files/small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n";
    asio::write(stream, asio::buffer(request));
    std::string buffer;
    *response = read_response(stream, buffer);
  }
  return SSL_get_verify_result(stream.native_handle());
}

TEST(SupportNginx, HttpsPortsPresentTheirCertificates) {
  NginxServer& nginx = shared_nginx();
  const TestCa& ca = TestCa::instance();
  bool ok = false;
  RawResponse response;
  EXPECT_EQ(tls_verify_result(nginx.https_port(CertKind::good), ca.ca_cert(), ok, &response), X509_V_OK);
  EXPECT_TRUE(ok);
  EXPECT_EQ(response.body, "Hello from OpenInet nginx\n");

  EXPECT_EQ(tls_verify_result(nginx.https_port(CertKind::wrong_name), ca.ca_cert(), ok), X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_FALSE(ok);
  EXPECT_EQ(tls_verify_result(nginx.https_port(CertKind::expired), ca.ca_cert(), ok), X509_V_ERR_CERT_HAS_EXPIRED);
  EXPECT_FALSE(ok);
  EXPECT_EQ(tls_verify_result(nginx.https_port(CertKind::untrusted), ca.ca_cert(), ok),
            X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  EXPECT_FALSE(ok);
  // The same certificate verifies once its CA is trusted: the failure above is about trust only.
  EXPECT_EQ(tls_verify_result(nginx.https_port(CertKind::untrusted), ca.untrusted_ca_cert(), ok), X509_V_OK);
  EXPECT_TRUE(ok);
}

TEST(SupportNginx, PrivateServerStartsAndStopsByPid) {
  pid_t pid = 0;
  std::filesystem::path prefix;
  {
    NginxServer nginx;
    nginx.start();
    pid = nginx.pid();
    prefix = nginx.prefix();
    ASSERT_GT(pid, 0);
    EXPECT_NE(nginx.http_port(), shared_nginx().http_port());
    RawHttpConnection connection(nginx.http_port());
    EXPECT_EQ(connection.request("GET", "/files/small.txt").status, 200);
    nginx.stop();
    EXPECT_FALSE(nginx.running());
    EXPECT_FALSE(can_connect(nginx.http_port()));
  }
  EXPECT_NE(::kill(pid, 0), 0);  // gone and reaped
  EXPECT_FALSE(std::filesystem::exists(prefix));
}

// A client with bounded waits (asio's blocking reads cannot time out), so a harness bug fails
// the test instead of hanging it.
class BoundedClient {
 public:
  explicit BoundedClient(std::uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  void send(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes.data(), bytes.size())); }

  struct ReadResult {
    std::string bytes;
    boost::system::error_code end;  // why reading stopped (eof, reset, timed_out)
    std::size_t reads = 0;
  };
  // Reads until the peer closes, an error, `max_bytes`, or `limit`.
  ReadResult read(std::chrono::milliseconds limit = 5s, std::size_t max_bytes = SIZE_MAX) {
    ReadResult result;
    char chunk[65536];
    bool done = false;
    std::function<void()> next = [&] {
      socket_.async_read_some(asio::buffer(chunk), [&](boost::system::error_code ec, std::size_t got) {
        result.bytes.append(chunk, got);
        if (got > 0) ++result.reads;
        if (ec || result.bytes.size() >= max_bytes) {
          result.end = ec;
          done = true;
          return;
        }
        next();
      });
    };
    next();
    io_.restart();
    io_.run_for(limit);
    if (!done) {
      socket_.cancel();
      io_.restart();
      io_.run();
      result.end = asio::error::timed_out;
    }
    return result;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
};

TEST(SupportScriptedServer, ScriptsRunPerConnectionInOrder) {
  ScriptedServer server;
  server.add_script({step::ReadRequest{}, step::Send{http_response(200, "first")}, step::ReadRequest{},
                     step::Send{http_response(200, "second", "X-Extra: 1\r\n")}, step::Close{}});
  server.add_script({step::ReadRequest{}, step::Send{http_response(404, "third")}});

  BoundedClient keep_alive(server.port());
  keep_alive.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  keep_alive.send("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  auto got = keep_alive.read();
  EXPECT_EQ(got.end, asio::error::eof);
  EXPECT_EQ(got.bytes, http_response(200, "first") + http_response(200, "second", "X-Extra: 1\r\n"));

  BoundedClient second(server.port());
  second.send("PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  EXPECT_EQ(second.read().bytes, http_response(404, "third"));

  BoundedClient third(server.port());  // beyond the queue: the default script closes at once
  auto closed = third.read();
  EXPECT_EQ(closed.bytes, "");
  EXPECT_EQ(closed.end, asio::error::eof);

  ASSERT_TRUE(server.wait_until_finished());
  EXPECT_EQ(server.accepted_connections(), 3u);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0], "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(requests[1], "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(requests[2], "PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  auto connections = server.connections();
  EXPECT_EQ(connections[0].requests.size(), 2u);
  EXPECT_EQ(connections[0].error, "");
  EXPECT_TRUE(connections[2].finished);
}

TEST(SupportScriptedServer, TrickleArrivesInPieces) {
  ScriptedServer server;
  std::string body = pattern_bytes(0, 40);
  server.add_script({step::ReadRequest{}, step::Trickle{http_response(200, body), 16, 20ms}, step::Close{}});
  BoundedClient client(server.port());
  client.send("GET / HTTP/1.1\r\n\r\n");
  auto got = client.read();
  EXPECT_EQ(got.bytes, http_response(200, body));
  EXPECT_GE(got.reads, 3u);  // pieces 20 ms apart cannot all arrive in one read
}

TEST(SupportScriptedServer, DropAfterExactByteCount) {
  ScriptedServer server;
  std::string response = http_response(200, pattern_bytes(0, 10000));
  server.add_script({step::ReadRequest{}, step::DropAfter{response, 5000}});
  server.add_script({step::ReadRequest{}, step::Send{"HTTP/1.1 200 OK\r\n"}, step::Reset{}});
  BoundedClient client(server.port());
  client.send("GET / HTTP/1.1\r\n\r\n");
  auto got = client.read();
  EXPECT_EQ(got.end, asio::error::eof);
  EXPECT_EQ(got.bytes, response.substr(0, 5000));

  BoundedClient reset(server.port());
  reset.send("GET / HTTP/1.1\r\n\r\n");
  auto aborted = reset.read();
  EXPECT_EQ(aborted.end, asio::error::connection_reset);
}

TEST(SupportScriptedServer, StopEndsStallsPromptly) {
  auto server = std::make_unique<ScriptedServer>();
  server->add_script({step::ReadRequest{}, step::Send{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"},
                      step::Stall{step::forever}});
  server->add_script({step::ReadUntilClose{}});  // accept and never answer
  BoundedClient stalled(server->port());
  stalled.send("GET / HTTP/1.1\r\n\r\n");
  BoundedClient unanswered(server->port());
  ASSERT_TRUE(server->wait_for_connections(2));
  ASSERT_TRUE(server->wait_for_requests(1));

  auto partial = stalled.read(300ms);
  EXPECT_EQ(partial.end, asio::error::timed_out);
  EXPECT_EQ(partial.bytes, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");

  auto started = std::chrono::steady_clock::now();
  std::thread stopper([&] { server->stop(); });
  auto rest = stalled.read(5s);
  auto never = unanswered.read(5s);
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_NE(rest.end, asio::error::timed_out);
  EXPECT_NE(never.end, asio::error::timed_out);
  EXPECT_EQ(never.bytes, "");
  server.reset();  // the destructor after stop() is harmless
}

TEST(SupportScriptedServer, LineStepsForLineProtocols) {
  ScriptedServer server;
  server.add_script({step::SendLine{"220 ready"}, step::ExpectLine{"USER "}, step::SendLine{"331 password"},
                     step::ExpectLine{"PASS "}, step::SendLine{"230 in"}, step::ReadLine{}, step::SendLine{"221 bye"}});
  server.add_script({step::SendLine{"220 ready"}, step::ExpectLine{"USER "}, step::SendLine{"never sent"}});
  BoundedClient client(server.port());
  client.send("USER anonymous\r\nPASS me@\r\nQUIT\r\n");
  EXPECT_EQ(client.read().bytes, "220 ready\r\n331 password\r\n230 in\r\n221 bye\r\n");

  BoundedClient wrong(server.port());
  wrong.send("PASS first\r\n");
  EXPECT_EQ(wrong.read().bytes, "220 ready\r\n");
  ASSERT_TRUE(server.wait_until_finished());
  auto connections = server.connections();
  EXPECT_EQ(connections[0].lines, (std::vector<std::string>{"USER anonymous", "PASS me@", "QUIT"}));
  EXPECT_EQ(connections[0].error, "");
  EXPECT_NE(connections[1].error.find("USER"), std::string::npos);
}

TEST(SupportScriptedServer, ListenWithoutAccepting) {
  ScriptedServer server(ScriptedServer::Options{.accept_connections = false});
  BoundedClient client(server.port());  // the kernel completes the handshake anyway
  auto got = client.read(200ms);
  EXPECT_EQ(got.end, asio::error::timed_out);
  EXPECT_EQ(server.accepted_connections(), 0u);
}

TEST(SupportScriptedServer, TlsMode) {
  ScriptedServer server(ScriptedServer::Options{.tls = true});
  server.add_script({step::ReadRequest{}, step::Send{http_response(200, "secure")}, step::Close{}});
  EXPECT_EQ(server.url("/x").rfind("https://localhost:", 0), 0u);
  bool ok = false;
  RawResponse response;
  EXPECT_EQ(tls_verify_result(server.port(), TestCa::instance().ca_cert(), ok, &response), X509_V_OK);
  EXPECT_TRUE(ok);
  EXPECT_EQ(response.body, "secure");
  ASSERT_TRUE(server.wait_for_requests(1));
  EXPECT_EQ(server.requests()[0], "GET /files/small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n");

  ScriptedServer expired(ScriptedServer::Options{.tls = true, .certificate = CertKind::expired});
  EXPECT_EQ(tls_verify_result(expired.port(), TestCa::instance().ca_cert(), ok), X509_V_ERR_CERT_HAS_EXPIRED);
  EXPECT_FALSE(ok);
}

}  // namespace
}  // namespace openinet::test
