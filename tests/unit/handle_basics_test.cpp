// Handle validation, types, closing trees and status-callback basics through the public API.
#include <openinet/wininet.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace {

struct Seen {
    HINTERNET handle;
    DWORD_PTR context;
    DWORD status;
    std::uintptr_t payload;
    DWORD length;
};

std::mutex g_seen_mutex;
std::vector<Seen> g_seen;

void CALLBACK record(HINTERNET h, DWORD_PTR context, DWORD status, LPVOID info, DWORD length) {
    std::uintptr_t payload = 0;
    if (info && length >= sizeof(HINTERNET)) payload = *static_cast<std::uintptr_t*>(info);
    std::lock_guard lock(g_seen_mutex);
    g_seen.push_back({h, context, status, payload, length});
}

std::vector<Seen> take_seen() {
    std::lock_guard lock(g_seen_mutex);
    return std::exchange(g_seen, {});
}

int count_status(const std::vector<Seen>& seen, DWORD status, HINTERNET h) {
    int n = 0;
    for (const auto& s : seen)
        if (s.status == status && s.handle == h) ++n;
    return n;
}

class HandleBasics : public ::testing::Test {
protected:
    void SetUp() override { take_seen(); }
};

TEST_F(HandleBasics, NullGarbageAndForeignHandlesAreInvalid) {
    std::vector<HINTERNET> bad = {nullptr, reinterpret_cast<HINTERNET>(std::uintptr_t{1}),
                                  reinterpret_cast<HINTERNET>(~std::uintptr_t{0}),
                                  reinterpret_cast<HINTERNET>(std::uintptr_t{0xdeadbeef})};
    int local = 0;
    bad.push_back(&local);
    void* heap = std::malloc(16);
    bad.push_back(heap);
    for (HINTERNET h : bad) {
        SetLastError(0);
        EXPECT_FALSE(InternetCloseHandle(h));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
        DWORD value = 0, len = sizeof(value);
        if (h != nullptr) {
            EXPECT_FALSE(InternetQueryOptionA(h, INTERNET_OPTION_HANDLE_TYPE, &value, &len));
            EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
        }
        EXPECT_EQ(InternetSetStatusCallback(h, record), INTERNET_INVALID_STATUS_CALLBACK);
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
        DWORD read = 7;
        char buf[4];
        EXPECT_FALSE(InternetReadFile(h, buf, sizeof(buf), &read));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
        EXPECT_EQ(read, 0u);
    }
    std::free(heap);
}

TEST_F(HandleBasics, ClosedAndStaleHandlesAreInvalid) {
    HINTERNET session = InternetOpenA("test", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0);
    ASSERT_NE(session, nullptr);
    ASSERT_TRUE(InternetCloseHandle(session));
    EXPECT_FALSE(InternetCloseHandle(session));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    // The freed slot is reused by the next handle, but the old value must not find it.
    HINTERNET next = InternetOpenA("test", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0);
    ASSERT_NE(next, nullptr);
    EXPECT_NE(next, session);
    DWORD type = 0, len = sizeof(type);
    EXPECT_FALSE(InternetQueryOptionA(session, INTERNET_OPTION_HANDLE_TYPE, &type, &len));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    EXPECT_TRUE(InternetQueryOptionA(next, INTERNET_OPTION_HANDLE_TYPE, &type, &len));
    EXPECT_EQ(type, static_cast<DWORD>(INTERNET_HANDLE_TYPE_INTERNET));
    EXPECT_TRUE(InternetCloseHandle(next));
}

TEST_F(HandleBasics, WrongHandleTypeIsReported) {
    HINTERNET session = InternetOpenA("test", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0);
    ASSERT_NE(session, nullptr);
    HINTERNET connect = InternetConnectA(session, "127.0.0.1", 0, nullptr, nullptr, INTERNET_SERVICE_HTTP, 0, 1);
    ASSERT_NE(connect, nullptr);
    // InternetConnect wants a session handle.
    EXPECT_EQ(InternetConnectA(connect, "127.0.0.1", 0, nullptr, nullptr, INTERNET_SERVICE_HTTP, 0, 1), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INCORRECT_HANDLE_TYPE));
    DWORD read = 5;
    char buf[4];
    EXPECT_FALSE(InternetReadFile(session, buf, sizeof(buf), &read));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INCORRECT_HANDLE_TYPE));
    EXPECT_EQ(read, 0u);
    DWORD avail = 0;
    EXPECT_FALSE(InternetQueryDataAvailable(connect, &avail, 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INCORRECT_HANDLE_TYPE));
    EXPECT_EQ(InternetSetFilePointer(connect, 0, nullptr, FILE_BEGIN, 0), INVALID_SET_FILE_POINTER);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INVALID_OPERATION));
    EXPECT_TRUE(InternetCloseHandle(session));
}

TEST_F(HandleBasics, ClosingParentClosesChildrenWithOneClosingEach) {
    HINTERNET session = InternetOpenA("test", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0);
    ASSERT_NE(session, nullptr);
    EXPECT_EQ(InternetSetStatusCallbackA(session, record), nullptr);
    HINTERNET with_context = InternetConnectA(session, "localhost", 0, nullptr, nullptr, INTERNET_SERVICE_HTTP, 0, 42);
    HINTERNET without_context =
        InternetConnectA(session, "localhost", 0, nullptr, nullptr, INTERNET_SERVICE_HTTP, 0, 0);
    ASSERT_NE(with_context, nullptr);
    ASSERT_NE(without_context, nullptr);
    auto created = take_seen();
    ASSERT_EQ(created.size(), 1u);  // context 0 → nothing; the session has context 0 too
    EXPECT_EQ(created[0].status, static_cast<DWORD>(INTERNET_STATUS_HANDLE_CREATED));
    EXPECT_EQ(created[0].handle, with_context);
    EXPECT_EQ(created[0].context, 42u);
    EXPECT_EQ(created[0].payload, reinterpret_cast<std::uintptr_t>(with_context));
    EXPECT_EQ(created[0].length, sizeof(HINTERNET));

    ASSERT_TRUE(InternetCloseHandle(session));
    auto closing = take_seen();
    EXPECT_EQ(count_status(closing, INTERNET_STATUS_HANDLE_CLOSING, with_context), 1);
    EXPECT_EQ(closing.size(), 1u);
    EXPECT_FALSE(InternetCloseHandle(with_context));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    EXPECT_FALSE(InternetCloseHandle(without_context));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    EXPECT_TRUE(take_seen().empty());
}

}  // namespace
