// WinInet's URL helpers (crack, create, canonicalize, combine) on UTF-8 strings.
//
// Everything here works on std::string / std::string_view only, so the API shims in
// src/api/url_api.cpp, the HTTP layer and the tests share one implementation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace openinet::url {

// INTERNET_SCHEME numbers (WinInet's, not WinHTTP's).
enum class Scheme : int {
    partial = -2,
    unknown = -1,
    default_scheme = 0,
    ftp = 1,
    gopher = 2,
    http = 3,
    https = 4,
    file = 5,
    news = 6,
    mailto = 7,
    socks = 8,
    javascript = 9,
    vbscript = 10,
    res = 11,
};

// The errors these functions report. The values are the published Win32/WinInet
// numbers, so the API edge hands them to SetLastError unchanged and other layers can
// wrap them in openinet's error category.
enum class Error : std::uint32_t {
    none = 0,
    invalid_parameter = 87,     // ERROR_INVALID_PARAMETER
    insufficient_buffer = 122,  // ERROR_INSUFFICIENT_BUFFER
    invalid_url = 12005,        // ERROR_INTERNET_INVALID_URL
    unrecognized_scheme = 12006 // ERROR_INTERNET_UNRECOGNIZED_SCHEME
};

// ICU_* flag bits, spelled here so this layer needs no public header.
namespace flag {
inline constexpr std::uint32_t escape = 0x80000000u;
inline constexpr std::uint32_t username = 0x40000000u;
inline constexpr std::uint32_t no_encode = 0x20000000u;
inline constexpr std::uint32_t decode = 0x10000000u;
inline constexpr std::uint32_t no_meta = 0x08000000u;
inline constexpr std::uint32_t encode_spaces_only = 0x04000000u;
inline constexpr std::uint32_t browser_mode = 0x02000000u;
inline constexpr std::uint32_t encode_percent = 0x00001000u;
} // namespace flag

// Case-insensitive lookup of a scheme name; Scheme::unknown for anything else.
Scheme scheme_from_name(std::string_view name) noexcept;
// The canonical lower-case name of a known scheme, empty for unknown/partial/default.
std::string_view scheme_name(Scheme scheme) noexcept;
// The port InternetCrackUrl reports when the URL names none (0 where WinInet has none).
std::uint16_t default_port(Scheme scheme) noexcept;

// A piece of the cracked input: byte offset and length. `present` distinguishes an
// empty component that exists ("http://host?q" has an empty path at the '?') from one
// that does not (no user name): WinInet reports the first as a pointer with length 0
// and the second as NULL.
struct Range {
    std::size_t offset = 0;
    std::size_t length = 0;
    bool present = false;
};

struct CrackedUrl {
    Scheme scheme = Scheme::unknown;
    std::uint16_t port = 0;
    Range scheme_text;
    Range host; // IPv6 literals keep their brackets: "[::1]"
    Range user;
    Range password;
    Range path;
    Range extra; // "?query#fragment" (or "#fragment"), starting at the delimiter
};

// Splits `url` into ranges of the input with InternetCrackUrl's rules. The caller has
// already cut the input at its first NUL. Fails with unrecognized_scheme (no
// "scheme:" prefix) or invalid_url (bad port, unterminated IPv6 literal).
Error crack(std::string_view url, CrackedUrl& out);

enum class Part { scheme, host, user, password, path, extra };

// The text InternetCrackUrl copies into a caller's buffer for `part`: the raw text,
// percent-decoded under ICU_DECODE / ICU_ESCAPE, and for file: URLs with a drive
// letter the DOS path WinInet produces ("file:///C:/a%20b" → "C:\a b").
// `path_with_extra` extends the path over the extra info, as WinInet does when the
// caller asked for the path but not the extra info.
std::string copied_text(std::string_view url, const CrackedUrl& cracked, Part part,
                        std::uint32_t flags, bool path_with_extra = false);

// The components handed to InternetCreateUrl; nullopt stands for a NULL pointer.
struct UrlParts {
    std::optional<std::string_view> scheme_text;
    Scheme scheme = Scheme::unknown; // used only when scheme_text is absent or empty
    std::optional<std::string_view> host;
    std::uint16_t port = 0; // 0 = INTERNET_INVALID_PORT_NUMBER: the scheme's default
    std::optional<std::string_view> user;
    std::optional<std::string_view> password;
    std::optional<std::string_view> path;
    std::optional<std::string_view> extra;
};

// InternetCreateUrl: assembles a URL. ICU_ESCAPE escapes unsafe characters in the path
// and the extra info. Fails with invalid_parameter when there is no usable scheme or a
// password comes without a user name.
Error create(const UrlParts& parts, std::uint32_t flags, std::string& out);

// InternetCanonicalizeUrl: trims surrounding blanks, removes "." and ".." path segments
// (not under ICU_NO_META) and escapes the path (unsafe characters by default; only
// spaces under ICU_ENCODE_SPACES_ONLY; '%' too under ICU_ENCODE_PERCENT; nothing under
// ICU_NO_ENCODE). ICU_DECODE decodes %XX first. The query and fragment are left
// unescaped. ICU_BROWSER_MODE and ICU_ESCAPE are accepted and ignored, as on Windows.
Error canonicalize(std::string_view url, std::uint32_t flags, std::string& out);

// InternetCombineUrl: RFC 3986 section 5.2 reference resolution of `relative` against
// `base`, then canonicalization of the result with the same flags.
Error combine(std::string_view base, std::string_view relative, std::uint32_t flags,
              std::string& out);

// Percent-decoding that, like WinInet, leaves malformed escapes ("%zz", "%4") as they
// are. "%00" is kept too: a NUL cannot be part of the C strings the API returns.
std::string percent_decode(std::string_view text);

} // namespace openinet::url
