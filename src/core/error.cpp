#include "core/error.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <cerrno>
#include <cstring>

namespace openinet {
namespace {

const char* describe(int code) noexcept {
    switch (static_cast<DWORD>(code)) {
    case ERROR_SUCCESS: return "The operation completed successfully.";
    case ERROR_FILE_NOT_FOUND: return "The system cannot find the file specified.";
    case ERROR_INVALID_HANDLE: return "The handle is invalid.";
    case ERROR_NOT_ENOUGH_MEMORY: return "Not enough memory is available to complete this operation.";
    case ERROR_NO_MORE_FILES: return "There are no more files.";
    case ERROR_HANDLE_EOF: return "Reached the end of the file.";
    case ERROR_NOT_SUPPORTED: return "The request is not supported.";
    case ERROR_FILE_EXISTS: return "The file exists.";
    case ERROR_INVALID_PARAMETER: return "The parameter is incorrect.";
    case ERROR_CALL_NOT_IMPLEMENTED: return "This function is not supported on this system.";
    case ERROR_INSUFFICIENT_BUFFER: return "The data area passed to a system call is too small.";
    case ERROR_NEGATIVE_SEEK: return "An attempt was made to move the file pointer before the beginning of the file.";
    case ERROR_NO_MORE_ITEMS: return "No more data is available.";
    case ERROR_IO_PENDING: return "Overlapped I/O operation is in progress.";
    case ERROR_INTERNET_OUT_OF_HANDLES: return "No more handles could be generated at this time.";
    case ERROR_INTERNET_TIMEOUT: return "The operation timed out.";
    case ERROR_INTERNET_EXTENDED_ERROR: return "An extended error was returned from the server.";
    case ERROR_INTERNET_INTERNAL_ERROR: return "An internal error occurred.";
    case ERROR_INTERNET_INVALID_URL: return "The URL is invalid.";
    case ERROR_INTERNET_UNRECOGNIZED_SCHEME: return "The URL scheme could not be recognized or is not supported.";
    case ERROR_INTERNET_NAME_NOT_RESOLVED: return "The server name could not be resolved.";
    case ERROR_INTERNET_PROTOCOL_NOT_FOUND: return "A protocol with the required capabilities was not found.";
    case ERROR_INTERNET_INVALID_OPTION: return "The option is invalid.";
    case ERROR_INTERNET_BAD_OPTION_LENGTH: return "The length is incorrect for the option type.";
    case ERROR_INTERNET_OPTION_NOT_SETTABLE: return "The option value cannot be set.";
    case ERROR_INTERNET_SHUTDOWN: return "Internet support is being shut down.";
    case ERROR_INTERNET_INCORRECT_USER_NAME: return "The user name is incorrect.";
    case ERROR_INTERNET_INCORRECT_PASSWORD: return "The password is incorrect.";
    case ERROR_INTERNET_LOGIN_FAILURE: return "The login request was denied.";
    case ERROR_INTERNET_INVALID_OPERATION: return "The operation is invalid for this handle.";
    case ERROR_INTERNET_OPERATION_CANCELLED: return "The operation was cancelled, usually because the handle was closed.";
    case ERROR_INTERNET_INCORRECT_HANDLE_TYPE: return "The handle is the wrong type for this operation.";
    case ERROR_INTERNET_INCORRECT_HANDLE_STATE: return "The handle is in the wrong state for this operation.";
    case ERROR_INTERNET_NOT_PROXY_REQUEST: return "The request cannot be made through a proxy.";
    case ERROR_INTERNET_REGISTRY_VALUE_NOT_FOUND: return "A required setting could not be found.";
    case ERROR_INTERNET_BAD_REGISTRY_PARAMETER: return "A required setting has a bad value.";
    case ERROR_INTERNET_NO_DIRECT_ACCESS: return "Direct network access cannot be made at this time.";
    case ERROR_INTERNET_NO_CONTEXT: return "No context value was supplied for an asynchronous request.";
    case ERROR_INTERNET_NO_CALLBACK: return "No status callback was supplied for an asynchronous request.";
    case ERROR_INTERNET_REQUEST_PENDING: return "Another request is still pending on this handle.";
    case ERROR_INTERNET_INCORRECT_FORMAT: return "The format of the request is invalid.";
    case ERROR_INTERNET_ITEM_NOT_FOUND: return "The requested item could not be found.";
    case ERROR_INTERNET_CANNOT_CONNECT: return "The attempt to connect to the server failed.";
    case ERROR_INTERNET_CONNECTION_ABORTED: return "The connection with the server was terminated abnormally.";
    case ERROR_INTERNET_CONNECTION_RESET: return "The connection with the server was reset.";
    case ERROR_INTERNET_FORCE_RETRY: return "The request must be sent again.";
    case ERROR_INTERNET_INVALID_PROXY_REQUEST: return "The request to the proxy was invalid.";
    case ERROR_INTERNET_NEED_UI: return "User interaction is required to complete the operation.";
    case ERROR_INTERNET_HANDLE_EXISTS: return "The handle already exists.";
    case ERROR_INTERNET_SEC_CERT_DATE_INVALID: return "The server certificate has expired or is not yet valid.";
    case ERROR_INTERNET_SEC_CERT_CN_INVALID: return "The server certificate name does not match the host name.";
    case ERROR_INTERNET_HTTP_TO_HTTPS_ON_REDIR: return "The request was redirected from HTTP to HTTPS.";
    case ERROR_INTERNET_HTTPS_TO_HTTP_ON_REDIR: return "The request was redirected from HTTPS to HTTP.";
    case ERROR_INTERNET_MIXED_SECURITY: return "The content is not entirely secure.";
    case ERROR_INTERNET_CHG_POST_IS_NON_SECURE: return "The posted data is being sent over a non-secure connection.";
    case ERROR_INTERNET_POST_IS_NON_SECURE: return "The posted data is being sent over a non-secure connection.";
    case ERROR_INTERNET_CLIENT_AUTH_CERT_NEEDED: return "The server requests a client certificate.";
    case ERROR_INTERNET_INVALID_CA: return "The server certificate was issued by an unknown or untrusted authority.";
    case ERROR_INTERNET_CLIENT_AUTH_NOT_SETUP: return "Client authorization is not set up on this computer.";
    case ERROR_INTERNET_ASYNC_THREAD_FAILED: return "The asynchronous worker could not be started.";
    case ERROR_INTERNET_REDIRECT_SCHEME_CHANGE: return "The redirect changed the URL scheme.";
    case ERROR_INTERNET_SEC_CERT_ERRORS: return "The server certificate has errors.";
    case ERROR_INTERNET_SEC_CERT_NO_REV: return "The revocation status of the server certificate is unknown.";
    case ERROR_INTERNET_SEC_CERT_REV_FAILED: return "The revocation check of the server certificate failed.";
    case ERROR_INTERNET_SEC_INVALID_CERT: return "The server certificate is invalid.";
    case ERROR_INTERNET_SEC_CERT_REVOKED: return "The server certificate has been revoked.";
    case ERROR_FTP_TRANSFER_IN_PROGRESS: return "A file transfer or listing is already in progress on this FTP connection.";
    case ERROR_FTP_DROPPED: return "The FTP operation was not completed because the session was aborted.";
    case ERROR_FTP_NO_PASSIVE_MODE: return "The FTP server does not support passive mode.";
    case ERROR_HTTP_HEADER_NOT_FOUND: return "The requested header could not be found.";
    case ERROR_HTTP_DOWNLEVEL_SERVER: return "The server did not return any headers.";
    case ERROR_HTTP_INVALID_SERVER_RESPONSE: return "The server response could not be parsed.";
    case ERROR_HTTP_INVALID_HEADER: return "The supplied header is invalid.";
    case ERROR_HTTP_INVALID_QUERY_REQUEST: return "The request made to HttpQueryInfo is invalid.";
    case ERROR_HTTP_HEADER_ALREADY_EXISTS: return "The header could not be added because it already exists.";
    case ERROR_HTTP_REDIRECT_FAILED: return "The redirection failed.";
    case ERROR_INTERNET_SECURITY_CHANNEL_ERROR: return "The secure channel to the server could not be established.";
    case ERROR_INTERNET_UNABLE_TO_CACHE_FILE: return "The file could not be written to the cache.";
    case ERROR_INTERNET_TCPIP_NOT_INSTALLED: return "The required protocol stack is not available.";
    case ERROR_HTTP_NOT_REDIRECTED: return "The HTTP request was not redirected.";
    case ERROR_INTERNET_DISCONNECTED: return "The network connection is not available.";
    case ERROR_INTERNET_SERVER_UNREACHABLE: return "The server is unreachable.";
    case ERROR_INTERNET_PROXY_SERVER_UNREACHABLE: return "The proxy server is unreachable.";
    case ERROR_INTERNET_NOT_INITIALIZED: return "Internet support has not been initialized.";
    case ERROR_INTERNET_DECODING_FAILED: return "The content could not be decoded.";
    default: return nullptr;
    }
}

class WininetCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "wininet"; }
    std::string message(int code) const override {
        if (const char* text = describe(code)) return text;
        return "WinInet error " + std::to_string(static_cast<DWORD>(code));
    }
};

