#include "core/options.hpp"

#include "core/error.hpp"
#include "core/text.hpp"

#include <cstring>
#include <mutex>

namespace openinet::core {

std::error_code write_option_bytes(void* buffer, DWORD* length, const void* data, DWORD size) {
    if (buffer == nullptr || *length < size) {
        *length = size;
        return make_error(ERROR_INSUFFICIENT_BUFFER);
    }
    std::memcpy(buffer, data, size);
    *length = size;
    return {};
}

std::error_code write_option_dword(void* buffer, DWORD* length, DWORD value) {
    return write_option_bytes(buffer, length, &value, sizeof(value));
}

std::error_code write_option_pointer(void* buffer, DWORD* length, const void* value) {
    return write_option_bytes(buffer, length, &value, sizeof(value));
}

std::error_code write_option_dword_ptr(void* buffer, DWORD* length, DWORD_PTR value) {
    return write_option_bytes(buffer, length, &value, sizeof(value));
}

std::error_code write_option_string(void* buffer, DWORD* length, std::string_view utf8, bool wide) {
    const DWORD result = wide ? text::copy_out_wide_bytes(utf8, buffer, length)
                              : text::copy_out(utf8, static_cast<char*>(buffer), length);
    return make_error(result);
}

std::error_code read_option_dword(const void* buffer, DWORD length, DWORD& value) {
    if (buffer == nullptr || length == 0) return make_error(ERROR_INVALID_PARAMETER);
    if (length < sizeof(DWORD)) return make_error(ERROR_INTERNET_BAD_OPTION_LENGTH);
    std::memcpy(&value, buffer, sizeof(value));
    return {};
}

std::error_code read_option_dword_ptr(const void* buffer, DWORD length, DWORD_PTR& value) {
    if (buffer == nullptr || length == 0) return make_error(ERROR_INVALID_PARAMETER);
    if (length != sizeof(DWORD_PTR)) return make_error(ERROR_INTERNET_BAD_OPTION_LENGTH);
    std::memcpy(&value, buffer, sizeof(value));
    return {};
}

std::error_code read_option_string(const void* buffer, DWORD length, bool wide, std::string& utf8) {
    if (buffer == nullptr) return make_error(ERROR_INVALID_PARAMETER);
    if (wide) {
        const auto* chars = static_cast<const wchar_t*>(buffer);
        std::size_t n = 0;
        while (n < length && chars[n] != L'\0') ++n;
        utf8 = text::to_utf8(chars, n);
    } else {
        const auto* chars = static_cast<const char*>(buffer);
        std::size_t n = 0;
        while (n < length && chars[n] != '\0') ++n;
        utf8.assign(chars, n);
    }
    return {};
}

// ---------------------------------------------------------------------------------------------
// Process-wide options

namespace {

std::mutex& global_mutex() {
    static std::mutex* const mutex = new std::mutex();  // used from engine threads until exit
    return *mutex;
}

GlobalOptions& global_state() {
    static GlobalOptions* const state = new GlobalOptions();
    return *state;
}

// The version WinInet reports through INTERNET_OPTION_VERSION.
constexpr DWORD wininet_major_version = 1;
constexpr DWORD wininet_minor_version = 2;

}  // namespace

GlobalOptions global_options() {
    std::lock_guard lock(global_mutex());
    return global_state();
}

void update_global_options(const std::function<void(GlobalOptions&)>& change) {
    std::lock_guard lock(global_mutex());
    change(global_state());
}

std::error_code query_global_option(DWORD option, void* buffer, DWORD* length, bool /*wide*/) {
    const GlobalOptions g = global_options();
    switch (option) {
    case INTERNET_OPTION_CONNECT_TIMEOUT: return write_option_dword(buffer, length, g.connect_timeout_ms);
    case INTERNET_OPTION_CONNECT_RETRIES: return write_option_dword(buffer, length, g.connect_retries);
    case INTERNET_OPTION_SEND_TIMEOUT: return write_option_dword(buffer, length, g.send_timeout_ms);
    case INTERNET_OPTION_RECEIVE_TIMEOUT: return write_option_dword(buffer, length, g.receive_timeout_ms);
    case INTERNET_OPTION_DATA_SEND_TIMEOUT: return write_option_dword(buffer, length, g.data_send_timeout_ms);
    case INTERNET_OPTION_DATA_RECEIVE_TIMEOUT:
        return write_option_dword(buffer, length, g.data_receive_timeout_ms);
    case INTERNET_OPTION_MAX_CONNS_PER_SERVER:
        return write_option_dword(buffer, length, g.max_connections_per_server);
    case INTERNET_OPTION_MAX_CONNS_PER_1_0_SERVER:
        return write_option_dword(buffer, length, g.max_connections_per_1_0_server);
    case INTERNET_OPTION_VERSION: {
        const INTERNET_VERSION_INFO info{wininet_major_version, wininet_minor_version};
        return write_option_bytes(buffer, length, &info, sizeof(info));
    }
    case INTERNET_OPTION_HTTP_VERSION: {
        const HTTP_VERSION_INFO info{g.http_version_major, g.http_version_minor};
        return write_option_bytes(buffer, length, &info, sizeof(info));
    }
    case INTERNET_OPTION_CALLBACK:
    case INTERNET_OPTION_CONNECT_BACKOFF:
    case INTERNET_OPTION_HANDLE_TYPE:
    case INTERNET_OPTION_READ_BUFFER_SIZE:
    case INTERNET_OPTION_WRITE_BUFFER_SIZE:
    case INTERNET_OPTION_PARENT_HANDLE:
    case INTERNET_OPTION_KEEP_CONNECTION:
    case INTERNET_OPTION_REQUEST_FLAGS:
    case INTERNET_OPTION_USERNAME:
    case INTERNET_OPTION_PASSWORD:
    case INTERNET_OPTION_SECURITY_FLAGS:
    case INTERNET_OPTION_SECURITY_CERTIFICATE_STRUCT:
    case INTERNET_OPTION_SECURITY_CERTIFICATE:
    case INTERNET_OPTION_SECURITY_KEY_BITNESS:
    case INTERNET_OPTION_URL:
    case INTERNET_OPTION_USER_AGENT:
    case INTERNET_OPTION_PROXY_USERNAME:
    case INTERNET_OPTION_PROXY_PASSWORD:
    case INTERNET_OPTION_CONTEXT_VALUE:
    case INTERNET_OPTION_HTTP_DECODING:
    case INTERNET_OPTION_DATAFILE_NAME:
        return make_error(ERROR_INTERNET_INCORRECT_HANDLE_TYPE);
    default:
        return make_error(ERROR_INTERNET_INVALID_OPTION);
    }
}

std::error_code set_global_option(DWORD option, const void* buffer, DWORD length, bool /*wide*/) {
    auto set_dword = [&](DWORD GlobalOptions::*field, bool nonzero) -> std::error_code {
        DWORD value = 0;
        if (auto ec = read_option_dword(buffer, length, value)) return ec;
        if (nonzero && value == 0) return make_error(ERROR_INVALID_PARAMETER);
        update_global_options([&](GlobalOptions& g) { g.*field = value; });
        return {};
    };
    switch (option) {
    case INTERNET_OPTION_CONNECT_TIMEOUT: return set_dword(&GlobalOptions::connect_timeout_ms, false);
    case INTERNET_OPTION_CONNECT_RETRIES: return set_dword(&GlobalOptions::connect_retries, false);
    case INTERNET_OPTION_SEND_TIMEOUT: return set_dword(&GlobalOptions::send_timeout_ms, false);
    case INTERNET_OPTION_RECEIVE_TIMEOUT: return set_dword(&GlobalOptions::receive_timeout_ms, false);
    case INTERNET_OPTION_DATA_SEND_TIMEOUT: return set_dword(&GlobalOptions::data_send_timeout_ms, false);
    case INTERNET_OPTION_DATA_RECEIVE_TIMEOUT: return set_dword(&GlobalOptions::data_receive_timeout_ms, false);
    case INTERNET_OPTION_MAX_CONNS_PER_SERVER:
        return set_dword(&GlobalOptions::max_connections_per_server, true);
    case INTERNET_OPTION_MAX_CONNS_PER_1_0_SERVER:
        return set_dword(&GlobalOptions::max_connections_per_1_0_server, true);
    case INTERNET_OPTION_HTTP_VERSION: {
        if (buffer == nullptr || length == 0) return make_error(ERROR_INVALID_PARAMETER);
        if (length < sizeof(HTTP_VERSION_INFO)) return make_error(ERROR_INTERNET_BAD_OPTION_LENGTH);
        HTTP_VERSION_INFO info;
        std::memcpy(&info, buffer, sizeof(info));
        if (info.dwMajorVersion != 1 || info.dwMinorVersion > 1) return make_error(ERROR_INVALID_PARAMETER);
        update_global_options([&](GlobalOptions& g) {
            g.http_version_major = info.dwMajorVersion;
            g.http_version_minor = info.dwMinorVersion;
        });
        return {};
    }
    case INTERNET_OPTION_SETTINGS_CHANGED:
    case INTERNET_OPTION_REFRESH:
        // Nothing is read from system settings, so there is nothing to re-read.
        return {};
    case INTERNET_OPTION_CALLBACK:
    case INTERNET_OPTION_VERSION:
        return make_error(ERROR_INTERNET_OPTION_NOT_SETTABLE);
    case INTERNET_OPTION_CONNECT_BACKOFF:
    case INTERNET_OPTION_HANDLE_TYPE:
    case INTERNET_OPTION_READ_BUFFER_SIZE:
    case INTERNET_OPTION_WRITE_BUFFER_SIZE:
    case INTERNET_OPTION_PARENT_HANDLE:
    case INTERNET_OPTION_KEEP_CONNECTION:
    case INTERNET_OPTION_USERNAME:
    case INTERNET_OPTION_PASSWORD:
    case INTERNET_OPTION_SECURITY_FLAGS:
    case INTERNET_OPTION_USER_AGENT:
    case INTERNET_OPTION_PROXY_USERNAME:
    case INTERNET_OPTION_PROXY_PASSWORD:
    case INTERNET_OPTION_CONTEXT_VALUE:
    case INTERNET_OPTION_HTTP_DECODING:
    case INTERNET_OPTION_URL:
        return make_error(ERROR_INTERNET_INCORRECT_HANDLE_TYPE);
    default:
        return make_error(ERROR_INTERNET_INVALID_OPTION);
    }
}

}  // namespace openinet::core
