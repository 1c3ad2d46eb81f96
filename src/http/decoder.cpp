// Body decoders: chunked transfer framing (our own byte-level state machine, so it can work in
// place over the caller's InternetReadFile buffer without a copy) and gzip/deflate through zlib.
#include "http/parser.hpp"

#include "core/error.hpp"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <limits>

namespace openinet::http {
namespace {

constexpr std::size_t max_chunk_metadata = 64 * 1024;   // one size line / the trailer section

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

DecodeResult ChunkedDecoder::decode(const char* in, std::size_t in_len, char* out, std::size_t out_cap) {
    DecodeResult result;
    std::size_t in_pos = 0, out_pos = 0;
    auto fail = [&] { state_ = State::error; };
    auto end_of_size_line = [&] {
        trailer_bytes_ = 0;
        size_digits_ = 0;
        state_ = chunk_left_ == 0 ? State::trailer_line_start : State::data;
    };
    for (;;) {
        if (state_ == State::done || state_ == State::error) break;
        if (state_ == State::data) {
            if (chunk_left_ == 0) {
                state_ = State::data_cr;
                continue;
            }
            std::size_t n = static_cast<std::size_t>(
                std::min<std::uint64_t>(chunk_left_, std::min(in_len - in_pos, out_cap - out_pos)));
            if (n == 0) break;
            if (out + out_pos != in + in_pos) std::memmove(out + out_pos, in + in_pos, n);
            in_pos += n;
            out_pos += n;
            chunk_left_ -= n;
            continue;
        }
        if (in_pos == in_len) break;
        const char c = in[in_pos++];
        switch (state_) {
        case State::size:
            if (int digit = hex_value(c); digit >= 0) {
                if (chunk_left_ > (std::numeric_limits<std::uint64_t>::max() >> 4)) {
                    fail();
                } else {
                    chunk_left_ = (chunk_left_ << 4) | static_cast<unsigned>(digit);
                    ++size_digits_;
                }
            } else if (size_digits_ == 0) {
                fail();
            } else if (c == ';') {
                state_ = State::extension;
            } else if (c == ' ' || c == '\t') {
                state_ = State::size_tail;
            } else if (c == '\r') {
                state_ = State::size_lf;
            } else if (c == '\n') {
                end_of_size_line();
            } else {
                fail();
            }
            break;
        case State::size_tail:
            if (c == ';') state_ = State::extension;
            else if (c == '\r') state_ = State::size_lf;
            else if (c == '\n') end_of_size_line();
            else if (c != ' ' && c != '\t') fail();
            break;
        case State::extension:   // chunk extensions carry nothing we use
            if (c == '\n') end_of_size_line();
            else if (c == '\r') state_ = State::size_lf;
            else if (++trailer_bytes_ > max_chunk_metadata) fail();
            break;
        case State::size_lf:
            if (c == '\n') end_of_size_line();
            else fail();
            break;
        case State::data_cr:   // the line end after the chunk's data; LF alone is tolerated
            if (c == '\r') state_ = State::data_lf;
            else if (c == '\n') state_ = State::size;
            else fail();
            break;
        case State::data_lf:
            if (c == '\n') state_ = State::size;
            else fail();
            break;
        case State::trailer_line_start:
            if (c == '\r') state_ = State::final_lf;
            else if (c == '\n') state_ = State::done;
            else state_ = State::trailer_line;
            if (state_ == State::trailer_line && ++trailer_bytes_ > max_chunk_metadata) fail();
            break;
        case State::trailer_line:   // trailers are skipped
            if (c == '\n') state_ = State::trailer_line_start;
            else if (++trailer_bytes_ > max_chunk_metadata) fail();
            break;
        case State::final_lf:
            if (c == '\n') state_ = State::done;
            else fail();
            break;
        default:
            break;
        }
    }
    result.consumed = in_pos;
    result.produced = out_pos;
    result.done = state_ == State::done;
    if (state_ == State::error) result.ec = make_error(ERROR_HTTP_INVALID_SERVER_RESPONSE);
    return result;
}

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
               return lower(x) == lower(y);
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// zlib inflate over caller-provided buffers. For "deflate" the first two bytes decide between a
// zlib stream (RFC 1950, what the standard says) and raw deflate (RFC 1951, what some servers
// send); they are held back in `sniff_` until both have arrived.
class ZlibDecoder final : public ContentDecoder {
public:
    explicit ZlibDecoder(bool gzip) : gzip_(gzip) {}
    ~ZlibDecoder() override {
        if (initialized_) inflateEnd(&stream_);
    }
    ZlibDecoder(const ZlibDecoder&) = delete;
    ZlibDecoder& operator=(const ZlibDecoder&) = delete;

