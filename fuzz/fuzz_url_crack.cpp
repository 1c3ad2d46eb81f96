// libFuzzer target for the URL helpers: cracks, canonicalizes, combines and re-creates
// arbitrary input through the A API and the internal openinet::url functions, checking
// what must always hold.
//
// Input layout: first byte = flag selector, then the URL; a '\n' (if any) splits off a
// relative reference for InternetCombineUrl.
#include <openinet/wininet.h>

#include "url/url.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

void require(bool condition)
{
    if (!condition) std::abort();
}

const DWORD flag_choices[] = {
    0,
    ICU_DECODE,
    ICU_ESCAPE,
    ICU_NO_ENCODE,
    ICU_NO_META,
    ICU_ENCODE_SPACES_ONLY,
    ICU_ENCODE_PERCENT,
    ICU_BROWSER_MODE,
    ICU_DECODE | ICU_NO_ENCODE,
    ICU_NO_META | ICU_ENCODE_PERCENT,
};

// A pointer-mode component must lie inside the input.
void check_inside(const char* pointer, DWORD length, const std::string& input)
{
    if (!pointer) {
        require(length == 0);
        return;
    }
    require(pointer >= input.data());
    require(pointer + length <= input.data() + input.size());
}

void crack_with_pointers(const std::string& input, DWORD flags)
{
    URL_COMPONENTSA c{};
    c.dwStructSize = sizeof(c);
    c.dwSchemeLength = c.dwHostNameLength = c.dwUserNameLength = c.dwPasswordLength =
        c.dwUrlPathLength = c.dwExtraInfoLength = 1;
    if (!InternetCrackUrlA(input.c_str(), static_cast<DWORD>(input.size()), flags, &c)) {
        require(GetLastError() != ERROR_SUCCESS);
        return;
    }
    check_inside(c.lpszScheme, c.dwSchemeLength, input);
    check_inside(c.lpszHostName, c.dwHostNameLength, input);
    check_inside(c.lpszUserName, c.dwUserNameLength, input);
    check_inside(c.lpszPassword, c.dwPasswordLength, input);
    check_inside(c.lpszUrlPath, c.dwUrlPathLength, input);
    check_inside(c.lpszExtraInfo, c.dwExtraInfoLength, input);
    require(c.dwSchemeLength > 0);

    // The internal cracker agrees with the API and its ranges tile the input in order.
    openinet::url::CrackedUrl cracked;
    require(openinet::url::crack(input, cracked) == openinet::url::Error::none);
    require(static_cast<int>(cracked.scheme) == static_cast<int>(c.nScheme));
    require(cracked.port == c.nPort);
    std::size_t previous_end = 0;
    for (const auto* range : {&cracked.scheme_text, &cracked.user, &cracked.password,
                              &cracked.host, &cracked.path, &cracked.extra}) {
        if (!range->present) continue;
        require(range->offset >= previous_end);
        require(range->offset + range->length <= input.size());
        previous_end = range->offset + range->length;
    }
    if (cracked.extra.present) require(cracked.extra.offset + cracked.extra.length == input.size());

    // Re-create from the cracked pieces; a URL without a password problem must succeed.
    URL_COMPONENTSA parts = c;
    DWORD length = 0;
    BOOL created = InternetCreateUrlA(&parts, flags & ICU_ESCAPE, nullptr, &length);
    require(!created);
    if (GetLastError() == ERROR_INSUFFICIENT_BUFFER) {
        std::vector<char> buffer(length);
        DWORD needed = length;
        require(InternetCreateUrlA(&parts, flags & ICU_ESCAPE, buffer.data(), &length));
        require(length + 1 == needed);
        require(std::strlen(buffer.data()) == length);
    }
}

