// The key FTP faults through the WinInet API (synchronous sessions): a data connection cut
// mid-transfer, stalls against short timeouts set with InternetSetOption, a lost control
// connection, malformed and refused replies. Each ends in its WinInet error, promptly, with
// no short file passed off as complete. (Session-level detail: ftp_faults_test.cpp.)
#include "ftp_faults_helpers.hpp"

#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <algorithm>
#include <filesystem>
#include <future>

namespace openinet::test {
namespace {

using namespace std::chrono_literals;
using namespace ftp_script;
using Clock = std::chrono::steady_clock;

// Stall tests: long enough for a loaded machine to log in, short enough to keep the suite quick.
constexpr DWORD kShortTimeoutMs = 1500;
constexpr auto kShortTimeout = std::chrono::milliseconds(kShortTimeoutMs);
constexpr auto kTimerSlack = 100ms;

class FtpFaultsApi : public ::testing::Test {
protected:
    void SetUp() override {
        session_.reset(InternetOpenA("openinet-ftp-faults", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
        ASSERT_TRUE(session_);
        set_ftp_timeouts(session_, 10000);
    }
    // Set before connecting: a connection takes its timeouts from the session at creation.
    void short_timeouts() { set_ftp_timeouts(session_, kShortTimeoutMs); }

    HINTERNET connect(const ScriptedServer& server, DWORD flags = INTERNET_FLAG_PASSIVE) {
        HINTERNET c = ftp_connect(session_, server, flags);
        EXPECT_TRUE(c) << GetLastError() << " " << last_response_text();
        return c;
    }

    InetHandle session_;
    TempDir scratch_{"ftp-faults"};
};

std::size_t entries_in(const std::filesystem::path& dir) {
    std::size_t count = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++count;
    return count;
}

// RETR f answered by `rest` after the passive reply.
Script download_script(Script rest) {
    return after_login("EPSV", Script{step::PassiveReply{}, step::ExpectLine{"RETR f"}} + rest);
}

// RETR f whose data connection sends `payload` and then stalls for good; the client's abort
// is answered.
Script stalled_download_script(const std::string& payload) {
    return download_script({step::SendLine{"150 go"},
                            step::DataScript{{step::Send{payload}, step::Stall{step::forever}}}, recovery_answers()});
}

TEST_F(FtpFaultsApi, DataCutWith426FailsTheRead) {
    std::string payload = pattern_bytes(0, 100000);
    ScriptedServer server;
    server.add_script(download_script({step::SendLine{"150 go"}, step::DataScript{{step::DropAfter{payload, 30000}}},
                                       step::AwaitData{}, step::SendLine{"426 Connection closed; transfer aborted"},
                                       answer_until_close()}));
    InetHandle c(connect(server));
    ASSERT_TRUE(c);
    InetHandle file(FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
    ASSERT_TRUE(file) << GetLastError();
    DWORD error = 0;
    std::string received;
    std::vector<char> buffer(4096);
    for (int guard = 0; guard < 1000; ++guard) {
        DWORD got = 0;
        if (!InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &got)) {
            error = GetLastError();
            break;
        }
        ASSERT_NE(got, 0u) << "a cut transfer reported as complete after " << received.size() << " bytes";
        received.append(buffer.data(), got);
    }
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_TRUE(received == payload.substr(0, 30000)) << received.size() << " bytes";
    file.reset();
    // The connection goes on.
    char dir[MAX_PATH];
    DWORD length = sizeof dir;
    EXPECT_TRUE(FtpGetCurrentDirectoryA(c, dir, &length)) << GetLastError();
}

TEST_F(FtpFaultsApi, DataResetFailsTheReadAndTheConnectionRecovers) {
    std::string payload = pattern_bytes(0, 100000);
    ScriptedServer server;
    server.add_script(download_script({step::SendLine{"150 go"},
                                       step::DataScript{{step::DropAfter{payload, 30000, /*reset=*/true}}},
                                       step::AwaitData{}, step::SendLine{"426 Connection reset"},
                                       answer_until_close({{"PWD", "257 \"/after\""}})}));
    InetHandle c(connect(server));
    ASSERT_TRUE(c);
    InetHandle file(FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
    ASSERT_TRUE(file) << GetLastError();
    DWORD error = 0;
    auto body = read_all(file, 4096, &error);
    EXPECT_FALSE(body) << "a reset transfer reported as complete";
    EXPECT_TRUE(error == ERROR_INTERNET_CONNECTION_RESET || error == ERROR_INTERNET_CONNECTION_ABORTED) << error;
    file.reset();
    char dir[MAX_PATH];
    DWORD length = sizeof dir;
    ASSERT_TRUE(FtpGetCurrentDirectoryA(c, dir, &length)) << GetLastError();
    EXPECT_STREQ(dir, "/after");
}

TEST_F(FtpFaultsApi, GetFileWithCutDataFailsAndLeavesNoFile) {
    std::string payload = pattern_bytes(0, 600000);
    ScriptedServer server;
    server.add_script(download_script({step::SendLine{"150 go"}, step::DataScript{{step::DropAfter{payload, 300000}}},
                                       step::AwaitData{}, step::SendLine{"426 Connection closed; transfer aborted"},
                                       answer_until_close()}));
    InetHandle c(connect(server));
    ASSERT_TRUE(c);
    auto target = scratch_.path() / "got.bin";
    EXPECT_FALSE(FtpGetFileA(c, "f", target.c_str(), FALSE, FILE_ATTRIBUTE_NORMAL, FTP_TRANSFER_TYPE_BINARY, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_NE(last_response_text().find("426 Connection closed"), std::string::npos) << last_response_text();
    EXPECT_FALSE(std::filesystem::exists(target));
    EXPECT_EQ(entries_in(scratch_.path()), 0u) << "a temporary file was left behind";
}

TEST_F(FtpFaultsApi, NoReplyToRetrTimesOut) {
    short_timeouts();
    ScriptedServer server;
    server.add_script(download_script({step::ReadUntilClose{}}));
    InetHandle c(connect(server));
    ASSERT_TRUE(c);
    auto started = Clock::now();
    EXPECT_EQ(FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_TIMEOUT));
    EXPECT_GE(Clock::now() - started, kShortTimeout - kTimerSlack);
}

TEST_F(FtpFaultsApi, DataStallTimesOutAndTheConnectionRecovers) {
    short_timeouts();
    std::string payload = pattern_bytes(0, 5000);
    ScriptedServer server;
    server.add_script(stalled_download_script(payload));
    InetHandle c(connect(server));
    ASSERT_TRUE(c);
    InetHandle file(FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
    ASSERT_TRUE(file) << GetLastError();
    std::vector<char> buffer(payload.size());
    DWORD got = 0;
    ASSERT_TRUE(InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &got)) << GetLastError();
    EXPECT_EQ(got, payload.size());
    auto started = Clock::now();
    EXPECT_FALSE(InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &got));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_TIMEOUT));
    EXPECT_GE(Clock::now() - started, kShortTimeout - kTimerSlack);
    file.reset();
    char dir[MAX_PATH];
    DWORD length = sizeof dir;
    ASSERT_TRUE(FtpGetCurrentDirectoryA(c, dir, &length)) << GetLastError();
    EXPECT_STREQ(dir, "/after");
}

// Timeouts set on the connection handle after InternetConnect (which logged in already) apply
// to what the connection does next.
TEST_F(FtpFaultsApi, TimeoutsSetOnTheConnectionAfterConnectingApply) {
    std::string payload = pattern_bytes(0, 5000);
    ScriptedServer server;
    server.add_script(stalled_download_script(payload));
    InetHandle c(connect(server));   // with the fixture's 10 s
    ASSERT_TRUE(c);
    set_ftp_timeouts(c, kShortTimeoutMs);
    InetHandle file(FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
    ASSERT_TRUE(file) << GetLastError();
    std::vector<char> buffer(payload.size());
    DWORD got = 0;
    ASSERT_TRUE(InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &got)) << GetLastError();
    auto started = Clock::now();
    EXPECT_FALSE(InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &got));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_TIMEOUT));
    const auto took = Clock::now() - started;
    EXPECT_GE(took, kShortTimeout - kTimerSlack);
    EXPECT_LT(took, 8s) << "the connection still used the timeout it was created with";
}

