// Many threads opening, using, closing and probing handles at once, with operations pending
// while their trees are closed. Bounded iterations; meant to be run under ThreadSanitizer.
#include "core/connection.hpp"
#include "core/session.hpp"
#include "core_test_objects.hpp"

#include <openinet/wininet.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using namespace openinet;

namespace {

struct PerHandle {
    int completes = 0;
    int closings = 0;
    int after_closing = 0;
};

std::mutex g_mutex;
std::map<HINTERNET, PerHandle> g_stats;  // keyed by handle value: each value is used once
std::atomic<int> g_closings{0};

void CALLBACK count(HINTERNET h, DWORD_PTR, DWORD status, LPVOID, DWORD) {
    std::lock_guard lock(g_mutex);
    PerHandle& s = g_stats[h];
    if (s.closings > 0) ++s.after_closing;
    if (status == INTERNET_STATUS_REQUEST_COMPLETE) ++s.completes;
    if (status == INTERNET_STATUS_HANDLE_CLOSING) {
        ++s.closings;
        g_closings.fetch_add(1);
    }
}

TEST(HandleHammer, ConcurrentOpenUseCloseAndStaleLookups) {
    {
        std::lock_guard lock(g_mutex);
        g_stats.clear();
    }
    g_closings = 0;
    const std::size_t live_before = core::HandleTable::instance().size();
    constexpr int threads = 4, iterations = 150;
    std::atomic<int> expected_closings{0};
    std::mutex stale_mutex;
    std::vector<HINTERNET> stale;
    std::atomic<bool> stop_probing{false};
    std::atomic<int> probe_hits{0};
    struct ReadOutputs {
        char buffer[16];
        DWORD read = 0;
    };
    std::mutex outputs_mutex;
    std::vector<std::unique_ptr<ReadOutputs>> outputs;

    std::thread prober([&] {
        std::mt19937 rng(7);
        while (!stop_probing.load()) {
            HINTERNET h = nullptr;
            {
                std::lock_guard lock(stale_mutex);
                if (!stale.empty()) h = stale[rng() % stale.size()];
            }
            DWORD type = 0, len = sizeof(type);
            if (h && InternetQueryOptionA(h, INTERNET_OPTION_HANDLE_TYPE, &type, &len)) probe_hits.fetch_add(1);
            std::this_thread::yield();
        }
    });

    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            std::mt19937 rng(100 + t);
            for (int i = 0; i < iterations; ++i) {
                const bool async = (i % 2) == 0;
                HINTERNET session =
                    InternetOpenA("hammer", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, async ? INTERNET_FLAG_ASYNC : 0);
                ASSERT_NE(session, nullptr);
                InternetSetStatusCallbackA(session, count);
                HINTERNET connect =
                    InternetConnectA(session, "127.0.0.1", 0, nullptr, nullptr, INTERNET_SERVICE_HTTP, 0, 1 + i);
                ASSERT_NE(connect, nullptr);
                std::error_code ec;
                auto parent = core::lookup<core::Connection>(connect, ec);
                ASSERT_TRUE(parent);
                auto timer = std::make_shared<test::TimerObject>(parent, 1000 + i,
                                                                 std::chrono::milliseconds(rng() % 3));
                HINTERNET request = core::publish(timer, ec);
                ASSERT_NE(request, nullptr);
                expected_closings += 2;  // connect and request have contexts; the session has none

                // A pending read writes its outputs at completion, possibly after this
                // iteration: they must outlive it (as in any WinInet program).
                auto out = std::make_unique<ReadOutputs>();
                char* buf = out->buffer;
                DWORD& read = out->read;
                {
                    std::lock_guard lock(outputs_mutex);
                    outputs.push_back(std::move(out));
                }
                if (async) {
                    EXPECT_FALSE(InternetReadFile(request, buf, sizeof(ReadOutputs::buffer), &read));
                    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
                } else if (i % 4 == 1) {
                    EXPECT_TRUE(InternetReadFile(request, buf, sizeof(ReadOutputs::buffer), &read));
                }
                DWORD_PTR ctx = 5;
                InternetSetOptionA(connect, INTERNET_OPTION_CONTEXT_VALUE, &ctx, sizeof(ctx));
                if (rng() % 2) std::this_thread::sleep_for(std::chrono::microseconds(rng() % 2000));
                switch (rng() % 3) {
                case 0:
                    EXPECT_TRUE(InternetCloseHandle(session));
                    break;
                case 1:
                    EXPECT_TRUE(InternetCloseHandle(request));
                    EXPECT_TRUE(InternetCloseHandle(session));
                    break;
                default:
                    EXPECT_TRUE(InternetCloseHandle(connect));
                    EXPECT_TRUE(InternetCloseHandle(session));
                    break;
                }
                EXPECT_FALSE(InternetCloseHandle(request));
                EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
                std::lock_guard lock(stale_mutex);
                stale.push_back(session);
                stale.push_back(connect);
                stale.push_back(request);
            }
        });
    }
    for (auto& w : workers) w.join();
    // Racing closers of one handle: exactly one wins.
    for (int round = 0; round < 20; ++round) {
        HINTERNET session = InternetOpenA("race", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0);
        std::atomic<int> wins{0};
        std::vector<std::thread> closers;
        for (int c = 0; c < 4; ++c)
            closers.emplace_back([&] {
                if (InternetCloseHandle(session)) wins.fetch_add(1);
            });
        for (auto& c : closers) c.join();
        EXPECT_EQ(wins.load(), 1);
    }
    stop_probing = true;
    prober.join();
    EXPECT_EQ(probe_hits.load(), 0);

    for (int i = 0; i < 500 && g_closings.load() < expected_closings.load(); ++i) std::this_thread::sleep_for(10ms);
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(g_closings.load(), expected_closings.load());
    std::lock_guard lock(g_mutex);
    for (const auto& [h, s] : g_stats) {
        EXPECT_LE(s.completes, 1);
        EXPECT_EQ(s.closings, 1);
        EXPECT_EQ(s.after_closing, 0);
    }
    EXPECT_EQ(core::HandleTable::instance().size(), live_before);
}

}  // namespace
