// libFuzzer target for the header text OpenInet reads itself: the lines a caller passes to
// HttpAddRequestHeaders (HeaderList::apply, then the request head as sent) and the dates a
// server sends (parse_http_date, behind HTTP_QUERY_FLAG_SYSTEMTIME).
//
// Input layout: byte 0 picks the HTTP_ADDREQ_* modifiers and byte 1 the occurrence index;
// the rest is the text, used both as header lines and as a date.
#include "http/headers.hpp"

#include <openinet/wininet.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

const DWORD modifier_choices[] = {
    HTTP_ADDREQ_FLAG_ADD,
    HTTP_ADDREQ_FLAG_ADD_IF_NEW,
    HTTP_ADDREQ_FLAG_REPLACE,
    HTTP_ADDREQ_FLAG_REPLACE | HTTP_ADDREQ_FLAG_ADD,
    HTTP_ADDREQ_FLAG_COALESCE_WITH_COMMA,
    HTTP_ADDREQ_FLAG_COALESCE_WITH_SEMICOLON | HTTP_ADDREQ_FLAG_ADD,
    HTTP_ADDREQ_FLAG_COALESCE,
    0,
};

// No header line may smuggle a line break into the request: a name or value with CR or LF
// would let caller text start a header (or a body) of its own.
void check_request_head(const openinet::http::HeaderList& headers) {
    for (const auto& field : headers.fields()) {
        require(!field.name.empty());
        require(field.name.find_first_of("\r\n: \t") == std::string::npos);
        require(field.value.find_first_of("\r\n") == std::string::npos);
    }
    const std::string head = openinet::http::serialize_request_head("GET", "/", "HTTP/1.1", headers);
    std::size_t lines = 0;
    for (std::size_t at = 0; at < head.size(); ++at) {
        if (head[at] == '\n') require(at > 0 && head[at - 1] == '\r');
        if (head[at] == '\r') require(at + 1 < head.size() && head[at + 1] == '\n');
        if (head[at] == '\n') ++lines;
    }
    require(lines == headers.fields().size() + 2);  // request line, fields, blank line
}

void check_date(std::string_view text) {
    SYSTEMTIME time{};
    if (!openinet::http::parse_http_date(text, time)) return;
    require(time.wYear >= 1601 && time.wYear <= 30827);
    require(time.wMonth >= 1 && time.wMonth <= 12);
    require(time.wDay >= 1 && time.wDay <= 31);
    require(time.wDayOfWeek <= 6);
    require(time.wHour <= 23 && time.wMinute <= 59 && time.wSecond <= 59);
    require(time.wMilliseconds == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const DWORD modifiers = modifier_choices[data[0] % (sizeof modifier_choices / sizeof modifier_choices[0])] |
                            (data[1] % 4);
    const std::string_view text(reinterpret_cast<const char*>(data) + 2, size - 2);

    openinet::http::HeaderList headers;
    headers.add("Host", "example.test");
    headers.add("Accept", "*/*");
    // Applied twice so that REPLACE, ADD_IF_NEW and COALESCE meet fields that already exist.
    (void)headers.apply(text, modifiers);
    (void)headers.apply(text, modifiers ^ HTTP_ADDREQ_FLAG_ADD);
    check_request_head(headers);

    if (auto field = openinet::http::split_header_line(text)) require(!field->name.empty());
    check_date(text);
    return 0;
}
