// How the exported functions end: set the thread's last error and return WinInet's value for
// success or failure. Shared by the src/api/*.cpp files (each function's edge, nothing else).
#pragma once

#include "core/error.hpp"
#include "core/operation.hpp"

#include <openinet/wininet.h>

#include <new>
#include <system_error>

namespace openinet::api {

inline BOOL fail(DWORD code) {
    set_last_error(code);
    return FALSE;
}

inline BOOL fail(const std::error_code& ec) {
    set_last_error(ec);
    return FALSE;
}

inline BOOL succeed() {
    set_last_error(ERROR_SUCCESS);
    return TRUE;
}

inline BOOL outcome(const std::error_code& ec) { return ec ? fail(ec) : succeed(); }

inline BOOL outcome(const core::CallResult& r) { return r.ok ? succeed() : fail(r.error); }

inline HINTERNET fail_handle(const std::error_code& ec) {
    set_last_error(ec);
    return nullptr;
}

// Every exported function runs its body through guarded(). The library reports failures as
// error codes; the one exception that may still reach this edge is memory exhaustion, and no
// exception may unwind into a C caller. `failure` is the function's failure value (FALSE,
// NULL, INVALID_SET_FILE_POINTER, ...).
template <class Result, class Body>
Result guarded(Result failure, Body&& body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        set_last_error(ERROR_NOT_ENOUGH_MEMORY);
    } catch (...) {
        set_last_error(ERROR_INTERNET_INTERNAL_ERROR);
    }
    return failure;
}

}  // namespace openinet::api
