// TLS connects against the harness's nginx: one HTTPS port per test certificate (good,
// wrong_name, expired, untrusted; see tests/support/test_ca.hpp). The test CA is the extra trust
// file; names are mapped to 127.0.0.1 by the resolver hook (no DNS traffic).
#include "../unit/net_test_util.hpp"

#include "core/error.hpp"
#include "nginx_server.hpp"
#include "test_ca.hpp"

#include <ctime>

namespace openinet::net {
namespace {

using namespace test_util;
using namespace std::chrono_literals;
using openinet::test::CertKind;

constexpr DWORD ignore_ca = SECURITY_FLAG_IGNORE_UNKNOWN_CA;
constexpr DWORD ignore_cn = SECURITY_FLAG_IGNORE_CERT_CN_INVALID;
constexpr DWORD ignore_date = SECURITY_FLAG_IGNORE_CERT_DATE_INVALID;
constexpr DWORD ignore_all = ignore_ca | ignore_cn | ignore_date | SECURITY_FLAG_IGNORE_REVOCATION;

class NetTls : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        openinet::test::shared_nginx();   // starts it once for the binary
    }
    void SetUp() override {
        set_extra_trust_file(openinet::test::TestCa::instance().ca_cert().string());
        set_resolver_hook(ResolverHook{[](const std::string&, auto answer) {
            answer({}, {asio::ip::make_address("127.0.0.1")});
        }});
    }
    void TearDown() override {
        set_resolver_hook(std::nullopt);
        set_extra_trust_file("");
    }
    ConnectOutcome tls_connect(CertKind kind, DWORD flags, std::string host = "localhost") {
        ConnectRequest request;
        request.host = std::move(host);
        request.port = openinet::test::shared_nginx().https_port(kind);
        request.tls = true;
        request.security_flags = flags;
        request.timeout = 10s;
        return connect(threads_.strand(), std::move(request));
    }
    IoThreads threads_;
};

std::string get_small_file(Stream& stream) {
    // In three buffers, as the request layer sends a head (the TLS stream joins small ones).
    std::string line = "GET /files/small.txt HTTP/1.1\r\n", host = "Host: localhost\r\n",
                rest = "Connection: close\r\n\r\n";
    auto write_ec = on_strand<std::error_code>(stream, [&](Stream& s, auto done) {
        s.async_write_all({asio::buffer(line), asio::buffer(host), asio::buffer(rest)},
                          [done, total = line.size() + host.size() + rest.size()](std::error_code ec, std::size_t n) {
                              EXPECT_EQ(n, total);
                              done(ec);
                          });
    });
    EXPECT_FALSE(write_ec) << write_ec.message();
    auto [data, ec] = read_to_end(stream);
    EXPECT_TRUE(is_end_of_stream(ec)) << ec.message();
    return data;
}

TEST_F(NetTls, GoodCertificateVerifiesAndCarriesData) {
    ConnectOutcome outcome = tls_connect(CertKind::good, 0);
    ASSERT_FALSE(outcome.ec) << outcome.ec.message();
    Stream& stream = *outcome.stream;
    EXPECT_TRUE(stream.is_tls());
    EXPECT_EQ(stream.peer_address(), "127.0.0.1");
    auto certificate = stream.certificate();
    ASSERT_TRUE(certificate.has_value());
    EXPECT_EQ(certificate->subject_common_name, "localhost");
    EXPECT_NE(certificate->subject.find("CN=localhost"), std::string::npos) << certificate->subject;
    EXPECT_FALSE(certificate->issuer.empty());
    EXPECT_NE(certificate->issuer, certificate->subject);
    EXPECT_LE(certificate->not_before, static_cast<std::int64_t>(std::time(nullptr)));
    EXPECT_GT(certificate->not_after, static_cast<std::int64_t>(std::time(nullptr)));
    EXPECT_GT(certificate->key_bits, 0);
    EXPECT_GT(certificate->cipher_bits, 0);
    EXPECT_FALSE(certificate->protocol.empty());
    EXPECT_EQ(certificate->verification_errors, 0u);
    const std::vector<Notification> expected = {
        {INTERNET_STATUS_RESOLVING_NAME, "localhost"},
        {INTERNET_STATUS_NAME_RESOLVED, "127.0.0.1"},
        {INTERNET_STATUS_CONNECTING_TO_SERVER, "127.0.0.1"},
        {INTERNET_STATUS_CONNECTED_TO_SERVER, "127.0.0.1"},
    };
    EXPECT_EQ(outcome.notifications, expected);

    std::string response = get_small_file(stream);
    EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response;
    EXPECT_NE(response.find("Hello from OpenInet nginx"), std::string::npos);
}

