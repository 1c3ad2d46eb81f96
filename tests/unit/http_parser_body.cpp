// Body decoders: chunked (every split, in place, tiny output buffers, malformed input) and
// gzip/deflate (round trips through zlib, every feeding pattern, corrupt and truncated data).
#include "http/parser.hpp"

#include "core/error.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>
#include <vector>

namespace openinet::http {
namespace {

using namespace std::string_literals;

struct Decoded {
    std::string output;
    std::size_t consumed = 0;
    bool done = false;
    std::error_code ec;
};

// Feeds `input` in pieces of `piece` bytes (0: all at once) with an output buffer of `out_cap`.
template <class Decoder>
Decoded run_decoder(Decoder& decoder, std::string_view input, std::size_t piece, std::size_t out_cap) {
    Decoded result;
    std::vector<char> out(out_cap);
    std::size_t offset = 0;
    // Bounded: every round either consumes input, produces output, or ends the loop.
    for (int rounds = 0; rounds < 10'000'000; ++rounds) {
        std::size_t size = piece == 0 ? input.size() - offset : std::min(piece, input.size() - offset);
        DecodeResult step = decoder.decode(input.data() + offset, size, out.data(), out.size());
        EXPECT_LE(step.consumed, size);
        EXPECT_LE(step.produced, out.size());
        offset += step.consumed;
        result.output.append(out.data(), step.produced);
        result.consumed = offset;
        result.done = step.done;
        if (step.ec) {
            result.ec = step.ec;
            break;
        }
        if (step.done) break;
        bool output_full = step.produced == out.size() && out.size() > 0;
        if (offset == input.size() && !output_full) break;
        if (step.consumed == 0 && step.produced == 0 && !output_full && size > 0) {
            ADD_FAILURE() << "decoder made no progress";
            break;
        }
    }
    return result;
}

Decoded chunked(std::string_view input, std::size_t piece = 0, std::size_t out_cap = 1 << 16) {
    ChunkedDecoder decoder;
    return run_decoder(decoder, input, piece, out_cap);
}

// In place: each piece is copied into a work buffer and decoded over itself.
Decoded chunked_in_place(std::string_view input, std::size_t piece) {
    ChunkedDecoder decoder;
    Decoded result;
    std::vector<char> work(piece);
    std::size_t offset = 0;
    while (offset < input.size() && !result.done && !result.ec) {
        std::size_t size = std::min(piece, input.size() - offset);
        std::copy_n(input.data() + offset, size, work.data());
        DecodeResult step = decoder.decode(work.data(), size, work.data(), size);
        result.output.append(work.data(), step.produced);
        offset += step.consumed;
        result.consumed = offset;
        result.done = step.done;
        result.ec = step.ec;
        if (!step.done && !step.ec) EXPECT_EQ(step.consumed, size) << "a roomy in-place decode uses all input";
    }
    return result;
}

struct ChunkedCase {
    const char* name;
    std::string input;
    std::string body;
    std::size_t leftover;   // bytes after the end of the chunked body
};

std::vector<ChunkedCase> chunked_cases() {
    return {
        {"single", "5\r\nhello\r\n0\r\n\r\n", "hello", 0},
        {"several", "5\r\nhello\r\n1\r\n \r\n6\r\nworld!\r\n0\r\n\r\n", "hello world!", 0},
        {"hex_sizes", "a\r\n0123456789\r\nA\r\nabcdefghij\r\n0\r\n\r\n", "0123456789abcdefghij", 0},
        {"leading_zeros", "0005\r\nhello\r\n000\r\n\r\n", "hello", 0},
        {"extensions", "5;name=value\r\nhello\r\n3 ; q=\"x;y\"\r\nabc\r\n0;end\r\n\r\n", "helloabc", 0},
        {"size_padding", "5  \r\nhello\r\n0\t\r\n\r\n", "hello", 0},
        {"trailers", "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n", "hello", 0},
        {"lf_only", "5\nhello\n0\n\n", "hello", 0},
        {"lf_only_trailers", "5\nhello\n0\nT: v\n\n", "hello", 0},
        {"crlf_inside_data", "4\r\n\r\n\r\n\r\n0\r\n\r\n", "\r\n\r\n", 0},
        {"binary_data", "3\r\n\0\xff\n\r\n0\r\n\r\n"s, "\0\xff\n"s, 0},
        {"next_response_follows", "3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n", "abc", 17},
        {"empty_body", "0\r\n\r\n", "", 0},
    };
}

TEST(HttpParserChunked, CasesAtEverySplitAndOutputSize) {
    for (const ChunkedCase& c : chunked_cases()) {
        SCOPED_TRACE(c.name);
        Decoded whole = chunked(c.input);
        ASSERT_FALSE(whole.ec) << whole.ec.message();
        EXPECT_TRUE(whole.done);
        EXPECT_EQ(whole.output, c.body);
        EXPECT_EQ(whole.consumed, c.input.size() - c.leftover);
        for (std::size_t piece = 1; piece <= c.input.size(); ++piece) {
            Decoded split = chunked(c.input, piece);
            EXPECT_EQ(split.output, c.body) << "piece " << piece;
            EXPECT_TRUE(split.done) << "piece " << piece;
            EXPECT_EQ(split.consumed, whole.consumed) << "piece " << piece;
        }
        // Two pieces, split at every boundary.
        for (std::size_t at = 1; at < c.input.size(); ++at) {
            ChunkedDecoder decoder;
            std::string out(c.input.size(), '\0');
            DecodeResult first = decoder.decode(c.input.data(), at, out.data(), out.size());
            ASSERT_FALSE(first.ec);
            ASSERT_EQ(first.consumed, first.done ? first.consumed : at);
            DecodeResult second = decoder.decode(c.input.data() + first.consumed, c.input.size() - first.consumed,
                                                 out.data() + first.produced, out.size() - first.produced);
            ASSERT_FALSE(second.ec);
            EXPECT_TRUE(second.done) << "split at " << at;
            EXPECT_EQ(out.substr(0, first.produced + second.produced), c.body) << "split at " << at;
        }
        for (std::size_t out_cap : {1u, 2u, 3u, 7u}) {
            Decoded small = chunked(c.input, 0, out_cap);
            EXPECT_EQ(small.output, c.body) << "out_cap " << out_cap;
            EXPECT_TRUE(small.done) << "out_cap " << out_cap;
        }
        for (std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{5}, c.input.size()}) {
            Decoded in_place = chunked_in_place(c.input, piece);
            EXPECT_EQ(in_place.output, c.body) << "in place, piece " << piece;
            EXPECT_TRUE(in_place.done) << "in place, piece " << piece;
        }
    }
}

TEST(HttpParserChunked, WholeBufferInPlace) {
    std::string input = "4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n";
    std::string buffer = input;
    ChunkedDecoder decoder;
    DecodeResult result = decoder.decode(buffer.data(), buffer.size(), buffer.data(), buffer.size());
    ASSERT_FALSE(result.ec);
    EXPECT_TRUE(result.done);
    EXPECT_TRUE(decoder.done());
    EXPECT_EQ(result.consumed, input.size());
    EXPECT_EQ(buffer.substr(0, result.produced), "Wikipedia in\r\n\r\nchunks.");
}

TEST(HttpParserChunked, LargeChunkAcrossManyReads) {
    std::string data(300000, '\0');
    std::mt19937 random(7);
    for (char& c : data) c = static_cast<char>(random());
    char size_line[32];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", data.size());
    std::string input = size_line + data + "\r\n0\r\n\r\n";
    Decoded result = chunked(input, 4096, 1000);
    EXPECT_TRUE(result.done);
    EXPECT_EQ(result.output, data);
}

TEST(HttpParserChunked, MalformedInputIsRejected) {
    const std::vector<std::pair<const char*, std::string>> cases = {
        {"non_hex_size", "x\r\nhello\r\n0\r\n\r\n"},
        {"empty_size_line", "\r\nhello\r\n0\r\n\r\n"},
        {"negative_size", "-5\r\nhello\r\n0\r\n\r\n"},
        {"junk_after_size", "5 x\r\nhello\r\n0\r\n\r\n"},
        {"cr_without_lf", "5\rhello\r\n0\r\n\r\n"},
        {"missing_crlf_after_data", "5\r\nhelloX\r\n0\r\n\r\n"},
        {"data_longer_than_size", "3\r\nhello\r\n0\r\n\r\n"},
        {"cr_then_junk_after_data", "5\r\nhello\rX0\r\n\r\n"},
        {"size_overflow", "10000000000000000\r\n"},
        {"size_overflow_long", "FFFFFFFFFFFFFFFFFFFFFFFFFFF\r\n"},
        {"final_cr_without_lf", "0\r\n\rX"},
        {"endless_extension", "5;" + std::string(70000, 'e') + "\r\nhello\r\n0\r\n\r\n"},
        {"endless_trailer", "0\r\nX: " + std::string(70000, 't') + "\r\n\r\n"},
    };
    for (const auto& [name, input] : cases) {
        SCOPED_TRACE(name);
        Decoded whole = chunked(input);
        EXPECT_EQ(whole.ec, make_error(ERROR_HTTP_INVALID_SERVER_RESPONSE));
        EXPECT_FALSE(whole.done);
        Decoded bytewise = chunked(input, 1);
        EXPECT_EQ(bytewise.ec, make_error(ERROR_HTTP_INVALID_SERVER_RESPONSE));
    }
}

TEST(HttpParserChunked, ErrorIsStickyAndDoneConsumesNothingMore) {
    ChunkedDecoder bad;
    char out[16];
    EXPECT_TRUE(bad.decode("zz", 2, out, sizeof out).ec);
    DecodeResult again = bad.decode("5\r\nhello\r\n", 10, out, sizeof out);
    EXPECT_TRUE(again.ec);
    EXPECT_EQ(again.produced, 0u);

    ChunkedDecoder good;
    DecodeResult first = good.decode("0\r\n\r\n", 5, out, sizeof out);
    EXPECT_TRUE(first.done);
    DecodeResult after = good.decode("more", 4, out, sizeof out);
    EXPECT_TRUE(after.done);
    EXPECT_EQ(after.consumed, 0u);
    EXPECT_EQ(after.produced, 0u);
    good.reset();
    EXPECT_FALSE(good.done());
}

TEST(HttpParserChunked, TruncatedBodyIsNotDone) {
    Decoded result = chunked("5\r\nhel");
    EXPECT_FALSE(result.ec);
    EXPECT_FALSE(result.done);
    EXPECT_EQ(result.output, "hel");
}

// ---- gzip / deflate ----

enum class Wrapper { gzip, zlib, raw };

std::string compress(std::string_view data, Wrapper wrapper, int level = Z_DEFAULT_COMPRESSION) {
    z_stream stream{};
    int window_bits = wrapper == Wrapper::gzip ? 31 : wrapper == Wrapper::zlib ? 15 : -15;
    EXPECT_EQ(deflateInit2(&stream, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::string out(deflateBound(&stream, static_cast<uLong>(data.size())) + 64, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

std::string sample_text() {
    std::string text;
    for (int i = 0; i < 2000; ++i) text += "line " + std::to_string(i) + ": the quick brown fox jumps over the lazy dog\n";
    return text;
}

std::string sample_random(std::size_t size, unsigned seed) {
    std::string data(size, '\0');
    std::mt19937 random(seed);
    for (char& c : data) c = static_cast<char>(random());
    return data;
}

Decoded inflate_with(std::string_view encoding, std::string_view input, std::size_t piece, std::size_t out_cap) {
    auto decoder = ContentDecoder::create(encoding);
    EXPECT_NE(decoder, nullptr);
    if (!decoder) return {};
    Decoded result = run_decoder(*decoder, input, piece, out_cap);
    EXPECT_EQ(result.done, decoder->done());
    return result;
}

TEST(HttpParserContent, RoundTrips) {
    struct Case {
        const char* encoding;
        Wrapper wrapper;
    };
    const Case cases[] = {{"gzip", Wrapper::gzip}, {"x-gzip", Wrapper::gzip}, {"deflate", Wrapper::zlib},
                          {"deflate", Wrapper::raw}, {"GZip", Wrapper::gzip}, {"Deflate", Wrapper::raw}};
    const std::string payloads[] = {sample_text(), sample_random(50000, 3), std::string(), "x"};
    for (const Case& c : cases) {
        for (const std::string& payload : payloads) {
            SCOPED_TRACE(std::string(c.encoding) + " wrapper " + std::to_string(int(c.wrapper)) + " size " +
                         std::to_string(payload.size()));
            std::string compressed = compress(payload, c.wrapper);
            for (std::size_t piece : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{1000}}) {
                for (std::size_t out_cap : {std::size_t{1}, std::size_t{7}, std::size_t{4096}, std::size_t{1} << 20}) {
                    if (piece == 1 && out_cap == 1 && payload.size() > 10000) continue;   // slow, adds nothing
                    Decoded result = inflate_with(c.encoding, compressed, piece, out_cap);
                    ASSERT_FALSE(result.ec) << result.ec.message() << " piece " << piece << " out " << out_cap;
                    EXPECT_TRUE(result.done) << "piece " << piece << " out " << out_cap;
                    EXPECT_EQ(result.output.size(), payload.size()) << "piece " << piece << " out " << out_cap;
                    EXPECT_TRUE(result.output == payload) << "piece " << piece << " out " << out_cap;
                }
            }
        }
    }
}

TEST(HttpParserContent, EveryTwoPieceSplit) {
    std::string payload = sample_text().substr(0, 3000);
    for (Wrapper wrapper : {Wrapper::gzip, Wrapper::zlib, Wrapper::raw}) {
        std::string compressed = compress(payload, wrapper);
        const char* encoding = wrapper == Wrapper::gzip ? "gzip" : "deflate";
        for (std::size_t at = 0; at <= compressed.size(); ++at) {
            auto decoder = ContentDecoder::create(encoding);
            std::string out(payload.size() + 16, '\0');
            DecodeResult first = decoder->decode(compressed.data(), at, out.data(), out.size());
            ASSERT_FALSE(first.ec);
            ASSERT_EQ(first.consumed, at);
            DecodeResult second = decoder->decode(compressed.data() + at, compressed.size() - at,
                                                  out.data() + first.produced, out.size() - first.produced);
            ASSERT_FALSE(second.ec) << "split at " << at;
            EXPECT_TRUE(second.done) << "split at " << at;
            EXPECT_EQ(out.substr(0, first.produced + second.produced), payload) << "split at " << at;
        }
    }
}

TEST(HttpParserContent, TrailingBytesAfterStreamAreIgnored) {
    std::string compressed = compress("hello", Wrapper::gzip) + "garbage after the end";
    Decoded result = inflate_with("gzip", compressed, 0, 100);
    EXPECT_FALSE(result.ec);
    EXPECT_TRUE(result.done);
    EXPECT_EQ(result.output, "hello");
    EXPECT_EQ(result.consumed, compressed.size());
}

TEST(HttpParserContent, CorruptDataFails) {
    std::string payload = sample_text();
    for (Wrapper wrapper : {Wrapper::gzip, Wrapper::zlib}) {
        const char* encoding = wrapper == Wrapper::gzip ? "gzip" : "deflate";
        std::string compressed = compress(payload, wrapper);
        // Flipped bytes in the middle: caught by the deflate decoder or by the checksum.
        std::string corrupt = compressed;
        for (std::size_t i = corrupt.size() / 2; i < corrupt.size() / 2 + 8; ++i) corrupt[i] = static_cast<char>(~corrupt[i]);
        Decoded broken = inflate_with(encoding, corrupt, 0, 1 << 20);
        EXPECT_EQ(broken.ec, make_error(ERROR_INTERNET_DECODING_FAILED)) << encoding;
        // Wrong checksum alone.
        std::string bad_check = compressed;
        bad_check[bad_check.size() - (wrapper == Wrapper::gzip ? 6 : 1)] ^= 0x55;
        EXPECT_EQ(inflate_with(encoding, bad_check, 0, 1 << 20).ec, make_error(ERROR_INTERNET_DECODING_FAILED))
            << encoding;
    }
    // Not compressed at all.
    EXPECT_EQ(inflate_with("gzip", "plain text, not gzip", 0, 100).ec, make_error(ERROR_INTERNET_DECODING_FAILED));
    EXPECT_EQ(inflate_with("gzip", "plain text, not gzip", 1, 1).ec, make_error(ERROR_INTERNET_DECODING_FAILED));
    EXPECT_EQ(inflate_with("deflate", "\xff\xff\xff\xff\xff\xff", 0, 100).ec, make_error(ERROR_INTERNET_DECODING_FAILED));

    // Sticky.
    auto decoder = ContentDecoder::create("gzip");
    char out[64];
    EXPECT_TRUE(decoder->decode("notgzip!", 8, out, sizeof out).ec);
    std::string good = compress("x", Wrapper::gzip);
    EXPECT_TRUE(decoder->decode(good.data(), good.size(), out, sizeof out).ec);
}

TEST(HttpParserContent, TruncatedStreamIsNotDone) {
    std::string compressed = compress(sample_text(), Wrapper::gzip);
    compressed.resize(compressed.size() / 2);
    Decoded result = inflate_with("gzip", compressed, 0, 1 << 20);
    EXPECT_FALSE(result.ec);
    EXPECT_FALSE(result.done);
}

TEST(HttpParserContent, CreateRecognisesSupportedEncodingsOnly) {
    EXPECT_NE(ContentDecoder::create("gzip"), nullptr);
    EXPECT_NE(ContentDecoder::create(" GZIP "), nullptr);
    EXPECT_NE(ContentDecoder::create("x-gzip"), nullptr);
    EXPECT_NE(ContentDecoder::create("deflate"), nullptr);
    EXPECT_NE(ContentDecoder::create("identity, gzip"), nullptr);
    EXPECT_EQ(ContentDecoder::create(""), nullptr);
    EXPECT_EQ(ContentDecoder::create("identity"), nullptr);
    EXPECT_EQ(ContentDecoder::create("br"), nullptr);
    EXPECT_EQ(ContentDecoder::create("compress"), nullptr);
    EXPECT_EQ(ContentDecoder::create("gzip, br"), nullptr);
    EXPECT_EQ(ContentDecoder::create("gzip, gzip"), nullptr);
}

// The two together, as the request layer chains them: chunked framing around gzip content.
TEST(HttpParserContent, ChunkedGzipBody) {
    std::string payload = sample_text();
    std::string compressed = compress(payload, Wrapper::gzip);
    std::string body;
    for (std::size_t offset = 0; offset < compressed.size(); offset += 777) {
        std::string piece = compressed.substr(offset, 777);
        char size_line[32];
        std::snprintf(size_line, sizeof size_line, "%zx\r\n", piece.size());
        body += size_line + piece + "\r\n";
    }
    body += "0\r\n\r\n";
    ChunkedDecoder chunks;
    auto content = ContentDecoder::create("gzip");
    std::string output;
    std::vector<char> buffer(1000), plain(512);
    std::size_t offset = 0;
    while (!content->done()) {
        ASSERT_LT(offset, body.size() + 1);
        std::size_t size = std::min(buffer.size(), body.size() - offset);
        std::copy_n(body.data() + offset, size, buffer.data());
        DecodeResult framed = chunks.decode(buffer.data(), size, buffer.data(), size);
        ASSERT_FALSE(framed.ec);
        offset += framed.consumed;
        std::size_t fed = 0;
        for (;;) {
            DecodeResult decoded = content->decode(buffer.data() + fed, framed.produced - fed, plain.data(), plain.size());
            ASSERT_FALSE(decoded.ec);
            fed += decoded.consumed;
            output.append(plain.data(), decoded.produced);
            if (decoded.produced < plain.size() && fed == framed.produced) break;
        }
        if (framed.done) break;
    }
    EXPECT_TRUE(content->done());
    EXPECT_EQ(output, payload);
}

}  // namespace
}  // namespace openinet::http
