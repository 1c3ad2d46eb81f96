// The session handle (InternetOpen): root of every handle tree.
#pragma once

#include "core/object.hpp"
#include "core/proxy.hpp"

#include <memory>
#include <string>

namespace openinet::core {

class Session : public Object {  // INTERNET_HANDLE_TYPE_INTERNET
public:
    using Ptr = std::shared_ptr<Session>;

    // Validates the arguments (access type) and creates an unpublished session; on failure
    // sets ec (ERROR_INVALID_PARAMETER) and returns nullptr. Options start from the global ones.
    static Ptr create(std::string agent, DWORD access_type, std::string proxy,
                      std::string proxy_bypass, DWORD flags, std::error_code& ec);

    Session(std::string agent, DWORD access_type, std::string proxy, std::string proxy_bypass,
            DWORD flags);

    const std::string& agent() const noexcept { return agent_; }
    DWORD access_type() const noexcept { return access_type_; }
    const std::string& proxy() const noexcept { return proxy_; }
    const std::string& proxy_bypass() const noexcept { return proxy_bypass_; }
    DWORD flags() const noexcept { return flags_; }
    // The proxies HTTP requests of this session go through (proxy.hpp): from the proxy strings
    // (INTERNET_OPEN_TYPE_PROXY) or the environment (PRECONFIG), read once, here.
    const ProxyConfig& proxy_config() const noexcept { return proxy_config_; }

    std::error_code query_option(DWORD option, void* buffer, DWORD* length, bool wide) override;

private:
    const std::string agent_;
    const DWORD access_type_;
    const std::string proxy_, proxy_bypass_;
    const DWORD flags_;
    const ProxyConfig proxy_config_;
};

}  // namespace openinet::core
