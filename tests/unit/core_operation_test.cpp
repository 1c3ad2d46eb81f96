// run_operation in synchronous and asynchronous sessions, notification routing and
// cancellation by InternetCloseHandle, with an Asio timer standing in for network I/O.
#include "core/connection.hpp"
#include "core/engine.hpp"
#include "core/operation.hpp"
#include "core/session.hpp"
#include "core_test_objects.hpp"

#include <openinet/wininet.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using namespace openinet;

using openinet::test::TimerObject;

namespace {

struct Event {
    HINTERNET handle;
    DWORD_PTR context;
    DWORD status;
    DWORD_PTR result = 0;
    DWORD error = 0;
    DWORD length = 0;
    std::thread::id thread;
};

// Callbacks are plain C functions, so the recorder is a global the tests reset.
struct Recorder {
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<Event> events;
    std::function<void(const Event&)> hook;  // runs inside the callback

    void clear() {
        std::lock_guard lock(mutex);
        events.clear();
        hook = nullptr;
    }
    bool wait_for(DWORD status, HINTERNET h, std::chrono::milliseconds timeout = 5s) {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, timeout, [&] {
            for (const auto& e : events)
                if (e.status == status && e.handle == h) return true;
            return false;
        });
    }
    std::vector<Event> snapshot() {
        std::lock_guard lock(mutex);
        return events;
    }
};

Recorder g_recorder;

void CALLBACK record(HINTERNET h, DWORD_PTR context, DWORD status, LPVOID info, DWORD length) {
    Event e{h, context, status};
    e.length = length;
    e.thread = std::this_thread::get_id();
    if (status == INTERNET_STATUS_REQUEST_COMPLETE && info) {
        auto* r = static_cast<INTERNET_ASYNC_RESULT*>(info);
        e.result = r->dwResult;
        e.error = r->dwError;
    }
    std::function<void(const Event&)> hook;
    {
        std::lock_guard lock(g_recorder.mutex);
        hook = g_recorder.hook;
    }
    if (hook) hook(e);
    {
        std::lock_guard lock(g_recorder.mutex);
        g_recorder.events.push_back(e);
    }
    g_recorder.cv.notify_all();
}

std::vector<Event> for_handle(const std::vector<Event>& events, HINTERNET h) {
    std::vector<Event> out;
    for (const auto& e : events)
        if (e.handle == h) out.push_back(e);
    return out;
}

class OperationFixture : public ::testing::Test {
protected:
    void open(DWORD flags) {
        g_recorder.clear();
        session_ = InternetOpenA("op-test", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, flags);
        ASSERT_NE(session_, nullptr);
        ASSERT_EQ(InternetSetStatusCallbackA(session_, record), nullptr);
        connect_ = InternetConnectA(session_, "127.0.0.1", 0, nullptr, nullptr, INTERNET_SERVICE_HTTP, 0, 1);
        ASSERT_NE(connect_, nullptr);
    }
    HINTERNET make_timer(std::chrono::milliseconds delay, DWORD_PTR context,
                         std::shared_ptr<TimerObject>* out = nullptr) {
        std::error_code ec;
        auto parent = core::lookup<core::Connection>(connect_, ec);
        EXPECT_TRUE(parent) << ec.message();
        auto obj = std::make_shared<TimerObject>(parent, context, delay);
        HINTERNET h = core::publish(obj, ec);
        EXPECT_NE(h, nullptr) << ec.message();
        auto events = for_handle(g_recorder.snapshot(), h);
        if (context != 0) {
            EXPECT_EQ(events.size(), 1u);
            if (!events.empty()) {
                EXPECT_EQ(events[0].status, static_cast<DWORD>(INTERNET_STATUS_HANDLE_CREATED));
                EXPECT_EQ(events[0].thread, std::this_thread::get_id());
            }
        }
        {
            std::lock_guard lock(g_recorder.mutex);
            std::erase_if(g_recorder.events, [h](const Event& e) { return e.handle == h; });
        }
        if (out) *out = obj;
        return h;
    }
    void TearDown() override {
        if (session_) InternetCloseHandle(session_);
        g_recorder.clear();
    }
    HINTERNET session_ = nullptr;
    HINTERNET connect_ = nullptr;
};

// ---------------------------------------------------------------------------------------------

class AsyncSyncMode : public OperationFixture {};

