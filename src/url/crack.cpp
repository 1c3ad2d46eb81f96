// InternetCrackUrl's splitter.
//
// Boost.URL's parsers implement RFC 3986 strictly and reject what WinInet accepts and
// programs rely on: raw spaces and non-ASCII bytes in paths, '<', '>', '"', '{', '}',
// backslashes ("C:\file.txt" cracks as scheme "C"), "%" not followed by hex digits, an
// empty port, and URLs whose scheme part WinInet still splits. WinInet also reports
// ranges of the caller's own input, which a normalising parser cannot give back. So the
// splitting here is our own small, tolerant scanner; Boost.URL serves for escaping.
#include "url/escaping.hpp"
#include "url/url.hpp"

#include <array>
#include <utility>

namespace openinet::url {
namespace {

struct SchemeEntry {
    std::string_view name;
    Scheme scheme;
    std::uint16_t port;
};

constexpr std::array<SchemeEntry, 11> scheme_table{{
    {"ftp", Scheme::ftp, 21},
    {"gopher", Scheme::gopher, 0}, // WinInet reports no default port for gopher
    {"http", Scheme::http, 80},
    {"https", Scheme::https, 443},
    {"file", Scheme::file, 0},
    {"news", Scheme::news, 0},
    {"mailto", Scheme::mailto, 0},
    {"socks", Scheme::socks, 0},
    {"javascript", Scheme::javascript, 0},
    {"vbscript", Scheme::vbscript, 0},
    {"res", Scheme::res, 0},
}};

bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (detail::ascii_lower(a[i]) != detail::ascii_lower(b[i])) return false;
    return true;
}

// Path and extra info from `pos` on: the extra info starts at the first '?' or '#'.
void split_path_and_extra(std::string_view url, std::size_t pos, CrackedUrl& out)
{
    std::size_t extra_start = url.find_first_of("?#", pos);
    if (extra_start == std::string_view::npos) extra_start = url.size();
    out.path = {pos, extra_start - pos, true};
    if (extra_start < url.size()) out.extra = {extra_start, url.size() - extra_start, true};
}

// Host and port of an authority's "host[:port]" part starting at `start`.
Error split_host_and_port(std::string_view url, std::size_t start, std::size_t end,
                          CrackedUrl& out)
{
    std::string_view host_port = url.substr(start, end - start);
    std::size_t host_length = 0;
    if (!host_port.empty() && host_port.front() == '[') {
        std::size_t close = host_port.find(']');
        if (close == std::string_view::npos) return Error::invalid_url;
        host_length = close + 1;
        if (host_length < host_port.size() && host_port[host_length] != ':')
            return Error::invalid_url;
    } else {
        host_length = host_port.find(':');
        if (host_length == std::string_view::npos) host_length = host_port.size();
    }
    out.host = {start, host_length, true};

    if (host_length < host_port.size()) {
        std::string_view digits = host_port.substr(host_length + 1);
        if (!digits.empty()) { // "host:" means the default port, as on Windows
            std::uint32_t value = 0;
            for (char c : digits) {
                if (!detail::is_ascii_digit(c)) return Error::invalid_url;
                value = value * 10 + static_cast<std::uint32_t>(c - '0');
                if (value > 65535) return Error::invalid_url;
            }
            out.port = static_cast<std::uint16_t>(value);
        }
    }
    return Error::none;
}

// Turns the path of a file: URL naming a drive into the DOS path WinInet copies out:
// "/C:/a%20b" → "C:\a b" (the "file:///" form is decoded), "C:/a%20b" → "C:\a%20b",
// and a trailing "." or ".." segment gains a backslash. Paths without a drive letter are
// left alone: on this platform they are POSIX paths.
std::string file_path_text(std::string_view source, std::uint32_t flags)
{
    // Built here rather than passed in by value: GCC 12 reports a moved-in short string as
    // "maybe uninitialized" (a false positive of -Wmaybe-uninitialized with SSO).
    std::string text(source);
    auto drive_at = [&](std::size_t i) {
        return text.size() >= i + 2 && detail::is_ascii_alpha(text[i]) &&
               (text[i + 1] == ':' || text[i + 1] == '|');
    };
    bool decode = (flags & (flag::decode | flag::escape)) != 0;
    if (!text.empty() && text.front() == '/' && drive_at(1)) {
        text.erase(0, 1);
        decode = true;
    } else if (!drive_at(0)) {
        return decode ? percent_decode(text) : text;
    }
    if (decode) text = percent_decode(text);
    text[1] = ':';
    for (char& c : text)
        if (c == '/') c = '\\';
    auto ends_with = [&](std::string_view tail) {
        return text.size() >= tail.size() &&
               std::string_view(text).substr(text.size() - tail.size()) == tail;
    };
    if (ends_with("\\.") || ends_with("\\..")) text.push_back('\\');
    return text;
}

} // namespace

