#include "core/session.hpp"

#include "core/options.hpp"
#include "core/text.hpp"

#include <algorithm>

namespace openinet::core {

Session::Ptr Session::create(std::string agent, DWORD access_type, std::string proxy, std::string proxy_bypass,
                             DWORD flags, std::error_code& ec) {
    switch (access_type) {
    case INTERNET_OPEN_TYPE_PRECONFIG:
    case INTERNET_OPEN_TYPE_DIRECT:
    case INTERNET_OPEN_TYPE_PROXY:
    case INTERNET_OPEN_TYPE_PRECONFIG_WITH_NO_AUTOPROXY:
        break;
    default:
        ec = make_error(ERROR_INVALID_PARAMETER);
        return nullptr;
    }
    ec.clear();
    return std::make_shared<Session>(std::move(agent), access_type, std::move(proxy), std::move(proxy_bypass),
                                     flags);
}

Session::Session(std::string agent, DWORD access_type, std::string proxy, std::string proxy_bypass, DWORD flags)
    : Object(INTERNET_HANDLE_TYPE_INTERNET, nullptr, 0),
      agent_(std::move(agent)),
      access_type_(access_type),
      proxy_(std::move(proxy)),
      proxy_bypass_(std::move(proxy_bypass)),
      flags_(flags),
      proxy_config_(access_type == INTERNET_OPEN_TYPE_PROXY ? ProxyConfig::from_wininet(proxy_, proxy_bypass_)
                    : access_type == INTERNET_OPEN_TYPE_DIRECT ? ProxyConfig{}
                                                               : ProxyConfig::from_process_environment()) {
    set_async((flags & INTERNET_FLAG_ASYNC) != 0);
    const GlobalOptions g = global_options();
    update_options([&](HandleOptions& o) {
        o.connect_timeout_ms = g.connect_timeout_ms;
        o.send_timeout_ms = g.send_timeout_ms;
        o.receive_timeout_ms = g.receive_timeout_ms;
        o.data_send_timeout_ms = g.data_send_timeout_ms;
        o.data_receive_timeout_ms = g.data_receive_timeout_ms;
        o.connect_retries = g.connect_retries;
        o.user_agent = agent_;
    });
}

namespace {

// INTERNET_PROXY_INFO with its two strings stored in the same buffer, right after the struct.
template <class Info, class Char>
std::error_code write_proxy_info(void* buffer, DWORD* length, DWORD access_type, const std::basic_string<Char>& proxy,
                                 const std::basic_string<Char>& bypass) {
    const std::size_t needed = sizeof(Info) + (proxy.size() + 1 + bypass.size() + 1) * sizeof(Char);
    if (buffer == nullptr || *length < needed) {
        *length = static_cast<DWORD>(needed);
        return make_error(ERROR_INSUFFICIENT_BUFFER);
    }
    auto* info = static_cast<Info*>(buffer);
    auto* strings = reinterpret_cast<Char*>(info + 1);
    std::copy(proxy.begin(), proxy.end(), strings);
    strings[proxy.size()] = Char{};
    Char* bypass_copy = strings + proxy.size() + 1;
    std::copy(bypass.begin(), bypass.end(), bypass_copy);
    bypass_copy[bypass.size()] = Char{};
    info->dwAccessType = access_type;
    info->lpszProxy = proxy.empty() ? nullptr : strings;
    info->lpszProxyBypass = bypass.empty() ? nullptr : bypass_copy;
    *length = static_cast<DWORD>(needed);
    return {};
}

}  // namespace

std::error_code Session::query_option(DWORD option, void* buffer, DWORD* length, bool wide) {
    if (option == INTERNET_OPTION_PROXY) {
        // Without a proxy, Windows reports the session as a direct one.
        const DWORD access = proxy_.empty() ? INTERNET_OPEN_TYPE_DIRECT : INTERNET_OPEN_TYPE_PROXY;
        if (wide)
            return write_proxy_info<INTERNET_PROXY_INFOW>(buffer, length, access, text::to_wide(proxy_),
                                                          text::to_wide(proxy_bypass_));
        return write_proxy_info<INTERNET_PROXY_INFOA>(buffer, length, access, proxy_, proxy_bypass_);
    }
    return Object::query_option(option, buffer, length, wide);
}

}  // namespace openinet::core