void crack_into_buffers(const std::string& input, DWORD flags)
{
    std::vector<std::vector<char>> buffers(6, std::vector<char>(input.size() + 2, '\x7f'));
    URL_COMPONENTSA c{};
    c.dwStructSize = sizeof(c);
    char** pointers[] = {&c.lpszScheme, &c.lpszHostName, &c.lpszUserName,
                         &c.lpszPassword, &c.lpszUrlPath, &c.lpszExtraInfo};
    DWORD* lengths[] = {&c.dwSchemeLength, &c.dwHostNameLength, &c.dwUserNameLength,
                        &c.dwPasswordLength, &c.dwUrlPathLength, &c.dwExtraInfoLength};
    // Small buffers half of the time, to exercise ERROR_INSUFFICIENT_BUFFER.
    const DWORD capacity = static_cast<DWORD>((flags & 1) ? input.size() / 3 + 1 : input.size() + 2);
    for (int i = 0; i < 6; ++i) {
        *pointers[i] = buffers[static_cast<std::size_t>(i)].data();
        *lengths[i] = capacity;
    }
    const BOOL ok = InternetCrackUrlA(input.c_str(), 0, flags & ~DWORD{1}, &c);
    for (int i = 0; i < 6; ++i) {
        if (ok) {
            require(*lengths[i] < capacity);
            require(std::strlen(*pointers[i]) == *lengths[i]);
        }
        // Nothing is written past the capacity the caller declared.
        const auto& buffer = buffers[static_cast<std::size_t>(i)];
        for (std::size_t b = capacity; b < buffer.size(); ++b) require(buffer[b] == '\x7f');
    }
}

void canonicalize_and_combine(const std::string& url, const std::string& relative, DWORD flags)
{
    DWORD length = 0;
    if (!InternetCanonicalizeUrlA(url.c_str(), nullptr, &length, flags)) {
        if (GetLastError() == ERROR_INSUFFICIENT_BUFFER) {
            require(length >= 1);
            std::vector<char> buffer(length);
            DWORD needed = length;
            require(InternetCanonicalizeUrlA(url.c_str(), buffer.data(), &length, flags));
            require(length + 1 == needed && std::strlen(buffer.data()) == length);
        }
    }

    std::string combined;
    auto status = openinet::url::combine(url, relative, flags, combined);
    if (status == openinet::url::Error::none) {
        // Canonicalizing a combined URL again changes nothing more.
        std::string again;
        require(openinet::url::canonicalize(combined, flags & ~DWORD{ICU_DECODE}, again) ==
                openinet::url::Error::none);
        // Only under the default escaping: without it, trailing blanks of the path are
        // trimmed by the second pass, as InternetCanonicalizeUrl trims its input.
        const bool default_escaping = (flags & ~DWORD{ICU_ESCAPE | ICU_BROWSER_MODE | ICU_NO_META}) == 0;
        // Opaque URLs ("mailto:x") are not escaped at all, so only hierarchical ones count.
        const auto colon = combined.find(':');
        const bool hierarchical = colon != std::string::npos && combined.compare(colon + 1, 2, "//") == 0;
        if (default_escaping && hierarchical && combined.find_first_of("?#") == std::string::npos)
            require(again == combined);
    }
    length = 0;
    if (!InternetCombineUrlA(url.c_str(), relative.c_str(), nullptr, &length, flags) &&
        GetLastError() == ERROR_INSUFFICIENT_BUFFER) {
        std::vector<char> buffer(length);
        require(InternetCombineUrlA(url.c_str(), relative.c_str(), buffer.data(), &length, flags));
        require(std::string_view(buffer.data(), length) == combined);
    }
}

// The input as wchar_t: ASCII stays, some bytes become characters outside the BMP or
// lone/paired UTF-16 surrogates, so the W offset mapping sees every kind of code unit.
std::wstring widen(const std::string& input)
{
    std::wstring wide;
    for (unsigned char b : input) {
        if (b >= 0xF0)
            wide.push_back(static_cast<wchar_t>(0x1F600 + (b & 0x0F)));
        else if (b >= 0xD8 && b <= 0xDF)
            wide.push_back(static_cast<wchar_t>(0xD800 + ((b & 1) << 10) + b));
        else
            wide.push_back(static_cast<wchar_t>(b));
    }
    return wide;
}

