// Running the built inetget binary from the integration tests: where it is, running it to
// completion, starting it in the background, and looking at the output directory.
#pragma once

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"

namespace openinet::test::inetget {

namespace fs = std::filesystem;

// build/<preset>/tests/openinet_integration_tests → build/<preset>/tools/inetget/inetget.
// OPENINET_INETGET overrides it (for a binary built elsewhere).
inline fs::path inetget_binary() {
    if (const char* override_path = std::getenv("OPENINET_INETGET");
        override_path && *override_path) {
        return override_path;
    }
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return {};
    return (self.parent_path() / ".." / "tools" / "inetget" / "inetget").lexically_normal();
}

// Fails the test (with the reason) when the binary is missing: the tests cannot pass silently
// without it. Build it with `cmake --build <dir> --target inetget` (OPENINET_BUILD_TOOLS=ON).
#define REQUIRE_INETGET()                                                             \
    do {                                                                              \
        auto inetget_path_ = ::openinet::test::inetget::inetget_binary();             \
        if (inetget_path_.empty() || !std::filesystem::exists(inetget_path_)) {       \
            FAIL() << "inetget binary not found at '" << inetget_path_.string()       \
                   << "': build the inetget target (OPENINET_BUILD_TOOLS=ON) or set " \
                      "OPENINET_INETGET";                                             \
        }                                                                             \
    } while (0)

inline std::vector<std::string> command(std::vector<std::string> args) {
    args.insert(args.begin(), inetget_binary().string());
    return args;
}

// Runs inetget to completion (bounded); output is stdout and stderr together (not a terminal,
// so inetget prints plain start/finish lines).
inline CommandResult run_inetget(std::vector<std::string> args,
                                 std::chrono::milliseconds limit = std::chrono::seconds(60)) {
    return run_command(command(std::move(args)), limit);
}

// Files in `dir` (names only), sorted.
inline std::vector<std::string> files_in(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

inline std::vector<std::string> part_files_in(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& name : files_in(dir)) {
        if (name.ends_with(".part")) names.push_back(name);
    }
    return names;
}

// Polls `condition` every 20 ms for at most `limit`.
template <class Condition>
bool wait_until(Condition condition, std::chrono::milliseconds limit) {
    auto give_up = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > give_up) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

// A background inetget whose output goes to a file; signalled and stopped by its PID.
//
// Started with fork/exec here rather than ChildProcess::spawn because the child must get
// SIGINT and SIGTERM at their default disposition: a test binary run as a background job has
// SIGINT ignored, inetget keeps an inherited "ignored" (as shells expect), and the test would
// then measure nothing.
class BackgroundInetget {
  public:
    BackgroundInetget(std::vector<std::string> args, const fs::path& output_file)
        : output_file_(output_file) {
        auto argv_strings = command(std::move(args));
        std::vector<char*> argv;
        for (auto& arg : argv_strings) argv.push_back(arg.data());
        argv.push_back(nullptr);
        int out = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out < 0) throw std::runtime_error("cannot create " + output_file.string());
        pid_t parent = ::getpid();
        pid_ = ::fork();
        if (pid_ == 0) {
            // Only async-signal-safe calls between fork and exec.
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the test binary dies: so does inetget
            if (::getppid() != parent) ::_exit(127);
            ::signal(SIGINT, SIG_DFL);
            ::signal(SIGTERM, SIG_DFL);
            sigset_t none;
            sigemptyset(&none);
            ::sigprocmask(SIG_SETMASK, &none, nullptr);
            int null_in = ::open("/dev/null", O_RDONLY);
            ::dup2(null_in, 0);
            ::dup2(out, 1);
            ::dup2(out, 2);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(out);
        if (pid_ < 0) throw std::runtime_error("fork failed");
    }
    ~BackgroundInetget() {
        if (reaped_) return;
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status_, 0);
    }
    BackgroundInetget(const BackgroundInetget&) = delete;
    BackgroundInetget& operator=(const BackgroundInetget&) = delete;

    pid_t pid() const { return pid_; }

    // Waits up to `limit` for the exit; true when it exited (and was reaped).
    bool wait_for_exit(std::chrono::milliseconds limit) {
        return reaped_ || wait_until(
                              [&] {
                                  if (::waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
                                  return reaped_;
                              },
                              limit);
    }

    // Sends `signal_number` and waits (bounded) for the exit; returns how long it took, or
    // nullopt when it did not exit within `limit`.
    std::optional<std::chrono::milliseconds> signal_and_wait(int signal_number,
                                                             std::chrono::milliseconds limit) {
        auto sent = std::chrono::steady_clock::now();
        ::kill(pid_, signal_number);
        if (!wait_for_exit(limit)) return std::nullopt;
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - sent);
    }

    // Exit code after a normal exit, -1 when it was killed by a signal (or still runs).
    int exit_code() const { return reaped_ && WIFEXITED(status_) ? WEXITSTATUS(status_) : -1; }
    std::string output() const { return read_file(output_file_); }

  private:
    fs::path output_file_;
    pid_t pid_ = -1;
    int status_ = 0;
    bool reaped_ = false;
};

}  // namespace openinet::test::inetget
