#include "core/object.hpp"

#include "core/options.hpp"
#include "core/session.hpp"


namespace openinet::core {

void detail::SyncWaiter::pump(bool drain_only) {
    std::unique_lock lock(mutex);
    for (;;) {
        if (drain_only) {
            if (queue.empty()) return;
        } else {
            cv.wait(lock, [&] { return finished || !queue.empty(); });
        }
        if (queue.empty()) return;  // finished, nothing left to deliver
        QueuedNotification* item = queue.front();
        queue.pop_front();
        lock.unlock();
        item->about->deliver(item->context, item->status, item->info, item->length);
        lock.lock();
        item->delivered = true;
        cv.notify_all();
    }
}

// ---------------------------------------------------------------------------------------------
// Object

Object::Object(DWORD handle_type, Ptr parent, DWORD_PTR context)
    : handle_type_(handle_type),
      parent_(std::move(parent)),
      root_(parent_ ? parent_->root_ : this),
      context_(context) {
    if (parent_) {
        async_ = parent_->async_;
        callback_.store(parent_->callback(), std::memory_order_relaxed);
        options_ = parent_->options();
    }
}

Object::~Object() = default;

Session& Object::session() const noexcept { return static_cast<Session&>(*root_); }

HandleOptions Object::options() const {
    std::lock_guard lock(mutex_);
    return options_;
}

void Object::update_options(const std::function<void(HandleOptions&)>& change) {
    std::lock_guard lock(mutex_);
    change(options_);
}

unsigned Object::pending_operations() const {
    std::lock_guard lock(mutex_);
    return pending_;
}

bool Object::begin_operation() {
    std::lock_guard lock(mutex_);
    if (closed_.load(std::memory_order_relaxed)) return false;
    ++pending_;
    return true;
}

void Object::end_operation() {
    bool closing_due;
    {
        std::lock_guard lock(mutex_);
        --pending_;
        closing_due = closing_due_locked();
    }
    if (closing_due) send_handle_closing();
}

bool Object::closing_due_locked() noexcept {
    if (!closed_.load(std::memory_order_relaxed) || pending_ != 0 || in_flight_ != 0 || closing_sent_)
        return false;
    closing_sent_ = true;
    return true;
}

void Object::send_handle_closing() {
    HINTERNET h = handle();
    deliver(context(), INTERNET_STATUS_HANDLE_CLOSING, &h, sizeof(h));
}

void Object::deliver(DWORD_PTR context, DWORD status, const void* info, DWORD length) {
    INTERNET_STATUS_CALLBACK cb = callback();
    if (cb == nullptr || cb == INTERNET_INVALID_STATUS_CALLBACK || context == 0) return;
    cb(handle(), context, status, const_cast<void*>(info), length);
}

void Object::notify(DWORD status, const void* info, DWORD length) {
    notify_with_context(context(), status, info, length);
}

void Object::notify_with_context(DWORD_PTR context, DWORD status, const void* info, DWORD length) {
    if (context == 0 || callback() == nullptr) return;  // would be dropped anyway
    {
        std::lock_guard lock(mutex_);
        if (closing_sent_) return;
        ++in_flight_;  // holds HANDLE_CLOSING back until this one has been delivered
    }
    const Ptr keep_alive = shared_from_this();
    route(context, status, info, length);
    bool closing_due;
    {
        std::lock_guard lock(mutex_);
        --in_flight_;
        closing_due = closing_due_locked();
    }
    if (closing_due) send_handle_closing();
}

void Object::route(DWORD_PTR context, DWORD status, const void* info, DWORD length) {
    // The nearest synchronous call waiting on this handle or an ancestor gets it; the hand-over
    // happens under that object's mutex, so a waiter that has detached never receives more.
    for (Object* owner = this; owner != nullptr; owner = owner->parent_.get()) {
        std::unique_lock owner_lock(owner->mutex_);
        if (owner->waiters_.empty()) continue;
        std::shared_ptr<detail::SyncWaiter> waiter = owner->waiters_.back();
        if (waiter->thread == std::this_thread::get_id()) break;  // we are that call: deliver here
        detail::QueuedNotification item{this, context, status, info, length};
        {
            std::lock_guard waiter_lock(waiter->mutex);
            waiter->queue.push_back(&item);
        }
        owner_lock.unlock();
        waiter->cv.notify_all();
        std::unique_lock waiter_lock(waiter->mutex);
        waiter->cv.wait(waiter_lock, [&] { return item.delivered; });
        return;
    }
    deliver(context, status, info, length);
}

void Object::notify_string(DWORD status, std::string_view text) {
    const std::string copy(text);  // guarantees the terminator
    notify(status, copy.c_str(), static_cast<DWORD>(copy.size() + 1));
}

void Object::notify_dword(DWORD status, DWORD value) { notify(status, &value, sizeof(value)); }

void Object::notify_handle(DWORD status, HINTERNET h) {
    // Some programs read the payload as INTERNET_ASYNC_RESULT (as the documentation describes
    // it), so the buffer has room for one; the length is what Windows reports.
    INTERNET_ASYNC_RESULT payload{reinterpret_cast<DWORD_PTR>(h), ERROR_SUCCESS};
    notify(status, &payload, sizeof(HINTERNET));
}

void Object::attach_waiter(const std::shared_ptr<detail::SyncWaiter>& waiter) {
    std::lock_guard lock(mutex_);
    waiters_.push_back(waiter);
}

void Object::detach_waiter(const std::shared_ptr<detail::SyncWaiter>& waiter) {
    std::lock_guard lock(mutex_);
    for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
        if (*it == waiter) {
            waiters_.erase(it);
            return;
        }
    }
}

