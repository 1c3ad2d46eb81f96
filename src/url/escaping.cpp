#include "url/escaping.hpp"

#include "url/url.hpp"

#include <boost/url/encode.hpp>

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
            if (high >= 0 && low >= 0) {
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

// Boost.URL's encoder takes the set of characters to keep as a predicate.
struct KeptCharacters {
    EscapeRules rules;
    bool operator()(char ch) const noexcept
    {
        auto c = static_cast<unsigned char>(ch);
        if (c == '%') return !rules.percent;
        if (rules.spaces_only) return c != ' ';
        if (rules.unsafe) return !is_unsafe(c);
        return true;
    }
};

} // namespace

std::string escape(std::string_view text, EscapeRules rules)
{
    return boost::urls::encode(text, KeptCharacters{rules});
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
