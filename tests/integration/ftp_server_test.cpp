// Self-tests of the FTP test daemons (tests/support/ftp_server.*), driven by a minimal blocking
// FTP client written here so that a daemon problem is not confused with a client problem.
#include "ftp_server.hpp"

#include "ftp/reply.hpp"
#include "content.hpp"
#include "test_ca.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <stdexcept>
#include <string>

namespace openinet::test {
namespace {

int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + " failed");
  }
  return fd;
}

// Blocking control connection, optionally upgraded to TLS after AUTH TLS.
class ControlConnection {
 public:
  explicit ControlConnection(std::uint16_t port) : fd_(connect_loopback(port)) {}
  ~ControlConnection() {
    if (ssl_) SSL_free(ssl_);
    if (ctx_) SSL_CTX_free(ctx_);
    ::close(fd_);
  }

  ftp::Reply read_reply() {
    for (int guard = 0; guard < 100000; ++guard) {
      if (buffered_.empty()) {
        char chunk[4096];
        long n = ssl_ ? SSL_read(ssl_, chunk, sizeof chunk) : ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) throw std::runtime_error("control connection closed or timed out");
        buffered_.assign(chunk, static_cast<std::size_t>(n));
      }
      std::size_t consumed = 0;
      auto state = reader_.feed(buffered_, consumed);
      buffered_.erase(0, consumed);
      if (state == ftp::ReplyReader::State::error) throw std::runtime_error("malformed reply");
      if (state == ftp::ReplyReader::State::done) return reader_.take_reply();
    }
    throw std::runtime_error("no reply");
  }

  ftp::Reply command(const std::string& line) {
    std::string wire = line + "\r\n";
    long n = ssl_ ? SSL_write(ssl_, wire.data(), static_cast<int>(wire.size()))
                  : ::send(fd_, wire.data(), wire.size(), MSG_NOSIGNAL);
    if (n != static_cast<long>(wire.size())) throw std::runtime_error("send failed");
    return read_reply();
  }

  void start_tls() {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx_, TestCa::instance().ca_cert().c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    ssl_ = SSL_new(ctx_);
    SSL_set_tlsext_host_name(ssl_, "localhost");
    SSL_set1_host(ssl_, "localhost");
    SSL_set_fd(ssl_, fd_);
    if (SSL_connect(ssl_) != 1) throw std::runtime_error("TLS handshake on the control connection failed");
  }

  std::uint16_t passive_port() {
    auto reply = command("PASV");
    if (reply.code != 227) throw std::runtime_error("PASV refused: " + reply.text());
    unsigned h1, h2, h3, h4, p1, p2;
    auto open = reply.lines[0].find('(');
    if (open == std::string::npos ||
        std::sscanf(reply.lines[0].c_str() + open, "(%u,%u,%u,%u,%u,%u)", &h1, &h2, &h3, &h4, &p1, &p2) != 6)
      throw std::runtime_error("bad PASV reply: " + reply.text());
    return static_cast<std::uint16_t>(p1 * 256 + p2);
  }

  // Runs a data command over a passive connection and returns what the server sent.
  std::string download(const std::string& command_line) {
    std::uint16_t port = passive_port();
    int data = connect_loopback(port);
    auto preliminary = command(command_line);
    if (!preliminary.preliminary()) {
      ::close(data);
      throw std::runtime_error(command_line + " refused: " + preliminary.text());
    }
    std::string received;
    char chunk[65536];
    for (;;) {
      long n = ::recv(data, chunk, sizeof chunk, 0);
      if (n < 0) {
        ::close(data);
        throw std::runtime_error("data connection failed");
      }
      if (n == 0) break;
      received.append(chunk, static_cast<std::size_t>(n));
    }
    ::close(data);
    auto final_reply = read_reply();
    if (final_reply.code != 226) throw std::runtime_error(command_line + " did not complete: " + final_reply.text());
    return received;
  }

 private:
  int fd_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  ftp::ReplyReader reader_;
  std::string buffered_;
};

class FtpServerDaemon : public ::testing::TestWithParam<FtpDaemon> {};

