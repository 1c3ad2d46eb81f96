// Synchronous calls that start on the caller's thread (docs/internals/cancellation.md, "Started
// on the caller's thread"): a send on a kept-alive TCP connection writes the request and reads
// or waits for the head from the calling thread, and InternetReadFile takes what the socket
// holds before handing the wait to the engine. These tests drive the cases where that start
// meets the engine: a read served partly inline and then waiting for a trickle, a redirect
// whose body is drained from the caller's thread, timeouts armed from it, and closes from
// another thread while the call runs inline or waits. The suites are named Async*/Cancel* so
// that the TSan preset runs them.
#include "http_test_helpers.hpp"

#include "scripted_server.hpp"

#include <openinet/wininet.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <thread>

namespace openinet::test {
namespace {

using namespace std::chrono_literals;

std::string body_of(std::size_t size, char seed) {
    std::string out(size, '\0');
    for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>(seed + i % 23);
    return out;
}

std::string head_with_length(std::size_t length) {
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
}

// A synchronous session and a connect handle to the scripted server, with a recorder.
class SyncInline : public ::testing::Test {
protected:
    void SetUp() override {
        session_.reset(InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
        ASSERT_TRUE(session_);
        InternetSetStatusCallbackA(session_, &Recorder::callback);
        connect_.reset(InternetConnectA(session_, "127.0.0.1", server_.port(), nullptr, nullptr,
                                        INTERNET_SERVICE_HTTP, 0, 1));
        ASSERT_TRUE(connect_);
    }
    InetHandle open(const char* path, DWORD_PTR context, DWORD receive_timeout_ms = 60000) {
        InetHandle r(HttpOpenRequestA(connect_, "GET", path, nullptr, nullptr, nullptr, 0, context));
        EXPECT_TRUE(r);
        EXPECT_TRUE(InternetSetOptionA(r, INTERNET_OPTION_RECEIVE_TIMEOUT, &receive_timeout_ms,
                                       sizeof receive_timeout_ms));
        return r;
    }
    // A first request read to the end, so the connection is pooled and the next send reuses it
    // (which is what starts it on the caller's thread).
    void prime_connection() {
        auto r = open("/prime", 7);
        ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
        EXPECT_EQ(read_all(r), std::optional<std::string>("primed"));
    }
    static Script prime_script() { return {step::ReadRequest{}, step::Send{http_response(200, "primed")}}; }

    Recorder recorder_;
    ScriptedServer server_;
    InetHandle session_, connect_;
};

using AsyncInlineStart = SyncInline;
using CancelInlineSync = SyncInline;

TEST_F(AsyncInlineStart, ReadFillsTheBufferFromBytesThereAndBytesWaitedFor) {
    const std::string body = body_of(60000, 'a');
    // The head read takes the first 1000 bytes with the head; 9000 more follow at once (read by
    // the caller's thread, if they are there in time), the rest trickles in (waited for).
    Script script = prime_script();
    script.push_back(step::ReadRequest{});
    script.push_back(step::Send{head_with_length(body.size()) + body.substr(0, 1000)});
    script.push_back(step::Send{body.substr(1000, 9000)});
    script.push_back(step::Trickle{body.substr(10000), 5000, 5ms});
    script.push_back(step::ReadUntilClose{});
    server_.add_script(std::move(script));
    prime_connection();

    auto r = open("/trickle", 8);
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
    std::vector<char> buffer(body.size() + 100);
    DWORD got = 0;
    // A synchronous read fills the buffer or reaches the end.
    ASSERT_TRUE(InternetReadFile(r, buffer.data(), static_cast<DWORD>(buffer.size()), &got)) << GetLastError();
    ASSERT_EQ(got, body.size());
    EXPECT_EQ(std::string(buffer.data(), got), body);
    ASSERT_TRUE(InternetReadFile(r, buffer.data(), static_cast<DWORD>(buffer.size()), &got));
    EXPECT_EQ(got, 0u);
    EXPECT_EQ(server_.accepted_connections(), 1u);
}

TEST_F(AsyncInlineStart, ChunkedBodyInSmallReadsAcrossTrickledChunks) {
    std::vector<std::string> chunks;
    std::string body;
    for (int i = 0; i < 12; ++i) {
        chunks.push_back(body_of(3000 + 17 * i, static_cast<char>('A' + i)));
        body += chunks.back();
    }
    const std::string framed = chunked_body(chunks);
    Script script = prime_script();
    script.push_back(step::ReadRequest{});
    script.push_back(step::Send{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + framed.substr(0, 500)});
    script.push_back(step::Trickle{framed.substr(500), 2500, 3ms});
    script.push_back(step::ReadRequest{});
    script.push_back(step::Send{http_response(200, "after")});
    server_.add_script(std::move(script));
    prime_connection();

    auto r = open("/chunked", 8);
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
    EXPECT_EQ(read_all(r, 7000), std::optional<std::string>(body));
    r.reset();
    // Read to its end, the connection went back to the pool and serves the next request.
    auto next = open("/after", 9);
    ASSERT_TRUE(HttpSendRequestA(next, nullptr, 0, nullptr, 0)) << GetLastError();
    EXPECT_EQ(read_all(next), std::optional<std::string>("after"));
    EXPECT_EQ(server_.accepted_connections(), 1u);
}

TEST_F(AsyncInlineStart, NotificationsOfASendStartedHereComeOnThisThreadInOrder) {
    Script script = prime_script();
    script.push_back(step::ReadRequest{});
    script.push_back(step::Send{http_response(200, "second")});
    server_.add_script(std::move(script));
    prime_connection();
    recorder_.clear();

    auto r = open("/second", 8);
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
    EXPECT_EQ(read_all(r), std::optional<std::string>("second"));
    EXPECT_EQ(server_.accepted_connections(), 1u);
    const std::vector<DWORD> expected = {INTERNET_STATUS_SENDING_REQUEST, INTERNET_STATUS_REQUEST_SENT,
                                         INTERNET_STATUS_RECEIVING_RESPONSE, INTERNET_STATUS_RESPONSE_RECEIVED};
    std::vector<DWORD> send_statuses;
    for (const auto& n : recorder_.events()) {
        if (n.handle != r.get()) continue;
        EXPECT_EQ(n.thread, std::this_thread::get_id()) << "status " << n.status;
        const bool of_the_send = std::find(expected.begin(), expected.end(), n.status) != expected.end();
        if (of_the_send && send_statuses.size() < expected.size()) send_statuses.push_back(n.status);
    }
    EXPECT_EQ(send_statuses, expected) << describe(recorder_.statuses(r));
}

TEST_F(AsyncInlineStart, RedirectBodyIsDrainedAndTheConnectionReused) {
    const std::string redirect_body = body_of(30000, 'r');
    Script script = prime_script();
    script.push_back(step::ReadRequest{});
    script.push_back(step::Send{"HTTP/1.1 302 Found\r\nLocation: /target\r\nContent-Length: 30000\r\n\r\n" +
                                redirect_body.substr(0, 1000)});
    script.push_back(step::Trickle{redirect_body.substr(1000), 10000, 5ms});
    script.push_back(step::ReadRequest{});
    script.push_back(step::Send{http_response(200, "target")});
    server_.add_script(std::move(script));
    prime_connection();

    auto r = open("/moved", 8);
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
    EXPECT_EQ(status_code(r), 200u);
    EXPECT_EQ(read_all(r), std::optional<std::string>("target"));
    EXPECT_EQ(server_.accepted_connections(), 1u);
    auto redirect = recorder_.wait_for(INTERNET_STATUS_REDIRECT, r, 0ms);
    ASSERT_TRUE(redirect);
    EXPECT_EQ(redirect->thread, std::this_thread::get_id());
}

TEST_F(AsyncInlineStart, HeadWaitStartedHereTimesOut) {
    Script script = prime_script();
    script.push_back(step::ReadRequest{});
    script.push_back(step::Stall{step::forever});
    server_.add_script(std::move(script));
    prime_connection();

    auto r = open("/stall", 8, 300);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_TIMEOUT));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_EQ(server_.accepted_connections(), 1u);
}

TEST_F(AsyncInlineStart, BodyWaitStartedHereTimesOutAfterTheBytesThatCame) {
    const std::string body = body_of(50000, 'b');
    Script script = prime_script();
    script.push_back(step::ReadRequest{});
    script.push_back(step::Send{head_with_length(body.size()) + body.substr(0, 100)});
    script.push_back(step::Send{body.substr(100, 20000)});
    script.push_back(step::Stall{step::forever});
    server_.add_script(std::move(script));
    prime_connection();

    auto r = open("/partial", 8, 300);
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
    std::string received;
    std::vector<char> buffer(body.size());
    DWORD error = 0;
    for (int i = 0; i < 10; ++i) {  // bounded: the bytes that came, then the timeout
        DWORD got = 0;
        if (!InternetReadFile(r, buffer.data(), static_cast<DWORD>(buffer.size()), &got)) {
            error = GetLastError();
            break;
        }
        ASSERT_NE(got, 0u) << "a short body must never look like its end";
        received.append(buffer.data(), got);
    }
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_TIMEOUT));
    EXPECT_EQ(received, body.substr(0, 20100));
}

