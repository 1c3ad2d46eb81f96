// The WinInet FTP API against real daemons: login, directory commands, current directory,
// FtpCommand, listings (FtpFindFirstFile / InternetFindNextFile), the one-transfer rule and
// InternetGetLastResponseInfo.
#include "ftp_api_helpers.hpp"

#include <algorithm>
#include <cwchar>
#include <map>

namespace openinet::test {
namespace {

class FtpApi : public FtpApiFixture {};

TEST_P(FtpApi, LoginAndHandleType) {
    InetHandle c(connect());
    ASSERT_TRUE(c);
    DWORD type = 0, size = sizeof type;
    ASSERT_TRUE(InternetQueryOptionA(c, INTERNET_OPTION_HANDLE_TYPE, &type, &size));
    EXPECT_EQ(type, static_cast<DWORD>(INTERNET_HANDLE_TYPE_CONNECT_FTP));
    EXPECT_EQ(GetLastError(), 0u);
}

TEST_P(FtpApi, BadPasswordIsLoginFailure) {
    const bool vsftpd = GetParam().daemon == FtpDaemon::vsftpd;
    // pure-ftpd answers a wrong password after a pause of seconds: once is enough.
    if (!vsftpd && !GetParam().passive) GTEST_SKIP() << "covered by the passive run";
    // vsftpd takes anonymous logins only: any other user is refused.
    HINTERNET h = InternetConnectA(session_, "127.0.0.1", server_->port(), vsftpd ? "openinet" : "user",
                                   "wrong-password", INTERNET_SERVICE_FTP, connect_flags(), 0);
    EXPECT_EQ(h, nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_LOGIN_FAILURE));
    EXPECT_NE(last_response_text().find("530"), std::string::npos) << last_response_text();
}

TEST_P(FtpApi, ConnectArgumentRules) {
    // A password without a user is refused before any traffic.
    EXPECT_EQ(InternetConnectA(session_, "127.0.0.1", server_->port(), nullptr, "secret", INTERNET_SERVICE_FTP,
                               connect_flags(), 0),
              nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(InternetConnectA(session_, "127.0.0.1", server_->port(), "", "secret", INTERNET_SERVICE_FTP,
                               connect_flags(), 0),
              nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    if (GetParam().daemon == FtpDaemon::vsftpd) {
        // NULL user and password: anonymous with WinInet's default password.
        InetHandle anonymous(InternetConnectA(session_, "127.0.0.1", server_->port(), nullptr, nullptr,
                                              INTERNET_SERVICE_FTP, connect_flags(), 0));
        EXPECT_TRUE(anonymous) << GetLastError();
    }
    // Nobody listening: the connect error, no handle.
    EXPECT_EQ(InternetConnectA(session_, "127.0.0.1", 1, nullptr, nullptr, INTERNET_SERVICE_FTP, connect_flags(), 0),
              nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_CANNOT_CONNECT));
}

TEST_P(FtpApi, CurrentDirectoryBufferRules) {
    InetHandle c(connect());
    ASSERT_TRUE(c);
    const std::string dir = server_->writable_dir();
    char buffer[MAX_PATH];
    DWORD length = sizeof buffer;
    ASSERT_TRUE(FtpGetCurrentDirectoryA(c, buffer, &length)) << GetLastError();
    EXPECT_EQ(std::string(buffer), dir);
    EXPECT_EQ(length, dir.size());
    // Too small (no room for the terminator) and NULL: the size needed, terminator included.
    length = static_cast<DWORD>(dir.size());
    EXPECT_FALSE(FtpGetCurrentDirectoryA(c, buffer, &length));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(length, dir.size() + 1);
    length = 0;
    EXPECT_FALSE(FtpGetCurrentDirectoryA(c, nullptr, &length));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(length, dir.size() + 1);
    EXPECT_FALSE(FtpGetCurrentDirectoryA(c, buffer, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_FALSE(FtpGetCurrentDirectoryA(nullptr, buffer, &length));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    EXPECT_FALSE(FtpGetCurrentDirectoryA(session_, buffer, &length));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INCORRECT_HANDLE_TYPE));
    // W: lengths in characters.
    wchar_t wide[MAX_PATH];
    length = MAX_PATH;
    ASSERT_TRUE(FtpGetCurrentDirectoryW(c, wide, &length));
    EXPECT_EQ(std::wstring(wide), std::wstring(dir.begin(), dir.end()));
    EXPECT_EQ(length, dir.size());
}

TEST_P(FtpApi, DirectoryCommands) {
    InetHandle c(connect());
    ASSERT_TRUE(c);
    const std::string dir = name("dir");
    ASSERT_TRUE(FtpCreateDirectoryA(c, dir.c_str())) << GetLastError() << last_response_text();
    EXPECT_TRUE(std::filesystem::is_directory(on_server("dir")));
    ASSERT_TRUE(FtpSetCurrentDirectoryA(c, dir.c_str()));
    char buffer[MAX_PATH];
    DWORD length = sizeof buffer;
    ASSERT_TRUE(FtpGetCurrentDirectoryA(c, buffer, &length));
    EXPECT_EQ(std::string(buffer), remote("dir"));
    ASSERT_TRUE(FtpSetCurrentDirectoryA(c, server_->writable_dir().c_str()));
    // The W functions take the same paths.
    const std::wstring wide_dir(dir.begin(), dir.end());
    ASSERT_TRUE(FtpRemoveDirectoryW(c, wide_dir.c_str())) << GetLastError();
    EXPECT_FALSE(std::filesystem::exists(on_server("dir")));
    // A refusal: 12003 with the server's reply for InternetGetLastResponseInfo.
    EXPECT_FALSE(FtpRemoveDirectoryA(c, dir.c_str()));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    DWORD error = 0;
    char text[1024];
    length = sizeof text;
    ASSERT_TRUE(InternetGetLastResponseInfoA(&error, text, &length));
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_EQ(std::string(text, 3), "550");
    EXPECT_EQ(length, std::strlen(text));
    // W form, and the size probe.
    DWORD needed = 0;
    EXPECT_FALSE(InternetGetLastResponseInfoW(&error, nullptr, &needed));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(needed, length + 1);
    // Missing arguments; handle checks come first.
    EXPECT_FALSE(FtpCreateDirectoryA(c, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_FALSE(FtpCreateDirectoryA(session_, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INCORRECT_HANDLE_TYPE));
    EXPECT_FALSE(FtpSetCurrentDirectoryA(c, ("/no-such-dir-" + prefix_).c_str()));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
}

TEST_P(FtpApi, RenameAndDelete) {
    server_->add_file(name("old.txt"), "rename me");
    InetHandle c(connect());
    ASSERT_TRUE(c);
    ASSERT_TRUE(FtpRenameFileA(c, name("old.txt").c_str(), name("new.txt").c_str())) << last_response_text();
    EXPECT_FALSE(std::filesystem::exists(on_server("old.txt")));
    EXPECT_EQ(read_local(on_server("new.txt")), "rename me");
    EXPECT_FALSE(FtpRenameFileA(c, name("old.txt").c_str(), name("other.txt").c_str()));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_FALSE(FtpRenameFileA(c, nullptr, "x"));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    ASSERT_TRUE(FtpDeleteFileA(c, name("new.txt").c_str()));
    EXPECT_FALSE(std::filesystem::exists(on_server("new.txt")));
    EXPECT_FALSE(FtpDeleteFileA(c, name("new.txt").c_str()));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_NE(last_response_text().find("550"), std::string::npos);
}

TEST_P(FtpApi, CommandWithoutData) {
    InetHandle c(connect());
    ASSERT_TRUE(c);
    EXPECT_TRUE(FtpCommandA(c, FALSE, FTP_TRANSFER_TYPE_ASCII, "PWD", 0, nullptr)) << GetLastError();
    EXPECT_EQ(last_response_text().substr(0, 3), "257");
    EXPECT_TRUE(FtpCommandA(c, FALSE, FTP_TRANSFER_TYPE_ASCII, "NOOP\r\n", 0, nullptr));
    EXPECT_FALSE(FtpCommandA(c, FALSE, FTP_TRANSFER_TYPE_ASCII, "HELO", 0, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_EQ(last_response_text()[0], '5');
    EXPECT_FALSE(FtpCommandA(c, FALSE, FTP_TRANSFER_TYPE_ASCII, nullptr, 0, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_FALSE(FtpCommandA(c, FALSE, FTP_TRANSFER_TYPE_ASCII, "", 0, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_FALSE(FtpCommandW(c, TRUE, FTP_TRANSFER_TYPE_ASCII, L"NLST", 0, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    // The connection still works.
    EXPECT_TRUE(FtpCommandW(c, FALSE, FTP_TRANSFER_TYPE_BINARY, L"NOOP", 0, nullptr));
}

TEST_P(FtpApi, CommandWithDataHandle) {
    server_->add_file(name("cmd/one.txt"), "1");
    server_->add_file(name("cmd/two.txt"), "22");
    InetHandle c(connect());
    ASSERT_TRUE(c);
    HINTERNET data = nullptr;
    ASSERT_TRUE(FtpCommandA(c, TRUE, FTP_TRANSFER_TYPE_ASCII, ("NLST " + name("cmd")).c_str(), 0, &data))
        << GetLastError() << last_response_text();
    InetHandle guard(data);
    ASSERT_NE(data, nullptr);
    DWORD type = 0, size = sizeof type;
    ASSERT_TRUE(InternetQueryOptionA(data, INTERNET_OPTION_HANDLE_TYPE, &type, &size));
    EXPECT_EQ(type, static_cast<DWORD>(INTERNET_HANDLE_TYPE_FTP_FILE));
    // While the data handle is open, the connection takes no other command.
    EXPECT_FALSE(FtpCommandA(c, FALSE, FTP_TRANSFER_TYPE_ASCII, "NOOP", 0, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_FTP_TRANSFER_IN_PROGRESS));
    DWORD error = 0;
    auto listing = read_all(data, 7, &error);
    ASSERT_TRUE(listing) << error;
    EXPECT_NE(listing->find("one.txt"), std::string::npos) << *listing;
    EXPECT_NE(listing->find("two.txt"), std::string::npos) << *listing;
    guard.reset();
    EXPECT_TRUE(FtpCommandA(c, FALSE, FTP_TRANSFER_TYPE_ASCII, "NOOP", 0, nullptr)) << GetLastError();
}

TEST_P(FtpApi, FindFilesNamesSizesTimesAttributes) {
    const std::string dir = name("find");
    server_->add_file(dir + "/a.txt", "hello");
    server_->add_file(dir + "/b.bin", std::string(70000, 'b'));
    std::filesystem::create_directory(on_server("find") / "sub");
    // 2024-03-05 10:20:30 UTC: old enough for LIST's year form.
    server_->set_mtime(remote("find") + "/a.txt", 1709634030);
    InetHandle c(connect());
    ASSERT_TRUE(c);
    ASSERT_TRUE(FtpSetCurrentDirectoryA(c, dir.c_str()));
    WIN32_FIND_DATAA data{};
    InetHandle find(FtpFindFirstFileA(c, nullptr, &data, 0, 0));
    ASSERT_TRUE(find) << GetLastError() << last_response_text();
    DWORD type = 0, size = sizeof type;
    ASSERT_TRUE(InternetQueryOptionA(find, INTERNET_OPTION_HANDLE_TYPE, &type, &size));
    EXPECT_EQ(type, static_cast<DWORD>(INTERNET_HANDLE_TYPE_FTP_FIND));
    std::map<std::string, WIN32_FIND_DATAA> found;
    found[data.cFileName] = data;
    for (int guard = 0; guard < 100; ++guard) {
        WIN32_FIND_DATAA next{};
        if (!InternetFindNextFileA(find, &next)) {
            EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NO_MORE_FILES));
            break;
        }
        found[next.cFileName] = next;
    }
    // Still at the end.
    WIN32_FIND_DATAA more{};
    EXPECT_FALSE(InternetFindNextFileA(find, &more));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NO_MORE_FILES));
    ASSERT_EQ(found.size(), 3u);
    EXPECT_EQ(found["a.txt"].nFileSizeLow, 5u);
    EXPECT_FALSE(found["a.txt"].dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY);
    EXPECT_EQ(found["b.bin"].nFileSizeLow, 70000u);
    EXPECT_TRUE(found["sub"].dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY);
    // FILETIME of 2024-03-05 (the day is all LIST tells; MLSD gives the second).
    const std::uint64_t filetime = (static_cast<std::uint64_t>(found["a.txt"].ftLastWriteTime.dwHighDateTime) << 32) |
                                   found["a.txt"].ftLastWriteTime.dwLowDateTime;
    const std::uint64_t expected = (1709634030ull + 11644473600ull) * 10000000ull;
    if (GetParam().daemon == FtpDaemon::pure_ftpd) EXPECT_EQ(filetime, expected);
    else EXPECT_EQ(filetime / (86400ull * 10000000ull), expected / (86400ull * 10000000ull));

    // While the find handle is open: ERROR_FTP_TRANSFER_IN_PROGRESS for the connection.
    EXPECT_FALSE(FtpCreateDirectoryA(c, "x"));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_FTP_TRANSFER_IN_PROGRESS));
    WIN32_FIND_DATAA second{};
    EXPECT_EQ(FtpFindFirstFileA(c, "*", &second, 0, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_FTP_TRANSFER_IN_PROGRESS));
    find.reset();

    // Patterns are matched on our side: the same answer from MLSD and LIST servers.
    WIN32_FIND_DATAW wide{};
    InetHandle txt(FtpFindFirstFileW(c, L"*.txt", &wide, 0, 0));
    ASSERT_TRUE(txt) << GetLastError();
    EXPECT_EQ(std::wstring(wide.cFileName), L"a.txt");
    EXPECT_FALSE(InternetFindNextFileW(txt, &wide));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NO_MORE_FILES));
    txt.reset();
    // One file by name, from another directory.
    InetHandle one(FtpFindFirstFileA(c, (remote("find") + "/b.bin").c_str(), &data, 0, 0));
    ASSERT_TRUE(one) << GetLastError();
    EXPECT_STREQ(data.cFileName, "b.bin");
    one.reset();
    // Nothing matches: no handle, ERROR_NO_MORE_FILES.
    EXPECT_EQ(FtpFindFirstFileA(c, "nothing*", &data, 0, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NO_MORE_FILES));
    // The connection is free again.
    EXPECT_TRUE(FtpSetCurrentDirectoryA(c, server_->writable_dir().c_str())) << GetLastError();
}

TEST_P(FtpApi, EmptyDirectoryHasNoFirstFile) {
    std::filesystem::create_directory(on_server("empty"));
    InetHandle c(connect());
    ASSERT_TRUE(c);
    WIN32_FIND_DATAA data{};
    EXPECT_EQ(FtpFindFirstFileA(c, (name("empty") + "/").c_str(), &data, 0, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NO_MORE_FILES));
    EXPECT_EQ(FtpFindFirstFileA(c, "*/x", &data, 0, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(FtpFindFirstFileA(session_, "*", &data, 0, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INCORRECT_HANDLE_TYPE));
}

TEST_P(FtpApi, ClosingTheConnectionClosesTheFindHandle) {
    server_->add_file(name("c.txt"), "c");
    InetHandle c(connect());
    ASSERT_TRUE(c);
    WIN32_FIND_DATAA data{};
    HINTERNET find = FtpFindFirstFileA(c, "*", &data, 0, 0);
    ASSERT_NE(find, nullptr);
    c.reset();
    WIN32_FIND_DATAA next{};
    EXPECT_FALSE(InternetFindNextFileA(find, &next));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
}

TEST(FtpApiUrl, CrackFtpUrl) {
    char host[64], user[64], password[64], path[256];
    URL_COMPONENTSA parts{};
    parts.dwStructSize = sizeof parts;
    parts.lpszHostName = host;
    parts.dwHostNameLength = sizeof host;
    parts.lpszUserName = user;
    parts.dwUserNameLength = sizeof user;
    parts.lpszPassword = password;
    parts.dwPasswordLength = sizeof password;
    parts.lpszUrlPath = path;
    parts.dwUrlPathLength = sizeof path;
    ASSERT_TRUE(InternetCrackUrlA("ftp://user:pa%20ss@127.0.0.1:2121/pub/file.bin;type=i", 0, ICU_DECODE, &parts));
    EXPECT_EQ(parts.nScheme, INTERNET_SCHEME_FTP);
    EXPECT_STREQ(host, "127.0.0.1");
    EXPECT_EQ(parts.nPort, 2121);
    EXPECT_STREQ(user, "user");
    EXPECT_STREQ(password, "pa ss");
    EXPECT_STREQ(path, "/pub/file.bin;type=i");
    parts.dwHostNameLength = sizeof host;
    parts.dwUserNameLength = sizeof user;
    parts.dwPasswordLength = sizeof password;
    parts.dwUrlPathLength = sizeof path;
    ASSERT_TRUE(InternetCrackUrlA("ftp://127.0.0.1/", 0, 0, &parts));
    EXPECT_EQ(parts.nPort, INTERNET_DEFAULT_FTP_PORT);
}

INSTANTIATE_TEST_SUITE_P(FtpApi, FtpApi, ::testing::ValuesIn(kFtpApiConfigs),
                         [](const auto& info) { return ftp_config_name(info.param); });

}  // namespace
}  // namespace openinet::test