TEST_P(FtpServerDaemon, LoginListAndRetrieve) {
  FtpServer& server = shared_ftp_server(GetParam());
  std::string content = pattern_bytes(0, 100000);
  std::string remote = server.add_file("selftest-retr.bin", content);

  ControlConnection control(server.port());
  EXPECT_EQ(control.read_reply().code, 220);
  EXPECT_EQ(control.command("USER " + server.login_user()).code, 331);
  EXPECT_EQ(control.command("PASS " + server.login_password()).code, 230);
  EXPECT_EQ(control.command("TYPE I").code, 200);
  EXPECT_EQ(control.command("CWD " + server.writable_dir()).code, 250);

  std::string listing = control.download("LIST");
  EXPECT_NE(listing.find("selftest-retr.bin"), std::string::npos) << listing;
  EXPECT_NE(listing.find("100000"), std::string::npos) << listing;

  std::string retrieved = control.download("RETR selftest-retr.bin");
  EXPECT_EQ(retrieved.size(), content.size());
  EXPECT_TRUE(retrieved == content);
  EXPECT_EQ(control.command("QUIT").code, 221);
}

TEST_P(FtpServerDaemon, WrongLoginRefused) {
  FtpServer& server = shared_ftp_server(GetParam());
  ControlConnection control(server.port());
  EXPECT_EQ(control.read_reply().code, 220);
  auto user = control.command("USER " + std::string(FtpServer::user));
  if (user.code == 331) {
    EXPECT_EQ(control.command("PASS wrong-password").code, 530);
  } else {
    EXPECT_EQ(user.code, 530) << user.text();   // vsftpd: anonymous only
  }
}

TEST_P(FtpServerDaemon, TlsOnRequest) {
  FtpServer& server = shared_ftp_server(GetParam(), true);
  ControlConnection control(server.port());
  EXPECT_EQ(control.read_reply().code, 220);
  auto auth = control.command("AUTH TLS");
  ASSERT_EQ(auth.code, 234) << auth.text();
  control.start_tls();
  EXPECT_EQ(control.command("USER " + server.login_user()).code, 331);
  EXPECT_EQ(control.command("PASS " + server.login_password()).code, 230);
  EXPECT_EQ(control.command("PBSZ 0").code, 200);
  EXPECT_EQ(control.command("PROT P").code, 200);
}

INSTANTIATE_TEST_SUITE_P(FtpServer, FtpServerDaemon,
                         ::testing::Values(FtpDaemon::vsftpd, FtpDaemon::pure_ftpd),
                         [](const auto& info) {
                           return info.param == FtpDaemon::vsftpd ? std::string("vsftpd") : std::string("pure_ftpd");
                         });

TEST(FtpServerVsftpd, TlsServerRefusesPlainLogin) {
  FtpServer& server = shared_ftp_server(FtpDaemon::vsftpd, true);
  ControlConnection control(server.port());
  EXPECT_EQ(control.read_reply().code, 220);
  auto user = control.command("USER anonymous");
  EXPECT_EQ(user.code, 530) << user.text();
}

TEST(FtpServerPureFtpd, MlsdAvailable) {
  FtpServer& server = shared_ftp_server(FtpDaemon::pure_ftpd);
  server.add_file("selftest-mlsd.txt", "twelve bytes");
  ControlConnection control(server.port());
  EXPECT_EQ(control.read_reply().code, 220);
  EXPECT_EQ(control.command("USER " + server.login_user()).code, 331);
  EXPECT_EQ(control.command("PASS " + server.login_password()).code, 230);
  auto feat = control.command("FEAT");
  EXPECT_NE(feat.text().find("MLST"), std::string::npos) << feat.text();
  std::string listing = control.download("MLSD");
  EXPECT_NE(listing.find("size=12;"), std::string::npos) << listing;
  EXPECT_NE(listing.find(" selftest-mlsd.txt"), std::string::npos) << listing;
}

TEST(FtpServerLifetime, StopsByPid) {
  pid_t pid;
  {
    FtpServer server(FtpDaemon::vsftpd);
    server.start();
    pid = server.pid();
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(server.running());
    EXPECT_TRUE(can_connect(server.port()));
  }
  EXPECT_NE(::kill(pid, 0), 0);   // reaped: the PID no longer names our child
}

}  // namespace
}  // namespace openinet::test
