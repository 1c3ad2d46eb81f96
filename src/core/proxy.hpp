// Which proxy, if any, an HTTP request goes through (the session decides, at InternetOpen): WinInet's InternetOpen proxy and bypass
// strings (INTERNET_OPEN_TYPE_PROXY), or, for INTERNET_OPEN_TYPE_PRECONFIG, this system's
// configuration, which on Linux is the http_proxy / https_proxy / no_proxy environment.
//
// Proxy string: entries separated by spaces or semicolons, each "host[:port]" (every scheme),
// "scheme=host[:port]" (that scheme only; http and https are used here), optionally with
// "http://" before the host; the port defaults to 80. Bypass string: entries separated by
// spaces, semicolons or commas; "<local>" matches host names without a dot; other entries match
// the host (or "host:port") case-insensitively, with '*' matching any run of characters.
// Environment: http_proxy / https_proxy (lower case first) as URLs or host:port; no_proxy as a
// comma-separated list of host names or domain suffixes (".example.com" or "example.com" match
// the name and its subdomains), "*" for every host.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace openinet::core {

struct ProxyServer {
    std::string host;
    std::uint16_t port = 80;
    bool operator==(const ProxyServer&) const = default;
};

class ProxyConfig {
public:
    static ProxyConfig from_wininet(std::string_view proxy, std::string_view bypass);
    // `lookup` returns an environment variable's value (nullopt: unset).
    template <class Lookup>
    static ProxyConfig from_environment(Lookup lookup) {
        return from_environment_values(lookup("http_proxy"), lookup("HTTP_PROXY"), lookup("https_proxy"),
                                       lookup("HTTPS_PROXY"), lookup("no_proxy"), lookup("NO_PROXY"));
    }
    static ProxyConfig from_process_environment();

    // The proxy for a request to host:port (https when `tls`), or nullopt: go direct.
    std::optional<ProxyServer> for_target(std::string_view host, std::uint16_t port, bool tls) const;
    bool empty() const noexcept { return !http_ && !https_; }

private:
    static ProxyConfig from_environment_values(std::optional<std::string> http_lower, std::optional<std::string> http_upper,
                                               std::optional<std::string> https_lower,
                                               std::optional<std::string> https_upper,
                                               std::optional<std::string> no_lower,
                                               std::optional<std::string> no_upper);
    bool bypassed(std::string_view host, std::uint16_t port) const;

    std::optional<ProxyServer> http_, https_;
    std::vector<std::string> bypass_patterns_;   // WinInet style, lower case
    bool bypass_local_ = false;                  // "<local>"
    std::vector<std::string> no_proxy_domains_;  // environment style, lower case, no leading dot
    bool no_proxy_all_ = false;
};

// "host[:port]", optionally after "http://" (and with a trailing "/..."), port default 80;
// nullopt when it is not one. IPv6 literals in brackets.
std::optional<ProxyServer> parse_proxy_address(std::string_view text);

}  // namespace openinet::core