void crack_wide(const std::string& input, DWORD flags)
{
    const std::wstring wide = widen(input);
    URL_COMPONENTSW c{};
    c.dwStructSize = sizeof(c);
    c.dwSchemeLength = c.dwHostNameLength = c.dwUserNameLength = c.dwPasswordLength =
        c.dwUrlPathLength = c.dwExtraInfoLength = 1;
    const BOOL ok = InternetCrackUrlW(wide.c_str(), 0, flags, &c);
    if (ok) {
        for (auto [pointer, length] : {std::pair{c.lpszScheme, c.dwSchemeLength},
                                       std::pair{c.lpszHostName, c.dwHostNameLength},
                                       std::pair{c.lpszUserName, c.dwUserNameLength},
                                       std::pair{c.lpszPassword, c.dwPasswordLength},
                                       std::pair{c.lpszUrlPath, c.dwUrlPathLength},
                                       std::pair{c.lpszExtraInfo, c.dwExtraInfoLength}}) {
            if (!pointer) {
                require(length == 0);
                continue;
            }
            require(pointer >= wide.data() && pointer + length <= wide.data() + wide.size());
        }
    }
    // For ASCII input the W form must give exactly the A form's positions.
    const bool ascii = std::all_of(input.begin(), input.end(),
                                   [](char ch) { return static_cast<unsigned char>(ch) < 0x80; });
    if (ascii) {
        URL_COMPONENTSA a{};
        a.dwStructSize = sizeof(a);
        a.dwSchemeLength = a.dwHostNameLength = a.dwUserNameLength = a.dwPasswordLength =
            a.dwUrlPathLength = a.dwExtraInfoLength = 1;
        require(InternetCrackUrlA(input.c_str(), 0, flags, &a) == ok);
        if (ok) {
            require(c.nScheme == a.nScheme && c.nPort == a.nPort);
            require(c.dwHostNameLength == a.dwHostNameLength);
            require(c.dwUrlPathLength == a.dwUrlPathLength);
            require(c.dwExtraInfoLength == a.dwExtraInfoLength);
            if (a.lpszUrlPath) require(c.lpszUrlPath - wide.data() == a.lpszUrlPath - input.data());
        }
    }

    // Buffers: W lengths count wchar_t; nothing beyond the declared capacity is touched.
    std::vector<wchar_t> path(wide.size() / 2 + 2, L'\x7f');
    URL_COMPONENTSW b{};
    b.dwStructSize = sizeof(b);
    b.lpszUrlPath = path.data();
    b.dwUrlPathLength = static_cast<DWORD>(path.size() - 1);
    if (InternetCrackUrlW(wide.c_str(), 0, flags, &b))
        require(std::wcslen(path.data()) == b.dwUrlPathLength);
    require(path.back() == L'\x7f');

    DWORD length = 0;
    if (!InternetCanonicalizeUrlW(wide.c_str(), nullptr, &length, flags) &&
        GetLastError() == ERROR_INSUFFICIENT_BUFFER) {
        std::vector<wchar_t> buffer(length);
        require(InternetCanonicalizeUrlW(wide.c_str(), buffer.data(), &length, flags));
        require(std::wcslen(buffer.data()) == length);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0 || size > 4096) return 0;
    const DWORD flags = flag_choices[data[0] % std::size(flag_choices)] | (data[0] >> 7);
    std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
    // The A API takes NUL-terminated strings; cut where the caller's string would end.
    text = text.substr(0, text.find('\0'));
    std::string relative;
    if (auto newline = text.find('\n'); newline != std::string::npos) {
        relative = text.substr(newline + 1);
        text.resize(newline);
    }
    crack_with_pointers(text, flags & ~DWORD{1});
    crack_into_buffers(text, flags);
    crack_wide(text, flags & ~DWORD{1});
    canonicalize_and_combine(text, relative, flags & ~DWORD{1});
    return 0;
}