// The close comes while a synchronous send that started on this thread waits for the head of
// the response on a reused connection.
TEST_F(AsyncInlineStart, AConnectionASynchronousCallerWaitedOnServesAnAsynchronousSessionNext) {
    // The synchronous requests wait on the caller's thread (the socket then leaves the engine's
    // epoll); the pooled connection must come back under the engine for an asynchronous
    // session's request: its write and read go through the engine and complete.
    Script script = prime_script();
    script.push_back(step::ReadRequest{});
    script.push_back(step::Trickle{http_response(200, body_of(3000, 'q')), 1000, 5ms});  // waited for
    script.push_back(step::ReadRequest{});
    script.push_back(step::Trickle{http_response(200, "asynchronous"), 10, 5ms});
    script.push_back(step::ReadUntilClose{});
    server_.add_script(std::move(script));
    prime_connection();
    {
        auto r = open("/waited", 8);
        ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
        EXPECT_EQ(read_all(r), std::optional<std::string>(body_of(3000, 'q')));
    }

    InetHandle async_session(InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr,
                                           INTERNET_FLAG_ASYNC));
    ASSERT_TRUE(async_session);
    ASSERT_NE(InternetSetStatusCallbackA(async_session, &Recorder::callback), INTERNET_INVALID_STATUS_CALLBACK);
    InetHandle async_connect(InternetConnectA(async_session, "127.0.0.1", server_.port(), nullptr, nullptr,
                                              INTERNET_SERVICE_HTTP, 0, 1));
    ASSERT_TRUE(async_connect);
    InetHandle r(HttpOpenRequestA(async_connect, "GET", "/async", nullptr, nullptr, nullptr, 0, 9));
    ASSERT_TRUE(r);
    ASSERT_FALSE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    std::size_t completions = 1;
    auto done = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, r, 10s, completions);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->error, static_cast<DWORD>(ERROR_SUCCESS));
    std::string body;
    char buffer[64];
    for (int guard = 0; guard < 1000; ++guard) {
        DWORD got = 0;
        if (!InternetReadFile(r, buffer, sizeof buffer, &got)) {
            ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
            auto read_done = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, r, 10s, ++completions);
            ASSERT_TRUE(read_done);
            ASSERT_EQ(read_done->error, static_cast<DWORD>(ERROR_SUCCESS));
        }
        if (got == 0) break;  // a pended read wrote its count into `got` before completing
        body.append(buffer, got);
    }
    EXPECT_EQ(body, "asynchronous");
    EXPECT_EQ(server_.accepted_connections(), 1u);  // the same connection throughout
}

