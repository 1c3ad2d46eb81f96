// Layout of every WinInet structure the public header exposes, as a WinInet program
// compiled for LP64 expects it (same field order and offsets as 64-bit Windows, except
// that WCHAR is 4 bytes here).  Most checks are compile-time: a wrong layout fails the
// build of the unit tests.
#include <openinet/wininet.h>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace {

#if !defined(__LP64__)
#error "the ABI expectations below are written for the LP64 data model"
#endif

// Base types
static_assert(sizeof(BOOL) == 4);
static_assert(sizeof(BYTE) == 1);
static_assert(sizeof(WORD) == 2);
static_assert(sizeof(DWORD) == 4);
static_assert(sizeof(LONG) == 4);
static_assert(sizeof(DWORD_PTR) == 8);
static_assert(sizeof(ULONG_PTR) == 8);
static_assert(sizeof(DWORDLONG) == 8 && sizeof(ULONGLONG) == 8);
static_assert(sizeof(WCHAR) == 4);
static_assert(sizeof(HINTERNET) == 8);
static_assert(sizeof(INTERNET_PORT) == 2);
static_assert(sizeof(INTERNET_SCHEME) == 4);
static_assert(std::is_unsigned_v<DWORD> && std::is_unsigned_v<WORD> && std::is_signed_v<LONG>);
static_assert(std::is_same_v<TCHAR, char>, "UNICODE is not defined in this translation unit");

static_assert(sizeof(FILETIME) == 8 && alignof(FILETIME) == 4);
static_assert(offsetof(FILETIME, dwLowDateTime) == 0);
static_assert(offsetof(FILETIME, dwHighDateTime) == 4);

static_assert(sizeof(SYSTEMTIME) == 16);
static_assert(offsetof(SYSTEMTIME, wYear) == 0);
static_assert(offsetof(SYSTEMTIME, wMonth) == 2);
static_assert(offsetof(SYSTEMTIME, wDayOfWeek) == 4);
static_assert(offsetof(SYSTEMTIME, wDay) == 6);
static_assert(offsetof(SYSTEMTIME, wHour) == 8);
static_assert(offsetof(SYSTEMTIME, wMinute) == 10);
static_assert(offsetof(SYSTEMTIME, wSecond) == 12);
static_assert(offsetof(SYSTEMTIME, wMilliseconds) == 14);

// WIN32_FIND_DATA
static_assert(MAX_PATH == 260);
static_assert(offsetof(WIN32_FIND_DATAA, dwFileAttributes) == 0);
static_assert(offsetof(WIN32_FIND_DATAA, ftCreationTime) == 4);
static_assert(offsetof(WIN32_FIND_DATAA, ftLastAccessTime) == 12);
static_assert(offsetof(WIN32_FIND_DATAA, ftLastWriteTime) == 20);
static_assert(offsetof(WIN32_FIND_DATAA, nFileSizeHigh) == 28);
static_assert(offsetof(WIN32_FIND_DATAA, nFileSizeLow) == 32);
static_assert(offsetof(WIN32_FIND_DATAA, dwReserved0) == 36);
static_assert(offsetof(WIN32_FIND_DATAA, dwReserved1) == 40);
static_assert(offsetof(WIN32_FIND_DATAA, cFileName) == 44);
static_assert(offsetof(WIN32_FIND_DATAA, cAlternateFileName) == 44 + 260);
static_assert(sizeof(WIN32_FIND_DATAA) == 320);
static_assert(offsetof(WIN32_FIND_DATAW, cFileName) == 44);
static_assert(offsetof(WIN32_FIND_DATAW, cAlternateFileName) == 44 + 260 * 4);
static_assert(sizeof(WIN32_FIND_DATAW) == 44 + 260 * 4 + 14 * 4);
static_assert(std::is_same_v<WIN32_FIND_DATA, WIN32_FIND_DATAA>);

// INTERNET_ASYNC_RESULT: the payload of INTERNET_STATUS_REQUEST_COMPLETE.
static_assert(sizeof(INTERNET_ASYNC_RESULT) == 16);
static_assert(offsetof(INTERNET_ASYNC_RESULT, dwResult) == 0);
static_assert(offsetof(INTERNET_ASYNC_RESULT, dwError) == 8);

