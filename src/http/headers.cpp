#include "http/headers.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace openinet::http {
namespace {

char lower(char c) noexcept { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

constexpr DWORD kCoalesceMask = HTTP_ADDREQ_FLAG_COALESCE_WITH_COMMA | HTTP_ADDREQ_FLAG_COALESCE_WITH_SEMICOLON;

// Index = HTTP_QUERY_* id. Empty entries are the ids that do not name a header.
constexpr std::array<std::string_view, 96> kQueryNames = {
    "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Content-ID",
    "Content-Description", "Content-Length", "Content-Language", "Allow", "Public", "Date",
    "Expires", "Last-Modified", "Message-ID", "URI", "Derived-From", "Cost", "Link", "Pragma",
    "", "", "", "", "",  // VERSION, STATUS_CODE, STATUS_TEXT, RAW_HEADERS, RAW_HEADERS_CRLF
    "Connection", "Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language",
    "Authorization", "Content-Encoding", "Forwarded", "From", "If-Modified-Since", "Location",
    "Orig-Uri", "Referer", "Retry-After", "Server", "Title", "User-Agent", "WWW-Authenticate",
    "Proxy-Authenticate", "Accept-Ranges", "Set-Cookie", "Cookie",
    "",  // REQUEST_METHOD
    "Refresh", "Content-Disposition", "Age", "Cache-Control", "Content-Base",
    "Content-Location", "Content-MD5", "Content-Range", "ETag", "Host", "If-Match",
    "If-None-Match", "If-Range", "If-Unmodified-Since", "Max-Forwards", "Proxy-Authorization",
    "Range", "Transfer-Encoding", "Upgrade", "Vary", "Via", "Warning", "Expect",
    "Proxy-Connection", "Unless-Modified-Since",
    "", "", "", "",  // ECHO_REQUEST, ECHO_REPLY, ECHO_HEADERS, ECHO_HEADERS_CRLF
    "Proxy-Support", "Authentication-Info", "PassportURLs", "PassportConfig",
    "X-Content-Type-Options", "P3P", "X-P2P-PeerDist", "Translate", "X-UA-Compatible",
    "Default-Style", "X-Frame-Options", "X-XSS-Protection", "Set-Cookie2", "DNT", "Keep-Alive",
    "HTTP2-Settings", "Strict-Transport-Security", "Sec-Token-Binding",
    "Include-Referred-Token-Binding-ID", "Public-Key-Pins", "Public-Key-Pins-Report-Only",
};

int month_from_name(std::string_view m) noexcept {
    static constexpr std::array<std::string_view, 12> names = {
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    if (m.size() < 3) return 0;
    for (std::size_t i = 0; i < names.size(); ++i)
        if (iequals(m.substr(0, 3), names[i])) return static_cast<int>(i) + 1;
    return 0;
}

int weekday_from_name(std::string_view d) noexcept {
    static constexpr std::array<std::string_view, 7> names = {"sun", "mon", "tue", "wed",
                                                              "thu", "fri", "sat"};
    if (d.size() < 3) return -1;
    for (std::size_t i = 0; i < names.size(); ++i)
        if (iequals(d.substr(0, 3), names[i])) return static_cast<int>(i);
    return -1;
}

bool parse_uint(std::string_view s, int& out) noexcept {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && p == s.data() + s.size();
}

bool parse_clock(std::string_view s, int& h, int& m, int& sec) noexcept {
    auto c1 = s.find(':');
    if (c1 == std::string_view::npos) return false;
    auto c2 = s.find(':', c1 + 1);
    if (c2 == std::string_view::npos) return false;
    return parse_uint(s.substr(0, c1), h) && parse_uint(s.substr(c1 + 1, c2 - c1 - 1), m) &&
           parse_uint(s.substr(c2 + 1), sec) && h < 24 && m < 60 && sec <= 60;
}

// Day of week for a Gregorian date (0 = Sunday), so SYSTEMTIME is consistent even when the
// header's weekday is missing or wrong.
int day_of_week(int y, int m, int d) noexcept {
    static constexpr int offsets[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    if (m < 3) y -= 1;
    return (y + y / 4 - y / 100 + y / 400 + offsets[m - 1] + d) % 7;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

const std::string* HeaderList::find(std::string_view name, std::size_t index) const {
    for (const auto& f : fields_)
        if (iequals(f.name, name) && index-- == 0) return &f.value;
    return nullptr;
}

std::size_t HeaderList::count(std::string_view name) const {
    return static_cast<std::size_t>(std::count_if(
        fields_.begin(), fields_.end(), [&](const HeaderField& f) { return iequals(f.name, name); }));
}

std::vector<HeaderField>::iterator HeaderList::nth(std::string_view name, std::size_t index) {
    for (auto it = fields_.begin(); it != fields_.end(); ++it)
        if (iequals(it->name, name) && index-- == 0) return it;
    return fields_.end();
}

void HeaderList::add(std::string name, std::string value) {
    fields_.push_back({std::move(name), std::move(value)});
}

void HeaderList::set(std::string_view name, std::string value) {
    auto first = nth(name, 0);
    if (first == fields_.end()) {
        add(std::string(name), std::move(value));
        return;
    }
    first->value = std::move(value);
    auto keep = first - fields_.begin();
    fields_.erase(std::remove_if(fields_.begin() + keep + 1, fields_.end(),
                                 [&](const HeaderField& f) { return iequals(f.name, name); }),
                  fields_.end());
}

void HeaderList::add_if_missing(std::string_view name, std::string value) {
    if (!find(name)) add(std::string(name), std::move(value));
}

void HeaderList::remove_all(std::string_view name) {
    fields_.erase(std::remove_if(fields_.begin(), fields_.end(),
                                 [&](const HeaderField& f) { return iequals(f.name, name); }),
                  fields_.end());
}

std::optional<HeaderField> split_header_line(std::string_view line) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto name = trim(line.substr(0, colon));
    if (name.empty()) return std::nullopt;
    for (char c : name)
        if (c == ' ' || c == '\t' || static_cast<unsigned char>(c) < 0x20) return std::nullopt;
    return HeaderField{std::string(name), std::string(trim(line.substr(colon + 1)))};
}

std::error_code HeaderList::apply_line(std::string_view name, std::string_view value,
                                       DWORD modifiers) {
    const std::size_t index = modifiers & HTTP_ADDREQ_INDEX_MASK;
    auto existing = nth(name, index);
    if (existing != fields_.end()) {
        if (modifiers & HTTP_ADDREQ_FLAG_REPLACE) {
            // Windows removes the occurrence and appends the new value at the end.
            fields_.erase(existing);
            if (!value.empty()) add(std::string(name), std::string(value));
            return {};
        }
        if (modifiers & HTTP_ADDREQ_FLAG_ADD_IF_NEW)
            return make_error(ERROR_HTTP_HEADER_ALREADY_EXISTS);
        if (modifiers & kCoalesceMask) {
            const char* separator =
                (modifiers & HTTP_ADDREQ_FLAG_COALESCE_WITH_COMMA) ? ", " : "; ";
            existing->value.append(separator).append(value);
            return {};
        }
    }
    // Not present (or a plain ADD): REPLACE alone has nothing to replace.
    if ((modifiers & HTTP_ADDREQ_FLAGS_MASK) == HTTP_ADDREQ_FLAG_REPLACE)
        return make_error(ERROR_HTTP_HEADER_NOT_FOUND);
    if ((modifiers & HTTP_ADDREQ_FLAG_REPLACE) && value.empty()) return {};
    add(std::string(name), std::string(value));
    return {};
}

std::error_code HeaderList::apply(std::string_view text, DWORD modifiers) {
    bool any = false;
    while (!text.empty()) {
        auto end = text.find_first_of("\r\n");
        auto line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        if (trim(line).empty()) continue;
        auto field = split_header_line(line);
        if (!field) return make_error(ERROR_INVALID_PARAMETER);
        if (auto ec = apply_line(field->name, field->value, modifiers)) return ec;
        any = true;
    }
    return any ? std::error_code{} : make_error(ERROR_INVALID_PARAMETER);
}

std::string_view query_header_name(DWORD id) noexcept {
    return id < kQueryNames.size() ? kQueryNames[id] : std::string_view{};
}

bool parse_http_date(std::string_view text, SYSTEMTIME& out) noexcept {
    // Tokenise on space, comma and '-' (RFC 850 uses "Sunday, 06-Nov-94 08:49:37 GMT").
    std::array<std::string_view, 8> tok{};
    std::size_t n = 0;
    std::size_t i = 0;
    while (i < text.size() && n < tok.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == ',' || text[i] == '-')) ++i;
        auto start = i;
        while (i < text.size() && text[i] != ' ' && text[i] != ',' && text[i] != '-') ++i;
        if (i > start) tok[n++] = text.substr(start, i - start);
    }
    int day = 0, month = 0, year = 0, h = 0, m = 0, s = 0;
    std::size_t k = 0;
    if (n > 0 && weekday_from_name(tok[0]) >= 0) k = 1;
    if (n >= k + 4 && month_from_name(tok[k]) && !parse_uint(tok[k], day)) {
        // asctime: "Sun Nov  6 08:49:37 1994"
        month = month_from_name(tok[k]);
        if (!parse_uint(tok[k + 1], day) || !parse_clock(tok[k + 2], h, m, s) ||
            !parse_uint(tok[k + 3], year))
            return false;
    } else if (n >= k + 4) {
        month = month_from_name(tok[k + 1]);
        if (!parse_uint(tok[k], day) || !month || !parse_uint(tok[k + 2], year) ||
            !parse_clock(tok[k + 3], h, m, s))
            return false;
        if (tok[k + 2].size() == 2) year += year < 70 ? 2000 : 1900;
    } else {
        return false;
    }
    if (day < 1 || day > 31 || year < 1601 || year > 30827) return false;
    out.wYear = static_cast<WORD>(year);
    out.wMonth = static_cast<WORD>(month);
    out.wDay = static_cast<WORD>(day);
    out.wDayOfWeek = static_cast<WORD>(day_of_week(year, month, day));
    out.wHour = static_cast<WORD>(h);
    out.wMinute = static_cast<WORD>(m);
    out.wSecond = static_cast<WORD>(s == 60 ? 59 : s);
    out.wMilliseconds = 0;
    return true;
}

std::string serialize_request_head(std::string_view verb, std::string_view target,
                                   std::string_view version, const HeaderList& headers) {
    std::string out;
    std::size_t size = verb.size() + target.size() + version.size() + 8;
    for (const auto& f : headers.fields()) size += f.name.size() + f.value.size() + 4;
    out.reserve(size);
    out.append(verb).append(" ").append(target).append(" ").append(version).append("\r\n");
    for (const auto& f : headers.fields()) out.append(f.name).append(": ").append(f.value).append("\r\n");
    out.append("\r\n");
    return out;
}

}  // namespace openinet::http
