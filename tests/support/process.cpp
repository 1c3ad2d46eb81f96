#include "process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <deque>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

namespace openinet::test {
namespace {

using namespace std::chrono_literals;

// Live children, kept in a fixed array of atomics so the signal handler can read it safely.
constexpr std::size_t max_children = 256;
std::array<std::atomic<pid_t>, max_children> live_children{};

void stop_all_children_at_exit();
void kill_children_on_signal(int signo);

void install_cleanup_hooks() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::atexit(stop_all_children_at_exit);
    for (int signo : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction current {};
      sigaction(signo, nullptr, &current);
      // Leave handlers someone else installed alone.
      if (current.sa_handler != SIG_DFL) continue;
      struct sigaction action {};
      action.sa_handler = kill_children_on_signal;
      sigemptyset(&action.sa_mask);
      action.sa_flags = SA_RESETHAND;
      sigaction(signo, &action, nullptr);
    }
  });
}

void register_child(pid_t pid) {
  install_cleanup_hooks();
  for (auto& slot : live_children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
  // More than max_children live at once: the PID is still stopped by its owner.
}

void unregister_child(pid_t pid) {
  for (auto& slot : live_children) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

void kill_children_on_signal(int signo) {
  for (auto& slot : live_children) {
    pid_t pid = slot.load();
    if (pid > 0) ::kill(pid, SIGKILL);
  }
  // SA_RESETHAND restored the default action: re-raise to die the usual way.
  ::raise(signo);
}

bool reap(pid_t pid, int& status, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    pid_t result = ::waitpid(pid, &status, WNOHANG);
    if (result == pid) return true;
    if (result < 0 && errno != EINTR) return true;  // not our child any more (already reaped)
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
}

void terminate_and_reap(pid_t pid, std::chrono::milliseconds grace, int& status) {
  ::kill(pid, SIGTERM);
  if (!reap(pid, status, grace)) {
    ::kill(pid, SIGKILL);
    reap(pid, status, 10s);
  }
}

void stop_all_children_at_exit() {
  for (auto& slot : live_children) {
    pid_t pid = slot.exchange(0);
    if (pid > 0) {
      int status = 0;
      terminate_and_reap(pid, 2s, status);
    }
  }
}

// PR_SET_PDEATHSIG fires when the *thread* that forked exits, not the process. Children are
// therefore forked from one thread that lives as long as the process, so a server started from
// a short-lived test thread is not killed when that thread ends.
class Spawner {
 public:
  static Spawner& instance() {
    // Never destroyed: the thread may still wait on the queue while statics are torn down.
    static Spawner* spawner = new Spawner;
    return *spawner;
  }

  template <class F>
  auto run(F task) -> decltype(task()) {
    std::packaged_task<decltype(task())()> packaged(std::move(task));
    auto result = packaged.get_future();
    {
      std::lock_guard lock(mutex_);
      queue_.emplace_back([&packaged] { packaged(); });
    }
    wakeup_.notify_one();
    return result.get();
  }

 private:
  Spawner() {
    std::thread([this] {
      for (;;) {
        std::function<void()> task;
        {
          std::unique_lock lock(mutex_);
          wakeup_.wait(lock, [this] { return !queue_.empty(); });
          task = std::move(queue_.front());
          queue_.pop_front();
        }
        task();
      }
    }).detach();
  }

  std::mutex mutex_;
  std::condition_variable wakeup_;
  std::deque<std::function<void()>> queue_;
};

// Forks and execs argv with stdout/stderr on output_fd (or /dev/null when -1). Only
// async-signal-safe calls happen between fork and exec.
pid_t fork_exec(const std::vector<std::string>& argv, int output_fd,
                const std::filesystem::path& working_directory) {
  if (argv.empty() || argv[0].empty() || argv[0][0] != '/')
    throw std::invalid_argument("spawn: argv[0] must be an absolute path");
  std::vector<char*> raw_argv;
  for (const auto& arg : argv) raw_argv.push_back(const_cast<char*>(arg.c_str()));
  raw_argv.push_back(nullptr);
  std::string cwd = working_directory.string();

  int exec_error_pipe[2];
  if (::pipe2(exec_error_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));

  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int error = errno;
    ::close(exec_error_pipe[0]);
    ::close(exec_error_pipe[1]);
    throw std::runtime_error(std::string("fork: ") + std::strerror(error));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::setpgid(0, 0);
    int null_fd = ::open("/dev/null", O_RDWR);
    int out = output_fd >= 0 ? output_fd : null_fd;
    ::dup2(null_fd, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    int error_fd = exec_error_pipe[1];
    // No inherited descriptor may live on in the child (a listening socket of the test
    // process must not stay open in a server): mark all of them close-on-exec, which also
    // keeps the error pipe usable until exec.
    constexpr unsigned close_range_cloexec = 4;  // CLOSE_RANGE_CLOEXEC, Linux >= 5.11
    if (::syscall(SYS_close_range, 3U, ~0U, close_range_cloexec) != 0) {
      long limit = ::sysconf(_SC_OPEN_MAX);
      for (int fd = 3; fd < (limit > 0 ? limit : 65536); ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    sigset_t all;
    sigemptyset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      int error = errno;
      (void)!::write(error_fd, &error, sizeof error);
      ::_exit(127);
    }
    ::execv(raw_argv[0], raw_argv.data());
    int error = errno;
    (void)!::write(error_fd, &error, sizeof error);
    ::_exit(127);
  }
  ::close(exec_error_pipe[1]);
  int child_error = 0;
  ssize_t got;
  do {
    got = ::read(exec_error_pipe[0], &child_error, sizeof child_error);
  } while (got < 0 && errno == EINTR);
  ::close(exec_error_pipe[0]);
  if (got == sizeof child_error) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(child_error));
  }
  register_child(pid);
  return pid;
}

pid_t spawn_on_spawner(const std::vector<std::string>& argv, int output_fd,
                       const std::filesystem::path& working_directory) {
  return Spawner::instance().run([&] { return fork_exec(argv, output_fd, working_directory); });
}

std::string join_argv(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) {
    if (!text.empty()) text += ' ';
    text += arg;
  }
  return text;
}

}  // namespace

