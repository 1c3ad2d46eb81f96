// The HTTP part of the C API: argument checks, W→UTF-8 conversion, handle lookup, then one
// call into http::Request. InternetReadFile & co. live with the generic functions (core).
#include "core/connection.hpp"
#include "api/last_error.hpp"
#include "core/error.hpp"
#include "core/object.hpp"
#include "core/session.hpp"
#include "core/text.hpp"
#include "ftp/service.hpp"
#include "http/request.hpp"
#include "url/url.hpp"

#include <openinet/wininet.h>


#include <cstring>
#include <cwchar>

using namespace openinet;

using namespace openinet::api;

namespace {

// (DWORD)-1 means NUL-terminated for header strings.
std::string headers_a(LPCSTR headers, DWORD length) {
    if (!headers) return {};
    if (length == static_cast<DWORD>(-1)) return std::string(headers);
    return std::string(headers, strnlen(headers, length));
}

std::string headers_w(LPCWSTR headers, DWORD length) {
    if (!headers) return {};
    if (length == static_cast<DWORD>(-1) || length == 0) return text::to_utf8(headers);
    std::size_t n = 0;
    while (n < length && headers[n]) ++n;
    return text::to_utf8(headers, n);
}

std::shared_ptr<http::Request> find_request(HINTERNET h, std::error_code& ec) {
    return core::lookup<http::Request>(h, ec);
}

HINTERNET open_request(HINTERNET connect_handle, std::optional<std::string> verb,
                       std::optional<std::string> object, std::optional<std::string> version,
                       std::optional<std::string> referrer, std::vector<std::string> accept_types,
                       DWORD flags, DWORD_PTR context) {
    std::error_code ec;
    auto connect = core::lookup<core::Connection>(connect_handle, ec);
    if (!connect) {
        set_last_error(ec);
        return nullptr;
    }
    if (connect->service() != INTERNET_SERVICE_HTTP) {
        set_last_error(ERROR_INTERNET_INCORRECT_HANDLE_TYPE);
        return nullptr;
    }
    http::OpenParams params;
    if (verb && !verb->empty()) params.verb = *verb;
    if (object && !object->empty()) params.object = *object;
    if (version && !version->empty()) params.version = *version;
    params.referrer = std::move(referrer);
    params.accept_types = std::move(accept_types);
    params.flags = flags;
    params.context = context;
    auto request = std::make_shared<http::Request>(connect, std::move(params));
    HINTERNET h = core::publish(request, ec);
    if (!h) {
        set_last_error(ec);
        return nullptr;
    }
    set_last_error(ERROR_SUCCESS);
    return h;
}

// Windows reads at most this many accept types; a longer list is a bogus pointer anyway.
constexpr std::size_t kMaxAcceptTypes = 256;

BOOL add_headers(HINTERNET h, std::string text, DWORD modifiers) {
    std::error_code ec;
    auto request = find_request(h, ec);
    if (!request) return fail(ec);
    if (auto e = request->add_headers(text, modifiers)) return fail(e);
    set_last_error(ERROR_SUCCESS);
    return TRUE;
}

BOOL send_request(HINTERNET h, std::string headers, LPVOID optional, DWORD optional_length) {
    std::error_code ec;
    auto request = find_request(h, ec);
    if (!request) return fail(ec);
    std::string body;
    if (optional && optional_length) body.assign(static_cast<const char*>(optional), optional_length);
    return outcome(request->send(std::move(headers), std::move(body)));
}

template <class Buffers>
BOOL send_request_ex(HINTERNET h, Buffers* in, Buffers* out, DWORD flags, DWORD_PTR context,
                     std::string headers) {
    std::error_code ec;
    auto request = find_request(h, ec);
    if (!request) return fail(ec);
    if (out) return fail(ERROR_INVALID_PARAMETER);
    std::uint64_t total = 0;
    std::string initial;
    if (in) {
        if (in->dwStructSize != sizeof(Buffers)) return fail(ERROR_INVALID_PARAMETER);
        total = in->dwBufferTotal;
        if (in->lpvBuffer && in->dwBufferLength)
            initial.assign(static_cast<const char*>(in->lpvBuffer), in->dwBufferLength);
    }
    return outcome(request->send_ex(std::move(headers), std::move(initial), total, (flags & HSR_CHUNKED) != 0,
                                    context));
}

template <class Buffers>
BOOL end_request(HINTERNET h, Buffers* out, DWORD_PTR context) {
    std::error_code ec;
    auto request = find_request(h, ec);
    if (!request) return fail(ec);
    if (out) return fail(ERROR_INVALID_PARAMETER);
    return outcome(request->end_request(context));
}

BOOL query_info(HINTERNET h, DWORD level, LPVOID buffer, LPDWORD length, LPDWORD index, bool wide) {
    std::error_code ec;
    auto request = find_request(h, ec);
    if (!request) return fail(ec);
    if (!length) return fail(ERROR_INVALID_PARAMETER);
    if (auto e = request->query_info(level, buffer, length, index, wide)) return fail(e);
    set_last_error(ERROR_SUCCESS);
    return TRUE;
}

HINTERNET open_url(HINTERNET session_handle, const std::string& url, std::string headers, DWORD flags,
                   DWORD_PTR context) {
    std::error_code ec;
    auto session = core::lookup<core::Session>(session_handle, ec);
    if (!session) {
        set_last_error(ec);
        return nullptr;
    }
    if (url.empty()) {
        set_last_error(ERROR_INVALID_PARAMETER);
        return nullptr;
    }
    url::CrackedUrl cracked;
    if (auto error = url::crack(url, cracked); error != url::Error::none) {
        set_last_error(static_cast<DWORD>(error));
        return nullptr;
    }
    if (cracked.scheme == url::Scheme::ftp) {
        ftp::register_service();
        HINTERNET h = ftp::open_url(session, url, flags, context, ec);
        set_last_error(h ? make_error(ERROR_SUCCESS) : ec);
        return h;
    }
    if (cracked.scheme != url::Scheme::http && cracked.scheme != url::Scheme::https) {
        // http and https here, ftp in src/api/ftp_api.cpp; file:// and gopher:// are not served.
        set_last_error(ERROR_INTERNET_UNRECOGNIZED_SCHEME);
        return nullptr;
    }
    const bool tls = cracked.scheme == url::Scheme::https;
    auto part = [&](const url::Range& r) { return r.present ? url.substr(r.offset, r.length) : std::string(); };
    core::ConnectParams cp;
    cp.server = part(cracked.host);
    if (cp.server.size() > 2 && cp.server.front() == '[' && cp.server.back() == ']')
        cp.server = cp.server.substr(1, cp.server.size() - 2);
    if (cp.server.empty()) {
        set_last_error(ERROR_INTERNET_INVALID_URL);
        return nullptr;
    }
    cp.port = cracked.port ? cracked.port : static_cast<INTERNET_PORT>(tls ? 443 : 80);
    if (cracked.user.present) cp.user = url::copied_text(url, cracked, url::Part::user, url::flag::decode);
    if (cracked.password.present)
        cp.password = url::copied_text(url, cracked, url::Part::password, url::flag::decode);
    cp.service = INTERNET_SERVICE_HTTP;
    cp.flags = tls ? INTERNET_FLAG_SECURE : 0;
    cp.context = 0;  // the hidden connect handle sends no notifications
    std::string object = part(cracked.path) + part(cracked.extra);
    if (auto hash = object.find('#'); hash != std::string::npos) object.resize(hash);  // never sent
    if (object.empty() || object.front() != '/') object.insert(0, "/");
    auto connect = std::make_shared<core::Connection>(session, cp);
    if (!core::publish(connect, ec)) {
        set_last_error(ec);
        return nullptr;
    }
    http::OpenParams params;
    params.object = std::move(object);
    params.flags = flags | (tls ? INTERNET_FLAG_SECURE : 0);
    params.context = context;
    params.accept_types = {"*/*"};
    auto request = std::make_shared<http::Request>(connect, std::move(params), true);
    HINTERNET h = core::publish(request, ec);
    if (!h) {
        connect->close();
        set_last_error(ec);
        return nullptr;
    }
    request->set_close_on_failure();
    auto result = request->send(std::move(headers), {}, reinterpret_cast<DWORD_PTR>(h));
    if (result.ok) {
        set_last_error(ERROR_SUCCESS);
        return h;
    }
    if (!is_pending(result.error)) request->close();
    set_last_error(result.error);
    return nullptr;
}

}  // namespace

