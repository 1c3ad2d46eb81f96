// Exported session/handle/option/data-transfer functions: check arguments, convert W strings
// once, look the handle up, call the implementation, set the thread's last error.
#include "core/connection.hpp"
#include "api/last_error.hpp"
#include "core/error.hpp"
#include "core/object.hpp"
#include "core/options.hpp"
#include "core/session.hpp"
#include "core/text.hpp"
#include "ftp/service.hpp"

#include <openinet/wininet.h>

#include <new>

using namespace openinet;
using openinet::core::Object;

using namespace openinet::api;

namespace {

std::string narrow(const char* s) { return s ? std::string(s) : std::string(); }
std::string narrow(const wchar_t* s) { return text::to_utf8(s); }

template <class Char>
HINTERNET open_session(const Char* agent, DWORD access_type, const Char* proxy, const Char* bypass, DWORD flags) {
    std::error_code ec;
    auto session = core::Session::create(narrow(agent), access_type, narrow(proxy), narrow(bypass), flags, ec);
    if (!session) return fail_handle(ec);
    HINTERNET h = core::publish(session, ec);
    if (!h) return fail_handle(ec);
    set_last_error(ERROR_SUCCESS);
    return h;
}

template <class Char>
HINTERNET connect_to(HINTERNET session_handle, const Char* server, INTERNET_PORT port, const Char* user,
                     const Char* password, DWORD service, DWORD flags, DWORD_PTR context) {
    std::error_code ec;
    auto session = core::lookup<core::Session>(session_handle, ec);
    if (!session) return fail_handle(ec);
    if (server == nullptr) return fail_handle(make_error(ERROR_INVALID_PARAMETER));
    core::ConnectParams params;
    params.server = narrow(server);
    params.port = port;
    params.user = narrow(user);
    params.password = narrow(password);
    params.service = service;
    params.flags = flags;
    params.context = context;
    if (service == INTERNET_SERVICE_FTP) ftp::register_service();
    HINTERNET h = core::connect(session, params, ec);
    if (!h) return fail_handle(ec);
    set_last_error(ERROR_SUCCESS);
    return h;
}

INTERNET_STATUS_CALLBACK set_status_callback(HINTERNET h, INTERNET_STATUS_CALLBACK cb) {
    std::error_code ec;
    auto obj = core::lookup<Object>(h, ec);
    if (!obj) {
        set_last_error(ec);
        return INTERNET_INVALID_STATUS_CALLBACK;
    }
    set_last_error(ERROR_SUCCESS);
    return obj->set_callback(cb);
}

BOOL query_option(HINTERNET h, DWORD option, void* buffer, DWORD* length, bool wide) {
    if (length == nullptr) return fail(ERROR_INVALID_PARAMETER);
    if (h == nullptr) return outcome(core::query_global_option(option, buffer, length, wide));
    std::error_code ec;
    auto obj = core::lookup<Object>(h, ec);
    if (!obj) return fail(ec);
    return outcome(obj->query_option(option, buffer, length, wide));
}

BOOL set_option(HINTERNET h, DWORD option, const void* buffer, DWORD length, bool wide) {
    if (h == nullptr) return outcome(core::set_global_option(option, buffer, length, wide));
    std::error_code ec;
    auto obj = core::lookup<Object>(h, ec);
    if (!obj) return fail(ec);
    return outcome(obj->set_option(option, buffer, length, wide));
}

BOOL set_option_ex(HINTERNET h, DWORD option, const void* buffer, DWORD length, DWORD flags, bool wide) {
    if ((flags & ~ISO_VALID_FLAGS) != 0) return fail(ERROR_INVALID_PARAMETER);
    // ISO_GLOBAL asks for the process-wide value; ISO_REGISTRY (persisting it) has no meaning
    // without a registry and is accepted without effect, as the value still applies.
    if ((flags & ISO_GLOBAL) != 0) h = nullptr;
    return set_option(h, option, buffer, length, wide);
}

template <class Buffers>
BOOL read_file_ex(HINTERNET h, Buffers* buffers, DWORD flags, DWORD_PTR context) {
    if (buffers == nullptr) return fail(ERROR_INVALID_PARAMETER);
    if (buffers->dwStructSize != sizeof(Buffers)) return fail(ERROR_INVALID_PARAMETER);
    if (buffers->lpvBuffer == nullptr && buffers->dwBufferLength != 0) return fail(ERROR_INVALID_PARAMETER);
    std::error_code ec;
    auto obj = core::lookup<Object>(h, ec);
    if (!obj) return fail(ec);
    return outcome(obj->read(buffers->lpvBuffer, buffers->dwBufferLength, &buffers->dwBufferLength, flags,
                             context));
}

BOOL find_next(HINTERNET h, void* find_data, bool wide) {
    std::error_code ec;
    auto obj = core::lookup<Object>(h, ec);
    if (!obj) return fail(ec);
    if (find_data == nullptr) return fail(ERROR_INVALID_PARAMETER);
    return outcome(obj->find_next(find_data, wide));
}

}  // namespace