bool Object::link_child(const Ptr& child) {
    std::lock_guard lock(mutex_);
    if (closed_.load(std::memory_order_relaxed)) return false;
    children_.emplace(child.get(), child);
    return true;
}

void Object::unlink_child(const Object* child) {
    std::lock_guard lock(mutex_);
    children_.erase(child);
}

bool Object::close() {
    std::vector<Ptr> children;
    {
        std::lock_guard lock(mutex_);
        if (closed_.load(std::memory_order_relaxed)) return false;
        closed_.store(true, std::memory_order_release);
        children.reserve(children_.size());
        for (auto& [raw, weak] : children_)
            if (auto child = weak.lock()) children.push_back(std::move(child));
        children_.clear();
    }
    const Ptr keep_alive = shared_from_this();
    if (HINTERNET h = handle()) HandleTable::instance().erase(h);
    for (const auto& child : children) child->close();
    on_close();
    bool closing_due;
    {
        std::lock_guard lock(mutex_);
        closing_due = closing_due_locked();
    }
    if (closing_due) send_handle_closing();
    if (parent_) parent_->unlink_child(this);
    return true;
}

// ---------------------------------------------------------------------------------------------
// Behaviour table defaults

namespace {

std::error_code incorrect_type() { return make_error(ERROR_INTERNET_INCORRECT_HANDLE_TYPE); }

bool is_global_only_option(DWORD option) {
    switch (option) {
    case INTERNET_OPTION_MAX_CONNS_PER_SERVER:
    case INTERNET_OPTION_MAX_CONNS_PER_1_0_SERVER:
    case INTERNET_OPTION_SETTINGS_CHANGED:
    case INTERNET_OPTION_REFRESH:
        return true;
    default:
        return false;
    }
}

}  // namespace

