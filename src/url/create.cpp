// InternetCreateUrl.
#include "url/escaping.hpp"
#include "url/url.hpp"

namespace openinet::url {
namespace {

// Schemes whose URLs always carry a "//" authority, even an empty one.
bool has_authority_form(Scheme scheme) noexcept
{
    return scheme == Scheme::http || scheme == Scheme::https || scheme == Scheme::ftp ||
           scheme == Scheme::gopher || scheme == Scheme::file;
}

bool non_empty(const std::optional<std::string_view>& text) noexcept
{
    return text && !text->empty();
}

} // namespace

Error create(const UrlParts& parts, std::uint32_t flags, std::string& out)
{
    out.clear();
    // The scheme text wins over nScheme: "nhttp" with nScheme HTTP is not http.
    Scheme scheme = parts.scheme;
    std::string_view scheme_text;
    if (non_empty(parts.scheme_text)) {
        scheme_text = *parts.scheme_text;
        for (char c : scheme_text)
            if (!detail::is_scheme_char(c)) return Error::invalid_parameter;
        scheme = scheme_from_name(scheme_text);
    } else {
        scheme_text = scheme_name(parts.scheme);
        if (scheme_text.empty()) return Error::invalid_parameter;
    }
    if (parts.password && !parts.user) return Error::invalid_parameter;

    const bool has_host = non_empty(parts.host);
    const detail::EscapeRules rules{.unsafe = (flags & flag::escape) != 0};
    auto append_escaped = [&](std::string_view text) {
        if (rules.unsafe)
            out += detail::escape(text, rules);
        else
            out += text;
    };

    out += scheme_text;
    out += ':';
    if (has_host || has_authority_form(scheme)) {
        out += "//";
        const bool has_user_info = non_empty(parts.user) || non_empty(parts.password);
        if (has_user_info) {
            out += parts.user.value_or(std::string_view{});
            if (non_empty(parts.password)) {
                out += ':';
                out += *parts.password;
            }
            out += '@';
        }
        if (has_host) {
            std::string_view host = *parts.host;
            // An IPv6 address handed over without brackets still needs them in a URL.
            const bool bare_ipv6 = host.find(':') != std::string_view::npos && host.front() != '[';
            if (bare_ipv6) out += '[';
            out += host;
            if (bare_ipv6) out += ']';
            if (parts.port != 0 && parts.port != default_port(scheme)) {
                out += ':';
                out += std::to_string(parts.port);
            }
        }
    }
    if (non_empty(parts.path)) {
        if (has_host && parts.path->front() != '/') out += '/';
        append_escaped(*parts.path);
    }
    if (non_empty(parts.extra)) append_escaped(*parts.extra);
    return Error::none;
}

} // namespace openinet::url