extern "C" {

HINTERNET WINAPI InternetOpenA(LPCSTR lpszAgent, DWORD dwAccessType, LPCSTR lpszProxy, LPCSTR lpszProxyBypass,
                               DWORD dwFlags) {
    return guarded<HINTERNET>(nullptr, [&]() -> HINTERNET {
        return open_session(lpszAgent, dwAccessType, lpszProxy, lpszProxyBypass, dwFlags);
    });
}

HINTERNET WINAPI InternetOpenW(LPCWSTR lpszAgent, DWORD dwAccessType, LPCWSTR lpszProxy,
                               LPCWSTR lpszProxyBypass, DWORD dwFlags) {
    return guarded<HINTERNET>(nullptr, [&]() -> HINTERNET {
        return open_session(lpszAgent, dwAccessType, lpszProxy, lpszProxyBypass, dwFlags);
    });
}

HINTERNET WINAPI InternetConnectA(HINTERNET hInternet, LPCSTR lpszServerName, INTERNET_PORT nServerPort,
                                  LPCSTR lpszUserName, LPCSTR lpszPassword, DWORD dwService, DWORD dwFlags,
                                  DWORD_PTR dwContext) {
    return guarded<HINTERNET>(nullptr, [&]() -> HINTERNET {
        return connect_to(hInternet, lpszServerName, nServerPort, lpszUserName, lpszPassword, dwService, dwFlags,
                          dwContext);
    });
}

HINTERNET WINAPI InternetConnectW(HINTERNET hInternet, LPCWSTR lpszServerName, INTERNET_PORT nServerPort,
                                  LPCWSTR lpszUserName, LPCWSTR lpszPassword, DWORD dwService, DWORD dwFlags,
                                  DWORD_PTR dwContext) {
    return guarded<HINTERNET>(nullptr, [&]() -> HINTERNET {
        return connect_to(hInternet, lpszServerName, nServerPort, lpszUserName, lpszPassword, dwService, dwFlags,
                          dwContext);
    });
}

BOOL WINAPI InternetCloseHandle(HINTERNET hInternet) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        std::error_code ec;
        auto obj = core::lookup<Object>(hInternet, ec);
        if (!obj) return fail(ec);
        std::error_code unfinished;
        try {
            unfinished = obj->finish_before_close();
        } catch (const std::bad_alloc&) {
            unfinished = make_error(ERROR_NOT_ENOUGH_MEMORY);
        }
        // Of several threads closing one handle at once, only the one that closed it succeeds.
        if (!obj->close()) return fail(make_error(ERROR_INVALID_HANDLE));
        // The handle is closed either way; a failed finish (an upload the server did not confirm)
        // is not passed off as success.
        if (unfinished) return fail(unfinished);
        return succeed();
    });
}

