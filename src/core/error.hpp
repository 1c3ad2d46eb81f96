// Errors inside OpenInet: one std::error_code type, mapped to WinInet numbers at the API edge.
#pragma once

#include <openinet/wininet.h>

#include <string>
#include <string_view>
#include <system_error>

namespace openinet {

// The category whose values are the published WinInet / Win32 numbers (12xxx, 6, 87, 997...).
// message() gives a short English text for each code we use.
const std::error_category& wininet_category() noexcept;

// An error of our category with value `win32_code`; ERROR_SUCCESS (0) gives an empty
// (success) error_code so `if (ec)` keeps its meaning.
std::error_code make_error(DWORD win32_code) noexcept;

// The WinInet number for any error: our category passes through unchanged; Asio/system,
// netdb/addrinfo, Asio misc (eof), OpenSSL and Beast errors are mapped (see errors.md).
// An empty error_code gives ERROR_SUCCESS.
DWORD to_win32_error(const std::error_code& ec) noexcept;

// `ec` re-expressed in our category (make_error(to_win32_error(ec))).
std::error_code normalize_error(const std::error_code& ec) noexcept;

// True when `ec` says "the call pended" (ERROR_IO_PENDING).
bool is_pending(const std::error_code& ec) noexcept;

// The calling thread's last error (what GetLastError returns).
void set_last_error(DWORD code) noexcept;
void set_last_error(const std::error_code& ec) noexcept;  // maps with to_win32_error
DWORD last_error() noexcept;

// The calling thread's last server response (InternetGetLastResponseInfo), typically an FTP
// reply paired with ERROR_INTERNET_EXTENDED_ERROR.
struct ResponseInfo {
    DWORD error = 0;
    std::string text;
};
void set_last_response_info(DWORD error, std::string text);
const ResponseInfo& last_response_info() noexcept;

}  // namespace openinet
