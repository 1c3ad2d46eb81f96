#include "url_parts.hpp"

#include <openinet/wininet.h>

#include <charconv>
#include <vector>

namespace inetget {

namespace {

std::optional<std::uint64_t> whole_number(std::string_view text) {
    std::uint64_t value = 0;
    if (text.empty()) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

}  // namespace

std::optional<ContentRange> parse_content_range(std::string_view text) {
    text = trim(text);
    constexpr std::string_view unit = "bytes ";
    if (text.size() <= unit.size()) return std::nullopt;
    for (std::size_t i = 0; i < unit.size() - 1; ++i) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != unit[i]) return std::nullopt;
    }
    if (text[unit.size() - 1] != ' ') return std::nullopt;
    text = trim(text.substr(unit.size()));

    auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    std::string_view range = text.substr(0, slash);
    std::string_view length = text.substr(slash + 1);

    ContentRange result;
    if (length != "*") {
        result.complete_length = whole_number(length);
        if (!result.complete_length) return std::nullopt;
    }
    if (range == "*") {
        if (!result.complete_length) return std::nullopt;  // "*/*" says nothing
        return result;
    }
    auto dash = range.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    auto first = whole_number(range.substr(0, dash));
    auto last = whole_number(range.substr(dash + 1));
    if (!first || !last || *last < *first) return std::nullopt;
    if (result.complete_length && *last >= *result.complete_length) return std::nullopt;
    result.first = first;
    return result;
}

bool is_ftp_url(std::string_view url) {
    if (url.size() < 6) return false;
    constexpr std::string_view scheme = "ftp://";
    for (std::size_t i = 0; i < scheme.size(); ++i) {
        char c = url[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != scheme[i]) return false;
    }
    return true;
}

bool crack_ftp_url(const std::string& url, FtpLocation& where) {
    // Sized from the URL: no part can be longer than the whole.
    const DWORD room = static_cast<DWORD>(url.size() + 1);
    std::vector<char> host(room), user(room), password(room), path(room);
    URL_COMPONENTSA parts{};
    parts.dwStructSize = sizeof parts;
    parts.lpszHostName = host.data();
    parts.dwHostNameLength = room;
    parts.lpszUserName = user.data();
    parts.dwUserNameLength = room;
    parts.lpszPassword = password.data();
    parts.dwPasswordLength = room;
    parts.lpszUrlPath = path.data();
    parts.dwUrlPathLength = room;
    if (!InternetCrackUrlA(url.c_str(), static_cast<DWORD>(url.size()), ICU_DECODE, &parts)) {
        return false;
    }
    if (parts.nScheme != INTERNET_SCHEME_FTP || parts.dwHostNameLength == 0) {
        SetLastError(ERROR_INTERNET_INVALID_URL);
        return false;
    }
    where.host.assign(host.data(), parts.dwHostNameLength);
    where.port = parts.nPort;
    where.user.assign(user.data(), parts.dwUserNameLength);
    where.password.assign(password.data(), parts.dwPasswordLength);
    where.path.assign(path.data(), parts.dwUrlPathLength);
    return true;
}

}  // namespace inetget