TEST_F(CancelInlineSync, CloseReleasesASendWaitingOnAReusedConnection) {
    Script script = prime_script();
    script.push_back(step::ReadRequest{});
    script.push_back(step::Stall{step::forever});
    server_.add_script(std::move(script));
    prime_connection();
    recorder_.clear();

    HINTERNET r = HttpOpenRequestA(connect_, "GET", "/stall", nullptr, nullptr, nullptr, 0, 8);
    ASSERT_TRUE(r);
    auto call = std::async(std::launch::async, [&]() -> std::pair<BOOL, DWORD> {
        BOOL ok = HttpSendRequestA(r, nullptr, 0, nullptr, 0);
        return {ok, GetLastError()};
    });
    ASSERT_TRUE(recorder_.wait_for(INTERNET_STATUS_RECEIVING_RESPONSE, r, 10s));
    ASSERT_TRUE(server_.wait_for_requests(2, 10s));
    ASSERT_EQ(call.wait_for(100ms), std::future_status::timeout) << "the send did not wait";
    const auto closed_at = std::chrono::steady_clock::now();
    ASSERT_TRUE(InternetCloseHandle(r));
    ASSERT_EQ(call.wait_for(2s), std::future_status::ready) << "the close did not release the send";
    EXPECT_LT(std::chrono::steady_clock::now() - closed_at, 2s);
    auto [ok, error] = call.get();
    EXPECT_FALSE(ok);
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
    EXPECT_EQ(server_.accepted_connections(), 1u);
}

