// Which proxy a request goes through: WinInet's proxy and bypass strings, the environment
// (INTERNET_OPEN_TYPE_PRECONFIG), and proxy addresses. Table-driven.
#include "core/proxy.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

namespace openinet::core {
namespace {

struct Route {
    const char* host;
    std::uint16_t port;
    bool tls;
    std::optional<ProxyServer> expected;
};

std::string describe(const std::optional<ProxyServer>& proxy) {
    return proxy ? proxy->host + ":" + std::to_string(proxy->port) : "direct";
}

void expect_routes(const ProxyConfig& config, std::initializer_list<Route> routes) {
    for (const auto& route : routes) {
        EXPECT_EQ(describe(config.for_target(route.host, route.port, route.tls)), describe(route.expected))
            << route.host << ":" << route.port << (route.tls ? " (https)" : " (http)");
    }
}

TEST(ProxyAddress, Forms) {
    struct Case {
        const char* text;
        std::optional<ProxyServer> expected;
    };
    const Case cases[] = {
        {"proxy:3128", ProxyServer{"proxy", 3128}},
        {"proxy", ProxyServer{"proxy", 80}},
        {"http://proxy:8080", ProxyServer{"proxy", 8080}},
        {"HTTP://proxy:8080/", ProxyServer{"proxy", 8080}},
        {"http://user:secret@proxy:8080/path", ProxyServer{"proxy", 8080}},
        {"  10.0.0.1:3128 ", ProxyServer{"10.0.0.1", 3128}},
        {"[::1]:3128", ProxyServer{"::1", 3128}},
        {"[::1]", ProxyServer{"::1", 80}},
        {"https://proxy:443", std::nullopt},    // only plain HTTP to the proxy
        {"socks5://proxy:1080", std::nullopt},
        {"proxy:0", std::nullopt},
        {"proxy:65536", std::nullopt},
        {"proxy:12ab", std::nullopt},
        {":3128", std::nullopt},
        {"[::1", std::nullopt},
        {"[::1]x", std::nullopt},
        {"", std::nullopt},
    };
    for (const auto& c : cases) EXPECT_EQ(describe(parse_proxy_address(c.text)), describe(c.expected)) << c.text;
}

TEST(ProxyConfigWinInet, OneProxyForEveryScheme) {
    expect_routes(ProxyConfig::from_wininet("proxy:3128", ""),
                  {{"example.com", 80, false, ProxyServer{"proxy", 3128}},
                   {"example.com", 443, true, ProxyServer{"proxy", 3128}},
                   {"127.0.0.1", 8080, false, ProxyServer{"proxy", 3128}}});   // loopback is not bypassed unless listed
}

TEST(ProxyConfigWinInet, PerSchemeEntriesWinOverTheGenericOne) {
    expect_routes(ProxyConfig::from_wininet("https=secure:443 generic:3128;ftp=ftpproxy:21", ""),
                  {{"example.com", 80, false, ProxyServer{"generic", 3128}},
                   {"example.com", 443, true, ProxyServer{"secure", 443}}});
    expect_routes(ProxyConfig::from_wininet("http=http://plain:8080", ""),
                  {{"example.com", 80, false, ProxyServer{"plain", 8080}}, {"example.com", 443, true, std::nullopt}});
    EXPECT_TRUE(ProxyConfig::from_wininet("ftp=ftpproxy:21 socks=s:1080", "").empty());
    EXPECT_TRUE(ProxyConfig::from_wininet("", "<local>").empty());
}

TEST(ProxyConfigWinInet, BypassList) {
    const auto config = ProxyConfig::from_wininet("proxy:3128", "<local>; *.internal.example  10.*;host.test:8443,Exact.Test");
    expect_routes(config, {
                              {"intranet", 80, false, std::nullopt},                 // <local>: no dot
                              {"a.internal.example", 80, false, std::nullopt},
                              {"A.INTERNAL.EXAMPLE", 443, true, std::nullopt},       // case-insensitive
                              {"internal.example", 80, false, ProxyServer{"proxy", 3128}},
                              {"10.1.2.3", 80, false, std::nullopt},
                              {"110.1.2.3", 80, false, ProxyServer{"proxy", 3128}},
                              {"host.test", 8443, true, std::nullopt},             // host:port entry
                              {"host.test", 443, true, ProxyServer{"proxy", 3128}},
                              {"exact.test", 80, false, std::nullopt},
                              {"example.com", 80, false, ProxyServer{"proxy", 3128}},
                              {"::1", 80, false, ProxyServer{"proxy", 3128}},      // an IPv6 literal is not "local"
                          });
}

TEST(ProxyConfigWinInet, WildcardsMatchAnyRunIncludingNone) {
    const auto config = ProxyConfig::from_wininet("p:1", "a*b*c;**x**");
    expect_routes(config, {{"abc", 80, false, std::nullopt},
                           {"aXbYc", 80, false, std::nullopt},
                           {"ab", 80, false, ProxyServer{"p", 1}},
                           {"x", 80, false, std::nullopt},
                           {"yyxyy", 80, false, std::nullopt},
                           {"yyy", 80, false, ProxyServer{"p", 1}}});
}

using Environment = std::map<std::string, std::string>;

ProxyConfig from(const Environment& environment) {
    return ProxyConfig::from_environment([&](const char* name) -> std::optional<std::string> {
        auto it = environment.find(name);
        if (it == environment.end()) return std::nullopt;
        return it->second;
    });
}

TEST(ProxyConfigEnvironment, HttpAndHttpsProxies) {
    expect_routes(from({{"http_proxy", "http://plain:3128/"}, {"https_proxy", "secure:8443"}}),
                  {{"example.com", 80, false, ProxyServer{"plain", 3128}},
                   {"example.com", 443, true, ProxyServer{"secure", 8443}}});
    expect_routes(from({{"HTTPS_PROXY", "http://upper:1"}}), {{"example.com", 443, true, ProxyServer{"upper", 1}},
                                                             {"example.com", 80, false, std::nullopt}});
    // HTTP_PROXY in capitals is ignored (a CGI request's "Proxy:" header arrives under that name).
    EXPECT_TRUE(from({{"HTTP_PROXY", "http://evil:1"}}).empty());
    EXPECT_TRUE(from({}).empty());
}

TEST(ProxyConfigEnvironment, NoProxyNamesAndDomains) {
    const auto config = from({{"http_proxy", "p:1"}, {"https_proxy", "p:1"},
                              {"no_proxy", "localhost, .corp.example,example.org,127.0.0.1"}});
    expect_routes(config, {{"localhost", 80, false, std::nullopt},
                           {"corp.example", 80, false, std::nullopt},
                           {"a.b.corp.example", 443, true, std::nullopt},
                           {"notcorp.example", 80, false, ProxyServer{"p", 1}},
                           {"example.org", 80, false, std::nullopt},
                           {"www.example.org", 80, false, std::nullopt},
                           {"myexample.org", 80, false, ProxyServer{"p", 1}},
                           {"127.0.0.1", 80, false, std::nullopt},
                           {"127.0.0.2", 80, false, ProxyServer{"p", 1}}});
    expect_routes(from({{"http_proxy", "p:1"}, {"NO_PROXY", "*"}}), {{"anything", 80, false, std::nullopt}});
}

}  // namespace
}  // namespace openinet::core
