// FTP transfers through the WinInet API against real daemons: FtpGetFile / FtpPutFile,
// FtpOpenFile streaming, resume with REST, FtpGetFileSize, the one-transfer rule, early close,
// FTPS, InternetOpenUrl("ftp://…"), a large download and an asynchronous get.
#include "ftp_api_helpers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <atomic>
#include <cstdlib>
#include <thread>

namespace openinet::test {
namespace {

std::string sha256(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

class FtpApiTransfer : public FtpApiFixture {};

TEST_P(FtpApiTransfer, GetAndPutRoundTripBinaryAndText) {
    const std::string binary = pattern_bytes(0, 300000);
    // Text with CRLF line ends, as a WinInet program on Windows has it.
    std::string text;
    for (char ch : text_bytes(0, 100000)) {
        if (ch == '\n') text += '\r';
        text += ch;
    }
    write_local(local("up.bin"), binary);
    write_local(local("up.txt"), text);
    InetHandle c(connect());
    ASSERT_TRUE(c);
    ASSERT_TRUE(FtpPutFileA(c, local("up.bin").c_str(), name("up.bin").c_str(), FTP_TRANSFER_TYPE_BINARY, 0))
        << GetLastError() << last_response_text();
    ASSERT_TRUE(FtpPutFileA(c, local("up.txt").c_str(), name("up.txt").c_str(), FTP_TRANSFER_TYPE_ASCII, 0))
        << GetLastError() << last_response_text();
    EXPECT_EQ(sha256(read_local(on_server("up.bin"))), sha256(binary));
    // ASCII mode moves the bytes unchanged, as WinInet does (Windows text already has CRLF line
    // ends, the wire form): some servers store LF (pure-ftpd) and send CRLF again.
    EXPECT_TRUE(read_local(on_server("up.txt")).starts_with(text.substr(0, text.find('\r'))));
    ASSERT_TRUE(FtpGetFileA(c, name("up.bin").c_str(), local("down.bin").c_str(), FALSE, FILE_ATTRIBUTE_NORMAL,
                            FTP_TRANSFER_TYPE_UNKNOWN, 0))
        << GetLastError() << last_response_text();
    ASSERT_TRUE(FtpGetFileW(c, std::filesystem::path(name("up.txt")).wstring().c_str(), local("down.txt").wstring().c_str(),
                            FALSE, FILE_ATTRIBUTE_NORMAL, FTP_TRANSFER_TYPE_ASCII, 0))
        << GetLastError() << last_response_text();
    EXPECT_EQ(sha256(read_local(local("down.bin"))), sha256(binary));
    EXPECT_EQ(sha256(read_local(local("down.txt"))), sha256(text));
    // Nothing but the target is left beside it.
    std::size_t entries = 0;
    for (const auto& e : std::filesystem::directory_iterator(scratch_.path()))
        if (e.path().filename().string().rfind(prefix_, 0) == 0) ++entries;
    EXPECT_EQ(entries, 4u);
}

// Windows 8's FtpGetFileEx / FtpPutFileEx: a narrow remote name, a wide local one (here with
// characters outside ASCII, converted to UTF-8 for the file system).
TEST_P(FtpApiTransfer, GetAndPutFileExTakeWideLocalNames) {
    const std::string binary = pattern_bytes(7, 200000);
    // Built by hand: std::filesystem converts through the C locale, which has no UTF-8.
    auto widened = [](const std::string& ascii, const std::wstring& tail) {
        return std::wstring(ascii.begin(), ascii.end()) + tail;
    };
    const std::wstring local_up = widened(local("up").string(), L"-\u00e9\u4e2d.bin");
    const std::wstring local_down = widened(local("down").string(), L"-\u00e9\u4e2d.bin");
    const std::string local_down_utf8 = local("down").string() + "-\u00e9\u4e2d.bin";
    write_local(local("up").string() + "-\u00e9\u4e2d.bin", binary);
    InetHandle c(connect());
    ASSERT_TRUE(c);
    ASSERT_TRUE(FtpPutFileEx(c, local_up.c_str(), name("ex.bin").c_str(), FTP_TRANSFER_TYPE_BINARY, 0))
        << GetLastError() << last_response_text();
    EXPECT_EQ(sha256(read_local(on_server("ex.bin"))), sha256(binary));
    ASSERT_TRUE(FtpGetFileEx(c, name("ex.bin").c_str(), local_down.c_str(), TRUE, FILE_ATTRIBUTE_NORMAL,
                             FTP_TRANSFER_TYPE_BINARY, 0))
        << GetLastError() << last_response_text();
    EXPECT_EQ(sha256(read_local(local_down_utf8)), sha256(binary));
    // The same rules as FtpGetFile: fFailIfExists, bad arguments.
    EXPECT_FALSE(FtpGetFileEx(c, name("ex.bin").c_str(), local_down.c_str(), TRUE, 0, 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_FILE_EXISTS));
    EXPECT_FALSE(FtpGetFileEx(c, name("ex.bin").c_str(), nullptr, FALSE, 0, 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_FALSE(FtpPutFileEx(c, widened(local("absent").string(), L"").c_str(), name("absent").c_str(), 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_FILE_NOT_FOUND));
}

// dwFlagsAndAttributes: FILE_ATTRIBUTE_READONLY gives a file nobody may write; NORMAL does not.
TEST_P(FtpApiTransfer, GetFileReadOnlyAttributeLeavesNoWritePermission) {
    server_->add_file(name("ro.bin"), "read only");
    InetHandle c(connect());
    ASSERT_TRUE(c);
    ASSERT_TRUE(FtpGetFileA(c, name("ro.bin").c_str(), local("ro").c_str(), FALSE, FILE_ATTRIBUTE_READONLY,
                            FTP_TRANSFER_TYPE_BINARY, 0))
        << GetLastError() << last_response_text();
    ASSERT_TRUE(FtpGetFileA(c, name("ro.bin").c_str(), local("rw").c_str(), FALSE, FILE_ATTRIBUTE_NORMAL,
                            FTP_TRANSFER_TYPE_BINARY, 0))
        << GetLastError() << last_response_text();
    EXPECT_EQ(read_local(local("ro")), "read only");
    using std::filesystem::perms;
    const auto read_only = std::filesystem::status(local("ro")).permissions();
    EXPECT_EQ(read_only & (perms::owner_write | perms::group_write | perms::others_write), perms::none);
    EXPECT_NE(read_only & perms::owner_read, perms::none);
    EXPECT_NE(std::filesystem::status(local("rw")).permissions() & perms::owner_write, perms::none);
}

TEST_P(FtpApiTransfer, GetFileFailIfExistsAndFailureLeavesNothing) {
    server_->add_file(name("f.bin"), "content");
    write_local(local("exists"), "mine");
    InetHandle c(connect());
    ASSERT_TRUE(c);
    EXPECT_FALSE(FtpGetFileA(c, name("f.bin").c_str(), local("exists").c_str(), TRUE, 0, 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_FILE_EXISTS));
    EXPECT_EQ(read_local(local("exists")), "mine");
    // A missing remote file: 12003, and neither the target nor a temporary is left.
    EXPECT_FALSE(FtpGetFileA(c, name("missing").c_str(), local("new").c_str(), FALSE, 0, 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_NE(last_response_text().find("550"), std::string::npos) << last_response_text();
    for (const auto& e : std::filesystem::directory_iterator(scratch_.path()))
        EXPECT_EQ(e.path().filename(), name("exists")) << e.path();
    // Without fFailIfExists the file is replaced.
    ASSERT_TRUE(FtpGetFileA(c, name("f.bin").c_str(), local("exists").c_str(), FALSE, 0, 0, 0));
    EXPECT_EQ(read_local(local("exists")), "content");
    EXPECT_FALSE(FtpGetFileA(c, nullptr, local("x").c_str(), FALSE, 0, 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST_P(FtpApiTransfer, PutFileMissingLocalFile) {
    InetHandle c(connect());
    ASSERT_TRUE(c);
    EXPECT_FALSE(FtpPutFileA(c, local("absent").c_str(), name("absent").c_str(), 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_FILE_NOT_FOUND));
    EXPECT_FALSE(FtpPutFileA(session_, local("absent").c_str(), name("absent").c_str(), 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INCORRECT_HANDLE_TYPE));
}

TEST_P(FtpApiTransfer, OpenFileStreamsBothWays) {
    const std::string content = pattern_bytes(0, 1000003);
    InetHandle c(connect());
    ASSERT_TRUE(c);
    HINTERNET up = FtpOpenFileA(c, name("stream.bin").c_str(), GENERIC_WRITE, FTP_TRANSFER_TYPE_BINARY, 0);
    ASSERT_NE(up, nullptr) << GetLastError() << last_response_text();
    for (std::size_t at = 0; at < content.size();) {
        DWORD piece = static_cast<DWORD>(std::min<std::size_t>(40000, content.size() - at)), written = 0;
        ASSERT_TRUE(InternetWriteFile(up, content.data() + at, piece, &written)) << GetLastError();
        ASSERT_EQ(written, piece);
        at += written;
    }
    DWORD high = 1;
    EXPECT_EQ(FtpGetFileSize(up, &high), content.size());
    // Closing the upload handle waits for the server's confirmation.
    ASSERT_TRUE(InternetCloseHandle(up)) << GetLastError() << last_response_text();
    EXPECT_EQ(sha256(read_local(on_server("stream.bin"))), sha256(content));

    InetHandle down(FtpOpenFileA(c, name("stream.bin").c_str(), GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
    ASSERT_TRUE(down) << GetLastError();
    DWORD type = 0, size = sizeof type;
    ASSERT_TRUE(InternetQueryOptionA(down, INTERNET_OPTION_HANDLE_TYPE, &type, &size));
    EXPECT_EQ(type, static_cast<DWORD>(INTERNET_HANDLE_TYPE_FTP_FILE));
    high = 1;
    EXPECT_EQ(FtpGetFileSize(down, &high), content.size());
    EXPECT_EQ(high, 0u);
    DWORD available = 0;
    ASSERT_TRUE(InternetQueryDataAvailable(down, &available, 0, 0));
    EXPECT_GT(available, 0u);
    // Odd-sized reads across the read-ahead of InternetQueryDataAvailable.
    DWORD error = 0;
    auto received = read_all(down, 12345, &error);
    ASSERT_TRUE(received) << error;
    EXPECT_EQ(sha256(*received), sha256(content));
    // At the end: more reads give 0 bytes.
    char byte;
    DWORD got = 1;
    EXPECT_TRUE(InternetReadFile(down, &byte, 1, &got));
    EXPECT_EQ(got, 0u);
    ASSERT_TRUE(InternetQueryDataAvailable(down, &available, 0, 0));
    EXPECT_EQ(available, 0u);
    // Wrong direction.
    EXPECT_FALSE(InternetWriteFile(down, "x", 1, &got));
    down.reset();
    // The connection is usable again.
    EXPECT_TRUE(FtpDeleteFileA(c, name("stream.bin").c_str())) << GetLastError();
}

TEST_P(FtpApiTransfer, OpenFileArgumentRules) {
    server_->add_file(name("a.bin"), "a");
    InetHandle c(connect());
    ASSERT_TRUE(c);
    EXPECT_EQ(FtpOpenFileA(c, nullptr, GENERIC_READ, 0, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(FtpOpenFileA(c, name("a.bin").c_str(), 0, 0, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(FtpOpenFileA(c, name("a.bin").c_str(), GENERIC_READ | GENERIC_WRITE, 0, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(FtpOpenFileA(session_, name("a.bin").c_str(), GENERIC_READ, 0, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INCORRECT_HANDLE_TYPE));
    EXPECT_EQ(FtpOpenFileA(c, name("none.bin").c_str(), GENERIC_READ, 0, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    // A failed open leaves the connection free.
    InetHandle ok(FtpOpenFileA(c, name("a.bin").c_str(), GENERIC_READ, 0, 0));
    EXPECT_TRUE(ok) << GetLastError();
}

TEST_P(FtpApiTransfer, OneTransferPerConnection) {
    server_->add_file(name("busy.bin"), pattern_bytes(0, 2000000));
    write_local(local("put"), "x");
    InetHandle c(connect());
    ASSERT_TRUE(c);
    InetHandle file(FtpOpenFileA(c, name("busy.bin").c_str(), GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
    ASSERT_TRUE(file) << GetLastError();
    const DWORD busy = ERROR_FTP_TRANSFER_IN_PROGRESS;
    EXPECT_FALSE(FtpCreateDirectoryA(c, "x"));
    EXPECT_EQ(GetLastError(), busy);
    EXPECT_FALSE(FtpDeleteFileA(c, "x"));
    EXPECT_EQ(GetLastError(), busy);
    EXPECT_FALSE(FtpRenameFileA(c, "x", "y"));
    EXPECT_EQ(GetLastError(), busy);
    EXPECT_FALSE(FtpSetCurrentDirectoryA(c, "/"));
    EXPECT_EQ(GetLastError(), busy);
    char dir[MAX_PATH];
    DWORD length = sizeof dir;
    EXPECT_FALSE(FtpGetCurrentDirectoryA(c, dir, &length));
    EXPECT_EQ(GetLastError(), busy);
    EXPECT_FALSE(FtpGetFileA(c, name("busy.bin").c_str(), local("get").c_str(), FALSE, 0, 0, 0));
    EXPECT_EQ(GetLastError(), busy);
    EXPECT_FALSE(std::filesystem::exists(local("get")));
    EXPECT_FALSE(FtpPutFileA(c, local("put").c_str(), name("put").c_str(), 0, 0));
    EXPECT_EQ(GetLastError(), busy);
    EXPECT_EQ(FtpOpenFileA(c, name("busy.bin").c_str(), GENERIC_READ, 0, 0), nullptr);
    EXPECT_EQ(GetLastError(), busy);
    WIN32_FIND_DATAA data;
    EXPECT_EQ(FtpFindFirstFileA(c, "*", &data, 0, 0), nullptr);
    EXPECT_EQ(GetLastError(), busy);
    // Read a little, then close early: the download is aborted and the connection works.
    char buffer[1000];
    DWORD got = 0;
    ASSERT_TRUE(InternetReadFile(file, buffer, sizeof buffer, &got));
    EXPECT_EQ(got, sizeof buffer);
    EXPECT_FALSE(first_pattern_mismatch(0, std::string_view(buffer, got)));
    file.reset();
    length = sizeof dir;
    ASSERT_TRUE(FtpGetCurrentDirectoryA(c, dir, &length)) << GetLastError() << last_response_text();
    EXPECT_EQ(std::string(dir), server_->writable_dir());
    // And the same file again, whole.
    ASSERT_TRUE(FtpGetFileA(c, name("busy.bin").c_str(), local("get").c_str(), FALSE, 0, 0, 0)) << GetLastError();
    EXPECT_EQ(std::filesystem::file_size(local("get")), 2000000u);
}

TEST_P(FtpApiTransfer, ResumeWithRestCommand) {
    const std::string content = pattern_bytes(0, 500000);
    server_->add_file(name("resume.bin"), content);
    InetHandle c(connect());
    ASSERT_TRUE(c);
    // The WinInet idiom: REST through FtpCommand right before the download.
    ASSERT_TRUE(FtpCommandA(c, FALSE, FTP_TRANSFER_TYPE_BINARY, "REST 123456", 0, nullptr))
        << GetLastError() << last_response_text();
    EXPECT_EQ(last_response_text().substr(0, 3), "350");
    InetHandle file(FtpOpenFileA(c, name("resume.bin").c_str(), GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
    ASSERT_TRUE(file) << GetLastError() << last_response_text();
    DWORD error = 0;
    auto rest = read_all(file, 65536, &error);
    ASSERT_TRUE(rest) << error;
    EXPECT_EQ(rest->size(), content.size() - 123456);
    EXPECT_FALSE(first_pattern_mismatch(123456, *rest));
    file.reset();
    // The offset is used once: the next download starts at 0.
    ASSERT_TRUE(FtpGetFileA(c, name("resume.bin").c_str(), local("whole").c_str(), FALSE, 0, 0, 0));
    EXPECT_EQ(std::filesystem::file_size(local("whole")), content.size());
    // FtpGetFile after REST writes the rest of the file.
    ASSERT_TRUE(FtpCommandA(c, FALSE, FTP_TRANSFER_TYPE_BINARY, "REST 400000", 0, nullptr));
    ASSERT_TRUE(FtpGetFileA(c, name("resume.bin").c_str(), local("tail").c_str(), FALSE, 0, 0, 0));
    EXPECT_EQ(read_local(local("tail")), content.substr(400000));
    // InternetSetFilePointer before the first read restarts the transfer at the offset.
    InetHandle seek(FtpOpenFileA(c, name("resume.bin").c_str(), GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
    ASSERT_TRUE(seek);
    EXPECT_EQ(InternetSetFilePointer(seek, 250000, nullptr, FILE_BEGIN, 0), 250000u) << GetLastError();
    auto tail = read_all(seek, 65536, &error);
    ASSERT_TRUE(tail) << error;
    EXPECT_EQ(tail->size(), content.size() - 250000);
    EXPECT_FALSE(first_pattern_mismatch(250000, *tail));
    EXPECT_EQ(InternetSetFilePointer(seek, 0, nullptr, FILE_BEGIN, 0), INVALID_SET_FILE_POINTER);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INVALID_OPERATION));
}

TEST_P(FtpApiTransfer, OpenUrlReadsFile) {
    const std::string content = pattern_bytes(0, 200000);
    server_->add_file(name("url.bin"), content);
    std::string credentials = GetParam().daemon == FtpDaemon::vsftpd ? "" : server_->login_user() + ":" +
                                                                                server_->login_password() + "@";
    const std::string url = "ftp://" + credentials + "127.0.0.1:" + std::to_string(server_->port()) + remote("url.bin");
    const DWORD flags = (GetParam().passive ? INTERNET_FLAG_PASSIVE : 0);
    InetHandle file(InternetOpenUrlA(session_, url.c_str(), nullptr, 0, flags, 0));
    ASSERT_TRUE(file) << GetLastError() << last_response_text();
    DWORD type = 0, size = sizeof type;
    ASSERT_TRUE(InternetQueryOptionA(file, INTERNET_OPTION_HANDLE_TYPE, &type, &size));
    EXPECT_EQ(type, static_cast<DWORD>(INTERNET_HANDLE_TYPE_FTP_FILE));
    DWORD error = 0;
    auto received = read_all(file, 65536, &error);
    ASSERT_TRUE(received) << error;
    EXPECT_EQ(sha256(*received), sha256(content));
    file.reset();
    // A missing file: no handle, 12003.
    EXPECT_EQ(InternetOpenUrlA(session_, (url + ".missing").c_str(), nullptr, 0, flags, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    // A directory URL: its entries through InternetFindNextFile.
    server_->add_file(name("urldir/x.txt"), "x");
    const std::string dir_url =
        "ftp://" + credentials + "127.0.0.1:" + std::to_string(server_->port()) + remote("urldir") + "/";
    InetHandle dir(InternetOpenUrlA(session_, dir_url.c_str(), nullptr, 0, flags | INTERNET_FLAG_RAW_DATA, 0));
    ASSERT_TRUE(dir) << GetLastError();
    WIN32_FIND_DATAA data{};
    ASSERT_TRUE(InternetFindNextFileA(dir, &data)) << GetLastError();
    EXPECT_STREQ(data.cFileName, "x.txt");
    EXPECT_FALSE(InternetFindNextFileA(dir, &data));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NO_MORE_FILES));
}

// A large file read in a loop must not make the process grow: the data connection fills the
// caller's buffer. Size: OPENINET_LARGE_DOWNLOAD_MIB (default 1024; 64 under sanitizers).
TEST_P(FtpApiTransfer, LargeDownloadKeepsMemoryFlat) {
    if (!GetParam().passive || GetParam().daemon != FtpDaemon::vsftpd) GTEST_SKIP() << "one configuration is enough";
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    std::uint64_t mib = 64;
#else
    std::uint64_t mib = 1024;
#endif
    if (const char* env = std::getenv("OPENINET_LARGE_DOWNLOAD_MIB")) mib = std::strtoull(env, nullptr, 10);
    const std::uint64_t size = mib * 1024 * 1024;
    const std::string path = server_->add_pattern_file(name("large.bin"), size);
    InetHandle c(connect());
    ASSERT_TRUE(c);
    InetHandle file(FtpOpenFileA(c, path.c_str(), GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
    ASSERT_TRUE(file) << GetLastError();
    std::vector<char> buffer(256 * 1024);
    std::uint64_t total = 0;
    long rss_start = -1;
    bool content_ok = true;
    for (std::uint64_t guard = 0; guard < size; ++guard) {
        DWORD got = 0;
        ASSERT_TRUE(InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &got)) << GetLastError();
        if (got == 0) break;
        if (total % (64 * 1024 * 1024) < buffer.size() &&
            first_pattern_mismatch(total, std::string_view(buffer.data(), got)))
            content_ok = false;
        total += got;
        if (rss_start < 0 && total >= 8 * 1024 * 1024) rss_start = resident_kib();
    }
    const long rss_end = resident_kib();
    EXPECT_EQ(total, size);
    EXPECT_TRUE(content_ok);
    ASSERT_GT(rss_start, 0);
    EXPECT_LT(rss_end - rss_start, 16 * 1024) << "RSS grew from " << rss_start << " KiB to " << rss_end << " KiB";
    file.reset();
    std::filesystem::remove(server_->local_path(path));
}

INSTANTIATE_TEST_SUITE_P(FtpApiTransfer, FtpApiTransfer, ::testing::ValuesIn(kFtpApiConfigs),
                         [](const auto& info) { return ftp_config_name(info.param); });

// ---- FTPS (INTERNET_FLAG_SECURE on InternetConnect: explicit TLS) --------------------------

class FtpApiTls : public FtpApiFixture {};

TEST_P(FtpApiTls, SecureTransfersAndCertificateChecks) {
    const std::string content = pattern_bytes(0, 150000);
    write_local(local("tls.bin"), content);
    InetHandle c(connect());
    ASSERT_TRUE(c);
    ASSERT_TRUE(FtpPutFileA(c, local("tls.bin").c_str(), name("tls.bin").c_str(), FTP_TRANSFER_TYPE_BINARY, 0))
        << GetLastError() << last_response_text();
    ASSERT_TRUE(FtpGetFileA(c, name("tls.bin").c_str(), local("back.bin").c_str(), FALSE, 0, 0, 0)) << GetLastError();
    EXPECT_EQ(sha256(read_local(local("back.bin"))), sha256(content));
    c.reset();

    // Without the test CA in the trust store the certificate is rejected...
    net::set_extra_trust_file("");
    HINTERNET refused = InternetConnectA(session_, "127.0.0.1", server_->port(), server_->login_user().c_str(),
                                         server_->login_password().c_str(), INTERNET_SERVICE_FTP, connect_flags(), 0);
    EXPECT_EQ(refused, nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INVALID_CA));
    // ...unless the caller waives that check.
    DWORD waive = SECURITY_FLAG_IGNORE_UNKNOWN_CA;
    ASSERT_TRUE(InternetSetOptionA(session_, INTERNET_OPTION_SECURITY_FLAGS, &waive, sizeof waive));
    InetHandle waived(InternetConnectA(session_, "127.0.0.1", server_->port(), server_->login_user().c_str(),
                                       server_->login_password().c_str(), INTERNET_SERVICE_FTP, connect_flags(), 0));
    EXPECT_TRUE(waived) << GetLastError();
    if (waived) {
        EXPECT_TRUE(FtpSetCurrentDirectoryA(waived, server_->writable_dir().c_str()));
        WIN32_FIND_DATAA data{};
        InetHandle find(FtpFindFirstFileA(waived, name("tls.bin").c_str(), &data, 0, 0));
        EXPECT_TRUE(find) << GetLastError();
    }
    net::set_extra_trust_file(TestCa::instance().ca_cert().string());
}

const FtpApiConfig kTlsConfigs[] = {
    {FtpDaemon::vsftpd, true, true},
    {FtpDaemon::pure_ftpd, true, true},
};

INSTANTIATE_TEST_SUITE_P(FtpApiTls, FtpApiTls, ::testing::ValuesIn(kTlsConfigs),
                         [](const auto& info) { return ftp_config_name(info.param); });

// ---- asynchronous session -------------------------------------------------------------------

TEST(FtpApiAsync, GetWithCallbackSequence) {
    FtpServer& server = shared_ftp_server(FtpDaemon::pure_ftpd);
    server.add_file("async-get.bin", pattern_bytes(0, 100000));
    TempDir scratch("ftp-async");
    Recorder recorder;
    InetHandle session(InternetOpenA("openinet-ftp-async", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr,
                                     INTERNET_FLAG_ASYNC));
    ASSERT_TRUE(session);
    InternetSetStatusCallbackA(session, Recorder::callback);
    const DWORD_PTR context = 0x1234;
    HINTERNET pending = InternetConnectA(session, "127.0.0.1", server.port(), server.login_user().c_str(),
                                         server.login_password().c_str(), INTERNET_SERVICE_FTP,
                                         INTERNET_FLAG_PASSIVE, context);
    ASSERT_EQ(pending, nullptr);
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    auto connected = recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE);
    ASSERT_TRUE(connected);
    ASSERT_EQ(connected->error, 0u);
    HINTERNET c = reinterpret_cast<HINTERNET>(connected->result);
    ASSERT_NE(c, nullptr);
    auto statuses = recorder.statuses(c);
    ASSERT_FALSE(statuses.empty());
    EXPECT_EQ(statuses.front(), static_cast<DWORD>(INTERNET_STATUS_HANDLE_CREATED));
    EXPECT_EQ(statuses.back(), static_cast<DWORD>(INTERNET_STATUS_REQUEST_COMPLETE));
    auto has = [&](DWORD status) { return std::find(statuses.begin(), statuses.end(), status) != statuses.end(); };
    EXPECT_TRUE(has(INTERNET_STATUS_CONNECTING_TO_SERVER));
    EXPECT_TRUE(has(INTERNET_STATUS_CONNECTED_TO_SERVER));
    // The login's commands: USER, PASS, FEAT … each sent and answered.
    EXPECT_TRUE(has(INTERNET_STATUS_SENDING_REQUEST));
    EXPECT_TRUE(has(INTERNET_STATUS_REQUEST_SENT));
    EXPECT_TRUE(has(INTERNET_STATUS_RECEIVING_RESPONSE));
    EXPECT_TRUE(has(INTERNET_STATUS_RESPONSE_RECEIVED));
    const auto connected_at = std::find(statuses.begin(), statuses.end(), INTERNET_STATUS_CONNECTED_TO_SERVER);
    EXPECT_EQ(std::find(statuses.begin(), connected_at, INTERNET_STATUS_SENDING_REQUEST), connected_at);
    for (const auto& e : recorder.events()) EXPECT_EQ(e.context, context);

    recorder.clear();
    const auto target = scratch / "async-get.bin";
    EXPECT_FALSE(FtpGetFileA(c, "async-get.bin", target.c_str(), FALSE, 0, FTP_TRANSFER_TYPE_BINARY, 0x99));
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    auto got = recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, c);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->result, 1u);
    EXPECT_EQ(got->error, 0u);
    EXPECT_EQ(got->context, 0x99u);
    EXPECT_EQ(read_local(target), pattern_bytes(0, 100000));

    // A file handle: open pends, reads pend, closing sends HANDLE_CLOSING last.
    recorder.clear();
    EXPECT_EQ(FtpOpenFileA(c, "async-get.bin", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0x77), nullptr);
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    auto opened = recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE);
    ASSERT_TRUE(opened);
    ASSERT_EQ(opened->error, 0u);
    HINTERNET file = reinterpret_cast<HINTERNET>(opened->result);
    ASSERT_NE(file, nullptr);
    EXPECT_EQ(opened->handle, file);
    std::vector<char> buffer(100000);
    DWORD read = 0;
    if (!InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &read)) {
        ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
        auto done = recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, file, std::chrono::seconds(10), 2);
        ASSERT_TRUE(done);
        EXPECT_EQ(done->error, 0u);
    }
    EXPECT_EQ(read, buffer.size());
    EXPECT_FALSE(first_pattern_mismatch(0, std::string_view(buffer.data(), read)));
    ASSERT_TRUE(InternetCloseHandle(file));
    ASSERT_TRUE(recorder.wait_for(INTERNET_STATUS_HANDLE_CLOSING, file));
    auto file_statuses = recorder.statuses(file);
    EXPECT_EQ(file_statuses.front(), static_cast<DWORD>(INTERNET_STATUS_HANDLE_CREATED));
    EXPECT_EQ(file_statuses.back(), static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING));
    EXPECT_EQ(std::count(file_statuses.begin(), file_statuses.end(), INTERNET_STATUS_HANDLE_CLOSING), 1);

    ASSERT_TRUE(InternetCloseHandle(c));
    ASSERT_TRUE(recorder.wait_for(INTERNET_STATUS_HANDLE_CLOSING, c));
    EXPECT_EQ(recorder.statuses(c).back(), static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING));
}


TEST(FtpApiAsync, FindAndFailedOpenCloseTheirHandles) {
    FtpServer& server = shared_ftp_server(FtpDaemon::vsftpd);
    server.add_file("async-find/one.txt", "1");
    Recorder recorder;
    InetHandle session(InternetOpenA("openinet-ftp-async", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr,
                                     INTERNET_FLAG_ASYNC));
    InternetSetStatusCallbackA(session, Recorder::callback);
    ASSERT_EQ(InternetConnectA(session, "127.0.0.1", server.port(), nullptr, nullptr, INTERNET_SERVICE_FTP, 0, 3),
              nullptr);
    auto connected = recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE);
    ASSERT_TRUE(connected);
    ASSERT_EQ(connected->error, 0u);
    HINTERNET c = reinterpret_cast<HINTERNET>(connected->result);

    // FtpFindFirstFile pends; the first entry is written when REQUEST_COMPLETE says so.
    recorder.clear();
    WIN32_FIND_DATAA data{};
    ASSERT_EQ(FtpFindFirstFileA(c, "/pub/async-find/*", &data, 0, 4), nullptr);
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    auto found = recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE);
    ASSERT_TRUE(found);
    ASSERT_EQ(found->error, 0u);
    EXPECT_EQ(found->context, 4u);
    HINTERNET find = reinterpret_cast<HINTERNET>(found->result);
    EXPECT_EQ(found->handle, find);
    EXPECT_STREQ(data.cFileName, "one.txt");
    // InternetFindNextFile never waits: the listing is whole.
    EXPECT_FALSE(InternetFindNextFileA(find, &data));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NO_MORE_FILES));
    ASSERT_TRUE(InternetCloseHandle(find));
    ASSERT_TRUE(recorder.wait_for(INTERNET_STATUS_HANDLE_CLOSING, find));

    // A refused open: REQUEST_COMPLETE {0, 12003}, then the handle the caller never got closes.
    recorder.clear();
    ASSERT_EQ(FtpOpenFileA(c, "/pub/no-such-file", GENERIC_READ, 0, 5), nullptr);
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    auto refused = recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->result, 0u);
    EXPECT_EQ(refused->error, static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    HINTERNET failed = refused->handle;
    ASSERT_TRUE(recorder.wait_for(INTERNET_STATUS_HANDLE_CLOSING, failed));
    auto statuses = recorder.statuses(failed);
    ASSERT_GE(statuses.size(), 3u) << describe(statuses);
    EXPECT_EQ(statuses.front(), static_cast<DWORD>(INTERNET_STATUS_HANDLE_CREATED));
    EXPECT_EQ(statuses[statuses.size() - 2], static_cast<DWORD>(INTERNET_STATUS_REQUEST_COMPLETE));
    EXPECT_EQ(statuses.back(), static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING));
    // In between, the control connection's progress for the commands of the open (RETR …).
    for (std::size_t i = 1; i + 2 < statuses.size(); ++i) {
        EXPECT_TRUE(statuses[i] == INTERNET_STATUS_SENDING_REQUEST || statuses[i] == INTERNET_STATUS_REQUEST_SENT ||
                    statuses[i] == INTERNET_STATUS_RECEIVING_RESPONSE ||
                    statuses[i] == INTERNET_STATUS_RESPONSE_RECEIVED)
            << describe(statuses);
    }
    // The connection is free again: a command completes.
    recorder.clear();
    if (!FtpSetCurrentDirectoryA(c, "/pub")) {
        ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
        auto cwd = recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, c);
        ASSERT_TRUE(cwd);
        EXPECT_EQ(cwd->error, 0u) << cwd->error;
        EXPECT_EQ(cwd->result, 1u);
    }
    ASSERT_TRUE(InternetCloseHandle(c));
    ASSERT_TRUE(recorder.wait_for(INTERNET_STATUS_HANDLE_CLOSING, c));
}

TEST(FtpApiRead, ReadFileExNoWaitAndWideNames) {
    FtpServer& server = shared_ftp_server(FtpDaemon::pure_ftpd);
    const std::string content = pattern_bytes(0, 300000);
    server.add_file("read-ex.bin", content);
    InetHandle session(InternetOpenA("openinet-ftp-read", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
    const std::string user = server.login_user(), password = server.login_password();
    const std::wstring wide_user(user.begin(), user.end()), wide_password(password.begin(), password.end());
    InetHandle c(InternetConnectW(session, L"127.0.0.1", server.port(), wide_user.c_str(), wide_password.c_str(),
                                  INTERNET_SERVICE_FTP, INTERNET_FLAG_PASSIVE, 0));
    ASSERT_TRUE(c) << GetLastError();
    InetHandle file(FtpOpenFileW(c, L"read-ex.bin", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0));
    ASSERT_TRUE(file) << GetLastError();
    std::string received;
    std::vector<char> buffer(50000);
    for (int guard = 0; guard < 10000; ++guard) {
        INTERNET_BUFFERSA ex{};
        ex.dwStructSize = sizeof ex;
        ex.lpvBuffer = buffer.data();
        ex.dwBufferLength = static_cast<DWORD>(buffer.size());
        // IRF_NO_WAIT on every other call: what is there (or the next piece), never a fake end.
        ASSERT_TRUE(InternetReadFileExA(file, &ex, guard % 2 ? IRF_NO_WAIT : 0, 0)) << GetLastError();
        ASSERT_LE(ex.dwBufferLength, buffer.size());
        if (ex.dwBufferLength == 0) break;
        received.append(buffer.data(), ex.dwBufferLength);
    }
    EXPECT_EQ(received.size(), content.size());
    EXPECT_FALSE(first_pattern_mismatch(0, received));
}

// ---- closing handles while work is pending ---------------------------------------------------

namespace cancel {

// Accepts TCP connections (the kernel does, through the backlog) and never says anything: an
// FTP login waits for the greeting forever.
class SilentListener {
public:
    SilentListener() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd_, 8) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
            throw std::runtime_error("silent listener");
        port_ = ntohs(address.sin_port);
    }
    ~SilentListener() { ::close(fd_); }
    std::uint16_t port() const { return port_; }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace cancel

TEST(FtpApiCancel, ClosingTheSessionStopsASynchronousLogin) {
    cancel::SilentListener silent;
    InetHandle session(InternetOpenA("openinet-ftp-cancel", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
    ASSERT_TRUE(session);
    std::atomic<DWORD> error{0};
    std::atomic<bool> returned{false};
    std::thread caller([&] {
        HINTERNET h = InternetConnectA(session, "127.0.0.1", silent.port(), nullptr, nullptr, INTERNET_SERVICE_FTP,
                                       INTERNET_FLAG_PASSIVE, 0);
        error = h ? 0 : GetLastError();
        returned = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_FALSE(returned);
    const auto closed_at = std::chrono::steady_clock::now();
    session.reset();
    caller.join();
    EXPECT_LT(std::chrono::steady_clock::now() - closed_at, std::chrono::seconds(2));
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
}

TEST(FtpApiCancel, AsyncLoginClosedFromHandleCreated) {
    cancel::SilentListener silent;
    Recorder recorder;
    InetHandle session(InternetOpenA("openinet-ftp-cancel", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr,
                                     INTERNET_FLAG_ASYNC));
    ASSERT_TRUE(session);
    InternetSetStatusCallbackA(session, Recorder::callback);
    EXPECT_EQ(InternetConnectA(session, "127.0.0.1", silent.port(), nullptr, nullptr, INTERNET_SERVICE_FTP,
                               INTERNET_FLAG_PASSIVE, 5),
              nullptr);
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    auto created = recorder.wait_for(INTERNET_STATUS_HANDLE_CREATED);
    ASSERT_TRUE(created);
    HINTERNET c = reinterpret_cast<HINTERNET>(created->result);
    ASSERT_TRUE(recorder.wait_for(INTERNET_STATUS_CONNECTED_TO_SERVER, c));
    ASSERT_TRUE(InternetCloseHandle(c));
    auto complete = recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, c, std::chrono::seconds(2));
    ASSERT_TRUE(complete);
    EXPECT_EQ(complete->result, 0u);
    EXPECT_EQ(complete->error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
    ASSERT_TRUE(recorder.wait_for(INTERNET_STATUS_HANDLE_CLOSING, c, std::chrono::seconds(2)));
    auto statuses = recorder.statuses(c);
    EXPECT_EQ(statuses.back(), static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING));
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), INTERNET_STATUS_HANDLE_CLOSING), 1);
}

TEST(FtpApiCancel, ClosingADownloadMidStreamKeepsTheConnection) {
    FtpServer& server = shared_ftp_server(FtpDaemon::vsftpd);
    const std::string path = server.add_pattern_file("cancel-mid.bin", 64 * 1024 * 1024);
    InetHandle session(InternetOpenA("openinet-ftp-cancel", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
    InetHandle c(InternetConnectA(session, "127.0.0.1", server.port(), nullptr, nullptr, INTERNET_SERVICE_FTP,
                                  INTERNET_FLAG_PASSIVE, 0));
    ASSERT_TRUE(c) << GetLastError();
    HINTERNET file = FtpOpenFileA(c, path.c_str(), GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0);
    ASSERT_NE(file, nullptr) << GetLastError();
    std::atomic<DWORD> error{0};
    std::thread reader([&] {
        std::vector<char> buffer(1024 * 1024);
        for (int guard = 0; guard < 100000; ++guard) {
            DWORD got = 0;
            if (!InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &got)) {
                error = GetLastError();
                return;
            }
            if (got == 0) return;
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(InternetCloseHandle(file));
    reader.join();
    // Cancelled in flight, or the handle was gone before the next call.
    EXPECT_TRUE(error == ERROR_INTERNET_OPERATION_CANCELLED || error == ERROR_INVALID_HANDLE || error == 0) << error;
    char dir[MAX_PATH];
    DWORD length = sizeof dir;
    ASSERT_TRUE(FtpGetCurrentDirectoryA(c, dir, &length)) << GetLastError() << last_response_text();
    EXPECT_STREQ(dir, "/");
    std::filesystem::remove(server.local_path(path));
}

TEST(FtpApiCancel, AsyncReadClosedWhilePendingEndsWithHandleClosing) {
    FtpServer& server = shared_ftp_server(FtpDaemon::pure_ftpd);
    const std::string path = server.add_pattern_file("cancel-async.bin", 32 * 1024 * 1024);
    Recorder recorder;
    InetHandle session(InternetOpenA("openinet-ftp-cancel", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr,
                                     INTERNET_FLAG_ASYNC));
    InternetSetStatusCallbackA(session, Recorder::callback);
    ASSERT_EQ(InternetConnectA(session, "127.0.0.1", server.port(), server.login_user().c_str(),
                               server.login_password().c_str(), INTERNET_SERVICE_FTP, INTERNET_FLAG_PASSIVE, 1),
              nullptr);
    auto connected = recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE);
    ASSERT_TRUE(connected);
    ASSERT_EQ(connected->error, 0u);
    HINTERNET c = reinterpret_cast<HINTERNET>(connected->result);
    recorder.clear();
    ASSERT_EQ(FtpOpenFileA(c, path.c_str(), GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 2), nullptr);
    auto opened = recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE);
    ASSERT_TRUE(opened);
    ASSERT_EQ(opened->error, 0u);
    HINTERNET file = reinterpret_cast<HINTERNET>(opened->result);
    std::vector<char> buffer(32 * 1024 * 1024);
    DWORD got = 0;
    const BOOL immediate = InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &got);
    if (!immediate) ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    ASSERT_TRUE(InternetCloseHandle(file));
    ASSERT_TRUE(recorder.wait_for(INTERNET_STATUS_HANDLE_CLOSING, file, std::chrono::seconds(2)));
    auto statuses = recorder.statuses(file);
    EXPECT_EQ(statuses.back(), static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING));
    if (!immediate) {
        // The read's completion came before HANDLE_CLOSING: cancelled, or done just in time.
        auto read_done = recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, file, std::chrono::seconds(1), 2);
        ASSERT_TRUE(read_done);
        EXPECT_TRUE(read_done->error == ERROR_INTERNET_OPERATION_CANCELLED || read_done->error == 0);
    }
    // The connection is usable after the interrupted transfer.
    recorder.clear();
    char dir[MAX_PATH];
    DWORD length = sizeof dir;
    if (!FtpGetCurrentDirectoryA(c, dir, &length)) {
        ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
        auto pwd = recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, c);
        ASSERT_TRUE(pwd);
        EXPECT_EQ(pwd->error, 0u);
    }
    EXPECT_STREQ(dir, "/");
    ASSERT_TRUE(InternetCloseHandle(c));
    ASSERT_TRUE(recorder.wait_for(INTERNET_STATUS_HANDLE_CLOSING, c));
    std::filesystem::remove(server.local_path(path));
}

}  // namespace
}  // namespace openinet::test
