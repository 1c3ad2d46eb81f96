// FtpOpenFile(GENERIC_READ) asks SIZE (for FtpGetFileSize) without a round trip of its own:
// SIZE and the commands up to the passive request go out in one write and the replies are
// read in order. The scripted server reads every pipelined line before it answers any of them,
// so a client that waited for SIZE's reply would stall here (and fail on the reply timeout).
// Also: refusals of SIZE (plain, multi-line, 500) leave the download working and FtpGetFileSize
// answering from the 150 reply or failing with 12003; a refusal that changes the plan (TYPE I)
// leaves the control connection in step; the status callbacks are those of commands sent one
// by one.
#include "ftp_faults_helpers.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace openinet::test {
namespace {

using namespace ftp_script;

// The usual login, with a FEAT that lists SIZE (and EPSV), answered up to the line starting
// with `until` (that line is read, not answered).
step::Answer login_with_size_until(std::string until) {
    auto replies = ftp_login_replies();
    for (auto& [command, reply] : replies)
        if (command == "FEAT") reply = "211-Features:\r\n EPSV\r\n SIZE\r\n211 End";
    return step::Answer{std::move(replies), std::move(until)};
}

Script download(std::string payload, std::string opening = "150 Opening BINARY mode data connection") {
    return {step::PassiveReply{}, step::ExpectLine{"RETR "}, step::SendLine{std::move(opening)},
            step::DataScript{{step::Send{std::move(payload)}, step::Close{}}}, step::AwaitData{},
            step::SendLine{"226 Transfer complete"}};
}

class FtpSizePipeline : public ::testing::Test {
protected:
    void SetUp() override {
        session_.reset(InternetOpenA("openinet-ftp-size", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
        ASSERT_TRUE(session_);
        // A client that does not pipeline stalls against the script: fail, don't hang.
        set_ftp_timeouts(session_, 10000);
    }

    // Reads of 1 MiB take the direct path into the caller's buffer, smaller ones the read-ahead.
    std::string read_whole(HINTERNET file, std::size_t chunk = 4096) {
        DWORD error = 0;
        auto body = read_all(file, chunk, &error);
        EXPECT_TRUE(body) << error;
        return body ? *body : std::string{};
    }

    InetHandle session_;
};

TEST_F(FtpSizePipeline, SizeGoesOutWithThePassiveRequestAndRefusalsFallBack) {
    const std::string first = pattern_bytes(0, 20000), second = "7 bytes", third = pattern_bytes(1, 3000);
    ScriptedServer server;
    server.add_script(Script{step::SendLine{"220 scripted"}, login_with_size_until("TYPE I"),
                             // 1: TYPE I, SIZE and EPSV arrive before any of them is answered.
                             step::ExpectLine{"SIZE one"}, step::ExpectLine{"EPSV"},
                             step::SendLine{"200 Switching to Binary mode."}, step::SendLine{"213 20000"}} +
                      download(first) +
                      // 2: the type is set: SIZE and EPSV; SIZE refused with a multi-line reply,
                      // the size comes from the 150.
                      Script{step::ExpectLine{"SIZE two"}, step::ExpectLine{"EPSV"},
                             step::Send{"550-two: not a plain file\r\n550 Could not get file size.\r\n"}} +
                      download(second, "150 Opening BINARY mode data connection for two (7 bytes).") +
                      // 3: SIZE unknown to the server, no size in the 150 either.
                      Script{step::ExpectLine{"SIZE three"}, step::ExpectLine{"EPSV"},
                             step::SendLine{"500 Unknown command."}} +
                      download(third) + answer_until_close());
    InetHandle c(ftp_connect(session_, server));
    ASSERT_TRUE(c) << GetLastError() << " " << last_response_text();

    InetHandle one(FtpOpenFileA(c, "one", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
    ASSERT_TRUE(one) << GetLastError() << " " << last_response_text();
    DWORD high = 7;
    EXPECT_EQ(FtpGetFileSize(one, &high), 20000u);
    EXPECT_EQ(high, 0u);
    EXPECT_TRUE(read_whole(one, 1 << 20) == first);
    ASSERT_TRUE(InternetCloseHandle(one.release()));

    InetHandle two(FtpOpenFileA(c, "two", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
    ASSERT_TRUE(two) << GetLastError() << " " << last_response_text();
    EXPECT_EQ(FtpGetFileSize(two, &high), 7u);
    EXPECT_EQ(read_whole(two), second);
    ASSERT_TRUE(InternetCloseHandle(two.release()));

    InetHandle three(FtpOpenFileA(c, "three", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
    ASSERT_TRUE(three) << GetLastError() << " " << last_response_text();
    high = 7;
    EXPECT_EQ(FtpGetFileSize(three, &high), 0xFFFFFFFFu);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_EQ(high, 0u);
    EXPECT_TRUE(read_whole(three) == third);
    ASSERT_TRUE(InternetCloseHandle(three.release()));

    ASSERT_FALSE(server.connections().empty());
    EXPECT_EQ(server.connections().at(0).error, "");
}

TEST_F(FtpSizePipeline, AsciiDownloadAsksSizeInBinaryMode) {
    const std::string text = "line one\r\nline two\r\n";
    ScriptedServer server;
    server.add_script(Script{step::SendLine{"220 scripted"}, login_with_size_until("TYPE I"),
                             step::ExpectLine{"SIZE notes.txt"}, step::ExpectLine{"TYPE A"}, step::ExpectLine{"EPSV"},
                             step::SendLine{"200 Switching to Binary mode."}, step::SendLine{"213 20"},
                             step::SendLine{"200 Switching to ASCII mode."}} +
                      download(text) + answer_until_close());
    InetHandle c(ftp_connect(session_, server));
    ASSERT_TRUE(c) << GetLastError() << " " << last_response_text();
    InetHandle file(FtpOpenFileA(c, "notes.txt", GENERIC_READ, FTP_TRANSFER_TYPE_ASCII, 0));
    ASSERT_TRUE(file) << GetLastError() << " " << last_response_text();
    EXPECT_EQ(FtpGetFileSize(file, nullptr), 20u);
    EXPECT_EQ(read_whole(file), text);
    ASSERT_TRUE(InternetCloseHandle(file.release()));
    EXPECT_EQ(server.connections().at(0).error, "");
}

// TYPE I refused: the session skips the replies to what it sent ahead (SIZE, EPSV), asks for
// TYPE I again on its own, and reports that refusal; the connection stays in step.
TEST_F(FtpSizePipeline, RefusalThatChangesThePlanKeepsTheConnectionInStep) {
    ScriptedServer server;
    server.add_script(Script{step::SendLine{"220 scripted"}, login_with_size_until("TYPE I"),
                             step::ExpectLine{"SIZE f"}, step::ExpectLine{"EPSV"},
                             step::SendLine{"504 Binary mode not available."}, step::SendLine{"213 5"},
                             step::PassiveReply{}, step::ExpectLine{"TYPE I"},
                             step::SendLine{"504 Still no binary mode."},
                             answer_until_close({{"PWD", "257 \"/in-step\" is the current directory"}})});
    InetHandle c(ftp_connect(session_, server));
    ASSERT_TRUE(c) << GetLastError() << " " << last_response_text();
    EXPECT_EQ(FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_NE(last_response_text().find("504 Still no binary mode."), std::string::npos) << last_response_text();
    char dir[MAX_PATH];
    DWORD length = sizeof dir;
    ASSERT_TRUE(FtpGetCurrentDirectoryA(c, dir, &length)) << GetLastError() << " " << last_response_text();
    EXPECT_STREQ(dir, "/in-step");
    EXPECT_EQ(server.connections().at(0).error, "");
}

struct StatusLog {
    std::mutex mutex;
    std::vector<std::pair<DWORD, DWORD>> entries;   // status, DWORD payload (or 0)
};

void CALLBACK record_status(HINTERNET, DWORD_PTR context, DWORD status, LPVOID info, DWORD length) {
    auto* log = reinterpret_cast<StatusLog*>(context);
    DWORD value = 0;
    if (info && length == sizeof(DWORD) &&
        (status == INTERNET_STATUS_REQUEST_SENT || status == INTERNET_STATUS_RESPONSE_RECEIVED))
        value = *static_cast<const DWORD*>(info);
    std::lock_guard lock(log->mutex);
    log->entries.emplace_back(status, value);
}

// Commands sent ahead report the same progress as commands sent one by one: per command
// SENDING_REQUEST, REQUEST_SENT (its bytes), RECEIVING_RESPONSE, RESPONSE_RECEIVED (the reply's).
TEST_F(FtpSizePipeline, PipelinedCommandsReportTheirOwnProgress) {
    ScriptedServer server;
    server.add_script(Script{step::SendLine{"220 scripted"}, login_with_size_until("TYPE I"),
                             step::ExpectLine{"SIZE f"}, step::ExpectLine{"EPSV"}, step::SendLine{"200 Binary"},
                             step::SendLine{"213 3"}} +
                      download("abc", "150 Here") + answer_until_close());
    ASSERT_NE(InternetSetStatusCallbackA(session_, record_status), INTERNET_INVALID_STATUS_CALLBACK);
    InetHandle c(ftp_connect(session_, server));
    ASSERT_TRUE(c) << GetLastError() << " " << last_response_text();
    StatusLog log;
    InetHandle file(FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, reinterpret_cast<DWORD_PTR>(&log)));
    ASSERT_TRUE(file) << GetLastError() << " " << last_response_text();
    std::vector<std::pair<DWORD, DWORD>> seen;
    {
        std::lock_guard lock(log.mutex);
        seen = log.entries;
    }
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.front().first, static_cast<DWORD>(INTERNET_STATUS_HANDLE_CREATED));
    seen.erase(seen.begin());
    // "TYPE I", "SIZE f", "EPSV", "RETR f" with CRLF; replies with CRLF.
    const std::vector<std::pair<DWORD, DWORD>> expected{
        {INTERNET_STATUS_SENDING_REQUEST, 0},   {INTERNET_STATUS_REQUEST_SENT, 8},
        {INTERNET_STATUS_RECEIVING_RESPONSE, 0}, {INTERNET_STATUS_RESPONSE_RECEIVED, 12},
        {INTERNET_STATUS_SENDING_REQUEST, 0},   {INTERNET_STATUS_REQUEST_SENT, 8},
        {INTERNET_STATUS_RECEIVING_RESPONSE, 0}, {INTERNET_STATUS_RESPONSE_RECEIVED, 7},
        {INTERNET_STATUS_SENDING_REQUEST, 0},   {INTERNET_STATUS_REQUEST_SENT, 6},
        {INTERNET_STATUS_RECEIVING_RESPONSE, 0}, {INTERNET_STATUS_RESPONSE_RECEIVED, 0},
        {INTERNET_STATUS_SENDING_REQUEST, 0},   {INTERNET_STATUS_REQUEST_SENT, 8},
        {INTERNET_STATUS_RECEIVING_RESPONSE, 0}, {INTERNET_STATUS_RESPONSE_RECEIVED, 10},
    };
    ASSERT_EQ(seen.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(seen[i].first, expected[i].first) << i;
        // The EPSV reply's length depends on the port number.
        if (i != 11) EXPECT_EQ(seen[i].second, expected[i].second) << i;
    }
    EXPECT_EQ(FtpGetFileSize(file, nullptr), 3u);
    EXPECT_EQ(read_whole(file), "abc");
    InternetSetStatusCallbackA(session_, nullptr);
}

}  // namespace
}  // namespace openinet::test
