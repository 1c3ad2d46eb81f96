#include "proxy_server.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace openinet::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* tinyproxy_binary = "/usr/bin/tinyproxy";
constexpr int start_attempts = 5;
constexpr auto start_limit = 10s;

struct Account {
  std::string user;
  std::string group;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Started as root, tinyproxy switches to its configured User/Group (and refuses to keep running
// as root without one). The package's own account is preferred; "nobody" is the fallback.
std::optional<Account> unprivileged_account() {
  for (const char* name : {"tinyproxy", "nobody"}) {
    const passwd* user = ::getpwnam(name);
    if (user == nullptr) continue;
    const group* primary = ::getgrgid(user->pw_gid);
    if (primary == nullptr) continue;
    return Account{user->pw_name, primary->gr_name, user->pw_uid, user->pw_gid};
  }
  return std::nullopt;
}

void give_to(const fs::path& path, const Account& account) {
  if (::chown(path.c_str(), account.uid, account.gid) != 0)
    throw std::runtime_error("chown " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

ProxyServer::ProxyServer() : dir_("tinyproxy") {}

ProxyServer::~ProxyServer() { stop(); }

void ProxyServer::write_config() {
  const fs::path log_file = dir_ / "tinyproxy.log";
  std::ostringstream c;
  c << "Port " << port_ << "\n";
  c << "Listen 127.0.0.1\n";
  c << "Allow 127.0.0.1\n";
  // Without ConnectPort lines tinyproxy tunnels CONNECT to any port, which tests need (nginx
  // and the scripted server listen on ephemeral ports).
  c << "LogFile \"" << log_file.string() << "\"\n";
  c << "LogLevel Info\n";
  c << "MaxClients 100\n";
  c << "Timeout 600\n";
  // Keeps the Via header (tinyproxy logs "Disabling transmission of the Via header" for this
  // directive whatever its value; the header is still sent).
  c << "DisableViaHeader No\n";
  c << "ViaProxyName \"openinet-test-proxy\"\n";

  // The log file is reopened by the unprivileged user, so it and its directory belong to it.
  write_file(log_file, "");
  if (::geteuid() == 0) {
    std::optional<Account> account = unprivileged_account();
    if (!account) throw std::runtime_error("tinyproxy as root needs a 'tinyproxy' or 'nobody' account");
    c << "User " << account->user << "\nGroup " << account->group << "\n";
    give_to(dir_.path(), *account);
    give_to(log_file, *account);
  }
  write_file(dir_ / "tinyproxy.conf", c.str());
}

bool ProxyServer::try_start(std::string& failure) {
  port_ = pick_free_port();
  write_config();
  // A fresh output file per attempt, so the failure reported is this attempt's.
  fs::remove(dir_ / "output.log");

  process_ = ChildProcess::spawn({tinyproxy_binary, "-d", "-c", (dir_ / "tinyproxy.conf").string()},
                                 SpawnOptions{dir_ / "output.log", dir_.path()});

  auto deadline = std::chrono::steady_clock::now() + start_limit;
  for (;;) {
    if (!process_.running()) {
      failure = "tinyproxy exited during startup:\n" + log_text() + read_file(dir_ / "output.log");
      return false;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      failure = "tinyproxy did not accept connections within 10 s:\n" + log_text() +
                read_file(dir_ / "output.log");
      process_.stop();
      return false;
    }
    if (can_connect(port_)) break;
    std::this_thread::sleep_for(10ms);
  }
  // Someone else may own the port we probed; tinyproxy then exits on its bind error.
  if (!process_.running()) {
    failure = "tinyproxy exited during startup:\n" + log_text() + read_file(dir_ / "output.log");
    return false;
  }
  return true;
}

void ProxyServer::start() {
  if (process_.running()) return;
  std::string failure;
  for (int attempt = 1; attempt <= start_attempts; ++attempt) {
    if (try_start(failure)) return;
    // tinyproxy reports a taken port only as this, on its output.
    if (failure.find("Could not create listening sockets") == std::string::npos) break;
  }
  throw std::runtime_error(failure);
}

void ProxyServer::stop() { process_.stop(5s); }

bool ProxyServer::running() { return process_.running(); }

std::string ProxyServer::log_text() const { return read_file(dir_ / "tinyproxy.log"); }

std::string ProxyServer::wait_for_log(std::string_view needle, std::chrono::milliseconds limit) const {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    std::string text = log_text();
    if (text.find(needle) != std::string::npos || std::chrono::steady_clock::now() >= deadline) return text;
    std::this_thread::sleep_for(20ms);
  }
}

ProxyServer& shared_proxy() {
  // Destroyed at exit like any static, which stops tinyproxy by its PID; the process registry's
  // atexit hook and PR_SET_PDEATHSIG are the backstops.
  static ProxyServer server;
  static std::mutex start_mutex;
  std::lock_guard lock(start_mutex);
  server.start();
  return server;
}

}  // namespace openinet::test
