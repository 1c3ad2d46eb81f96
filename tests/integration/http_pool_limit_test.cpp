// The per-server connection limit of the keep-alive pool (INTERNET_OPTION_MAX_CONNS_PER_SERVER):
// concurrent requests share at most that many connections (proved with nginx's connection
// serial numbers), a request waiting for a place is cancelled promptly by closing its handle,
// and a wait longer than the connect timeout goes beyond the limit instead of hanging.
#include "http_test_helpers.hpp"

#include "http/pool.hpp"
#include "nginx_server.hpp"

#include <openinet/wininet.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
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

}  // namespace
}  // namespace openinet::test
