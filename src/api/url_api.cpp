// The exported URL helpers: InternetCrackUrl, InternetCreateUrl, InternetCanonicalizeUrl
// and InternetCombineUrl (A and W). They check arguments, convert W strings once, call
// openinet::url and copy results out with WinInet's buffer rules.
#include "api/last_error.hpp"

#include <openinet/wininet.h>

#include "core/text.hpp"
#include "url/url.hpp"

#include <cstdint>
#include <cstring>
#include <cwchar>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace {

using namespace openinet;

using api::fail;
using api::succeed;
using api::guarded;

BOOL fail(url::Error error) { return fail(static_cast<DWORD>(error)); }

// WinInet treats a URL length as a maximum: the text also ends at an earlier NUL.
// 0 means NUL-terminated.
std::size_t bounded_length(const char* text, DWORD length)
{
    return length == 0 ? std::strlen(text) : strnlen(text, length);
}

std::size_t bounded_length(const wchar_t* text, DWORD length)
{
    return length == 0 ? std::wcslen(text) : wcsnlen(text, length);
}

// A W URL as UTF-8 plus, for every byte that starts a character, the index of the
// wchar_t it came from, so that cracked ranges map back to pointers into the caller's
// string. Surrogate pairs count as two wchar_t for one character, as in text::to_utf8.
struct WideInput {
    std::string utf8;
    std::vector<std::size_t> wide_index; // utf8.size() + 1 entries
};

WideInput convert_with_positions(const wchar_t* text, std::size_t length)
{
    WideInput input;
    input.utf8.reserve(length);
    input.wide_index.reserve(length + 1);
    for (std::size_t i = 0; i < length;) {
        const std::size_t start = i;
        auto unit = static_cast<std::uint32_t>(text[i++]);
        std::uint32_t code_point = unit;
        if (unit >= 0xD800 && unit <= 0xDBFF && i < length) {
            auto low = static_cast<std::uint32_t>(text[i]);
            if (low >= 0xDC00 && low <= 0xDFFF) {
                code_point = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                ++i;
            }
        }
        if ((code_point >= 0xD800 && code_point <= 0xDFFF) || code_point > 0x10FFFF)
            code_point = 0xFFFD;

        char bytes[4];
        std::size_t count = 0;
        if (code_point < 0x80) {
            bytes[count++] = static_cast<char>(code_point);
        } else if (code_point < 0x800) {
            bytes[count++] = static_cast<char>(0xC0 | (code_point >> 6));
            bytes[count++] = static_cast<char>(0x80 | (code_point & 0x3F));
        } else if (code_point < 0x10000) {
            bytes[count++] = static_cast<char>(0xE0 | (code_point >> 12));
            bytes[count++] = static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
            bytes[count++] = static_cast<char>(0x80 | (code_point & 0x3F));
        } else {
            bytes[count++] = static_cast<char>(0xF0 | (code_point >> 18));
            bytes[count++] = static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
            bytes[count++] = static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
            bytes[count++] = static_cast<char>(0x80 | (code_point & 0x3F));
        }
        input.utf8.append(bytes, count);
        input.wide_index.insert(input.wide_index.end(), count, start);
    }
    input.wide_index.push_back(length);
    return input;
}

// The pieces of InternetCrackUrl shared by the A and W forms.
template <class Components>
struct CrackField {
    using Char = std::remove_pointer_t<decltype(Components::lpszScheme)>;
    Char* Components::*pointer;
    DWORD Components::*length;
    url::Part part;
};

template <class Components>
constexpr CrackField<Components> crack_fields[] = {
    {&Components::lpszScheme, &Components::dwSchemeLength, url::Part::scheme},
    {&Components::lpszHostName, &Components::dwHostNameLength, url::Part::host},
    {&Components::lpszUserName, &Components::dwUserNameLength, url::Part::user},
    {&Components::lpszPassword, &Components::dwPasswordLength, url::Part::password},
    {&Components::lpszUrlPath, &Components::dwUrlPathLength, url::Part::path},
    {&Components::lpszExtraInfo, &Components::dwExtraInfoLength, url::Part::extra},
};

url::Range range_of(const url::CrackedUrl& cracked, url::Part part)
{
    switch (part) {
    case url::Part::scheme: return cracked.scheme_text;
    case url::Part::host: return cracked.host;
    case url::Part::user: return cracked.user;
    case url::Part::password: return cracked.password;
    case url::Part::path: return cracked.path;
    case url::Part::extra: return cracked.extra;
    }
    return {};
}

template <class Components>
bool valid_crack_arguments(const void* url, const Components* components)
{
    if (!url || !components || components->dwStructSize != sizeof(Components)) return false;
    // Buffers offered but every length 0: Windows rejects the call as a whole.
    bool any_length = false;
    bool any_buffer = false;
    for (const auto& field : crack_fields<Components>) {
        any_length = any_length || components->*field.length != 0;
        any_buffer = any_buffer || components->*field.pointer != nullptr;
    }
    return any_length || !any_buffer;
}

