// Names of WinInet and Win32 error numbers, for messages such as
// "cannot connect (error 12029 ERROR_INTERNET_CANNOT_CONNECT)".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace inetget {

// The symbolic name ("ERROR_INTERNET_TIMEOUT"); empty for a number it does not know.
std::string_view wininet_error_name(std::uint32_t code);

// A short English description ("the operation timed out"); a generic text when unknown.
std::string_view wininet_error_description(std::uint32_t code);

// "error 12002 ERROR_INTERNET_TIMEOUT" (or "error 12345" when the name is unknown).
std::string format_wininet_error(std::uint32_t code);

}  // namespace inetget
