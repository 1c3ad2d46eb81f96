// The edge every exported function runs through: results pass unchanged, and an exception
// becomes the function's failure value and a WinInet error instead of unwinding into C code.
#include "api/last_error.hpp"

#include <openinet/wininet.h>

#include <gtest/gtest.h>

#include <new>
#include <stdexcept>

namespace {

using openinet::api::guarded;

TEST(ApiGuarded, PassesTheBodysResultAndItsLastError) {
    SetLastError(ERROR_INVALID_PARAMETER);
    EXPECT_EQ(guarded<BOOL>(FALSE, [] {
                  SetLastError(ERROR_SUCCESS);
                  return TRUE;
              }),
              TRUE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_SUCCESS));

    int object = 0;
    auto* handle = reinterpret_cast<HINTERNET>(&object);
    EXPECT_EQ(guarded<HINTERNET>(nullptr, [&] { return handle; }), handle);
    EXPECT_EQ(guarded<DWORD>(INVALID_SET_FILE_POINTER, [] { return DWORD{42}; }), 42u);
}

TEST(ApiGuarded, MemoryExhaustionIsNotEnoughMemoryAndTheFailureValue) {
    SetLastError(ERROR_SUCCESS);
    EXPECT_EQ(guarded<BOOL>(FALSE, []() -> BOOL { throw std::bad_alloc(); }), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NOT_ENOUGH_MEMORY));

    SetLastError(ERROR_SUCCESS);
    EXPECT_EQ(guarded<HINTERNET>(nullptr, []() -> HINTERNET { throw std::bad_alloc(); }), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NOT_ENOUGH_MEMORY));

    EXPECT_EQ(guarded<DWORD>(INVALID_SET_FILE_POINTER, []() -> DWORD { throw std::bad_alloc(); }),
              static_cast<DWORD>(INVALID_SET_FILE_POINTER));
    EXPECT_EQ(guarded<INTERNET_STATUS_CALLBACK>(INTERNET_INVALID_STATUS_CALLBACK,
                                                []() -> INTERNET_STATUS_CALLBACK { throw std::bad_alloc(); }),
              INTERNET_INVALID_STATUS_CALLBACK);
}

TEST(ApiGuarded, AnyOtherExceptionIsAnInternalError) {
    SetLastError(ERROR_SUCCESS);
    EXPECT_EQ(guarded<BOOL>(FALSE, []() -> BOOL { throw std::runtime_error("bug"); }), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INTERNAL_ERROR));
}

}  // namespace
