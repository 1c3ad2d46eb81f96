// Child processes and temporary directories for test servers.
//
// Every child a test starts is registered here by PID and is stopped (SIGTERM, then SIGKILL
// after a bound, then waitpid) by its owner's destructor, at normal exit (atexit) and when the
// test binary is interrupted (SIGINT/SIGTERM/SIGHUP). Children also get PR_SET_PDEATHSIG, so a
// test binary killed with SIGKILL does not leave servers behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace openinet::test {

// A fresh directory under /tmp named "openinet-test-<tag>-<pid>-XXXXXX", removed with its
// contents when the object is destroyed. Directories left by test processes that died (SIGKILL)
// are removed when the next test process creates its first TempDir.
class TempDir {
 public:
  explicit TempDir(std::string_view tag);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Common prefix of every TempDir: `pgrep -f /tmp/openinet-test-` finds leftover children.
inline constexpr std::string_view temp_dir_prefix = "/tmp/openinet-test-";

struct SpawnOptions {
  // stdout and stderr of the child go to this file (appended); /dev/null when empty.
  std::filesystem::path output_file;
  std::filesystem::path working_directory;
};

// A running child process, owned: the destructor stops it.
class ChildProcess {
 public:
  ChildProcess() = default;
  // argv[0] must be an absolute path; no shell is involved.
  static ChildProcess spawn(const std::vector<std::string>& argv, const SpawnOptions& options = {});

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool running();  // false once it has exited (reaps it)
  // Exit status as returned by waitpid, valid after the child has been reaped.
  int wait_status() const { return wait_status_; }
  // Waits up to `limit` for the child to exit by itself; true when it did.
  bool wait_for_exit(std::chrono::milliseconds limit);
  // SIGTERM, wait up to `grace`, then SIGKILL, then reap. Safe to call repeatedly.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  int wait_status_ = 0;
};

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  bool timed_out = false;
  std::string output;  // stdout and stderr together
};

// Runs a program to completion (bounded by `limit`; killed after it) and captures its output.
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds limit = std::chrono::seconds(30));

// Like run_command but fails the calling test (throws std::runtime_error, which GoogleTest
// reports) when the program does not exit with status 0.
std::string run_command_checked(const std::vector<std::string>& argv,
                                std::chrono::milliseconds limit = std::chrono::seconds(30));

// A TCP port on 127.0.0.1 that was free a moment ago (the OS chose it by binding port 0).
// Another process may take it before the caller binds it, so callers retry on EADDRINUSE.
std::uint16_t pick_free_port();

// True when a TCP connection to 127.0.0.1:port succeeds within `limit`.
bool can_connect(std::uint16_t port, std::chrono::milliseconds limit = std::chrono::milliseconds(200));

// A string unique within this test process and across test processes ("<pid>-<n>"): for file
// names and query strings on the shared nginx, so repeated tests (--gtest_repeat) and other
// tests never see each other's log lines or files.
std::string unique_suffix();

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, std::string_view content);

}  // namespace openinet::test