TEST_F(AsyncSyncMode, SyncCallDeliversNotificationsOnCallingThreadInsideTheCall) {
    open(0);
    HINTERNET h = make_timer(20ms, 77);
    g_recorder.clear();
    char buf[8] = {};
    DWORD read = 0;
    ASSERT_TRUE(InternetReadFile(h, buf, sizeof(buf), &read)) << GetLastError();
    EXPECT_EQ(GetLastError(), 0u);
    EXPECT_EQ(read, sizeof(buf));
    EXPECT_EQ(buf[0], 'x');
    // Everything arrived before the call returned, on this thread, and no REQUEST_COMPLETE.
    auto events = for_handle(g_recorder.snapshot(), h);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].status, static_cast<DWORD>(INTERNET_STATUS_RECEIVING_RESPONSE));
    EXPECT_EQ(events[1].status, static_cast<DWORD>(INTERNET_STATUS_RESPONSE_RECEIVED));
    for (const auto& e : events) {
        EXPECT_EQ(e.thread, std::this_thread::get_id());
        EXPECT_EQ(e.context, 77u);
    }
}

TEST_F(AsyncSyncMode, SyncCallCompletedInlineReturnsTheOutcome) {
    open(0);
    std::shared_ptr<TimerObject> obj;
    HINTERNET h = make_timer(0ms, 5, &obj);
    obj->complete_inline = true;
    char buf[4] = {};
    DWORD read = 0;
    ASSERT_TRUE(InternetReadFile(h, buf, sizeof(buf), &read));
    EXPECT_EQ(read, sizeof(buf));
    EXPECT_EQ(buf[0], 'i');
}

TEST_F(AsyncSyncMode, LostCompletionFailsInsteadOfHanging) {
    open(0);
    std::shared_ptr<TimerObject> obj;
    HINTERNET h = make_timer(0ms, 5, &obj);
    obj->lose_completion = true;
    char buf[4];
    DWORD read = 0;
    EXPECT_FALSE(InternetReadFile(h, buf, sizeof(buf), &read));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INTERNAL_ERROR));
    EXPECT_EQ(obj->pending_operations(), 0u);
}

// ---------------------------------------------------------------------------------------------

class AsyncMode : public OperationFixture {};

TEST_F(AsyncMode, PendsThenCompletesOnEngineThread) {
    open(INTERNET_FLAG_ASYNC);
    HINTERNET h = make_timer(20ms, 99);
    char buf[8] = {};
    DWORD read = 0;
    EXPECT_FALSE(InternetReadFile(h, buf, sizeof(buf), &read));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    ASSERT_TRUE(g_recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, h));
    auto events = for_handle(g_recorder.snapshot(), h);
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0].status, static_cast<DWORD>(INTERNET_STATUS_RECEIVING_RESPONSE));
    EXPECT_EQ(events[1].status, static_cast<DWORD>(INTERNET_STATUS_RESPONSE_RECEIVED));
    const Event& done = events[2];
    EXPECT_EQ(done.status, static_cast<DWORD>(INTERNET_STATUS_REQUEST_COMPLETE));
    EXPECT_EQ(done.context, 99u);
    EXPECT_EQ(done.result, static_cast<DWORD_PTR>(TRUE));
    EXPECT_EQ(done.error, 0u);
    EXPECT_EQ(done.length, sizeof(INTERNET_ASYNC_RESULT));
    EXPECT_NE(done.thread, std::this_thread::get_id());
    EXPECT_EQ(read, sizeof(buf));  // written at completion
    EXPECT_EQ(buf[7], 'x');
}

TEST_F(AsyncMode, CompletionCalledInsideStartStillPendsAndCompletesOnEngineThread) {
    open(INTERNET_FLAG_ASYNC);
    std::shared_ptr<TimerObject> obj;
    HINTERNET h = make_timer(0ms, 3, &obj);
    obj->complete_inline = true;
    char buf[4];
    DWORD read = 0;
    EXPECT_FALSE(InternetReadFile(h, buf, sizeof(buf), &read));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    ASSERT_TRUE(g_recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, h));
    auto events = for_handle(g_recorder.snapshot(), h);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].result, static_cast<DWORD_PTR>(TRUE));
    EXPECT_NE(events[0].thread, std::this_thread::get_id());
}

TEST_F(AsyncMode, ContextZeroGetsNoCallbacksButStillCompletes) {
    open(INTERNET_FLAG_ASYNC);
    std::shared_ptr<TimerObject> obj;
    HINTERNET h = make_timer(5ms, 0, &obj);
    char buf[4];
    DWORD read = 0;
    EXPECT_FALSE(InternetReadFile(h, buf, sizeof(buf), &read));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    for (int i = 0; i < 200 && obj->pending_operations() != 0; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(obj->pending_operations(), 0u);
    EXPECT_TRUE(for_handle(g_recorder.snapshot(), h).empty());
}

TEST_F(AsyncMode, QueryDataAvailableReportsCountInDwError) {
    open(INTERNET_FLAG_ASYNC);
    HINTERNET h = make_timer(5ms, 21);
    DWORD available = 99;
    EXPECT_FALSE(InternetQueryDataAvailable(h, &available, 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    ASSERT_TRUE(g_recorder.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, h));
    auto events = for_handle(g_recorder.snapshot(), h);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].result, static_cast<DWORD_PTR>(TRUE));
    EXPECT_EQ(events[0].error, 10u);
    EXPECT_EQ(available, 10u);
}

