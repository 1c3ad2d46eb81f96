// W-string conversion at the API edge and WinInet's result-buffer sizing rules.
#include "core/text.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;
using openinet::text::copy_out;
using openinet::text::copy_out_wide;
using openinet::text::copy_out_wide_bytes;
using openinet::text::to_utf8;
using openinet::text::to_utf8_nullable;
using openinet::text::to_wide;
using openinet::text::wide_length;

constexpr wchar_t fffd = 0xFFFD;

std::wstring wide(std::initializer_list<std::uint32_t> units) {
    std::wstring s;
    for (auto u : units) s.push_back(static_cast<wchar_t>(u));
    return s;
}

struct ToUtf8Case {
    const char* name;
    std::wstring input;
    std::string expected;
};

TEST(AbiText, WideToUtf8) {
    const std::vector<ToUtf8Case> cases = {
        {"empty", L"", ""},
        {"ascii", L"GET /index.html", "GET /index.html"},
        {"two-byte", wide({0xE9}), "\xC3\xA9"},
        {"three-byte", wide({0x20AC}), "\xE2\x82\xAC"},
        {"four-byte", wide({0x1F600}), "\xF0\x9F\x98\x80"},
        {"highest code point", wide({0x10FFFF}), "\xF4\x8F\xBF\xBF"},
        {"utf-16 surrogate pair is joined", wide({0xD83D, 0xDE00}), "\xF0\x9F\x98\x80"},
        {"lone high surrogate", wide({'a', 0xD800, 'b'}), "a\xEF\xBF\xBD" "b"},
        {"high surrogate at end", wide({'a', 0xDBFF}), "a\xEF\xBF\xBD"},
        {"lone low surrogate", wide({0xDC00}), "\xEF\xBF\xBD"},
        {"reversed pair", wide({0xDE00, 0xD83D}), "\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"beyond U+10FFFF", wide({0x110000}), "\xEF\xBF\xBD"},
        {"negative wchar_t", wide({0xFFFFFFFF}), "\xEF\xBF\xBD"},
        {"embedded NUL kept", wide({'a', 0, 'b'}), "a\0b"s},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(to_utf8(std::wstring_view(c.input)), c.expected);
        EXPECT_EQ(to_utf8(c.input.data(), c.input.size()), c.expected);
    }
}

TEST(AbiText, WidePointerForms) {
    EXPECT_EQ(to_utf8(nullptr), "");
    EXPECT_EQ(to_utf8(L"host\u00E9"), "host\xC3\xA9");  // up to the NUL
    EXPECT_EQ(to_utf8(L"abcdef", 3), "abc");
    EXPECT_EQ(to_utf8(L"abc", 0), "");
    EXPECT_FALSE(to_utf8_nullable(nullptr).has_value());
    ASSERT_TRUE(to_utf8_nullable(L"").has_value());
    EXPECT_EQ(*to_utf8_nullable(L""), "");
    EXPECT_EQ(*to_utf8_nullable(L"xy"), "xy");
}

struct ToWideCase {
    const char* name;
    std::string input;
    std::wstring expected;
};

TEST(AbiText, Utf8ToWide) {
    const std::vector<ToWideCase> cases = {
        {"empty", "", L""},
        {"ascii", "Content-Type", L"Content-Type"},
        {"two-byte", "\xC3\xA9", wide({0xE9})},
        {"three-byte", "\xE2\x82\xAC", wide({0x20AC})},
        {"four-byte", "\xF0\x9F\x98\x80", wide({0x1F600})},
        {"highest", "\xF4\x8F\xBF\xBF", wide({0x10FFFF})},
        {"embedded NUL", "a\0b"s, wide({'a', 0, 'b'})},
        {"stray continuation", "\x80", wide({fffd})},
        {"two stray continuations", "\x80\xBF", wide({fffd, fffd})},
        {"C0 overlong lead", "\xC0\xAF", wide({fffd, fffd})},
        {"C1 overlong lead", "\xC1\x81", wide({fffd, fffd})},
        {"E0 overlong", "\xE0\x80\xAF", wide({fffd, fffd, fffd})},
        {"F0 overlong", "\xF0\x80\x80\xAF", wide({fffd, fffd, fffd, fffd})},
        {"encoded surrogate", "\xED\xA0\x80", wide({fffd, fffd, fffd})},
        {"above U+10FFFF", "\xF4\x90\x80\x80", wide({fffd, fffd, fffd, fffd})},
        {"F5 lead", "\xF5\x80", wide({fffd, fffd})},
        {"FF byte", "a\xFF" "b", wide({'a', fffd, 'b'})},
        {"truncated two-byte at end", "a\xC3", wide({'a', fffd})},
        {"truncated three-byte at end", "\xE2\x82", wide({fffd})},
        {"truncated four-byte at end", "\xF0\x9F\x98", wide({fffd})},
        {"truncated three-byte before ascii", "\xE2\x82" "A", wide({fffd, 'A'})},
        {"truncated then valid", "\xF0\x9F\xC3\xA9", wide({fffd, 0xE9})},
        // The example of the Unicode standard's "U+FFFD substitution of maximal subparts".
        {"maximal subparts", "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64",
         wide({0x61, fffd, fffd, fffd, 0x62, fffd, 0x63, fffd, fffd, 0x64})},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(to_wide(c.input), c.expected);
        EXPECT_EQ(wide_length(c.input), c.expected.size());
    }
}

TEST(AbiText, EveryScalarValueRoundTrips) {
    std::wstring all;
    for (std::uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        all.push_back(static_cast<wchar_t>(cp));
    }
    const std::string utf8 = to_utf8(std::wstring_view(all));
    EXPECT_EQ(utf8.size(), 0x80u * 1 + 0x780u * 2 + (0x10000u - 0x800u - 0x800u) * 3 + 0x100000u * 4);
    EXPECT_EQ(wide_length(utf8), all.size());
    EXPECT_TRUE(to_wide(utf8) == all);
}

// The sizing rules.  A sentinel-filled buffer shows what was (not) written.
constexpr char sentinel = 'x';

struct CopyCase {
    const char* name;
    std::string value;
    bool with_buffer;
    DWORD capacity;
    DWORD expected_result;
    DWORD expected_length;
};

TEST(AbiText, CopyOutNarrow) {
    const std::vector<CopyCase> cases = {
        {"fits exactly", "hello", true, 6, ERROR_SUCCESS, 5},
        {"fits with room", "hello", true, 100, ERROR_SUCCESS, 5},
        {"no room for terminator", "hello", true, 5, ERROR_INSUFFICIENT_BUFFER, 6},
        {"zero capacity", "hello", true, 0, ERROR_INSUFFICIENT_BUFFER, 6},
        {"null buffer probes size", "hello", false, 0, ERROR_INSUFFICIENT_BUFFER, 6},
        {"null buffer with claimed capacity", "hello", false, 100, ERROR_INSUFFICIENT_BUFFER, 6},
        {"empty value", "", true, 1, ERROR_SUCCESS, 0},
        {"empty value zero capacity", "", true, 0, ERROR_INSUFFICIENT_BUFFER, 1},
        {"utf-8 counts bytes", "\xC3\xA9t\xC3\xA9", true, 6, ERROR_SUCCESS, 5},
        {"raw headers keep NULs", "A: 1\0B: 2\0"s, true, 11, ERROR_SUCCESS, 10},
        {"raw headers one short", "A: 1\0B: 2\0"s, true, 10, ERROR_INSUFFICIENT_BUFFER, 11},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        std::vector<char> storage(128, sentinel);
        DWORD length = c.capacity;
        const DWORD result = copy_out(c.value, c.with_buffer ? storage.data() : nullptr, &length);
        EXPECT_EQ(result, c.expected_result);
        EXPECT_EQ(length, c.expected_length);
        if (result == ERROR_SUCCESS) {
            EXPECT_EQ(std::string(storage.data(), c.value.size()), c.value);
            EXPECT_EQ(storage[c.value.size()], '\0');
            EXPECT_EQ(storage[c.value.size() + 1], sentinel);
        } else {
            EXPECT_EQ(storage[0], sentinel);
        }
    }
}

TEST(AbiText, CopyOutWideCountsCharacters) {
    const std::vector<CopyCase> cases = {
        {"ascii fits", "hello", true, 6, ERROR_SUCCESS, 5},
        {"ascii too small", "hello", true, 5, ERROR_INSUFFICIENT_BUFFER, 6},
        {"null buffer", "hello", false, 50, ERROR_INSUFFICIENT_BUFFER, 6},
        // 6 characters from 9 bytes of UTF-8: counting is in wchar_t, not in bytes.
        {"non-ascii fits", "h\xC3\xA9llo\xE2\x82\xAC", true, 7, ERROR_SUCCESS, 6},
        {"non-ascii too small", "h\xC3\xA9llo\xE2\x82\xAC", true, 6, ERROR_INSUFFICIENT_BUFFER, 7},
        {"astral is one wchar_t", "\xF0\x9F\x98\x80", true, 2, ERROR_SUCCESS, 1},
        {"invalid utf-8 becomes U+FFFD", "\xFF", true, 2, ERROR_SUCCESS, 1},
        {"empty", "", true, 1, ERROR_SUCCESS, 0},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        std::vector<wchar_t> storage(64, L'x');
        DWORD length = c.capacity;
        const DWORD result = copy_out_wide(c.value, c.with_buffer ? storage.data() : nullptr, &length);
        EXPECT_EQ(result, c.expected_result);
        EXPECT_EQ(length, c.expected_length);
        if (result == ERROR_SUCCESS) {
            const std::wstring expected = to_wide(c.value);
            EXPECT_EQ(std::wstring(storage.data(), length), expected);
            EXPECT_EQ(storage[length], L'\0');
            EXPECT_EQ(storage[length + 1], L'x');
        } else {
            EXPECT_EQ(storage[0], L'x');
        }
    }
}

TEST(AbiText, CopyOutWideBytesCountsBytes) {
    constexpr DWORD w = sizeof(wchar_t);
    const std::vector<CopyCase> cases = {
        {"fits exactly", "hello", true, 6 * w, ERROR_SUCCESS, 5 * w},
        {"one byte short", "hello", true, 6 * w - 1, ERROR_INSUFFICIENT_BUFFER, 6 * w},
        {"one character short", "hello", true, 5 * w, ERROR_INSUFFICIENT_BUFFER, 6 * w},
        {"partial character ignored", "hello", true, 6 * w + 3, ERROR_SUCCESS, 5 * w},
        {"null buffer", "hello", false, 0, ERROR_INSUFFICIENT_BUFFER, 6 * w},
        {"status code text", "200", true, 100, ERROR_SUCCESS, 3 * w},
        {"non-ascii", "\xC3\xA9\xE2\x82\xAC", true, 3 * w, ERROR_SUCCESS, 2 * w},
        {"empty", "", true, w, ERROR_SUCCESS, 0},
        {"empty too small", "", true, w - 1, ERROR_INSUFFICIENT_BUFFER, w},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        // Offset by one byte: callers pass LPVOID buffers with no alignment promise.
        std::vector<unsigned char> storage(512, 0xAB);
        unsigned char* buffer = storage.data() + 1;
        DWORD length = c.capacity;
        const DWORD result = copy_out_wide_bytes(c.value, c.with_buffer ? buffer : nullptr, &length);
        EXPECT_EQ(result, c.expected_result);
        EXPECT_EQ(length, c.expected_length);
        if (result == ERROR_SUCCESS) {
            const std::wstring expected = to_wide(c.value);
            std::wstring written(expected.size() + 1, L'?');
            std::memcpy(written.data(), buffer, (expected.size() + 1) * w);
            EXPECT_EQ(written, expected + L'\0');
            EXPECT_EQ(buffer[(expected.size() + 1) * w], 0xAB);
        } else {
            EXPECT_EQ(buffer[0], 0xAB);
        }
    }
}

TEST(AbiText, NullLengthIsInvalidParameter) {
    char narrow[8] = "keep";
    wchar_t wide_buffer[8] = L"keep";
    EXPECT_EQ(copy_out("v", narrow, nullptr), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(copy_out_wide("v", wide_buffer, nullptr), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(copy_out_wide_bytes("v", wide_buffer, nullptr),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_STREQ(narrow, "keep");
    EXPECT_STREQ(wide_buffer, L"keep");
}

}  // namespace
