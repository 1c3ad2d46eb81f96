// Automatic redirects: chains, method changes, loops, NO_AUTO_REDIRECT, bad Locations,
// scheme changes, and the REDIRECT notification.
#include "http_test_helpers.hpp"

#include "content.hpp"
#include "nginx_server.hpp"
#include "scripted_server.hpp"
#include "test_ca.hpp"

#include "net/stream.hpp"

#include <openinet/wininet.h>

#include <gtest/gtest.h>

namespace openinet::test {
namespace {

class HttpRedirect : public ::testing::Test {
protected:
    void SetUp() override {
        nginx_ = &shared_nginx();
        net::set_extra_trust_file(TestCa::instance().ca_cert().string());
        session_.reset(InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
        ASSERT_TRUE(session_);
        connect_.reset(InternetConnectA(session_, "127.0.0.1", nginx_->http_port(), nullptr, nullptr,
                                        INTERNET_SERVICE_HTTP, 0, 0));
        ASSERT_TRUE(connect_);
    }
    std::string url_option(HINTERNET h) {
        char buffer[1024];
        DWORD size = sizeof buffer;
        if (!InternetQueryOptionA(h, INTERNET_OPTION_URL, buffer, &size)) return "<error>";
        return std::string(buffer, size);
    }
    NginxServer* nginx_ = nullptr;
    InetHandle session_, connect_;
};

TEST_F(HttpRedirect, ChainIsFollowedAndUrlUpdated) {
    InetHandle r(HttpOpenRequestA(connect_, "GET", "/redirect/chain/5/files/small.txt", nullptr, nullptr, nullptr, 0, 0));
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
    EXPECT_EQ(status_code(r), 200u);
    auto body = read_all(r);
    ASSERT_TRUE(body);
    EXPECT_EQ(*body, "Hello from OpenInet nginx\n");
    EXPECT_EQ(url_option(r), nginx_->http_url("/files/small.txt"));
}

TEST_F(HttpRedirect, EachCodeIsFollowed) {
    for (int code : {301, 302, 303, 307, 308}) {
        std::string path = "/redirect/" + std::to_string(code) + "/files/1k.bin";
        InetHandle r(HttpOpenRequestA(connect_, "GET", path.c_str(), nullptr, nullptr, nullptr, 0, 0));
        ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << code << " " << GetLastError();
        EXPECT_EQ(status_code(r), 200u) << code;
        auto body = read_all(r);
        ASSERT_TRUE(body);
        EXPECT_EQ(body->size(), 1024u) << code;
    }
}

TEST_F(HttpRedirect, PostBecomesGetOn303And302ButNotOn307) {
    struct Case {
        int code;
        const char* method;
    };
    for (Case c : {Case{303, "GET\n"}, Case{302, "GET\n"}, Case{301, "GET\n"}, Case{307, "POST\n"}, Case{308, "POST\n"}}) {
        std::string path = "/redirect/" + std::to_string(c.code) + "/echo/method";
        InetHandle r(HttpOpenRequestA(connect_, "POST", path.c_str(), nullptr, nullptr, nullptr, 0, 0));
        char payload[] = "a=b";
        ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, payload, 3)) << c.code << " " << GetLastError();
        auto body = read_all(r);
        ASSERT_TRUE(body);
        EXPECT_EQ(*body, c.method) << c.code;
        EXPECT_EQ(query_string(r, HTTP_QUERY_REQUEST_METHOD), std::string(c.method, std::strlen(c.method) - 1));
    }
}

TEST_F(HttpRedirect, RedirectedPostKeepsItsBodyOn307) {
    InetHandle r(HttpOpenRequestA(connect_, "POST", "/redirect/307/echo/body", nullptr, nullptr, nullptr, 0, 0));
    std::string payload = "payload-" + std::string(3000, 'p');
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, payload.data(), static_cast<DWORD>(payload.size())));
    auto body = read_all(r);
    ASSERT_TRUE(body);
    EXPECT_EQ(*body, payload);
}

TEST_F(HttpRedirect, LoopFailsWithRedirectFailed) {
    InetHandle r(HttpOpenRequestA(connect_, "GET", "/redirect/loop", nullptr, nullptr, nullptr, 0, 0));
    EXPECT_FALSE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_HTTP_REDIRECT_FAILED));
    EXPECT_EQ(status_code(r), 302u);  // the last 3xx stays queryable
}

TEST_F(HttpRedirect, NoAutoRedirectKeepsThe3xx) {
    InetHandle r(HttpOpenRequestA(connect_, "GET", "/redirect/302/files/small.txt", nullptr, nullptr, nullptr,
                                  INTERNET_FLAG_NO_AUTO_REDIRECT, 0));
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    EXPECT_EQ(status_code(r), 302u);
    auto location = query_string(r, HTTP_QUERY_LOCATION);
    EXPECT_NE(location.find("/files/small.txt"), std::string::npos) << location;
    ASSERT_TRUE(read_all(r));
    // The next request on the session reuses the connection: the 3xx body was consumed.
    InetHandle again(HttpOpenRequestA(connect_, "GET", "/files/small.txt?after-3xx", nullptr, nullptr, nullptr, 0, 0));
    ASSERT_TRUE(HttpSendRequestA(again, nullptr, 0, nullptr, 0));
    ASSERT_TRUE(read_all(again));
}