Scheme scheme_from_name(std::string_view name) noexcept
{
    for (const auto& entry : scheme_table)
        if (equals_ignoring_case(entry.name, name)) return entry.scheme;
    return Scheme::unknown;
}

std::string_view scheme_name(Scheme scheme) noexcept
{
    for (const auto& entry : scheme_table)
        if (entry.scheme == scheme) return entry.name;
    return {};
}

std::uint16_t default_port(Scheme scheme) noexcept
{
    for (const auto& entry : scheme_table)
        if (entry.scheme == scheme) return entry.port;
    return 0;
}

Error crack(std::string_view url, CrackedUrl& out)
{
    out = CrackedUrl{};
    std::size_t colon = url.find(':');
    if (colon == std::string_view::npos || colon == 0) return Error::unrecognized_scheme;
    for (std::size_t i = 0; i < colon; ++i)
        if (!detail::is_scheme_char(url[i])) return Error::unrecognized_scheme;

    out.scheme_text = {0, colon, true};
    out.scheme = scheme_from_name(url.substr(0, colon));
    out.port = default_port(out.scheme);

    std::size_t pos = colon + 1;
    if (url.substr(pos, 2) != "//") { // opaque: "mailto:x@y", "about:blank", "C:\x"
        split_path_and_extra(url, pos, out);
        return Error::none;
    }
    pos += 2;
    if (out.scheme == Scheme::file) { // file URLs have no host part for WinInet
        split_path_and_extra(url, pos, out);
        return Error::none;
    }

    std::size_t authority_end = url.find_first_of("/?#", pos);
    if (authority_end == std::string_view::npos) authority_end = url.size();
    std::string_view authority = url.substr(pos, authority_end - pos);

    std::size_t host_start = pos;
    // The last '@' ends the user info, so an unescaped '@' in a password still cracks.
    std::size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
        std::size_t separator = authority.substr(0, at).find(':');
        if (separator == std::string_view::npos) {
            out.user = {pos, at, true};
        } else {
            out.user = {pos, separator, true};
            out.password = {pos + separator + 1, at - separator - 1, true};
        }
        host_start = pos + at + 1;
    }
    if (Error e = split_host_and_port(url, host_start, authority_end, out); e != Error::none)
        return e;

    split_path_and_extra(url, authority_end, out);
    return Error::none;
}

std::string copied_text(std::string_view url, const CrackedUrl& cracked, Part part,
                        std::uint32_t flags, bool path_with_extra)
{
    Range range;
    switch (part) {
    case Part::scheme: range = cracked.scheme_text; break;
    case Part::host: range = cracked.host; break;
    case Part::user: range = cracked.user; break;
    case Part::password: range = cracked.password; break;
    case Part::path:
        range = cracked.path;
        if (path_with_extra && cracked.extra.present) range.length += cracked.extra.length;
        break;
    case Part::extra: range = cracked.extra; break;
    }
    if (!range.present) return {};
    const std::string_view source = url.substr(range.offset, range.length);
    if (part == Part::path && cracked.scheme == Scheme::file) return file_path_text(source, flags);
    std::string text(source);
    if (part == Part::scheme) return text;
    if (flags & (flag::decode | flag::escape)) return percent_decode(text);
    return text;
}

} // namespace openinet::url
