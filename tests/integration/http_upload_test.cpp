// Request bodies: PUT with HttpSendRequest, streamed uploads with HttpSendRequestEx +
// InternetWriteFile + HttpEndRequest (Content-Length and chunked), and the large-download
// memory bound.
#include "http_test_helpers.hpp"

#include "content.hpp"
#include "nginx_server.hpp"
#include "scripted_server.hpp"

#include <openinet/wininet.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace openinet::test {
namespace {

std::string file_contents(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

class HttpUpload : public ::testing::Test {
protected:
    void SetUp() override {
        nginx_ = &shared_nginx();
        session_.reset(InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
        connect_.reset(InternetConnectA(session_, "127.0.0.1", nginx_->http_port(), nullptr, nullptr,
                                        INTERNET_SERVICE_HTTP, 0, 0));
        ASSERT_TRUE(connect_);
    }
    NginxServer* nginx_ = nullptr;
    InetHandle session_, connect_;
};

TEST_F(HttpUpload, PutWithSendRequest) {
    std::string payload = pattern_bytes(0, 200000);
    InetHandle r(HttpOpenRequestA(connect_, "PUT", "/upload/put-simple.bin", nullptr, nullptr, nullptr, 0, 0));
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, payload.data(), static_cast<DWORD>(payload.size()))) << GetLastError();
    DWORD code = status_code(r);
    EXPECT_TRUE(code == 201 || code == 204) << code;
    ASSERT_TRUE(read_all(r));
    EXPECT_EQ(file_contents(nginx_->upload_path("/upload/put-simple.bin")), payload);
}

TEST_F(HttpUpload, StreamedWithContentLength) {
    const std::size_t total = 3 * 1024 * 1024 + 17;
    InetHandle r(HttpOpenRequestA(connect_, "PUT", "/upload/put-streamed.bin", nullptr, nullptr, nullptr, 0, 0));
    INTERNET_BUFFERSA in{};
    in.dwStructSize = sizeof in;
    in.dwBufferTotal = static_cast<DWORD>(total);
    ASSERT_TRUE(HttpSendRequestExA(r, &in, nullptr, 0, 0)) << GetLastError();
    // Response queries are not possible until HttpEndRequest.
    EXPECT_EQ(query_string(r, HTTP_QUERY_STATUS_TEXT), "<error 12019>");
    std::size_t sent = 0;
    while (sent < total) {
        std::size_t n = std::min<std::size_t>(65537, total - sent);
        std::string piece = pattern_bytes(sent, n);
        DWORD written = 0;
        ASSERT_TRUE(InternetWriteFile(r, piece.data(), static_cast<DWORD>(n), &written)) << GetLastError();
        ASSERT_EQ(written, n);
        sent += n;
    }
    ASSERT_TRUE(HttpEndRequestA(r, nullptr, 0, 0)) << GetLastError();
    DWORD code = status_code(r);
    EXPECT_TRUE(code == 201 || code == 204) << code;
    auto stored = file_contents(nginx_->upload_path("/upload/put-streamed.bin"));
    EXPECT_EQ(stored.size(), total);
    EXPECT_FALSE(first_pattern_mismatch(0, stored));
}

TEST_F(HttpUpload, StreamedChunkedToEcho) {
    InetHandle r(HttpOpenRequestA(connect_, "POST", "/echo/body", nullptr, nullptr, nullptr, 0, 0));
    ASSERT_TRUE(HttpSendRequestExA(r, nullptr, nullptr, HSR_CHUNKED, 0)) << GetLastError();
    std::string expected;
    for (int i = 0; i < 10; ++i) {
        std::string piece = "piece-" + std::to_string(i) + std::string(i * 100, 'z');
        DWORD written = 0;
        ASSERT_TRUE(InternetWriteFile(r, piece.data(), static_cast<DWORD>(piece.size()), &written));
        expected += piece;
    }
    ASSERT_TRUE(HttpEndRequestA(r, nullptr, 0, 0)) << GetLastError();
    EXPECT_EQ(status_code(r), 200u);
    auto body = read_all(r);
    ASSERT_TRUE(body);
    EXPECT_EQ(*body, expected);
}

TEST_F(HttpUpload, InitialBufferGoesWithTheHead) {
    InetHandle r(HttpOpenRequestA(connect_, "POST", "/echo/body", nullptr, nullptr, nullptr, 0, 0));
    char first[] = "head-part";
    INTERNET_BUFFERSA in{};
    in.dwStructSize = sizeof in;
    in.lpvBuffer = first;
    in.dwBufferLength = 9;
    in.dwBufferTotal = 14;
    in.lpcszHeader = "Content-Type: text/plain\r\n";
    in.dwHeadersLength = static_cast<DWORD>(-1);
    ASSERT_TRUE(HttpSendRequestExA(r, &in, nullptr, 0, 0)) << GetLastError();
    DWORD written = 0;
    ASSERT_TRUE(InternetWriteFile(r, "tail!", 5, &written));
    ASSERT_TRUE(HttpEndRequestA(r, nullptr, 0, 0)) << GetLastError();
    auto body = read_all(r);
    ASSERT_TRUE(body);
    EXPECT_EQ(*body, "head-parttail!");
    EXPECT_EQ(query_string(r, HTTP_QUERY_CONTENT_TYPE | HTTP_QUERY_FLAG_REQUEST_HEADERS), "text/plain");
}

TEST_F(HttpUpload, ArgumentChecks) {
    InetHandle r(HttpOpenRequestA(connect_, "POST", "/echo/body", nullptr, nullptr, nullptr, 0, 0));
    INTERNET_BUFFERSA in{};
    in.dwStructSize = sizeof in - 1;
    EXPECT_FALSE(HttpSendRequestExA(r, &in, nullptr, 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    INTERNET_BUFFERSA out{};
    out.dwStructSize = sizeof out;
    EXPECT_FALSE(HttpEndRequestA(r, &out, 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    char byte = 'x';
    DWORD written = 0;
    EXPECT_FALSE(InternetWriteFile(r, &byte, 1, &written));  // nothing started yet
}

// A large body read in a loop must not make the process grow: bytes go straight into the
// caller's buffer. Size: OPENINET_LARGE_DOWNLOAD_MIB (default 1024; 64 under sanitizers).
TEST_F(HttpUpload, LargeDownloadKeepsMemoryFlat) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    std::uint64_t mib = 64;
#else
    std::uint64_t mib = 1024;
#endif
    if (const char* env = std::getenv("OPENINET_LARGE_DOWNLOAD_MIB")) mib = std::strtoull(env, nullptr, 10);
    const std::uint64_t size = mib * 1024 * 1024;
    const std::string path = "/files/large-" + std::to_string(mib) + "m.bin";
    nginx_->add_pattern_file(path, size);
    InetHandle r(HttpOpenRequestA(connect_, "GET", path.c_str(), nullptr, nullptr, nullptr, 0, 0));
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    std::vector<char> buffer(256 * 1024);
    std::uint64_t total = 0;
    long rss_start = -1;
    bool content_ok = true;
    for (std::uint64_t guard = 0; guard < size; ++guard) {
        DWORD got = 0;
        ASSERT_TRUE(InternetReadFile(r, buffer.data(), static_cast<DWORD>(buffer.size()), &got)) << GetLastError();
        if (got == 0) break;
        // Spot-check content (the whole check would dominate the run time).
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
    std::filesystem::remove(nginx_->docroot_path(path));
}

}  // namespace
}  // namespace openinet::test
