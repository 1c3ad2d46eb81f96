// Response-head parsing and body framing rules.
//
// Our own small parser rather than Beast's basic_parser: Beast rejects LF-only line ends and
// does not keep the head's text, while WinInet's HTTP_QUERY_RAW_HEADERS(_CRLF) must give it
// back as received and real servers send LF-only heads. The head is tiny; the body never
// passes through here (see ChunkedDecoder / the request layer), which is what performance
// depends on.
#include "http/parser.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace openinet::http {
namespace {

bool is_space_or_tab(char c) { return c == ' ' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// RFC 9110 tchar: the characters a header name may consist of.
bool is_token_char(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c)) return true;
    return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space_or_tab(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space_or_tab(s.back())) s.remove_suffix(1);
    return s;
}

std::error_code invalid_response() { return make_error(ERROR_HTTP_INVALID_SERVER_RESPONSE); }

// "HTTP/<major>[.<minor>] <3 digits>[<SP|HT> reason]". Versions are one or two digits, the
// status 100..999. Case of "HTTP" is not checked (some embedded servers send "http/1.0").
bool parse_status_line(std::string_view line, ResponseHead& head) {
    if (line.size() < 5 || !iequals(line.substr(0, 5), "http/")) return false;
    std::size_t pos = 5;
    auto read_number = [&](unsigned& value, std::size_t max_digits) {
        std::size_t start = pos;
        value = 0;
        while (pos < line.size() && is_digit(line[pos]) && pos - start < max_digits)
            value = value * 10 + static_cast<unsigned>(line[pos++] - '0');
        return pos > start;
    };
    if (!read_number(head.version_major, 2)) return false;
    head.version_minor = 0;
    if (pos < line.size() && line[pos] == '.') {
        ++pos;
        if (!read_number(head.version_minor, 2)) return false;
    }
    if (pos >= line.size() || !is_space_or_tab(line[pos])) return false;
    while (pos < line.size() && is_space_or_tab(line[pos])) ++pos;
    std::size_t status_start = pos;
    if (!read_number(head.status, 3) || pos - status_start != 3 || head.status < 100) return false;
    if (pos < line.size() && !is_space_or_tab(line[pos])) return false;
    head.reason = std::string(trim(line.substr(pos)));
    return true;
}

bool parse_content_length(std::string_view text, std::uint64_t& value) {
    text = trim(text);
    if (text.empty()) return false;
    std::uint64_t result = 0;
    for (char c : text) {
        if (!is_digit(c)) return false;
        auto digit = static_cast<std::uint64_t>(c - '0');
        if (result > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return false;
        result = result * 10 + digit;
    }
    value = result;
    return true;
}

}  // namespace

const std::string* ResponseHead::find(std::string_view name, std::size_t index) const {
    for (const Header& header : headers) {
        if (iequals(header.name, name)) {
            if (index == 0) return &header.value;
            --index;
        }
    }
    return nullptr;
}

ResponseHeadParser::State ResponseHeadParser::fail() {
    state_ = State::error;
    return state_;
}

ResponseHeadParser::State ResponseHeadParser::feed(std::string_view data, std::size_t& consumed) {
    consumed = 0;
    if (state_ != State::need_more) return state_;
    std::size_t pos = 0;
    // Blank lines before the status line (a previous response's stray CRLF) are skipped.
    if (buffer_.empty()) {
        while (pos < data.size() && (data[pos] == '\r' || data[pos] == '\n')) ++pos;
        received_ += pos;
        if (received_ > max_head_size) return fail();
    }
    while (pos < data.size()) {
        const char* start = data.data() + pos;
        const void* newline = std::memchr(start, '\n', data.size() - pos);
        std::size_t take = newline ? static_cast<std::size_t>(static_cast<const char*>(newline) - start) + 1
                                   : data.size() - pos;
        if (received_ + take > max_head_size) return fail();
        buffer_.append(start, take);
        received_ += take;
        pos += take;
        // Reject junk as soon as it is recognisable instead of buffering up to the limit.
        if (line_start_ == 0) {
            std::size_t prefix = std::min<std::size_t>(buffer_.size(), 5);
            if (!iequals(std::string_view(buffer_).substr(0, prefix), std::string_view("http/").substr(0, prefix)))
                return fail();
        }
        if (!newline) break;
        std::string_view line(buffer_.data() + line_start_, buffer_.size() - line_start_ - 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) {
            consumed = pos;
            return finish();
        }
        if (line_start_ == 0) {
            ResponseHead probe;
            if (!parse_status_line(line, probe)) return fail();
        }
        line_start_ = buffer_.size();
    }
    consumed = pos;
    return state_;
}

