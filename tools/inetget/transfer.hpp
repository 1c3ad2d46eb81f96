// One download on the public WinInet C API, in a synchronous session of its own:
//   HTTP(S): InternetOpen (no INTERNET_FLAG_ASYNC) → InternetOpenUrl (with a Range header when
//            continuing) → HttpQueryInfo (status, Content-Length, Content-Range);
//   FTP:     InternetOpen → InternetConnect (INTERNET_SERVICE_FTP, passive) → FtpCommand
//            "REST n" when continuing → FtpOpenFile → FtpGetFileSize;
//   then an InternetReadFile loop → "<name>.part" → rename to "<name>".
// A failed attempt is retried (settings.retries) after a network failure, continuing from the
// bytes already in the .part file.
//
// run() executes on the transfer's worker thread and blocks in WinInet calls. cancel() may be
// called from any other thread: it closes the transfer's handles with InternetCloseHandle,
// which makes the blocked call fail with ERROR_INTERNET_OPERATION_CANCELLED, so run() returns
// promptly, removing the .part file. The progress fields are atomics, read by the progress
// view without ever blocking the worker.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>

#include "transfer_state.hpp"

namespace inetget {

class PartFile;

struct TransferSettings {
    bool insecure = false;                    // SECURITY_FLAG_IGNORE_UNKNOWN_CA|CN|DATE
    std::optional<std::uint32_t> timeout_ms;  // connect/send/receive timeouts
    std::size_t buffer_size = 1 << 20;        // largest InternetReadFile request
    bool resume = false;       // continue an existing .part file; keep it when unfinished
    unsigned retries = 0;      // further attempts after a network failure
    std::chrono::milliseconds first_retry_delay{1000};  // doubles per retry, up to 8x
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
    // Bytes that were already in the .part file when this run started (--continue).
    std::uint64_t resumed_from() const noexcept {
        return resumed_from_.load(std::memory_order_relaxed);
    }
    // The size of the whole file, when the server told it.
    std::optional<std::uint64_t> total_bytes() const noexcept;
    bool keeps_partial_file() const noexcept { return settings_.resume; }
    // Time from the start of run() to now, or to the end once finished.
    Clock::duration elapsed() const noexcept;

    // Valid once state() is failed or cancelled (published by the release store of the state).
    const TransferError& error() const noexcept { return error_; }

  private:
    enum class Slot { session, connection, request };

    TransferState download();  // the outcome; error_ is set when it is failed
    // One try: opens a session and receives what is missing into `output`.
    TransferState attempt(PartFile& output);
    TransferState receive_http(void* session, PartFile& output);
    TransferState receive_ftp(void* session, PartFile& output);
    // The InternetReadFile loop, then the length check.
    TransferState receive_body(void* file, PartFile& output);
    // Waits before the next attempt; false when cancelled meanwhile.
    bool wait_before_retry(unsigned retry_number);
    // Stores a handle the worker just obtained so that cancel() can close it. Returns false
    // (and does not keep it) when cancel() already ran; the handle is then dead or closed.
    bool publish_handle(Slot slot, void* handle);
    // Takes back and closes the worker's handles at the end of run(), unless cancel() did.
    void close_own_handles() noexcept;
    void close_handle(Slot slot) noexcept;
    void set_total(std::uint64_t total) noexcept;
    bool cancel_requested() const noexcept;

    TransferState fail(std::uint32_t wininet_code, std::string message);
    // fail(), for a failure another attempt may get past.
    TransferState fail_transient(std::uint32_t wininet_code, std::string message);
    // GetLastError() after a failed call; the cancelled state when cancel() caused it.
    TransferState fail_with_last_error(const std::string& what);

    const std::string url_;
    const std::filesystem::path destination_;
    const TransferSettings settings_;

    std::atomic<TransferState> state_{TransferState::waiting};
    std::atomic<std::uint64_t> bytes_received_{0};
    std::atomic<std::uint64_t> resumed_from_{0};
    std::atomic<std::int64_t> total_bytes_{-1};
    bool transient_failure_ = false;  // worker only: the last failure may pass on a retry
    // Worker only: the strong ETag (else Last-Modified) of the version being received, sent as
    // If-Range when a retry continues it.
    std::string validator_;
    std::atomic<Clock::rep> started_at_{0};
    std::atomic<Clock::rep> finished_at_{0};
    TransferError error_;

    mutable std::mutex handles_mutex_;  // guards the fields below, never held in a call
    std::condition_variable cancelled_;  // wakes a worker waiting between attempts
    void* session_handle_ = nullptr;
    void* connection_handle_ = nullptr;
    void* request_handle_ = nullptr;
    bool cancel_requested_ = false;
};

}  // namespace inetget
