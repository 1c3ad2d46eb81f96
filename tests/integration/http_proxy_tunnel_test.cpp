// HTTP and HTTPS through a real forward proxy (tinyproxy, tests/support/proxy_server.hpp) to the
// private nginx: a plain request forwarded in absolute form, and https through a CONNECT tunnel
// with every certificate check made against the origin (SNI and host name), waivable as without
// a proxy. The proxy's log proves the requests went through it.
#include "http_test_helpers.hpp"

#include "content.hpp"
#include "net/stream.hpp"
#include "nginx_server.hpp"
#include "proxy_server.hpp"
#include "test_ca.hpp"

#include <openinet/wininet.h>

#include <gtest/gtest.h>

#include <string>

namespace openinet::test {
namespace {

class HttpProxyTunnel : public ::testing::Test {
protected:
    void SetUp() override {
        nginx_ = &shared_nginx();
        proxy_ = &shared_proxy();
        net::set_extra_trust_file(TestCa::instance().ca_cert().string());
        const std::string proxy = "127.0.0.1:" + std::to_string(proxy_->port());
        session_.reset(InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_PROXY, proxy.c_str(), nullptr, 0));
        ASSERT_TRUE(session_);
    }
    void TearDown() override { net::set_extra_trust_file(""); }

    InetHandle open(const char* host, INTERNET_PORT port, const std::string& path, DWORD flags) {
        connect_.reset(InternetConnectA(session_, host, port, nullptr, nullptr, INTERNET_SERVICE_HTTP, flags, 0));
        EXPECT_TRUE(connect_);
        InetHandle r(HttpOpenRequestA(connect_, "GET", path.c_str(), nullptr, nullptr, nullptr,
                                      flags | INTERNET_FLAG_RELOAD, 0));
        EXPECT_TRUE(r);
        return r;
    }

    NginxServer* nginx_ = nullptr;
    ProxyServer* proxy_ = nullptr;
    InetHandle session_, connect_;
};

TEST_F(HttpProxyTunnel, PlainRequestsAreForwarded) {
    const std::string path = "/files/64k.bin?via-proxy-plain";
    auto r = open("127.0.0.1", nginx_->http_port(), path, 0);
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
    EXPECT_EQ(status_code(r), 200u);
    auto body = read_all(r);
    ASSERT_TRUE(body);
    EXPECT_TRUE(*body == pattern_bytes(0, 64 * 1024)) << body->size() << " bytes";
    const std::string line = "): GET http://127.0.0.1:" + std::to_string(nginx_->http_port()) + path + " HTTP/1.1";
    EXPECT_NE(proxy_->wait_for_log(line).find(line), std::string::npos) << proxy_->log_text();
}

TEST_F(HttpProxyTunnel, HttpsGoesThroughATunnelAndIsVerifiedAgainstTheOrigin) {
    const INTERNET_PORT port = nginx_->https_port(CertKind::good);
    auto r = open("localhost", port, "/files/1m.bin?via-proxy-tunnel", INTERNET_FLAG_SECURE);
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
    EXPECT_EQ(status_code(r), 200u);
    auto body = read_all(r, 4096);   // small reads: the read-ahead through the tunnel
    ASSERT_TRUE(body);
    EXPECT_TRUE(*body == pattern_bytes(0, 1 << 20)) << body->size() << " bytes";
    DWORD flags = 0, size = sizeof flags;
    ASSERT_TRUE(InternetQueryOptionA(r, INTERNET_OPTION_SECURITY_FLAGS, &flags, &size));
    EXPECT_TRUE(flags & SECURITY_FLAG_SECURE);
    const std::string line = "): CONNECT localhost:" + std::to_string(port) + " HTTP/1.1";
    EXPECT_NE(proxy_->wait_for_log(line).find(line), std::string::npos) << proxy_->log_text();
}

TEST_F(HttpProxyTunnel, TheOriginsCertificateProblemsAreReportedAndWaivable) {
    auto r = open("localhost", nginx_->https_port(CertKind::wrong_name), "/files/small.txt", INTERNET_FLAG_SECURE);
    EXPECT_FALSE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_SEC_CERT_CN_INVALID));
    DWORD waive = SECURITY_FLAG_IGNORE_CERT_CN_INVALID;
    ASSERT_TRUE(InternetSetOptionA(r, INTERNET_OPTION_SECURITY_FLAGS, &waive, sizeof waive));
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
    EXPECT_EQ(read_all(r), std::optional<std::string>("Hello from OpenInet nginx\n"));

    auto untrusted = open("localhost", nginx_->https_port(CertKind::untrusted), "/files/small.txt", INTERNET_FLAG_SECURE);
    EXPECT_FALSE(HttpSendRequestA(untrusted, nullptr, 0, nullptr, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INVALID_CA));
}

}  // namespace
}  // namespace openinet::test