extern "C" {

HINTERNET WINAPI HttpOpenRequestA(HINTERNET hConnect, LPCSTR lpszVerb, LPCSTR lpszObjectName,
                                  LPCSTR lpszVersion, LPCSTR lpszReferrer, LPCSTR* lplpszAcceptTypes,
                                  DWORD dwFlags, DWORD_PTR dwContext) {
    return guarded<HINTERNET>(nullptr, [&]() -> HINTERNET {
        auto opt = [](LPCSTR s) { return s ? std::optional<std::string>(s) : std::nullopt; };
        std::vector<std::string> types;
        for (std::size_t i = 0; lplpszAcceptTypes && i < kMaxAcceptTypes && lplpszAcceptTypes[i]; ++i)
            types.emplace_back(lplpszAcceptTypes[i]);
        return open_request(hConnect, opt(lpszVerb), opt(lpszObjectName), opt(lpszVersion), opt(lpszReferrer),
                            std::move(types), dwFlags, dwContext);
    });
}

HINTERNET WINAPI HttpOpenRequestW(HINTERNET hConnect, LPCWSTR lpszVerb, LPCWSTR lpszObjectName,
                                  LPCWSTR lpszVersion, LPCWSTR lpszReferrer, LPCWSTR* lplpszAcceptTypes,
                                  DWORD dwFlags, DWORD_PTR dwContext) {
    return guarded<HINTERNET>(nullptr, [&]() -> HINTERNET {
        std::vector<std::string> types;
        for (std::size_t i = 0; lplpszAcceptTypes && i < kMaxAcceptTypes && lplpszAcceptTypes[i]; ++i)
            types.push_back(text::to_utf8(lplpszAcceptTypes[i]));
        return open_request(hConnect, text::to_utf8_nullable(lpszVerb), text::to_utf8_nullable(lpszObjectName),
                            text::to_utf8_nullable(lpszVersion), text::to_utf8_nullable(lpszReferrer),
                            std::move(types), dwFlags, dwContext);
    });
}

BOOL WINAPI HttpAddRequestHeadersA(HINTERNET hRequest, LPCSTR lpszHeaders, DWORD dwHeadersLength,
                                   DWORD dwModifiers) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        if (!lpszHeaders || dwHeadersLength == 0) {
            std::error_code ec;
            if (!find_request(hRequest, ec)) return fail(ec);
            return fail(ERROR_INVALID_PARAMETER);
        }
        return add_headers(hRequest, headers_a(lpszHeaders, dwHeadersLength), dwModifiers);
    });
}