std::error_code Object::query_option(DWORD option, void* buffer, DWORD* length, bool wide) {
    const HandleOptions o = options();
    switch (option) {
    case INTERNET_OPTION_CALLBACK:
        return write_option_pointer(buffer, length, reinterpret_cast<const void*>(callback()));
    case INTERNET_OPTION_CONNECT_TIMEOUT: return write_option_dword(buffer, length, o.connect_timeout_ms);
    case INTERNET_OPTION_CONNECT_RETRIES: return write_option_dword(buffer, length, o.connect_retries);
    case INTERNET_OPTION_CONNECT_BACKOFF: return write_option_dword(buffer, length, o.connect_backoff_ms);
    case INTERNET_OPTION_SEND_TIMEOUT: return write_option_dword(buffer, length, o.send_timeout_ms);
    case INTERNET_OPTION_RECEIVE_TIMEOUT: return write_option_dword(buffer, length, o.receive_timeout_ms);
    case INTERNET_OPTION_DATA_SEND_TIMEOUT: return write_option_dword(buffer, length, o.data_send_timeout_ms);
    case INTERNET_OPTION_DATA_RECEIVE_TIMEOUT:
        return write_option_dword(buffer, length, o.data_receive_timeout_ms);
    case INTERNET_OPTION_HANDLE_TYPE: return write_option_dword(buffer, length, handle_type_);
    case INTERNET_OPTION_READ_BUFFER_SIZE: return write_option_dword(buffer, length, o.read_buffer_size);
    case INTERNET_OPTION_WRITE_BUFFER_SIZE: return write_option_dword(buffer, length, o.write_buffer_size);
    case INTERNET_OPTION_PARENT_HANDLE:
        return write_option_pointer(buffer, length, parent_ ? parent_->handle() : nullptr);
    case INTERNET_OPTION_KEEP_CONNECTION:
        return write_option_dword(buffer, length,
                                  o.keep_alive ? INTERNET_KEEP_ALIVE_ENABLED : INTERNET_KEEP_ALIVE_DISABLED);
    case INTERNET_OPTION_USERNAME: return write_option_string(buffer, length, o.user_name, wide);
    case INTERNET_OPTION_PASSWORD: return write_option_string(buffer, length, o.password, wide);
    case INTERNET_OPTION_PROXY_USERNAME: return write_option_string(buffer, length, o.proxy_user, wide);
    case INTERNET_OPTION_PROXY_PASSWORD: return write_option_string(buffer, length, o.proxy_password, wide);
    case INTERNET_OPTION_USER_AGENT: return write_option_string(buffer, length, o.user_agent, wide);
    case INTERNET_OPTION_SECURITY_FLAGS: return write_option_dword(buffer, length, o.security_flags);
    case INTERNET_OPTION_CONTEXT_VALUE: return write_option_dword_ptr(buffer, length, context());
    case INTERNET_OPTION_HTTP_DECODING: return write_option_dword(buffer, length, o.http_decoding ? TRUE : FALSE);
    default:
        // Process-wide options (VERSION, HTTP_VERSION, connection limits) answer on any handle.
        return query_global_option(option, buffer, length, wide);
    }
}

