// InternetQueryOption / InternetSetOption: round trips, inheritance and the buffer rules.
#include "core/connection.hpp"

#include <openinet/wininet.h>

#include <gtest/gtest.h>

#include <cstring>
#include <cwchar>
#include <string>

using namespace openinet;

namespace {

DWORD query_dword(HINTERNET h, DWORD option) {
    DWORD value = 0xFFFFFFFF, len = sizeof(value);
    EXPECT_TRUE(InternetQueryOptionA(h, option, &value, &len)) << option << " " << GetLastError();
    EXPECT_EQ(len, sizeof(DWORD));
    return value;
}

void set_dword(HINTERNET h, DWORD option, DWORD value) {
    EXPECT_TRUE(InternetSetOptionA(h, option, &value, sizeof(value))) << option << " " << GetLastError();
}

class HandleOptions : public ::testing::Test {
protected:
    void SetUp() override {
        session_ = InternetOpenA("agent/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0);
        ASSERT_NE(session_, nullptr);
    }
    void TearDown() override { InternetCloseHandle(session_); }
    HINTERNET connect(const char* user = nullptr, const char* password = nullptr, DWORD flags = 0) {
        HINTERNET c = InternetConnectA(session_, "127.0.0.1", 0, user, password, INTERNET_SERVICE_HTTP, flags, 9);
        EXPECT_NE(c, nullptr);
        return c;
    }
    HINTERNET session_ = nullptr;
};

TEST_F(HandleOptions, TimeoutsRoundTripAndAreInheritedAtCreation) {
    EXPECT_EQ(query_dword(session_, INTERNET_OPTION_CONNECT_TIMEOUT), 60000u);
    set_dword(session_, INTERNET_OPTION_CONNECT_TIMEOUT, 1234);
    set_dword(session_, INTERNET_OPTION_SEND_TIMEOUT, 2345);
    set_dword(session_, INTERNET_OPTION_RECEIVE_TIMEOUT, 3456);
    set_dword(session_, INTERNET_OPTION_DATA_RECEIVE_TIMEOUT, 4567);
    HINTERNET c = connect();
    EXPECT_EQ(query_dword(c, INTERNET_OPTION_CONNECT_TIMEOUT), 1234u);
    EXPECT_EQ(query_dword(c, INTERNET_OPTION_SEND_TIMEOUT), 2345u);
    EXPECT_EQ(query_dword(c, INTERNET_OPTION_RECEIVE_TIMEOUT), 3456u);
    EXPECT_EQ(query_dword(c, INTERNET_OPTION_DATA_RECEIVE_TIMEOUT), 4567u);
    // Later changes on the parent do not reach an existing child.
    set_dword(session_, INTERNET_OPTION_CONNECT_TIMEOUT, 1);
    EXPECT_EQ(query_dword(c, INTERNET_OPTION_CONNECT_TIMEOUT), 1234u);
}

TEST_F(HandleOptions, HandleTypeParentAndContext) {
    HINTERNET c = connect();
    EXPECT_EQ(query_dword(session_, INTERNET_OPTION_HANDLE_TYPE), static_cast<DWORD>(INTERNET_HANDLE_TYPE_INTERNET));
    EXPECT_EQ(query_dword(c, INTERNET_OPTION_HANDLE_TYPE), static_cast<DWORD>(INTERNET_HANDLE_TYPE_CONNECT_HTTP));
    HINTERNET parent = reinterpret_cast<HINTERNET>(1);
    DWORD len = sizeof(parent);
    ASSERT_TRUE(InternetQueryOptionA(c, INTERNET_OPTION_PARENT_HANDLE, &parent, &len));
    EXPECT_EQ(parent, session_);
    EXPECT_EQ(len, sizeof(HINTERNET));
    ASSERT_TRUE(InternetQueryOptionA(session_, INTERNET_OPTION_PARENT_HANDLE, &parent, &len));
    EXPECT_EQ(parent, nullptr);

    DWORD_PTR context = 0;
    len = sizeof(context);
    ASSERT_TRUE(InternetQueryOptionA(c, INTERNET_OPTION_CONTEXT_VALUE, &context, &len));
    EXPECT_EQ(context, 9u);
    context = 0x1234567;
    ASSERT_TRUE(InternetSetOptionA(c, INTERNET_OPTION_CONTEXT_VALUE, &context, sizeof(context)));
    context = 0;
    ASSERT_TRUE(InternetQueryOptionA(c, INTERNET_OPTION_CONTEXT_VALUE, &context, &len));
    EXPECT_EQ(context, 0x1234567u);
    EXPECT_FALSE(InternetSetOptionA(c, INTERNET_OPTION_CONTEXT_VALUE, &context, 2));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_BAD_OPTION_LENGTH));

