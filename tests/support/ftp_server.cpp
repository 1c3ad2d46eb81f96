#include "ftp_server.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "content.hpp"
#include "test_ca.hpp"

namespace openinet::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* vsftpd_binary = "/usr/sbin/vsftpd";
constexpr int start_attempts = 5;
constexpr auto start_limit = 10s;
constexpr std::uint16_t passive_range = 40;

fs::path pure_ftpd_root() {
  if (const char* env = std::getenv("OPENINET_PURE_FTPD_ROOT"); env && *env) return env;
  if (const char* home = std::getenv("HOME"); home && *home) {
    fs::path cached = fs::path(home) / ".cache/openinet/pure-ftpd";
    if (fs::exists(cached / "usr/sbin/pure-ftpd")) return cached;
  }
  return "/";
}

void check_chown(const fs::path& path, uid_t uid, gid_t gid) {
  if (::chown(path.c_str(), uid, gid) != 0)
    throw std::runtime_error("chown " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

std::string_view to_string(FtpDaemon daemon) {
  return daemon == FtpDaemon::vsftpd ? "vsftpd" : "pure-ftpd";
}

FtpServer::FtpServer(FtpDaemon daemon, bool tls)
    : daemon_(daemon), tls_(tls), dir_(std::string("ftp-") + std::string(to_string(daemon))) {
  // The daemons switch to the "ftp" account, which must reach the root through this directory.
  fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                   fs::perms::others_read | fs::perms::others_exec);
  if (const passwd* account = ::getpwnam("ftp")) {
    ftp_uid_ = account->pw_uid;
    ftp_gid_ = account->pw_gid;
  }
  fs::create_directories(dir_ / "root");
  fs::create_directories(dir_ / "empty");
  if (daemon_ == FtpDaemon::vsftpd) fs::create_directories(dir_ / "root/pub");
}

FtpServer::~FtpServer() { stop(); }

void FtpServer::give_to_ftp_account(const fs::path& path) const {
  if (::geteuid() == 0 && ftp_uid_ != 0) check_chown(path, ftp_uid_, ftp_gid_);
}

std::string FtpServer::login_user() const {
  return daemon_ == FtpDaemon::vsftpd ? "anonymous" : std::string(user);
}

std::string FtpServer::login_password() const {
  return daemon_ == FtpDaemon::vsftpd ? "openinet@example.com" : std::string(password);
}

std::string FtpServer::writable_dir() const { return daemon_ == FtpDaemon::vsftpd ? "/pub" : "/"; }

fs::path FtpServer::local_path(std::string_view remote_path) const {
  fs::path relative = fs::path(remote_path).relative_path().lexically_normal();
  if (!relative.empty() && *relative.begin() == "..")
    throw std::invalid_argument("remote path escapes the FTP root: " + std::string(remote_path));
  return dir_ / "root" / relative;
}

std::string FtpServer::add_file(std::string_view relative, std::string_view content) {
  std::string remote = writable_dir();
  if (remote.back() != '/') remote += '/';
  remote += relative;
  fs::path local = local_path(remote);
  fs::create_directories(local.parent_path());
  write_file(local, content);
  give_to_ftp_account(local);
  return remote;
}

std::string FtpServer::add_pattern_file(std::string_view relative, std::uint64_t size) {
  std::string remote = add_file(relative, "");
  write_pattern_file(local_path(remote), size);
  return remote;
}

void FtpServer::set_mtime(std::string_view remote_path, std::int64_t unix_seconds) {
  timeval times[2] = {{static_cast<time_t>(unix_seconds), 0}, {static_cast<time_t>(unix_seconds), 0}};
  fs::path local = local_path(remote_path);
  if (::utimes(local.c_str(), times) != 0)
    throw std::runtime_error("utimes " + local.string() + ": " + std::strerror(errno));
}

std::string FtpServer::log() const {
  std::string text;
  for (const char* name : {"daemon.log", "vsftpd.log"}) {
    std::error_code ec;
    if (fs::exists(dir_ / name, ec)) text += read_file(dir_ / name);
  }
  return text;
}

void FtpServer::prepare_vsftpd() {
  // vsftpd refuses an anonymous root the ftp account could write to; uploads go to /pub.
  give_to_ftp_account(dir_ / "root/pub");
  std::ostringstream c;
  c << "listen=YES\nlisten_ipv6=NO\nlisten_address=127.0.0.1\nlisten_port=" << port_ << "\n"
    << "background=NO\nseccomp_sandbox=NO\n"
    << "anonymous_enable=YES\nlocal_enable=NO\nftp_username=ftp\n"
    << "anon_root=" << (dir_ / "root").string() << "\n"
    << "write_enable=YES\nanon_upload_enable=YES\nanon_mkdir_write_enable=YES\n"
    << "anon_other_write_enable=YES\nanon_umask=022\nanon_world_readable_only=NO\n"
    << "pasv_enable=YES\npasv_min_port=" << passive_min_ << "\npasv_max_port=" << passive_max_ << "\n"
    << "port_enable=YES\nconnect_from_port_20=NO\n"
    << "secure_chroot_dir=" << (dir_ / "empty").string() << "\n"
    << "use_localtime=NO\nhide_ids=NO\ndirmessage_enable=NO\n"
    << "xferlog_enable=YES\nlog_ftp_protocol=YES\nvsftpd_log_file=" << (dir_ / "vsftpd.log").string() << "\n"
    << "idle_session_timeout=120\ndata_connection_timeout=120\n"
    << "max_clients=0\nmax_per_ip=0\n";
  if (tls_) {
    CertFiles files = TestCa::instance().files(CertKind::good);
    c << "ssl_enable=YES\nallow_anon_ssl=YES\nforce_anon_logins_ssl=YES\nforce_anon_data_ssl=YES\n"
      << "ssl_tlsv1=NO\nssl_sslv2=NO\nssl_sslv3=NO\nrequire_ssl_reuse=NO\nssl_ciphers=HIGH\n"
      << "rsa_cert_file=" << files.cert.string() << "\nrsa_private_key_file=" << files.key.string() << "\n";
  }
  write_file(dir_ / "vsftpd.conf", c.str());
  // vsftpd refuses a configuration file not owned by the user running it.
  ::chmod((dir_ / "vsftpd.conf").c_str(), 0600);
}

void FtpServer::prepare_pure_ftpd() {
  give_to_ftp_account(dir_ / "root");
  // A virtual user (puredb) whose home is the root, chrooted ("/./" ends the chroot part).
  std::string hash =
      run_command_checked({"/usr/bin/openssl", "passwd", "-6", "-salt", "openinetftp", std::string(password)});
  while (!hash.empty() && (hash.back() == '\n' || hash.back() == '\r')) hash.pop_back();
  std::ostringstream line;
  line << user << ':' << hash << ':' << ftp_uid_ << ':' << ftp_gid_ << "::" << (dir_ / "root").string()
       << "/./::::::::::::\n";
  write_file(dir_ / "pureftpd.passwd", line.str());
  fs::path pure_pw = pure_ftpd_root() / "usr/bin/pure-pw";
  run_command_checked({pure_pw.string(), "mkdb", (dir_ / "pureftpd.pdb").string(), "-f",
                       (dir_ / "pureftpd.passwd").string()});
}

bool FtpServer::try_start(std::string& failure) {
  port_ = pick_free_port();
  // A block of ports for passive data connections starting at another free port; the daemons
  // try further ports of the block when one is busy.
  passive_min_ = pick_free_port();
  if (passive_min_ > 65535 - passive_range) passive_min_ = static_cast<std::uint16_t>(65535 - passive_range);
  passive_max_ = static_cast<std::uint16_t>(passive_min_ + passive_range - 1);
  fs::remove(dir_ / "daemon.log");

  std::vector<std::string> argv;
  if (daemon_ == FtpDaemon::vsftpd) {
    prepare_vsftpd();
    argv = {vsftpd_binary, (dir_ / "vsftpd.conf").string()};
  } else {
    prepare_pure_ftpd();
    fs::path binary = pure_ftpd_root() / "usr/sbin/pure-ftpd";
    argv = {binary.string(),
            "--bind", "127.0.0.1," + std::to_string(port_),
            "--login", "puredb:" + (dir_ / "pureftpd.pdb").string(),
            "--noanonymous", "--chrooteveryone", "--dontresolve", "--syslogfacility", "none",
            "--minuid", "1", "--maxclientsnumber", "200", "--maxclientsperip", "200",
            "--passiveportrange", std::to_string(passive_min_) + ":" + std::to_string(passive_max_),
            "--pidfile", (dir_ / "pure-ftpd.pid").string(), "--verboselog"};
    if (tls_) {
      CertFiles files = TestCa::instance().files(CertKind::good);
      argv.push_back("--tls=1");
      argv.push_back("--certfile=" + files.cert.string() + "," + files.key.string());
    }
  }
  process_ = ChildProcess::spawn(argv, SpawnOptions{dir_ / "daemon.log", dir_.path()});
  auto deadline = std::chrono::steady_clock::now() + start_limit;
  for (;;) {
    if (!process_.running()) {
      failure = std::string(to_string(daemon_)) + " exited during startup:\n" + log();
      return false;
    }
    if (can_connect(port_)) return true;
    if (std::chrono::steady_clock::now() >= deadline) {
      failure = std::string(to_string(daemon_)) + " did not accept connections within 10 s:\n" + log();
      process_.stop();
      return false;
    }
    std::this_thread::sleep_for(10ms);
  }
}

void FtpServer::start() {
  if (process_.running()) return;
  if (::geteuid() != 0)
    throw std::runtime_error(std::string(to_string(daemon_)) +
                             " tests need root (the daemon chroots and switches to the ftp account)");
  if (ftp_uid_ == 0) throw std::runtime_error("the system account \"ftp\" is missing (the vsftpd package creates it)");
  if (daemon_ == FtpDaemon::pure_ftpd && !fs::exists(pure_ftpd_root() / "usr/sbin/pure-ftpd"))
    throw std::runtime_error(
        "pure-ftpd not found; unpack it: apt-get download pure-ftpd && "
        "dpkg-deb -x pure-ftpd_*.deb ~/.cache/openinet/pure-ftpd (or set OPENINET_PURE_FTPD_ROOT)");
  std::string failure;
  for (int attempt = 1; attempt <= start_attempts; ++attempt) {
    if (try_start(failure)) return;
    if (failure.find("in use") == std::string::npos && failure.find("bind") == std::string::npos) break;
  }
  throw std::runtime_error(failure);
}

void FtpServer::stop() { process_.stop(5s); }

bool FtpServer::running() { return process_.running(); }

FtpServer& shared_ftp_server(FtpDaemon daemon, bool tls) {
  // Destroyed at exit like any static, which stops the daemons by PID; the process registry's
  // atexit hook and PR_SET_PDEATHSIG are the backstops.
  static std::mutex mutex;
  static std::map<std::pair<FtpDaemon, bool>, std::unique_ptr<FtpServer>> servers;
  std::lock_guard lock(mutex);
  auto& server = servers[{daemon, tls}];
  if (!server) server = std::make_unique<FtpServer>(daemon, tls);
  server->start();
  return *server;
}

}  // namespace openinet::test
