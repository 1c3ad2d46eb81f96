#include "ftp/connection_handle.hpp"

#include "core/engine.hpp"
#include "core/error.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <chrono>

namespace openinet::ftp {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
               return lower(x) == lower(y);
           });
}

// What WinInet sends as the anonymous password when the caller gives none.
constexpr const char* kAnonymousPassword = "IEUser@";

// Errors that come with a server reply worth showing in InternetGetLastResponseInfo.
bool carries_reply(DWORD code) {
    switch (code) {
    case ERROR_SUCCESS:
    case ERROR_INTERNET_EXTENDED_ERROR:
    case ERROR_INTERNET_LOGIN_FAILURE:
    case ERROR_FTP_DROPPED:
    case ERROR_FTP_NO_PASSIVE_MODE:
        return true;
    default:
        return false;
    }
}

}  // namespace

ConnectionHandle::ConnectionHandle(const core::Session::Ptr& session, const core::ConnectParams& params)
    : core::Connection(session, params, INTERNET_HANDLE_TYPE_CONNECT_FTP),
      session_(Session::create(core::Engine::instance().executor())) {
    if (params.flags & (INTERNET_FLAG_IGNORE_CERT_CN_INVALID | INTERNET_FLAG_IGNORE_CERT_DATE_INVALID)) {
        const DWORD waived = params.flags & (INTERNET_FLAG_IGNORE_CERT_CN_INVALID | INTERNET_FLAG_IGNORE_CERT_DATE_INVALID);
        update_options([waived](core::HandleOptions& o) { o.security_flags |= waived; });
    }
}

ConnectionHandle::~ConnectionHandle() = default;

void ConnectionHandle::report_to(const std::shared_ptr<core::Object>& target) {
    std::lock_guard lock(mutex_);
    status_target_ = target;
}

bool ConnectionHandle::passive() const noexcept { return (flags() & INTERNET_FLAG_PASSIVE) != 0; }

TransferType ConnectionHandle::resolve_type(DWORD flags) const noexcept {
    // FTP_TRANSFER_TYPE_UNKNOWN means binary (WinInet does the same); ASCII only when asked.
    return (flags & FTP_TRANSFER_TYPE_MASK) == FTP_TRANSFER_TYPE_ASCII ? TransferType::ascii : TransferType::binary;
}

namespace {

// WinInet's 0 and 0xFFFFFFFF mean no limit; SessionOptions says so with 0.
std::chrono::milliseconds session_limit(DWORD ms) {
    return std::chrono::milliseconds(ms == 0xFFFFFFFF ? 0 : ms);
}

// One wait of the session stands for two WinInet timeouts (a control exchange both sends and
// receives; a data connection reads or writes): the larger one applies, and no limit wins.
std::chrono::milliseconds larger_limit(DWORD a, DWORD b) {
    const auto first = session_limit(a), second = session_limit(b);
    if (first.count() == 0 || second.count() == 0) return std::chrono::milliseconds(0);
    return std::max(first, second);
}

bool is_timeout_option(DWORD option) {
    switch (option) {
    case INTERNET_OPTION_CONNECT_TIMEOUT:
    case INTERNET_OPTION_SEND_TIMEOUT:
    case INTERNET_OPTION_RECEIVE_TIMEOUT:
    case INTERNET_OPTION_DATA_SEND_TIMEOUT:
    case INTERNET_OPTION_DATA_RECEIVE_TIMEOUT: return true;
    default: return false;
    }
}

void apply_timeouts_of(const core::Object& handle, SessionOptions& so) {
    const core::HandleOptions o = handle.options();
    so.connect_timeout = session_limit(o.connect_timeout_ms);
    so.reply_timeout = larger_limit(o.receive_timeout_ms, o.send_timeout_ms);
    so.data_timeout = larger_limit(o.data_receive_timeout_ms, o.data_send_timeout_ms);
}

}  // namespace

void ConnectionHandle::use_timeouts_of(const core::Object& handle) {
    SessionOptions timeouts;
    apply_timeouts_of(handle, timeouts);
    session_->set_timeouts(timeouts.connect_timeout, timeouts.reply_timeout, timeouts.data_timeout);
}

std::error_code ConnectionHandle::set_option(DWORD option, const void* buffer, DWORD length, bool wide) {
    if (auto ec = core::Connection::set_option(option, buffer, length, wide)) return ec;
    if (!is_timeout_option(option)) return {};
    std::lock_guard lock(mutex_);
    // A child with timeouts of its own keeps them for its transfer; they give way when it closes.
    if (!timeouts_owner_) use_timeouts_of(*this);
    return {};
}