std::error_code Object::set_option(DWORD option, const void* buffer, DWORD length, bool wide) {
    auto set_dword = [&](DWORD HandleOptions::*field) -> std::error_code {
        DWORD value = 0;
        if (auto ec = read_option_dword(buffer, length, value)) return ec;
        update_options([&](HandleOptions& o) { o.*field = value; });
        return {};
    };
    auto set_string = [&](std::string HandleOptions::*field) -> std::error_code {
        std::string value;
        if (auto ec = read_option_string(buffer, length, wide, value)) return ec;
        update_options([&](HandleOptions& o) { o.*field = std::move(value); });
        return {};
    };
    switch (option) {
    case INTERNET_OPTION_CALLBACK:
    case INTERNET_OPTION_HANDLE_TYPE:
    case INTERNET_OPTION_PARENT_HANDLE:
    case INTERNET_OPTION_VERSION:
        return make_error(ERROR_INTERNET_OPTION_NOT_SETTABLE);
    case INTERNET_OPTION_CONNECT_TIMEOUT: return set_dword(&HandleOptions::connect_timeout_ms);
    case INTERNET_OPTION_CONNECT_RETRIES: return set_dword(&HandleOptions::connect_retries);
    case INTERNET_OPTION_CONNECT_BACKOFF: return set_dword(&HandleOptions::connect_backoff_ms);
    case INTERNET_OPTION_SEND_TIMEOUT: return set_dword(&HandleOptions::send_timeout_ms);
    case INTERNET_OPTION_RECEIVE_TIMEOUT: return set_dword(&HandleOptions::receive_timeout_ms);
    case INTERNET_OPTION_DATA_SEND_TIMEOUT: return set_dword(&HandleOptions::data_send_timeout_ms);
    case INTERNET_OPTION_DATA_RECEIVE_TIMEOUT: return set_dword(&HandleOptions::data_receive_timeout_ms);
    case INTERNET_OPTION_READ_BUFFER_SIZE:
    case INTERNET_OPTION_WRITE_BUFFER_SIZE: {
        DWORD value = 0;
        if (auto ec = read_option_dword(buffer, length, value)) return ec;
        if (value == 0) return make_error(ERROR_INVALID_PARAMETER);
        update_options([&](HandleOptions& o) {
            (option == INTERNET_OPTION_READ_BUFFER_SIZE ? o.read_buffer_size : o.write_buffer_size) = value;
        });
        return {};
    }
    case INTERNET_OPTION_KEEP_CONNECTION: {
        DWORD value = 0;
        if (auto ec = read_option_dword(buffer, length, value)) return ec;
        if (value != INTERNET_KEEP_ALIVE_ENABLED && value != INTERNET_KEEP_ALIVE_DISABLED)
            return make_error(ERROR_INVALID_PARAMETER);
        update_options([&](HandleOptions& o) { o.keep_alive = value == INTERNET_KEEP_ALIVE_ENABLED; });
        return {};
    }
    case INTERNET_OPTION_USERNAME: return set_string(&HandleOptions::user_name);
    case INTERNET_OPTION_PASSWORD: return set_string(&HandleOptions::password);
    case INTERNET_OPTION_PROXY_USERNAME: return set_string(&HandleOptions::proxy_user);
    case INTERNET_OPTION_PROXY_PASSWORD: return set_string(&HandleOptions::proxy_password);
    case INTERNET_OPTION_USER_AGENT: return set_string(&HandleOptions::user_agent);
    case INTERNET_OPTION_SECURITY_FLAGS: {
        // Only the IGNORE bits a caller may waive are kept; the status bits are reported by
        // the request handle, never set from outside.
        DWORD value = 0;
        if (auto ec = read_option_dword(buffer, length, value)) return ec;
        update_options([&](HandleOptions& o) { o.security_flags = value & SECURITY_SET_MASK; });
        return {};
    }
    case INTERNET_OPTION_CONTEXT_VALUE: {
        DWORD_PTR value = 0;
        if (auto ec = read_option_dword_ptr(buffer, length, value)) return ec;
        set_context(value);
        return {};
    }
    case INTERNET_OPTION_HTTP_DECODING: {
        DWORD value = 0;
        if (auto ec = read_option_dword(buffer, length, value)) return ec;
        update_options([&](HandleOptions& o) { o.http_decoding = value != FALSE; });
        return {};
    }
    case INTERNET_OPTION_HTTP_VERSION:
        return set_global_option(option, buffer, length, wide);
    default:
        if (is_global_only_option(option)) return make_error(ERROR_INTERNET_INVALID_OPERATION);
        return make_error(ERROR_INTERNET_INVALID_OPTION);
    }
}

std::error_code Object::read(void*, DWORD, DWORD*, DWORD, DWORD_PTR) { return incorrect_type(); }
std::error_code Object::write(const void*, DWORD, DWORD*) { return incorrect_type(); }
std::error_code Object::query_data_available(DWORD*, DWORD, DWORD_PTR) { return incorrect_type(); }
std::error_code Object::find_next(void*, bool) { return incorrect_type(); }
std::error_code Object::set_file_pointer(LONG, LONG*, DWORD, DWORD_PTR, DWORD*) {
    return make_error(ERROR_INTERNET_INVALID_OPERATION);
}

// ---------------------------------------------------------------------------------------------
// HandleTable
//
// A HINTERNET value is  generation << 24 | tag << 20 | (slot index + 1).  The tag makes most
// foreign pointers fail to decode; the generation changes each time a slot is freed, so a stale
// value never finds the slot's next object. Never 0 and never -1.