BOOL WINAPI HttpAddRequestHeadersW(HINTERNET hRequest, LPCWSTR lpszHeaders, DWORD dwHeadersLength,
                                   DWORD dwModifiers) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        if (!lpszHeaders) {
            std::error_code ec;
            if (!find_request(hRequest, ec)) return fail(ec);
            return fail(ERROR_INVALID_PARAMETER);
        }
        return add_headers(hRequest, headers_w(lpszHeaders, dwHeadersLength), dwModifiers);
    });
}

BOOL WINAPI HttpSendRequestA(HINTERNET hRequest, LPCSTR lpszHeaders, DWORD dwHeadersLength,
                             LPVOID lpOptional, DWORD dwOptionalLength) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        if (lpszHeaders && dwHeadersLength == 0 && lpszHeaders[0] != '\0') {
            std::error_code ec;
            if (!find_request(hRequest, ec)) return fail(ec);
            return fail(ERROR_INVALID_PARAMETER);
        }
        return send_request(hRequest, headers_a(lpszHeaders, dwHeadersLength), lpOptional, dwOptionalLength);
    });
}

BOOL WINAPI HttpSendRequestW(HINTERNET hRequest, LPCWSTR lpszHeaders, DWORD dwHeadersLength,
                             LPVOID lpOptional, DWORD dwOptionalLength) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        return send_request(hRequest, headers_w(lpszHeaders, dwHeadersLength), lpOptional, dwOptionalLength);
    });
}

