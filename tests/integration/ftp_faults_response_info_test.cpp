// InternetGetLastResponseInfo after a failed InternetReadFile on an FTP file handle: the error
// is 12003 because of the server's reply, so that reply must be what the call shows.
#include "ftp_faults_helpers.hpp"

#include <gtest/gtest.h>

namespace openinet::test {
namespace {

using namespace ftp_script;

TEST(FtpFaultsApiResponseInfo, CutTransferReadFailureShowsThe426) {
    std::string payload = pattern_bytes(0, 100000);
    ScriptedServer server;
    server.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::SendLine{"150 go"},
                                           step::DataScript{{step::DropAfter{payload, 30000}}}, step::AwaitData{},
                                           step::SendLine{"426 Connection closed; transfer aborted"},
                                           answer_until_close()}));
    InetHandle session(InternetOpenA("openinet-ftp-faults", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
    set_ftp_timeouts(session, 10000);
    InetHandle c(ftp_connect(session, server));
    ASSERT_TRUE(c) << GetLastError();
    InetHandle file(FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
    ASSERT_TRUE(file) << GetLastError();
    DWORD error = 0;
    // 4096-byte reads: the last one gets the tail (30000 % 4096 bytes) and the failure is
    // reported by the read after it.
    EXPECT_FALSE(read_all(file, 4096, &error));
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_NE(last_response_text().find("426 Connection closed"), std::string::npos) << last_response_text();
}

TEST(FtpFaultsApiResponseInfo, CutTransferReadFailureWithoutBytesShowsThe426) {
    ScriptedServer server;
    server.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::SendLine{"150 go"},
                                           step::DataScript{{step::Close{}}}, step::AwaitData{},
                                           step::SendLine{"426 Connection closed; transfer aborted"},
                                           answer_until_close()}));
    InetHandle session(InternetOpenA("openinet-ftp-faults", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
    set_ftp_timeouts(session, 10000);
    InetHandle c(ftp_connect(session, server));
    ASSERT_TRUE(c) << GetLastError();
    InetHandle file(FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
    ASSERT_TRUE(file) << GetLastError();
    DWORD error = 0;
    EXPECT_FALSE(read_all(file, 4096, &error));
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_NE(last_response_text().find("426 Connection closed"), std::string::npos) << last_response_text();
}

}  // namespace
}  // namespace openinet::test
