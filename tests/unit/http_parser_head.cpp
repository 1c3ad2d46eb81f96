// Response-head parsing: table-driven cases, each parsed whole, byte by byte and split at every
// boundary (all must agree), plus malformed input and the framing rules.
#include "http/parser.hpp"

#include "core/error.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace openinet::http {
namespace {

using State = ResponseHeadParser::State;
using namespace std::string_literals;

struct Outcome {
    State state = State::need_more;
    std::size_t consumed = 0;   // bytes of the input that belonged to the head
    ResponseHead head;
};

// Feeds `input` in pieces of the given sizes (the last piece takes the rest).
Outcome parse_in_pieces(std::string_view input, const std::vector<std::size_t>& piece_sizes) {
    ResponseHeadParser parser;
    Outcome outcome;
    std::size_t offset = 0;
    std::size_t piece = 0;
    while (offset < input.size()) {
        std::size_t size = piece < piece_sizes.size() ? piece_sizes[piece++] : input.size() - offset;
        size = std::min(size, input.size() - offset);
        std::size_t consumed = 0;
        outcome.state = parser.feed(input.substr(offset, size), consumed);
        EXPECT_LE(consumed, size);
        outcome.consumed += consumed;
        if (outcome.state != State::need_more) break;
        EXPECT_EQ(consumed, size) << "need_more must consume everything";
        offset += size;
    }
    if (outcome.state == State::done) outcome.head = parser.head();
    if (outcome.state == State::error) EXPECT_EQ(parser.error(), make_error(ERROR_HTTP_INVALID_SERVER_RESPONSE));
    return outcome;
}

void expect_same(const Outcome& expected, const Outcome& actual, const std::string& how) {
    ASSERT_EQ(expected.state, actual.state) << how;
    if (expected.state != State::done) return;
    EXPECT_EQ(expected.consumed, actual.consumed) << how;
    EXPECT_EQ(expected.head.status, actual.head.status) << how;
    EXPECT_EQ(expected.head.version_major, actual.head.version_major) << how;
    EXPECT_EQ(expected.head.version_minor, actual.head.version_minor) << how;
    EXPECT_EQ(expected.head.reason, actual.head.reason) << how;
    EXPECT_EQ(expected.head.raw, actual.head.raw) << how;
    ASSERT_EQ(expected.head.headers.size(), actual.head.headers.size()) << how;
    for (std::size_t i = 0; i < expected.head.headers.size(); ++i) {
        EXPECT_EQ(expected.head.headers[i].name, actual.head.headers[i].name) << how;
        EXPECT_EQ(expected.head.headers[i].value, actual.head.headers[i].value) << how;
    }
}

// Every way of splitting gives the same outcome as feeding the whole input at once.
void check_all_splits(std::string_view input, const Outcome& whole) {
    expect_same(whole, parse_in_pieces(input, std::vector<std::size_t>(input.size(), 1)), "byte by byte");
    for (std::size_t split = 1; split < input.size(); ++split)
        expect_same(whole, parse_in_pieces(input, {split}), "split at " + std::to_string(split));
}

struct GoodCase {
    const char* name;
    std::string input;          // head plus possibly some body bytes
    std::size_t body_bytes;     // how many trailing bytes are not head
    unsigned major, minor, status;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string raw;
};

std::vector<GoodCase> good_cases() {
    return {
        {"simple", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: test\r\n\r\nhello", 5, 1, 1, 200, "OK",
         {{"Content-Length", "5"}, {"Server", "test"}},
         "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: test\r\n\r\n"},
        {"lf_only", "HTTP/1.1 404 Not Found\nX-A: 1\nX-B:2\n\nbody", 4, 1, 1, 404, "Not Found",
         {{"X-A", "1"}, {"X-B", "2"}}, "HTTP/1.1 404 Not Found\r\nX-A: 1\r\nX-B:2\r\n\r\n"},
        {"mixed_line_ends", "HTTP/1.1 200 OK\nA: b\r\n\n", 0, 1, 1, 200, "OK", {{"A", "b"}},
         "HTTP/1.1 200 OK\r\nA: b\r\n\r\n"},
        {"http10_no_headers", "HTTP/1.0 200 OK\r\n\r\n", 0, 1, 0, 200, "OK", {}, "HTTP/1.0 200 OK\r\n\r\n"},
        {"no_reason", "HTTP/1.1 204\r\nA: 1\r\n\r\n", 0, 1, 1, 204, "", {{"A", "1"}}, "HTTP/1.1 204\r\nA: 1\r\n\r\n"},
        {"no_reason_trailing_space", "HTTP/1.1 302 \r\nLocation: /x\r\n\r\n", 0, 1, 1, 302, "",
         {{"Location", "/x"}}, "HTTP/1.1 302 \r\nLocation: /x\r\n\r\n"},
        {"reason_with_spaces", "HTTP/1.1 500 Internal  Server Error\r\n\r\n", 0, 1, 1, 500,
         "Internal  Server Error", {}, "HTTP/1.1 500 Internal  Server Error\r\n\r\n"},
        {"obs_fold", "HTTP/1.1 200 OK\r\nX-Long: part one\r\n  part two\r\n\tpart three\r\nNext: v\r\n\r\n", 0, 1,
         1, 200, "OK", {{"X-Long", "part one part two part three"}, {"Next", "v"}},
         "HTTP/1.1 200 OK\r\nX-Long: part one\r\n  part two\r\n\tpart three\r\nNext: v\r\n\r\n"},
        {"value_whitespace_trimmed", "HTTP/1.1 200 OK\r\nA:   spaced \t \r\nEmpty:\r\n\r\n", 0, 1, 1, 200, "OK",
         {{"A", "spaced"}, {"Empty", ""}}, "HTTP/1.1 200 OK\r\nA:   spaced \t \r\nEmpty:\r\n\r\n"},
        {"space_before_colon", "HTTP/1.1 200 OK\r\nName : v\r\n\r\n", 0, 1, 1, 200, "OK", {{"Name", "v"}},
         "HTTP/1.1 200 OK\r\nName : v\r\n\r\n"},
        {"leading_blank_lines", "\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", 0, 1, 1, 200, "OK", {}, "HTTP/1.1 200 OK\r\n\r\n"},
        {"duplicate_headers_kept", "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\r\n", 0, 1, 1, 200,
         "OK", {{"Set-Cookie", "a=1"}, {"set-cookie", "b=2"}},
         "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\r\n"},
        {"obs_text_in_value", "HTTP/1.1 200 OK\r\nX: caf\xc3\xa9\r\n\r\n", 0, 1, 1, 200, "OK", {{"X", "caf\xc3\xa9"}},
         "HTTP/1.1 200 OK\r\nX: caf\xc3\xa9\r\n\r\n"},
        {"colon_in_value", "HTTP/1.1 301 Moved\r\nLocation: http://h:8080/p\r\n\r\n", 0, 1, 1, 301, "Moved",
         {{"Location", "http://h:8080/p"}}, "HTTP/1.1 301 Moved\r\nLocation: http://h:8080/p\r\n\r\n"},
        {"continue_then_more", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", 19, 1, 1, 100, "Continue",
         {}, "HTTP/1.1 100 Continue\r\n\r\n"},
        {"lowercase_http_and_major_only", "http/2 200 OK\r\n\r\n", 0, 2, 0, 200, "OK", {}, "http/2 200 OK\r\n\r\n"},
        {"tab_after_version", "HTTP/1.1\t200\tOK\r\n\r\n", 0, 1, 1, 200, "OK", {}, "HTTP/1.1\t200\tOK\r\n\r\n"},
    };
}

TEST(HttpParserHead, GoodCasesWholeAndSplit) {
    for (const GoodCase& c : good_cases()) {
        SCOPED_TRACE(c.name);
        Outcome whole = parse_in_pieces(c.input, {});
        ASSERT_EQ(whole.state, State::done);
        EXPECT_EQ(whole.consumed, c.input.size() - c.body_bytes);
        EXPECT_EQ(whole.head.version_major, c.major);
        EXPECT_EQ(whole.head.version_minor, c.minor);
        EXPECT_EQ(whole.head.status, c.status);
        EXPECT_EQ(whole.head.reason, c.reason);
        EXPECT_EQ(whole.head.raw, c.raw);
        ASSERT_EQ(whole.head.headers.size(), c.headers.size());
        for (std::size_t i = 0; i < c.headers.size(); ++i) {
            EXPECT_EQ(whole.head.headers[i].name, c.headers[i].first);
            EXPECT_EQ(whole.head.headers[i].value, c.headers[i].second);
        }
        check_all_splits(c.input, whole);
    }
}

TEST(HttpParserHead, MalformedHeadsAreRejected) {
    const std::vector<std::pair<const char*, std::string>> cases = {
        {"non_numeric_status", "HTTP/1.1 abc OK\r\n\r\n"},
        {"not_http", "FOO 200 OK\r\n\r\n"},
        {"binary_junk", "\x01\x02\xff\xfe garbage\r\n\r\n"s},
        {"html_instead_of_head", "<html><body>hi</body></html>\r\n\r\n"},
        {"four_digit_status", "HTTP/1.1 2000 OK\r\n\r\n"},
        {"two_digit_status", "HTTP/1.1 20 OK\r\n\r\n"},
        {"status_glued_to_reason", "HTTP/1.1 200OK\r\n\r\n"},
        {"status_below_100", "HTTP/1.1 099 Low\r\n\r\n"},
        {"missing_status", "HTTP/1.1\r\n\r\n"},
        {"missing_version", "HTTP/ 200 OK\r\n\r\n"},
        {"bad_minor_version", "HTTP/1. 200 OK\r\n\r\n"},
        {"header_without_colon", "HTTP/1.1 200 OK\r\nNoColonHere\r\n\r\n"},
        {"empty_header_name", "HTTP/1.1 200 OK\r\n: value\r\n\r\n"},
        {"space_in_header_name", "HTTP/1.1 200 OK\r\nBad Name: v\r\n\r\n"},
        {"fold_without_previous_header", "HTTP/1.1 200 OK\r\n folded\r\n\r\n"},
        {"nul_in_value", "HTTP/1.1 200 OK\r\nA: x\0y\r\n\r\n"s},
        {"bare_cr_in_value", "HTTP/1.1 200 OK\r\nA: x\ry\r\n\r\n"},
        {"control_in_name", "HTTP/1.1 200 OK\r\nA\x01: v\r\n\r\n"},
    };
    for (const auto& [name, input] : cases) {
        SCOPED_TRACE(name);
        Outcome whole = parse_in_pieces(input, {});
        EXPECT_EQ(whole.state, State::error);
        expect_same(whole, parse_in_pieces(input, std::vector<std::size_t>(input.size(), 1)), "byte by byte");
    }
}

TEST(HttpParserHead, JunkIsRejectedBeforeTheLineEnds) {
    ResponseHeadParser parser;
    std::size_t consumed = 0;
    EXPECT_EQ(parser.feed("FOO", consumed), State::error);
    parser.reset();
    EXPECT_EQ(parser.feed("HTTP/1.1 abc OK\r\n", consumed), State::error);
    parser.reset();
    EXPECT_EQ(parser.feed("HTT", consumed), State::need_more);
    EXPECT_EQ(parser.feed("P/1.1 200 OK\r\n", consumed), State::need_more);
}

TEST(HttpParserHead, HeadOverSizeLimitIsRejected) {
    std::string head = "HTTP/1.1 200 OK\r\n";
    while (head.size() <= ResponseHeadParser::max_head_size) head += "X-Filler: " + std::string(100, 'x') + "\r\n";
    head += "\r\n";
    Outcome outcome = parse_in_pieces(head, std::vector<std::size_t>(head.size() / 1000 + 1, 1000));
    EXPECT_EQ(outcome.state, State::error);

    // Also when the limit is reached inside one endless line.
    ResponseHeadParser parser;
    std::size_t consumed = 0;
    std::string line = "HTTP/1.1 200 OK\r\nX: " + std::string(ResponseHeadParser::max_head_size, 'y');
    EXPECT_EQ(parser.feed(line, consumed), State::error);

    // Just under the limit is fine.
    std::string fits = "HTTP/1.1 200 OK\r\nX: ";
    fits += std::string(ResponseHeadParser::max_head_size - fits.size() - 4, 'z') + "\r\n\r\n";
    ASSERT_EQ(fits.size(), ResponseHeadParser::max_head_size);
    EXPECT_EQ(parse_in_pieces(fits, {}).state, State::done);
}

TEST(HttpParserHead, FeedAfterDoneConsumesNothingAndResetAllowsNextHead) {
    ResponseHeadParser parser;
    std::size_t consumed = 0;
    std::string input = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nA: 1\r\n\r\nbody";
    ASSERT_EQ(parser.feed(input, consumed), State::done);
    EXPECT_EQ(parser.head().status, 100u);
    std::size_t first = consumed;
    EXPECT_EQ(parser.feed(std::string_view(input).substr(first), consumed), State::done);
    EXPECT_EQ(consumed, 0u);
    parser.reset();
    ASSERT_EQ(parser.feed(std::string_view(input).substr(first), consumed), State::done);
    ResponseHead head = parser.take_head();
    EXPECT_EQ(head.status, 200u);
    EXPECT_EQ(input.substr(first + consumed), "body");
    ASSERT_NE(head.find("a"), nullptr);
    EXPECT_EQ(*head.find("A"), "1");
}

TEST(HttpParserHead, FindIsCaseInsensitiveAndIndexed) {
    ResponseHead head;
    head.headers = {{"Set-Cookie", "a"}, {"Other", "x"}, {"SET-COOKIE", "b"}};
    ASSERT_NE(head.find("set-cookie"), nullptr);
    EXPECT_EQ(*head.find("set-cookie"), "a");
    ASSERT_NE(head.find("Set-Cookie", 1), nullptr);
    EXPECT_EQ(*head.find("Set-Cookie", 1), "b");
    EXPECT_EQ(head.find("Set-Cookie", 2), nullptr);
    EXPECT_EQ(head.find("Missing"), nullptr);
}

ResponseHead head_with(unsigned status, std::vector<Header> headers) {
    ResponseHead head;
    head.status = status;
    head.headers = std::move(headers);
    return head;
}

TEST(HttpParserFraming, Rules) {
    struct Case {
        const char* name;
        ResponseHead head;
        const char* method;
        Framing framing;
        std::uint64_t length;
        bool error;
    };
    const std::vector<Case> cases = {
        {"content_length", head_with(200, {{"Content-Length", "42"}}), "GET", Framing::content_length, 42, false},
        {"zero_length", head_with(200, {{"Content-Length", "0"}}), "GET", Framing::content_length, 0, false},
        {"huge_length", head_with(200, {{"Content-Length", "18446744073709551615"}}), "GET",
         Framing::content_length, 18446744073709551615ull, false},
        {"length_overflow", head_with(200, {{"Content-Length", "18446744073709551616"}}), "GET", Framing::none, 0,
         true},
        {"head_method", head_with(200, {{"Content-Length", "42"}}), "HEAD", Framing::none, 0, false},
        {"head_method_lowercase", head_with(200, {{"Content-Length", "42"}}), "head", Framing::none, 0, false},
        {"status_204", head_with(204, {{"Content-Length", "42"}}), "GET", Framing::none, 0, false},
        {"status_304", head_with(304, {{"Content-Length", "42"}}), "GET", Framing::none, 0, false},
        {"status_1xx", head_with(101, {}), "GET", Framing::none, 0, false},
        {"connect_2xx", head_with(200, {}), "CONNECT", Framing::none, 0, false},
        {"chunked", head_with(200, {{"Transfer-Encoding", "chunked"}}), "GET", Framing::chunked, 0, false},
        {"chunked_case", head_with(200, {{"transfer-encoding", "Chunked"}}), "GET", Framing::chunked, 0, false},
        {"chunked_wins_over_length",
         head_with(200, {{"Content-Length", "10"}, {"Transfer-Encoding", "chunked"}}), "GET", Framing::chunked, 0,
         false},
        {"chunked_last_of_list", head_with(200, {{"Transfer-Encoding", "gzip, chunked"}}), "GET", Framing::chunked,
         0, false},
        {"chunked_last_over_headers",
         head_with(200, {{"Transfer-Encoding", "gzip"}, {"Transfer-Encoding", "chunked"}}), "GET",
         Framing::chunked, 0, false},
        {"chunked_not_last", head_with(200, {{"Transfer-Encoding", "chunked, gzip"}}), "GET", Framing::until_close,
         0, false},
        {"identity_te_ignored", head_with(200, {{"Transfer-Encoding", "identity"}, {"Content-Length", "3"}}),
         "GET", Framing::content_length, 3, false},
        {"no_framing", head_with(200, {{"Server", "x"}}), "GET", Framing::until_close, 0, false},
        {"same_duplicate_length", head_with(200, {{"Content-Length", "7"}, {"content-length", "7"}}), "GET",
         Framing::content_length, 7, false},
        {"same_length_list", head_with(200, {{"Content-Length", "7, 7"}}), "GET", Framing::content_length, 7, false},
        {"conflicting_lengths", head_with(200, {{"Content-Length", "7"}, {"Content-Length", "8"}}), "GET",
         Framing::none, 0, true},
        {"conflicting_length_list", head_with(200, {{"Content-Length", "7, 8"}}), "GET", Framing::none, 0, true},
        {"trailing_comma", head_with(200, {{"Content-Length", "7,"}}), "GET", Framing::none, 0, true},
        {"negative_length", head_with(200, {{"Content-Length", "-1"}}), "GET", Framing::none, 0, true},
        {"non_numeric_length", head_with(200, {{"Content-Length", "12abc"}}), "GET", Framing::none, 0, true},
        {"empty_length", head_with(200, {{"Content-Length", ""}}), "GET", Framing::none, 0, true},
        {"plus_sign_length", head_with(200, {{"Content-Length", "+5"}}), "GET", Framing::none, 0, true},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        std::uint64_t length = 12345;
        std::error_code ec;
        Framing framing = framing_for(c.head, c.method, length, ec);
        EXPECT_EQ(framing, c.framing);
        EXPECT_EQ(length, c.length);
        if (c.error) EXPECT_EQ(ec, make_error(ERROR_HTTP_INVALID_SERVER_RESPONSE));
        else EXPECT_FALSE(ec) << ec.message();
    }
}

TEST(HttpParserFraming, FromParsedHead) {
    ResponseHeadParser parser;
    std::size_t consumed = 0;
    ASSERT_EQ(parser.feed("HTTP/1.0 200 OK\nContent-Length:  12 \n\n", consumed), State::done);
    std::uint64_t length = 0;
    std::error_code ec;
    EXPECT_EQ(framing_for(parser.head(), "GET", length, ec), Framing::content_length);
    EXPECT_EQ(length, 12u);
    EXPECT_FALSE(ec);
}

}  // namespace
}  // namespace openinet::http