// URL_COMPONENTS
template <typename T>
constexpr bool url_components_layout() {
    return offsetof(T, dwStructSize) == 0 && offsetof(T, lpszScheme) == 8 &&
           offsetof(T, dwSchemeLength) == 16 && offsetof(T, nScheme) == 20 &&
           offsetof(T, lpszHostName) == 24 && offsetof(T, dwHostNameLength) == 32 &&
           offsetof(T, nPort) == 36 && offsetof(T, lpszUserName) == 40 &&
           offsetof(T, dwUserNameLength) == 48 && offsetof(T, lpszPassword) == 56 &&
           offsetof(T, dwPasswordLength) == 64 && offsetof(T, lpszUrlPath) == 72 &&
           offsetof(T, dwUrlPathLength) == 80 && offsetof(T, lpszExtraInfo) == 88 &&
           offsetof(T, dwExtraInfoLength) == 96 && sizeof(T) == 104;
}
static_assert(url_components_layout<URL_COMPONENTSA>());
static_assert(url_components_layout<URL_COMPONENTSW>());
static_assert(std::is_same_v<decltype(URL_COMPONENTSA::lpszHostName), LPSTR>);
static_assert(std::is_same_v<decltype(URL_COMPONENTSW::lpszHostName), LPWSTR>);
static_assert(std::is_same_v<URL_COMPONENTS, URL_COMPONENTSA>);

// INTERNET_BUFFERS
template <typename T>
constexpr bool internet_buffers_layout() {
    return offsetof(T, dwStructSize) == 0 && offsetof(T, Next) == 8 &&
           offsetof(T, lpcszHeader) == 16 && offsetof(T, dwHeadersLength) == 24 &&
           offsetof(T, dwHeadersTotal) == 28 && offsetof(T, lpvBuffer) == 32 &&
           offsetof(T, dwBufferLength) == 40 && offsetof(T, dwBufferTotal) == 44 &&
           offsetof(T, dwOffsetLow) == 48 && offsetof(T, dwOffsetHigh) == 52 && sizeof(T) == 56;
}
static_assert(internet_buffers_layout<INTERNET_BUFFERSA>());
static_assert(internet_buffers_layout<INTERNET_BUFFERSW>());
static_assert(std::is_same_v<decltype(INTERNET_BUFFERSA::Next), INTERNET_BUFFERSA*>);
static_assert(std::is_same_v<decltype(INTERNET_BUFFERSW::lpcszHeader), LPCWSTR>);

// Option payloads
template <typename T>
constexpr bool proxy_info_layout() {
    return offsetof(T, dwAccessType) == 0 && offsetof(T, lpszProxy) == 8 &&
           offsetof(T, lpszProxyBypass) == 16 && sizeof(T) == 24;
}
static_assert(proxy_info_layout<INTERNET_PROXY_INFOA>());
static_assert(proxy_info_layout<INTERNET_PROXY_INFOW>());

static_assert(sizeof(INTERNET_VERSION_INFO) == 8);
static_assert(offsetof(INTERNET_VERSION_INFO, dwMinorVersion) == 4);
static_assert(sizeof(HTTP_VERSION_INFO) == 8);
static_assert(offsetof(HTTP_VERSION_INFO, dwMinorVersion) == 4);
static_assert(sizeof(INTERNET_CONNECTED_INFO) == 8);
static_assert(offsetof(INTERNET_CONNECTED_INFO, dwFlags) == 4);

template <typename T>
constexpr bool certificate_info_layout() {
    return offsetof(T, ftExpiry) == 0 && offsetof(T, ftStart) == 8 &&
           offsetof(T, lpszSubjectInfo) == 16 && offsetof(T, lpszIssuerInfo) == 24 &&
           offsetof(T, lpszProtocolName) == 32 && offsetof(T, lpszSignatureAlgName) == 40 &&
           offsetof(T, lpszEncryptionAlgName) == 48 && offsetof(T, dwKeySize) == 56 &&
           sizeof(T) == 64;
}
static_assert(certificate_info_layout<INTERNET_CERTIFICATE_INFOA>());
static_assert(certificate_info_layout<INTERNET_CERTIFICATE_INFOW>());

static_assert(offsetof(INTERNET_DIAGNOSTIC_SOCKET_INFO, Socket) == 0);
static_assert(offsetof(INTERNET_DIAGNOSTIC_SOCKET_INFO, SourcePort) == 8);
static_assert(offsetof(INTERNET_DIAGNOSTIC_SOCKET_INFO, DestPort) == 12);
static_assert(offsetof(INTERNET_DIAGNOSTIC_SOCKET_INFO, Flags) == 16);
static_assert(sizeof(INTERNET_DIAGNOSTIC_SOCKET_INFO) == 24);

