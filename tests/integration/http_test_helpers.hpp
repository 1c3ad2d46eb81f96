// Shared pieces of the Http*, Async* and Cancel* suites: handle guards, whole-body reads and a
// status-callback recorder for Wine-style expected-sequence checks.
#pragma once

#include <openinet/wininet.h>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace openinet::test {

// Closes the handle when the test leaves the scope (unless released).
class InetHandle {
public:
    InetHandle() = default;
    explicit InetHandle(HINTERNET h) : h_(h) {}
    ~InetHandle() { reset(); }
    InetHandle(const InetHandle&) = delete;
    InetHandle& operator=(const InetHandle&) = delete;
    InetHandle(InetHandle&& o) noexcept : h_(o.h_) { o.h_ = nullptr; }
    HINTERNET get() const { return h_; }
    operator HINTERNET() const { return h_; }
    explicit operator bool() const { return h_ != nullptr; }
    HINTERNET release() {
        auto h = h_;
        h_ = nullptr;
        return h;
    }
    void reset(HINTERNET h = nullptr) {
        if (h_) InternetCloseHandle(h_);
        h_ = h;
    }

private:
    HINTERNET h_ = nullptr;
};

// Reads the body to EOF with InternetReadFile in `chunk`-byte calls (synchronous sessions).
// On failure returns nullopt and stores the error in *error.
inline std::optional<std::string> read_all(HINTERNET request, std::size_t chunk = 4096,
                                           DWORD* error = nullptr, std::size_t limit = 1u << 30) {
    std::string out;
    std::vector<char> buffer(chunk);
    for (;;) {
        DWORD got = 0xdeadbeef;
        if (!InternetReadFile(request, buffer.data(), static_cast<DWORD>(buffer.size()), &got)) {
            if (error) *error = GetLastError();
            return std::nullopt;
        }
        if (got == 0) return out;
        if (got > buffer.size()) {
            if (error) *error = 0xFFFFFFFF;
            return std::nullopt;
        }
        out.append(buffer.data(), got);
        if (out.size() > limit) {
            if (error) *error = 0xFFFFFFFE;
            return std::nullopt;
        }
    }
}

inline DWORD status_code(HINTERNET request) {
    DWORD code = 0, size = sizeof code;
    if (!HttpQueryInfoA(request, HTTP_QUERY_STATUS_CODE | HTTP_QUERY_FLAG_NUMBER, &code, &size, nullptr))
        return 0;
    return code;
}

inline std::string query_string(HINTERNET request, DWORD level, DWORD* index = nullptr) {
    char buffer[8192];
    DWORD size = sizeof buffer;
    if (!HttpQueryInfoA(request, level, buffer, &size, index)) return "<error " + std::to_string(GetLastError()) + ">";
    return std::string(buffer, size);
}

// One recorded status callback.
struct Notification {
    HINTERNET handle = nullptr;
    DWORD_PTR context = 0;
    DWORD status = 0;
    DWORD length = 0;
    std::string text;          // string payloads
    DWORD dword = 0;           // DWORD payloads
    DWORD_PTR result = 0;      // REQUEST_COMPLETE dwResult / HANDLE_CREATED handle
    DWORD error = 0;           // REQUEST_COMPLETE dwError
    std::thread::id thread;
};

// Records every callback. Tests run one at a time, so one global recorder is installed.
class Recorder {
public:
    Recorder() {
        std::lock_guard lock(registry());
        current() = this;
    }
    ~Recorder() {
        std::lock_guard lock(registry());
        current() = nullptr;
    }

    // Late notifications (a HANDLE_CLOSING after a test ended) may arrive on engine threads
    // while a recorder goes away: the registry lock keeps that safe. Recursive, because a
    // hook may close a handle from inside a callback.
    static std::recursive_mutex& registry() {
        static std::recursive_mutex mutex;
        return mutex;
    }
    static Recorder*& current() {
        static Recorder* recorder = nullptr;
        return recorder;
    }

