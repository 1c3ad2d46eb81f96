// Text at the API edge: W strings (wchar_t, UTF-32 on Linux) become UTF-8 once on the way
// in, and results go back into callers' buffers with WinInet's sizing rules.
#pragma once

#include <openinet/wininet.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace openinet::text {

// Length argument meaning "up to the terminating NUL".  API shims turn WinInet's
// (DWORD)-1 / 0 "NUL-terminated" conventions into this before calling.
inline constexpr std::size_t nul_terminated = std::wstring_view::npos;

// Wide (UTF-32, and also UTF-16 surrogate pairs that a Windows program may have put in
// its wchar_t strings) to UTF-8.  Code units that are not characters — lone surrogates,
// values above U+10FFFF — become U+FFFD.  A NULL pointer gives "".
std::string to_utf8(const wchar_t* s, std::size_t n_or_nul_terminated = nul_terminated);
std::string to_utf8(std::wstring_view s);

// The same, keeping NULL apart from "": several WinInet arguments mean something
// different when absent (a NULL verb is "GET", a NULL proxy list is "none").
std::optional<std::string> to_utf8_nullable(const wchar_t* s,
                                            std::size_t n_or_nul_terminated = nul_terminated);

// UTF-8 to wide (one wchar_t per code point).  Each ill-formed sequence (stray
// continuation byte, truncated sequence, overlong form, surrogate, value above U+10FFFF)
// becomes one U+FFFD per maximal invalid subpart, as the Unicode standard recommends;
// the input is never rejected.
std::wstring to_wide(std::string_view utf8);

// Number of wchar_t that to_wide(utf8) produces, without building the string.
std::size_t wide_length(std::string_view utf8);

// Copying a result string into a caller's buffer, WinInet style.
//
// On entry *length is the buffer's capacity (in the unit named by the function).  The
// value needs its length plus one terminator.  If buffer is NULL or too small, nothing is
// written, *length becomes the required size including the terminator, and the result is
// ERROR_INSUFFICIENT_BUFFER.  Otherwise the value and a terminating NUL are written,
// *length becomes the value's length excluding the terminator, and the result is
// ERROR_SUCCESS.  A NULL length gives ERROR_INVALID_PARAMETER and changes nothing.
// The value may contain NULs (RAW_HEADERS); they are copied as they are.
//
// The caller sets the thread's last error from the result; these functions do not.

// A functions: capacity and lengths in chars (bytes of UTF-8).
DWORD copy_out(std::string_view value, char* buffer, DWORD* length_in_chars);

// W functions that count characters (InternetCrackUrlW buffers, InternetCanonicalizeUrlW,
// InternetGetLastResponseInfoW, FtpGetCurrentDirectoryW, ...): the UTF-8 value is
// converted with to_wide, capacity and lengths in wchar_t.
DWORD copy_out_wide(std::string_view utf8_value, wchar_t* buffer, DWORD* length_in_chars);

// W functions that count bytes (HttpQueryInfoW, InternetQueryOptionW,
// InternetTimeFromSystemTimeW): as copy_out_wide, but capacity and lengths are in bytes
// (multiples of sizeof(wchar_t)); a capacity that is not a multiple only uses its whole
// characters.  The buffer need not be aligned for wchar_t.
DWORD copy_out_wide_bytes(std::string_view utf8_value, void* buffer, DWORD* length_in_bytes);

}  // namespace openinet::text