static_assert(offsetof(INTERNET_PER_CONN_OPTIONA, Value) == 8);
static_assert(sizeof(INTERNET_PER_CONN_OPTIONA) == 16);
static_assert(sizeof(INTERNET_PER_CONN_OPTIONW) == 16);
static_assert(offsetof(INTERNET_PER_CONN_OPTION_LISTA, pszConnection) == 8);
static_assert(offsetof(INTERNET_PER_CONN_OPTION_LISTA, dwOptionCount) == 16);
static_assert(offsetof(INTERNET_PER_CONN_OPTION_LISTA, dwOptionError) == 20);
static_assert(offsetof(INTERNET_PER_CONN_OPTION_LISTA, pOptions) == 24);
static_assert(sizeof(INTERNET_PER_CONN_OPTION_LISTA) == 32);
static_assert(sizeof(INTERNET_PER_CONN_OPTION_LISTW) == 32);

// The callback type, and the A/W selection of functions without UNICODE.
static_assert(std::is_same_v<INTERNET_STATUS_CALLBACK,
                             void (*)(HINTERNET, DWORD_PTR, DWORD, LPVOID, DWORD)>);
static_assert(std::is_same_v<decltype(&InternetOpen), decltype(&InternetOpenA)>);
static_assert(std::is_same_v<decltype(&HttpQueryInfo), decltype(&HttpQueryInfoA)>);
static_assert(std::is_same_v<decltype(&FtpCommand), decltype(&FtpCommandA)>);

// Constants whose value is derived rather than written out.
static_assert(INTERNET_MAX_URL_LENGTH == 2084);
static_assert(IRF_NO_WAIT == IRF_USE_CONTEXT);
static_assert(HSR_INITIATE == HSR_USE_CONTEXT);
static_assert((HTTP_QUERY_CUSTOM & HTTP_QUERY_HEADER_MASK) == HTTP_QUERY_CUSTOM);
static_assert((HTTP_QUERY_FLAG_NUMBER & HTTP_QUERY_HEADER_MASK) == 0);
static_assert(HTTP_QUERY_MODIFIER_FLAGS_MASK == 0xFC000000u);
static_assert(SECURITY_SET_MASK == 0x3380u);
static_assert(SECURITY_INTERNET_MASK == 0xF000u);
static_assert(INTERNET_FLAG_TRANSFER_BINARY == 2 && INTERNET_FLAG_TRANSFER_ASCII == 1);
static_assert((INTERNET_OPTIONS_MASK & INTERNET_FLAG_ASYNC) == 0);
static_assert(ERROR_INTERNET_OFFLINE == 12163);
static_assert(INTERNET_LAST_OPTION == 105);
static_assert(INVALID_SET_FILE_POINTER == 0xFFFFFFFFu);
static_assert(INTERNET_KEEP_ALIVE_UNKNOWN == 0xFFFFFFFFu);
static_assert(std::is_same_v<std::remove_cvref_t<decltype(HTTP_VERSION[0])>, char>);

TEST(AbiLayout, HttpVersionMacroIsTheMfcDefaultString) {
    EXPECT_EQ(std::string_view(HTTP_VERSION), "HTTP/1.0");
    EXPECT_EQ(std::wstring_view(HTTP_VERSIONW), L"HTTP/1.0");
}

TEST(AbiLayout, InvalidStatusCallbackIsAllOnes) {
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(INTERNET_INVALID_STATUS_CALLBACK),
              ~std::uintptr_t{0});
}

TEST(AbiLayout, StructSizeFieldsCanBeFilledTheWindowsWay) {
    // A WinInet program zero-fills the struct and sets dwStructSize = sizeof; the API
    // checks that value, so sizeof must be the same for every translation unit.
    URL_COMPONENTSA components;
    std::memset(&components, 0, sizeof components);
    components.dwStructSize = sizeof components;
    EXPECT_EQ(components.dwStructSize, 104u);
    INTERNET_BUFFERSW buffers{};
    buffers.dwStructSize = sizeof buffers;
    EXPECT_EQ(buffers.dwStructSize, 56u);
}

TEST(AbiLayout, SchemeNumbersDifferFromWinHttp) {
    EXPECT_EQ(INTERNET_SCHEME_PARTIAL, -2);
    EXPECT_EQ(INTERNET_SCHEME_UNKNOWN, -1);
    EXPECT_EQ(INTERNET_SCHEME_FTP, 1);
    EXPECT_EQ(INTERNET_SCHEME_HTTP, 3);
    EXPECT_EQ(INTERNET_SCHEME_HTTPS, 4);
    EXPECT_EQ(INTERNET_SCHEME_RES, 11);
    EXPECT_EQ(INTERNET_SCHEME_LAST, INTERNET_SCHEME_RES);
}

}  // namespace