BOOL WINAPI HttpSendRequestExA(HINTERNET hRequest, LPINTERNET_BUFFERSA lpBuffersIn,
                               LPINTERNET_BUFFERSA lpBuffersOut, DWORD dwFlags, DWORD_PTR dwContext) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        std::string headers;
        if (lpBuffersIn && lpBuffersIn->lpcszHeader)
            headers = headers_a(lpBuffersIn->lpcszHeader, lpBuffersIn->dwHeadersLength);
        return send_request_ex(hRequest, lpBuffersIn, lpBuffersOut, dwFlags, dwContext, std::move(headers));
    });
}

BOOL WINAPI HttpSendRequestExW(HINTERNET hRequest, LPINTERNET_BUFFERSW lpBuffersIn,
                               LPINTERNET_BUFFERSW lpBuffersOut, DWORD dwFlags, DWORD_PTR dwContext) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        std::string headers;
        if (lpBuffersIn && lpBuffersIn->lpcszHeader)
            headers = headers_w(lpBuffersIn->lpcszHeader, lpBuffersIn->dwHeadersLength);
        return send_request_ex(hRequest, lpBuffersIn, lpBuffersOut, dwFlags, dwContext, std::move(headers));
    });
}

BOOL WINAPI HttpEndRequestA(HINTERNET hRequest, LPINTERNET_BUFFERSA lpBuffersOut, DWORD dwFlags,
                            DWORD_PTR dwContext) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        return end_request(hRequest, lpBuffersOut, dwContext);
    });
}

BOOL WINAPI HttpEndRequestW(HINTERNET hRequest, LPINTERNET_BUFFERSW lpBuffersOut, DWORD dwFlags,
                            DWORD_PTR dwContext) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        return end_request(hRequest, lpBuffersOut, dwContext);
    });
}

BOOL WINAPI HttpQueryInfoA(HINTERNET hRequest, DWORD dwInfoLevel, LPVOID lpBuffer,
                           LPDWORD lpdwBufferLength, LPDWORD lpdwIndex) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        return query_info(hRequest, dwInfoLevel, lpBuffer, lpdwBufferLength, lpdwIndex, false);
    });
}

BOOL WINAPI HttpQueryInfoW(HINTERNET hRequest, DWORD dwInfoLevel, LPVOID lpBuffer,
                           LPDWORD lpdwBufferLength, LPDWORD lpdwIndex) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        return query_info(hRequest, dwInfoLevel, lpBuffer, lpdwBufferLength, lpdwIndex, true);
    });
}

HINTERNET WINAPI InternetOpenUrlA(HINTERNET hInternet, LPCSTR lpszUrl, LPCSTR lpszHeaders,
                                  DWORD dwHeadersLength, DWORD dwFlags, DWORD_PTR dwContext) {
    return guarded<HINTERNET>(nullptr, [&]() -> HINTERNET {
        return open_url(hInternet, lpszUrl ? std::string(lpszUrl) : std::string(),
                        headers_a(lpszHeaders, dwHeadersLength ? dwHeadersLength : static_cast<DWORD>(-1)),
                        dwFlags, dwContext);
    });
}

HINTERNET WINAPI InternetOpenUrlW(HINTERNET hInternet, LPCWSTR lpszUrl, LPCWSTR lpszHeaders,
                                  DWORD dwHeadersLength, DWORD dwFlags, DWORD_PTR dwContext) {
    return guarded<HINTERNET>(nullptr, [&]() -> HINTERNET {
        return open_url(hInternet, lpszUrl ? text::to_utf8(lpszUrl) : std::string(),
                        headers_w(lpszHeaders, dwHeadersLength), dwFlags, dwContext);
    });
}

}  // extern "C"