    DWORD type = 5;
    EXPECT_FALSE(InternetSetOptionA(c, INTERNET_OPTION_HANDLE_TYPE, &type, sizeof(type)));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_OPTION_NOT_SETTABLE));
}

TEST_F(HandleOptions, UserAgentAnsiAndWideSizing) {
    const std::string agent = "agent/1.0";
    DWORD len = 0;
    EXPECT_FALSE(InternetQueryOptionA(session_, INTERNET_OPTION_USER_AGENT, nullptr, &len));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(len, agent.size() + 1);
    char small[4];
    len = sizeof(small);
    EXPECT_FALSE(InternetQueryOptionA(session_, INTERNET_OPTION_USER_AGENT, small, &len));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(len, agent.size() + 1);
    char buf[64];
    len = sizeof(buf);
    ASSERT_TRUE(InternetQueryOptionA(session_, INTERNET_OPTION_USER_AGENT, buf, &len));
    EXPECT_EQ(len, agent.size());
    EXPECT_STREQ(buf, agent.c_str());

    // W counts bytes.
    len = 0;
    EXPECT_FALSE(InternetQueryOptionW(session_, INTERNET_OPTION_USER_AGENT, nullptr, &len));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(len, (agent.size() + 1) * sizeof(wchar_t));
    wchar_t wbuf[64];
    len = sizeof(wbuf);
    ASSERT_TRUE(InternetQueryOptionW(session_, INTERNET_OPTION_USER_AGENT, wbuf, &len));
    EXPECT_EQ(len, agent.size() * sizeof(wchar_t));
    EXPECT_STREQ(wbuf, L"agent/1.0");

    // W set counts characters; the value is stored as UTF-8.
    const wchar_t* wide_agent = L"Agent \u00e9";
    ASSERT_TRUE(InternetSetOptionW(session_, INTERNET_OPTION_USER_AGENT, const_cast<wchar_t*>(wide_agent),
                                   static_cast<DWORD>(std::wcslen(wide_agent))));
    len = sizeof(buf);
    ASSERT_TRUE(InternetQueryOptionA(session_, INTERNET_OPTION_USER_AGENT, buf, &len));
    EXPECT_STREQ(buf, "Agent \xc3\xa9");
}

TEST_F(HandleOptions, NullLengthAndNullHandleRules) {
    DWORD value = 0;
    EXPECT_FALSE(InternetQueryOptionA(session_, INTERNET_OPTION_CONNECT_TIMEOUT, &value, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    DWORD len = 0;
    EXPECT_FALSE(InternetQueryOptionA(session_, INTERNET_OPTION_CONNECT_TIMEOUT, nullptr, &len));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(len, sizeof(DWORD));
    len = 2;
    EXPECT_FALSE(InternetQueryOptionA(session_, INTERNET_OPTION_CONNECT_TIMEOUT, &value, &len));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(len, sizeof(DWORD));

    // Per-handle options on the NULL handle.
    for (DWORD option : {INTERNET_OPTION_USER_AGENT, INTERNET_OPTION_HANDLE_TYPE, INTERNET_OPTION_CONTEXT_VALUE,
                         INTERNET_OPTION_PARENT_HANDLE, INTERNET_OPTION_SECURITY_FLAGS}) {
        char buf[64];
        len = sizeof(buf);
        EXPECT_FALSE(InternetQueryOptionA(nullptr, option, buf, &len)) << option;
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INCORRECT_HANDLE_TYPE)) << option;
    }
    EXPECT_FALSE(InternetSetOptionA(nullptr, INTERNET_OPTION_USER_AGENT, const_cast<char*>("x"), 1));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INCORRECT_HANDLE_TYPE));

    // Unknown options.
    len = sizeof(value);
    EXPECT_FALSE(InternetQueryOptionA(session_, 4000, &value, &len));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INVALID_OPTION));
    EXPECT_FALSE(InternetSetOptionA(session_, 4000, &value, sizeof(value)));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INVALID_OPTION));

    // Set: missing data, short data.
    EXPECT_FALSE(InternetSetOptionA(session_, INTERNET_OPTION_CONNECT_TIMEOUT, nullptr, sizeof(DWORD)));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_FALSE(InternetSetOptionA(session_, INTERNET_OPTION_CONNECT_TIMEOUT, &value, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_FALSE(InternetSetOptionA(session_, INTERNET_OPTION_CONNECT_TIMEOUT, &value, 2));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_BAD_OPTION_LENGTH));
}

