// Running the built inetget binary from the integration tests: where it is, running it to
// completion, starting it in the background, and looking at the output directory.
#pragma once

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"

namespace openinet::test::inetget {

namespace fs = std::filesystem;

// build/<preset>/tests/openinet_integration_tests → build/<preset>/tools/inetget/inetget.
// OPENINET_INETGET overrides it (for a binary built elsewhere).
inline fs::path inetget_binary() {
    if (const char* override_path = std::getenv("OPENINET_INETGET"); override_path && *override_path) {
        return override_path;
    }
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return {};
    return (self.parent_path() / ".." / "tools" / "inetget" / "inetget").lexically_normal();
}

// Fails the test (with the reason) when the binary is missing: the tests cannot pass silently
// without it. Build it with `cmake --build <dir> --target inetget` (OPENINET_BUILD_TOOLS=ON).
#define REQUIRE_INETGET()                                                                          \
    do {                                                                                          \
        auto inetget_path_ = ::openinet::test::inetget::inetget_binary();                          \
        if (inetget_path_.empty() || !std::filesystem::exists(inetget_path_)) {                   \
            FAIL() << "inetget binary not found at '" << inetget_path_.string()                   \
                   << "': build the inetget target (OPENINET_BUILD_TOOLS=ON) or set "             \
                      "OPENINET_INETGET";                                                         \
        }                                                                                         \
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
    for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
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

// A background inetget whose output goes to a file; signalled by PID.
class BackgroundInetget {
public:
    BackgroundInetget(std::vector<std::string> args, const fs::path& output_file)
        : output_file_(output_file) {
        SpawnOptions options;
        options.output_file = output_file;
        process_ = ChildProcess::spawn(command(std::move(args)), options);
    }

    pid_t pid() const { return process_.pid(); }
    bool running() { return process_.running(); }

    // Sends `signal_number` and waits (bounded) for the exit; returns how long it took, or
    // nullopt when it did not exit within `limit`.
    std::optional<std::chrono::milliseconds> signal_and_wait(int signal_number,
                                                             std::chrono::milliseconds limit) {
        auto sent = std::chrono::steady_clock::now();
        ::kill(process_.pid(), signal_number);
        if (!process_.wait_for_exit(limit)) return std::nullopt;
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sent);
    }
    bool wait_for_exit(std::chrono::milliseconds limit) { return process_.wait_for_exit(limit); }

    // Exit code after a normal exit, -1 when it was killed by a signal.
    int exit_code() const {
        int status = process_.wait_status();
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::string output() const { return read_file(output_file_); }

private:
    fs::path output_file_;
    ChildProcess process_;
};

}  // namespace openinet::test::inetget
