#include "transfer.hpp"

#include <openinet/wininet.h>

#include <algorithm>
#include <charconv>
#include <string_view>
#include <vector>

#include "output_file.hpp"
#include "url_parts.hpp"
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

// FtpGetFileSize's failure value (INVALID_FILE_SIZE of the Windows headers); a size whose low
// part is this value is told apart by GetLastError() staying ERROR_SUCCESS.
constexpr DWORD invalid_file_size = 0xFFFFFFFF;

// Failures another attempt may get past: the network, not the request, was at fault.
bool is_transient(DWORD code) {
    switch (code) {
        case ERROR_INTERNET_TIMEOUT:
        case ERROR_INTERNET_CANNOT_CONNECT:
        case ERROR_INTERNET_CONNECTION_ABORTED:
        case ERROR_INTERNET_CONNECTION_RESET:
        case ERROR_HTTP_INVALID_SERVER_RESPONSE:
        case ERROR_FTP_DROPPED:
            return true;
        default:
            return false;
    }
}

std::optional<std::uint64_t> query_number(HINTERNET request, DWORD query) {
    char text[32] = {};
    DWORD length = sizeof text;
    if (!HttpQueryInfoA(request, query, text, &length, nullptr)) return std::nullopt;
    return parse_content_length(std::string_view(text, std::min<std::size_t>(length, sizeof text - 1)));
}

std::string query_text(HINTERNET request, DWORD query) {
    char text[256] = {};
    DWORD length = sizeof text;
    if (!HttpQueryInfoA(request, query, text, &length, nullptr)) return {};
    return std::string(text, std::min<std::size_t>(length, sizeof text - 1));
}

// What identifies the version of the file a response carries, for If-Range: a strong ETag,
// else Last-Modified (a weak ETag may not be used for ranges); empty when there is neither.
std::string version_validator(HINTERNET request) {
    std::string etag = query_text(request, HTTP_QUERY_ETAG);
    if (!etag.empty() && etag.rfind("W/", 0) != 0) return etag;
    return query_text(request, HTTP_QUERY_LAST_MODIFIED);
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

void Transfer::set_total(std::uint64_t total) noexcept {
    total_bytes_.store(static_cast<std::int64_t>(total), std::memory_order_relaxed);
}

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
    TransferState outcome = TransferState::cancelled;
    if (cancel_requested()) {
        error_.message = "cancelled before it started";
    } else {
        state_.store(TransferState::connecting, std::memory_order_release);
        try {
            outcome = download();
        } catch (const std::exception& e) {
            // Only allocation can throw in download(); report it rather than lose the transfer.
            outcome = fail(0, std::string("internal error: ") + e.what());
        }
    }
    close_own_handles();
    // Published last: a finished state means the handles are closed and the .part file is
    // renamed or removed.
    finished_at_.store(Clock::now().time_since_epoch().count(), std::memory_order_release);
    state_.store(outcome, std::memory_order_release);
}

TransferState Transfer::download() {
    PartFile output(destination_);
    output.keep_when_incomplete(settings_.resume);
    if (auto ec = settings_.resume ? output.open_for_resume() : output.open()) {
        return fail(0, "cannot open " + output.part_path().string() + ": " + ec.message());
    }
    resumed_from_.store(output.size(), std::memory_order_relaxed);
    bytes_received_.store(output.size(), std::memory_order_relaxed);

    for (unsigned retry = 0;; ++retry) {
        TransferState outcome = attempt(output);
        if (outcome == TransferState::succeeded) {
            if (cancel_requested()) return TransferState::cancelled;
            if (auto ec = output.commit()) {
                return fail(0, "cannot rename " + output.part_path().string() + " to " +
                                   destination_.string() + ": " + ec.message());
            }
            return TransferState::succeeded;
        }
        if (outcome != TransferState::failed || !transient_failure_ ||
            retry >= settings_.retries) {
            return outcome;
        }
        close_own_handles();
        if (!wait_before_retry(retry)) return TransferState::cancelled;
        state_.store(TransferState::connecting, std::memory_order_release);
    }
}

