// Closing a request while it waits, in every state (resolving, TLS handshake, sending,
// waiting for the head, mid-body), in synchronous mode (another thread closes; the blocked
// call fails with 12017 promptly) and asynchronous mode (REQUEST_COMPLETE {0, 12017}, then
// exactly one HANDLE_CLOSING, then nothing). Also name-resolution failure through the hook.
#include "http_test_helpers.hpp"

#include "scripted_server.hpp"

#include "net/stream.hpp"

#include <openinet/wininet.h>

#include <gtest/gtest.h>

#include <future>

namespace openinet::test {
namespace {

using namespace std::chrono_literals;

enum class Stage { resolving, tls_handshake, sending, head, body };

const char* stage_name(Stage s) {
    switch (s) {
        case Stage::resolving: return "Resolving";
        case Stage::tls_handshake: return "TlsHandshake";
        case Stage::sending: return "Sending";
        case Stage::head: return "WaitingForHead";
        case Stage::body: return "MidBody";
    }
    return "?";
}

// Resolves every name to 127.0.0.1, except "stall.test", which never answers.
class ResolverGuard {
public:
    ResolverGuard() {
        auto parked = parked_;
        net::set_resolver_hook(net::ResolverHook{
            [parked](const std::string& host,
                     std::function<void(std::error_code, std::vector<boost::asio::ip::address>)> answer) {
                if (host == "stall.test") {
                    std::lock_guard lock(parked->mutex);
                    parked->answers.push_back(std::move(answer));
                    return;
                }
                if (host == "nowhere.test") return answer(std::make_error_code(std::errc::host_unreachable), {});
                answer({}, {boost::asio::ip::make_address("127.0.0.1")});
            }});
    }
    ~ResolverGuard() {
        net::set_resolver_hook(std::nullopt);
        std::lock_guard lock(parked_->mutex);
        parked_->answers.clear();
    }

private:
    struct Parked {
        std::mutex mutex;
        std::vector<std::function<void(std::error_code, std::vector<boost::asio::ip::address>)>> answers;
    };
    std::shared_ptr<Parked> parked_ = std::make_shared<Parked>();
};

struct Setup {
    std::unique_ptr<ScriptedServer> server;
    std::string host = "127.0.0.1";
    DWORD flags = 0;
    std::string body;  // request body
};

Setup prepare(Stage stage) {
    Setup s;
    s.server = std::make_unique<ScriptedServer>();
    switch (stage) {
        case Stage::resolving:
            s.host = "stall.test";
            break;
        case Stage::tls_handshake:
            s.server->add_script({step::ReadUntilClose{}});  // reads the ClientHello, never answers
            s.flags = INTERNET_FLAG_SECURE;
            break;
        case Stage::sending:
            s.server->add_script({step::Stall{step::forever}});  // never reads: the socket buffers fill
            s.body.assign(64 * 1024 * 1024, 'b');
            break;
        case Stage::head:
            s.server->add_script({step::ReadRequest{}, step::Stall{step::forever}});
            break;
        case Stage::body:
            s.server->add_script({step::ReadRequest{},
                                  step::Send{"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nsome bytes"},
                                  step::Stall{step::forever}});
            break;
    }
    return s;
}

class CancelSync : public ::testing::TestWithParam<Stage> {};

DWORD stage_notification(Stage stage) {
    switch (stage) {
        case Stage::resolving: return INTERNET_STATUS_RESOLVING_NAME;
        case Stage::tls_handshake: return INTERNET_STATUS_CONNECTED_TO_SERVER;
        case Stage::sending: return INTERNET_STATUS_SENDING_REQUEST;
        case Stage::head: return INTERNET_STATUS_RECEIVING_RESPONSE;
        case Stage::body: return INTERNET_STATUS_RECEIVING_RESPONSE;
    }
    return 0;
}

TEST_P(CancelSync, CloseFromAnotherThreadReleasesTheCall) {
    ResolverGuard resolver;
    Recorder recorder;
    auto s = prepare(GetParam());
    InetHandle session(InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
    InternetSetStatusCallbackA(session, &Recorder::callback);
    InetHandle c(InternetConnectA(session, s.host.c_str(), s.server->port(), nullptr, nullptr, INTERNET_SERVICE_HTTP,
                                  0, 1));
    HINTERNET r = HttpOpenRequestA(c, s.body.empty() ? "GET" : "POST", "/", nullptr, nullptr, nullptr,
                                   s.flags, 2);
    ASSERT_TRUE(r);
    DWORD timeout = 60000;  // the close, not a timeout, must end the call
    InternetSetOptionA(r, INTERNET_OPTION_RECEIVE_TIMEOUT, &timeout, sizeof timeout);
    InternetSetOptionA(r, INTERNET_OPTION_SEND_TIMEOUT, &timeout, sizeof timeout);
    InternetSetOptionA(r, INTERNET_OPTION_CONNECT_TIMEOUT, &timeout, sizeof timeout);
    if (GetParam() == Stage::body) {
        ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
        recorder.clear();
    }

    auto call = std::async(std::launch::async, [&]() -> std::pair<BOOL, DWORD> {
        if (GetParam() == Stage::body) {
            std::vector<char> buffer(50000);
            DWORD got = 0;
            BOOL ok = InternetReadFile(r, buffer.data(), static_cast<DWORD>(buffer.size()), &got);
            return {ok, GetLastError()};
        }
        BOOL ok = HttpSendRequestA(r, nullptr, 0, s.body.empty() ? nullptr : s.body.data(),
                                   static_cast<DWORD>(s.body.size()));
        return {ok, GetLastError()};
    });
    // Let the call reach its waiting state: its notification says it is there (delivered on
    // the calling thread, inside the call), then give it a moment to block.
    ASSERT_TRUE(recorder.wait_for(stage_notification(GetParam()), r, 10s));
    ASSERT_EQ(call.wait_for(200ms), std::future_status::timeout) << "the call did not block";
    auto closed_at = std::chrono::steady_clock::now();
    ASSERT_TRUE(InternetCloseHandle(r));
    ASSERT_EQ(call.wait_for(2s), std::future_status::ready) << "the call was not released by the close";
    EXPECT_LT(std::chrono::steady_clock::now() - closed_at, 2s);
    auto [ok, error] = call.get();
    EXPECT_FALSE(ok);
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
    // The handle is gone.
    DWORD type = 0, size = sizeof type;
    EXPECT_FALSE(InternetQueryOptionA(r, INTERNET_OPTION_HANDLE_TYPE, &type, &size));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
}

INSTANTIATE_TEST_SUITE_P(CancelAt, CancelSync,
                         ::testing::Values(Stage::resolving, Stage::tls_handshake, Stage::sending, Stage::head,
                                           Stage::body),
                         [](const auto& info) { return std::string(stage_name(info.param)); });

class CancelAsync : public ::testing::TestWithParam<Stage> {};

TEST_P(CancelAsync, CompletesWithCancelledThenOneHandleClosing) {
    ResolverGuard resolver;
    Recorder recorder;
    auto s = prepare(GetParam());
    InetHandle session(InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, INTERNET_FLAG_ASYNC));
    InternetSetStatusCallbackA(session, &Recorder::callback);
    InetHandle c(InternetConnectA(session, s.host.c_str(), s.server->port(), nullptr, nullptr, INTERNET_SERVICE_HTTP,
                                  0, 1));
    HINTERNET r = HttpOpenRequestA(c, s.body.empty() ? "GET" : "POST", "/", nullptr, nullptr, nullptr, s.flags, 2);
    ASSERT_TRUE(r);
    // Reach the stage: wait for the notification that says we are in it.
    DWORD stage_status = INTERNET_STATUS_RESOLVING_NAME;
    switch (GetParam()) {
        case Stage::resolving: stage_status = INTERNET_STATUS_RESOLVING_NAME; break;
        case Stage::tls_handshake: stage_status = INTERNET_STATUS_CONNECTED_TO_SERVER; break;
        case Stage::sending: stage_status = INTERNET_STATUS_SENDING_REQUEST; break;
        case Stage::head: stage_status = INTERNET_STATUS_RECEIVING_RESPONSE; break;
        case Stage::body: stage_status = INTERNET_STATUS_REQUEST_COMPLETE; break;
    }
    EXPECT_FALSE(HttpSendRequestA(r, nullptr, 0, s.body.empty() ? nullptr : s.body.data(),
                                  static_cast<DWORD>(s.body.size())));
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    ASSERT_TRUE(recorder.wait_for(stage_status, r, 5s));
    std::vector<char> buffer(50000);
    DWORD got = 0;
    std::size_t completions_before = 0;
    if (GetParam() == Stage::body) {
        completions_before = 1;
        ASSERT_FALSE(InternetReadFile(r, buffer.data(), static_cast<DWORD>(buffer.size()), &got));
        ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    }
    std::this_thread::sleep_for(100ms);  // settle in the waiting state
    ASSERT_TRUE(InternetCloseHandle(r));
    auto done = recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, r, 2s, completions_before + 1);
    ASSERT_TRUE(done) << "no completion after the close";
    EXPECT_EQ(done->result, 0u);
    EXPECT_EQ(done->error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
    auto closing = recorder.wait_for(INTERNET_STATUS_HANDLE_CLOSING, r, 2s);
    ASSERT_TRUE(closing);
    std::this_thread::sleep_for(300ms);  // nothing may follow HANDLE_CLOSING
    auto statuses = recorder.statuses(r);
    ASSERT_FALSE(statuses.empty());
    EXPECT_EQ(statuses.back(), static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING)) << describe(statuses);
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), INTERNET_STATUS_HANDLE_CLOSING), 1);
    // REQUEST_COMPLETE{12017} came before HANDLE_CLOSING.
    auto complete_at = std::find(statuses.rbegin(), statuses.rend(), INTERNET_STATUS_REQUEST_COMPLETE);
    EXPECT_NE(complete_at, statuses.rend());
    InternetSetStatusCallbackA(session, nullptr);
}

