// HTTP/1.x response parsing pieces, pure and fuzzable: the response head (status line and
// headers), the body framing rules, the chunked transfer decoder and the gzip/deflate content
// decoder. None of them does I/O; the request layer feeds them bytes.
#pragma once

#include <openinet/wininet.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace openinet::http {

struct Header {
    std::string name, value;   // name as received; value without surrounding whitespace,
                               // obs-fold continuations joined with one space
};

struct ResponseHead {
    unsigned version_major = 1, version_minor = 1, status = 0;
    std::string reason;                          // may be empty
    std::vector<Header> headers;                 // received order, names as received
    std::string raw;                             // status line + header lines as received, each
                                                 // ending CRLF (LF-only input normalised), plus
                                                 // the final CRLF
    // Case-insensitive lookup of the index-th header with that name; nullptr if none.
    const std::string* find(std::string_view name, std::size_t index = 0) const;
};

// Incremental: feed() any split of the input, the result does not depend on where it was split.
// Tolerant like browsers: LF-only line ends, HTTP/1.0, missing reason phrase, obs-fold, blank
// lines before the status line. Strict: the status line must be "HTTP/<d>[.<d>] <3 digits>[ ...]",
// header lines need a "name:" with a token name, no NUL/bare CR anywhere, head ≤ max_head_size.
class ResponseHeadParser {
public:
    static constexpr std::size_t max_head_size = 64 * 1024;
    enum class State { need_more, done, error };
    // consumed ≤ data.size(): the bytes that belonged to the head. When done, data beyond
    // `consumed` is body (or the next response). Feeding after done/error consumes nothing.
    State feed(std::string_view data, std::size_t& consumed);
    State state() const noexcept { return state_; }
    const ResponseHead& head() const;  ResponseHead take_head();
    std::error_code error() const;                // ERROR_HTTP_INVALID_SERVER_RESPONSE 12152
    void reset();                                 // ready for the next head (e.g. after a 1xx)

private:
    State finish();
    State fail();
    std::string buffer_;          // the head so far, from the status line on, line ends as received
    std::size_t line_start_ = 0;  // offset in buffer_ of the line being received
    std::size_t received_ = 0;    // everything consumed, including skipped leading blank lines
    ResponseHead head_;
    State state_ = State::need_more;
};

enum class Framing { none, content_length, chunked, until_close };
// HEAD, 1xx, 204, 304 (and 2xx to CONNECT) → none; Transfer-Encoding whose last coding is
// chunked → chunked (Content-Length ignored); other Transfer-Encoding → until_close;
// Content-Length → content_length with `length` (all Content-Length values, also comma lists,
// must be the same decimal number, else error 12152); otherwise until_close.
// On error returns Framing::none with ec set.
Framing framing_for(const ResponseHead&, std::string_view method, std::uint64_t& length,
                    std::error_code& ec);

struct DecodeResult { std::size_t consumed = 0, produced = 0; bool done = false; std::error_code ec; };

// Removes chunked transfer framing. In-place allowed: out may equal in (output never overtakes
// input). Chunk extensions are ignored, trailers are skipped. Stops when the input is used up,
// the output is full, or the body ended (done; bytes after it are not consumed — they belong to
// the next response). Errors (bad size line, size overflow, missing CRLF after data, trailer
// section over 64 KiB) → ERROR_HTTP_INVALID_SERVER_RESPONSE 12152, sticky.
class ChunkedDecoder {
public:
    DecodeResult decode(const char* in, std::size_t in_len, char* out, std::size_t out_cap);
    bool done() const noexcept { return state_ == State::done; }
    void reset() noexcept { *this = ChunkedDecoder{}; }

private:
    enum class State {
        size, size_tail, extension, size_lf, data, data_cr, data_lf, trailer_line_start,
        trailer_line, trailer_lf, final_lf, done, error
    };
    State state_ = State::size;
    std::uint64_t chunk_left_ = 0;
    unsigned size_digits_ = 0;
    std::size_t trailer_bytes_ = 0;
};

// gzip / deflate (zlib-wrapped or raw, detected from the first bytes) via zlib, streaming.
// zlib may hold decoded bytes back when `out` fills up: keep calling (with in_len 0 if no input
// is left) while produced == out_cap. After done, further input is consumed and ignored.
// A body that ends before done() is truncated: the caller reports 12175 itself.
class ContentDecoder {
public:
    // "gzip", "x-gzip", "deflate" (case-insensitive; "identity" entries in a list are ignored);
    // nullptr for identity or anything not supported (the body is then passed through as is).
    static std::unique_ptr<ContentDecoder> create(std::string_view content_encoding);
    virtual ~ContentDecoder() = default;
    // errors → ERROR_INTERNET_DECODING_FAILED 12175, sticky
    virtual DecodeResult decode(const char* in, std::size_t in_len, char* out, std::size_t out_cap) = 0;
    virtual bool done() const noexcept = 0;

protected:
    ContentDecoder() = default;
};

}  // namespace openinet::http
