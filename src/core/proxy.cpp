#include "core/proxy.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

namespace openinet::core {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && lower(text.substr(0, prefix.size())) == prefix;
}

std::vector<std::string_view> split(std::string_view text, std::string_view separators) {
    std::vector<std::string_view> out;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t end = std::min(text.find_first_of(separators, at), text.size());
        if (end > at) out.push_back(text.substr(at, end - at));
        at = end + 1;
    }
    return out;
}

// '*' matches any run of characters (none included); everything else itself. Iterative, with
// one backtracking point, so a pattern of many stars stays linear per star.
bool wildcard_match(std::string_view pattern, std::string_view text) {
    std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = t;
        } else if (p < pattern.size() && pattern[p] == text[t]) {
            ++p;
            ++t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

std::optional<std::string> environment_value(const char* name) {
    const char* value = std::getenv(name);
    if (!value || !*value) return std::nullopt;
    return std::string(value);
}

}  // namespace

std::optional<ProxyServer> parse_proxy_address(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    if (starts_with_nocase(text, "http://")) {
        text.remove_prefix(7);
    } else if (text.find("://") != std::string_view::npos) {
        return std::nullopt;   // only plain HTTP is spoken to a proxy
    }
    text = text.substr(0, std::min(text.find('/'), text.size()));
    if (const auto at = text.rfind('@'); at != std::string_view::npos) text.remove_prefix(at + 1);
    ProxyServer server;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        server.host = std::string(text.substr(1, close - 1));
        const auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::nullopt;
            port_text = rest.substr(1);
        }
    } else {
        const auto colon = text.find(':');
        server.host = std::string(text.substr(0, colon));
        if (colon != std::string_view::npos) port_text = text.substr(colon + 1);
    }
    if (server.host.empty()) return std::nullopt;
    if (!port_text.empty()) {
        unsigned value = 0;
        auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
        if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 || value > 65535)
            return std::nullopt;
        server.port = static_cast<std::uint16_t>(value);
    }
    return server;
}

ProxyConfig ProxyConfig::from_wininet(std::string_view proxy, std::string_view bypass) {
    ProxyConfig config;
    std::optional<ProxyServer> generic;
    for (auto entry : split(proxy, " ;")) {
        const auto equals = entry.find('=');
        if (equals == std::string_view::npos) {
            if (!generic) generic = parse_proxy_address(entry);
            continue;
        }
        const std::string scheme = lower(entry.substr(0, equals));
        auto address = parse_proxy_address(entry.substr(equals + 1));
        if (scheme == "http" && !config.http_) config.http_ = std::move(address);
        else if (scheme == "https" && !config.https_) config.https_ = std::move(address);
        // ftp= and socks= entries are not used for HTTP requests.
    }
    if (!config.http_) config.http_ = generic;
    if (!config.https_) config.https_ = generic;
    for (auto entry : split(bypass, " ;,\t")) {
        std::string pattern = lower(entry);
        if (pattern == "<local>") config.bypass_local_ = true;
        else config.bypass_patterns_.push_back(std::move(pattern));
    }
    return config;
}

ProxyConfig ProxyConfig::from_environment_values(std::optional<std::string> http_lower,
                                                 std::optional<std::string> /*http_upper*/,
                                                 std::optional<std::string> https_lower,
                                                 std::optional<std::string> https_upper,
                                                 std::optional<std::string> no_lower,
                                                 std::optional<std::string> no_upper) {
    // HTTP_PROXY in capitals is not read: a CGI program gets the request's "Proxy:" header under
    // that name (the "httpoxy" problem), so the lower-case name is the only safe one.
    ProxyConfig config;
    if (http_lower) config.http_ = parse_proxy_address(*http_lower);
    if (auto https = https_lower ? https_lower : https_upper) config.https_ = parse_proxy_address(*https);
    if (auto no_proxy = no_lower ? no_lower : no_upper) {
        for (auto entry : split(*no_proxy, ", \t")) {
            std::string domain = lower(entry);
            if (domain == "*") {
                config.no_proxy_all_ = true;
                continue;
            }
            while (!domain.empty() && (domain.front() == '.' || domain.front() == '*')) domain.erase(0, 1);
            if (!domain.empty()) config.no_proxy_domains_.push_back(std::move(domain));
        }
    }
    return config;
}

ProxyConfig ProxyConfig::from_process_environment() {
    return from_environment([](const char* name) { return environment_value(name); });
}

bool ProxyConfig::bypassed(std::string_view host_text, std::uint16_t port) const {
    const std::string host = lower(host_text);
    if (bypass_local_ && host.find('.') == std::string::npos && host.find(':') == std::string::npos) return true;
    const std::string host_port = host + ":" + std::to_string(port);
    for (const auto& pattern : bypass_patterns_)
        if (wildcard_match(pattern, host) || wildcard_match(pattern, host_port)) return true;
    if (no_proxy_all_) return true;
    for (const auto& domain : no_proxy_domains_) {
        if (host == domain) return true;
        if (host.size() > domain.size() && host.ends_with(domain) && host[host.size() - domain.size() - 1] == '.')
            return true;
    }
    return false;
}

std::optional<ProxyServer> ProxyConfig::for_target(std::string_view host, std::uint16_t port, bool tls) const {
    const auto& proxy = tls ? https_ : http_;
    if (!proxy || bypassed(host, port)) return std::nullopt;
    return proxy;
}

}  // namespace openinet::core
