// Misbehaving servers (the scripted server): timeouts, malformed heads, truncated bodies and
// drops at chosen offsets, slow trickles, 1xx responses, stale keep-alive connections.
#include "http_test_helpers.hpp"

#include "content.hpp"
#include "scripted_server.hpp"

#include "net/stream.hpp"

#include <openinet/wininet.h>

#include <gtest/gtest.h>

namespace openinet::test {
namespace {

using namespace std::chrono_literals;

class HttpFaults : public ::testing::Test {
protected:
    void SetUp() override {
        session_.reset(InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
        ASSERT_TRUE(session_);
    }
    InetHandle request(const char* path = "/", DWORD receive_timeout_ms = 0) {
        connect_.reset(InternetConnectA(session_, "127.0.0.1", server_.port(), nullptr, nullptr,
                                        INTERNET_SERVICE_HTTP, 0, 0));
        EXPECT_TRUE(connect_);
        InetHandle r(HttpOpenRequestA(connect_, "GET", path, nullptr, nullptr, nullptr, 0, 0));
        EXPECT_TRUE(r);
        if (receive_timeout_ms) {
            EXPECT_TRUE(InternetSetOptionA(r, INTERNET_OPTION_RECEIVE_TIMEOUT, &receive_timeout_ms,
                                           sizeof receive_timeout_ms));
        }
        return r;
    }
    ScriptedServer server_;
    InetHandle session_, connect_;
};

TEST_F(HttpFaults, StalledHeadTimesOut) {
    server_.add_script({step::ReadRequest{}, step::Stall{step::forever}});
    auto r = request("/", 300);
    auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_TIMEOUT));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(HttpFaults, StalledBodyTimesOutOnTheRead) {
    server_.add_script({step::ReadRequest{}, step::Send{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"},
                        step::Stall{step::forever}});
    auto r = request("/", 300);
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    char buffer[100];
    DWORD got = 0;
    // The first read returns what arrived before the stall, the next one the timeout.
    bool ok = InternetReadFile(r, buffer, sizeof buffer, &got);
    if (ok) {
        EXPECT_EQ(got, 10u);
        EXPECT_FALSE(InternetReadFile(r, buffer, sizeof buffer, &got));
    }
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_TIMEOUT));
}

TEST_F(HttpFaults, StalledNameResolutionHitsTheConnectTimeout) {
    auto parked = std::make_shared<std::vector<std::function<void(std::error_code, std::vector<boost::asio::ip::address>)>>>();
    auto parked_mutex = std::make_shared<std::mutex>();
    net::set_resolver_hook(net::ResolverHook{[parked, parked_mutex](const std::string&, auto answer) {
        std::lock_guard lock(*parked_mutex);
        parked->push_back(std::move(answer));  // never answered
    }});
    InetHandle c(InternetConnectA(session_, "slow-dns.test", 80, nullptr, nullptr, INTERNET_SERVICE_HTTP, 0, 0));
    InetHandle r(HttpOpenRequestA(c, "GET", "/", nullptr, nullptr, nullptr, 0, 0));
    DWORD timeout = 300;
    ASSERT_TRUE(InternetSetOptionA(r, INTERNET_OPTION_CONNECT_TIMEOUT, &timeout, sizeof timeout));
    EXPECT_FALSE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_TIMEOUT));
    net::set_resolver_hook(std::nullopt);
}

TEST_F(HttpFaults, MalformedStatusLine) {
    server_.add_script({step::ReadRequest{}, step::Send{"HTXP/1.1 abc nonsense\r\n\r\n"}});
    auto r = request();
    EXPECT_FALSE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_HTTP_INVALID_SERVER_RESPONSE));
}

TEST_F(HttpFaults, ConflictingContentLength) {
    server_.add_script({step::ReadRequest{}, step::Send{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello"}});
    auto r = request();
    EXPECT_FALSE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_HTTP_INVALID_SERVER_RESPONSE));
}

TEST_F(HttpFaults, ClosedBeforeAnyResponse) {
    server_.add_script({step::ReadRequest{}, step::Close{}});
    auto r = request();
    EXPECT_FALSE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_HTTP_INVALID_SERVER_RESPONSE));
}

TEST_F(HttpFaults, ResetMidHead) {
    server_.add_script({step::ReadRequest{}, step::DropAfter{"HTTP/1.1 200 OK\r\nContent-Le", 20, true}});
    auto r = request();
    EXPECT_FALSE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    const DWORD e = GetLastError();
    EXPECT_TRUE(e == ERROR_INTERNET_CONNECTION_RESET || e == ERROR_HTTP_INVALID_SERVER_RESPONSE) << e;
}

struct TruncationCase {
    const char* name;
    std::string response;
    std::size_t drop_at;
    bool reset;
};

class HttpTruncated : public HttpFaults, public ::testing::WithParamInterface<TruncationCase> {};

TEST_P(HttpTruncated, ReadReportsAnErrorNeverEof) {
    const auto& c = GetParam();
    server_.add_script({step::ReadRequest{}, step::DropAfter{c.response, c.drop_at, c.reset}});
    auto r = request();
    if (!HttpSendRequestA(r, nullptr, 0, nullptr, 0)) {
        // A reset can overtake the head; then the send itself reports it.
        ASSERT_TRUE(c.reset) << GetLastError();
        return;
    }
    DWORD error = 0;
    auto body = read_all(r, 7, &error);
    EXPECT_FALSE(body) << "truncated body reported as complete: " << body->size() << " bytes";
    if (c.reset) {
        EXPECT_TRUE(error == ERROR_INTERNET_CONNECTION_RESET || error == ERROR_INTERNET_CONNECTION_ABORTED) << error;
    } else {
        EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_CONNECTION_ABORTED));
    }
}