TEST_F(HandleOptions, CallbackIsQueryOnly) {
    auto cb = [](HINTERNET, DWORD_PTR, DWORD, LPVOID, DWORD) {};
    INTERNET_STATUS_CALLBACK callback = cb;
    EXPECT_EQ(InternetSetStatusCallbackW(session_, callback), nullptr);
    INTERNET_STATUS_CALLBACK got = nullptr;
    DWORD len = sizeof(got);
    ASSERT_TRUE(InternetQueryOptionA(session_, INTERNET_OPTION_CALLBACK, &got, &len));
    EXPECT_EQ(got, callback);
    EXPECT_FALSE(InternetSetOptionA(session_, INTERNET_OPTION_CALLBACK, &got, sizeof(got)));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_OPTION_NOT_SETTABLE));
}

TEST_F(HandleOptions, CallbackInheritedByHandlesCreatedLater) {
    auto first = [](HINTERNET, DWORD_PTR, DWORD, LPVOID, DWORD) {};
    auto second = [](HINTERNET, DWORD_PTR, DWORD, LPVOID, DWORD) {};
    EXPECT_EQ(InternetSetStatusCallback(session_, first), nullptr);
    HINTERNET c1 = connect();
    EXPECT_EQ(InternetSetStatusCallback(session_, second), static_cast<INTERNET_STATUS_CALLBACK>(first));
    HINTERNET c2 = connect();
    INTERNET_STATUS_CALLBACK got = nullptr;
    DWORD len = sizeof(got);
    ASSERT_TRUE(InternetQueryOptionA(c1, INTERNET_OPTION_CALLBACK, &got, &len));
    EXPECT_EQ(got, static_cast<INTERNET_STATUS_CALLBACK>(first));
    ASSERT_TRUE(InternetQueryOptionA(c2, INTERNET_OPTION_CALLBACK, &got, &len));
    EXPECT_EQ(got, static_cast<INTERNET_STATUS_CALLBACK>(second));
    EXPECT_EQ(InternetSetStatusCallback(c2, nullptr), static_cast<INTERNET_STATUS_CALLBACK>(second));
}

TEST_F(HandleOptions, SecurityFlagsKeepOnlySettableBits) {
    HINTERNET c = connect();
    set_dword(c, INTERNET_OPTION_SECURITY_FLAGS,
              SECURITY_FLAG_IGNORE_UNKNOWN_CA | SECURITY_FLAG_SECURE | SECURITY_FLAG_STRENGTH_STRONG);
    EXPECT_EQ(query_dword(c, INTERNET_OPTION_SECURITY_FLAGS), static_cast<DWORD>(SECURITY_FLAG_IGNORE_UNKNOWN_CA));
    set_dword(c, INTERNET_OPTION_SECURITY_FLAGS, SECURITY_SET_MASK);
    EXPECT_EQ(query_dword(c, INTERNET_OPTION_SECURITY_FLAGS), static_cast<DWORD>(SECURITY_SET_MASK));
}

TEST_F(HandleOptions, UserNameAndPasswordFromInternetConnect) {
    HINTERNET c = connect("alice", "s3cret");
    char buf[32];
    DWORD len = sizeof(buf);
    ASSERT_TRUE(InternetQueryOptionA(c, INTERNET_OPTION_USERNAME, buf, &len));
    EXPECT_STREQ(buf, "alice");
    len = sizeof(buf);
    ASSERT_TRUE(InternetQueryOptionA(c, INTERNET_OPTION_PASSWORD, buf, &len));
    EXPECT_STREQ(buf, "s3cret");
    ASSERT_TRUE(InternetSetOptionA(c, INTERNET_OPTION_USERNAME, const_cast<char*>("bob"), 3));
    len = sizeof(buf);
    ASSERT_TRUE(InternetQueryOptionA(c, INTERNET_OPTION_USERNAME, buf, &len));
    EXPECT_STREQ(buf, "bob");
    EXPECT_EQ(len, 3u);
}

