#include "ftp/reply.hpp"

#include "core/error.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace openinet::ftp {
namespace {

struct ReadOutcome {
    std::vector<Reply> replies;
    bool failed = false;
    std::error_code error;
};

// Feeds `chunks` in order and collects every complete reply.
ReadOutcome read_all(const std::vector<std::string_view>& chunks, ReplyReader& reader) {
    ReadOutcome outcome;
    for (std::string_view chunk : chunks) {
        while (!chunk.empty()) {
            std::size_t consumed = 0;
            auto state = reader.feed(chunk, consumed);
            EXPECT_LE(consumed, chunk.size());
            chunk.remove_prefix(consumed);
            if (state == ReplyReader::State::error) {
                outcome.failed = true;
                outcome.error = reader.error();
                return outcome;
            }
            if (state == ReplyReader::State::done) outcome.replies.push_back(reader.take_reply());
            else EXPECT_TRUE(chunk.empty());
        }
    }
    return outcome;
}

ReadOutcome read_whole(std::string_view data) {
    ReplyReader reader;
    return read_all({data}, reader);
}

struct ReplyCase {
    const char* name;
    std::string input;
    std::vector<int> codes;                 // of the complete replies, in order
    std::vector<std::size_t> line_counts;   // lines of each reply
    bool ends_inside_reply = false;         // the input ends part-way through a reply
};

const std::vector<ReplyCase>& reply_cases() {
    static const std::vector<ReplyCase> cases = {
        {"single", "220 Welcome\r\n", {220}, {1}},
        {"lf_only", "220 Welcome\n230 Logged in\n", {220, 230}, {1, 1}},
        {"bare_code", "200\r\n", {200}, {1}},
        {"multi_line_feat",
         "211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n MLST type*;size*;modify*;\r\n REST STREAM\r\n"
         " SIZE\r\n UTF8\r\n211 End\r\n",
         {211}, {9}},
        {"multi_line_repeated_code", "230-Welcome\r\n230-to the server\r\n230 Login ok\r\n", {230}, {3}},
        {"multi_line_other_code_inside",
         "220-Banner\r\n331 this is text, not the end\r\n220-\r\n220 ready\r\n", {220}, {4}},
        {"multi_line_code_no_space_is_text", "214-Help\r\n214Nope\r\n214 done\r\n", {214}, {3}},
        {"preliminary_then_final", "150 Opening BINARY mode data connection\r\n226 Transfer complete\r\n",
         {150, 226}, {1, 1}},
        {"three_replies", "350 Ready for RNTO\r\n250 Rename ok\r\n221 Bye\r\n", {350, 250, 221}, {1, 1, 1}},
        {"utf8_text", "257 \"/p\xc3\xa4th\" created\r\n", {257}, {1}},
        {"empty_line_inside_multi", "211-a\r\n\r\n211 b\r\n", {211}, {3}},
        {"partial_at_end", "220 Hi\r\n331 Pass", {220}, {1}, true},
        {"multi_unfinished", "220-one\r\ntwo\r\n", {}, {}, true},
    };
    return cases;
}

void check(const ReplyCase& c, const ReadOutcome& outcome, const ReplyReader& reader,
           const std::string& how) {
    SCOPED_TRACE(std::string(c.name) + " " + how);
    ASSERT_FALSE(outcome.failed) << outcome.error.message();
    ASSERT_EQ(outcome.replies.size(), c.codes.size());
    for (std::size_t i = 0; i < c.codes.size(); ++i) {
        EXPECT_EQ(outcome.replies[i].code, c.codes[i]);
        EXPECT_EQ(outcome.replies[i].lines.size(), c.line_counts[i]);
    }
    EXPECT_EQ(reader.in_reply(), c.ends_inside_reply);
}

TEST(FtpReply, WholeInput) {
    for (const auto& c : reply_cases()) {
        ReplyReader reader;
        check(c, read_all({c.input}, reader), reader, "whole");
    }
}

TEST(FtpReply, SplitAtEveryByteBoundary) {
    for (const auto& c : reply_cases()) {
        std::string_view all = c.input;
        for (std::size_t at = 0; at <= all.size(); ++at) {
            ReplyReader reader;
            check(c, read_all({all.substr(0, at), all.substr(at)}, reader), reader,
                  "split at " + std::to_string(at));
        }
    }
}

TEST(FtpReply, OneByteAtATime) {
    for (const auto& c : reply_cases()) {
        std::vector<std::string_view> bytes;
        std::string_view all = c.input;
        for (std::size_t i = 0; i < all.size(); ++i) bytes.push_back(all.substr(i, 1));
        ReplyReader reader;
        check(c, read_all(bytes, reader), reader, "bytewise");
    }
}

TEST(FtpReply, TextKeepsLinesForResponseInfo) {
    auto outcome = read_whole("230-Welcome\n230 Login successful.\r\n");
    ASSERT_EQ(outcome.replies.size(), 1u);
    EXPECT_EQ(outcome.replies[0].text(), "230-Welcome\r\n230 Login successful.\r\n");
    EXPECT_EQ(outcome.replies[0].first_line_message(), "Welcome");
    EXPECT_TRUE(outcome.replies[0].completed());
}

TEST(FtpReply, Classification) {
    auto outcome = read_whole("150 a\r\n331 b\r\n421 c\r\n530 d\r\n");
    ASSERT_EQ(outcome.replies.size(), 4u);
    EXPECT_TRUE(outcome.replies[0].preliminary());
    EXPECT_TRUE(outcome.replies[1].intermediate());
    EXPECT_TRUE(outcome.replies[2].transient_failure());
    EXPECT_TRUE(outcome.replies[3].permanent_failure());
    EXPECT_EQ(outcome.replies[3].first_line_message(), "d");
}

TEST(FtpReply, ConsumesOnlyOneReplyPerDone) {
    ReplyReader reader;
    std::string_view data = "226 Done\r\n221 Bye\r\n";
    std::size_t consumed = 0;
    ASSERT_EQ(reader.feed(data, consumed), ReplyReader::State::done);
    EXPECT_EQ(consumed, 10u);
    EXPECT_EQ(reader.reply().code, 226);
    data.remove_prefix(consumed);
    ASSERT_EQ(reader.feed(data, consumed), ReplyReader::State::done);
    EXPECT_EQ(reader.reply().code, 221);
    EXPECT_EQ(reader.reply().lines.size(), 1u);
}

TEST(FtpReplyGarbage, RefusedWithExtendedError) {
    using namespace std::string_literals;
    const std::vector<std::string> garbage = {
        "HTTP/1.1 200 OK\r\n", "SSH-2.0-OpenSSH\r\n", "22 short\r\n", "2200 four digits\r\n",
        "600 out of range\r\n", "099 out of range\r\n", "abc def\r\n", "\r\n", "\n",
        " 220 leading space\r\n", "220x text\r\n", "220 nul\0byte\r\n"s,
        "220-multi\r\nbad\0\r\n220 end\r\n"s,
    };
    for (const auto& input : garbage) {
        SCOPED_TRACE(input);
        auto outcome = read_whole(input);
        EXPECT_TRUE(outcome.failed);
        EXPECT_EQ(outcome.error, make_error(ERROR_INTERNET_EXTENDED_ERROR));
        EXPECT_TRUE(outcome.replies.empty());
    }
}

TEST(FtpReplyGarbage, ErrorIsSticky) {
    ReplyReader reader;
    std::size_t consumed = 0;
    ASSERT_EQ(reader.feed("junk\r\n", consumed), ReplyReader::State::error);
    EXPECT_EQ(reader.feed("220 ok\r\n", consumed), ReplyReader::State::error);
    EXPECT_EQ(consumed, 0u);
    reader.reset();
    EXPECT_EQ(reader.feed("220 ok\r\n", consumed), ReplyReader::State::done);
}

TEST(FtpReplyLimits, LineLimitCountsTextWithoutLineEnd) {
    std::string exact = "220 " + std::string(16 - 4, 'x');   // 16 characters
    {
        ReplyReader reader(16, 1024);
        auto outcome = read_all({exact + "\r\n"}, reader);
        EXPECT_FALSE(outcome.failed);
        EXPECT_EQ(outcome.replies.size(), 1u);
    }
    {
        // Fed byte by byte, the CR before the LF must not count against the limit either.
        ReplyReader reader(16, 1024);
        std::string input = exact + "\r\n";
        std::vector<std::string_view> bytes;
        for (std::size_t i = 0; i < input.size(); ++i) bytes.push_back(std::string_view(input).substr(i, 1));
        auto outcome = read_all(bytes, reader);
        EXPECT_FALSE(outcome.failed);
    }
    {
        ReplyReader reader(16, 1024);
        auto outcome = read_all({exact + "y\r\n"}, reader);
        EXPECT_TRUE(outcome.failed);
    }
    {
        // An endless line without LF fails as soon as it passes the limit.
        ReplyReader reader(16, 1024);
        auto outcome = read_all({std::string(17, '2')}, reader);
        EXPECT_TRUE(outcome.failed);
    }
}

TEST(FtpReplyLimits, TotalLimitStopsEndlessMultiLineReply) {
    ReplyReader reader(100, 1000);
    std::vector<std::string> lines(200, " more text\r\n");
    std::vector<std::string_view> chunks{"211-start\r\n"};
    for (const auto& l : lines) chunks.push_back(l);
    auto outcome = read_all(chunks, reader);
    EXPECT_TRUE(outcome.failed);
    EXPECT_EQ(outcome.error, make_error(ERROR_INTERNET_EXTENDED_ERROR));
}

TEST(FtpReplyLimits, DefaultsAcceptLongFeatReply) {
    std::string feat = "211-Features:\r\n";
    for (int i = 0; i < 500; ++i) feat += " X-FEATURE-" + std::to_string(i) + "\r\n";
    feat += "211 End\r\n";
    auto outcome = read_whole(feat);
    ASSERT_FALSE(outcome.failed);
    ASSERT_EQ(outcome.replies.size(), 1u);
    EXPECT_EQ(outcome.replies[0].lines.size(), 502u);
}

}  // namespace
}  // namespace openinet::ftp
