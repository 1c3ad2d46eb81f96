// Handles: the Object base class of every HINTERNET, the handle table and lookup.
// Why it is shaped like this: docs/internals/handles.md and cancellation.md.
#pragma once

#include "core/error.hpp"

#include <openinet/wininet.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

namespace openinet::core {

class Session;
class Object;
struct CallResult;

// Completion of an operation started by run_operation (operation.hpp): call exactly once.
using Done = std::function<void(DWORD_PTR result, std::error_code ec)>;

// Values inherited by children at creation (a child copies its parent's set).
struct HandleOptions {
    DWORD connect_timeout_ms = 60000, send_timeout_ms = 30000, receive_timeout_ms = 30000;
    DWORD data_send_timeout_ms = 30000, data_receive_timeout_ms = 30000;  // FTP data channel
    DWORD connect_retries = 5, connect_backoff_ms = 0;
    DWORD read_buffer_size = 4096, write_buffer_size = 4096;
    DWORD security_flags = 0;  // SECURITY_FLAG_IGNORE_* the caller waived (settable bits only)
    bool http_decoding = false;  // INTERNET_OPTION_HTTP_DECODING
    bool keep_alive = true;      // INTERNET_OPTION_KEEP_CONNECTION
    std::string user_agent, user_name, password, proxy_user, proxy_password;
};

namespace detail {

// A notification handed from a producer thread to the thread of a waiting synchronous call.
// It lives on the producer's stack; the producer waits until `delivered`.
struct QueuedNotification {
    Object* about;
    DWORD_PTR context;
    DWORD status;
    const void* info;
    DWORD length;
    bool delivered = false;
};

// A synchronous call waiting on an object (run_operation): its thread runs the queued
// notifications and receives the outcome.
struct SyncWaiter {
    std::thread::id thread = std::this_thread::get_id();
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<QueuedNotification*> queue;
    bool finished = false;
    DWORD_PTR result = 0;
    std::error_code error;

    // Delivers queued notifications until finished (then also until the queue is empty when
    // `drain_only`).
    void pump(bool drain_only);
};

}  // namespace detail

class Object : public std::enable_shared_from_this<Object> {
public:
    using Ptr = std::shared_ptr<Object>;

    // Copies the parent's callback, options and async flag. `parent` is null only for a Session.
    Object(DWORD handle_type, Ptr parent, DWORD_PTR context);
    virtual ~Object();
    Object(const Object&) = delete;
    Object& operator=(const Object&) = delete;

    DWORD handle_type() const noexcept { return handle_type_; }
    HINTERNET handle() const noexcept { return handle_.load(std::memory_order_acquire); }
    const Ptr& parent() const noexcept { return parent_; }
    Session& session() const noexcept;
    bool async() const noexcept { return async_; }

    DWORD_PTR context() const noexcept { return context_.load(std::memory_order_acquire); }
    void set_context(DWORD_PTR value) noexcept { context_.store(value, std::memory_order_release); }

    INTERNET_STATUS_CALLBACK callback() const noexcept { return callback_.load(std::memory_order_acquire); }
    INTERNET_STATUS_CALLBACK set_callback(INTERNET_STATUS_CALLBACK cb) noexcept {  // returns previous
        return callback_.exchange(cb, std::memory_order_acq_rel);
    }

    HandleOptions options() const;
    void update_options(const std::function<void(HandleOptions&)>& change);

    // Closed = invalidated: no longer in the table, every new call fails.
    bool is_closed() const noexcept { return closed_.load(std::memory_order_acquire); }

    // The one path to the user's status callback. Dropped when there is no callback or the
    // context is 0, and after HANDLE_CLOSING. Never call it with a lock held. While a
    // synchronous call waits on this handle (or an ancestor), the notification is handed to
    // that call's thread and delivered there; notify() returns once it has been delivered,
    // so `info` only needs to live for the duration of this call.
    void notify(DWORD status, const void* info = nullptr, DWORD length = 0);
    // Same, but passing `context` to the callback instead of the handle's context value
    // (per-call contexts of the Ex functions). Dropped when `context` is 0.
    void notify_with_context(DWORD_PTR context, DWORD status, const void* info, DWORD length);
    void notify_string(DWORD status, std::string_view text);  // NUL-terminated, len = size + 1
    void notify_dword(DWORD status, DWORD value);             // len = sizeof(DWORD)
    // HANDLE_CREATED style payload: the handle first (room for an INTERNET_ASYNC_RESULT
    // behind it), len = sizeof(HINTERNET) as Windows sends it.
    void notify_handle(DWORD status, HINTERNET h);

    // Behaviour table. Defaults: ERROR_INTERNET_INCORRECT_HANDLE_TYPE, except the options,
    // where the base answers the generic ones (see object.cpp / handles.md) and
    // ERROR_INTERNET_INVALID_OPTION for the rest. Subclasses handle their own options and call
    // the base for the others. read/write/query_data_available/find_next return
    // make_error(ERROR_IO_PENDING) when they pended (async session). `read` may point into the
    // caller's INTERNET_BUFFERS (dwBufferLength): write it only once the outcome is known.
    // Buffer rules for options are implemented by the helpers in core/options.hpp.
    virtual std::error_code query_option(DWORD option, void* buffer, DWORD* length, bool wide);
    virtual std::error_code set_option(DWORD option, const void* buffer, DWORD length, bool wide);
    virtual std::error_code read(void* buffer, DWORD size, DWORD* read, DWORD flags, DWORD_PTR ctx);
    virtual std::error_code write(const void* buffer, DWORD size, DWORD* written);
    virtual std::error_code query_data_available(DWORD* available, DWORD flags, DWORD_PTR ctx);
    virtual std::error_code find_next(void* find_data, bool wide);
    // InternetSetFilePointer; default ERROR_INTERNET_INVALID_OPERATION.
    virtual std::error_code set_file_pointer(LONG distance, LONG* distance_high, DWORD move_method,
                                             DWORD_PTR ctx, DWORD* new_position);

