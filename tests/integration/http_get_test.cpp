// Synchronous HTTP GET/HEAD/POST against the shared nginx: bodies, framing, keep-alive reuse.
#include "http_test_helpers.hpp"

#include "content.hpp"
#include "nginx_server.hpp"
#include "scripted_server.hpp"

#include <openinet/wininet.h>

#include <gtest/gtest.h>

namespace openinet::test {
namespace {

class HttpGet : public ::testing::Test {
protected:
    void SetUp() override {
        nginx_ = &shared_nginx();
        session_.reset(InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
        ASSERT_TRUE(session_);
    }
    InetHandle connect() {
        InetHandle c(InternetConnectA(session_, "127.0.0.1", nginx_->http_port(), nullptr, nullptr,
                                      INTERNET_SERVICE_HTTP, 0, 0));
        EXPECT_TRUE(c) << GetLastError();
        return c;
    }
    InetHandle open_request(HINTERNET connection, const char* verb, const char* path, DWORD flags = 0) {
        InetHandle r(HttpOpenRequestA(connection, verb, path, nullptr, nullptr, nullptr, flags, 0));
        EXPECT_TRUE(r) << GetLastError();
        return r;
    }
    NginxServer* nginx_ = nullptr;
    InetHandle session_;
};

TEST_F(HttpGet, OpenUrlReadsSmallFile) {
    InetHandle request(InternetOpenUrlA(session_, nginx_->http_url("/files/small.txt").c_str(), nullptr, 0,
                                        INTERNET_FLAG_RELOAD, 0));
    ASSERT_TRUE(request) << GetLastError();
    EXPECT_EQ(status_code(request), 200u);
    DWORD error = 0;
    auto body = read_all(request, 7, &error);
    ASSERT_TRUE(body) << error;
    EXPECT_EQ(*body, "Hello from OpenInet nginx\n");
    DWORD type = 0, size = sizeof type;
    ASSERT_TRUE(InternetQueryOptionA(request, INTERNET_OPTION_HANDLE_TYPE, &type, &size));
    EXPECT_EQ(type, static_cast<DWORD>(INTERNET_HANDLE_TYPE_HTTP_REQUEST));
}

TEST_F(HttpGet, OpenUrlWideReadsFile) {
    std::string url = nginx_->http_url("/files/1k.bin");
    std::wstring wide(url.begin(), url.end());
    InetHandle request(InternetOpenUrlW(session_, wide.c_str(), nullptr, 0, 0, 0));
    ASSERT_TRUE(request) << GetLastError();
    auto body = read_all(request);
    ASSERT_TRUE(body);
    EXPECT_EQ(*body, pattern_bytes(0, 1024));
}

TEST_F(HttpGet, ReadsPatternFileInOddChunksAndMatches) {
    auto c = connect();
    auto r = open_request(c, nullptr, "/files/64k.bin");  // NULL verb = GET
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
    EXPECT_EQ(status_code(r), 200u);
    EXPECT_EQ(query_string(r, HTTP_QUERY_CONTENT_LENGTH), "65536");
    auto body = read_all(r, 1000);
    ASSERT_TRUE(body);
    ASSERT_EQ(body->size(), 65536u);
    EXPECT_FALSE(first_pattern_mismatch(0, *body));
}

TEST_F(HttpGet, SyncReadFillsTheWholeBuffer) {
    auto c = connect();
    auto r = open_request(c, "GET", "/files/1m.bin");
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    std::vector<char> buffer(300000);
    DWORD got = 0;
    ASSERT_TRUE(InternetReadFile(r, buffer.data(), static_cast<DWORD>(buffer.size()), &got));
    EXPECT_EQ(got, buffer.size());  // synchronous reads fill the buffer unless EOF comes first
    EXPECT_FALSE(first_pattern_mismatch(0, std::string_view(buffer.data(), got)));
}

TEST_F(HttpGet, HeadHasLengthButNoBody) {
    auto c = connect();
    auto r = open_request(c, "HEAD", "/files/1m.bin");
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    EXPECT_EQ(status_code(r), 200u);
    DWORD length = 0, size = sizeof length;
    ASSERT_TRUE(HttpQueryInfoA(r, HTTP_QUERY_CONTENT_LENGTH | HTTP_QUERY_FLAG_NUMBER, &length, &size, nullptr));
    EXPECT_EQ(length, 1048576u);
    char buffer[16];
    DWORD got = 77;
    ASSERT_TRUE(InternetReadFile(r, buffer, sizeof buffer, &got));
    EXPECT_EQ(got, 0u);
    DWORD available = 55;
    ASSERT_TRUE(InternetQueryDataAvailable(r, &available, 0, 0));
    EXPECT_EQ(available, 0u);
}

TEST_F(HttpGet, NotFoundStillHasReadableBody) {
    auto c = connect();
    auto r = open_request(c, "GET", "/status/404");
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    EXPECT_EQ(status_code(r), 404u);
    auto body = read_all(r);
    ASSERT_TRUE(body);
    EXPECT_FALSE(body->empty());
}

TEST_F(HttpGet, EmptyFile) {
    auto c = connect();
    auto r = open_request(c, "GET", "/files/empty.bin");
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    auto body = read_all(r);
    ASSERT_TRUE(body);
    EXPECT_TRUE(body->empty());
}

TEST_F(HttpGet, ChunkedBodyIsDecoded) {
    auto c = connect();
    auto r = open_request(c, "GET", "/chunked/files/64k.bin");
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    EXPECT_EQ(query_string(r, HTTP_QUERY_TRANSFER_ENCODING), "chunked");
    auto body = read_all(r, 5000);
    ASSERT_TRUE(body);
    ASSERT_EQ(body->size(), 65536u);
    EXPECT_FALSE(first_pattern_mismatch(0, *body));
}

TEST_F(HttpGet, ChunkedBodyThroughQueryDataAvailable) {
    auto c = connect();
    auto r = open_request(c, "GET", "/chunked/files/1m.bin");
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    std::string body;
    for (int guard = 0; guard < 100000; ++guard) {
        DWORD available = 0;
        ASSERT_TRUE(InternetQueryDataAvailable(r, &available, 0, 0)) << GetLastError();
        if (available == 0) break;
        std::vector<char> buffer(available);
        DWORD got = 0;
        ASSERT_TRUE(InternetReadFile(r, buffer.data(), available, &got));
        ASSERT_EQ(got, available);  // what is reported available is readable without waiting
        body.append(buffer.data(), got);
    }
    EXPECT_EQ(body.size(), 1048576u);
    EXPECT_FALSE(first_pattern_mismatch(0, body));
}

TEST_F(HttpGet, GzipDecodedWhenHttpDecodingIsOn) {
    auto c = connect();
    auto r = open_request(c, "GET", "/gzip/files/text-100k.txt");
    BOOL on = TRUE;
    ASSERT_TRUE(InternetSetOptionA(r, INTERNET_OPTION_HTTP_DECODING, &on, sizeof on));
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    EXPECT_EQ(query_string(r, HTTP_QUERY_CONTENT_ENCODING), "gzip");
    auto body = read_all(r, 3000);
    ASSERT_TRUE(body);
    EXPECT_EQ(*body, text_bytes(0, 100000));
    auto log = nginx_->wait_for_access_log("/gzip/files/text-100k.txt");
    ASSERT_FALSE(log.empty());
    EXPECT_NE(log.back().accept_encoding.find("gzip"), std::string::npos);
}

TEST_F(HttpGet, GzipNotRequestedWithoutHttpDecoding) {
    auto c = connect();
    auto r = open_request(c, "GET", "/gzip/files/text-100k.txt?plain");
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    auto body = read_all(r);
    ASSERT_TRUE(body);
    EXPECT_EQ(*body, text_bytes(0, 100000));  // no Accept-Encoding: nginx sends it plain
}

TEST_F(HttpGet, PostBodyIsEchoed) {
    auto c = connect();
    auto r = open_request(c, "POST", "/echo/body");
    std::string payload = "name=value&other=" + std::string(5000, 'x');
    ASSERT_TRUE(HttpSendRequestA(r, "Content-Type: application/x-www-form-urlencoded\r\n", static_cast<DWORD>(-1),
                                 payload.data(), static_cast<DWORD>(payload.size())))
        << GetLastError();
    EXPECT_EQ(status_code(r), 200u);
    auto body = read_all(r);
    ASSERT_TRUE(body);
    EXPECT_EQ(*body, payload);
}

TEST_F(HttpGet, DefaultRequestHeaders) {
    auto c = connect();
    const char* types[] = {"text/plain", "application/json", nullptr};
    InetHandle r(HttpOpenRequestA(c, "GET", "/echo/headers", nullptr, "http://referrer.example/", types,
                                  INTERNET_FLAG_PRAGMA_NOCACHE, 0));
    ASSERT_TRUE(r);
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    auto head = read_all(r);
    ASSERT_TRUE(head);
    EXPECT_NE(head->find("GET /echo/headers HTTP/1.1\r\n"), std::string::npos) << *head;
    EXPECT_NE(head->find("Host: 127.0.0.1:" + std::to_string(nginx_->http_port()) + "\r\n"), std::string::npos);
    EXPECT_NE(head->find("User-Agent: OpenInet-test/1.0\r\n"), std::string::npos);
    EXPECT_NE(head->find("Accept: text/plain, application/json\r\n"), std::string::npos);
    EXPECT_NE(head->find("Referer: http://referrer.example/\r\n"), std::string::npos);
    EXPECT_NE(head->find("Pragma: no-cache\r\n"), std::string::npos);
    EXPECT_EQ(head->find("Accept-Encoding"), std::string::npos);
}

TEST_F(HttpGet, KeepAliveReusesTheConnection) {
    auto c = connect();
    for (int i = 0; i < 3; ++i) {
        auto r = open_request(c, "GET", "/files/1k.bin?keepalive-proof");
        ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
        auto body = read_all(r);
        ASSERT_TRUE(body);
        EXPECT_EQ(body->size(), 1024u);
    }
    auto ids = nginx_->connection_ids_for("/files/1k.bin?keepalive-proof", 3);
    ASSERT_EQ(ids.size(), 3u);
    EXPECT_EQ(ids[0], ids[1]);
    EXPECT_EQ(ids[1], ids[2]);
}

TEST_F(HttpGet, KeepAliveAcrossHandlesOfOneSessionViaOpenUrl) {
    for (int i = 0; i < 2; ++i) {
        InetHandle r(InternetOpenUrlA(session_, nginx_->http_url("/files/small.txt?openurl-reuse").c_str(), nullptr, 0,
                                      0, 0));
        ASSERT_TRUE(r);
        ASSERT_TRUE(read_all(r));
    }
    auto ids = nginx_->connection_ids_for("/files/small.txt?openurl-reuse", 2);
    ASSERT_EQ(ids.size(), 2u);
    EXPECT_EQ(ids[0], ids[1]);
}

TEST_F(HttpGet, KeepAliveDisabledUsesNewConnections) {
    auto c = connect();
    for (int i = 0; i < 2; ++i) {
        auto r = open_request(c, "GET", "/files/1k.bin?no-keepalive");
        DWORD off = 0;
        ASSERT_TRUE(InternetSetOptionA(r, INTERNET_OPTION_KEEP_CONNECTION, &off, sizeof off));
        ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
        ASSERT_TRUE(read_all(r));
    }
    auto ids = nginx_->connection_ids_for("/files/1k.bin?no-keepalive", 2);
    ASSERT_EQ(ids.size(), 2u);
    EXPECT_NE(ids[0], ids[1]);
}

TEST_F(HttpGet, ResendOnTheSameHandle) {
    auto c = connect();
    auto r = open_request(c, "GET", "/files/small.txt");
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    char partial[4];
    DWORD got = 0;
    ASSERT_TRUE(InternetReadFile(r, partial, sizeof partial, &got));  // leaves most of it unread
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
    auto body = read_all(r);
    ASSERT_TRUE(body);
    EXPECT_EQ(*body, "Hello from OpenInet nginx\n");
}

TEST_F(HttpGet, ReadBeforeSendFails) {
    auto c = connect();
    auto r = open_request(c, "GET", "/files/small.txt");
    char buffer[8];
    DWORD got = 5;
    EXPECT_FALSE(InternetReadFile(r, buffer, sizeof buffer, &got));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INCORRECT_HANDLE_STATE));
}

TEST_F(HttpGet, RefusedPortFailsWithCannotConnect) {
    // A port nothing listens on: bind one, close it, use its number.
    std::uint16_t port;
    {
        ScriptedServer probe;
        port = probe.port();
        probe.stop();
    }
    InetHandle c(InternetConnectA(session_, "127.0.0.1", port, nullptr, nullptr, INTERNET_SERVICE_HTTP, 0, 0));
    auto r = open_request(c, "GET", "/");
    EXPECT_FALSE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_CANNOT_CONNECT));
}

TEST_F(HttpGet, UnsupportedSchemeInOpenUrl) {
    InetHandle r(InternetOpenUrlA(session_, "gopher://127.0.0.1/", nullptr, 0, 0, 0));
    EXPECT_FALSE(r);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_UNRECOGNIZED_SCHEME));
}

}  // namespace
}  // namespace openinet::test
