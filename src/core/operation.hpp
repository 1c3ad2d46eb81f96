// The one way an API call that may wait is run (docs/internals/cancellation.md).
#pragma once

#include "core/object.hpp"

#include <functional>
#include <system_error>

namespace openinet::core {

struct CallResult {
    bool ok = false;
    DWORD_PTR result = 0;    // the operation's result (BOOL 1, a HINTERNET, ...)
    std::error_code error;   // our category; ERROR_IO_PENDING when the call pended
};

// Runs `start(done)` on the caller's thread; start begins the asynchronous work (posting it to
// the engine or a strand) and the work calls done(result, ec) exactly once, from any thread.
// In a synchronous session start may also run the work's non-blocking beginning itself and
// call done inline (never with a lock held): see cancellation.md, "Started on the caller's
// thread".
// `target` counts one pending operation until done has been handled.
//
// Synchronous session: waits for done, delivering the notifications sent meanwhile about
// `target` (and its subtree) on this thread, inside the call; returns the outcome (`ok` = no
// error). Asynchronous session: returns {false, 0, ERROR_IO_PENDING} at once; done sends
// INTERNET_STATUS_REQUEST_COMPLETE with INTERNET_ASYNC_RESULT{result, error} to the callback
// with `completion_context`, on an engine thread (posted there if done is called elsewhere,
// or inside start: so completions never nest in each other), then ends the operation so
// HANDLE_CLOSING can follow.
//
// If the target is closed while the operation runs, a failure is reported as
// ERROR_INTERNET_OPERATION_CANCELLED (12017) with result 0, whatever the work said. If every
// copy of done is destroyed without being called, the operation completes with 12017 (target
// closed) or ERROR_INTERNET_INTERNAL_ERROR. A closed target fails at once with
// ERROR_INVALID_HANDLE; a stopping engine (process exit) with ERROR_INTERNET_SHUTDOWN.
CallResult run_operation(const Object::Ptr& target, DWORD_PTR completion_context,
                         std::function<void(Done)> start);

// How a successful asynchronous completion is reported in INTERNET_ASYNC_RESULT.
enum class CompletionReport {
    result_and_error,           // {result, ERROR_SUCCESS}
    bytes_available_in_error,   // {TRUE, (DWORD)result}: WinInet's InternetQueryDataAvailable quirk
};
CallResult run_operation(const Object::Ptr& target, DWORD_PTR completion_context,
                         std::function<void(Done)> start, CompletionReport report);

}  // namespace openinet::core