// Fills `components` from a cracked URL. `pointer_at(byte_offset)` gives the caller's
// pointer for a byte offset of `utf8`; `copy(value, buffer, length)` copies a value out.
template <class Components, class PointerAt, class Copy>
BOOL fill_components(std::string_view utf8, const url::CrackedUrl& cracked, DWORD flags,
                     Components* components, PointerAt pointer_at, Copy copy)
{
    components->nScheme = static_cast<INTERNET_SCHEME>(cracked.scheme);
    components->nPort = cracked.port;
    // A caller that does not want the extra info gets it as part of the path.
    const bool path_with_extra = components->dwExtraInfoLength == 0;

    bool too_small = false;
    for (const auto& field : crack_fields<Components>) {
        auto& pointer = components->*field.pointer;
        auto& length = components->*field.length;
        if (!pointer && length == 0) continue; // not wanted
        if (!pointer) {
            url::Range range = range_of(cracked, field.part);
            if (field.part == url::Part::path && path_with_extra && cracked.extra.present)
                range.length += cracked.extra.length;
            if (!range.present) {
                length = 0;
                continue;
            }
            auto* begin = pointer_at(range.offset);
            auto* end = pointer_at(range.offset + range.length);
            pointer = begin;
            length = static_cast<DWORD>(end - begin);
            continue;
        }
        std::string value = url::copied_text(utf8, cracked, field.part, flags, path_with_extra);
        if (copy(value, pointer, &length) != ERROR_SUCCESS) too_small = true;
    }
    if (too_small) return fail(ERROR_INSUFFICIENT_BUFFER);
    return succeed();
}

// InternetCreateUrl's view of one component: NULL stays absent, length 0 means
// NUL-terminated.
std::optional<std::string_view> component_text(const char* text, DWORD length)
{
    if (!text) return std::nullopt;
    return std::string_view(text, length == 0 ? std::strlen(text) : length);
}

std::optional<std::string> component_text(const wchar_t* text, DWORD length)
{
    if (!text) return std::nullopt;
    return text::to_utf8(text, length == 0 ? text::nul_terminated : length);
}

template <class Components>
bool valid_create_arguments(const Components* components, const DWORD* url_length)
{
    return components && url_length && components->dwStructSize == sizeof(Components);
}

url::UrlParts parts_from(const URL_COMPONENTSA& c)
{
    return url::UrlParts{
        .scheme_text = component_text(c.lpszScheme, c.dwSchemeLength),
        .scheme = static_cast<url::Scheme>(c.nScheme),
        .host = component_text(c.lpszHostName, c.dwHostNameLength),
        .port = c.nPort,
        .user = component_text(c.lpszUserName, c.dwUserNameLength),
        .password = component_text(c.lpszPassword, c.dwPasswordLength),
        .path = component_text(c.lpszUrlPath, c.dwUrlPathLength),
        .extra = component_text(c.lpszExtraInfo, c.dwExtraInfoLength),
    };
}

BOOL report_copy(DWORD status)
{
    return status == ERROR_SUCCESS ? succeed() : fail(status);
}

} // namespace

extern "C" {

BOOL WINAPI InternetCrackUrlA(LPCSTR lpszUrl, DWORD dwUrlLength, DWORD dwFlags,
                              LPURL_COMPONENTSA lpUrlComponents)
{
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        if (!valid_crack_arguments(lpszUrl, lpUrlComponents)) return fail(ERROR_INVALID_PARAMETER);
        std::string_view input(lpszUrl, bounded_length(lpszUrl, dwUrlLength));
        url::CrackedUrl cracked;
        if (url::Error e = url::crack(input, cracked); e != url::Error::none) return fail(e);
        return fill_components(
            input, cracked, dwFlags, lpUrlComponents,
            [&](std::size_t offset) { return const_cast<char*>(lpszUrl) + offset; },
            [](const std::string& value, char* buffer, DWORD* length) {
                return text::copy_out(value, buffer, length);
            });
    });
}

BOOL WINAPI InternetCrackUrlW(LPCWSTR lpszUrl, DWORD dwUrlLength, DWORD dwFlags,
                              LPURL_COMPONENTSW lpUrlComponents)
{
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        if (!valid_crack_arguments(lpszUrl, lpUrlComponents)) return fail(ERROR_INVALID_PARAMETER);
        WideInput input = convert_with_positions(lpszUrl, bounded_length(lpszUrl, dwUrlLength));
        url::CrackedUrl cracked;
        if (url::Error e = url::crack(input.utf8, cracked); e != url::Error::none) return fail(e);
        return fill_components(
            input.utf8, cracked, dwFlags, lpUrlComponents,
            [&](std::size_t offset) { return const_cast<wchar_t*>(lpszUrl) + input.wide_index[offset]; },
            [](const std::string& value, wchar_t* buffer, DWORD* length) {
                return text::copy_out_wide(value, buffer, length);
            });
    });
}

