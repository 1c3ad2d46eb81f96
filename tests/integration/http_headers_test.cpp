// HttpAddRequestHeaders flag semantics and HttpQueryInfo: request-side queries need no server;
// what the server received is checked through nginx's /echo/headers.
#include "http_test_helpers.hpp"

#include "nginx_server.hpp"

#include <openinet/wininet.h>

#include <gtest/gtest.h>

#include <cwchar>

namespace openinet::test {
namespace {

class HttpHeaders : public ::testing::Test {
protected:
    void SetUp() override {
        session_.reset(InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
        ASSERT_TRUE(session_);
        // No I/O happens before HttpSendRequest, so any name works for request-side tests.
        connect_.reset(InternetConnectA(session_, "headers.invalid", 8080, nullptr, nullptr, INTERNET_SERVICE_HTTP, 0, 0));
        ASSERT_TRUE(connect_);
        request_.reset(HttpOpenRequestA(connect_, "POST", "/form", nullptr, nullptr, nullptr, 0, 0));
        ASSERT_TRUE(request_);
    }
    std::string request_header(const char* name, DWORD* index) {
        char buffer[512];
        std::strcpy(buffer, name);
        DWORD size = sizeof buffer;
        if (!HttpQueryInfoA(request_, HTTP_QUERY_CUSTOM | HTTP_QUERY_FLAG_REQUEST_HEADERS, buffer, &size, index))
            return "<" + std::to_string(GetLastError()) + ">";
        return std::string(buffer, size);
    }
    std::vector<std::string> all(const char* name) {
        std::vector<std::string> out;
        DWORD index = 0;
        for (int i = 0; i < 20; ++i) {
            DWORD before = index;
            auto v = request_header(name, &index);
            if (v.front() == '<') {
                EXPECT_EQ(index, before);  // unchanged on failure
                break;
            }
            EXPECT_EQ(index, before + 1);
            out.push_back(v);
        }
        return out;
    }
    InetHandle session_, connect_, request_;
};

using Values = std::vector<std::string>;

TEST_F(HttpHeaders, AddAndAddIfNew) {
    ASSERT_TRUE(HttpAddRequestHeadersA(request_, "Warning: one", static_cast<DWORD>(-1), HTTP_ADDREQ_FLAG_ADD));
    ASSERT_TRUE(HttpAddRequestHeadersA(request_, "Warning:two", static_cast<DWORD>(-1), HTTP_ADDREQ_FLAG_ADD));
    EXPECT_EQ(all("Warning"), (Values{"one", "two"}));
    EXPECT_FALSE(HttpAddRequestHeadersA(request_, "Warning: three", static_cast<DWORD>(-1), HTTP_ADDREQ_FLAG_ADD_IF_NEW));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_HTTP_HEADER_ALREADY_EXISTS));
    EXPECT_TRUE(HttpAddRequestHeadersA(request_, "X-New: yes", static_cast<DWORD>(-1), HTTP_ADDREQ_FLAG_ADD_IF_NEW));
    EXPECT_EQ(all("x-new"), (Values{"yes"}));  // names are case-insensitive
}

TEST_F(HttpHeaders, ReplaceMovesToTheEndAndEmptyRemoves) {
    ASSERT_TRUE(HttpAddRequestHeadersA(request_, "Warning: one\r\nWarning: two\r\n", static_cast<DWORD>(-1),
                                       HTTP_ADDREQ_FLAG_ADD));
    ASSERT_TRUE(HttpAddRequestHeadersA(request_, "Warning: three", static_cast<DWORD>(-1), HTTP_ADDREQ_FLAG_REPLACE));
    EXPECT_EQ(all("Warning"), (Values{"two", "three"}));
    // The index in the low 16 bits picks the occurrence.
    ASSERT_TRUE(HttpAddRequestHeadersA(request_, "Warning: four", static_cast<DWORD>(-1), HTTP_ADDREQ_FLAG_REPLACE | 1));
    EXPECT_EQ(all("Warning"), (Values{"two", "four"}));
    ASSERT_TRUE(HttpAddRequestHeadersA(request_, "Warning:", static_cast<DWORD>(-1), HTTP_ADDREQ_FLAG_REPLACE));
    EXPECT_EQ(all("Warning"), (Values{"four"}));
    EXPECT_FALSE(HttpAddRequestHeadersA(request_, "Missing: x", static_cast<DWORD>(-1), HTTP_ADDREQ_FLAG_REPLACE));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_HTTP_HEADER_NOT_FOUND));
    // ADD|REPLACE: replace if there, add if not.
    EXPECT_TRUE(HttpAddRequestHeadersA(request_, "Missing: x", static_cast<DWORD>(-1),
                                       HTTP_ADDREQ_FLAG_REPLACE | HTTP_ADDREQ_FLAG_ADD));
    EXPECT_EQ(all("Missing"), (Values{"x"}));
}

