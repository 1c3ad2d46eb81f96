// libFuzzer target for the proxy configuration parser (core/proxy.hpp): WinInet proxy and
// bypass strings and the environment's forms, then routing decisions for a few targets,
// checking what must always hold.
//
// Input layout: up to the first '\n' the proxy string (also used as http_proxy/https_proxy), up
// to the second the bypass string (also used as no_proxy); the rest is a host name to route.
#include "core/proxy.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

void check_route(const openinet::core::ProxyConfig& config, std::string_view host) {
    for (bool tls : {false, true}) {
        for (std::uint16_t port : {std::uint16_t{80}, std::uint16_t{443}, std::uint16_t{8080}}) {
            const auto proxy = config.for_target(host, port, tls);
            if (proxy) {
                require(!proxy->host.empty());
                require(proxy->port != 0);
            }
            if (config.empty()) require(!proxy);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto first = input.find('\n');
    const std::string_view proxy = input.substr(0, first);
    std::string_view rest = first == std::string_view::npos ? std::string_view{} : input.substr(first + 1);
    const auto second = rest.find('\n');
    const std::string_view bypass = rest.substr(0, second);
    const std::string_view host = second == std::string_view::npos ? std::string_view{"example.com"} : rest.substr(second + 1);

    if (const auto address = openinet::core::parse_proxy_address(proxy)) {
        require(!address->host.empty());
        require(address->port != 0);
    }
    check_route(openinet::core::ProxyConfig::from_wininet(proxy, bypass), host);
    const auto environment = openinet::core::ProxyConfig::from_environment(
        [&](const char* name) -> std::optional<std::string> {
            const std::string_view variable(name);
            if (variable == "http_proxy" || variable == "HTTPS_PROXY") return std::string(proxy);
            if (variable == "no_proxy") return std::string(bypass);
            return std::nullopt;
        });
    check_route(environment, host);
    return 0;
}
