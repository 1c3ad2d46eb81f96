// INTERNET_FLAG_ASYNC HTTP: the exact callback sequences (reference §2.8 A, D, E and the
// redirect case), the threads they arrive on, and the context values; plus the same
// notifications delivered inside the call in synchronous mode.
#include "http_test_helpers.hpp"

#include "content.hpp"
#include "scripted_server.hpp"

#include <openinet/wininet.h>

#include <gtest/gtest.h>

#include <algorithm>

namespace openinet::test {
namespace {

using namespace std::chrono_literals;

constexpr DWORD_PTR kConnectContext = 0x1111;
constexpr DWORD_PTR kRequestContext = 0x2222;

// Drops optional statuses and the ones of other handles, so sequences compare exactly.
std::vector<DWORD> core_sequence(const std::vector<Notification>& events, HINTERNET handle) {
    std::vector<DWORD> out;
    for (const auto& e : events) {
        if (e.handle != handle) continue;
        if (e.status == INTERNET_STATUS_DETECTING_PROXY || e.status == INTERNET_STATUS_COOKIE_SENT ||
            e.status == INTERNET_STATUS_COOKIE_RECEIVED)
            continue;
        out.push_back(e.status);
    }
    // Name resolution notifications are optional (Windows skips them for cached names).
    out.erase(std::remove_if(out.begin(), out.end(),
                             [](DWORD s) {
                                 return s == INTERNET_STATUS_RESOLVING_NAME || s == INTERNET_STATUS_NAME_RESOLVED;
                             }),
              out.end());
    return out;
}

class AsyncHttp : public ::testing::Test {
protected:
    void SetUp() override {
        caller_ = std::this_thread::get_id();
        session_.reset(InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, INTERNET_FLAG_ASYNC));
        ASSERT_TRUE(session_);
        ASSERT_NE(InternetSetStatusCallbackA(session_, &Recorder::callback), INTERNET_INVALID_STATUS_CALLBACK);
    }
    void TearDown() override {
        request_.reset();
        connect_.reset();
        session_.reset();
    }
    void open(std::uint16_t port, const char* verb = "GET", const char* path = "/", DWORD flags = 0) {
        connect_.reset(InternetConnectA(session_, "127.0.0.1", port, nullptr, nullptr, INTERNET_SERVICE_HTTP, 0,
                                        kConnectContext));
        ASSERT_TRUE(connect_);
        request_.reset(HttpOpenRequestA(connect_, verb, path, nullptr, nullptr, nullptr, flags, kRequestContext));
        ASSERT_TRUE(request_);
    }
    // Sends and waits for the completion; returns it.
    Notification send_and_wait() {
        EXPECT_FALSE(HttpSendRequestA(request_, nullptr, 0, nullptr, 0));  // always pends
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
        auto done = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, request_);
        EXPECT_TRUE(done);
        return done.value_or(Notification{});
    }
    // Reads to EOF, pending or not; checks each completion.
    std::string read_all_async(std::size_t chunk) {
        std::string out;
        std::vector<char> buffer(chunk);
        std::size_t completions = recorder_.events().size();
        for (int guard = 0; guard < 100000; ++guard) {
            DWORD got = 0;
            if (!InternetReadFile(request_, buffer.data(), static_cast<DWORD>(chunk), &got)) {
                EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
                std::size_t count = 0;
                for (const auto& e : recorder_.events())
                    count += e.status == INTERNET_STATUS_REQUEST_COMPLETE && e.handle == request_.get();
                auto done = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, request_, 10s, count + 1);
                if (!done) {
                    // The completion may already be counted when it raced the call's return.
                    done = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, request_, 10s, count);
                }
                EXPECT_TRUE(done);
                if (!done) break;
                EXPECT_EQ(done->result, 1u);
                EXPECT_EQ(done->error, 0u);
                EXPECT_NE(done->thread, caller_);
            }
            if (got == 0) break;
            out.append(buffer.data(), got);
        }
        (void)completions;
        return out;
    }
    Recorder recorder_;
    std::thread::id caller_;
    InetHandle session_, connect_, request_;
};