// Timeouts set on the file handle govern its own reads (the connection keeps the fixture's
// 10 s), also once the data connection was lent to the caller's thread (a filled 1 MiB read).
TEST_F(FtpFaultsApi, TimeoutsSetOnTheFileHandleApplyToItsReads) {
    for (std::size_t first_read : {std::size_t{5000}, std::size_t{1024 * 1024}}) {
        SCOPED_TRACE(first_read);
        std::string payload = pattern_bytes(0, first_read);
        ScriptedServer server;
        server.add_script(stalled_download_script(payload));
        InetHandle c(connect(server));
        ASSERT_TRUE(c);
        InetHandle file(FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
        ASSERT_TRUE(file) << GetLastError();
        std::vector<char> buffer(payload.size());
        DWORD got = 0;
        ASSERT_TRUE(InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &got)) << GetLastError();
        ASSERT_EQ(got, payload.size());
        set_ftp_timeouts(file, kShortTimeoutMs);
        auto started = Clock::now();
        EXPECT_FALSE(InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &got));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_TIMEOUT));
        const auto took = Clock::now() - started;
        EXPECT_GE(took, kShortTimeout - kTimerSlack);
        EXPECT_LT(took, 8s) << "the read still waited with the connection's timeout";
    }
}

// ... and only for that handle: once it is closed, the next transfer on the connection waits
// with the connection's timeouts again (its data stalls longer than the file handle's limit).
TEST_F(FtpFaultsApi, FileHandleTimeoutsEndWithTheHandle) {
    std::string payload = pattern_bytes(0, 5000);
    ScriptedServer server;
    server.add_script(download_script(serve_download(payload)) +
                      step::Answer{ftp_login_replies(), "EPSV"} +
                      std::vector<Step>{step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::SendLine{"150 go"},
                                        step::DataScript{{step::Stall{kShortTimeout + 1s}, step::Send{payload},
                                                          step::Close{}}},
                                        step::AwaitData{}, step::SendLine{"226 done"}, answer_until_close()});
    InetHandle c(connect(server));
    ASSERT_TRUE(c);
    {
        InetHandle file(FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
        ASSERT_TRUE(file) << GetLastError();
        set_ftp_timeouts(file, kShortTimeoutMs);
        DWORD error = 0;
        auto body = read_all(file, 4096, &error);
        ASSERT_TRUE(body) << error;
        EXPECT_TRUE(*body == payload);
    }
    InetHandle again(FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
    ASSERT_TRUE(again) << GetLastError() << " " << last_response_text();
    DWORD error = 0;
    auto body = read_all(again, 4096, &error);
    ASSERT_TRUE(body) << "the closed file handle's timeout still applied: " << error;
    EXPECT_TRUE(*body == payload);
}

// WinInet's 0 means no limit (not "expire at once"), for every wait of the session.
TEST_F(FtpFaultsApi, ZeroTimeoutsMeanNoLimit) {
    set_ftp_timeouts(session_, 0);
    std::string payload = pattern_bytes(0, 70000);
    ScriptedServer server;
    server.add_script(Script{step::Stall{200ms}} +
                      download_script({step::Stall{200ms}, step::SendLine{"150 go"},
                                       step::DataScript{{step::Stall{200ms}, step::Send{payload}, step::Close{}}},
                                       step::AwaitData{}, step::SendLine{"226 done"}, answer_until_close()}));
    InetHandle c(connect(server));
    ASSERT_TRUE(c);
    InetHandle file(FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
    ASSERT_TRUE(file) << GetLastError();
    DWORD error = 0;
    auto body = read_all(file, 4096, &error);
    ASSERT_TRUE(body) << error;
    EXPECT_TRUE(*body == payload) << body->size() << " bytes";
}

TEST_F(FtpFaultsApi, ListingDataStallTimesOut) {
    short_timeouts();
    ScriptedServer server;
    server.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"LIST"}, step::SendLine{"150 here"},
                                           step::DataScript{{step::Send{"-rw-r--r-- 1 u g 5 Jan 01 2020 a\r\n"},
                                                             step::Stall{step::forever}}},
                                           answer_until_close({{"ABOR", "426 aborted\r\n226 ABOR successful"}})}));
    InetHandle c(connect(server));
    ASSERT_TRUE(c);
    WIN32_FIND_DATAA data{};
    auto started = Clock::now();
    EXPECT_EQ(FtpFindFirstFileA(c, "*", &data, 0, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_TIMEOUT));
    EXPECT_GE(Clock::now() - started, kShortTimeout - kTimerSlack);
}

