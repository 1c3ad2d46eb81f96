// libFuzzer target for the HTTP response pieces, used the way the request layer chains them:
// head parser (1xx heads skipped) → framing_for → chunked decoder (in place) → content decoder.
//
// Input layout: 4 control bytes, then the response bytes.
//   [0] seed for the sizes of the pieces the response is fed in (0: all at once)
//   [1] output buffer size for the content decoder (1..256, or 64 KiB for 0)
//   [2] request method: bit 0 set → HEAD, bit 1 set → CONNECT, else GET
//   [3] reserved (kept so seeds can grow new knobs without changing layout)
// Besides "no crash, no overflow" it checks invariants and aborts when they break: consumed ≤
// offered, produced ≤ room, and feeding in pieces gives the same result as feeding at once.
#include "http/parser.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace openinet::http;

void require(bool condition) {
    if (!condition) std::abort();
}

// Deterministic piece sizes from a one-byte seed.
class Pieces {
public:
    explicit Pieces(std::uint8_t seed) : state_(seed) {}
    std::size_t next(std::size_t left) {
        if (state_ == 0) return left;
        state_ = static_cast<std::uint32_t>(state_ * 1103515245u + 12345u);
        std::size_t size = 1 + ((state_ >> 16) % 64);
        return size < left ? size : left;
    }

private:
    std::uint32_t state_;
};

// Parses one head from `input` in pieces; returns the state and how much was consumed.
ResponseHeadParser::State parse_head(ResponseHeadParser& parser, std::string_view input, Pieces& pieces,
                                     std::size_t& consumed_total) {
    consumed_total = 0;
    ResponseHeadParser::State state = ResponseHeadParser::State::need_more;
    while (consumed_total < input.size()) {
        std::size_t size = pieces.next(input.size() - consumed_total);
        std::size_t consumed = 0;
        state = parser.feed(input.substr(consumed_total, size), consumed);
        require(consumed <= size);
        consumed_total += consumed;
        if (state != ResponseHeadParser::State::need_more) break;
        require(consumed == size);
    }
    return state;
}

std::string decode_chunked_whole(std::string_view body, bool& ok) {
    ChunkedDecoder decoder;
    std::string out(body.size(), '\0');
    DecodeResult result = decoder.decode(body.data(), body.size(), out.data(), out.size());
    require(result.consumed <= body.size() && result.produced <= out.size());
    ok = !result.ec;
    out.resize(result.produced);
    return out;
}

void run_content_decoder(ContentDecoder* decoder, std::string_view body, std::size_t out_cap) {
    if (!decoder) return;
    std::vector<char> out(out_cap);
    std::size_t offset = 0;
    for (int rounds = 0; rounds < 1'000'000; ++rounds) {
        DecodeResult result = decoder->decode(body.data() + offset, body.size() - offset, out.data(), out.size());
        require(result.consumed <= body.size() - offset);
        require(result.produced <= out.size());
        offset += result.consumed;
        if (result.ec || result.done) return;
        if (result.produced < out.size() && offset == body.size()) return;
        if (result.produced == 0 && result.consumed == 0) return;
    }
    std::abort();   // no progress guarantee broken
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 4) return 0;
    const std::uint8_t piece_seed = data[0];
    const std::size_t out_cap = data[1] == 0 ? 65536 : data[1];
    const std::string_view method = (data[2] & 1) ? "HEAD" : (data[2] & 2) ? "CONNECT" : "GET";
    std::string_view input(reinterpret_cast<const char*>(data) + 4, size - 4);

    // Heads, skipping interim 1xx responses like the request layer does (bounded).
    Pieces pieces(piece_seed);
    ResponseHeadParser parser;
    ResponseHead head;
    for (int interim = 0; interim < 16; ++interim) {
        std::size_t consumed = 0;
        auto state = parse_head(parser, input, pieces, consumed);

        // The same bytes fed at once must give the same outcome.
        ResponseHeadParser whole;
        std::size_t whole_consumed = 0;
        auto whole_state = whole.feed(input, whole_consumed);
        require(whole_state == state);
        if (state != ResponseHeadParser::State::done) return 0;
        require(whole_consumed == consumed);
        require(whole.head().raw == parser.head().raw);
        require(whole.head().headers.size() == parser.head().headers.size());
        require(parser.head().raw.size() >= 4 &&
                parser.head().raw.compare(parser.head().raw.size() - 4, 4, "\r\n\r\n") == 0);

        input.remove_prefix(consumed);
        head = parser.take_head();
        if (head.status >= 200 || head.status == 101) break;
        parser.reset();
    }

    std::uint64_t length = 0;
    std::error_code ec;
    Framing framing = framing_for(head, method, length, ec);
    if (ec) return 0;

    std::string body;
    switch (framing) {
    case Framing::none:
        return 0;
    case Framing::content_length:
        body = std::string(input.substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(length, input.size()))));
        break;
    case Framing::until_close:
        body = std::string(input);
        break;
    case Framing::chunked: {
        // In place over a work buffer, piece by piece, as over the caller's read buffer.
        ChunkedDecoder decoder;
        std::string decoded;
        std::vector<char> work;
        std::size_t offset = 0;
        bool failed = false;
        while (offset < input.size() && !decoder.done()) {
            std::size_t piece = pieces.next(input.size() - offset);
            work.assign(input.data() + offset, input.data() + offset + piece);
            DecodeResult result = decoder.decode(work.data(), work.size(), work.data(), work.size());
            require(result.consumed <= piece && result.produced <= result.consumed);
            decoded.append(work.data(), result.produced);
            offset += result.consumed;
            if (result.ec) {
                failed = true;
                break;
            }
            if (!result.done) require(result.consumed == piece);
        }
        bool whole_ok = false;
        std::string whole = decode_chunked_whole(input, whole_ok);
        require(whole_ok == !failed);
        if (!failed) require(whole == decoded);
        body = std::move(decoded);
        break;
    }
    }

    if (const std::string* encoding = head.find("Content-Encoding")) {
        auto decoder = ContentDecoder::create(*encoding);
        run_content_decoder(decoder.get(), body, out_cap);
    }
    // Both content decoders regardless of the header, so compressed bodies get exercised.
    auto gzip = ContentDecoder::create("gzip");
    run_content_decoder(gzip.get(), body, out_cap);
    auto deflate = ContentDecoder::create("deflate");
    run_content_decoder(deflate.get(), body, out_cap);
    return 0;
}
