// One download on the public WinInet C API, in a synchronous session of its own:
//   InternetOpen (no INTERNET_FLAG_ASYNC) → InternetOpenUrl → HttpQueryInfo (status,
//   Content-Length) → InternetReadFile loop → "<name>.part" → rename to "<name>".
//
// run() executes on the transfer's worker thread and blocks in WinInet calls. cancel() may be
// called from any other thread: it closes the transfer's handles with InternetCloseHandle,
// which makes the blocked call fail with ERROR_INTERNET_OPERATION_CANCELLED, so run() returns
// promptly, removing the .part file. The progress fields are atomics, read by the progress
// view without ever blocking the worker.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>

#include "transfer_state.hpp"

namespace inetget {

struct TransferSettings {
    bool insecure = false;                    // SECURITY_FLAG_IGNORE_UNKNOWN_CA|CN|DATE
    std::optional<std::uint32_t> timeout_ms;  // connect/send/receive timeouts
    std::size_t buffer_size = 1 << 20;        // largest InternetReadFile request
};

struct TransferError {
    std::uint32_t wininet_code = 0;  // the WinInet/Win32 error number, 0 when not from WinInet
    std::string message;  // complete sentence-fragment, e.g. "server answered 404 Not Found"
};

class Transfer {
  public:
    using Clock = std::chrono::steady_clock;

    Transfer(std::string url, std::filesystem::path destination, TransferSettings settings);
    Transfer(const Transfer&) = delete;
    Transfer& operator=(const Transfer&) = delete;

    // The worker's body. Returns when the transfer has finished (any finished state).
    void run() noexcept;
    // Any thread, any time, repeatable. See the comment at the top of this file.
    void cancel() noexcept;

    const std::string& url() const noexcept { return url_; }
    const std::filesystem::path& destination() const noexcept { return destination_; }
    std::string name() const { return destination_.filename().string(); }

    // Progress, safe to read from any thread while run() is going on.
    TransferState state() const noexcept { return state_.load(std::memory_order_acquire); }
    std::uint64_t bytes_received() const noexcept {
        return bytes_received_.load(std::memory_order_relaxed);
    }
    // Content-Length, when the server sent one.
    std::optional<std::uint64_t> total_bytes() const noexcept;
    // Time from the start of run() to now, or to the end once finished.
    Clock::duration elapsed() const noexcept;

    // Valid once state() is failed or cancelled (published by the release store of the state).
    const TransferError& error() const noexcept { return error_; }

  private:
    enum class Slot { session, request };

    TransferState download();  // the outcome; error_ is set when it is failed
    // Stores a handle the worker just obtained so that cancel() can close it. Returns false
    // (and does not keep it) when cancel() already ran; the handle is then dead or closed.
    bool publish_handle(Slot slot, void* handle);
    // Takes back and closes the worker's handles at the end of run(), unless cancel() did.
    void close_own_handles() noexcept;
    bool cancel_requested() const noexcept;

    TransferState fail(std::uint32_t wininet_code, std::string message);
    // GetLastError() after a failed call; the cancelled state when cancel() caused it.
    TransferState fail_with_last_error(const std::string& what);

    const std::string url_;
    const std::filesystem::path destination_;
    const TransferSettings settings_;

    std::atomic<TransferState> state_{TransferState::waiting};
    std::atomic<std::uint64_t> bytes_received_{0};
    std::atomic<std::int64_t> total_bytes_{-1};
    std::atomic<Clock::rep> started_at_{0};
    std::atomic<Clock::rep> finished_at_{0};
    TransferError error_;

    mutable std::mutex handles_mutex_;  // guards the three fields below, never held in a call
    void* session_handle_ = nullptr;
    void* request_handle_ = nullptr;
    bool cancel_requested_ = false;
};

}  // namespace inetget