TEST_F(NetTls, LargeBodyBothWays) {
    ConnectOutcome outcome = tls_connect(CertKind::good, 0);
    ASSERT_FALSE(outcome.ec) << outcome.ec.message();
    std::string body(200000, '\0');
    for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + (i * 7) % 26);
    std::string head = "POST /echo/body HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n";
    auto write_ec = on_strand<std::error_code>(*outcome.stream, [&](Stream& s, auto done) {
        s.async_write_all({asio::buffer(head), asio::buffer(body)}, [done, total = head.size() + body.size()](
                                                                        std::error_code ec, std::size_t n) {
            EXPECT_EQ(n, total);
            done(ec);
        });
    });
    ASSERT_FALSE(write_ec) << write_ec.message();
    auto [response, ec] = read_to_end(*outcome.stream);
    EXPECT_TRUE(is_end_of_stream(ec)) << ec.message();
    ASSERT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response.substr(0, 200);
    std::size_t body_start = response.find("\r\n\r\n");
    ASSERT_NE(body_start, std::string::npos);
    std::string echoed = response.substr(body_start + 4);
    std::string_view response_head = std::string_view(response).substr(0, body_start);
    if (response_head.find("chunked") != std::string_view::npos) {
        std::string_view framed = echoed;
        std::string plain;
        for (int guard = 0; guard < 100000 && !framed.empty(); ++guard) {   // crude de-chunking for the check
            std::size_t line_end = framed.find("\r\n");
            ASSERT_NE(line_end, std::string_view::npos);
            std::size_t size = std::stoul(std::string(framed.substr(0, line_end)), nullptr, 16);
            if (size == 0) break;
            plain.append(framed.substr(line_end + 2, size));
            framed.remove_prefix(line_end + 2 + size + 2);
        }
        echoed = plain;
    }
    EXPECT_EQ(echoed.size(), body.size()) << response_head;
    EXPECT_TRUE(echoed == body);
}

TEST_F(NetTls, GoodCertificateByIpAddress) {
    set_resolver_hook(std::nullopt);   // an IP literal needs no resolver
    ConnectOutcome outcome = tls_connect(CertKind::good, 0, "127.0.0.1");
    ASSERT_FALSE(outcome.ec) << outcome.ec.message();
    EXPECT_NE(get_small_file(*outcome.stream).find("Hello from OpenInet nginx"), std::string::npos);
}

TEST_F(NetTls, GoodCertificateUntrustedWithoutExtraTrustFile) {
    set_extra_trust_file("");
    EXPECT_EQ(tls_connect(CertKind::good, 0).ec, make_error(ERROR_INTERNET_INVALID_CA));
    ConnectOutcome waived = tls_connect(CertKind::good, ignore_ca);
    ASSERT_FALSE(waived.ec) << waived.ec.message();
    EXPECT_EQ(waived.stream->certificate()->verification_errors, DWORD{SECURITY_FLAG_CERT_INVALID_CA});
}