TEST_F(AsyncHttp, GetSequenceThreadsAndContexts) {
    ScriptedServer server;
    std::string body = pattern_bytes(0, 20000);
    server.add_script({step::ReadRequest{}, step::Send{http_response(200, body)}, step::ReadRequest{}});
    open(server.port());
    auto created = recorder_.events();
    ASSERT_EQ(created.size(), 2u);
    for (const auto& e : created) {
        EXPECT_EQ(e.status, static_cast<DWORD>(INTERNET_STATUS_HANDLE_CREATED));
        EXPECT_EQ(e.thread, caller_);  // HANDLE_CREATED: on the caller's thread
    }
    EXPECT_EQ(created[0].context, kConnectContext);
    EXPECT_EQ(created[1].context, kRequestContext);
    EXPECT_EQ(reinterpret_cast<HINTERNET>(created[1].result), request_.get());

    auto done = send_and_wait();
    EXPECT_EQ(done.result, 1u);
    EXPECT_EQ(done.error, 0u);
    EXPECT_EQ(done.length, sizeof(INTERNET_ASYNC_RESULT));

    auto events = recorder_.events();
    EXPECT_EQ(core_sequence(events, request_),
              (std::vector<DWORD>{INTERNET_STATUS_HANDLE_CREATED, INTERNET_STATUS_CONNECTING_TO_SERVER,
                                  INTERNET_STATUS_CONNECTED_TO_SERVER, INTERNET_STATUS_SENDING_REQUEST,
                                  INTERNET_STATUS_REQUEST_SENT, INTERNET_STATUS_RECEIVING_RESPONSE,
                                  INTERNET_STATUS_RESPONSE_RECEIVED, INTERNET_STATUS_REQUEST_COMPLETE}))
        << describe(core_sequence(events, request_));
    for (const auto& e : events) {
        if (e.handle != request_.get() || e.status == INTERNET_STATUS_HANDLE_CREATED) continue;
        EXPECT_NE(e.thread, caller_) << "status " << e.status << " on the caller's thread";
        EXPECT_EQ(e.context, kRequestContext);
        if (e.status == INTERNET_STATUS_CONNECTING_TO_SERVER || e.status == INTERNET_STATUS_CONNECTED_TO_SERVER) {
            EXPECT_EQ(e.text, "127.0.0.1");
            EXPECT_EQ(e.length, e.text.size() + 1);
        }
        if (e.status == INTERNET_STATUS_REQUEST_SENT) EXPECT_GT(e.dword, 20u);
        if (e.status == INTERNET_STATUS_RESPONSE_RECEIVED) EXPECT_GT(e.dword, 0u);
    }
    EXPECT_EQ(status_code(request_), 200u);
    EXPECT_EQ(read_all_async(3000), body);

    // Reading at EOF: TRUE with 0 bytes, no notification.
    auto before = recorder_.events().size();
    char byte;
    DWORD got = 9;
    ASSERT_TRUE(InternetReadFile(request_, &byte, 1, &got));
    EXPECT_EQ(got, 0u);
    EXPECT_EQ(recorder_.events().size(), before);

    // Closing: exactly one HANDLE_CLOSING for the request, on the caller's thread, last.
    HINTERNET request = request_.release();
    ASSERT_TRUE(InternetCloseHandle(request));
    auto closing = recorder_.wait_for(INTERNET_STATUS_HANDLE_CLOSING, request, 5s);
    ASSERT_TRUE(closing);
    std::this_thread::sleep_for(200ms);
    auto after = recorder_.statuses(request);
    EXPECT_EQ(after.back(), static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING));
    EXPECT_EQ(std::count(after.begin(), after.end(), INTERNET_STATUS_HANDLE_CLOSING), 1);
}

TEST_F(AsyncHttp, ReadPendsThenCompletesWithData) {
    ScriptedServer server;
    server.add_script({step::ReadRequest{}, step::Send{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"},
                       step::Stall{300ms}, step::Send{"0123456789"}, step::ReadRequest{}});
    open(server.port());
    auto done = send_and_wait();
    ASSERT_EQ(done.error, 0u);
    char buffer[10];
    DWORD got = 77;
    recorder_.clear();
    ASSERT_FALSE(InternetReadFile(request_, buffer, sizeof buffer, &got));
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    auto complete = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, request_);
    ASSERT_TRUE(complete);
    EXPECT_EQ(complete->result, 1u);
    EXPECT_EQ(got, 10u);  // written at completion
    EXPECT_EQ(std::string(buffer, 10), "0123456789");
    auto seq = core_sequence(recorder_.events(), request_);
    EXPECT_EQ(seq, (std::vector<DWORD>{INTERNET_STATUS_RECEIVING_RESPONSE, INTERNET_STATUS_RESPONSE_RECEIVED,
                                       INTERNET_STATUS_REQUEST_COMPLETE}))
        << describe(seq);
    auto events = recorder_.events();
    EXPECT_EQ(events.front().thread, caller_);  // RECEIVING_RESPONSE before pending: caller
}