namespace {

// A test binary killed with SIGKILL cannot remove its directories. Their names carry the owner's
// PID, so the next test process removes those whose owner is gone.
void remove_directories_of_dead_test_processes() {
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(std::string(temp_dir_prefix)).parent_path();
  std::string name_prefix = std::filesystem::path(std::string(temp_dir_prefix)).filename().string();
  for (const auto& entry : std::filesystem::directory_iterator(parent, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(name_prefix, 0) != 0) continue;
    // openinet-test-<tag>-<pid>-XXXXXX
    auto pid_end = name.rfind('-');
    auto pid_start = pid_end == std::string::npos ? std::string::npos : name.rfind('-', pid_end - 1);
    if (pid_start == std::string::npos || pid_start < name_prefix.size()) continue;
    pid_t owner = 0;
    auto digits = std::string_view(name).substr(pid_start + 1, pid_end - pid_start - 1);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) continue;
    owner = static_cast<pid_t>(std::stol(std::string(digits)));
    if (owner == ::getpid() || ::kill(owner, 0) == 0 || errno != ESRCH) continue;
    std::filesystem::remove_all(entry.path(), ec);
  }
}

}  // namespace

TempDir::TempDir(std::string_view tag) {
  static std::once_flag cleaned;
  std::call_once(cleaned, remove_directories_of_dead_test_processes);
  std::string pattern = std::string(temp_dir_prefix) + std::string(tag) + "-" + std::to_string(::getpid()) + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

ChildProcess ChildProcess::spawn(const std::vector<std::string>& argv, const SpawnOptions& options) {
  int output_fd = -1;
  if (!options.output_file.empty()) {
    output_fd = ::open(options.output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (output_fd < 0)
      throw std::runtime_error("open " + options.output_file.string() + ": " + std::strerror(errno));
  }
  pid_t pid;
  try {
    pid = spawn_on_spawner(argv, output_fd, options.working_directory);
  } catch (...) {
    if (output_fd >= 0) ::close(output_fd);
    throw;
  }
  if (output_fd >= 0) ::close(output_fd);
  return ChildProcess(pid);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), wait_status_(other.wait_status_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    stop();
    pid_ = std::exchange(other.pid_, -1);
    wait_status_ = other.wait_status_;
  }
  return *this;
}

ChildProcess::~ChildProcess() { stop(); }

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  return !wait_for_exit(0ms);
}

bool ChildProcess::wait_for_exit(std::chrono::milliseconds limit) {
  if (pid_ <= 0) return true;
  if (!reap(pid_, wait_status_, limit)) return false;
  unregister_child(pid_);
  pid_ = -1;
  return true;
}

void ChildProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return;
  terminate_and_reap(pid_, grace, wait_status_);
  unregister_child(pid_);
  pid_ = -1;
}

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds limit) {
  int output_pipe[2];
  if (::pipe2(output_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  pid_t pid;
  try {
    pid = spawn_on_spawner(argv, output_pipe[1], {});
  } catch (...) {
    ::close(output_pipe[0]);
    ::close(output_pipe[1]);
    throw;
  }
  ::close(output_pipe[1]);

  CommandResult result;
  auto deadline = std::chrono::steady_clock::now() + limit;
  char buffer[4096];
  for (;;) {
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (remaining <= 0ms) {
      result.timed_out = true;
      break;
    }
    pollfd readable{output_pipe[0], POLLIN, 0};
    int ready = ::poll(&readable, 1, static_cast<int>(remaining.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    ssize_t got = ::read(output_pipe[0], buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    result.output.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(output_pipe[0]);

  int status = 0;
  if (result.timed_out) {
    terminate_and_reap(pid, 1s, status);
  } else if (!reap(pid, status, std::chrono::duration_cast<std::chrono::milliseconds>(
                                     deadline - std::chrono::steady_clock::now()) + 100ms)) {
    result.timed_out = true;
    terminate_and_reap(pid, 1s, status);
  }
  unregister_child(pid);
  if (!result.timed_out && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

std::string run_command_checked(const std::vector<std::string>& argv, std::chrono::milliseconds limit) {
  CommandResult result = run_command(argv, limit);
  if (result.exit_code != 0) {
    std::ostringstream message;
    message << "command failed (" << (result.timed_out ? "timed out" : "exit " + std::to_string(result.exit_code))
            << "): " << join_argv(argv) << "\n" << result.output;
    throw std::runtime_error(message.str());
  }
  return result.output;
}

std::uint16_t pick_free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    int error = errno;
    ::close(fd);
    throw std::runtime_error(std::string("bind 127.0.0.1:0: ") + std::strerror(error));
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

bool can_connect(std::uint16_t port, std::chrono::milliseconds limit) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  bool connected = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    connected = true;
  } else if (errno == EINPROGRESS) {
    pollfd writable{fd, POLLOUT, 0};
    if (::poll(&writable, 1, static_cast<int>(limit.count())) == 1) {
      int error = 0;
      socklen_t length = sizeof error;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
      connected = error == 0;
    }
  }
  ::close(fd);
  return connected;
}

std::string unique_suffix() {
  static std::atomic<std::uint64_t> counter{0};
  return std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void write_file(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace openinet::test