bool same_category(const std::error_code& ec, const boost::system::error_category& boost_cat) noexcept {
    // Boost keeps one std::error_category wrapper per Boost category, so converted codes compare
    // by identity (system and generic map to the std categories themselves).
    return ec.category() == static_cast<const std::error_category&>(boost_cat);
}

DWORD from_errno(int value) noexcept {
    switch (value) {
    case 0: return ERROR_SUCCESS;
    case ECONNREFUSED:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case ENETDOWN:
    case EHOSTDOWN:
    case EADDRNOTAVAIL:
        return ERROR_INTERNET_CANNOT_CONNECT;
    case ETIMEDOUT: return ERROR_INTERNET_TIMEOUT;
    case ECANCELED: return ERROR_INTERNET_OPERATION_CANCELLED;
    case ECONNRESET: return ERROR_INTERNET_CONNECTION_RESET;
    case EPIPE:
    case ECONNABORTED:
    case ESHUTDOWN:
    case ENOTCONN:
        return ERROR_INTERNET_CONNECTION_ABORTED;
    case ENOMEM:
    case ENOBUFS:
        return ERROR_NOT_ENOUGH_MEMORY;
    case EMFILE:
    case ENFILE:
        return ERROR_INTERNET_OUT_OF_HANDLES;
    case EINVAL: return ERROR_INVALID_PARAMETER;
    case ENOENT: return ERROR_FILE_NOT_FOUND;
    case EEXIST: return ERROR_FILE_EXISTS;
    case EBADF: return ERROR_INVALID_HANDLE;
    case EADDRINUSE: return ERROR_INTERNET_SOURCE_PORT_IN_USE;
    default: return ERROR_INTERNET_INTERNAL_ERROR;
    }
}