// The read took bytes on this thread, then waits for more; the close comes during the wait.
TEST_F(CancelInlineSync, CloseReleasesAReadThatTookBytesThenWaited) {
    const std::string body = body_of(100000, 'c');
    Script script = prime_script();
    script.push_back(step::ReadRequest{});
    script.push_back(step::Send{head_with_length(body.size()) + body.substr(0, 10)});
    script.push_back(step::Gate{});
    script.push_back(step::Send{body.substr(10, 20000)});
    script.push_back(step::Stall{step::forever});
    server_.add_script(std::move(script));
    prime_connection();

    HINTERNET r = HttpOpenRequestA(connect_, "GET", "/read", nullptr, nullptr, nullptr, 0, 8);
    ASSERT_TRUE(r);
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
    server_.release_gate();  // the 20000 bytes are on their way while the read starts
    recorder_.clear();
    std::vector<char> buffer(body.size());
    auto call = std::async(std::launch::async, [&]() -> std::pair<BOOL, DWORD> {
        DWORD got = 0;
        BOOL ok = InternetReadFile(r, buffer.data(), static_cast<DWORD>(buffer.size()), &got);
        return {ok, GetLastError()};
    });
    ASSERT_TRUE(recorder_.wait_for(INTERNET_STATUS_RECEIVING_RESPONSE, r, 10s));
    ASSERT_EQ(call.wait_for(200ms), std::future_status::timeout) << "the read did not wait";
    const auto closed_at = std::chrono::steady_clock::now();
    ASSERT_TRUE(InternetCloseHandle(r));
    ASSERT_EQ(call.wait_for(2s), std::future_status::ready) << "the close did not release the read";
    EXPECT_LT(std::chrono::steady_clock::now() - closed_at, 2s);
    auto [ok, error] = call.get();
    EXPECT_FALSE(ok);
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
}

