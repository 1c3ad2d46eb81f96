#include "url/escaping.hpp"

#include "url/url.hpp"

#include <cstring>

namespace openinet::url {

std::string percent_decode(std::string_view text)
{
    // Boost.URL's decoders reject malformed escapes; WinInet keeps them verbatim
    // ("100%" stays "100%"), so this small loop is our own.
    auto hex_value = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string decoded;
    decoded.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            int high = hex_value(text[i + 1]);
            int low = hex_value(text[i + 2]);
            // "%00" stays encoded: a NUL cannot live in the C strings WinInet returns.
            if (high >= 0 && low >= 0 && (high | low) != 0) {
                decoded.push_back(static_cast<char>(high * 16 + low));
                i += 2;
                continue;
            }
        }
        decoded.push_back(text[i]);
    }
    return decoded;
}

namespace detail {
namespace {

bool is_unsafe(unsigned char c) noexcept
{
    return c <= 0x20 || c >= 0x7f || std::strchr("<>\"\\^`{|}[]", c) != nullptr;
}

bool must_escape(unsigned char c, EscapeRules rules) noexcept
{
    if (c == '%') return rules.percent;
    if (rules.spaces_only) return c == ' ';
    return rules.unsafe && is_unsafe(c);
}

} // namespace

// Boost.URL's encoders always escape '%' (they assume the input is not yet encoded);
// WinInet keeps existing escapes unless ICU_ENCODE_PERCENT, so the loop is our own.
std::string escape(std::string_view text, EscapeRules rules)
{
    static constexpr char hex_digits[] = "0123456789ABCDEF";
    std::string escaped;
    escaped.reserve(text.size());
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (must_escape(c, rules)) {
            escaped.push_back('%');
            escaped.push_back(hex_digits[c >> 4]);
            escaped.push_back(hex_digits[c & 0x0f]);
        } else {
            escaped.push_back(ch);
        }
    }
    return escaped;
}

EscapeRules rules_for_canonicalize(unsigned flags) noexcept
{
    EscapeRules rules;
    rules.unsafe = (flags & flag::no_encode) == 0;
    rules.spaces_only = (flags & flag::encode_spaces_only) != 0;
    rules.percent = (flags & flag::encode_percent) != 0;
    return rules;
}

} // namespace detail
} // namespace openinet::url