void ConnectionHandle::take_timeouts_from(const core::Object& child) {
    std::lock_guard lock(mutex_);
    if (child.is_closed()) return;   // its close gave them back already, or is about to
    timeouts_owner_ = &child;
    use_timeouts_of(child);
}

void ConnectionHandle::give_timeouts_back(const core::Object& child) {
    std::lock_guard lock(mutex_);
    if (timeouts_owner_ != &child) return;
    timeouts_owner_ = nullptr;
    use_timeouts_of(*this);
}

void ConnectionHandle::start_login(std::function<void(std::error_code)> then) {
    const core::HandleOptions o = options();
    SessionOptions so;
    so.host = server();
    if (so.host.size() > 2 && so.host.front() == '[' && so.host.back() == ']') so.host = so.host.substr(1, so.host.size() - 2);
    so.port = port();
    if (user().empty() || iequals(user(), "anonymous") || iequals(user(), "ftp")) {
        so.user = user().empty() ? "anonymous" : user();
        so.password = password().empty() ? kAnonymousPassword : password();
    } else {
        so.user = user();
        so.password = password();
    }
    so.explicit_tls = (flags() & INTERNET_FLAG_SECURE) != 0;
    so.security_flags = o.security_flags;
    so.passive = passive();
    apply_timeouts_of(*this, so);
    auto me = std::static_pointer_cast<ConnectionHandle>(shared_from_this());
    std::weak_ptr<ConnectionHandle> weak = me;
    session_->set_observer([weak](DWORD status, DWORD bytes) {
        auto connection = weak.lock();
        if (!connection) return;
        std::shared_ptr<core::Object> target;
        {
            std::lock_guard lock(connection->mutex_);
            target = connection->status_target_.lock();
        }
        if (!target) return;
        if (status == INTERNET_STATUS_REQUEST_SENT || status == INTERNET_STATUS_RESPONSE_RECEIVED)
            target->notify_dword(status, bytes);
        else
            target->notify(status);
    });
    session_->connect(
        std::move(so),
        [weak](DWORD status, std::string_view text) {
            // About the handle whose operation logs in: the connect handle itself, or the
            // file / find handle of InternetOpenUrl (its hidden connect handle is silent).
            auto connection = weak.lock();
            if (!connection) return;
            std::shared_ptr<core::Object> target;
            {
                std::lock_guard lock(connection->mutex_);
                target = connection->status_target_.lock();
            }
            if (target) target->notify_string(status, text);
        },
        [me, then = std::move(then)](std::error_code ec) {
            me->publish_response(ec);
            then(ec);
        });
}

core::CallResult ConnectionHandle::login(DWORD_PTR success_result) {
    auto me = std::static_pointer_cast<ConnectionHandle>(shared_from_this());
    auto result = core::run_operation(me, context(), [me, success_result](core::Done done) {
        me->report_to(me);
        me->start_login([me, done = std::move(done), success_result](std::error_code ec) {
            me->report_to(nullptr);
            done(ec ? 0 : success_result, ec);
            // The caller of an asynchronous InternetConnect never got the handle.
            if (ec && me->async()) me->close();
        });
    });
    if (!is_pending(result.error)) publish_response(result.error);
    return result;
}

core::CallResult ConnectionHandle::run(DWORD_PTR completion_context,
                                       std::function<void(const std::shared_ptr<Session>&, core::Done)> work) {
    {
        std::lock_guard lock(mutex_);
        if (holder_open_) return {false, 0, make_error(ERROR_FTP_TRANSFER_IN_PROGRESS)};
    }
    auto me = std::static_pointer_cast<ConnectionHandle>(shared_from_this());
    auto result = core::run_operation(me, completion_context, [me, work = std::move(work)](core::Done done) mutable {
        me->when_idle([me, work = std::move(work), done = std::move(done)]() mutable {
            me->report_to(me);
            work(me->session_, [me, done = std::move(done)](DWORD_PTR r, std::error_code ec) {
                me->report_to(nullptr);
                me->publish_response(ec);
                done(r, ec);
            });
        });
    });
    if (!is_pending(result.error)) publish_response(result.error);
    return result;
}

std::error_code ConnectionHandle::acquire_transfer_slot() {
    std::lock_guard lock(mutex_);
    if (holder_open_) return make_error(ERROR_FTP_TRANSFER_IN_PROGRESS);
    holder_open_ = true;
    return {};
}