// WinInet programs read in small pieces (4 KiB is typical): such a read fills the connection's
// read-ahead buffer, and the calls after it are served from memory, completing at once, instead
// of each being an operation of its own (that pends, in an asynchronous session).
TEST_F(AsyncHttp, SmallReadsAreServedFromTheReadAheadBuffer) {
    constexpr std::size_t kBody = 1 << 20, kRead = 4096;
    std::string body(kBody, '\0');
    for (std::size_t i = 0; i < kBody; ++i) body[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
    ScriptedServer server;
    server.add_script({step::ReadRequest{}, step::Send{"HTTP/1.1 200 OK\r\nContent-Length: " +
                                                       std::to_string(kBody) + "\r\n\r\n" + body},
                       step::ReadRequest{}});
    open(server.port());
    ASSERT_EQ(send_and_wait().error, 0u);
    std::string received;
    std::vector<char> buffer(kRead);
    int reads = 0, pended = 0;
    for (; reads < 10000; ++reads) {
        DWORD got = 0;
        if (!InternetReadFile(request_, buffer.data(), kRead, &got)) {
            ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
            ++pended;
            auto done = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, request_, 10s, pended + 1);
            ASSERT_TRUE(done);
            ASSERT_EQ(done->result, 1u);
        }
        if (got == 0) break;
        received.append(buffer.data(), got);
    }
    EXPECT_TRUE(received == body) << received.size() << " bytes";
    EXPECT_GE(reads, static_cast<int>(kBody / kRead));
    // 256 reads; a read-ahead of 64 KiB at a time pends about 16 of them.
    EXPECT_LE(pended, 64) << pended << " of " << reads << " reads pended";
}

TEST_F(AsyncHttp, QueryDataAvailablePendsAndReportsTheCount) {
    ScriptedServer server;
    server.add_script({step::ReadRequest{}, step::Send{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"},
                       step::Stall{300ms}, step::Send{"0123456789"}, step::ReadRequest{}});
    open(server.port());
    ASSERT_EQ(send_and_wait().error, 0u);
    DWORD available = 55;
    recorder_.clear();
    if (!InternetQueryDataAvailable(request_, &available, 0, 0)) {
        ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
        auto complete = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, request_);
        ASSERT_TRUE(complete);
        EXPECT_EQ(complete->result, 1u);
        EXPECT_EQ(complete->error, 10u);  // Windows' quirk: the count travels in dwError
    }
    EXPECT_EQ(available, 10u);
    char buffer[10];
    DWORD got = 0;
    ASSERT_TRUE(InternetReadFile(request_, buffer, sizeof buffer, &got));  // buffered: no pending
    EXPECT_EQ(got, 10u);
}

TEST_F(AsyncHttp, NoWaitReadReturnsWhatIsBuffered) {
    ScriptedServer server;
    server.add_script({step::ReadRequest{}, step::Send{"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123456789"},
                       step::Stall{300ms}, step::Send{"abcdefghij"}, step::ReadRequest{}});
    open(server.port());
    ASSERT_EQ(send_and_wait().error, 0u);
    char buffer[64];
    INTERNET_BUFFERSA b{};
    b.dwStructSize = sizeof b;
    b.lpvBuffer = buffer;
    b.dwBufferLength = sizeof buffer;
    ASSERT_TRUE(InternetReadFileExA(request_, &b, IRF_NO_WAIT, 0)) << GetLastError();
    EXPECT_EQ(std::string(buffer, b.dwBufferLength), "0123456789");
    b.dwBufferLength = sizeof buffer;
    recorder_.clear();
    if (!InternetReadFileExA(request_, &b, IRF_NO_WAIT, 0)) {
        ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
        ASSERT_TRUE(recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, request_));
        b.dwBufferLength = sizeof buffer;
        ASSERT_TRUE(InternetReadFileExA(request_, &b, IRF_NO_WAIT, 0));
    }
    EXPECT_EQ(std::string(buffer, b.dwBufferLength), "abcdefghij");
}