DWORD from_beast_http(int value) noexcept {
    namespace http = boost::beast::http;
    switch (static_cast<http::error>(value)) {
    case http::error::end_of_stream:
    case http::error::partial_message:
        return ERROR_INTERNET_CONNECTION_ABORTED;
    case http::error::buffer_overflow:
    case http::error::header_limit:
    case http::error::body_limit:
        return ERROR_HTTP_INVALID_SERVER_RESPONSE;
    default:
        return ERROR_HTTP_INVALID_SERVER_RESPONSE;
    }
}

struct ThreadErrorState {
    DWORD last_error = 0;
    ResponseInfo response;
};

ThreadErrorState& thread_state() noexcept {
    thread_local ThreadErrorState state;
    return state;
}

}  // namespace

const std::error_category& wininet_category() noexcept {
    static const WininetCategory category;
    return category;
}

std::error_code make_error(DWORD win32_code) noexcept {
    if (win32_code == ERROR_SUCCESS) return {};
    return {static_cast<int>(win32_code), wininet_category()};
}

DWORD to_win32_error(const std::error_code& ec) noexcept {
    if (!ec) return ERROR_SUCCESS;
    const int value = ec.value();
    const auto& cat = ec.category();
    if (cat == wininet_category()) return static_cast<DWORD>(value);
    if (cat == std::system_category() || cat == std::generic_category()) return from_errno(value);
    if (same_category(ec, boost::asio::error::get_netdb_category()) ||
        same_category(ec, boost::asio::error::get_addrinfo_category()))
        return ERROR_INTERNET_NAME_NOT_RESOLVED;
    if (same_category(ec, boost::asio::error::get_misc_category())) {
        switch (static_cast<boost::asio::error::misc_errors>(value)) {
        case boost::asio::error::eof: return ERROR_INTERNET_CONNECTION_ABORTED;
        case boost::asio::error::not_found: return ERROR_INTERNET_NAME_NOT_RESOLVED;
        default: return ERROR_INTERNET_INTERNAL_ERROR;
        }
    }
    // A peer that stops without a TLS close_notify has cut the connection, like eof; every
    // other TLS failure is the generic channel error unless the net layer gave a specific one.
    if (same_category(ec, boost::asio::ssl::error::get_stream_category())) {
        if (value == static_cast<int>(boost::asio::ssl::error::stream_truncated))
            return ERROR_INTERNET_CONNECTION_ABORTED;
        return ERROR_INTERNET_SECURITY_CHANNEL_ERROR;
    }
    if (same_category(ec, boost::asio::error::get_ssl_category())) return ERROR_INTERNET_SECURITY_CHANNEL_ERROR;
    if (same_category(ec, boost::beast::make_error_code(boost::beast::error::timeout).category()))
        return value == static_cast<int>(boost::beast::error::timeout) ? ERROR_INTERNET_TIMEOUT
                                                                        : ERROR_INTERNET_INTERNAL_ERROR;
    if (same_category(ec, boost::beast::http::make_error_code(boost::beast::http::error::end_of_stream).category()))
        return from_beast_http(value);
    if (ec == std::errc::timed_out) return ERROR_INTERNET_TIMEOUT;
    if (ec == std::errc::operation_canceled) return ERROR_INTERNET_OPERATION_CANCELLED;
    return ERROR_INTERNET_INTERNAL_ERROR;
}

