// UTF-8 <-> UTF-32 conversion and WinInet's result-buffer sizing.
//
// The codec is our own, on purpose: std::wstring_convert/codecvt_utf8 are deprecated since
// C++17 and throw (or stop) on bad input instead of substituting U+FFFD, iconv depends on
// the process locale, and Boost.Locale/ICU are not among the project's dependencies.  The
// conversion itself is a few dozen lines and fully covered by tests/unit/abi_text_test.cpp.
#include "core/text.hpp"

#include <cstdint>
#include <cstring>
#include <cwchar>
#include <limits>

namespace openinet::text {
namespace {

constexpr char32_t replacement_character = 0xFFFD;

bool is_high_surrogate(std::uint32_t u) { return u >= 0xD800 && u <= 0xDBFF; }
bool is_low_surrogate(std::uint32_t u) { return u >= 0xDC00 && u <= 0xDFFF; }
bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

struct Decoded {
    char32_t code_point;
    std::size_t consumed;  // always >= 1, so decoding loops always advance
};

// Decodes the sequence at the start of `in` (non-empty) following the table of well-formed
// byte sequences in the Unicode standard (ch. 3, table 3-7).  On an ill-formed sequence it
// consumes the maximal invalid subpart and yields U+FFFD.
Decoded decode_one(std::string_view in) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(in[i]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80) return {lead, 1};

    std::size_t length = 0;
    char32_t cp = 0;
    // The range the second byte must fall into; it is narrower than 80..BF right after the
    // leads where overlong forms, surrogates or values above U+10FFFF would start.
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        cp = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        cp = lead & 0x0F;
        if (lead == 0xE0) second_min = 0xA0;
        if (lead == 0xED) second_max = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        cp = lead & 0x07;
        if (lead == 0xF0) second_min = 0x90;
        if (lead == 0xF4) second_max = 0x8F;
    } else {
        return {replacement_character, 1};  // continuation byte, C0/C1, F5..FF
    }

    for (std::size_t i = 1; i < length; ++i) {
        if (i >= in.size()) return {replacement_character, i};
        const unsigned char b = byte(i);
        const bool in_range = i == 1 ? (b >= second_min && b <= second_max) : is_continuation(b);
        if (!in_range) return {replacement_character, i};
        cp = (cp << 6) | (b & 0x3F);
    }
    return {cp, length};
}

// Writes a result of `chars` characters (plus terminator) through `write` if the
// capacity allows, following WinInet's sizing rules; `unit` is the size of one character
// in the unit *length counts.
template <typename Write>
DWORD store_result(std::size_t chars, bool have_buffer, DWORD* length, std::size_t unit,
                   Write write) {
    if (length == nullptr) return ERROR_INVALID_PARAMETER;
    constexpr std::size_t dword_max = std::numeric_limits<DWORD>::max();
    if (chars >= dword_max / unit) return ERROR_NOT_ENOUGH_MEMORY;  // size not expressible
    const std::size_t capacity_chars = *length / unit;
    if (!have_buffer || capacity_chars < chars + 1) {
        *length = static_cast<DWORD>((chars + 1) * unit);
        return ERROR_INSUFFICIENT_BUFFER;
    }
    write();
    *length = static_cast<DWORD>(chars * unit);
    return ERROR_SUCCESS;
}

}  // namespace

std::string to_utf8(std::wstring_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto unit = static_cast<std::uint32_t>(s[i]);
        if (is_high_surrogate(unit) && i + 1 < s.size() &&
            is_low_surrogate(static_cast<std::uint32_t>(s[i + 1]))) {
            const auto low = static_cast<std::uint32_t>(s[i + 1]);
            append_utf8(out, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
            ++i;
        } else if (is_high_surrogate(unit) || is_low_surrogate(unit) || unit > 0x10FFFF) {
            append_utf8(out, replacement_character);
        } else {
            append_utf8(out, unit);
        }
    }
    return out;
}

std::string to_utf8(const wchar_t* s, std::size_t n_or_nul_terminated) {
    if (s == nullptr) return {};
    const std::size_t n = n_or_nul_terminated == nul_terminated ? std::wcslen(s) : n_or_nul_terminated;
    return to_utf8(std::wstring_view(s, n));
}

std::optional<std::string> to_utf8_nullable(const wchar_t* s, std::size_t n_or_nul_terminated) {
    if (s == nullptr) return std::nullopt;
    return to_utf8(s, n_or_nul_terminated);
}

std::wstring to_wide(std::string_view utf8) {
    std::wstring out;
    out.reserve(utf8.size());
    while (!utf8.empty()) {
        const Decoded d = decode_one(utf8);
        out.push_back(static_cast<wchar_t>(d.code_point));
        utf8.remove_prefix(d.consumed);
    }
    return out;
}

std::size_t wide_length(std::string_view utf8) {
    std::size_t count = 0;
    while (!utf8.empty()) {
        utf8.remove_prefix(decode_one(utf8).consumed);
        ++count;
    }
    return count;
}

DWORD copy_out(std::string_view value, char* buffer, DWORD* length_in_chars) {
    return store_result(value.size(), buffer != nullptr, length_in_chars, 1, [&] {
        if (!value.empty()) std::memcpy(buffer, value.data(), value.size());
        buffer[value.size()] = '\0';
    });
}

DWORD copy_out_wide(std::string_view utf8_value, wchar_t* buffer, DWORD* length_in_chars) {
    if (length_in_chars == nullptr) return ERROR_INVALID_PARAMETER;
    const std::wstring wide = to_wide(utf8_value);
    return store_result(wide.size(), buffer != nullptr, length_in_chars, 1, [&] {
        if (!wide.empty()) std::wmemcpy(buffer, wide.data(), wide.size());
        buffer[wide.size()] = L'\0';
    });
}

DWORD copy_out_wide_bytes(std::string_view utf8_value, void* buffer, DWORD* length_in_bytes) {
    if (length_in_bytes == nullptr) return ERROR_INVALID_PARAMETER;
    const std::wstring wide = to_wide(utf8_value);
    // memcpy rather than wchar_t stores: the W functions take LPVOID and callers pass
    // byte buffers that need not be aligned for wchar_t.
    return store_result(wide.size(), buffer != nullptr, length_in_bytes, sizeof(wchar_t), [&] {
        std::memcpy(buffer, wide.c_str(), (wide.size() + 1) * sizeof(wchar_t));
    });
}

}  // namespace openinet::text