INSTANTIATE_TEST_SUITE_P(CancelAsyncAt, CancelAsync,
                         ::testing::Values(Stage::resolving, Stage::tls_handshake, Stage::sending, Stage::head,
                                           Stage::body),
                         [](const auto& info) { return std::string(stage_name(info.param)); });

TEST(CancelParent, ClosingTheSessionCancelsAPendingSend) {
    ResolverGuard resolver;
    ScriptedServer server;
    server.add_script({step::ReadRequest{}, step::Stall{step::forever}});
    HINTERNET session = InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0);
    HINTERNET c = InternetConnectA(session, "127.0.0.1", server.port(), nullptr, nullptr, INTERNET_SERVICE_HTTP, 0, 0);
    HINTERNET r = HttpOpenRequestA(c, "GET", "/", nullptr, nullptr, nullptr, 0, 0);
    auto call = std::async(std::launch::async, [&] {
        BOOL ok = HttpSendRequestA(r, nullptr, 0, nullptr, 0);
        return std::make_pair(ok, GetLastError());
    });
    ASSERT_EQ(call.wait_for(300ms), std::future_status::timeout);
    ASSERT_TRUE(InternetCloseHandle(session));
    ASSERT_EQ(call.wait_for(2s), std::future_status::ready);
    auto [ok, error] = call.get();
    EXPECT_FALSE(ok);
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
}