INTERNET_STATUS_CALLBACK WINAPI InternetSetStatusCallback(HINTERNET hInternet,
                                                          INTERNET_STATUS_CALLBACK lpfnInternetCallback) {
    return guarded<INTERNET_STATUS_CALLBACK>(INTERNET_INVALID_STATUS_CALLBACK, [&]() -> INTERNET_STATUS_CALLBACK {
        return set_status_callback(hInternet, lpfnInternetCallback);
    });
}

INTERNET_STATUS_CALLBACK WINAPI InternetSetStatusCallbackA(HINTERNET hInternet,
                                                           INTERNET_STATUS_CALLBACK lpfnInternetCallback) {
    return guarded<INTERNET_STATUS_CALLBACK>(INTERNET_INVALID_STATUS_CALLBACK, [&]() -> INTERNET_STATUS_CALLBACK {
        return set_status_callback(hInternet, lpfnInternetCallback);
    });
}

INTERNET_STATUS_CALLBACK WINAPI InternetSetStatusCallbackW(HINTERNET hInternet,
                                                           INTERNET_STATUS_CALLBACK lpfnInternetCallback) {
    return guarded<INTERNET_STATUS_CALLBACK>(INTERNET_INVALID_STATUS_CALLBACK, [&]() -> INTERNET_STATUS_CALLBACK {
        return set_status_callback(hInternet, lpfnInternetCallback);
    });
}

BOOL WINAPI InternetQueryOptionA(HINTERNET hInternet, DWORD dwOption, LPVOID lpBuffer, LPDWORD lpdwBufferLength) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        return query_option(hInternet, dwOption, lpBuffer, lpdwBufferLength, false);
    });
}

BOOL WINAPI InternetQueryOptionW(HINTERNET hInternet, DWORD dwOption, LPVOID lpBuffer, LPDWORD lpdwBufferLength) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        return query_option(hInternet, dwOption, lpBuffer, lpdwBufferLength, true);
    });
}

BOOL WINAPI InternetSetOptionA(HINTERNET hInternet, DWORD dwOption, LPVOID lpBuffer, DWORD dwBufferLength) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        return set_option(hInternet, dwOption, lpBuffer, dwBufferLength, false);
    });
}

BOOL WINAPI InternetSetOptionW(HINTERNET hInternet, DWORD dwOption, LPVOID lpBuffer, DWORD dwBufferLength) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        return set_option(hInternet, dwOption, lpBuffer, dwBufferLength, true);
    });
}

BOOL WINAPI InternetSetOptionExA(HINTERNET hInternet, DWORD dwOption, LPVOID lpBuffer, DWORD dwBufferLength,
                                 DWORD dwFlags) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        return set_option_ex(hInternet, dwOption, lpBuffer, dwBufferLength, dwFlags, false);
    });
}

BOOL WINAPI InternetSetOptionExW(HINTERNET hInternet, DWORD dwOption, LPVOID lpBuffer, DWORD dwBufferLength,
                                 DWORD dwFlags) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        return set_option_ex(hInternet, dwOption, lpBuffer, dwBufferLength, dwFlags, true);
    });
}

DWORD WINAPI InternetAttemptConnect(DWORD /*dwReserved*/) {
    // Dial-up era call: there is no modem to bring up, the network is used as it is.
    set_last_error(ERROR_SUCCESS);
    return ERROR_SUCCESS;
}

BOOL WINAPI InternetReadFile(HINTERNET hFile, LPVOID lpBuffer, DWORD dwNumberOfBytesToRead,
                             LPDWORD lpdwNumberOfBytesRead) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        if (lpdwNumberOfBytesRead == nullptr) return fail(ERROR_INVALID_PARAMETER);
        *lpdwNumberOfBytesRead = 0;
        std::error_code ec;
        auto obj = core::lookup<Object>(hFile, ec);
        if (!obj) return fail(ec);
        if (lpBuffer == nullptr && dwNumberOfBytesToRead != 0) return fail(ERROR_INVALID_PARAMETER);
        return outcome(obj->read(lpBuffer, dwNumberOfBytesToRead, lpdwNumberOfBytesRead, 0, obj->context()));
    });
}

