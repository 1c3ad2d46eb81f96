// Process exit with the engine busy: open handles, pending operations, a blocked synchronous
// call and a callback that never returns must neither crash nor hang exit().
#include "core/connection.hpp"
#include "core/session.hpp"
#include "core_test_objects.hpp"

#include <openinet/wininet.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

using namespace std::chrono_literals;
using namespace openinet;

namespace {

HINTERNET make_pending_timer(HINTERNET session, std::chrono::milliseconds delay, DWORD_PTR context) {
    HINTERNET connect = InternetConnectA(session, "127.0.0.1", 0, nullptr, nullptr, INTERNET_SERVICE_HTTP, 0, 1);
    std::error_code ec;
    auto parent = core::lookup<core::Connection>(connect, ec);
    if (!parent) std::_Exit(3);
    auto timer = std::make_shared<test::TimerObject>(parent, context, delay);
    return core::publish(timer, ec);
}

void busy_engine_then_exit(bool stuck_callback) {
    HINTERNET async_session = InternetOpenA("exit", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, INTERNET_FLAG_ASYNC);
    if (stuck_callback) {
        InternetSetStatusCallbackA(async_session, [](HINTERNET, DWORD_PTR, DWORD status, LPVOID, DWORD) {
            if (status == INTERNET_STATUS_REQUEST_COMPLETE)
                for (;;) std::this_thread::sleep_for(1h);  // a callback that never returns
        });
    }
    static char buffers[4][16];
    static DWORD reads[4];
    HINTERNET quick = make_pending_timer(async_session, 1ms, 5);
    HINTERNET slow = make_pending_timer(async_session, 60s, 6);
    InternetReadFile(quick, buffers[0], sizeof(buffers[0]), &reads[0]);
    InternetReadFile(slow, buffers[1], sizeof(buffers[1]), &reads[1]);

    HINTERNET sync_session = InternetOpenA("exit", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0);
    HINTERNET blocked = make_pending_timer(sync_session, 60s, 7);
    std::thread([blocked] { InternetReadFile(blocked, buffers[2], sizeof(buffers[2]), &reads[2]); }).detach();
    std::this_thread::sleep_for(50ms);
    std::exit(0);
}

class EngineExit : public ::testing::Test {
protected:
    void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(EngineExit, ExitWithPendingWorkAndOpenHandlesIsClean) {
    EXPECT_EXIT(busy_engine_then_exit(false), ::testing::ExitedWithCode(0), "");
}

TEST_F(EngineExit, ExitWhileACallbackNeverReturnsDoesNotHang) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EXIT(busy_engine_then_exit(true), ::testing::ExitedWithCode(0), "");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
}

}  // namespace
