// Buffer rules shared by every InternetQueryOption / InternetSetOption implementation
// (reference §1.2): sizes, ERROR_INSUFFICIENT_BUFFER probing, A/W strings.
#pragma once

#include <openinet/wininet.h>

#include <functional>
#include <string>
#include <string_view>
#include <system_error>

namespace openinet::core {

// Query side. `length` is never null here (the API edge checks it). A null buffer or a too
// small *length gives ERROR_INSUFFICIENT_BUFFER with *length = the size needed.
std::error_code write_option_bytes(void* buffer, DWORD* length, const void* data, DWORD size);
std::error_code write_option_dword(void* buffer, DWORD* length, DWORD value);
std::error_code write_option_pointer(void* buffer, DWORD* length, const void* value);
std::error_code write_option_dword_ptr(void* buffer, DWORD* length, DWORD_PTR value);
// A string: for `wide` the buffer takes wchar_t and sizes count bytes. Too small: *length =
// bytes or chars needed including the terminator; success: *length = without the terminator.
std::error_code write_option_string(void* buffer, DWORD* length, std::string_view utf8, bool wide);

// Set side. A null buffer or zero length where data is needed → ERROR_INVALID_PARAMETER; a
// shorter fixed-size value → ERROR_INTERNET_BAD_OPTION_LENGTH.
std::error_code read_option_dword(const void* buffer, DWORD length, DWORD& value);
std::error_code read_option_dword_ptr(const void* buffer, DWORD length, DWORD_PTR& value);
// Strings stop at the first NUL or after `length` characters (chars for A, wchar_t for W).
std::error_code read_option_string(const void* buffer, DWORD length, bool wide, std::string& utf8);

// Process-wide options (InternetQuery/SetOption with a NULL handle). New sessions copy the
// timeouts from here.
struct GlobalOptions {
    DWORD connect_timeout_ms = 60000, send_timeout_ms = 30000, receive_timeout_ms = 30000;
    DWORD data_send_timeout_ms = 30000, data_receive_timeout_ms = 30000;
    DWORD connect_retries = 5;
    DWORD max_connections_per_server = 6, max_connections_per_1_0_server = 4;
    DWORD http_version_major = 1, http_version_minor = 1;
};
GlobalOptions global_options();
void update_global_options(const std::function<void(GlobalOptions&)>& change);

// InternetQueryOption / InternetSetOption with a NULL handle.
std::error_code query_global_option(DWORD option, void* buffer, DWORD* length, bool wide);
std::error_code set_global_option(DWORD option, const void* buffer, DWORD length, bool wide);

}  // namespace openinet::core