BOOL WINAPI InternetReadFileExA(HINTERNET hFile, LPINTERNET_BUFFERSA lpBuffersOut, DWORD dwFlags,
                                DWORD_PTR dwContext) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        return read_file_ex(hFile, lpBuffersOut, dwFlags, dwContext);
    });
}

BOOL WINAPI InternetReadFileExW(HINTERNET hFile, LPINTERNET_BUFFERSW lpBuffersOut, DWORD dwFlags,
                                DWORD_PTR dwContext) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        return read_file_ex(hFile, lpBuffersOut, dwFlags, dwContext);
    });
}

BOOL WINAPI InternetWriteFile(HINTERNET hFile, LPCVOID lpBuffer, DWORD dwNumberOfBytesToWrite,
                              LPDWORD lpdwNumberOfBytesWritten) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        if (lpdwNumberOfBytesWritten == nullptr) return fail(ERROR_INVALID_PARAMETER);
        *lpdwNumberOfBytesWritten = 0;
        std::error_code ec;
        auto obj = core::lookup<Object>(hFile, ec);
        if (!obj) return fail(ec);
        if (lpBuffer == nullptr && dwNumberOfBytesToWrite != 0) return fail(ERROR_INVALID_PARAMETER);
        return outcome(obj->write(lpBuffer, dwNumberOfBytesToWrite, lpdwNumberOfBytesWritten));
    });
}

BOOL WINAPI InternetQueryDataAvailable(HINTERNET hFile, LPDWORD lpdwNumberOfBytesAvailable, DWORD dwFlags,
                                       DWORD_PTR dwContext) {
    return guarded<BOOL>(FALSE, [&]() -> BOOL {
        std::error_code ec;
        auto obj = core::lookup<Object>(hFile, ec);
        if (!obj) return fail(ec);
        if (lpdwNumberOfBytesAvailable == nullptr) return fail(ERROR_INVALID_PARAMETER);
        *lpdwNumberOfBytesAvailable = 0;
        return outcome(obj->query_data_available(lpdwNumberOfBytesAvailable, dwFlags,
                                                 dwContext ? dwContext : obj->context()));
    });
}

DWORD WINAPI InternetSetFilePointer(HINTERNET hFile, LONG lDistanceToMove, PLONG lpDistanceToMoveHigh,
                                    DWORD dwMoveMethod, DWORD_PTR dwContext) {
    return guarded<DWORD>(INVALID_SET_FILE_POINTER, [&]() -> DWORD {
        std::error_code ec;
        auto obj = core::lookup<Object>(hFile, ec);
        if (!obj) {
            set_last_error(ec);
            return INVALID_SET_FILE_POINTER;
        }
        if (dwMoveMethod > FILE_END) {
            set_last_error(ERROR_INVALID_PARAMETER);
            return INVALID_SET_FILE_POINTER;
        }
        DWORD position = 0;
        ec = obj->set_file_pointer(lDistanceToMove, lpDistanceToMoveHigh, dwMoveMethod, dwContext, &position);
        if (ec) {
            set_last_error(ec);
            return INVALID_SET_FILE_POINTER;
        }
        set_last_error(ERROR_SUCCESS);
        return position;
    });
}

BOOL WINAPI InternetFindNextFileA(HINTERNET hFind, LPVOID lpvFindData) {
    return guarded<BOOL>(FALSE, [&] { return find_next(hFind, lpvFindData, false); });
}

BOOL WINAPI InternetFindNextFileW(HINTERNET hFind, LPVOID lpvFindData) {
    return guarded<BOOL>(FALSE, [&] { return find_next(hFind, lpvFindData, true); });
}

}  // extern "C"
