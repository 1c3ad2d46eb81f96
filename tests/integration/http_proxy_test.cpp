// HTTP through a proxy: the session's proxy (INTERNET_OPEN_TYPE_PROXY) or the environment's
// (INTERNET_OPEN_TYPE_PRECONFIG), with its bypass list. The scripted server plays the proxy, so
// the tests see exactly what the client sends it: a plain request names the whole URL
// (absolute form) and the client never resolves the origin's name itself; connections to the
// proxy are kept alive; a proxy that cannot be reached, or refuses a CONNECT tunnel, is an error.
// (HTTPS through a real proxy's tunnel: http_proxy_tunnel_test.cpp.)
#include "http_test_helpers.hpp"

#include "core/error.hpp"
#include "net/stream.hpp"
#include "scripted_server.hpp"

#include <openinet/wininet.h>

#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>

#include <cstdlib>
#include <string>

namespace openinet::test {
namespace {

std::string proxy_string(const ScriptedServer& proxy) { return "127.0.0.1:" + std::to_string(proxy.port()); }

InetHandle open_session(DWORD access, const std::string& proxy = {}, const char* bypass = nullptr) {
    return InetHandle(InternetOpenA("OpenInet-test/1.0", access, proxy.empty() ? nullptr : proxy.c_str(), bypass, 0));
}

// GET url's path on host:port through `session`; the body, or "<error N>".
std::string fetch(HINTERNET session, const char* host, INTERNET_PORT port, const char* path, DWORD flags = 0) {
    InetHandle connection(InternetConnectA(session, host, port, nullptr, nullptr, INTERNET_SERVICE_HTTP, 0, 0));
    if (!connection) return "<error " + std::to_string(GetLastError()) + ">";
    InetHandle request(HttpOpenRequestA(connection, "GET", path, nullptr, nullptr, nullptr, flags, 0));
    if (!request) return "<error " + std::to_string(GetLastError()) + ">";
    if (!HttpSendRequestA(request, nullptr, 0, nullptr, 0)) return "<error " + std::to_string(GetLastError()) + ">";
    auto body = read_all(request);
    return body ? *body : "<read error>";
}

void set_proxy_credentials(HINTERNET handle, std::string user, std::string password) {
    ASSERT_TRUE(InternetSetOptionA(handle, INTERNET_OPTION_PROXY_USERNAME, user.data(), static_cast<DWORD>(user.size())));
    ASSERT_TRUE(InternetSetOptionA(handle, INTERNET_OPTION_PROXY_PASSWORD, password.data(),
                                   static_cast<DWORD>(password.size())));
}

std::string first_line(const std::string& request) { return request.substr(0, request.find("\r\n")); }

// Name resolution stays on this machine whatever the network: "localhost" is 127.0.0.1, every
// other name fails. So a request whose origin the client looked up itself (instead of leaving
// it to the proxy) fails too.
class HttpProxy : public ::testing::Test {
protected:
    void SetUp() override {
        net::set_resolver_hook(net::ResolverHook{[](const std::string& host, auto answer) {
            boost::system::error_code not_literal;
            const auto literal = boost::asio::ip::make_address(host, not_literal);
            if (!not_literal) return answer({}, {literal});   // the hook sees IP literals too
            if (host == "localhost") return answer({}, {boost::asio::ip::make_address("127.0.0.1")});
            answer(make_error(ERROR_INTERNET_NAME_NOT_RESOLVED), {});
        }});
    }
    void TearDown() override { net::set_resolver_hook(std::nullopt); }
};

TEST_F(HttpProxy, PlainRequestsNameTheWholeUrlAndShareAKeptAliveConnection) {
    ScriptedServer proxy;
    proxy.add_script({step::ReadRequest{}, step::Send{http_response(200, "first")}, step::ReadRequest{},
                      step::Send{http_response(200, "second")}, step::ReadUntilClose{}});
    auto session = open_session(INTERNET_OPEN_TYPE_PROXY, proxy_string(proxy));
    ASSERT_TRUE(session);
    // "origin.test" resolves nowhere (the tests run without a name server): only the proxy may
    // look it up.
    EXPECT_EQ(fetch(session, "origin.test", 8080, "/a/b?q=1"), "first");
    EXPECT_EQ(fetch(session, "origin.test", 8080, "/c"), "second");
    const auto connections = proxy.connections();
    ASSERT_EQ(connections.size(), 1u);
    ASSERT_EQ(connections[0].requests.size(), 2u);
    EXPECT_EQ(first_line(connections[0].requests[0]), "GET http://origin.test:8080/a/b?q=1 HTTP/1.1");
    EXPECT_NE(connections[0].requests[0].find("\r\nHost: origin.test:8080\r\n"), std::string::npos)
        << connections[0].requests[0];
    EXPECT_EQ(first_line(connections[0].requests[1]), "GET http://origin.test:8080/c HTTP/1.1");
}

TEST_F(HttpProxy, DefaultPortIsLeftOutOfTheUrl) {
    ScriptedServer proxy;
    proxy.add_script({step::ReadRequest{}, step::Send{http_response(200, "ok")}, step::ReadUntilClose{}});
    auto session = open_session(INTERNET_OPEN_TYPE_PROXY, "http=http://" + proxy_string(proxy));
    ASSERT_TRUE(session);
    EXPECT_EQ(fetch(session, "origin.test", INTERNET_DEFAULT_HTTP_PORT, "/"), "ok");
    const auto connections = proxy.connections();
    ASSERT_EQ(connections.size(), 1u);
    ASSERT_EQ(connections[0].requests.size(), 1u);
    EXPECT_EQ(first_line(connections[0].requests[0]), "GET http://origin.test/ HTTP/1.1");
}

TEST_F(HttpProxy, BypassedHostsAreReachedDirectly) {
    ScriptedServer origin;
    origin.add_script({step::ReadRequest{}, step::Send{http_response(200, "direct")}, step::ReadUntilClose{}});
    origin.add_script({step::ReadRequest{}, step::Send{http_response(200, "direct again")}, step::ReadUntilClose{}});
    // The proxy's port refuses connections: only a bypassed request can succeed.
    auto listed = open_session(INTERNET_OPEN_TYPE_PROXY, "127.0.0.1:1", "*.example;127.0.0.1");
    ASSERT_TRUE(listed);
    EXPECT_EQ(fetch(listed, "127.0.0.1", origin.port(), "/x"), "direct");
    auto local = open_session(INTERNET_OPEN_TYPE_PROXY, "127.0.0.1:1", "<local>");
    ASSERT_TRUE(local);
    EXPECT_EQ(fetch(local, "localhost", origin.port(), "/y"), "direct again");
    const auto connections = origin.connections();
    ASSERT_EQ(connections.size(), 2u);
    EXPECT_EQ(first_line(connections[0].requests.at(0)), "GET /x HTTP/1.1");
    EXPECT_EQ(first_line(connections[1].requests.at(0)), "GET /y HTTP/1.1");
}

TEST_F(HttpProxy, AProxyThatCannotBeReachedIsAConnectFailure) {
    ScriptedServer origin;   // never contacted
    auto session = open_session(INTERNET_OPEN_TYPE_PROXY, "127.0.0.1:1");
    ASSERT_TRUE(session);
    EXPECT_EQ(fetch(session, "127.0.0.1", origin.port(), "/"), "<error 12029>");
    EXPECT_EQ(origin.accepted_connections(), 0u);
    auto unnamed = open_session(INTERNET_OPEN_TYPE_PROXY, "proxy.invalid:3128");
    ASSERT_TRUE(unnamed);
    EXPECT_EQ(fetch(unnamed, "127.0.0.1", origin.port(), "/"), "<error 12007>");
}

TEST_F(HttpProxy, DirectSessionsIgnoreTheEnvironment) {
    ScriptedServer origin;
    origin.add_script({step::ReadRequest{}, step::Send{http_response(200, "direct")}, step::ReadUntilClose{}});
    ::setenv("http_proxy", "http://127.0.0.1:1", 1);
    auto session = open_session(INTERNET_OPEN_TYPE_DIRECT);
    ::unsetenv("http_proxy");
    ASSERT_TRUE(session);
    EXPECT_EQ(fetch(session, "127.0.0.1", origin.port(), "/"), "direct");
}

TEST_F(HttpProxy, PreconfigSessionsUseTheEnvironmentReadAtInternetOpen) {
    ScriptedServer proxy;
    proxy.add_script({step::ReadRequest{}, step::Send{http_response(200, "from env")}, step::ReadUntilClose{}});
    ScriptedServer origin;
    origin.add_script({step::ReadRequest{}, step::Send{http_response(200, "not proxied")}, step::ReadUntilClose{}});
    ::setenv("http_proxy", ("http://" + proxy_string(proxy) + "/").c_str(), 1);
    ::setenv("no_proxy", "localhost", 1);
    auto session = open_session(INTERNET_OPEN_TYPE_PRECONFIG);
    ::unsetenv("http_proxy");
    ::unsetenv("no_proxy");
    ASSERT_TRUE(session);
    EXPECT_EQ(fetch(session, "origin.test", 81, "/e"), "from env");
    EXPECT_EQ(fetch(session, "localhost", origin.port(), "/n"), "not proxied");
    ASSERT_EQ(proxy.connections().size(), 1u);
    EXPECT_EQ(first_line(proxy.connections()[0].requests.at(0)), "GET http://origin.test:81/e HTTP/1.1");
}

// INTERNET_OPTION_PROXY_USERNAME / _PASSWORD: Basic credentials with every request to the proxy
// and with a tunnel's CONNECT; never to an origin reached directly.
TEST_F(HttpProxy, ProxyCredentialsGoToTheProxyOnly) {
    ScriptedServer proxy;
    proxy.add_script({step::ReadRequest{}, step::Send{http_response(200, "plain")}, step::ReadUntilClose{}});
    proxy.add_script({step::ReadRequestHead{}, step::Send{"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n"},
                      step::ReadUntilClose{}});
    ScriptedServer origin;
    origin.add_script({step::ReadRequest{}, step::Send{http_response(200, "direct")}, step::ReadUntilClose{}});
    auto session = open_session(INTERNET_OPEN_TYPE_PROXY, proxy_string(proxy), "localhost");
    ASSERT_TRUE(session);
    set_proxy_credentials(session, "alice", "s3cret:x");
    EXPECT_EQ(fetch(session, "origin.test", 80, "/p"), "plain");
    EXPECT_EQ(fetch(session, "origin.test", 443, "/t", INTERNET_FLAG_SECURE), "<error 12029>");
    EXPECT_EQ(fetch(session, "localhost", origin.port(), "/d"), "direct");
    const std::string expected = "\r\nProxy-Authorization: Basic YWxpY2U6czNjcmV0Ong=\r\n";   // alice:s3cret:x
    const auto connections = proxy.connections();
    ASSERT_EQ(connections.size(), 2u);
    EXPECT_NE(connections[0].requests.at(0).find(expected), std::string::npos) << connections[0].requests.at(0);
    EXPECT_EQ(connections[1].requests.at(0),
              "CONNECT origin.test:443 HTTP/1.1\r\nHost: origin.test:443" + expected + "\r\n");
    EXPECT_EQ(origin.connections().at(0).requests.at(0).find("Proxy-Authorization"), std::string::npos);
}

// A redirect from an origin behind the proxy to one reached directly: the proxy's credentials
// stay behind.
TEST_F(HttpProxy, ProxyCredentialsDoNotFollowARedirectToADirectOrigin) {
    ScriptedServer origin;
    origin.add_script({step::ReadRequest{}, step::Send{http_response(200, "landed")}, step::ReadUntilClose{}});
    ScriptedServer proxy;
    proxy.add_script({step::ReadRequest{},
                      step::Send{http_response(302, "", "Location: http://localhost:" + std::to_string(origin.port()) +
                                                            "/landed\r\n")},
                      step::ReadUntilClose{}});
    auto session = open_session(INTERNET_OPEN_TYPE_PROXY, proxy_string(proxy), "localhost");
    ASSERT_TRUE(session);
    set_proxy_credentials(session, "alice", "pw");
    EXPECT_EQ(fetch(session, "origin.test", 80, "/start"), "landed");
    ASSERT_EQ(proxy.connections().size(), 1u);
    EXPECT_NE(proxy.connections()[0].requests.at(0).find("Proxy-Authorization: Basic "), std::string::npos);
    const auto reached = origin.connections();
    ASSERT_EQ(reached.size(), 1u);
    const std::string landed = reached[0].requests.at(0);
    EXPECT_EQ(first_line(landed), "GET /landed HTTP/1.1");
    EXPECT_EQ(landed.find("Proxy-Authorization"), std::string::npos) << landed;
}

TEST_F(HttpProxy, ARefusedTunnelIsAConnectFailure) {
    ScriptedServer proxy;
    proxy.add_script({step::ReadRequestHead{}, step::Send{"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"},
                      step::ReadUntilClose{}});
    auto session = open_session(INTERNET_OPEN_TYPE_PROXY, proxy_string(proxy));
    ASSERT_TRUE(session);
    EXPECT_EQ(fetch(session, "origin.test", INTERNET_DEFAULT_HTTPS_PORT, "/", INTERNET_FLAG_SECURE), "<error 12029>");
    const auto connections = proxy.connections();
    ASSERT_EQ(connections.size(), 1u);
    ASSERT_EQ(connections[0].requests.size(), 1u);
    EXPECT_EQ(connections[0].requests[0], "CONNECT origin.test:443 HTTP/1.1\r\nHost: origin.test:443\r\n\r\n");
}

}  // namespace
}  // namespace openinet::test