    // InternetCloseHandle calls this before close(): a handle whose closing completes work the
    // caller must hear about (an FTP upload waits for the server's confirmation of the STOR)
    // does it here and returns its outcome. Default: nothing to finish.
    virtual std::error_code finish_before_close() { return {}; }

    // Closes this handle and its subtree (docs/internals/cancellation.md); idempotent.
    // Returns false when the handle was already closed (by another thread, or a parent).
    bool close();

    // Number of operations currently counted on this handle (for tests and diagnostics).
    unsigned pending_operations() const;

protected:
    // Cancel pending work so its completion arrives promptly (with operation_aborted or
    // ERROR_INTERNET_OPERATION_CANCELLED). Must not block and must not call notify() itself
    // synchronously with a lock held. Called once, after the children are closed.
    virtual void on_close() {}

    // Pending-operation accounting: HANDLE_CLOSING waits until the count is back to 0.
    // begin_operation() fails (returns false) once the handle is closed.
    bool begin_operation();
    void end_operation();

    // Used by Session's constructor before the handle is published.
    void set_async(bool value) noexcept { async_ = value; }

private:
    friend class HandleTable;
    friend HINTERNET publish(const Ptr& obj, std::error_code& ec);
    friend struct OperationAccess;

    friend struct detail::SyncWaiter;
    void deliver(DWORD_PTR context, DWORD status, const void* info, DWORD length);
    void route(DWORD_PTR context, DWORD status, const void* info, DWORD length);
    bool closing_due_locked() noexcept;  // true once: closed, nothing pending, nothing in flight
    void send_handle_closing();
    bool link_child(const Ptr& child);   // false if this handle is already closed
    void unlink_child(const Object* child);
    void attach_waiter(const std::shared_ptr<detail::SyncWaiter>& waiter);
    void detach_waiter(const std::shared_ptr<detail::SyncWaiter>& waiter);
    std::shared_ptr<detail::SyncWaiter> waiter_locked() const;

    const DWORD handle_type_;
    const Ptr parent_;
    Object* const root_;
    bool async_ = false;
    std::atomic<HINTERNET> handle_{nullptr};
    std::atomic<DWORD_PTR> context_;
    std::atomic<INTERNET_STATUS_CALLBACK> callback_{nullptr};
    std::atomic<bool> closed_{false};

    mutable std::mutex mutex_;  // guards everything below
    HandleOptions options_;
    unsigned pending_ = 0;        // operations counted by begin/end_operation
    unsigned in_flight_ = 0;      // notifications being delivered right now
    bool closing_sent_ = false;   // HANDLE_CLOSING sent (or suppressed): nothing after it
    std::unordered_map<const Object*, std::weak_ptr<Object>> children_;
    std::vector<std::shared_ptr<detail::SyncWaiter>> waiters_;
};

// Maps HINTERNET values to objects. A value packs a slot index, a generation and a tag, so a
// stale value (slot reused), a closed one, NULL or a foreign pointer never finds an object.
class HandleTable {
public:
    static HandleTable& instance();

    HINTERNET insert(const Object::Ptr& obj);  // sets obj's handle; nullptr when full
    Object::Ptr find(HINTERNET h) const;       // nullptr if null/stale/closed/foreign
    void erase(HINTERNET h) noexcept;
    std::size_t size() const;                  // live handles (for tests)

    HandleTable(const HandleTable&) = delete;
    HandleTable& operator=(const HandleTable&) = delete;

private:
    HandleTable() = default;
    struct Slot {
        Object::Ptr object;
        std::uint64_t generation = 1;
    };
    mutable std::mutex mutex_;
    std::vector<Slot> slots_;
    std::vector<std::uint32_t> free_;  // reused oldest-first to keep generations apart
    std::size_t free_head_ = 0;
    std::size_t live_ = 0;
};

// Looks `h` up and checks its type; on failure sets `ec` (ERROR_INVALID_HANDLE or
// ERROR_INTERNET_INCORRECT_HANDLE_TYPE) and returns nullptr.
template <class T>
std::shared_ptr<T> lookup(HINTERNET h, std::error_code& ec) {
    auto obj = HandleTable::instance().find(h);
    if (!obj) {
        ec = make_error(ERROR_INVALID_HANDLE);
        return nullptr;
    }
    auto typed = std::dynamic_pointer_cast<T>(obj);
    if (!typed) {
        ec = make_error(ERROR_INTERNET_INCORRECT_HANDLE_TYPE);
        return nullptr;
    }
    ec.clear();
    return typed;
}

// Gives obj its handle, links it under its parent and sends HANDLE_CREATED on the caller's
// thread. Fails with ERROR_INTERNET_OUT_OF_HANDLES (table full) or ERROR_INVALID_HANDLE (the
// parent was closed meanwhile); the object is then dropped silently.
HINTERNET publish(const Object::Ptr& obj, std::error_code& ec);
// Same; on failure returns nullptr and sets the thread's last error.
HINTERNET publish(const Object::Ptr& obj);

}  // namespace openinet::core