namespace {

constexpr unsigned index_bits = 20;
constexpr std::uintptr_t index_mask = (std::uintptr_t{1} << index_bits) - 1;
constexpr std::uintptr_t max_slots = index_mask - 1;
constexpr unsigned tag_shift = index_bits;
constexpr std::uintptr_t tag_mask = 0xF;
constexpr std::uintptr_t tag_value = 0xA;
constexpr unsigned generation_shift = 24;
constexpr std::uintptr_t generation_mask = ~std::uintptr_t{0} >> generation_shift;

HINTERNET encode(std::uint32_t index, std::uint64_t generation) {
    const std::uintptr_t value = ((static_cast<std::uintptr_t>(generation) & generation_mask) << generation_shift) |
                                 (tag_value << tag_shift) | (static_cast<std::uintptr_t>(index) + 1);
    return reinterpret_cast<HINTERNET>(value);
}

bool decode(HINTERNET h, std::uint32_t& index, std::uintptr_t& generation) {
    const auto value = reinterpret_cast<std::uintptr_t>(h);
    if (((value >> tag_shift) & tag_mask) != tag_value) return false;
    const std::uintptr_t slot = value & index_mask;
    if (slot == 0) return false;
    index = static_cast<std::uint32_t>(slot - 1);
    generation = value >> generation_shift;
    return generation != 0;
}

}  // namespace

HandleTable& HandleTable::instance() {
    // Never destroyed, like the engine: objects still open at exit must outlive every engine
    // thread that may touch them (see docs/internals/handles.md).
    static HandleTable* const table = new HandleTable();
    return *table;
}

HINTERNET HandleTable::insert(const Object::Ptr& obj) {
    std::lock_guard lock(mutex_);
    std::uint32_t index;
    if (free_head_ < free_.size()) {
        index = free_[free_head_++];
        if (free_head_ == free_.size()) {
            free_.clear();
            free_head_ = 0;
        }
    } else {
        if (slots_.size() >= max_slots) return nullptr;
        index = static_cast<std::uint32_t>(slots_.size());
        slots_.emplace_back();
    }
    Slot& slot = slots_[index];
    slot.object = obj;
    HINTERNET h = encode(index, slot.generation);
    obj->handle_.store(h, std::memory_order_release);
    ++live_;
    return h;
}

Object::Ptr HandleTable::find(HINTERNET h) const {
    std::uint32_t index;
    std::uintptr_t generation;
    if (!decode(h, index, generation)) return nullptr;
    std::lock_guard lock(mutex_);
    if (index >= slots_.size()) return nullptr;
    const Slot& slot = slots_[index];
    if (!slot.object || (slot.generation & generation_mask) != generation) return nullptr;
    return slot.object;
}

void HandleTable::erase(HINTERNET h) noexcept {
    std::uint32_t index;
    std::uintptr_t generation;
    if (!decode(h, index, generation)) return;
    Object::Ptr released;  // dropped after unlocking: the object's destructor may run here
    {
        std::lock_guard lock(mutex_);
        if (index >= slots_.size()) return;
        Slot& slot = slots_[index];
        if (!slot.object || (slot.generation & generation_mask) != generation) return;
        released = std::move(slot.object);
        slot.object.reset();
        do {
            ++slot.generation;
        } while ((slot.generation & generation_mask) == 0);
        try {
            free_.push_back(index);
        } catch (...) {
            // Out of memory: the slot is simply never reused.
        }
        --live_;
    }
}

std::size_t HandleTable::size() const {
    std::lock_guard lock(mutex_);
    return live_;
}

// ---------------------------------------------------------------------------------------------
// publish

HINTERNET publish(const Object::Ptr& obj, std::error_code& ec) {
    auto drop_silently = [&] {
        std::lock_guard lock(obj->mutex_);
        obj->closed_.store(true, std::memory_order_release);
        obj->closing_sent_ = true;
    };
    HINTERNET h = HandleTable::instance().insert(obj);
    if (!h) {
        drop_silently();
        ec = make_error(ERROR_INTERNET_OUT_OF_HANDLES);
        return nullptr;
    }
    if (obj->parent_ && !obj->parent_->link_child(obj)) {
        HandleTable::instance().erase(h);
        drop_silently();
        ec = make_error(ERROR_INVALID_HANDLE);
        return nullptr;
    }
    ec.clear();
    obj->notify_handle(INTERNET_STATUS_HANDLE_CREATED, h);
    return h;
}

HINTERNET publish(const Object::Ptr& obj) {
    std::error_code ec;
    HINTERNET h = publish(obj, ec);
    if (!h) set_last_error(ec);
    return h;
}

}  // namespace openinet::core
