#include "transfer.hpp"

#include <openinet/wininet.h>

#include <algorithm>
#include <charconv>
#include <string_view>
#include <vector>

#include "output_file.hpp"
#include "wininet_errors.hpp"

namespace inetget {

namespace {

constexpr const char* user_agent = "inetget/0.1 (OpenInet)";

// Chooses how much to ask of each blocking InternetReadFile. A synchronous read waits until
// the buffer is full (or the body ends), so a 1 MiB request on a slow transfer would leave the
// progress view frozen for seconds. Asking for as much as arrives in about a tenth of a second
// keeps the view live, and fast transfers still grow to the full buffer.
class ReadSizer {
  public:
    explicit ReadSizer(std::size_t largest)
        : largest_(largest), current_(std::min(smallest, largest)) {}

    std::size_t next() const noexcept { return current_; }

    void completed(std::size_t requested, std::size_t received, Transfer::Clock::duration took) {
        if (received == requested && took < grow_below) {
            current_ = std::min(current_ * 2, largest_);
        } else if (took > shrink_above) {
            current_ = std::max(current_ / 2, std::min(smallest, largest_));
        }
    }

  private:
    static constexpr std::size_t smallest = 16 * 1024;
    static constexpr auto grow_below = std::chrono::milliseconds(50);
    static constexpr auto shrink_above = std::chrono::milliseconds(200);
    std::size_t largest_;
    std::size_t current_;
};

std::optional<std::uint64_t> parse_content_length(std::string_view text) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

bool set_dword_option(HINTERNET handle, DWORD option, DWORD value) {
    return InternetSetOptionA(handle, option, &value, sizeof value) != FALSE;
}

// "server answered HTTP status 404 Not Found" (the status text may be missing).
std::string describe_status(HINTERNET request, DWORD status) {
    char text[256] = {};
    DWORD length = sizeof text;
    std::string description = "server answered HTTP status " + std::to_string(status);
    if (HttpQueryInfoA(request, HTTP_QUERY_STATUS_TEXT, text, &length, nullptr) && length > 0) {
        description += ' ';
        description.append(text, std::min<std::size_t>(length, sizeof text - 1));
    }
    return description;
}

}  // namespace

Transfer::Transfer(std::string url, std::filesystem::path destination, TransferSettings settings)
    : url_(std::move(url)), destination_(std::move(destination)), settings_(settings) {}

std::optional<std::uint64_t> Transfer::total_bytes() const noexcept {
    auto total = total_bytes_.load(std::memory_order_relaxed);
    if (total < 0) return std::nullopt;
    return static_cast<std::uint64_t>(total);
}

Transfer::Clock::duration Transfer::elapsed() const noexcept {
    auto started = started_at_.load(std::memory_order_acquire);
    if (started == 0) return Clock::duration::zero();
    auto finished = finished_at_.load(std::memory_order_acquire);
    auto end = finished != 0 ? finished : Clock::now().time_since_epoch().count();
    return Clock::duration(end - started);
}

void Transfer::run() noexcept {
    started_at_.store(Clock::now().time_since_epoch().count(), std::memory_order_release);
    state_.store(TransferState::connecting, std::memory_order_release);
    TransferState outcome = TransferState::failed;
    try {
        outcome = download();
    } catch (const std::exception& e) {
        // Only allocation can throw in download(); report it rather than lose the transfer.
        outcome = fail(0, std::string("internal error: ") + e.what());
    }
    close_own_handles();
    // Published last: a finished state means the handles are closed and the .part file is
    // renamed or removed.
    finished_at_.store(Clock::now().time_since_epoch().count(), std::memory_order_release);
    state_.store(outcome, std::memory_order_release);
}

TransferState Transfer::download() {
    PartFile output(destination_);
    if (auto ec = output.open()) {
        return fail(0, "cannot create " + output.part_path().string() + ": " + ec.message());
    }

    HINTERNET session = InternetOpenA(user_agent, INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0);
    if (!session) return fail_with_last_error("cannot open a WinInet session");
    if (!publish_handle(Slot::session, session)) {
        InternetCloseHandle(session);
        return TransferState::cancelled;
    }

    if (settings_.insecure) {
        // Set on the session so that the request InternetOpenUrl creates inherits it: the
        // request is sent inside InternetOpenUrl, too early to set it on the request handle.
        DWORD waived = SECURITY_FLAG_IGNORE_UNKNOWN_CA | SECURITY_FLAG_IGNORE_CERT_CN_INVALID |
                       SECURITY_FLAG_IGNORE_CERT_DATE_INVALID;
        if (!set_dword_option(session, INTERNET_OPTION_SECURITY_FLAGS, waived)) {
            return fail_with_last_error("cannot set INTERNET_OPTION_SECURITY_FLAGS for --insecure");
        }
    }
    if (settings_.timeout_ms) {
        for (DWORD option :
             {DWORD{INTERNET_OPTION_CONNECT_TIMEOUT}, DWORD{INTERNET_OPTION_SEND_TIMEOUT},
              DWORD{INTERNET_OPTION_RECEIVE_TIMEOUT}}) {
            if (!set_dword_option(session, option, *settings_.timeout_ms)) {
                return fail_with_last_error("cannot set the --timeout options");
            }
        }
    }

    const DWORD open_flags =
        INTERNET_FLAG_RELOAD | INTERNET_FLAG_NO_CACHE_WRITE | INTERNET_FLAG_NO_UI;
    HINTERNET request = InternetOpenUrlA(session, url_.c_str(), nullptr, 0, open_flags, 0);
    if (!request) return fail_with_last_error("cannot open the URL");
    if (!publish_handle(Slot::request, request)) return TransferState::cancelled;

    DWORD handle_type = 0;
    DWORD length = sizeof handle_type;
    if (!InternetQueryOptionA(request, INTERNET_OPTION_HANDLE_TYPE, &handle_type, &length)) {
        return fail_with_last_error("cannot query the handle type");
    }
    if (handle_type == INTERNET_HANDLE_TYPE_HTTP_REQUEST) {
        DWORD status = 0;
        length = sizeof status;
        if (!HttpQueryInfoA(request, HTTP_QUERY_STATUS_CODE | HTTP_QUERY_FLAG_NUMBER, &status,
                            &length, nullptr)) {
            return fail_with_last_error("cannot read the HTTP status");
        }
        if (status < 200 || status > 299) return fail(0, describe_status(request, status));

        char text[32] = {};
        length = sizeof text;
        if (HttpQueryInfoA(request, HTTP_QUERY_CONTENT_LENGTH, text, &length, nullptr)) {
            if (auto total = parse_content_length(
                    std::string_view(text, std::min<std::size_t>(length, sizeof text - 1)))) {
                total_bytes_.store(static_cast<std::int64_t>(*total), std::memory_order_relaxed);
            }
        }
    }

    state_.store(TransferState::receiving, std::memory_order_release);
    std::vector<char> buffer(settings_.buffer_size);
    ReadSizer sizer(buffer.size());
    std::uint64_t received = 0;
    for (;;) {
        std::size_t wanted = sizer.next();
        DWORD got = 0;
        auto before = Clock::now();
        if (!InternetReadFile(request, buffer.data(), static_cast<DWORD>(wanted), &got)) {
            return fail_with_last_error("download interrupted after " + std::to_string(received) +
                                        " bytes");
        }
        sizer.completed(wanted, got, Clock::now() - before);
        if (got == 0) break;
        if (auto ec = output.write(buffer.data(), got)) {
            return fail(0, "cannot write " + output.part_path().string() + ": " + ec.message());
        }
        received += got;
        bytes_received_.store(received, std::memory_order_relaxed);
    }

    // A body cut short can look like a clean end of data to a reader (see the WinInet notes
    // on InternetReadFile); the length the server announced settles it.
    if (auto total = total_bytes(); total && *total != received) {
        return fail(ERROR_INTERNET_CONNECTION_ABORTED,
                    "the body ended after " + std::to_string(received) + " of " +
                        std::to_string(*total) + " bytes (" +
                        format_wininet_error(ERROR_INTERNET_CONNECTION_ABORTED) + ")");
    }
    if (cancel_requested()) return TransferState::cancelled;
    if (auto ec = output.commit()) {
        return fail(0, "cannot rename " + output.part_path().string() + " to " +
                           destination_.string() + ": " + ec.message());
    }
    return TransferState::succeeded;
}

bool Transfer::publish_handle(Slot slot, void* handle) {
    std::lock_guard lock(handles_mutex_);
    if (cancel_requested_) return false;
    (slot == Slot::session ? session_handle_ : request_handle_) = handle;
    return true;
}

bool Transfer::cancel_requested() const noexcept {
    std::lock_guard lock(handles_mutex_);
    return cancel_requested_;
}

void Transfer::cancel() noexcept {
    void* request = nullptr;
    void* session = nullptr;
    {
        std::lock_guard lock(handles_mutex_);
        cancel_requested_ = true;
        std::swap(request, request_handle_);
        std::swap(session, session_handle_);
    }
    // Closed outside the lock: closing must never wait for the worker, and the worker takes
    // the lock only between WinInet calls. Closing the session alone would close the request
    // too (children close with their parent); the request goes first so that a worker
    // blocked in InternetReadFile is released by the handle it is actually using.
    if (request) InternetCloseHandle(request);
    if (session) InternetCloseHandle(session);
}

void Transfer::close_own_handles() noexcept {
    void* request = nullptr;
    void* session = nullptr;
    {
        std::lock_guard lock(handles_mutex_);
        std::swap(request, request_handle_);
        std::swap(session, session_handle_);
    }
    if (request) InternetCloseHandle(request);
    if (session) InternetCloseHandle(session);
}

TransferState Transfer::fail(std::uint32_t wininet_code, std::string message) {
    error_.wininet_code = wininet_code;
    error_.message = std::move(message);
    return TransferState::failed;
}

TransferState Transfer::fail_with_last_error(const std::string& what) {
    DWORD code = GetLastError();
    if (cancel_requested()) {
        error_.wininet_code = code;
        error_.message = "cancelled (" + format_wininet_error(code) + ")";
        return TransferState::cancelled;
    }
    return fail(code, what + ": " + std::string(wininet_error_description(code)) + " (" +
                          format_wininet_error(code) + ")");
}

}  // namespace inetget
