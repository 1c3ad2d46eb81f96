// Percent-escaping rules shared by create, canonicalize and combine.
#pragma once

#include <string>
#include <string_view>

namespace openinet::url::detail {

// Which characters an escaping pass turns into %XX.
struct EscapeRules {
    bool unsafe = false;      // blanks, controls, non-ASCII bytes and "<>\"\\^`{|}[]"
    bool spaces_only = false; // only ' ' (wins over `unsafe`, as URL_ESCAPE_SPACES_ONLY does)
    bool percent = false;     // '%' as well
};

// Escapes `text` according to `rules` (upper-case hex digits, as WinInet writes them).
std::string escape(std::string_view text, EscapeRules rules);

// The rules InternetCanonicalizeUrl / InternetCombineUrl derive from their ICU_* flags.
EscapeRules rules_for_canonicalize(unsigned flags) noexcept;

inline bool is_ascii_alpha(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool is_ascii_digit(char c) noexcept { return c >= '0' && c <= '9'; }
inline char ascii_lower(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
inline bool is_scheme_char(char c) noexcept
{
    return is_ascii_alpha(c) || is_ascii_digit(c) || c == '+' || c == '-' || c == '.';
}

} // namespace openinet::url::detail
