#include "core/operation.hpp"

#include "core/engine.hpp"

#include <boost/asio/post.hpp>

namespace openinet::core {

// The parts of Object only the operation runner uses.
struct OperationAccess {
    static bool begin(Object& o) { return o.begin_operation(); }
    static void end(Object& o) { o.end_operation(); }
    static void attach(Object& o, const std::shared_ptr<detail::SyncWaiter>& w) { o.attach_waiter(w); }
    static void detach(Object& o, const std::shared_ptr<detail::SyncWaiter>& w) { o.detach_waiter(w); }
};

namespace {

struct OperationState {
    Object::Ptr target;
    DWORD_PTR completion_context = 0;
    std::shared_ptr<detail::SyncWaiter> waiter;  // null for an asynchronous session
    CompletionReport report = CompletionReport::result_and_error;
    std::atomic<bool> completed{false};
};

// The asynchronous operation whose start() runs on this thread right now (see finish()).
thread_local const OperationState* tls_starting = nullptr;

// A closed target turns any failure into "cancelled", whatever the cancelled work said (a
// socket closed under a read reports eof or operation_aborted, for example).
std::error_code final_error(const OperationState& state, const std::error_code& ec, DWORD_PTR& result) {
    std::error_code normalized = normalize_error(ec);
    if (normalized && state.target->is_closed()) normalized = make_error(ERROR_INTERNET_OPERATION_CANCELLED);
    if (normalized) result = 0;
    return normalized;
}

void send_request_complete(const std::shared_ptr<OperationState>& state, DWORD_PTR result,
                           std::error_code ec) {
    INTERNET_ASYNC_RESULT payload{result, to_win32_error(ec)};
    if (!ec && state->report == CompletionReport::bytes_available_in_error)
        payload = {TRUE, static_cast<DWORD>(result)};
    state->target->notify_with_context(state->completion_context, INTERNET_STATUS_REQUEST_COMPLETE, &payload,
                                       sizeof(payload));
    OperationAccess::end(*state->target);
}

// `inline_allowed`: the caller is at a point where user callbacks may run (a handler on an
// engine thread calling done, not a destructor that might sit inside the operation's locks).
void finish(const std::shared_ptr<OperationState>& state, DWORD_PTR result, const std::error_code& ec,
            bool inline_allowed) {
    const std::error_code error = final_error(*state, ec, result);
    if (auto& waiter = state->waiter) {
        {
            std::lock_guard lock(waiter->mutex);
            waiter->result = result;
            waiter->error = error;
            waiter->finished = true;
        }
        waiter->cv.notify_all();
        return;
    }
    Engine& engine = Engine::instance();
    // Never inline from inside the operation's own start: a program that starts its next
    // request from the REQUEST_COMPLETE callback (the usual asynchronous loop) would otherwise
    // nest one callback in the other for as long as requests complete at once (a kept-alive
    // connection whose answer is already there), until the engine thread's stack overflows.
    if (inline_allowed && engine.in_engine_thread() && tls_starting != state.get()) {
        send_request_complete(state, result, error);
    } else {
        boost::asio::post(engine.executor(), [state, result, error] { send_request_complete(state, result, error); });
    }
}

// Owned by every copy of Done; when the last copy goes away without done having been called,
// the operation still completes, so no caller waits forever and HANDLE_CLOSING still comes.
class LostCompletionGuard {
public:
    explicit LostCompletionGuard(std::shared_ptr<OperationState> state) : state_(std::move(state)) {}
    ~LostCompletionGuard() {
        if (state_->completed.exchange(true)) return;
        const DWORD code = state_->target->is_closed() ? ERROR_INTERNET_OPERATION_CANCELLED
                                                       : ERROR_INTERNET_INTERNAL_ERROR;
        finish(state_, 0, make_error(code), false);
    }
    LostCompletionGuard(const LostCompletionGuard&) = delete;
    LostCompletionGuard& operator=(const LostCompletionGuard&) = delete;

    void complete(DWORD_PTR result, const std::error_code& ec) {
        if (state_->completed.exchange(true)) return;  // exactly once; later calls are ignored
        finish(state_, result, ec, true);
    }

private:
    std::shared_ptr<OperationState> state_;
};

Done make_done(const std::shared_ptr<OperationState>& state) {
    auto guard = std::make_shared<LostCompletionGuard>(state);
    return [guard](DWORD_PTR result, std::error_code ec) { guard->complete(result, ec); };
}

CallResult failure(DWORD code) { return {false, 0, make_error(code)}; }

}  // namespace

CallResult run_operation(const Object::Ptr& target, DWORD_PTR completion_context,
                         std::function<void(Done)> start) {
    return run_operation(target, completion_context, std::move(start), CompletionReport::result_and_error);
}

CallResult run_operation(const Object::Ptr& target, DWORD_PTR completion_context,
                         std::function<void(Done)> start, CompletionReport report) {
    Engine& engine = Engine::instance();
    if (engine.stopping()) return failure(ERROR_INTERNET_SHUTDOWN);
    if (!OperationAccess::begin(*target)) return failure(ERROR_INVALID_HANDLE);

    auto state = std::make_shared<OperationState>();
    state->target = target;
    state->completion_context = completion_context;
    state->report = report;

    if (target->async()) {
        struct StartingScope {
            const OperationState* outer = tls_starting;
            explicit StartingScope(const OperationState* state) { tls_starting = state; }
            ~StartingScope() { tls_starting = outer; }
        } starting(state.get());
        try {
            start(make_done(state));
        } catch (const std::bad_alloc&) {
            if (!state->completed.exchange(true)) {
                OperationAccess::end(*target);
                return failure(ERROR_NOT_ENOUGH_MEMORY);
            }
        } catch (...) {
            if (!state->completed.exchange(true)) {
                OperationAccess::end(*target);
                return failure(ERROR_INTERNET_INTERNAL_ERROR);
            }
        }
        return failure(ERROR_IO_PENDING);
    }

    auto waiter = std::make_shared<detail::SyncWaiter>();
    state->waiter = waiter;
    OperationAccess::attach(*target, waiter);
    try {
        start(make_done(state));
    } catch (...) {
        if (!state->completed.exchange(true)) finish(state, 0, make_error(ERROR_INTERNET_INTERNAL_ERROR), false);
    }
    waiter->pump(false);
    // Detaching under the target's lock ends the hand-over; whatever was queued before it is
    // still delivered here, inside the call.
    OperationAccess::detach(*target, waiter);
    waiter->pump(true);
    CallResult outcome;
    {
        std::lock_guard lock(waiter->mutex);
        outcome = {!waiter->error, waiter->result, waiter->error};
    }
    OperationAccess::end(*target);
    return outcome;
}

}  // namespace openinet::core