const std::string kLengthResponse = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'x');
const std::string kChunkedResponse =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked_body({std::string(300, 'a'), std::string(300, 'b')});

INSTANTIATE_TEST_SUITE_P(
    HttpDrops, HttpTruncated,
    ::testing::Values(TruncationCase{"LengthAfterHead", kLengthResponse, 41, false},
                      TruncationCase{"LengthMidBody", kLengthResponse, 500, false},
                      TruncationCase{"LengthOneShort", kLengthResponse, kLengthResponse.size() - 1, false},
                      TruncationCase{"ChunkedMidChunk", kChunkedResponse, 200, false},
                      TruncationCase{"ChunkedBeforeLastChunk", kChunkedResponse, kChunkedResponse.size() - 5, false},
                      TruncationCase{"LengthMidBodyReset", kLengthResponse, 500, true}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(HttpFaults, UntilCloseBodyEndsAtClose) {
    std::string body(5000, 'u');
    server_.add_script({step::ReadRequest{}, step::Send{"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body},
                        step::Close{}});
    auto r = request();
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    auto got = read_all(r, 999);
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, body);
}

TEST_F(HttpFaults, SlowTrickleCompletes) {
    std::string body = pattern_bytes(0, 3000);
    server_.add_script({step::ReadRequest{}, step::Trickle{http_response(200, body), 97, 2ms}});
    auto r = request();
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    auto got = read_all(r, 1024);
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, body);
}

TEST_F(HttpFaults, ChunkedTrickleByteByByte) {
    std::string response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                           chunked_body({"hello ", "chunked ", "world"});
    server_.add_script({step::ReadRequest{}, step::Trickle{response, 1, 1ms}});
    auto r = request();
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    auto got = read_all(r, 4);
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, "hello chunked world");
}

TEST_F(HttpFaults, ContinueResponsesAreSkipped) {
    Recorder recorder;
    InternetSetStatusCallbackA(session_, &Recorder::callback);
    server_.add_script({step::ReadRequest{},
                        step::Send{"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX: y\r\n\r\n"},
                        step::Send{http_response(200, "final")}});
    connect_.reset(InternetConnectA(session_, "127.0.0.1", server_.port(), nullptr, nullptr, INTERNET_SERVICE_HTTP, 0, 1));
    InetHandle r(HttpOpenRequestA(connect_, "GET", "/", nullptr, nullptr, nullptr, 0, 1));
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    EXPECT_EQ(status_code(r), 200u);
    auto body = read_all(r);
    ASSERT_TRUE(body);
    EXPECT_EQ(*body, "final");
    int intermediate = 0;
    for (const auto& e : recorder.events()) intermediate += e.status == INTERNET_STATUS_INTERMEDIATE_RESPONSE;
    EXPECT_EQ(intermediate, 2);
    InternetSetStatusCallbackA(session_, nullptr);
}

TEST_F(HttpFaults, StaleKeepAliveConnectionIsRetriedOnce) {
    // First connection: one response, then the server closes it while it sits in the pool.
    server_.add_script({step::ReadRequest{}, step::Send{http_response(200, "first")}, step::Close{}});
    server_.add_script({step::ReadRequest{}, step::Send{http_response(200, "second")}});
    auto r1 = request("/one");
    ASSERT_TRUE(HttpSendRequestA(r1, nullptr, 0, nullptr, 0));
    auto b1 = read_all(r1);
    ASSERT_TRUE(b1);
    EXPECT_EQ(*b1, "first");
    r1.reset();
    ASSERT_TRUE(server_.wait_for_connections(1));
    std::this_thread::sleep_for(100ms);  // let the close reach us
    InetHandle r2(HttpOpenRequestA(connect_, "GET", "/two", nullptr, nullptr, nullptr, 0, 0));
    ASSERT_TRUE(HttpSendRequestA(r2, nullptr, 0, nullptr, 0)) << GetLastError();
    auto b2 = read_all(r2);
    ASSERT_TRUE(b2);
    EXPECT_EQ(*b2, "second");
    EXPECT_EQ(server_.accepted_connections(), 2u);
}

TEST_F(HttpFaults, KeepAliveReuseOnScriptedServer) {
    server_.add_script({step::ReadRequest{}, step::Send{http_response(200, "one")}, step::ReadRequest{},
                        step::Send{http_response(200, "two")}, step::ReadRequest{}});
    auto r1 = request("/a");
    ASSERT_TRUE(HttpSendRequestA(r1, nullptr, 0, nullptr, 0));
    EXPECT_EQ(*read_all(r1), "one");
    InetHandle r2(HttpOpenRequestA(connect_, "GET", "/b", nullptr, nullptr, nullptr, 0, 0));
    ASSERT_TRUE(HttpSendRequestA(r2, nullptr, 0, nullptr, 0));
    EXPECT_EQ(*read_all(r2), "two");
    EXPECT_EQ(server_.accepted_connections(), 1u);
}

TEST_F(HttpFaults, GzipDecodingErrorIsReported) {
    server_.add_script({step::ReadRequest{},
                        step::Send{http_response(200, std::string("\x1f\x8b\x08\x00garbage-not-deflate", 23),
                                                 "Content-Encoding: gzip\r\n")}});
    auto r = request();
    BOOL on = TRUE;
    ASSERT_TRUE(InternetSetOptionA(r, INTERNET_OPTION_HTTP_DECODING, &on, sizeof on));
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    DWORD error = 0;
    EXPECT_FALSE(read_all(r, 64, &error));
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_DECODING_FAILED));
}

}  // namespace
}  // namespace openinet::test