TEST_F(NetTls, WrongNameNeedsIgnoreCnAndOnlyThat) {
    EXPECT_EQ(tls_connect(CertKind::wrong_name, 0).ec, make_error(ERROR_INTERNET_SEC_CERT_CN_INVALID));
    EXPECT_EQ(tls_connect(CertKind::wrong_name, ignore_ca | ignore_date | SECURITY_FLAG_IGNORE_REVOCATION).ec,
              make_error(ERROR_INTERNET_SEC_CERT_CN_INVALID));
    ConnectOutcome waived = tls_connect(CertKind::wrong_name, ignore_cn);
    ASSERT_FALSE(waived.ec) << waived.ec.message();
    EXPECT_EQ(waived.stream->certificate()->verification_errors, DWORD{SECURITY_FLAG_CERT_INVALID_CN});
    EXPECT_NE(get_small_file(*waived.stream).find("Hello from OpenInet nginx"), std::string::npos);
    // By IP address too (the wrong_name certificate has no IP entry).
    set_resolver_hook(std::nullopt);
    EXPECT_EQ(tls_connect(CertKind::wrong_name, 0, "127.0.0.1").ec, make_error(ERROR_INTERNET_SEC_CERT_CN_INVALID));
}

TEST_F(NetTls, GoodCertificateForAnotherName) {
    // The good certificate names localhost and 127.0.0.1, not this name.
    EXPECT_EQ(tls_connect(CertKind::good, 0, "other.test").ec, make_error(ERROR_INTERNET_SEC_CERT_CN_INVALID));
    EXPECT_FALSE(tls_connect(CertKind::good, ignore_cn, "other.test").ec);
    // Wildcards and partial names are not stretched: "localhost.test" is another name.
    EXPECT_EQ(tls_connect(CertKind::good, 0, "localhost.test").ec, make_error(ERROR_INTERNET_SEC_CERT_CN_INVALID));
}

TEST_F(NetTls, ExpiredNeedsIgnoreDateAndOnlyThat) {
    EXPECT_EQ(tls_connect(CertKind::expired, 0).ec, make_error(ERROR_INTERNET_SEC_CERT_DATE_INVALID));
    EXPECT_EQ(tls_connect(CertKind::expired, ignore_ca | ignore_cn | SECURITY_FLAG_IGNORE_REVOCATION).ec,
              make_error(ERROR_INTERNET_SEC_CERT_DATE_INVALID));
    ConnectOutcome waived = tls_connect(CertKind::expired, ignore_date);
    ASSERT_FALSE(waived.ec) << waived.ec.message();
    EXPECT_EQ(waived.stream->certificate()->verification_errors, DWORD{SECURITY_FLAG_CERT_INVALID_DATE});
    EXPECT_LT(waived.stream->certificate()->not_after, static_cast<std::int64_t>(std::time(nullptr)));
}

TEST_F(NetTls, UntrustedNeedsIgnoreUnknownCaAndOnlyThat) {
    EXPECT_EQ(tls_connect(CertKind::untrusted, 0).ec, make_error(ERROR_INTERNET_INVALID_CA));
    EXPECT_EQ(tls_connect(CertKind::untrusted, ignore_cn | ignore_date | SECURITY_FLAG_IGNORE_REVOCATION).ec,
              make_error(ERROR_INTERNET_INVALID_CA));
    ConnectOutcome waived = tls_connect(CertKind::untrusted, ignore_ca);
    ASSERT_FALSE(waived.ec) << waived.ec.message();
    EXPECT_EQ(waived.stream->certificate()->verification_errors, DWORD{SECURITY_FLAG_CERT_INVALID_CA});
    // Trusting the other CA explicitly makes it good.
    set_extra_trust_file(openinet::test::TestCa::instance().untrusted_ca_cert().string());
    EXPECT_FALSE(tls_connect(CertKind::untrusted, 0).ec);
}