TransferState Transfer::attempt(PartFile& output) {
    transient_failure_ = false;
    HINTERNET session = InternetOpenA(user_agent, INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0);
    if (!session) return fail_with_last_error("cannot open a WinInet session");
    if (!publish_handle(Slot::session, session)) {
        InternetCloseHandle(session);
        return TransferState::cancelled;
    }

    if (settings_.insecure) {
        // Set on the session so that the handles made from it inherit it: InternetOpenUrl
        // sends the request before the caller could set anything on the request handle.
        DWORD waived = SECURITY_FLAG_IGNORE_UNKNOWN_CA | SECURITY_FLAG_IGNORE_CERT_CN_INVALID |
                       SECURITY_FLAG_IGNORE_CERT_DATE_INVALID;
        if (!set_dword_option(session, INTERNET_OPTION_SECURITY_FLAGS, waived)) {
            return fail_with_last_error("cannot set INTERNET_OPTION_SECURITY_FLAGS for --insecure");
        }
    }
    if (settings_.timeout_ms) {
        for (DWORD option :
             {DWORD{INTERNET_OPTION_CONNECT_TIMEOUT}, DWORD{INTERNET_OPTION_SEND_TIMEOUT},
              DWORD{INTERNET_OPTION_RECEIVE_TIMEOUT}, DWORD{INTERNET_OPTION_DATA_SEND_TIMEOUT},
              DWORD{INTERNET_OPTION_DATA_RECEIVE_TIMEOUT}}) {
            if (!set_dword_option(session, option, *settings_.timeout_ms)) {
                return fail_with_last_error("cannot set the --timeout options");
            }
        }
    }
    return is_ftp_url(url_) ? receive_ftp(session, output) : receive_http(session, output);
}

TransferState Transfer::receive_http(HINTERNET session, PartFile& output) {
    const DWORD open_flags =
        INTERNET_FLAG_RELOAD | INTERNET_FLAG_NO_CACHE_WRITE | INTERNET_FLAG_NO_UI;
    // A server that cannot satisfy the range at all (416) gets one more request for the whole
    // file; that is a restart, not a retry after a failure.
    for (int restarts = 0;; ++restarts) {
        const std::uint64_t offset = output.size();
        std::string headers;
        if (offset > 0) {
            headers = "Range: bytes=" + std::to_string(offset) + "-\r\n";
            // Only bytes of one version may be joined. A retry names the version it continues;
            // a server whose file changed meanwhile answers with the whole new file (200),
            // which starts over below. (A .part file from an earlier run has no known version,
            // as with curl -C and wget -c.)
            if (!validator_.empty()) headers += "If-Range: " + validator_ + "\r\n";
        }
        HINTERNET request =
            InternetOpenUrlA(session, url_.c_str(), headers.empty() ? nullptr : headers.c_str(),
                             static_cast<DWORD>(headers.size()), open_flags, 0);
        if (!request) return fail_with_last_error("cannot open the URL");
        if (!publish_handle(Slot::request, request)) return TransferState::cancelled;

        DWORD status = 0;
        DWORD length = sizeof status;
        if (!HttpQueryInfoA(request, HTTP_QUERY_STATUS_CODE | HTTP_QUERY_FLAG_NUMBER, &status,
                            &length, nullptr)) {
            return fail_with_last_error("cannot read the HTTP status");
        }
        auto content_length = query_number(request, HTTP_QUERY_CONTENT_LENGTH);

        if (offset > 0 && status == 206) {
            auto range = parse_content_range(query_text(request, HTTP_QUERY_CONTENT_RANGE));
            if (!range || range->first != offset) {
                return fail(0, "the server did not continue at byte " + std::to_string(offset) +
                                   " (Content-Range: " +
                                   query_text(request, HTTP_QUERY_CONTENT_RANGE) + ")");
            }
            if (range->complete_length) {
                set_total(*range->complete_length);
            } else if (content_length) {
                set_total(offset + *content_length);
            }
            validator_ = version_validator(request);
        } else if (offset > 0 && status == 416) {
            auto range = parse_content_range(query_text(request, HTTP_QUERY_CONTENT_RANGE));
            if (range && range->complete_length == offset) {
                set_total(offset);  // the .part file already holds the whole file
                return TransferState::succeeded;
            }
            if (restarts > 0) return fail(0, describe_status(request, status));
            if (auto ec = output.truncate()) {
                return fail(0, "cannot truncate " + output.part_path().string() + ": " +
                                   ec.message());
            }
            bytes_received_.store(0, std::memory_order_relaxed);
            close_handle(Slot::request);
            continue;
        } else if (status >= 200 && status <= 299) {
            if (offset > 0) {
                // The server sent the whole file instead of the rest: start over.
                if (auto ec = output.truncate()) {
                    return fail(0, "cannot truncate " + output.part_path().string() + ": " +
                                       ec.message());
                }
                bytes_received_.store(0, std::memory_order_relaxed);
            }
            if (content_length) set_total(*content_length);
            validator_ = version_validator(request);
        } else {
            transient_failure_ = status == 408 || status == 429 || (status >= 500 && status <= 599);
            return fail(0, describe_status(request, status));
        }
        return receive_body(request, output);
    }
}

