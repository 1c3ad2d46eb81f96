// The per-server connection limit of the keep-alive pool (INTERNET_OPTION_MAX_CONNS_PER_SERVER):
// concurrent requests share at most that many connections (proved with nginx's connection
// serial numbers), a request waiting for a place is cancelled promptly by closing its handle,
// and a wait longer than the connect timeout goes beyond the limit instead of hanging. A server
// that answers HTTP/1.0 gets INTERNET_OPTION_MAX_CONNS_PER_1_0_SERVER instead (scripted server).
#include "http_test_helpers.hpp"

#include "http/pool.hpp"
#include "nginx_server.hpp"
#include "scripted_server.hpp"

#include <openinet/wininet.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace openinet::test {
namespace {

constexpr int kConcurrent = 50;

DWORD global_limit() {
    DWORD value = 0, size = sizeof value;
    EXPECT_TRUE(InternetQueryOptionA(nullptr, INTERNET_OPTION_MAX_CONNS_PER_SERVER, &value, &size));
    return value;
}

void set_global_limit(DWORD value) {
    ASSERT_TRUE(InternetSetOptionA(nullptr, INTERNET_OPTION_MAX_CONNS_PER_SERVER, &value, sizeof value))
        << GetLastError();
}

// Sets the process-wide limit for one test and starts from an empty pool for nginx's port, so
// idle connections left by earlier tests neither count nor get reused.
class LimitFixture : public ::testing::Test {
protected:
    void SetUp() override {
        nginx_ = &shared_nginx();
        saved_limit_ = global_limit();
        drain_pool();
    }
    void TearDown() override {
        set_global_limit(saved_limit_);
        drain_pool();
    }
    http::PoolKey key() const { return http::PoolKey{"127.0.0.1", nginx_->http_port(), false, 0}; }
    // Idle connections close on their strands, asynchronously: wait (bounded) until none is left.
    void drain_pool() {
        http::Pool::instance().clear();
        for (int i = 0; i < 200 && http::Pool::instance().open_count(key()) > 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        ASSERT_EQ(http::Pool::instance().open_count(key()), 0u);
    }
    std::set<std::uint64_t> distinct_connections(const std::string& uri, std::size_t count) const {
        auto ids = nginx_->connection_ids_for(uri, count);
        EXPECT_EQ(ids.size(), count);
        return {ids.begin(), ids.end()};
    }

    NginxServer* nginx_ = nullptr;
    DWORD saved_limit_ = 0;
};

class HttpConnectionLimit : public LimitFixture {};

TEST_F(HttpConnectionLimit, DefaultIsSixPerServer) { EXPECT_EQ(saved_limit_, 6u); }

TEST_F(HttpConnectionLimit, FiftyThreadsOnOneConnectHandleShareTheLimit) {
    set_global_limit(3);
    InetHandle session(InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
    ASSERT_TRUE(session);
    InetHandle connection(InternetConnectA(session, "127.0.0.1", nginx_->http_port(), nullptr, nullptr,
                                           INTERNET_SERVICE_HTTP, 0, 0));
    ASSERT_TRUE(connection);
    const std::string uri = "/files/1k.bin?limit-sync";
    std::atomic<int> succeeded{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kConcurrent; ++i) {
        threads.emplace_back([&] {
            InetHandle request(HttpOpenRequestA(connection, "GET", uri.c_str(), nullptr, nullptr, nullptr,
                                                INTERNET_FLAG_RELOAD, 0));
            if (!request || !HttpSendRequestA(request, nullptr, 0, nullptr, 0)) return;
            auto body = read_all(request, 1000);
            if (body && body->size() == 1024 && status_code(request) == 200) ++succeeded;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(succeeded.load(), kConcurrent);
    const auto connections = distinct_connections(uri, kConcurrent);
    EXPECT_GE(connections.size(), 1u);
    EXPECT_LE(connections.size(), 3u);
    EXPECT_LE(http::Pool::instance().open_count(key()), 3u);
}

// Requests driven by their REQUEST_COMPLETE notifications, all started at once.
struct AsyncBatch {
    struct Transfer {
        AsyncBatch* batch = nullptr;
        HINTERNET request = nullptr;
        bool sent = false;
        char buffer[4096];
        DWORD got = 0;
        std::size_t received = 0;
    };

    std::mutex mutex;
    std::condition_variable cv;
    int finished = 0, good = 0, closed = 0;

    void finish(Transfer* t, bool ok) {
        {
            std::lock_guard lock(mutex);
            ++finished;
            if (ok) ++good;
            cv.notify_all();
        }
        InternetCloseHandle(t->request);  // HANDLE_CLOSING frees t
    }

    // Reads until a read pends (the callback continues) or the body ends.
    void read_on(Transfer* t) {
        for (;;) {
            t->got = 0;
            if (!InternetReadFile(t->request, t->buffer, sizeof t->buffer, &t->got)) {
                if (GetLastError() != ERROR_IO_PENDING) finish(t, false);
                return;
            }
            if (t->got == 0) return finish(t, t->received == 1024);
            t->received += t->got;
        }
    }

    static void CALLBACK callback(HINTERNET, DWORD_PTR context, DWORD status, LPVOID info, DWORD) {
        auto* t = reinterpret_cast<Transfer*>(context);
        if (status == INTERNET_STATUS_HANDLE_CLOSING) {
            AsyncBatch* batch = t->batch;
            delete t;
            // Notified under the lock: the test may destroy the batch as soon as it is released.
            std::lock_guard lock(batch->mutex);
            ++batch->closed;
            batch->cv.notify_all();
            return;
        }
        if (status != INTERNET_STATUS_REQUEST_COMPLETE) return;
        const auto* result = static_cast<const INTERNET_ASYNC_RESULT*>(info);
        if (!result->dwResult) return t->batch->finish(t, false);
        if (!t->sent) {
            t->sent = true;
            return t->batch->read_on(t);
        }
        if (t->got == 0) return t->batch->finish(t, t->received == 1024);
        t->received += t->got;
        t->batch->read_on(t);
    }
};

class AsyncConnectionLimit : public LimitFixture {};

TEST_F(AsyncConnectionLimit, FiftyRequestsInFlightShareTheLimit) {
    set_global_limit(4);
    InetHandle session(
        InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, INTERNET_FLAG_ASYNC));
    ASSERT_TRUE(session);
    InternetSetStatusCallbackA(session, &AsyncBatch::callback);
    InetHandle connection(InternetConnectA(session, "127.0.0.1", nginx_->http_port(), nullptr, nullptr,
                                           INTERNET_SERVICE_HTTP, 0, 0));
    ASSERT_TRUE(connection);
    const std::string uri = "/files/1k.bin?limit-async";
    AsyncBatch batch;
    for (int i = 0; i < kConcurrent; ++i) {
        auto* t = new AsyncBatch::Transfer;
        t->batch = &batch;
        t->request = HttpOpenRequestA(connection, "GET", uri.c_str(), nullptr, nullptr, nullptr,
                                      INTERNET_FLAG_RELOAD, reinterpret_cast<DWORD_PTR>(t));
        ASSERT_TRUE(t->request) << GetLastError();
        if (HttpSendRequestA(t->request, nullptr, 0, nullptr, 0)) {
            t->sent = true;
            batch.read_on(t);
        } else {
            ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
        }
    }
    {
        std::unique_lock lock(batch.mutex);
        ASSERT_TRUE(batch.cv.wait_for(lock, std::chrono::seconds(60), [&] { return batch.closed == kConcurrent; }))
            << batch.finished << " finished, " << batch.closed << " closed";
    }
    EXPECT_EQ(batch.good, kConcurrent);
    const auto connections = distinct_connections(uri, kConcurrent);
    EXPECT_LE(connections.size(), 4u);
}

// A request waits in line while the only place is held by a response whose body is unread.
class CancelConnectionLimit : public LimitFixture {
protected:
    void SetUp() override {
        LimitFixture::SetUp();
        set_global_limit(1);
        session_.reset(InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
        ASSERT_TRUE(session_);
        connection_.reset(InternetConnectA(session_, "127.0.0.1", nginx_->http_port(), nullptr, nullptr,
                                           INTERNET_SERVICE_HTTP, 0, 0));
        ASSERT_TRUE(connection_);
        holder_uri_ = std::string("/files/10m.bin?limit-holder-") +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name();
        holder_.reset(HttpOpenRequestA(connection_, "GET", holder_uri_.c_str(), nullptr, nullptr, nullptr,
                                       INTERNET_FLAG_RELOAD, 0));
        ASSERT_TRUE(holder_);
        ASSERT_TRUE(HttpSendRequestA(holder_, nullptr, 0, nullptr, 0)) << GetLastError();
    }
    void TearDown() override {
        holder_.reset();
        connection_.reset();
        session_.reset();
        LimitFixture::TearDown();
    }
    InetHandle session_, connection_, holder_;
    std::string holder_uri_;
};

TEST_F(CancelConnectionLimit, ClosingAWaitingRequestCancelsItPromptly) {
    HINTERNET waiting = HttpOpenRequestA(connection_, "GET", "/files/1k.bin?limit-waiter", nullptr, nullptr, nullptr,
                                         INTERNET_FLAG_RELOAD, 0);
    ASSERT_TRUE(waiting);
    std::atomic<bool> returned{false};
    BOOL sent = TRUE;
    DWORD error = 0;
    std::thread sender([&] {
        sent = HttpSendRequestA(waiting, nullptr, 0, nullptr, 0);
        error = GetLastError();
        returned = true;
    });
    // It cannot finish while the holder keeps the only place.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_FALSE(returned.load());
    const auto closed_at = std::chrono::steady_clock::now();
    ASSERT_TRUE(InternetCloseHandle(waiting));
    sender.join();
    EXPECT_LT(std::chrono::steady_clock::now() - closed_at, std::chrono::seconds(2));
    EXPECT_FALSE(sent);
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));

    // The holder's place is handed on once it is closed: the next request gets it.
    holder_.reset();
    InetHandle next(HttpOpenRequestA(connection_, "GET", "/files/1k.bin?limit-next", nullptr, nullptr, nullptr,
                                     INTERNET_FLAG_RELOAD, 0));
    ASSERT_TRUE(next);
    ASSERT_TRUE(HttpSendRequestA(next, nullptr, 0, nullptr, 0)) << GetLastError();
    auto body = read_all(next);
    ASSERT_TRUE(body);
    EXPECT_EQ(body->size(), 1024u);
}

TEST_F(CancelConnectionLimit, AWaiterGetsTheConnectionWhenTheHolderFinishes) {
    HINTERNET waiting = HttpOpenRequestA(connection_, "GET", "/files/1k.bin?limit-handover", nullptr, nullptr,
                                         nullptr, INTERNET_FLAG_RELOAD, 0);
    ASSERT_TRUE(waiting);
    InetHandle waiting_guard(waiting);
    BOOL sent = FALSE;
    DWORD error = 0;
    std::thread sender([&] {
        sent = HttpSendRequestA(waiting, nullptr, 0, nullptr, 0);
        error = GetLastError();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto held = read_all(holder_, 1 << 20);  // the holder's body ends: its connection goes on
    ASSERT_TRUE(held);
    EXPECT_EQ(held->size(), 10u << 20);
    sender.join();
    ASSERT_TRUE(sent) << error;
    auto body = read_all(waiting);
    ASSERT_TRUE(body);
    EXPECT_EQ(body->size(), 1024u);
    auto holder_ids = nginx_->connection_ids_for(holder_uri_, 1);
    auto waiter_ids = nginx_->connection_ids_for("/files/1k.bin?limit-handover", 1);
    ASSERT_EQ(holder_ids.size(), 1u);
    ASSERT_EQ(waiter_ids.size(), 1u);
    EXPECT_EQ(holder_ids[0], waiter_ids[0]);  // reused, not a second connection
}

TEST_F(CancelConnectionLimit, AWaitLongerThanTheConnectTimeoutGoesBeyondTheLimit) {
    DWORD timeout = 300;
    ASSERT_TRUE(InternetSetOptionA(session_, INTERNET_OPTION_CONNECT_TIMEOUT, &timeout, sizeof timeout));
    // Options are inherited at creation: a new connect handle takes the short timeout.
    InetHandle connection(InternetConnectA(session_, "127.0.0.1", nginx_->http_port(), nullptr, nullptr,
                                           INTERNET_SERVICE_HTTP, 0, 0));
    ASSERT_TRUE(connection);
    InetHandle extra(HttpOpenRequestA(connection, "GET", "/files/1k.bin?limit-beyond", nullptr, nullptr, nullptr,
                                      INTERNET_FLAG_RELOAD, 0));
    ASSERT_TRUE(extra);
    ASSERT_TRUE(HttpSendRequestA(extra, nullptr, 0, nullptr, 0)) << GetLastError();
    auto body = read_all(extra);
    ASSERT_TRUE(body);
    EXPECT_EQ(body->size(), 1024u);
    // Back within the limit: the extra connection is closed, not parked beside the holder's
    // (it closes on its strand, so allow it a moment).
    for (int i = 0; i < 200 && http::Pool::instance().open_count(key()) > 1; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(http::Pool::instance().open_count(key()), 1u);
    EXPECT_EQ(http::Pool::instance().idle_count(), 0u);
    holder_.reset();  // nginx logs the holder's request once its connection is gone
    auto holder_ids = nginx_->connection_ids_for(holder_uri_, 1);
    auto extra_ids = nginx_->connection_ids_for("/files/1k.bin?limit-beyond", 1);
    ASSERT_EQ(holder_ids.size(), 1u);
    ASSERT_EQ(extra_ids.size(), 1u);
    EXPECT_NE(holder_ids[0], extra_ids[0]);
}

// WinInet limits connections to a server that answers HTTP/1.0 with MAX_CONNS_PER_1_0_SERVER:
// once a response said 1.0, five concurrent requests share two connections (the 1.1 limit is 8);
// when the server answers HTTP/1.1 again, the larger limit lets the waiting requests in.
class HttpOneZeroLimit : public ::testing::Test {
protected:
    void SetUp() override {
        saved_ = {global_limit(), limit_1_0()};
        set_limits(8, 2);
    }
    void TearDown() override { set_limits(saved_.first, saved_.second); }
    static DWORD limit_1_0() {
        DWORD value = 0, size = sizeof value;
        EXPECT_TRUE(InternetQueryOptionA(nullptr, INTERNET_OPTION_MAX_CONNS_PER_1_0_SERVER, &value, &size));
        return value;
    }
    static void set_limits(DWORD per_server, DWORD per_1_0_server) {
        set_global_limit(per_server);
        ASSERT_TRUE(InternetSetOptionA(nullptr, INTERNET_OPTION_MAX_CONNS_PER_1_0_SERVER, &per_1_0_server,
                                       sizeof per_1_0_server));
    }
    // Answers `count` requests in turn, each once the test releases a gate.
    static Script gated_answers(const std::string& response, int count) {
        Script script;
        for (int i = 0; i < count; ++i) {
            script.push_back(step::ReadRequest{});
            script.push_back(step::Gate{});
            script.push_back(step::Send{response});
        }
        script.push_back(step::ReadUntilClose{});
        return script;
    }
    // Starts `count` synchronous GETs, each on its own thread, on `connection`.
    static std::vector<std::thread> start_requests(HINTERNET connection, int count, std::atomic<int>& succeeded) {
        std::vector<std::thread> threads;
        for (int i = 0; i < count; ++i) {
            threads.emplace_back([connection, &succeeded] {
                InetHandle request(HttpOpenRequestA(connection, "GET", "/r", nullptr, nullptr, nullptr,
                                                    INTERNET_FLAG_RELOAD, 0));
                if (!request || !HttpSendRequestA(request, nullptr, 0, nullptr, 0)) return;
                auto body = read_all(request);
                if (body && *body == "ok") ++succeeded;
            });
        }
        return threads;
    }
    // The first connection's script: the request that tells the server's version answered at
    // once with `first`, then gated answers like the other connections'.
    static Script first_connection(const std::string& first, const std::string& then) {
        Script script{step::ReadRequest{}, step::Send{first}};
        for (auto& step : gated_answers(then, 5)) script.push_back(step);
        return script;
    }
    // A session and a connect handle to `server`, and a first request read to the end (its
    // answer tells the pool the server's version).
    void connect_and_learn(const ScriptedServer& server) {
        session_.reset(InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
        ASSERT_TRUE(session_);
        connection_.reset(InternetConnectA(session_, "127.0.0.1", server.port(), nullptr, nullptr,
                                           INTERNET_SERVICE_HTTP, 0, 0));
        ASSERT_TRUE(connection_);
        InetHandle request(HttpOpenRequestA(connection_, "GET", "/r", nullptr, nullptr, nullptr, INTERNET_FLAG_RELOAD, 0));
        ASSERT_TRUE(request);
        ASSERT_TRUE(HttpSendRequestA(request, nullptr, 0, nullptr, 0)) << GetLastError();
        auto body = read_all(request);
        ASSERT_TRUE(body && *body == "ok");
    }
    static bool wait_for(const std::function<bool()>& condition) {
        for (int i = 0; i < 500; ++i) {
            if (condition()) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return condition();
    }

    std::pair<DWORD, DWORD> saved_;
    InetHandle session_, connection_;
};

TEST_F(HttpOneZeroLimit, AnHttp10ServerGetsItsOwnLimit) {
    const std::string one_zero = "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok";
    ScriptedServer server;
    server.add_script(first_connection(one_zero, one_zero));
    for (int i = 0; i < 5; ++i) server.add_script(gated_answers(one_zero, 5));
    const http::PoolKey key{"127.0.0.1", server.port(), false, 0};
    connect_and_learn(server);
    std::atomic<int> succeeded{0};
    auto threads = start_requests(connection_, 5, succeeded);
    const bool in_line = wait_for([&] {
        return http::Pool::instance().open_count(key) == 2 && http::Pool::instance().waiting_count(key) == 3;
    });
    EXPECT_TRUE(in_line) << http::Pool::instance().open_count(key) << " connections, "
                         << http::Pool::instance().waiting_count(key) << " waiting";
    for (int i = 0; i < 5; ++i) server.release_gate();
    for (auto& t : threads) t.join();
    EXPECT_EQ(succeeded.load(), 5);
    EXPECT_EQ(server.accepted_connections(), 2u);
    http::Pool::instance().clear();
}

TEST_F(HttpOneZeroLimit, AServerThatAnswersHttp11AgainGetsTheLargerLimit) {
    const std::string one_zero = "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok";
    const std::string one_one = http_response(200, "ok");
    ScriptedServer server;
    // Known as HTTP/1.0 first; the four waiting requests get in once a response says 1.1.
    server.add_script(first_connection(one_zero, one_one));
    for (int i = 0; i < 5; ++i) server.add_script(gated_answers(one_one, 5));
    const http::PoolKey key{"127.0.0.1", server.port(), false, 0};
    set_limits(8, 1);
    connect_and_learn(server);
    std::atomic<int> succeeded{0};
    auto threads = start_requests(connection_, 5, succeeded);
    EXPECT_TRUE(wait_for([&] {
        return http::Pool::instance().open_count(key) == 1 && http::Pool::instance().waiting_count(key) == 4;
    })) << "with the HTTP/1.0 limit of 1";
    server.release_gate();   // the first answer says HTTP/1.1
    EXPECT_TRUE(wait_for([&] { return http::Pool::instance().waiting_count(key) == 0; }))
        << http::Pool::instance().waiting_count(key) << " still waiting";
    for (int i = 0; i < 4; ++i) server.release_gate();
    for (auto& t : threads) t.join();
    EXPECT_EQ(succeeded.load(), 5);
    EXPECT_EQ(server.accepted_connections(), 5u);
    http::Pool::instance().clear();
}

}  // namespace
}  // namespace openinet::test