TEST(CancelResolve, NameNotResolvedThroughTheHook) {
    ResolverGuard resolver;
    InetHandle session(InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
    InetHandle c(InternetConnectA(session, "nowhere.test", 80, nullptr, nullptr, INTERNET_SERVICE_HTTP, 0, 0));
    InetHandle r(HttpOpenRequestA(c, "GET", "/", nullptr, nullptr, nullptr, 0, 0));
    EXPECT_FALSE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_NAME_NOT_RESOLVED));
}

TEST(CancelResolve, AsyncNameNotResolvedSequence) {
    ResolverGuard resolver;
    Recorder recorder;
    InetHandle session(InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, INTERNET_FLAG_ASYNC));
    InternetSetStatusCallbackA(session, &Recorder::callback);
    InetHandle c(InternetConnectA(session, "nowhere.test", 80, nullptr, nullptr, INTERNET_SERVICE_HTTP, 0, 1));
    InetHandle r(HttpOpenRequestA(c, "POST", "/", nullptr, nullptr, nullptr, 0, 2));
    INTERNET_BUFFERSA in{};
    in.dwStructSize = sizeof in;
    in.dwBufferTotal = 10;
    EXPECT_FALSE(HttpSendRequestExA(r, &in, nullptr, 0, 2));
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    auto done = recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, r);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->result, 0u);
    EXPECT_EQ(done->error, static_cast<DWORD>(ERROR_INTERNET_NAME_NOT_RESOLVED));
    auto statuses = recorder.statuses(r);
    EXPECT_NE(std::find(statuses.begin(), statuses.end(), INTERNET_STATUS_RESOLVING_NAME), statuses.end());
    // A following HttpEndRequest completes with "cancelled" (reference §2.8 C).
    EXPECT_FALSE(HttpEndRequestA(r, nullptr, 0, 2));
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    auto end = recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, r, 5s, 2);
    ASSERT_TRUE(end);
    EXPECT_EQ(end->error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
    InternetSetStatusCallbackA(session, nullptr);
}

}  // namespace
}  // namespace openinet::test