TransferState Transfer::receive_ftp(HINTERNET session, PartFile& output) {
    FtpLocation where;
    if (!crack_ftp_url(url_, where)) return fail_with_last_error("cannot read the FTP URL");

    HINTERNET connection = InternetConnectA(
        session, where.host.c_str(), where.port, where.user.empty() ? nullptr : where.user.c_str(),
        where.user.empty() ? nullptr : where.password.c_str(), INTERNET_SERVICE_FTP,
        INTERNET_FLAG_PASSIVE, 0);
    if (!connection) return fail_with_last_error("cannot log in to the FTP server");
    if (!publish_handle(Slot::connection, connection)) return TransferState::cancelled;

    if (output.size() > 0) {
        // WinInet's way to resume: the REST command, then the transfer it applies to.
        std::string rest = "REST " + std::to_string(output.size());
        if (!FtpCommandA(connection, FALSE, FTP_TRANSFER_TYPE_BINARY, rest.c_str(), 0, nullptr)) {
            DWORD code = GetLastError();
            if (code != ERROR_INTERNET_EXTENDED_ERROR || cancel_requested()) {
                return fail_with_last_error("cannot continue the FTP download");
            }
            // The server refused REST: all it can do is send the whole file.
            if (auto ec = output.truncate()) {
                return fail(0, "cannot truncate " + output.part_path().string() + ": " +
                                   ec.message());
            }
            bytes_received_.store(0, std::memory_order_relaxed);
        }
    }

    HINTERNET file = FtpOpenFileA(connection, where.path.c_str(), GENERIC_READ,
                                  FTP_TRANSFER_TYPE_BINARY | INTERNET_FLAG_RELOAD, 0);
    if (!file) return fail_with_last_error("cannot open the FTP file");
    if (!publish_handle(Slot::request, file)) return TransferState::cancelled;

    DWORD high = 0;
    SetLastError(ERROR_SUCCESS);
    DWORD low = FtpGetFileSize(file, &high);
    if (low != invalid_file_size || GetLastError() == ERROR_SUCCESS) {
        set_total((static_cast<std::uint64_t>(high) << 32) | low);
    }
    return receive_body(file, output);
}