ResponseHeadParser::State ResponseHeadParser::finish() {
    head_ = ResponseHead{};
    head_.raw.reserve(buffer_.size() + 16);
    std::string_view rest(buffer_);
    bool first = true;
    while (!rest.empty()) {
        std::size_t end = rest.find('\n');   // always found: every buffered line ends with LF
        std::string_view line = rest.substr(0, end);
        rest.remove_prefix(end + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) break;   // the blank line that ends the head
        if (line.find('\r') != std::string_view::npos || line.find('\0') != std::string_view::npos)
            return fail();
        if (first) {
            if (!parse_status_line(line, head_)) return fail();
            first = false;
        } else if (is_space_or_tab(line.front())) {
            // obs-fold: continuation of the previous header's value.
            if (head_.headers.empty()) return fail();
            std::string_view more = trim(line);
            if (!more.empty()) {
                std::string& value = head_.headers.back().value;
                if (!value.empty()) value += ' ';
                value.append(more);
            }
        } else {
            std::size_t colon = line.find(':');
            if (colon == std::string_view::npos) return fail();
            std::string_view name = line.substr(0, colon);
            while (!name.empty() && is_space_or_tab(name.back())) name.remove_suffix(1);
            if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) return fail();
            head_.headers.push_back(Header{std::string(name), std::string(trim(line.substr(colon + 1)))});
        }
        head_.raw.append(line);
        head_.raw.append("\r\n");
    }
    if (first) return fail();
    head_.raw.append("\r\n");
    buffer_.clear();
    buffer_.shrink_to_fit();
    state_ = State::done;
    return state_;
}

const ResponseHead& ResponseHeadParser::head() const { return head_; }

ResponseHead ResponseHeadParser::take_head() { return std::move(head_); }

std::error_code ResponseHeadParser::error() const {
    return state_ == State::error ? invalid_response() : std::error_code{};
}

void ResponseHeadParser::reset() { *this = ResponseHeadParser{}; }

Framing framing_for(const ResponseHead& head, std::string_view method, std::uint64_t& length,
                    std::error_code& ec) {
    ec.clear();
    length = 0;
    if (iequals(method, "HEAD") || (head.status >= 100 && head.status < 200) || head.status == 204 ||
        head.status == 304)
        return Framing::none;
    if (iequals(method, "CONNECT") && head.status >= 200 && head.status < 300) return Framing::none;

    // Transfer-Encoding: the codings of every such header, in order; only the last one counts.
    std::string_view last_coding;
    bool any_coding = false;
    for (const Header& header : head.headers) {
        if (!iequals(header.name, "Transfer-Encoding")) continue;
        std::string_view list(header.value);
        while (!list.empty()) {
            std::size_t comma = list.find(',');
            std::string_view coding = trim(list.substr(0, comma));
            if (std::size_t semicolon = coding.find(';'); semicolon != std::string_view::npos)
                coding = trim(coding.substr(0, semicolon));
            if (!coding.empty() && !iequals(coding, "identity")) {
                last_coding = coding;
                any_coding = true;
            }
            list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        }
    }
    if (any_coding) return iequals(last_coding, "chunked") ? Framing::chunked : Framing::until_close;

    bool have_length = false;
    for (const Header& header : head.headers) {
        if (!iequals(header.name, "Content-Length")) continue;
        std::string_view list(header.value);
        for (;;) {
            std::size_t comma = list.find(',');
            std::uint64_t value = 0;
            if (!parse_content_length(list.substr(0, comma), value) || (have_length && value != length)) {
                ec = invalid_response();
                length = 0;
                return Framing::none;
            }
            length = value;
            have_length = true;
            if (comma == std::string_view::npos) break;
            list.remove_prefix(comma + 1);
        }
    }
    return have_length ? Framing::content_length : Framing::until_close;
}

}  // namespace openinet::http