TEST_F(FtpFaultsApi, NoGreetingTimesOutTheConnect) {
    short_timeouts();
    ScriptedServer server;
    server.add_script({step::ReadUntilClose{}});
    auto started = Clock::now();
    EXPECT_EQ(ftp_connect(session_, server), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_TIMEOUT));
    EXPECT_GE(Clock::now() - started, kShortTimeout - kTimerSlack);
}

TEST_F(FtpFaultsApi, ControlLostBeforeTheFinalReplyIsDropped) {
    ScriptedServer server;
    server.add_script(download_script({step::SendLine{"150 go"}, step::DataScript{{step::Send{"all"}, step::Close{}}},
                                       step::AwaitData{}, step::Close{}}));
    InetHandle c(connect(server));
    ASSERT_TRUE(c);
    InetHandle file(FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
    ASSERT_TRUE(file) << GetLastError();
    DWORD error = 0;
    EXPECT_FALSE(read_all(file, 4096, &error));
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_FTP_DROPPED));
}

TEST_F(FtpFaultsApi, ControlResetWhileIdleIsDropped) {
    ScriptedServer server;
    server.add_script({step::SendLine{"220 hi"}, step::Answer{ftp_login_replies(), "FEAT"}, step::SendLine{"502 no"},
                       step::Reset{}});
    InetHandle c(connect(server));
    ASSERT_TRUE(c);
    ASSERT_TRUE(server.wait_until_finished());
    EXPECT_FALSE(FtpSetCurrentDirectoryA(c, "x"));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_FTP_DROPPED));
}