TransferState Transfer::receive_body(HINTERNET file, PartFile& output) {
    state_.store(TransferState::receiving, std::memory_order_release);
    std::vector<char> buffer(settings_.buffer_size);
    ReadSizer sizer(buffer.size());
    for (;;) {
        std::size_t wanted = sizer.next();
        DWORD got = 0;
        auto before = Clock::now();
        if (!InternetReadFile(file, buffer.data(), static_cast<DWORD>(wanted), &got)) {
            return fail_with_last_error("download interrupted after " +
                                        std::to_string(output.size()) + " bytes");
        }
        sizer.completed(wanted, got, Clock::now() - before);
        if (got == 0) break;
        if (auto ec = output.write(buffer.data(), got)) {
            return fail(0, "cannot write " + output.part_path().string() + ": " + ec.message());
        }
        bytes_received_.store(output.size(), std::memory_order_relaxed);
    }

    // A body cut short can look like a clean end of data to a reader (see the WinInet notes
    // on InternetReadFile); the length the server announced settles it.
    if (auto total = total_bytes(); total && *total != output.size()) {
        return fail_transient(ERROR_INTERNET_CONNECTION_ABORTED,
                              "the data ended after " + std::to_string(output.size()) + " of " +
                                  std::to_string(*total) + " bytes (" +
                                  format_wininet_error(ERROR_INTERNET_CONNECTION_ABORTED) + ")");
    }
    return TransferState::succeeded;
}

bool Transfer::wait_before_retry(unsigned retry_number) {
    auto delay = settings_.first_retry_delay * (1u << std::min(retry_number, 3u));
    std::unique_lock lock(handles_mutex_);
    return !cancelled_.wait_for(lock, delay, [this] { return cancel_requested_; });
}

bool Transfer::publish_handle(Slot slot, void* handle) {
    std::lock_guard lock(handles_mutex_);
    if (cancel_requested_) return false;
    switch (slot) {
        case Slot::session:
            session_handle_ = handle;
            break;
        case Slot::connection:
            connection_handle_ = handle;
            break;
        case Slot::request:
            request_handle_ = handle;
            break;
    }
    return true;
}

void Transfer::close_handle(Slot slot) noexcept {
    void* handle = nullptr;
    {
        std::lock_guard lock(handles_mutex_);
        void*& held = slot == Slot::session      ? session_handle_
                      : slot == Slot::connection ? connection_handle_
                                                 : request_handle_;
        std::swap(handle, held);
    }
    if (handle) InternetCloseHandle(handle);
}

bool Transfer::cancel_requested() const noexcept {
    std::lock_guard lock(handles_mutex_);
    return cancel_requested_;
}

void Transfer::cancel() noexcept {
    {
        std::lock_guard lock(handles_mutex_);
        cancel_requested_ = true;
    }
    cancelled_.notify_all();
    // Closed outside the lock: closing must never wait for the worker, and the worker takes
    // the lock only between WinInet calls. Closing the session alone would close the others
    // too (children close with their parent); the innermost goes first so that a worker
    // blocked in InternetReadFile is released by the handle it is actually using.
    close_own_handles();
}

void Transfer::close_own_handles() noexcept {
    close_handle(Slot::request);
    close_handle(Slot::connection);
    close_handle(Slot::session);
}

TransferState Transfer::fail(std::uint32_t wininet_code, std::string message) {
    error_.wininet_code = wininet_code;
    error_.message = std::move(message);
    return TransferState::failed;
}

TransferState Transfer::fail_transient(std::uint32_t wininet_code, std::string message) {
    transient_failure_ = true;
    return fail(wininet_code, std::move(message));
}

TransferState Transfer::fail_with_last_error(const std::string& what) {
    DWORD code = GetLastError();
    transient_failure_ = is_transient(code);
    if (cancel_requested()) {
        error_.wininet_code = code;
        error_.message = "cancelled (" + format_wininet_error(code) + ")";
        return TransferState::cancelled;
    }
    return fail(code, what + ": " + std::string(wininet_error_description(code)) + " (" +
                          format_wininet_error(code) + ")");
}

}  // namespace inetget
