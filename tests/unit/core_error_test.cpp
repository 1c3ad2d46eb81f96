// The error category, the mapping of Asio/system/TLS/Beast errors and the thread-local state.
#include "core/error.hpp"

#include <openinet/wininet.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <gtest/gtest.h>

#include <thread>

using namespace openinet;

namespace {

TEST(ErrorCategory, CarriesWinInetNumbersAndReadableMessages) {
    const auto ec = make_error(ERROR_INTERNET_TIMEOUT);
    EXPECT_EQ(ec.value(), 12002);
    EXPECT_EQ(&ec.category(), &wininet_category());
    EXPECT_EQ(ec.message(), "The operation timed out.");
    EXPECT_FALSE(make_error(ERROR_SUCCESS));
    EXPECT_EQ(to_win32_error({}), 0u);
    for (DWORD code = 12001; code <= 12031; ++code) {
        if (code == 12035) continue;
        EXPECT_EQ(make_error(code).message().find("WinInet error"), std::string::npos) << code;
    }
    EXPECT_NE(make_error(12999).message().find("12999"), std::string::npos);
    EXPECT_TRUE(is_pending(make_error(ERROR_IO_PENDING)));
    EXPECT_FALSE(is_pending(make_error(ERROR_INTERNET_TIMEOUT)));
}

TEST(ErrorCategory, MapsAsioAndSystemErrors) {
    namespace ae = boost::asio::error;
    auto map = [](boost::system::error_code ec) { return to_win32_error(ec); };
    EXPECT_EQ(map(ae::connection_refused), static_cast<DWORD>(ERROR_INTERNET_CANNOT_CONNECT));
    EXPECT_EQ(map(ae::host_unreachable), static_cast<DWORD>(ERROR_INTERNET_CANNOT_CONNECT));
    EXPECT_EQ(map(ae::network_unreachable), static_cast<DWORD>(ERROR_INTERNET_CANNOT_CONNECT));
    EXPECT_EQ(map(ae::timed_out), static_cast<DWORD>(ERROR_INTERNET_TIMEOUT));
    EXPECT_EQ(map(ae::operation_aborted), static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
    EXPECT_EQ(map(ae::connection_reset), static_cast<DWORD>(ERROR_INTERNET_CONNECTION_RESET));
    EXPECT_EQ(map(ae::eof), static_cast<DWORD>(ERROR_INTERNET_CONNECTION_ABORTED));
    EXPECT_EQ(map(ae::broken_pipe), static_cast<DWORD>(ERROR_INTERNET_CONNECTION_ABORTED));
    EXPECT_EQ(map(ae::connection_aborted), static_cast<DWORD>(ERROR_INTERNET_CONNECTION_ABORTED));
    EXPECT_EQ(map(ae::host_not_found), static_cast<DWORD>(ERROR_INTERNET_NAME_NOT_RESOLVED));
    EXPECT_EQ(map(ae::host_not_found_try_again), static_cast<DWORD>(ERROR_INTERNET_NAME_NOT_RESOLVED));
    EXPECT_EQ(map(ae::no_data), static_cast<DWORD>(ERROR_INTERNET_NAME_NOT_RESOLVED));
    EXPECT_EQ(map(ae::service_not_found), static_cast<DWORD>(ERROR_INTERNET_NAME_NOT_RESOLVED));
    EXPECT_EQ(to_win32_error(std::make_error_code(std::errc::timed_out)), static_cast<DWORD>(ERROR_INTERNET_TIMEOUT));
    EXPECT_EQ(to_win32_error(std::make_error_code(std::errc::connection_refused)),
              static_cast<DWORD>(ERROR_INTERNET_CANNOT_CONNECT));
}

TEST(ErrorCategory, MapsTlsAndBeastErrors) {
    auto map = [](boost::system::error_code ec) { return to_win32_error(ec); };
    EXPECT_EQ(map(boost::system::error_code(0x1408F10B, boost::asio::error::get_ssl_category())),
              static_cast<DWORD>(ERROR_INTERNET_SECURITY_CHANNEL_ERROR));
    EXPECT_EQ(map(boost::asio::ssl::error::stream_truncated), static_cast<DWORD>(ERROR_INTERNET_CONNECTION_ABORTED));
    EXPECT_EQ(map(boost::beast::error::timeout), static_cast<DWORD>(ERROR_INTERNET_TIMEOUT));
    EXPECT_EQ(map(boost::beast::http::error::bad_status), static_cast<DWORD>(ERROR_HTTP_INVALID_SERVER_RESPONSE));
    EXPECT_EQ(map(boost::beast::http::error::partial_message), static_cast<DWORD>(ERROR_INTERNET_CONNECTION_ABORTED));
    // Our own codes pass through unchanged.
    EXPECT_EQ(to_win32_error(make_error(ERROR_INTERNET_SEC_CERT_CN_INVALID)),
              static_cast<DWORD>(ERROR_INTERNET_SEC_CERT_CN_INVALID));
}

TEST(HandleLastError, IsPerThread) {
    SetLastError(1234);
    DWORD seen_in_other = 1;
    std::thread other([&] {
        seen_in_other = GetLastError();
        SetLastError(42);
    });
    other.join();
    EXPECT_EQ(seen_in_other, 0u);
    EXPECT_EQ(GetLastError(), 1234u);
    set_last_error(make_error(ERROR_INTERNET_TIMEOUT));
    EXPECT_EQ(last_error(), static_cast<DWORD>(ERROR_INTERNET_TIMEOUT));
}

TEST(HandleLastError, ResponseInfoAnsiAndWide) {
    set_last_response_info(550, "550 No such file\r\n");
    DWORD error = 0, len = 0;
    EXPECT_FALSE(InternetGetLastResponseInfoA(&error, nullptr, &len));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(len, 19u);
    EXPECT_EQ(error, 550u);
    char buf[64];
    len = sizeof(buf);
    ASSERT_TRUE(InternetGetLastResponseInfoA(&error, buf, &len));
    EXPECT_STREQ(buf, "550 No such file\r\n");
    EXPECT_EQ(len, 18u);
    wchar_t wbuf[64];
    len = 64;  // characters for this W function
    ASSERT_TRUE(InternetGetLastResponseInfoW(&error, wbuf, &len));
    EXPECT_STREQ(wbuf, L"550 No such file\r\n");
    EXPECT_EQ(len, 18u);
    EXPECT_FALSE(InternetGetLastResponseInfoA(nullptr, buf, &len));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    std::thread other([] {
        DWORD e = 9, l = 8;
        char b[8];
        EXPECT_TRUE(InternetGetLastResponseInfoA(&e, b, &l));
        EXPECT_EQ(e, 0u);
        EXPECT_EQ(l, 0u);
    });
    other.join();
}

}  // namespace
