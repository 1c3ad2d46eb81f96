// Real FTP daemons on 127.0.0.1 for integration tests, each with its own temporary root and
// free ports, stopped by PID when the object dies (and by the process registry at exit).
//
//   vsftpd     anonymous login (USER anonymous / ftp, any password; any other user is refused
//              with 530), writable directory /pub (upload, mkdir, rename, delete), passive and
//              active mode, no MLSD. With tls: explicit FTPS (AUTH TLS) required for login and
//              data, certificate = the test CA's "good" localhost certificate.
//   pure-ftpd  virtual user `user` / `password` (a wrong password is refused with 530),
//              chrooted to its root, which is writable; MLSD/MLST, EPSV, REST, SIZE, MDTM, UTF8.
//              With tls: AUTH TLS offered (not required) with the same certificate.
//
// pure-ftpd cannot be installed beside vsftpd as a Debian package (both provide ftp-server), so
// its binaries are unpacked from the .deb into a cache directory:
//   apt-get download pure-ftpd && mkdir -p ~/.cache/openinet/pure-ftpd &&
//   dpkg-deb -x pure-ftpd_*.deb ~/.cache/openinet/pure-ftpd
// Looked up in $OPENINET_PURE_FTPD_ROOT (the dpkg-deb target), then ~/.cache/openinet/pure-ftpd,
// then / (a normal installation).
//
// Both daemons chroot and switch to the system account "ftp", so the tests run as root (as CI
// does); start() throws with the reason otherwise.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "process.hpp"

namespace openinet::test {

enum class FtpDaemon { vsftpd, pure_ftpd };
std::string_view to_string(FtpDaemon daemon);

class FtpServer {
 public:
  static constexpr std::string_view user = "openinet";
  static constexpr std::string_view password = "ftp-s3cret";

  explicit FtpServer(FtpDaemon daemon, bool tls = false);
  ~FtpServer();
  FtpServer(const FtpServer&) = delete;
  FtpServer& operator=(const FtpServer&) = delete;

  // Starts the daemon and waits (at most 10 s) until it accepts connections; retries with other
  // ports when one was taken meanwhile. Throws with the daemon's log when it cannot start.
  void start();
  void stop();
  bool running();
  pid_t pid() const { return process_.pid(); }

  FtpDaemon daemon() const { return daemon_; }
  bool tls() const { return tls_; }
  std::uint16_t port() const { return port_; }
  // The login this server accepts: "anonymous" + an e-mail-like password for vsftpd,
  // user/password for pure-ftpd.
  std::string login_user() const;
  std::string login_password() const;

  // A directory the login may write to, as the client names it ("/pub" or "/"), and where it
  // is on disk. Tests put their files there under names unique to the test.
  std::string writable_dir() const;
  std::filesystem::path local_path(std::string_view remote_path) const;
  // Writes a file the daemon can serve and the login may delete or rename; returns its remote
  // path. `relative` is below writable_dir().
  std::string add_file(std::string_view relative, std::string_view content);
  std::string add_pattern_file(std::string_view relative, std::uint64_t size);
  // Sets a file's modification time (UTC, seconds since 1970) so listings can be checked.
  void set_mtime(std::string_view remote_path, std::int64_t unix_seconds);

  std::string log() const;

 private:
  bool try_start(std::string& failure);
  void prepare_vsftpd();
  void prepare_pure_ftpd();
  void give_to_ftp_account(const std::filesystem::path& path) const;

  FtpDaemon daemon_;
  bool tls_;
  TempDir dir_;
  ChildProcess process_;
  std::uint16_t port_ = 0;
  std::uint16_t passive_min_ = 0, passive_max_ = 0;
  uid_t ftp_uid_ = 0;
  gid_t ftp_gid_ = 0;
};

// One server per (daemon, tls) for the whole test binary, started on first use and stopped by
// PID at exit. Tests use names unique to the test.
FtpServer& shared_ftp_server(FtpDaemon daemon, bool tls = false);

}  // namespace openinet::test