std::error_code normalize_error(const std::error_code& ec) noexcept {
    return make_error(to_win32_error(ec));
}

bool is_pending(const std::error_code& ec) noexcept {
    return ec.category() == wininet_category() && ec.value() == static_cast<int>(ERROR_IO_PENDING);
}

void set_last_error(DWORD code) noexcept { thread_state().last_error = code; }
void set_last_error(const std::error_code& ec) noexcept { thread_state().last_error = to_win32_error(ec); }
DWORD last_error() noexcept { return thread_state().last_error; }

void set_last_response_info(DWORD error, std::string text) {
    auto& response = thread_state().response;
    response.error = error;
    response.text = std::move(text);
}

const ResponseInfo& last_response_info() noexcept { return thread_state().response; }

}  // namespace openinet

// ---------------------------------------------------------------------------------------------
// Exported: the thread's last error and last server response.

#include "core/text.hpp"

namespace {

template <class Char>
BOOL get_last_response_info(LPDWORD error, Char* buffer, LPDWORD length) {
    using namespace openinet;
    if (error == nullptr || length == nullptr) {
        set_last_error(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    const ResponseInfo& info = last_response_info();
    *error = info.error;
    DWORD result;
    if constexpr (sizeof(Char) == 1)
        result = text::copy_out(info.text, buffer, length);
    else
        result = text::copy_out_wide(info.text, buffer, length);
    set_last_error(result);
    return result == ERROR_SUCCESS ? TRUE : FALSE;
}

}  // namespace

extern "C" {

DWORD WINAPI GetLastError(void) { return openinet::last_error(); }

void WINAPI SetLastError(DWORD dwErrCode) { openinet::set_last_error(dwErrCode); }

BOOL WINAPI InternetGetLastResponseInfoA(LPDWORD lpdwError, LPSTR lpszBuffer, LPDWORD lpdwBufferLength) {
    return get_last_response_info(lpdwError, lpszBuffer, lpdwBufferLength);
}

BOOL WINAPI InternetGetLastResponseInfoW(LPDWORD lpdwError, LPWSTR lpszBuffer, LPDWORD lpdwBufferLength) {
    return get_last_response_info(lpdwError, lpszBuffer, lpdwBufferLength);
}

}  // extern "C"