TEST_F(HttpHeaders, Coalesce) {
    ASSERT_TRUE(HttpAddRequestHeadersA(request_, "Warning: a", static_cast<DWORD>(-1), HTTP_ADDREQ_FLAG_ADD));
    ASSERT_TRUE(HttpAddRequestHeadersA(request_, "Warning: b", static_cast<DWORD>(-1), HTTP_ADDREQ_FLAG_COALESCE));
    ASSERT_TRUE(HttpAddRequestHeadersA(request_, "Warning: c", static_cast<DWORD>(-1),
                                       HTTP_ADDREQ_FLAG_COALESCE_WITH_COMMA));
    ASSERT_TRUE(HttpAddRequestHeadersA(request_, "Warning: d", static_cast<DWORD>(-1),
                                       HTTP_ADDREQ_FLAG_COALESCE_WITH_SEMICOLON));
    EXPECT_EQ(all("Warning"), (Values{"a, b, c; d"}));
    // Coalescing onto a header that does not exist adds it.
    ASSERT_TRUE(HttpAddRequestHeadersA(request_, "Fresh: 1", static_cast<DWORD>(-1), HTTP_ADDREQ_FLAG_COALESCE));
    EXPECT_EQ(all("Fresh"), (Values{"1"}));
}

TEST_F(HttpHeaders, MultiLineInputAndBlankLinesAndLength) {
    ASSERT_TRUE(HttpAddRequestHeadersA(request_, "\r\nA: 1\r\n\r\nB: 2\nC: 3\rD: 4\r\n", static_cast<DWORD>(-1),
                                       HTTP_ADDREQ_FLAG_ADD));
    EXPECT_EQ(all("A"), (Values{"1"}));
    EXPECT_EQ(all("B"), (Values{"2"}));
    EXPECT_EQ(all("C"), (Values{"3"}));
    EXPECT_EQ(all("D"), (Values{"4"}));
    // An explicit length cuts the input.
    ASSERT_TRUE(HttpAddRequestHeadersA(request_, "E: 55555", 4, HTTP_ADDREQ_FLAG_ADD));
    EXPECT_EQ(all("E"), (Values{"5"}));
}