TEST_F(AsyncHttp, RedirectSequence) {
    ScriptedServer server;
    std::string location = "Location: " + server.url("/target") + "\r\n";
    server.add_script({step::ReadRequest{}, step::Send{http_response(302, "moved", location)}, step::ReadRequest{},
                       step::Send{http_response(200, "final")}, step::ReadRequest{}});
    open(server.port(), "GET", "/start");
    auto done = send_and_wait();
    EXPECT_EQ(done.error, 0u);
    auto events = recorder_.events();
    EXPECT_EQ(core_sequence(events, request_),
              (std::vector<DWORD>{INTERNET_STATUS_HANDLE_CREATED, INTERNET_STATUS_CONNECTING_TO_SERVER,
                                  INTERNET_STATUS_CONNECTED_TO_SERVER, INTERNET_STATUS_SENDING_REQUEST,
                                  INTERNET_STATUS_REQUEST_SENT, INTERNET_STATUS_RECEIVING_RESPONSE,
                                  INTERNET_STATUS_RESPONSE_RECEIVED, INTERNET_STATUS_REDIRECT,
                                  INTERNET_STATUS_SENDING_REQUEST, INTERNET_STATUS_REQUEST_SENT,
                                  INTERNET_STATUS_RECEIVING_RESPONSE, INTERNET_STATUS_RESPONSE_RECEIVED,
                                  INTERNET_STATUS_REQUEST_COMPLETE}))
        << describe(core_sequence(events, request_));
    for (const auto& e : events)
        if (e.status == INTERNET_STATUS_REDIRECT) {
            EXPECT_EQ(e.text, server.url("/target"));
            EXPECT_NE(e.thread, caller_);
        }
    EXPECT_EQ(status_code(request_), 200u);
    EXPECT_EQ(read_all_async(100), "final");
    EXPECT_EQ(server.accepted_connections(), 1u);  // the 302's connection was reused
}

TEST_F(AsyncHttp, SendRequestExSequence) {
    ScriptedServer server;
    server.add_script({step::ReadRequest{}, step::Send{http_response(200, "stored")}, step::ReadRequest{}});
    open(server.port(), "POST", "/upload");
    INTERNET_BUFFERSA in{};
    in.dwStructSize = sizeof in;
    in.dwBufferTotal = 8;
    EXPECT_FALSE(HttpSendRequestExA(request_, &in, nullptr, 0, kRequestContext));
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    auto sent = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, request_);
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->result, 1u);
    EXPECT_EQ(core_sequence(recorder_.events(), request_),
              (std::vector<DWORD>{INTERNET_STATUS_HANDLE_CREATED, INTERNET_STATUS_CONNECTING_TO_SERVER,
                                  INTERNET_STATUS_CONNECTED_TO_SERVER, INTERNET_STATUS_SENDING_REQUEST,
                                  INTERNET_STATUS_REQUEST_SENT, INTERNET_STATUS_REQUEST_COMPLETE}));
    recorder_.clear();
    DWORD written = 0;
    ASSERT_TRUE(InternetWriteFile(request_, "12345678", 8, &written));  // inline, even in async mode
    EXPECT_EQ(written, 8u);
    auto inline_events = recorder_.events();
    EXPECT_EQ(core_sequence(inline_events, request_),
              (std::vector<DWORD>{INTERNET_STATUS_SENDING_REQUEST, INTERNET_STATUS_REQUEST_SENT}));
    for (const auto& e : inline_events) EXPECT_EQ(e.thread, caller_);
    recorder_.clear();
    EXPECT_FALSE(HttpEndRequestA(request_, nullptr, 0, kRequestContext));
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    auto ended = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, request_);
    ASSERT_TRUE(ended);
    EXPECT_EQ(ended->result, 1u);
    EXPECT_EQ(core_sequence(recorder_.events(), request_),
              (std::vector<DWORD>{INTERNET_STATUS_RECEIVING_RESPONSE, INTERNET_STATUS_RESPONSE_RECEIVED,
                                  INTERNET_STATUS_REQUEST_COMPLETE}));
    EXPECT_EQ(status_code(request_), 200u);
    auto requests = server.requests();
    ASSERT_FALSE(requests.empty());
    EXPECT_NE(requests[0].find("Content-Length: 8\r\n"), std::string::npos);
    EXPECT_EQ(requests[0].substr(requests[0].size() - 8), "12345678");
}