    static void CALLBACK callback(HINTERNET handle, DWORD_PTR context, DWORD status, LPVOID info, DWORD length) {
        Notification n;
        n.handle = handle;
        n.context = context;
        n.status = status;
        n.length = length;
        n.thread = std::this_thread::get_id();
        switch (status) {
            case INTERNET_STATUS_RESOLVING_NAME:
            case INTERNET_STATUS_NAME_RESOLVED:
            case INTERNET_STATUS_CONNECTING_TO_SERVER:
            case INTERNET_STATUS_CONNECTED_TO_SERVER:
            case INTERNET_STATUS_REDIRECT:
                if (info && length) n.text.assign(static_cast<const char*>(info), strnlen(static_cast<const char*>(info), length));
                break;
            case INTERNET_STATUS_REQUEST_SENT:
            case INTERNET_STATUS_RESPONSE_RECEIVED:
            case INTERNET_STATUS_INTERMEDIATE_RESPONSE:
                if (info && length >= sizeof(DWORD)) std::memcpy(&n.dword, info, sizeof(DWORD));
                break;
            case INTERNET_STATUS_REQUEST_COMPLETE:
                if (info && length >= sizeof(INTERNET_ASYNC_RESULT)) {
                    auto* r = static_cast<const INTERNET_ASYNC_RESULT*>(info);
                    n.result = r->dwResult;
                    n.error = r->dwError;
                }
                break;
            case INTERNET_STATUS_HANDLE_CREATED:
            case INTERNET_STATUS_HANDLE_CLOSING:
                if (info && length >= sizeof(HINTERNET)) std::memcpy(&n.result, info, sizeof(HINTERNET));
                break;
            default:
                break;
        }
        std::lock_guard registry_lock(registry());
        Recorder* r = current();
        if (!r) return;
        if (r->on_notification) r->on_notification(n);
        std::lock_guard lock(r->mutex_);
        r->events_.push_back(n);
        r->cv_.notify_all();
    }

    std::vector<Notification> events() const {
        std::lock_guard lock(mutex_);
        return events_;
    }
    void clear() {
        std::lock_guard lock(mutex_);
        events_.clear();
    }
    // Waits (bounded) for a notification with this status (on this handle, if given); returns it.
    std::optional<Notification> wait_for(DWORD status, HINTERNET handle = nullptr,
                                         std::chrono::milliseconds limit = std::chrono::seconds(10),
                                         std::size_t occurrence = 1) {
        std::unique_lock lock(mutex_);
        std::optional<Notification> found;
        cv_.wait_for(lock, limit, [&] {
            std::size_t seen = 0;
            for (const auto& e : events_) {
                if (e.status == status && (!handle || e.handle == handle) && ++seen == occurrence) {
                    found = e;
                    return true;
                }
            }
            return false;
        });
        return found;
    }
    // Statuses recorded for a handle, in order.
    std::vector<DWORD> statuses(HINTERNET handle) const {
        std::lock_guard lock(mutex_);
        std::vector<DWORD> out;
        for (const auto& e : events_)
            if (e.handle == handle) out.push_back(e.status);
        return out;
    }

    // Optional hook run inside the callback (e.g. to close a handle from it).
    std::function<void(const Notification&)> on_notification;

private:
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<Notification> events_;
};

inline std::string describe(const std::vector<DWORD>& statuses) {
    std::string out;
    for (DWORD s : statuses) out += std::to_string(s) + " ";
    return out;
}

// Peak-free resident set size of this process in KiB (VmRSS).
inline long resident_kib() {
    FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kib = -1;
    while (std::fgets(line, sizeof line, f)) {
        if (std::strncmp(line, "VmRSS:", 6) == 0) {
            kib = std::strtol(line + 6, nullptr, 10);
            break;
        }
    }
    std::fclose(f);
    return kib;
}

}  // namespace openinet::test