TEST_F(HandleOptions, BuffersKeepAliveAndDecoding) {
    EXPECT_EQ(query_dword(session_, INTERNET_OPTION_READ_BUFFER_SIZE), 4096u);
    set_dword(session_, INTERNET_OPTION_READ_BUFFER_SIZE, 65536);
    EXPECT_EQ(query_dword(session_, INTERNET_OPTION_READ_BUFFER_SIZE), 65536u);
    set_dword(session_, INTERNET_OPTION_WRITE_BUFFER_SIZE, 8192);
    EXPECT_EQ(query_dword(session_, INTERNET_OPTION_WRITE_BUFFER_SIZE), 8192u);
    EXPECT_EQ(query_dword(session_, INTERNET_OPTION_KEEP_CONNECTION), static_cast<DWORD>(INTERNET_KEEP_ALIVE_ENABLED));
    set_dword(session_, INTERNET_OPTION_KEEP_CONNECTION, INTERNET_KEEP_ALIVE_DISABLED);
    EXPECT_EQ(query_dword(session_, INTERNET_OPTION_KEEP_CONNECTION),
              static_cast<DWORD>(INTERNET_KEEP_ALIVE_DISABLED));
    EXPECT_EQ(query_dword(session_, INTERNET_OPTION_HTTP_DECODING), static_cast<DWORD>(FALSE));
    BOOL on = TRUE;
    ASSERT_TRUE(InternetSetOptionA(session_, INTERNET_OPTION_HTTP_DECODING, &on, sizeof(on)));
    HINTERNET c = connect();
    EXPECT_EQ(query_dword(c, INTERNET_OPTION_HTTP_DECODING), static_cast<DWORD>(TRUE));
    EXPECT_EQ(query_dword(c, INTERNET_OPTION_READ_BUFFER_SIZE), 65536u);
}

TEST_F(HandleOptions, VersionAndHttpVersionWorkWithoutHandle) {
    INTERNET_VERSION_INFO version{};
    DWORD len = sizeof(version);
    ASSERT_TRUE(InternetQueryOptionA(nullptr, INTERNET_OPTION_VERSION, &version, &len));
    EXPECT_EQ(version.dwMajorVersion, 1u);
    EXPECT_EQ(len, sizeof(version));
    EXPECT_FALSE(InternetSetOptionA(nullptr, INTERNET_OPTION_VERSION, &version, sizeof(version)));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_OPTION_NOT_SETTABLE));
    HTTP_VERSION_INFO http{};
    len = sizeof(http);
    ASSERT_TRUE(InternetQueryOptionA(nullptr, INTERNET_OPTION_HTTP_VERSION, &http, &len));
    EXPECT_EQ(http.dwMajorVersion, 1u);
    EXPECT_EQ(http.dwMinorVersion, 1u);
    len = sizeof(http);
    ASSERT_TRUE(InternetQueryOptionA(session_, INTERNET_OPTION_HTTP_VERSION, &http, &len));
    EXPECT_EQ(http.dwMinorVersion, 1u);
}

TEST_F(HandleOptions, GlobalTimeoutsApplyToNewSessions) {
    const DWORD before = query_dword(nullptr, INTERNET_OPTION_CONNECT_TIMEOUT);
    set_dword(nullptr, INTERNET_OPTION_CONNECT_TIMEOUT, 7777);
    EXPECT_EQ(query_dword(nullptr, INTERNET_OPTION_CONNECT_TIMEOUT), 7777u);
    HINTERNET s = InternetOpenA("x", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0);
    EXPECT_EQ(query_dword(s, INTERNET_OPTION_CONNECT_TIMEOUT), 7777u);
    EXPECT_EQ(query_dword(session_, INTERNET_OPTION_CONNECT_TIMEOUT), 60000u);  // opened before
    InternetCloseHandle(s);
    // ISO_GLOBAL sets the process-wide value even when a handle is given.
    DWORD restored = before;
    ASSERT_TRUE(InternetSetOptionExA(session_, INTERNET_OPTION_CONNECT_TIMEOUT, &restored, sizeof(restored),
                                     ISO_GLOBAL));
    EXPECT_EQ(query_dword(nullptr, INTERNET_OPTION_CONNECT_TIMEOUT), before);
    EXPECT_FALSE(InternetSetOptionExA(session_, INTERNET_OPTION_CONNECT_TIMEOUT, &restored, sizeof(restored), 0x80));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    DWORD conns = 0;
    EXPECT_FALSE(InternetSetOptionA(session_, INTERNET_OPTION_MAX_CONNS_PER_SERVER, &conns, sizeof(conns)));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INVALID_OPERATION));
}