TEST_F(AsyncSyncMode, QueryDataAvailableReturnsCount) {
    open(0);
    HINTERNET h = make_timer(5ms, 22);
    DWORD available = 99;
    ASSERT_TRUE(InternetQueryDataAvailable(h, &available, 0, 0));
    EXPECT_EQ(available, 10u);
}

TEST(EngineThreads, StartsLazilyAndRunsWorkOnItsOwnThreads) {
    auto& engine = core::Engine::instance();
    EXPECT_FALSE(engine.in_engine_thread());
    std::mutex m;
    std::condition_variable cv;
    bool ran = false, on_engine = false;
    boost::asio::post(engine.executor(), [&] {
        std::lock_guard lock(m);
        ran = true;
        on_engine = core::Engine::instance().in_engine_thread();
        cv.notify_all();
    });
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return ran; }));
    EXPECT_TRUE(on_engine);
    EXPECT_FALSE(engine.stopping());
}

TEST(EngineThreads, FirstUseFromManyThreadsAtOnceGivesOneEngine) {
    std::vector<std::thread> threads;
    std::vector<core::Engine*> seen(8);
    for (int i = 0; i < 8; ++i) threads.emplace_back([&, i] { seen[i] = &core::Engine::instance(); });
    for (auto& t : threads) t.join();
    for (auto* e : seen) EXPECT_EQ(e, seen[0]);
}

// ---------------------------------------------------------------------------------------------

class CancelOnClose : public OperationFixture {};

TEST_F(CancelOnClose, AsyncPendingOperationCompletesCancelledThenOneHandleClosing) {
    open(INTERNET_FLAG_ASYNC);
    HINTERNET h = make_timer(30s, 11);
    char buf[4];
    DWORD read = 0;
    EXPECT_FALSE(InternetReadFile(h, buf, sizeof(buf), &read));
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    ASSERT_TRUE(g_recorder.wait_for(INTERNET_STATUS_RECEIVING_RESPONSE, h));
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(InternetCloseHandle(h));
    // Invalid at once, even though the operation is still winding down.
    EXPECT_FALSE(InternetCloseHandle(h));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    ASSERT_TRUE(g_recorder.wait_for(INTERNET_STATUS_HANDLE_CLOSING, h));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    std::this_thread::sleep_for(50ms);  // anything sent late would show up here
    auto events = for_handle(g_recorder.snapshot(), h);
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[1].status, static_cast<DWORD>(INTERNET_STATUS_REQUEST_COMPLETE));
    EXPECT_EQ(events[1].result, 0u);
    EXPECT_EQ(events[1].error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
    EXPECT_EQ(events[2].status, static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING));
}

TEST_F(CancelOnClose, ClosingTheSessionCancelsGrandchildOperation) {
    open(INTERNET_FLAG_ASYNC);
    HINTERNET h = make_timer(30s, 12);
    char buf[4];
    DWORD read = 0;
    EXPECT_FALSE(InternetReadFile(h, buf, sizeof(buf), &read));
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    EXPECT_TRUE(InternetCloseHandle(session_));
    session_ = nullptr;
    ASSERT_TRUE(g_recorder.wait_for(INTERNET_STATUS_HANDLE_CLOSING, h));
    ASSERT_TRUE(g_recorder.wait_for(INTERNET_STATUS_HANDLE_CLOSING, connect_));
    auto events = for_handle(g_recorder.snapshot(), h);
    ASSERT_GE(events.size(), 2u);
    EXPECT_EQ(events[events.size() - 2].error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
    EXPECT_EQ(events.back().status, static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING));
    EXPECT_EQ(for_handle(g_recorder.snapshot(), connect_).size(), 2u);  // CREATED, CLOSING
}

