#include "wininet_errors.hpp"

#include <algorithm>
#include <array>

namespace inetget {

namespace {

struct ErrorInfo {
    std::uint32_t code;
    std::string_view name;
    std::string_view description;
};

// Sorted by code. The numbers are the published WinInet / Win32 values; the descriptions are
// ours, written for someone reading a failed download.
constexpr std::array error_table = {
    ErrorInfo{0, "ERROR_SUCCESS", "no error"},
    ErrorInfo{2, "ERROR_FILE_NOT_FOUND", "file not found"},
    ErrorInfo{6, "ERROR_INVALID_HANDLE", "the handle is invalid or was closed"},
    ErrorInfo{8, "ERROR_NOT_ENOUGH_MEMORY", "not enough memory"},
    ErrorInfo{50, "ERROR_NOT_SUPPORTED", "not supported"},
    ErrorInfo{87, "ERROR_INVALID_PARAMETER", "invalid parameter"},
    ErrorInfo{120, "ERROR_CALL_NOT_IMPLEMENTED", "not implemented"},
    ErrorInfo{122, "ERROR_INSUFFICIENT_BUFFER", "buffer too small"},
    ErrorInfo{997, "ERROR_IO_PENDING", "the operation is pending"},
    ErrorInfo{12001, "ERROR_INTERNET_OUT_OF_HANDLES", "no more handles could be generated"},
    ErrorInfo{12002, "ERROR_INTERNET_TIMEOUT", "the operation timed out"},
    ErrorInfo{12003, "ERROR_INTERNET_EXTENDED_ERROR", "the server returned extended information"},
    ErrorInfo{12004, "ERROR_INTERNET_INTERNAL_ERROR", "internal error"},
    ErrorInfo{12005, "ERROR_INTERNET_INVALID_URL", "the URL is invalid"},
    ErrorInfo{12006, "ERROR_INTERNET_UNRECOGNIZED_SCHEME", "the URL scheme is not supported"},
    ErrorInfo{12007, "ERROR_INTERNET_NAME_NOT_RESOLVED", "the server name could not be resolved"},
    ErrorInfo{12008, "ERROR_INTERNET_PROTOCOL_NOT_FOUND", "no protocol for this request"},
    ErrorInfo{12009, "ERROR_INTERNET_INVALID_OPTION", "invalid option"},
    ErrorInfo{12010, "ERROR_INTERNET_BAD_OPTION_LENGTH", "wrong option length"},
    ErrorInfo{12011, "ERROR_INTERNET_OPTION_NOT_SETTABLE", "the option cannot be set"},
    ErrorInfo{12012, "ERROR_INTERNET_SHUTDOWN", "WinInet is shutting down"},
    ErrorInfo{12013, "ERROR_INTERNET_INCORRECT_USER_NAME", "incorrect user name"},
    ErrorInfo{12014, "ERROR_INTERNET_INCORRECT_PASSWORD", "incorrect password"},
    ErrorInfo{12015, "ERROR_INTERNET_LOGIN_FAILURE", "login failed"},
    ErrorInfo{12016, "ERROR_INTERNET_INVALID_OPERATION", "invalid operation"},
    ErrorInfo{12017, "ERROR_INTERNET_OPERATION_CANCELLED", "the operation was cancelled"},
    ErrorInfo{12018, "ERROR_INTERNET_INCORRECT_HANDLE_TYPE", "wrong handle type"},
    ErrorInfo{12019, "ERROR_INTERNET_INCORRECT_HANDLE_STATE", "wrong handle state"},
    ErrorInfo{12020, "ERROR_INTERNET_NOT_PROXY_REQUEST", "not a proxy request"},
    ErrorInfo{12023, "ERROR_INTERNET_NO_DIRECT_ACCESS", "no direct network access"},
    ErrorInfo{12024, "ERROR_INTERNET_NO_CONTEXT", "no context value"},
    ErrorInfo{12025, "ERROR_INTERNET_NO_CALLBACK", "no status callback"},
    ErrorInfo{12026, "ERROR_INTERNET_REQUEST_PENDING", "a request is pending"},
    ErrorInfo{12027, "ERROR_INTERNET_INCORRECT_FORMAT", "incorrect format"},
    ErrorInfo{12028, "ERROR_INTERNET_ITEM_NOT_FOUND", "item not found"},
    ErrorInfo{12029, "ERROR_INTERNET_CANNOT_CONNECT", "cannot connect to the server"},
    ErrorInfo{12030, "ERROR_INTERNET_CONNECTION_ABORTED", "the connection was aborted"},
    ErrorInfo{12031, "ERROR_INTERNET_CONNECTION_RESET", "the connection was reset"},
    ErrorInfo{12032, "ERROR_INTERNET_FORCE_RETRY", "the request must be retried"},
    ErrorInfo{12033, "ERROR_INTERNET_INVALID_PROXY_REQUEST", "invalid proxy request"},
    ErrorInfo{12036, "ERROR_INTERNET_HANDLE_EXISTS", "the handle already exists"},
    ErrorInfo{12037, "ERROR_INTERNET_SEC_CERT_DATE_INVALID",
              "the server certificate has expired or is not yet valid"},
    ErrorInfo{12038, "ERROR_INTERNET_SEC_CERT_CN_INVALID",
              "the server certificate does not name this host"},
    ErrorInfo{12039, "ERROR_INTERNET_HTTP_TO_HTTPS_ON_REDIR", "redirected from HTTP to HTTPS"},
    ErrorInfo{12040, "ERROR_INTERNET_HTTPS_TO_HTTP_ON_REDIR", "redirected from HTTPS to HTTP"},
    ErrorInfo{12044, "ERROR_INTERNET_CLIENT_AUTH_CERT_NEEDED",
              "the server asks for a client certificate"},
    ErrorInfo{12045, "ERROR_INTERNET_INVALID_CA",
              "the server certificate is not signed by a trusted authority"},
    ErrorInfo{12055, "ERROR_INTERNET_SEC_CERT_ERRORS", "the server certificate has errors"},
    ErrorInfo{12057, "ERROR_INTERNET_SEC_CERT_REV_FAILED", "certificate revocation check failed"},
    ErrorInfo{12110, "ERROR_FTP_TRANSFER_IN_PROGRESS", "an FTP transfer is in progress"},
    ErrorInfo{12111, "ERROR_FTP_DROPPED", "the FTP operation was dropped"},
    ErrorInfo{12112, "ERROR_FTP_NO_PASSIVE_MODE", "the FTP server refused passive mode"},
    ErrorInfo{12150, "ERROR_HTTP_HEADER_NOT_FOUND", "header not found"},
    ErrorInfo{12151, "ERROR_HTTP_DOWNLEVEL_SERVER", "the server did not answer with headers"},
    ErrorInfo{12152, "ERROR_HTTP_INVALID_SERVER_RESPONSE", "the server response is invalid"},
    ErrorInfo{12153, "ERROR_HTTP_INVALID_HEADER", "invalid header"},
    ErrorInfo{12154, "ERROR_HTTP_INVALID_QUERY_REQUEST", "invalid header query"},
    ErrorInfo{12155, "ERROR_HTTP_HEADER_ALREADY_EXISTS", "the header already exists"},
    ErrorInfo{12156, "ERROR_HTTP_REDIRECT_FAILED", "the redirect failed"},
    ErrorInfo{12157, "ERROR_INTERNET_SECURITY_CHANNEL_ERROR", "the TLS connection failed"},
    ErrorInfo{12158, "ERROR_INTERNET_UNABLE_TO_CACHE_FILE", "cannot cache the file"},
    ErrorInfo{12160, "ERROR_HTTP_NOT_REDIRECTED", "the request was not redirected"},
    ErrorInfo{12163, "ERROR_INTERNET_DISCONNECTED", "the network is disconnected"},
    ErrorInfo{12164, "ERROR_INTERNET_SERVER_UNREACHABLE", "the server is unreachable"},
    ErrorInfo{12165, "ERROR_INTERNET_PROXY_SERVER_UNREACHABLE", "the proxy is unreachable"},
    ErrorInfo{12169, "ERROR_INTERNET_SEC_INVALID_CERT", "the server certificate is invalid"},
    ErrorInfo{12170, "ERROR_INTERNET_SEC_CERT_REVOKED", "the server certificate was revoked"},
    ErrorInfo{12175, "ERROR_INTERNET_DECODING_FAILED", "the content could not be decoded"},
};

static_assert(std::is_sorted(error_table.begin(), error_table.end(),
                             [](const ErrorInfo& a, const ErrorInfo& b) {
                                 return a.code < b.code;
                             }));

const ErrorInfo* find_error(std::uint32_t code) {
    auto it =
        std::lower_bound(error_table.begin(), error_table.end(), code,
                         [](const ErrorInfo& info, std::uint32_t c) { return info.code < c; });
    return it != error_table.end() && it->code == code ? &*it : nullptr;
}

}  // namespace

std::string_view wininet_error_name(std::uint32_t code) {
    const ErrorInfo* info = find_error(code);
    return info ? info->name : std::string_view{};
}

std::string_view wininet_error_description(std::uint32_t code) {
    const ErrorInfo* info = find_error(code);
    return info ? info->description : std::string_view("unknown error");
}

std::string format_wininet_error(std::uint32_t code) {
    std::string text = "error " + std::to_string(code);
    if (auto name = wininet_error_name(code); !name.empty()) {
        text += ' ';
        text += name;
    }
    return text;
}

}  // namespace inetget
