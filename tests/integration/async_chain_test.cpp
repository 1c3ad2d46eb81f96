// The usual asynchronous loop: each request is started from the REQUEST_COMPLETE callback of
// the one before, over one kept-alive connection. When an answer is already there, the send
// completes at once; its REQUEST_COMPLETE must still not be delivered inside the call that
// started it, or the callbacks nest one in the other for as long as that goes on, until the
// engine thread's stack overflows (this crashed the benchmark's client about one run in 20
// at 10,000 requests).
#include "nginx_server.hpp"

#include <openinet/wininet.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

namespace openinet::test {
namespace {

constexpr int kRequests = 3000;
const std::string kBody = "Hello from OpenInet nginx\n";  // /files/small.txt

struct Chain {
    HINTERNET connect = nullptr;
    int started = 0;
    int finished = 0;
    int failures = 0;
    int max_nesting = 0;       // REQUEST_COMPLETE callbacks running inside one another
    std::string last_error;
    std::mutex mutex;
    std::condition_variable all_done;
    bool over = false;
};

Chain chain;
thread_local int completion_depth = 0;

struct Transfer {
    HINTERNET request = nullptr;
    bool sent = false;
    std::string body;
    DWORD got = 0;             // written by a pending InternetReadFile when it completes
    char buffer[4096];
};

void fail(const std::string& what) {
    std::lock_guard lock(chain.mutex);
    ++chain.failures;
    chain.last_error = what + " (error " + std::to_string(GetLastError()) + ")";
    chain.over = true;
    chain.all_done.notify_all();
}

void start_next();

// Reads until the body ends or a read pends (its REQUEST_COMPLETE calls this again, with
// `completed_read`: the count of that read is in transfer->got).
void read_on(Transfer* transfer, bool completed_read) {
    for (;;) {
        if (!completed_read) {
            transfer->got = 0;
            if (!InternetReadFile(transfer->request, transfer->buffer, sizeof transfer->buffer, &transfer->got)) {
                if (GetLastError() != ERROR_IO_PENDING) fail("InternetReadFile");
                return;
            }
        }
        completed_read = false;
        if (transfer->got == 0) break;
        transfer->body.append(transfer->buffer, transfer->got);
    }
    const bool good = transfer->body == kBody;
    InternetCloseHandle(transfer->request);  // HANDLE_CLOSING frees the transfer
    if (!good) return fail("wrong body");
    bool more;
    {
        std::lock_guard lock(chain.mutex);
        ++chain.finished;
        more = chain.started < kRequests && !chain.over;
        if (!more && chain.finished == chain.started) {
            chain.over = true;
            chain.all_done.notify_all();
        }
    }
    if (more) start_next();
}

void CALLBACK on_status(HINTERNET, DWORD_PTR context, DWORD status, LPVOID info, DWORD) {
    auto* transfer = reinterpret_cast<Transfer*>(context);
    if (transfer == nullptr) return;
    if (status == INTERNET_STATUS_HANDLE_CLOSING) {
        delete transfer;
        return;
    }
    if (status != INTERNET_STATUS_REQUEST_COMPLETE) return;
    ++completion_depth;
    {
        std::lock_guard lock(chain.mutex);
        chain.max_nesting = std::max(chain.max_nesting, completion_depth);
    }
    const auto* result = static_cast<INTERNET_ASYNC_RESULT*>(info);
    if (result->dwError != ERROR_SUCCESS) {
        SetLastError(result->dwError);
        fail("completion");
    } else if (!transfer->sent) {
        transfer->sent = true;
        read_on(transfer, false);
    } else {
        read_on(transfer, true);
    }
    --completion_depth;
}

void start_next() {
    auto* transfer = new Transfer;
    {
        std::lock_guard lock(chain.mutex);
        ++chain.started;
    }
    transfer->request = HttpOpenRequestA(chain.connect, "GET", "/files/small.txt", nullptr, nullptr, nullptr,
                                         INTERNET_FLAG_KEEP_CONNECTION | INTERNET_FLAG_RELOAD,
                                         reinterpret_cast<DWORD_PTR>(transfer));
    if (!transfer->request) {
        delete transfer;
        return fail("HttpOpenRequestA");
    }
    if (HttpSendRequestA(transfer->request, nullptr, 0, nullptr, 0)) return fail("HttpSendRequestA did not pend");
    if (GetLastError() != ERROR_IO_PENDING) fail("HttpSendRequestA");
}

TEST(AsyncChain, RequestsStartedFromTheCompletionCallbackNeverNest) {
    NginxServer& nginx = shared_nginx();
    HINTERNET session = InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr,
                                      INTERNET_FLAG_ASYNC);
    ASSERT_TRUE(session);
    ASSERT_NE(InternetSetStatusCallbackA(session, on_status), INTERNET_INVALID_STATUS_CALLBACK);
    chain.connect = InternetConnectA(session, "127.0.0.1", nginx.http_port(), nullptr, nullptr,
                                     INTERNET_SERVICE_HTTP, 0, 0);
    ASSERT_TRUE(chain.connect);

    start_next();
    {
        std::unique_lock lock(chain.mutex);
        ASSERT_TRUE(chain.all_done.wait_for(lock, std::chrono::seconds(120), [] { return chain.over; }))
            << chain.finished << " of " << kRequests << " requests finished";
        EXPECT_EQ(chain.failures, 0) << chain.last_error;
        EXPECT_EQ(chain.finished, kRequests);
        EXPECT_EQ(chain.max_nesting, 1) << "a REQUEST_COMPLETE was delivered inside another one's callback";
    }
    InternetCloseHandle(chain.connect);
    InternetCloseHandle(session);
}

}  // namespace
}  // namespace openinet::test