BOOL WINAPI InternetCreateUrlA(LPURL_COMPONENTSA lpUrlComponents, DWORD dwFlags, LPSTR lpszUrl,
                               LPDWORD lpdwUrlLength)
{
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        if (!valid_create_arguments(lpUrlComponents, lpdwUrlLength))
            return fail(ERROR_INVALID_PARAMETER);
        std::string created;
        if (url::Error e = url::create(parts_from(*lpUrlComponents), dwFlags, created);
            e != url::Error::none)
            return fail(e);
        return report_copy(text::copy_out(created, lpszUrl, lpdwUrlLength));
    });
}

BOOL WINAPI InternetCreateUrlW(LPURL_COMPONENTSW lpUrlComponents, DWORD dwFlags, LPWSTR lpszUrl,
                               LPDWORD lpdwUrlLength)
{
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        if (!valid_create_arguments(lpUrlComponents, lpdwUrlLength))
            return fail(ERROR_INVALID_PARAMETER);
        const URL_COMPONENTSW& c = *lpUrlComponents;
        const auto scheme = component_text(c.lpszScheme, c.dwSchemeLength);
        const auto host = component_text(c.lpszHostName, c.dwHostNameLength);
        const auto user = component_text(c.lpszUserName, c.dwUserNameLength);
        const auto password = component_text(c.lpszPassword, c.dwPasswordLength);
        const auto path = component_text(c.lpszUrlPath, c.dwUrlPathLength);
        const auto extra = component_text(c.lpszExtraInfo, c.dwExtraInfoLength);
        auto view = [](const std::optional<std::string>& s) -> std::optional<std::string_view> {
            if (!s) return std::nullopt;
            return std::string_view(*s);
        };
        url::UrlParts parts{.scheme_text = view(scheme),
                            .scheme = static_cast<url::Scheme>(c.nScheme),
                            .host = view(host),
                            .port = c.nPort,
                            .user = view(user),
                            .password = view(password),
                            .path = view(path),
                            .extra = view(extra)};
        std::string created;
        if (url::Error e = url::create(parts, dwFlags, created); e != url::Error::none) return fail(e);

        // Documented quirk of the W form: when the buffer is too small the required size is
        // reported in bytes (terminator included), on success in characters.
        const std::size_t characters = text::wide_length(created);
        if (!lpszUrl || *lpdwUrlLength < characters + 1) {
            *lpdwUrlLength = static_cast<DWORD>((characters + 1) * sizeof(wchar_t));
            return fail(ERROR_INSUFFICIENT_BUFFER);
        }
        return report_copy(text::copy_out_wide(created, lpszUrl, lpdwUrlLength));
    });
}

BOOL WINAPI InternetCanonicalizeUrlA(LPCSTR lpszUrl, LPSTR lpszBuffer, LPDWORD lpdwBufferLength,
                                     DWORD dwFlags)
{
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        if (!lpszUrl || !lpdwBufferLength) return fail(ERROR_INVALID_PARAMETER);
        std::string canonical;
        if (url::Error e = url::canonicalize(lpszUrl, dwFlags, canonical); e != url::Error::none)
            return fail(e);
        return report_copy(text::copy_out(canonical, lpszBuffer, lpdwBufferLength));
    });
}

BOOL WINAPI InternetCanonicalizeUrlW(LPCWSTR lpszUrl, LPWSTR lpszBuffer, LPDWORD lpdwBufferLength,
                                     DWORD dwFlags)
{
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        if (!lpszUrl || !lpdwBufferLength) return fail(ERROR_INVALID_PARAMETER);
        std::string canonical;
        if (url::Error e = url::canonicalize(text::to_utf8(lpszUrl), dwFlags, canonical);
            e != url::Error::none)
            return fail(e);
        return report_copy(text::copy_out_wide(canonical, lpszBuffer, lpdwBufferLength));
    });
}

BOOL WINAPI InternetCombineUrlA(LPCSTR lpszBaseUrl, LPCSTR lpszRelativeUrl, LPSTR lpszBuffer,
                                LPDWORD lpdwBufferLength, DWORD dwFlags)
{
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        if (!lpszBaseUrl || !lpszRelativeUrl || !lpdwBufferLength)
            return fail(ERROR_INVALID_PARAMETER);
        std::string combined;
        if (url::Error e = url::combine(lpszBaseUrl, lpszRelativeUrl, dwFlags, combined);
            e != url::Error::none)
            return fail(e);
        return report_copy(text::copy_out(combined, lpszBuffer, lpdwBufferLength));
    });
}

BOOL WINAPI InternetCombineUrlW(LPCWSTR lpszBaseUrl, LPCWSTR lpszRelativeUrl, LPWSTR lpszBuffer,
                                LPDWORD lpdwBufferLength, DWORD dwFlags)
{
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        if (!lpszBaseUrl || !lpszRelativeUrl || !lpdwBufferLength)
            return fail(ERROR_INVALID_PARAMETER);
        std::string combined;
        if (url::Error e = url::combine(text::to_utf8(lpszBaseUrl), text::to_utf8(lpszRelativeUrl),
                                        dwFlags, combined);
            e != url::Error::none)
            return fail(e);
        return report_copy(text::copy_out_wide(combined, lpszBuffer, lpdwBufferLength));
    });
}

} // extern "C"