void ConnectionHandle::begin_wind_down() {
    std::lock_guard lock(mutex_);
    holder_open_ = false;
    ++winding_down_;
}

void ConnectionHandle::end_wind_down() {
    std::vector<std::function<void()>> ready;
    {
        std::lock_guard lock(mutex_);
        if (winding_down_ > 0) --winding_down_;
        if (winding_down_ == 0) ready.swap(queued_);
    }
    for (auto& start : ready) start();
}

void ConnectionHandle::when_idle(std::function<void()> start) {
    {
        std::lock_guard lock(mutex_);
        if (winding_down_ > 0) {
            queued_.push_back(std::move(start));
            return;
        }
    }
    start();
}

void ConnectionHandle::remember_restart(std::uint64_t offset) {
    std::lock_guard lock(mutex_);
    restart_ = offset;
}

std::uint64_t ConnectionHandle::take_restart() {
    std::lock_guard lock(mutex_);
    std::uint64_t offset = restart_.value_or(0);
    restart_.reset();
    return offset;
}

void ConnectionHandle::publish_response(const std::error_code& ec) const {
    const DWORD code = to_win32_error(ec);
    if (!carries_reply(code)) return;
    set_last_response_info(code, session_->last_reply().text());
}

void ConnectionHandle::publish_reply(const std::error_code& ec, const Reply& reply) const {
    const DWORD code = to_win32_error(ec);
    if (!carries_reply(code)) return;
    set_last_response_info(code, reply.text());
}

void ConnectionHandle::on_close() {
    // Every pending operation (login, command, listing, transfer) completes promptly with
    // 12017; the children were closed before this runs.
    session_->cancel();
}

// ---------------------------------------------------------------------------------------------

ChildHandle::ChildHandle(DWORD handle_type, const ConnectionHandle::Ptr& connection, DWORD_PTR context)
    : core::Object(handle_type, connection, context), connection_(connection) {}

core::CallResult ChildHandle::run(DWORD_PTR completion_context, std::function<void(core::Done)> work,
                                  core::CompletionReport report) {
    auto me = std::static_pointer_cast<ChildHandle>(shared_from_this());
    return core::run_operation(me, completion_context, [me, work = std::move(work)](core::Done done) {
        me->track(std::move(done), work);
    }, report);
}

void ChildHandle::track(core::Done done, const std::function<void(core::Done)>& work) {
    auto me = std::static_pointer_cast<ChildHandle>(shared_from_this());
    {
        std::lock_guard lock(child_mutex_);
        busy_ = true;
        pending_done_ = done;
    }
    connection_->report_to(me);
    work([me, done = std::move(done)](DWORD_PTR result, std::error_code ec) {
        me->connection_->report_to(nullptr);
        bool wind = false;
        {
            std::lock_guard lock(me->child_mutex_);
            me->busy_ = false;
            me->pending_done_ = nullptr;
            if (me->is_closed() && !me->wound_down_) wind = me->wound_down_ = true;
        }
        // Only the operation that delivers the handle (the open) may close it on failure.
        const bool close_now = me->close_on_failure_.exchange(false) && ec && me->async();
        done(result, ec);
        if (close_now) me->close();
        if (wind) me->wind_down();
    });
}

std::error_code ChildHandle::set_option(DWORD option, const void* buffer, DWORD length, bool wide) {
    if (auto ec = core::Object::set_option(option, buffer, length, wide)) return ec;
    if (!is_timeout_option(option)) return {};
    // The connection has one transfer at a time, this handle's: the session waits with its
    // timeouts until it closes.
    connection_->take_timeouts_from(*this);
    return {};
}

bool ChildHandle::busy() const {
    std::lock_guard lock(child_mutex_);
    return busy_;
}

void ChildHandle::on_close() {
    core::Done interrupted;
    bool wind = false;
    connection_->give_timeouts_back(*this);
    {
        std::lock_guard lock(child_mutex_);
        connection_->begin_wind_down();
        if (busy_) interrupted = pending_done_;
        else if (!wound_down_) wind = wound_down_ = true;
    }
    if (interrupted) {
        // Closing the data connection on the strand first: after that nothing writes into the
        // caller's buffer, so the caller may be released before the session has put its
        // control connection back in step.
        connection_->session()->interrupt_transfer([interrupted] {
            interrupted(0, make_error(ERROR_INTERNET_OPERATION_CANCELLED));
        });
    }
    if (wind) wind_down();
    if (hidden_parent_) {
        boost::asio::post(core::Engine::instance().executor(), [parent = connection_] { parent->close(); });
    }
}

}  // namespace openinet::ftp
