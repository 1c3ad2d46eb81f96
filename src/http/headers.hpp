// Request-header store and the pure helpers behind HttpAddRequestHeaders / HttpQueryInfo:
// modifier semantics (HTTP_ADDREQ_FLAG_*), the HTTP_QUERY_* id → header name table and
// HTTP date parsing for HTTP_QUERY_FLAG_SYSTEMTIME. No I/O; unit-testable.
#pragma once

#include <openinet/wininet.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace openinet::http {

struct HeaderField {
    std::string name;
    std::string value;
};

bool iequals(std::string_view a, std::string_view b) noexcept;

// Ordered, case-insensitive multimap of header fields, as HttpAddRequestHeaders edits it.
class HeaderList {
public:
    // The index-th field called `name` (0-based), or nullptr.
    const std::string* find(std::string_view name, std::size_t index = 0) const;
    std::size_t count(std::string_view name) const;
    void add(std::string name, std::string value);
    // Replaces every field called `name` by one (appended if none existed).
    void set(std::string_view name, std::string value);
    void add_if_missing(std::string_view name, std::string value);
    void remove_all(std::string_view name);
    const std::vector<HeaderField>& fields() const noexcept { return fields_; }

    // HttpAddRequestHeaders: `text` may hold several lines separated by CR, LF or CRLF
    // (blank lines ignored); `modifiers` are the HTTP_ADDREQ_FLAG_* bits plus the index of
    // the occurrence to act on in the low 16 bits. Lines already applied stay applied when
    // a later line fails (as on Windows).
    std::error_code apply(std::string_view text, DWORD modifiers);
    std::error_code apply_line(std::string_view name, std::string_view value, DWORD modifiers);

private:
    std::vector<HeaderField>::iterator nth(std::string_view name, std::size_t index);
    std::vector<HeaderField> fields_;
};

// Splits "Name: value" (surrounding white space trimmed). Nullopt for a line with no
// colon or an empty name.
std::optional<HeaderField> split_header_line(std::string_view line);

// Header name for an HTTP_QUERY_* id that names a header (e.g. HTTP_QUERY_CONTENT_TYPE →
// "Content-Type"); empty for the special ids (STATUS_CODE, RAW_HEADERS, …) and unknown ids.
std::string_view query_header_name(DWORD id) noexcept;

// Parses an HTTP date (RFC 1123, RFC 850 or asctime form) into SYSTEMTIME (UTC).
bool parse_http_date(std::string_view text, SYSTEMTIME& out) noexcept;

// "GET /path HTTP/1.1\r\n" + each field + "\r\n" — the request head as sent.
std::string serialize_request_head(std::string_view verb, std::string_view target,
                                   std::string_view version, const HeaderList& headers);

}  // namespace openinet::http