TEST_F(HttpHeaders, BadInput) {
    EXPECT_FALSE(HttpAddRequestHeadersA(request_, "no colon here", static_cast<DWORD>(-1), HTTP_ADDREQ_FLAG_ADD));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_FALSE(HttpAddRequestHeadersA(request_, nullptr, static_cast<DWORD>(-1), HTTP_ADDREQ_FLAG_ADD));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_FALSE(HttpAddRequestHeadersA(request_, "\r\n\r\n", static_cast<DWORD>(-1), HTTP_ADDREQ_FLAG_ADD));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_FALSE(HttpAddRequestHeadersA(nullptr, "A: b", static_cast<DWORD>(-1), 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    EXPECT_FALSE(HttpAddRequestHeadersA(connect_, "A: b", static_cast<DWORD>(-1), 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INCORRECT_HANDLE_TYPE));
}

TEST_F(HttpHeaders, WideAddAndQuery) {
    ASSERT_TRUE(HttpAddRequestHeadersW(request_, L"X-Wide: caf\u00e9", static_cast<DWORD>(-1), HTTP_ADDREQ_FLAG_ADD));
    wchar_t buffer[64];
    std::wcscpy(buffer, L"X-Wide");
    DWORD size = sizeof buffer;
    ASSERT_TRUE(HttpQueryInfoW(request_, HTTP_QUERY_CUSTOM | HTTP_QUERY_FLAG_REQUEST_HEADERS, buffer, &size, nullptr));
    EXPECT_EQ(std::wstring(buffer), L"caf\u00e9");
    EXPECT_EQ(size, 4 * sizeof(wchar_t));  // W counts bytes, without the terminator
    // Too small: the size needed, in bytes, with the terminator.
    std::wcscpy(buffer, L"X-Wide");
    size = 3 * sizeof(wchar_t);
    EXPECT_FALSE(HttpQueryInfoW(request_, HTTP_QUERY_CUSTOM | HTTP_QUERY_FLAG_REQUEST_HEADERS, buffer, &size, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(size, 5 * sizeof(wchar_t));
}

TEST_F(HttpHeaders, QueriesBeforeSend) {
    DWORD code = 77, size = sizeof code;
    ASSERT_TRUE(HttpQueryInfoA(request_, HTTP_QUERY_STATUS_CODE | HTTP_QUERY_FLAG_NUMBER, &code, &size, nullptr));
    EXPECT_EQ(code, 0u);
    EXPECT_EQ(query_string(request_, HTTP_QUERY_STATUS_CODE), "0");
    EXPECT_EQ(query_string(request_, HTTP_QUERY_STATUS_TEXT), "<error 12150>");
    EXPECT_EQ(query_string(request_, HTTP_QUERY_RAW_HEADERS_CRLF), "\r\n");
    EXPECT_EQ(query_string(request_, HTTP_QUERY_CONTENT_TYPE), "<error 12150>");
    auto head = query_string(request_, HTTP_QUERY_RAW_HEADERS_CRLF | HTTP_QUERY_FLAG_REQUEST_HEADERS);
    EXPECT_EQ(head.rfind("POST /form HTTP/1.1\r\n", 0), 0u) << head;
    EXPECT_NE(head.find("Host: headers.invalid:8080\r\n"), std::string::npos) << head;
    EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
    EXPECT_EQ(query_string(request_, HTTP_QUERY_REQUEST_METHOD | HTTP_QUERY_FLAG_REQUEST_HEADERS), "POST");
    EXPECT_EQ(query_string(request_, HTTP_QUERY_STATUS_CODE | HTTP_QUERY_FLAG_REQUEST_HEADERS), "<error 12154>");
    DWORD flags = 0;
    size = sizeof flags;
    ASSERT_TRUE(InternetQueryOptionA(request_, INTERNET_OPTION_REQUEST_FLAGS, &flags, &size));
    EXPECT_TRUE(flags & INTERNET_REQFLAG_NO_HEADERS);
}

TEST_F(HttpHeaders, SizingRules) {
    ASSERT_TRUE(HttpAddRequestHeadersA(request_, "Warning: test1", static_cast<DWORD>(-1), HTTP_ADDREQ_FLAG_ADD));
    char buffer[64];
    std::strcpy(buffer, "Warning");
    DWORD index = 0, size = 5;  // the value fits, its terminator does not
    EXPECT_FALSE(HttpQueryInfoA(request_, HTTP_QUERY_CUSTOM | HTTP_QUERY_FLAG_REQUEST_HEADERS, buffer, &size, &index));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(size, 6u);
    EXPECT_EQ(index, 0u);
    EXPECT_STREQ(buffer, "Warning");  // untouched
    size = 0;
    EXPECT_FALSE(HttpQueryInfoA(request_, HTTP_QUERY_RAW_HEADERS_CRLF | HTTP_QUERY_FLAG_REQUEST_HEADERS, nullptr,
                                &size, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_GT(size, 40u);
    std::vector<char> raw(size);
    DWORD needed = size;
    ASSERT_TRUE(HttpQueryInfoA(request_, HTTP_QUERY_RAW_HEADERS_CRLF | HTTP_QUERY_FLAG_REQUEST_HEADERS, raw.data(),
                               &size, nullptr));
    EXPECT_EQ(size + 1, needed);
    EXPECT_EQ(raw[size], '\0');
    EXPECT_FALSE(HttpQueryInfoA(request_, HTTP_QUERY_STATUS_CODE, buffer, nullptr, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

class HttpQueryInfoResponse : public ::testing::Test {
protected:
    void SetUp() override {
        nginx_ = &shared_nginx();
        session_.reset(InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
        connect_.reset(InternetConnectA(session_, "127.0.0.1", nginx_->http_port(), nullptr, nullptr,
                                        INTERNET_SERVICE_HTTP, 0, 0));
        ASSERT_TRUE(connect_);
    }
    NginxServer* nginx_ = nullptr;
    InetHandle session_, connect_;
};

TEST_F(HttpQueryInfoResponse, StatusVersionRawAndNumbers) {
    InetHandle r(HttpOpenRequestA(connect_, "GET", "/files/1k.bin", nullptr, nullptr, nullptr, 0, 0));
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    EXPECT_EQ(query_string(r, HTTP_QUERY_STATUS_CODE), "200");
    EXPECT_EQ(query_string(r, HTTP_QUERY_STATUS_TEXT), "OK");
    EXPECT_EQ(query_string(r, HTTP_QUERY_VERSION), "HTTP/1.1");
    EXPECT_EQ(query_string(r, HTTP_QUERY_CONTENT_LENGTH), "1024");
    EXPECT_EQ(query_string(r, HTTP_QUERY_SERVER).rfind("nginx", 0), 0u);
    auto crlf = query_string(r, HTTP_QUERY_RAW_HEADERS_CRLF);
    EXPECT_EQ(crlf.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
    EXPECT_EQ(crlf.substr(crlf.size() - 4), "\r\n\r\n");

    char raw[4096];
    DWORD size = sizeof raw;
    ASSERT_TRUE(HttpQueryInfoA(r, HTTP_QUERY_RAW_HEADERS, raw, &size, nullptr));
    EXPECT_STREQ(raw, "HTTP/1.1 200 OK");
    EXPECT_EQ(raw[size], '\0');
    EXPECT_EQ(raw[size - 1], '\0');  // each line NUL-terminated, then one more NUL

    DWORD number = 0;
    size = 3;
    EXPECT_FALSE(HttpQueryInfoA(r, HTTP_QUERY_STATUS_CODE | HTTP_QUERY_FLAG_NUMBER, &number, &size, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(size, 4u);
    std::uint64_t big = 0;
    size = sizeof big;
    ASSERT_TRUE(HttpQueryInfoA(r, HTTP_QUERY_CONTENT_LENGTH | HTTP_QUERY_FLAG_NUMBER64, &big, &size, nullptr));
    EXPECT_EQ(big, 1024u);
    EXPECT_EQ(size, 8u);
    size = sizeof number;
    EXPECT_FALSE(HttpQueryInfoA(r, HTTP_QUERY_CONTENT_TYPE | HTTP_QUERY_FLAG_NUMBER, &number, &size, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_HTTP_INVALID_HEADER));

    SYSTEMTIME st{};
    size = sizeof st;
    ASSERT_TRUE(HttpQueryInfoA(r, HTTP_QUERY_DATE | HTTP_QUERY_FLAG_SYSTEMTIME, &st, &size, nullptr)) << GetLastError();
    EXPECT_GE(st.wYear, 2020);
    EXPECT_GE(st.wMonth, 1);
    EXPECT_LE(st.wMonth, 12);
    ASSERT_TRUE(HttpQueryInfoA(r, HTTP_QUERY_LAST_MODIFIED | HTTP_QUERY_FLAG_SYSTEMTIME, &st, &size, nullptr));

    char custom[64];
    std::strcpy(custom, "accept-ranges");
    size = sizeof custom;
    ASSERT_TRUE(HttpQueryInfoA(r, HTTP_QUERY_CUSTOM, custom, &size, nullptr));
    EXPECT_STREQ(custom, "bytes");
    EXPECT_EQ(query_string(r, HTTP_QUERY_LOCATION), "<error 12150>");

    wchar_t wide[64];
    size = sizeof wide;
    ASSERT_TRUE(HttpQueryInfoW(r, HTTP_QUERY_STATUS_TEXT, wide, &size, nullptr));
    EXPECT_EQ(std::wstring(wide), L"OK");
    EXPECT_EQ(size, 2 * sizeof(wchar_t));
    ASSERT_TRUE(read_all(r));
}

TEST_F(HttpQueryInfoResponse, RepeatedHeadersByIndex) {
    InetHandle r(HttpOpenRequestA(connect_, "GET", "/cookies/set", nullptr, nullptr, nullptr, 0, 0));
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    DWORD index = 0;
    auto first = query_string(r, HTTP_QUERY_SET_COOKIE, &index);
    EXPECT_EQ(index, 1u);
    auto second = query_string(r, HTTP_QUERY_SET_COOKIE, &index);
    EXPECT_EQ(index, 2u);
    EXPECT_NE(first.find("session=abc123"), std::string::npos) << first;
    EXPECT_NE(second.find("theme=dark"), std::string::npos) << second;
    EXPECT_EQ(query_string(r, HTTP_QUERY_SET_COOKIE, &index), "<error 12150>");
    EXPECT_EQ(index, 2u);
}

TEST_F(HttpQueryInfoResponse, ServerReceivesEditedHeaders) {
    InetHandle r(HttpOpenRequestA(connect_, "GET", "/echo/headers", nullptr, nullptr, nullptr, 0, 0));
    ASSERT_TRUE(HttpAddRequestHeadersA(r, "X-One: 1\r\nX-Two: 2\r\n", static_cast<DWORD>(-1), HTTP_ADDREQ_FLAG_ADD));
    ASSERT_TRUE(HttpAddRequestHeadersA(r, "X-One: 1b", static_cast<DWORD>(-1), HTTP_ADDREQ_FLAG_COALESCE_WITH_SEMICOLON));
    ASSERT_TRUE(HttpAddRequestHeadersA(r, "X-Two:", static_cast<DWORD>(-1), HTTP_ADDREQ_FLAG_REPLACE));
    ASSERT_TRUE(HttpAddRequestHeadersA(r, "User-Agent: custom-agent", static_cast<DWORD>(-1),
                                       HTTP_ADDREQ_FLAG_ADD | HTTP_ADDREQ_FLAG_REPLACE));
    ASSERT_TRUE(HttpSendRequestA(r, "X-Three: 3", static_cast<DWORD>(-1), nullptr, 0));
    auto head = read_all(r);
    ASSERT_TRUE(head);
    EXPECT_NE(head->find("X-One: 1; 1b\r\n"), std::string::npos) << *head;
    EXPECT_EQ(head->find("X-Two"), std::string::npos) << *head;
    EXPECT_NE(head->find("X-Three: 3\r\n"), std::string::npos) << *head;
    EXPECT_NE(head->find("User-Agent: custom-agent\r\n"), std::string::npos) << *head;
    EXPECT_EQ(head->find("OpenInet-test"), std::string::npos) << *head;
    // The request side shows what was sent.
    auto sent = query_string(r, HTTP_QUERY_RAW_HEADERS_CRLF | HTTP_QUERY_FLAG_REQUEST_HEADERS);
    EXPECT_NE(sent.find("X-Three: 3\r\n"), std::string::npos);
    DWORD flags = 0, size = sizeof flags;
    ASSERT_TRUE(InternetQueryOptionA(r, INTERNET_OPTION_REQUEST_FLAGS, &flags, &size));
    EXPECT_FALSE(flags & INTERNET_REQFLAG_NO_HEADERS);
}

}  // namespace
}  // namespace openinet::test