TEST_F(FtpFaultsApi, MalformedReplyIsExtendedError) {
    ScriptedServer server;
    server.add_script(after_login("CWD x", {step::Send{"250 " + std::string(9000, 'x') + "\r\n"}, step::ReadUntilClose{}}));
    InetHandle c(connect(server));
    ASSERT_TRUE(c);
    EXPECT_FALSE(FtpSetCurrentDirectoryA(c, "x"));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
}

TEST_F(FtpFaultsApi, PutFileRefusedAtTheEndFails) {
    std::string payload = pattern_bytes(0, 200000);
    auto source = scratch_.path() / "up.bin";
    write_local(source, payload);
    ScriptedServer server;
    server.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"STOR up"}, step::SendLine{"150 ok"},
                                           step::DataScript{{step::ReadUntilClose{}}}, step::AwaitData{},
                                           step::SendLine{"452 Insufficient storage space"}, answer_until_close()}));
    InetHandle c(connect(server));
    ASSERT_TRUE(c);
    EXPECT_FALSE(FtpPutFileA(c, source.c_str(), "up", FTP_TRANSFER_TYPE_BINARY, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_NE(last_response_text().find("452"), std::string::npos) << last_response_text();
    ASSERT_EQ(server.data_connections().size(), 1u);
    EXPECT_TRUE(server.data_connections()[0].received == payload);
}

TEST_F(FtpFaultsApi, UploadDataResetFailsTheWrite) {
    ScriptedServer server;
    server.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"STOR up"}, step::SendLine{"150 ok"},
                                           step::DataScript{{step::ReadBytes{1000}, step::Reset{}}}, step::AwaitData{},
                                           step::SendLine{"426 Connection reset"}, answer_until_close()}));
    InetHandle c(connect(server));
    ASSERT_TRUE(c);
    InetHandle file(FtpOpenFileA(c, "up", GENERIC_WRITE, FTP_TRANSFER_TYPE_BINARY, 0));
    ASSERT_TRUE(file) << GetLastError();
    std::string chunk = pattern_bytes(0, 65536);
    DWORD error = 0;
    for (int i = 0; i < 2048 && error == 0; ++i) {  // at most 128 MiB
        DWORD written = 0;
        if (!InternetWriteFile(file, chunk.data(), static_cast<DWORD>(chunk.size()), &written)) error = GetLastError();
    }
    EXPECT_TRUE(error == ERROR_INTERNET_CONNECTION_RESET || error == ERROR_INTERNET_CONNECTION_ABORTED) << error;
}