TEST_F(HandleOptions, ProxyInfoOfSession) {
    HINTERNET s = InternetOpenA("x", INTERNET_OPEN_TYPE_PROXY, "proxy:3128", "<local>", 0);
    ASSERT_NE(s, nullptr);
    DWORD len = 0;
    EXPECT_FALSE(InternetQueryOptionA(s, INTERNET_OPTION_PROXY, nullptr, &len));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    std::string storage(len, '\0');
    ASSERT_TRUE(InternetQueryOptionA(s, INTERNET_OPTION_PROXY, storage.data(), &len));
    auto* info = reinterpret_cast<INTERNET_PROXY_INFOA*>(storage.data());
    EXPECT_EQ(info->dwAccessType, static_cast<DWORD>(INTERNET_OPEN_TYPE_PROXY));
    EXPECT_STREQ(info->lpszProxy, "proxy:3128");
    EXPECT_STREQ(info->lpszProxyBypass, "<local>");
    InternetCloseHandle(s);
}

TEST_F(HandleOptions, ConnectArgumentsAndDefaultPorts) {
    std::error_code ec;
    HINTERNET c = connect();
    EXPECT_EQ(core::lookup<core::Connection>(c, ec)->port(), INTERNET_DEFAULT_HTTP_PORT);
    HINTERNET secure = connect(nullptr, nullptr, INTERNET_FLAG_SECURE);
    EXPECT_EQ(core::lookup<core::Connection>(secure, ec)->port(), INTERNET_DEFAULT_HTTPS_PORT);
    HINTERNET explicit_port = InternetConnectA(session_, "h", 8080, nullptr, nullptr, INTERNET_SERVICE_HTTP, 0, 0);
    auto conn = core::lookup<core::Connection>(explicit_port, ec);
    ASSERT_TRUE(conn);
    EXPECT_EQ(conn->port(), 8080);
    EXPECT_EQ(conn->server(), "h");
    EXPECT_EQ(core::default_port(INTERNET_SERVICE_FTP, 0, 0), INTERNET_DEFAULT_FTP_PORT);

    EXPECT_EQ(InternetConnectA(session_, nullptr, 0, nullptr, nullptr, INTERNET_SERVICE_HTTP, 0, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(InternetConnectA(session_, "", 0, nullptr, nullptr, INTERNET_SERVICE_HTTP, 0, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(InternetConnectA(session_, "h", 0, nullptr, nullptr, 77, 0, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(InternetConnectA(session_, "h", 0, nullptr, nullptr, INTERNET_SERVICE_GOPHER, 0, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NOT_SUPPORTED));
    HINTERNET wide = InternetConnectW(session_, L"w\u00fc", 0, L"u", L"p", INTERNET_SERVICE_HTTP, 0, 0);
    conn = core::lookup<core::Connection>(wide, ec);
    ASSERT_TRUE(conn);
    EXPECT_EQ(conn->server(), "w\xc3\xbc");
    EXPECT_EQ(conn->user(), "u");

    EXPECT_EQ(InternetOpenA("x", 2, nullptr, nullptr, 0), nullptr);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST_F(HandleOptions, DataTransferArgumentChecks) {
    DWORD n = 3;
    EXPECT_FALSE(InternetReadFile(session_, nullptr, 0, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_FALSE(InternetWriteFile(session_, "x", 1, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_FALSE(InternetWriteFile(session_, "x", 1, &n));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INCORRECT_HANDLE_TYPE));
    EXPECT_EQ(n, 0u);
    EXPECT_FALSE(InternetQueryDataAvailable(session_, nullptr, 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    INTERNET_BUFFERSA buffers{};
    char data[4];
    buffers.lpvBuffer = data;
    buffers.dwBufferLength = sizeof(data);
    EXPECT_FALSE(InternetReadFileExA(session_, &buffers, 0, 0));  // dwStructSize 0
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_FALSE(InternetReadFileExA(session_, nullptr, 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    buffers.dwStructSize = sizeof(buffers);
    EXPECT_FALSE(InternetReadFileExA(session_, &buffers, 0, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INCORRECT_HANDLE_TYPE));
    EXPECT_FALSE(InternetFindNextFileA(session_, data));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INCORRECT_HANDLE_TYPE));
    EXPECT_EQ(InternetAttemptConnect(0), static_cast<DWORD>(ERROR_SUCCESS));
}

}  // namespace