TEST_F(CancelOnClose, CloseFromAnotherThreadReleasesBlockedSyncCall) {
    open(0);
    HINTERNET h = make_timer(30s, 13);
    DWORD error = 0;
    BOOL ok = TRUE;
    std::chrono::steady_clock::duration took{};
    std::thread caller([&] {
        char buf[4];
        DWORD read = 0;
        const auto start = std::chrono::steady_clock::now();
        ok = InternetReadFile(h, buf, sizeof(buf), &read);
        error = GetLastError();
        took = std::chrono::steady_clock::now() - start;
    });
    ASSERT_TRUE(g_recorder.wait_for(INTERNET_STATUS_RECEIVING_RESPONSE, h));
    EXPECT_TRUE(InternetCloseHandle(h));
    caller.join();
    EXPECT_FALSE(ok);
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
    EXPECT_LT(took, 2s);
    ASSERT_TRUE(g_recorder.wait_for(INTERNET_STATUS_HANDLE_CLOSING, h));
    auto events = for_handle(g_recorder.snapshot(), h);
    EXPECT_EQ(events.back().status, static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING));
    int closings = 0;
    for (const auto& e : events) closings += e.status == INTERNET_STATUS_HANDLE_CLOSING;
    EXPECT_EQ(closings, 1);
}

TEST_F(CancelOnClose, CallbackMayCloseItsOwnHandleDuringSyncCall) {
    open(0);
    HINTERNET h = make_timer(30s, 14);
    g_recorder.hook = [h](const Event& e) {
        if (e.handle == h && e.status == INTERNET_STATUS_RECEIVING_RESPONSE) {
            EXPECT_TRUE(InternetCloseHandle(h));
            EXPECT_FALSE(InternetCloseHandle(h));  // already invalid, even from inside
        }
    };
    char buf[4];
    DWORD read = 0;
    EXPECT_FALSE(InternetReadFile(h, buf, sizeof(buf), &read));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
    auto events = for_handle(g_recorder.snapshot(), h);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[1].status, static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING));
    EXPECT_EQ(events[1].thread, std::this_thread::get_id());
}

TEST_F(CancelOnClose, CallbackMayCloseItsOwnHandleOnRequestComplete) {
    open(INTERNET_FLAG_ASYNC);
    HINTERNET h = make_timer(5ms, 15);
    g_recorder.hook = [h](const Event& e) {
        if (e.handle == h && e.status == INTERNET_STATUS_REQUEST_COMPLETE) EXPECT_TRUE(InternetCloseHandle(h));
    };
    char buf[4];
    DWORD read = 0;
    EXPECT_FALSE(InternetReadFile(h, buf, sizeof(buf), &read));
    ASSERT_TRUE(g_recorder.wait_for(INTERNET_STATUS_HANDLE_CLOSING, h));
    auto events = for_handle(g_recorder.snapshot(), h);
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[2].status, static_cast<DWORD>(INTERNET_STATUS_REQUEST_COMPLETE));
    EXPECT_EQ(events[2].result, static_cast<DWORD_PTR>(TRUE));
    EXPECT_EQ(events[3].status, static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING));
}

TEST_F(CancelOnClose, OperationOnClosedHandleFailsAtOnce) {
    open(INTERNET_FLAG_ASYNC);
    std::shared_ptr<TimerObject> obj;
    HINTERNET h = make_timer(5ms, 16, &obj);
    ASSERT_TRUE(InternetCloseHandle(h));
    char buf[4];
    DWORD read = 0;
    // Through the API the handle no longer resolves; an object reference kept inside the
    // library (a late call on a closed handle) fails in run_operation itself.
    EXPECT_FALSE(InternetReadFile(h, buf, sizeof(buf), &read));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    EXPECT_EQ(obj->read(buf, sizeof(buf), &read, 0, 16), make_error(ERROR_INVALID_HANDLE));
}

TEST_F(CancelOnClose, ManyPendingOperationsAcrossHandlesAllEndWithClosingLast) {
    open(INTERNET_FLAG_ASYNC);
    std::vector<HINTERNET> handles;
    std::vector<std::array<char, 4>> buffers(16);
    std::vector<DWORD> reads(16);
    for (int i = 0; i < 16; ++i) {
        HINTERNET h = make_timer(i % 2 ? 30s : 1ms, 100 + i);
        handles.push_back(h);
        EXPECT_FALSE(InternetReadFile(h, buffers[i].data(), 4, &reads[i]));
    }
    std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(InternetCloseHandle(session_));
    session_ = nullptr;
    for (HINTERNET h : handles) ASSERT_TRUE(g_recorder.wait_for(INTERNET_STATUS_HANDLE_CLOSING, h));
    std::this_thread::sleep_for(30ms);
    auto all = g_recorder.snapshot();
    for (HINTERNET h : handles) {
        auto events = for_handle(all, h);
        int completes = 0, closings = 0;
        for (const auto& e : events) {
            completes += e.status == INTERNET_STATUS_REQUEST_COMPLETE;
            closings += e.status == INTERNET_STATUS_HANDLE_CLOSING;
        }
        EXPECT_EQ(completes, 1);
        EXPECT_EQ(closings, 1);
        EXPECT_EQ(events.back().status, static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING));
    }
}

}  // namespace