TEST_F(HttpRedirect, RedirectReusesTheKeepAliveConnection) {
    InetHandle r(HttpOpenRequestA(connect_, "GET", "/redirect/302/files/1k.bin?reuse-on-redirect", nullptr, nullptr,
                                  nullptr, 0, 0));
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    ASSERT_TRUE(read_all(r));
    auto first = nginx_->wait_for_access_log("/redirect/302/files/1k.bin?reuse-on-redirect");
    ASSERT_FALSE(first.empty());
    auto log = nginx_->access_log();
    // The redirect target line follows the 302 on the same nginx connection.
    bool same = false;
    for (const auto& e : log)
        if (e.request_uri.rfind("/files/1k.bin", 0) == 0 && e.connection == first.back().connection) same = true;
    EXPECT_TRUE(same);
}

TEST_F(HttpRedirect, RelativeLocation) {
    InetHandle r(HttpOpenRequestA(connect_, "GET", "/redirect/relative/files/small.txt", nullptr, nullptr, nullptr, 0, 0));
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    EXPECT_EQ(status_code(r), 200u);
    EXPECT_EQ(url_option(r), nginx_->http_url("/files/small.txt"));
}

TEST_F(HttpRedirect, HttpToHttpsIsFollowed) {
    InetHandle r(HttpOpenRequestA(connect_, "GET", "/redirect/to-https/files/small.txt", nullptr, nullptr, nullptr, 0, 0));
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
    EXPECT_EQ(status_code(r), 200u);
    EXPECT_EQ(url_option(r), nginx_->https_url("/files/small.txt"));
    auto body = read_all(r);
    ASSERT_TRUE(body);
    EXPECT_EQ(*body, "Hello from OpenInet nginx\n");
}

TEST_F(HttpRedirect, HttpsToHttpNeedsTheIgnoreFlag) {
    InetHandle tls(InternetConnectA(session_, "localhost", nginx_->https_port(), nullptr, nullptr,
                                    INTERNET_SERVICE_HTTP, INTERNET_FLAG_SECURE, 0));
    {
        InetHandle r(HttpOpenRequestA(tls, "GET", "/redirect/to-http/files/small.txt", nullptr, nullptr, nullptr,
                                      INTERNET_FLAG_SECURE, 0));
        EXPECT_FALSE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_HTTPS_TO_HTTP_ON_REDIR));
        EXPECT_EQ(status_code(r), 302u);
    }
    InetHandle r(HttpOpenRequestA(tls, "GET", "/redirect/to-http/files/small.txt", nullptr, nullptr, nullptr,
                                  INTERNET_FLAG_SECURE | INTERNET_FLAG_IGNORE_REDIRECT_TO_HTTP, 0));
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
    EXPECT_EQ(status_code(r), 200u);
    EXPECT_EQ(url_option(r), nginx_->http_url("/files/small.txt"));
}

TEST_F(HttpRedirect, InvalidAndForeignLocations) {
    ScriptedServer server;
    server.add_script({step::ReadRequest{}, step::Send{http_response(302, "moved", "Location: http:///nohost\r\n")}});
    server.add_script({step::ReadRequest{}, step::Send{http_response(302, "moved", "Location: ftp://127.0.0.1/x\r\n")}});
    InetHandle c(InternetConnectA(session_, "127.0.0.1", server.port(), nullptr, nullptr, INTERNET_SERVICE_HTTP, 0, 0));
    {
        InetHandle r(HttpOpenRequestA(c, "GET", "/a", nullptr, nullptr, nullptr, 0, 0));
        EXPECT_FALSE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INVALID_URL));
        EXPECT_EQ(status_code(r), 302u);
        auto body = read_all(r);
        ASSERT_TRUE(body);
        EXPECT_EQ(*body, "moved");
    }
    InetHandle r(HttpOpenRequestA(c, "GET", "/b", nullptr, nullptr, nullptr, 0, 0));
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
    EXPECT_EQ(status_code(r), 302u);
}

TEST_F(HttpRedirect, RedirectNotificationCarriesTheNewUrl) {
    Recorder recorder;
    InternetSetStatusCallbackA(session_, &Recorder::callback);
    InetHandle c(InternetConnectA(session_, "127.0.0.1", nginx_->http_port(), nullptr, nullptr,
                                  INTERNET_SERVICE_HTTP, 0, 1));
    InetHandle r(HttpOpenRequestA(c, "GET", "/redirect/301/files/small.txt", nullptr, nullptr, nullptr, 0, 2));
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    auto events = recorder.events();
    std::vector<std::string> redirects;
    for (const auto& e : events)
        if (e.status == INTERNET_STATUS_REDIRECT) {
            redirects.push_back(e.text);
            EXPECT_EQ(e.handle, r.get());
            EXPECT_EQ(e.context, 2u);
            EXPECT_EQ(e.thread, std::this_thread::get_id());  // synchronous: inside the call
        }
    ASSERT_EQ(redirects.size(), 1u);
    EXPECT_EQ(redirects[0], nginx_->http_url("/files/small.txt"));
    InternetSetStatusCallbackA(session_, nullptr);
}

}  // namespace
}  // namespace openinet::test