TEST_F(NetTls, SeveralProblemsReportedInFixedOrder) {
    // untrusted + wrong host name: CA first, then CN.
    EXPECT_EQ(tls_connect(CertKind::untrusted, 0, "other.test").ec, make_error(ERROR_INTERNET_INVALID_CA));
    EXPECT_EQ(tls_connect(CertKind::untrusted, ignore_ca, "other.test").ec,
              make_error(ERROR_INTERNET_SEC_CERT_CN_INVALID));
    EXPECT_FALSE(tls_connect(CertKind::untrusted, ignore_ca | ignore_cn, "other.test").ec);
    // expired + wrong host name: CN first, then date.
    EXPECT_EQ(tls_connect(CertKind::expired, 0, "other.test").ec, make_error(ERROR_INTERNET_SEC_CERT_CN_INVALID));
    EXPECT_EQ(tls_connect(CertKind::expired, ignore_cn, "other.test").ec,
              make_error(ERROR_INTERNET_SEC_CERT_DATE_INVALID));
    ConnectOutcome waived = tls_connect(CertKind::expired, ignore_cn | ignore_date, "other.test");
    ASSERT_FALSE(waived.ec) << waived.ec.message();
    EXPECT_EQ(waived.stream->certificate()->verification_errors,
              DWORD{SECURITY_FLAG_CERT_INVALID_CN | SECURITY_FLAG_CERT_INVALID_DATE});
    // expired + untrusted (trust file removed) + wrong name: all three, one at a time.
    set_extra_trust_file("");
    EXPECT_EQ(tls_connect(CertKind::expired, 0, "other.test").ec, make_error(ERROR_INTERNET_INVALID_CA));
    EXPECT_EQ(tls_connect(CertKind::expired, ignore_ca, "other.test").ec, make_error(ERROR_INTERNET_SEC_CERT_CN_INVALID));
    EXPECT_EQ(tls_connect(CertKind::expired, ignore_ca | ignore_cn, "other.test").ec,
              make_error(ERROR_INTERNET_SEC_CERT_DATE_INVALID));
    EXPECT_FALSE(tls_connect(CertKind::expired, ignore_all, "other.test").ec);
}

TEST_F(NetTls, PlainHttpPortIsChannelError) {
    ConnectRequest request;
    request.host = "localhost";
    request.port = openinet::test::shared_nginx().http_port();
    request.tls = true;
    request.timeout = 10s;
    ConnectOutcome outcome = connect(threads_.strand(), std::move(request));
    EXPECT_EQ(outcome.ec, make_error(ERROR_INTERNET_SECURITY_CHANNEL_ERROR));
    EXPECT_FALSE(outcome.stream);
}

TEST_F(NetTls, UnreadableTrustFileIsChannelError) {
    set_extra_trust_file("/nonexistent/openinet-test-ca.pem");
    EXPECT_EQ(tls_connect(CertKind::good, 0).ec, make_error(ERROR_INTERNET_SECURITY_CHANNEL_ERROR));
}

TEST_F(NetTls, CancelDuringHandshakeWithSilentServer) {
    // A listener that never accepts: the kernel completes the TCP handshake from the backlog,
    // nobody answers the ClientHello, so the TLS handshake waits until cancelled or timed out.
    asio::io_context idle;
    asio::ip::tcp::acceptor acceptor(idle, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    ConnectRequest request;
    request.host = "localhost";
    request.port = acceptor.local_endpoint().port();
    request.tls = true;
    request.timeout = 60s;
    // The first TLS connect loads the trust store; have that done before measuring the cancel.
    ASSERT_FALSE(tls_connect(CertKind::good, 0).ec);
    auto probe = std::make_shared<ConnectProbe>();
    auto connector = start_connect(threads_.strand(), std::move(request), probe);
    // Wait until the TCP connection stands, then cancel.
    for (int i = 0; i < 200; ++i) {
        {
            std::lock_guard lock(probe->mutex);
            if (probe->notifications.size() == 4) break;
        }
        std::this_thread::sleep_for(10ms);
    }
    auto started = std::chrono::steady_clock::now();
    connector->cancel();
    ConnectOutcome outcome = wait_connect(probe, started);
    EXPECT_EQ(outcome.ec, make_error(ERROR_INTERNET_OPERATION_CANCELLED));
    EXPECT_LT(outcome.elapsed, 2s);
    ASSERT_EQ(outcome.notifications.size(), 4u);

    // And the connect timeout covers the handshake.
    ConnectRequest timed;
    timed.host = "localhost";
    timed.port = acceptor.local_endpoint().port();
    timed.tls = true;
    timed.timeout = 300ms;
    ConnectOutcome timed_out = connect(threads_.strand(), std::move(timed));
    EXPECT_EQ(timed_out.ec, make_error(ERROR_INTERNET_TIMEOUT));
}

}  // namespace
}  // namespace openinet::net