    DecodeResult decode(const char* in, std::size_t in_len, char* out, std::size_t out_cap) override {
        DecodeResult result;
        if (failed_) return failure(result);
        if (done_) {   // bytes after the end of the compressed stream are ignored
            result.consumed = in_len;
            result.done = true;
            return result;
        }
        if (!initialized_) {
            if (!gzip_) {
                while (sniffed_ < 2 && result.consumed < in_len) sniff_[sniffed_++] = static_cast<unsigned char>(in[result.consumed++]);
                if (sniffed_ < 2) return result;
                pending_ = sniffed_;
            }
            if (!start()) return failure(result);
        }
        std::size_t produced = 0;
        if (pending_ > 0) {
            std::size_t used = 0;
            if (!inflate_some(sniff_ + (sniffed_ - pending_), pending_, used, out, out_cap, produced))
                return failure(result);
            pending_ -= used;
        }
        if (pending_ == 0 && !done_) {
            std::size_t used = 0;
            if (!inflate_some(reinterpret_cast<const unsigned char*>(in) + result.consumed,
                              in_len - result.consumed, used, out, out_cap, produced))
                return failure(result);
            result.consumed += used;
        }
        if (done_) result.consumed = in_len;
        result.produced = produced;
        result.done = done_;
        return result;
    }

    bool done() const noexcept override { return done_; }

private:
    bool start() {
        int window_bits = MAX_WBITS + 16;   // gzip wrapper
        if (!gzip_) {
            // RFC 1950 header: CM = 8 (deflate), and CMF*256 + FLG is a multiple of 31.
            bool zlib_wrapped = (sniff_[0] & 0x0f) == 8 && ((sniff_[0] << 8) | sniff_[1]) % 31 == 0;
            window_bits = zlib_wrapped ? MAX_WBITS : -MAX_WBITS;
        }
        if (inflateInit2(&stream_, window_bits) != Z_OK) return false;
        initialized_ = true;
        return true;
    }

    // Inflates from [data, data+size) into out[produced, out_cap); advances `produced`.
    bool inflate_some(const unsigned char* data, std::size_t size, std::size_t& used, char* out,
                      std::size_t out_cap, std::size_t& produced) {
        used = 0;
        for (;;) {
            std::size_t in_step = std::min<std::size_t>(size - used, UINT_MAX);
            std::size_t out_step = std::min<std::size_t>(out_cap - produced, UINT_MAX);
            stream_.next_in = const_cast<unsigned char*>(data + used);
            stream_.avail_in = static_cast<uInt>(in_step);
            stream_.next_out = reinterpret_cast<unsigned char*>(out + produced);
            stream_.avail_out = static_cast<uInt>(out_step);
            int rc = inflate(&stream_, Z_NO_FLUSH);
            std::size_t took = in_step - stream_.avail_in;
            std::size_t gave = out_step - stream_.avail_out;
            used += took;
            produced += gave;
            if (rc == Z_STREAM_END) {
                done_ = true;
                return true;
            }
            if (rc == Z_BUF_ERROR) return true;   // needs more input or more room: not an error
            if (rc != Z_OK) return false;
            // inflate() stops early only when it ran out of input or room; the loop exists for
            // buffers larger than zlib's 32-bit counters.
            if (used == size || produced == out_cap || (took == 0 && gave == 0)) return true;
        }
    }

    DecodeResult& failure(DecodeResult& result) {
        failed_ = true;
        result.ec = make_error(ERROR_INTERNET_DECODING_FAILED);
        result.done = false;
        return result;
    }

    z_stream stream_{};
    bool gzip_;
    bool initialized_ = false;
    bool done_ = false;
    bool failed_ = false;
    unsigned char sniff_[2] = {0, 0};
    std::size_t sniffed_ = 0;
    std::size_t pending_ = 0;
};

}  // namespace

std::unique_ptr<ContentDecoder> ContentDecoder::create(std::string_view content_encoding) {
    // Exactly one supported coding (besides "identity" entries); stacked codings are not
    // decoded, the body is then handed over as received, like WinInet does for unknown codings.
    std::string_view coding;
    std::string_view list = content_encoding;
    for (;;) {
        std::size_t comma = list.find(',');
        std::string_view item = trim(list.substr(0, comma));
        if (!item.empty() && !iequals(item, "identity")) {
            if (!coding.empty()) return nullptr;
            coding = item;
        }
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) return std::make_unique<ZlibDecoder>(true);
    if (iequals(coding, "deflate")) return std::make_unique<ZlibDecoder>(false);
    return nullptr;
}

}  // namespace openinet::http
