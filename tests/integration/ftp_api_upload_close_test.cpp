// Closing an FtpOpenFile upload handle waits for the server's verdict on the STOR, and a refusal
// is not passed off as success: InternetCloseHandle fails (synchronous session) or a
// REQUEST_COMPLETE {FALSE, error} precedes HANDLE_CLOSING (asynchronous session).
#include "ftp_faults_helpers.hpp"

#include <gtest/gtest.h>

namespace openinet::test {
namespace {

using namespace ftp_script;

Script refused_upload() {
    return after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"STOR up"}, step::SendLine{"150 ok"},
                                step::DataScript{{step::ReadUntilClose{}}}, step::AwaitData{},
                                step::SendLine{"452 Insufficient storage space"}, answer_until_close()});
}

TEST(FtpApiUploadClose, RefusedStorFailsInternetCloseHandle) {
    ScriptedServer server;
    server.add_script(refused_upload());
    InetHandle session(InternetOpenA("openinet-ftp-upload", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
    set_ftp_timeouts(session, 10000);
    InetHandle c(ftp_connect(session, server));
    ASSERT_TRUE(c) << GetLastError();
    HINTERNET up = FtpOpenFileA(c, "up", GENERIC_WRITE, FTP_TRANSFER_TYPE_BINARY, 0);
    ASSERT_NE(up, nullptr) << GetLastError() << last_response_text();
    DWORD written = 0;
    ASSERT_TRUE(InternetWriteFile(up, "payload", 7, &written));
    EXPECT_EQ(written, 7u);
    EXPECT_FALSE(InternetCloseHandle(up));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_NE(last_response_text().find("452"), std::string::npos) << last_response_text();
    // Closed anyway.
    EXPECT_FALSE(InternetWriteFile(up, "x", 1, &written));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    ASSERT_EQ(server.data_connections().size(), 1u);
    EXPECT_EQ(server.data_connections()[0].received, "payload");
}

TEST(FtpApiUploadClose, AsyncRefusedStorReportedBeforeHandleClosing) {
    ScriptedServer server;
    server.add_script(refused_upload());
    Recorder recorder;
    InetHandle session(InternetOpenA("openinet-ftp-upload", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr,
                                     INTERNET_FLAG_ASYNC));
    set_ftp_timeouts(session, 10000);
    InternetSetStatusCallbackA(session, Recorder::callback);
    ASSERT_EQ(ftp_connect(session, server, INTERNET_FLAG_PASSIVE, 1), nullptr);
    auto connected = recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE);
    ASSERT_TRUE(connected);
    ASSERT_EQ(connected->error, 0u);
    HINTERNET c = reinterpret_cast<HINTERNET>(connected->result);
    recorder.clear();
    ASSERT_EQ(FtpOpenFileA(c, "up", GENERIC_WRITE, FTP_TRANSFER_TYPE_BINARY, 2), nullptr);
    auto opened = recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE);
    ASSERT_TRUE(opened);
    ASSERT_EQ(opened->error, 0u);
    HINTERNET up = reinterpret_cast<HINTERNET>(opened->result);
    DWORD written = 0;
    ASSERT_TRUE(InternetWriteFile(up, "payload", 7, &written));   // never pends
    EXPECT_EQ(written, 7u);
    EXPECT_TRUE(InternetCloseHandle(up));
    ASSERT_TRUE(recorder.wait_for(INTERNET_STATUS_HANDLE_CLOSING, up));
    auto statuses = recorder.statuses(up);
    ASSERT_GE(statuses.size(), 2u);
    EXPECT_EQ(statuses.back(), static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING));
    auto verdict = recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, up, std::chrono::seconds(1), 2);
    ASSERT_TRUE(verdict);
    EXPECT_EQ(verdict->result, 0u);
    EXPECT_EQ(verdict->error, static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    ASSERT_TRUE(InternetCloseHandle(c));
    ASSERT_TRUE(recorder.wait_for(INTERNET_STATUS_HANDLE_CLOSING, c));
}

}  // namespace
}  // namespace openinet::test