TEST_F(FtpFaultsApi, OddButLegalRepliesAroundAGetFile) {
    std::string payload = pattern_bytes(0, 150000);
    ScriptedServer server;
    server.add_script(Script{step::SendLine{"220-Welcome"}, step::SendLine{"  to the scripted server"},
                             step::SendLine{"220 ready"}, step::Answer{ftp_login_replies(), "EPSV"},
                             step::PassiveReply{}, step::ExpectLine{"RETR f"},
                             step::Send{"125-Data connection already open;\r\n125 transfer starting\r\n"},
                             step::DataScript{{step::Trickle{payload, 50000, std::chrono::milliseconds(5)}, step::Close{}}},
                             step::AwaitData{}, step::Send{"226-Transfer complete\r\n226 150000 bytes sent\r\n"},
                             answer_until_close()});
    InetHandle c(connect(server));
    ASSERT_TRUE(c);
    auto target = scratch_.path() / "odd.bin";
    ASSERT_TRUE(FtpGetFileA(c, "f", target.c_str(), FALSE, FILE_ATTRIBUTE_NORMAL, FTP_TRANSFER_TYPE_BINARY, 0))
        << GetLastError() << " " << last_response_text();
    EXPECT_TRUE(read_local(target) == payload);
}

TEST_F(FtpFaultsApi, ActiveModeEprtRefusedFallsBackToPort) {
    std::string payload = pattern_bytes(0, 70000);
    ScriptedServer server;
    server.add_script(after_login("EPRT", Script{step::SendLine{"500 EPRT not understood"}, step::ExpectLine{"PORT "},
                                                 step::ActiveTarget{}, step::SendLine{"200 PORT ok"},
                                                 step::ExpectLine{"RETR f"}} +
                                              serve_download(payload) + answer_until_close()));
    InetHandle c(connect(server, /*flags=*/0));
    ASSERT_TRUE(c);
    InetHandle file(FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
    ASSERT_TRUE(file) << GetLastError() << " " << last_response_text();
    DWORD error = 0;
    auto body = read_all(file, 65536, &error);
    ASSERT_TRUE(body) << error;
    EXPECT_TRUE(*body == payload);
}

TEST_F(FtpFaultsApi, PassivePortNobodyListensOnCannotConnect) {
    std::uint16_t closed_port;
    {
        boost::asio::io_context io;
        boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address_v4("127.0.0.1"), 0});
        closed_port = probe.local_endpoint().port();
    }
    ScriptedServer server;
    server.add_script(after_login(
        "EPSV", {step::SendLine{"229 Entering Extended Passive Mode (|||" + std::to_string(closed_port) + "|)"},
                 answer_until_close({{"PWD", "257 \"/still\""}})}));
    InetHandle c(connect(server));
    ASSERT_TRUE(c);
    EXPECT_EQ(FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_CANNOT_CONNECT));
    // RETR was never sent: the control connection is in step.
    char dir[MAX_PATH];
    DWORD length = sizeof dir;
    ASSERT_TRUE(FtpGetCurrentDirectoryA(c, dir, &length)) << GetLastError();
    EXPECT_STREQ(dir, "/still");
    auto lines = server.connections().at(0).lines;
    EXPECT_EQ(std::count_if(lines.begin(), lines.end(), [](const std::string& l) { return l.rfind("RETR", 0) == 0; }),
              0);
}

TEST_F(FtpFaultsApi, OpenUrlOfACutTransferFailsTheRead) {
    std::string payload = pattern_bytes(0, 50000);
    ScriptedServer server;
    server.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR "}, step::SendLine{"150 go"},
                                           step::DataScript{{step::DropAfter{payload, 20000}}}, step::AwaitData{},
                                           step::SendLine{"426 Connection closed; transfer aborted"},
                                           answer_until_close()}));
    std::string url = "ftp://127.0.0.1:" + std::to_string(server.port()) + "/f";
    InetHandle file(InternetOpenUrlA(session_, url.c_str(), nullptr, 0, INTERNET_FLAG_PASSIVE, 0));
    ASSERT_TRUE(file) << GetLastError();
    DWORD error = 0;
    EXPECT_FALSE(read_all(file, 8192, &error)) << "a cut transfer reported as complete";
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
}

}  // namespace
}  // namespace openinet::test