TEST_F(AsyncHttp, FailedConnectSequence) {
    std::uint16_t port;
    {
        ScriptedServer probe;
        port = probe.port();
    }
    open(port);
    auto done = send_and_wait();
    EXPECT_EQ(done.result, 0u);
    EXPECT_EQ(done.error, static_cast<DWORD>(ERROR_INTERNET_CANNOT_CONNECT));
    auto seq = core_sequence(recorder_.events(), request_);
    ASSERT_GE(seq.size(), 3u) << describe(seq);
    EXPECT_EQ(seq.front(), static_cast<DWORD>(INTERNET_STATUS_HANDLE_CREATED));
    EXPECT_EQ(seq[1], static_cast<DWORD>(INTERNET_STATUS_CONNECTING_TO_SERVER));
    EXPECT_EQ(seq.back(), static_cast<DWORD>(INTERNET_STATUS_REQUEST_COMPLETE));
    for (DWORD s : seq) {
        EXPECT_NE(s, static_cast<DWORD>(INTERNET_STATUS_CONNECTED_TO_SERVER));
        EXPECT_NE(s, static_cast<DWORD>(INTERNET_STATUS_SENDING_REQUEST));
    }
}

TEST_F(AsyncHttp, OpenUrlDeliversTheHandleInTheCompletion) {
    ScriptedServer server;
    server.add_script({step::ReadRequest{}, step::Send{http_response(200, "via open url")}, step::ReadRequest{}});
    const DWORD_PTR context = 0x3333;
    HINTERNET h = InternetOpenUrlA(session_, server.url("/x").c_str(), nullptr, 0, 0, context);
    ASSERT_EQ(h, nullptr);
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    auto created = recorder_.wait_for(INTERNET_STATUS_HANDLE_CREATED);
    ASSERT_TRUE(created);
    EXPECT_EQ(created->context, context);
    EXPECT_EQ(created->thread, caller_);
    auto done = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, created->handle);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->error, 0u);
    EXPECT_EQ(reinterpret_cast<HINTERNET>(done->result), created->handle);
    request_.reset(reinterpret_cast<HINTERNET>(done->result));
    DWORD type = 0, size = sizeof type;
    ASSERT_TRUE(InternetQueryOptionA(request_, INTERNET_OPTION_HANDLE_TYPE, &type, &size));
    EXPECT_EQ(type, static_cast<DWORD>(INTERNET_HANDLE_TYPE_HTTP_REQUEST));
    EXPECT_EQ(read_all_async(64), "via open url");
}

TEST(AsyncHttpSyncMode, NotificationsArriveOnTheCallingThread) {
    Recorder recorder;
    ScriptedServer server;
    server.add_script({step::ReadRequest{}, step::Send{http_response(200, "sync")}, step::ReadRequest{}});
    InetHandle session(InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
    InternetSetStatusCallbackA(session, &Recorder::callback);
    InetHandle c(InternetConnectA(session, "127.0.0.1", server.port(), nullptr, nullptr, INTERNET_SERVICE_HTTP, 0,
                                  kConnectContext));
    InetHandle r(HttpOpenRequestA(c, "GET", "/", nullptr, nullptr, nullptr, 0, kRequestContext));
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    auto events = recorder.events();
    auto seq = core_sequence(events, r);
    EXPECT_EQ(seq, (std::vector<DWORD>{INTERNET_STATUS_HANDLE_CREATED, INTERNET_STATUS_CONNECTING_TO_SERVER,
                                       INTERNET_STATUS_CONNECTED_TO_SERVER, INTERNET_STATUS_SENDING_REQUEST,
                                       INTERNET_STATUS_REQUEST_SENT, INTERNET_STATUS_RECEIVING_RESPONSE,
                                       INTERNET_STATUS_RESPONSE_RECEIVED}))
        << describe(seq);
    for (const auto& e : events)
        if (e.handle == r.get() || e.handle == c.get()) EXPECT_EQ(e.thread, std::this_thread::get_id()) << e.status;
}

}  // namespace
}  // namespace openinet::test