// Closes land at varying points of a stream of synchronous reads (mostly served on the
// reading thread, sometimes waiting): every call ends promptly, with data or 12017 (or 6 once
// the handle is gone before the call finds it), never anything else.
TEST_F(CancelInlineSync, ClosesAtVaryingPointsOfAFastBodyStream) {
    const std::string body = body_of(8 * 1024 * 1024, 'h');
    constexpr int rounds = 12;
    for (int round = 0; round < rounds; ++round) {
        // A server per round: a body read to its end leaves its connection in the pool.
        ScriptedServer server;
        server.add_script({step::ReadRequest{}, step::Send{head_with_length(body.size()) + body},
                           step::ReadUntilClose{}});
        InetHandle connect(InternetConnectA(session_, "127.0.0.1", server.port(), nullptr, nullptr,
                                            INTERNET_SERVICE_HTTP, 0, 1));
        ASSERT_TRUE(connect);
        HINTERNET r = HttpOpenRequestA(connect, "GET", "/stream", nullptr, nullptr, nullptr, 0, 8);
        ASSERT_TRUE(r);
        ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
        std::atomic<int> reads{0};
        auto reader = std::async(std::launch::async, [&]() -> DWORD {
            std::vector<char> buffer(64 * 1024);
            for (;;) {
                DWORD got = 0;
                if (!InternetReadFile(r, buffer.data(), static_cast<DWORD>(buffer.size()), &got)) return GetLastError();
                ++reads;
                if (got == 0) return ERROR_SUCCESS;
            }
        });
        const int close_after = 1 + round * 7;  // reads before the close: early to late in the body
        for (int i = 0; i < 2000 && reads.load() < close_after; ++i) std::this_thread::sleep_for(1ms);
        const auto closed_at = std::chrono::steady_clock::now();
        ASSERT_TRUE(InternetCloseHandle(r));
        ASSERT_EQ(reader.wait_for(2s), std::future_status::ready) << "round " << round;
        EXPECT_LT(std::chrono::steady_clock::now() - closed_at, 2s);
        const DWORD error = reader.get();
        EXPECT_TRUE(error == ERROR_INTERNET_OPERATION_CANCELLED || error == ERROR_INVALID_HANDLE ||
                    error == ERROR_SUCCESS)
            << "round " << round << ": " << error;
    }
}

// Closes land at varying points of a run of synchronous sends and reads on one kept-alive
// connection (sends start on the calling thread): the worker's calls end promptly, and every
// failure is 12017 or, for a handle already closed, ERROR_INVALID_HANDLE.
TEST_F(CancelInlineSync, ClosesAtVaryingPointsOfKeptAliveRequests) {
    constexpr int rounds = 10;
    constexpr int per_connection = 40;
    for (int round = 0; round < rounds; ++round) {
        ScriptedServer server;  // per round: a round that ends cleanly leaves its connection pooled
        Script script;
        for (int i = 0; i < per_connection; ++i) {
            script.push_back(step::ReadRequest{});
            script.push_back(step::Send{http_response(200, body_of(2000, 'k'))});
        }
        script.push_back(step::ReadUntilClose{});
        server.add_script(std::move(script));
        InetHandle connect(InternetConnectA(session_, "127.0.0.1", server.port(), nullptr, nullptr,
                                            INTERNET_SERVICE_HTTP, 0, 1));
        ASSERT_TRUE(connect);
        std::atomic<int> done_requests{0};
        HINTERNET parent = connect.get();  // the value: this thread resets the guard meanwhile
        auto worker = std::async(std::launch::async, [&done_requests, parent]() -> DWORD {
            for (int i = 0; i < per_connection; ++i) {
                HINTERNET r = HttpOpenRequestA(parent, "GET", "/k", nullptr, nullptr, nullptr, 0, 8);
                if (!r) return GetLastError();
                DWORD error = ERROR_SUCCESS;
                if (!HttpSendRequestA(r, nullptr, 0, nullptr, 0)) error = GetLastError();
                else read_all(r, 4096, &error);  // leaves error as it was on success
                InternetCloseHandle(r);
                if (error != ERROR_SUCCESS) return error;
                ++done_requests;
            }
            return ERROR_SUCCESS;
        });
        const int close_after = round * 3;
        for (int i = 0; i < 2000 && done_requests.load() < close_after; ++i) std::this_thread::sleep_for(1ms);
        const auto closed_at = std::chrono::steady_clock::now();
        connect.reset();  // closes the request in flight with it
        ASSERT_EQ(worker.wait_for(2s), std::future_status::ready) << "round " << round;
        EXPECT_LT(std::chrono::steady_clock::now() - closed_at, 2s);
        const DWORD error = worker.get();
        EXPECT_TRUE(error == ERROR_INTERNET_OPERATION_CANCELLED || error == ERROR_INVALID_HANDLE ||
                    error == ERROR_SUCCESS)
            << "round " << round << ": " << error;
    }
}

}  // namespace
}  // namespace openinet::test
