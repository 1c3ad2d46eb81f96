// HTTPS through the request handle: a good certificate, each bad one with and without the
// matching waiver (INTERNET_OPTION_SECURITY_FLAGS on the request, then a re-send).
#include "http_test_helpers.hpp"

#include "nginx_server.hpp"
#include "test_ca.hpp"

#include "net/stream.hpp"

#include <openinet/wininet.h>

#include <gtest/gtest.h>

namespace openinet::test {
namespace {

class HttpTls : public ::testing::Test {
protected:
    void SetUp() override {
        nginx_ = &shared_nginx();
        net::set_extra_trust_file(TestCa::instance().ca_cert().string());
        session_.reset(InternetOpenA("OpenInet-test/1.0", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
        ASSERT_TRUE(session_);
    }
    InetHandle request(CertKind kind, const char* path = "/files/small.txt") {
        connect_.reset(InternetConnectA(session_, "localhost", nginx_->https_port(kind), nullptr, nullptr,
                                        INTERNET_SERVICE_HTTP, INTERNET_FLAG_SECURE, 0));
        EXPECT_TRUE(connect_);
        InetHandle r(HttpOpenRequestA(connect_, "GET", path, nullptr, nullptr, nullptr,
                                      INTERNET_FLAG_SECURE | INTERNET_FLAG_RELOAD, 0));
        EXPECT_TRUE(r);
        return r;
    }
    DWORD security_flags(HINTERNET r) {
        DWORD flags = 0, size = sizeof flags;
        EXPECT_TRUE(InternetQueryOptionA(r, INTERNET_OPTION_SECURITY_FLAGS, &flags, &size)) << GetLastError();
        return flags;
    }
    NginxServer* nginx_ = nullptr;
    InetHandle session_, connect_;
};

TEST_F(HttpTls, GoodCertificate) {
    auto r = request(CertKind::good);
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
    EXPECT_EQ(status_code(r), 200u);
    auto body = read_all(r);
    ASSERT_TRUE(body);
    EXPECT_EQ(*body, "Hello from OpenInet nginx\n");
    const DWORD flags = security_flags(r);
    EXPECT_TRUE(flags & SECURITY_FLAG_SECURE);
    EXPECT_FALSE(flags & (SECURITY_FLAG_CERT_INVALID_CA | SECURITY_FLAG_CERT_INVALID_CN | SECURITY_FLAG_CERT_INVALID_DATE));
}

TEST_F(HttpTls, CertificateStruct) {
    auto r = request(CertKind::good);
    INTERNET_CERTIFICATE_INFOA info{};
    DWORD size = sizeof info;
    EXPECT_FALSE(InternetQueryOptionA(r, INTERNET_OPTION_SECURITY_CERTIFICATE_STRUCT, &info, &size));  // not sent yet
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
    size = 4;
    EXPECT_FALSE(InternetQueryOptionA(r, INTERNET_OPTION_SECURITY_CERTIFICATE_STRUCT, &info, &size));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(size, sizeof info);
    ASSERT_TRUE(InternetQueryOptionA(r, INTERNET_OPTION_SECURITY_CERTIFICATE_STRUCT, &info, &size)) << GetLastError();
    ASSERT_NE(info.lpszSubjectInfo, nullptr);
    EXPECT_NE(std::string(info.lpszSubjectInfo).find("localhost"), std::string::npos) << info.lpszSubjectInfo;
    ASSERT_NE(info.lpszProtocolName, nullptr);
    EXPECT_EQ(std::string(info.lpszProtocolName).rfind("TLS", 0), 0u);
    EXPECT_GE(info.dwKeySize, 128u);
    const std::uint64_t start = (std::uint64_t(info.ftStart.dwHighDateTime) << 32) | info.ftStart.dwLowDateTime;
    const std::uint64_t expiry = (std::uint64_t(info.ftExpiry.dwHighDateTime) << 32) | info.ftExpiry.dwLowDateTime;
    EXPECT_LT(start, expiry);
    for (LPSTR p : {info.lpszSubjectInfo, info.lpszIssuerInfo, info.lpszProtocolName, info.lpszSignatureAlgName,
                    info.lpszEncryptionAlgName})
        std::free(p);
    ASSERT_TRUE(read_all(r));
}

TEST_F(HttpTls, OpenUrlHttps) {
    InetHandle r(InternetOpenUrlA(session_, nginx_->https_url("/files/1k.bin").c_str(), nullptr, 0, 0, 0));
    ASSERT_TRUE(r) << GetLastError();
    auto body = read_all(r);
    ASSERT_TRUE(body);
    EXPECT_EQ(body->size(), 1024u);
}

struct BadCertCase {
    CertKind kind;
    DWORD error;
    DWORD failure_bit;
    DWORD waiver;
};

class HttpTlsBadCert : public HttpTls, public ::testing::WithParamInterface<BadCertCase> {};

TEST_P(HttpTlsBadCert, FailsThenSucceedsWithTheWaiver) {
    const auto& c = GetParam();
    auto r = request(c.kind);
    EXPECT_FALSE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    EXPECT_EQ(GetLastError(), c.error);
    EXPECT_TRUE(security_flags(r) & c.failure_bit);

    // A waiver for a different check does not help.
    DWORD wrong = (c.waiver == SECURITY_FLAG_IGNORE_UNKNOWN_CA) ? SECURITY_FLAG_IGNORE_CERT_CN_INVALID
                                                                : SECURITY_FLAG_IGNORE_UNKNOWN_CA;
    ASSERT_TRUE(InternetSetOptionA(r, INTERNET_OPTION_SECURITY_FLAGS, &wrong, sizeof wrong));
    EXPECT_FALSE(HttpSendRequestA(r, nullptr, 0, nullptr, 0));
    EXPECT_EQ(GetLastError(), c.error);

    DWORD flags = wrong | c.waiver;
    ASSERT_TRUE(InternetSetOptionA(r, INTERNET_OPTION_SECURITY_FLAGS, &flags, sizeof flags));
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
    EXPECT_EQ(status_code(r), 200u);
    auto body = read_all(r);
    ASSERT_TRUE(body);
    EXPECT_EQ(*body, "Hello from OpenInet nginx\n");
    EXPECT_TRUE(security_flags(r) & c.waiver);
}

INSTANTIATE_TEST_SUITE_P(
    HttpTlsCerts, HttpTlsBadCert,
    ::testing::Values(BadCertCase{CertKind::wrong_name, ERROR_INTERNET_SEC_CERT_CN_INVALID, SECURITY_FLAG_CERT_INVALID_CN,
                                  SECURITY_FLAG_IGNORE_CERT_CN_INVALID},
                      BadCertCase{CertKind::expired, ERROR_INTERNET_SEC_CERT_DATE_INVALID,
                                  SECURITY_FLAG_CERT_INVALID_DATE, SECURITY_FLAG_IGNORE_CERT_DATE_INVALID},
                      BadCertCase{CertKind::untrusted, ERROR_INTERNET_INVALID_CA, SECURITY_FLAG_CERT_INVALID_CA,
                                  SECURITY_FLAG_IGNORE_UNKNOWN_CA}),
    [](const auto& info) { return std::string(to_string(info.param.kind)); });

TEST_F(HttpTls, RequestFlagWaivesTheNameCheck) {
    connect_.reset(InternetConnectA(session_, "localhost", nginx_->https_port(CertKind::wrong_name), nullptr, nullptr,
                                    INTERNET_SERVICE_HTTP, INTERNET_FLAG_SECURE, 0));
    InetHandle r(HttpOpenRequestA(connect_, "GET", "/files/small.txt", nullptr, nullptr, nullptr,
                                  INTERNET_FLAG_SECURE | INTERNET_FLAG_IGNORE_CERT_CN_INVALID, 0));
    ASSERT_TRUE(HttpSendRequestA(r, nullptr, 0, nullptr, 0)) << GetLastError();
    EXPECT_EQ(status_code(r), 200u);
}

}  // namespace
}  // namespace openinet::test
