/*
 * openinet/wininet.h — the WinInet client API for Linux.
 *
 * A program written against Microsoft's <wininet.h> compiles against this header with
 * little change: the names, types, structure layouts (for the LP64 data model) and
 * numeric values of constants and error codes are WinInet's.
 *
 * Strings.  Every function taking strings comes in an ...A form (char) and a ...W
 * form (WCHAR); the plain name is a macro choosing one of them by UNICODE, as on
 * Windows.  On Linux WCHAR is wchar_t, which holds UTF-32 code points (4 bytes), not
 * UTF-16.  A strings are UTF-8.  The library converts W strings to UTF-8 once, at the
 * API edge, and converts results back when it copies them into the caller's buffer.
 * Buffer sizes of W functions are counted in WCHARs, except where WinInet counts
 * bytes (HttpQueryInfoW, InternetQueryOptionW, InternetTimeFromSystemTimeW): there
 * the byte count is a multiple of sizeof(WCHAR) == 4.  Strings handed to a status
 * callback are always char (UTF-8), also through the W API, as on Windows.
 *
 * Sizes.  Structures keep WinInet's field order; pointer-sized fields (DWORD_PTR,
 * pointers) are 8 bytes on LP64, DWORD is 4 bytes, so sizeof() differs from 64-bit
 * Windows only where WCHAR arrays are involved (WIN32_FIND_DATAW).
 *
 * Windows base types.  The header defines the handful of <windows.h> types WinInet
 * uses (BOOL, DWORD, LPSTR, FILETIME, SYSTEMTIME, WIN32_FIND_DATA, ...).  A program
 * that brings its own definitions defines OPENINET_NO_WINDOWS_TYPES before including
 * this header; its types must then have the same sizes.
 *
 * Errors.  Functions report failure by returning FALSE (or NULL) and leaving the
 * reason in the calling thread's last error (GetLastError), with WinInet's numbers.
 *
 * The header compiles as C11 and as C++.
 */
#ifndef OPENINET_WININET_H
#define OPENINET_WININET_H

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#ifndef OPENINET_API
#define OPENINET_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------
 * Windows base types
 * ------------------------------------------------------------------------------ */

/* Calling-convention markers of Windows prototypes; Linux has one convention. */
#ifndef WINAPI
#define WINAPI
#endif
#ifndef CALLBACK
#define CALLBACK
#endif

#ifndef OPENINET_NO_WINDOWS_TYPES

typedef int BOOL;
typedef BOOL* PBOOL;
typedef BOOL* LPBOOL;
#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

typedef uint8_t BYTE;
typedef uint16_t WORD;
typedef uint32_t DWORD;
typedef int32_t LONG;
typedef uint32_t ULONG;
typedef int INT;
typedef unsigned int UINT;
typedef int64_t LONGLONG;
typedef uint64_t DWORDLONG;
typedef uint64_t ULONGLONG;
typedef uintptr_t DWORD_PTR;
typedef uintptr_t ULONG_PTR;
typedef intptr_t LONG_PTR;

typedef void* PVOID;
typedef void* LPVOID;
typedef const void* LPCVOID;
typedef BYTE* PBYTE;
typedef BYTE* LPBYTE;
typedef WORD* PWORD;
typedef WORD* LPWORD;
typedef DWORD* PDWORD;
typedef DWORD* LPDWORD;
typedef LONG* PLONG;
typedef LONG* LPLONG;
typedef INT* LPINT;

typedef char CHAR;
typedef wchar_t WCHAR;
typedef CHAR* PSTR;
typedef CHAR* LPSTR;
typedef const CHAR* PCSTR;
typedef const CHAR* LPCSTR;
typedef WCHAR* PWSTR;
typedef WCHAR* LPWSTR;
typedef const WCHAR* PCWSTR;
typedef const WCHAR* LPCWSTR;

#ifdef UNICODE
typedef WCHAR TCHAR;
#ifndef TEXT
#define TEXT(quote) L##quote
#endif
#else
typedef CHAR TCHAR;
#ifndef TEXT
#define TEXT(quote) quote
#endif
#endif
typedef TCHAR* LPTSTR;
typedef const TCHAR* LPCTSTR;

typedef void* HANDLE;

typedef struct _FILETIME {
    DWORD dwLowDateTime;
    DWORD dwHighDateTime;
} FILETIME, *PFILETIME, *LPFILETIME;

typedef struct _SYSTEMTIME {
    WORD wYear;
    WORD wMonth;
    WORD wDayOfWeek;
    WORD wDay;
    WORD wHour;
    WORD wMinute;
    WORD wSecond;
    WORD wMilliseconds;
} SYSTEMTIME, *PSYSTEMTIME, *LPSYSTEMTIME;

#ifndef MAX_PATH
#define MAX_PATH 260
#endif

#define FILE_ATTRIBUTE_READONLY            0x00000001
#define FILE_ATTRIBUTE_HIDDEN              0x00000002
#define FILE_ATTRIBUTE_SYSTEM              0x00000004
#define FILE_ATTRIBUTE_DIRECTORY           0x00000010
#define FILE_ATTRIBUTE_ARCHIVE             0x00000020
#define FILE_ATTRIBUTE_DEVICE              0x00000040
#define FILE_ATTRIBUTE_NORMAL              0x00000080
#define FILE_ATTRIBUTE_TEMPORARY           0x00000100
#define FILE_ATTRIBUTE_SPARSE_FILE         0x00000200
#define FILE_ATTRIBUTE_REPARSE_POINT       0x00000400
#define FILE_ATTRIBUTE_COMPRESSED          0x00000800
#define FILE_ATTRIBUTE_OFFLINE             0x00001000
#define FILE_ATTRIBUTE_NOT_CONTENT_INDEXED 0x00002000
#define FILE_ATTRIBUTE_ENCRYPTED           0x00004000

typedef struct _WIN32_FIND_DATAA {
    DWORD dwFileAttributes;
    FILETIME ftCreationTime;
    FILETIME ftLastAccessTime;
    FILETIME ftLastWriteTime;
    DWORD nFileSizeHigh;
    DWORD nFileSizeLow;
    DWORD dwReserved0;
    DWORD dwReserved1;
    CHAR cFileName[MAX_PATH];
    CHAR cAlternateFileName[14];
} WIN32_FIND_DATAA, *PWIN32_FIND_DATAA, *LPWIN32_FIND_DATAA;

typedef struct _WIN32_FIND_DATAW {
    DWORD dwFileAttributes;
    FILETIME ftCreationTime;
    FILETIME ftLastAccessTime;
    FILETIME ftLastWriteTime;
    DWORD nFileSizeHigh;
    DWORD nFileSizeLow;
    DWORD dwReserved0;
    DWORD dwReserved1;
    WCHAR cFileName[MAX_PATH];
    WCHAR cAlternateFileName[14];
} WIN32_FIND_DATAW, *PWIN32_FIND_DATAW, *LPWIN32_FIND_DATAW;

#ifdef UNICODE
typedef WIN32_FIND_DATAW WIN32_FIND_DATA;
typedef PWIN32_FIND_DATAW PWIN32_FIND_DATA;
typedef LPWIN32_FIND_DATAW LPWIN32_FIND_DATA;
#else
typedef WIN32_FIND_DATAA WIN32_FIND_DATA;
typedef PWIN32_FIND_DATAA PWIN32_FIND_DATA;
typedef LPWIN32_FIND_DATAA LPWIN32_FIND_DATA;
#endif

#define GENERIC_READ  0x80000000
#define GENERIC_WRITE 0x40000000

#define FILE_BEGIN   0
#define FILE_CURRENT 1
#define FILE_END     2
#define INVALID_SET_FILE_POINTER ((DWORD)-1)

#endif /* OPENINET_NO_WINDOWS_TYPES */

/* ---------------------------------------------------------------------------------
 * Win32 error codes WinInet reports (the local-file ones from FtpGetFile / FtpPutFile)
 * ------------------------------------------------------------------------------ */

#ifndef ERROR_SUCCESS
#define ERROR_SUCCESS 0
#endif
#ifndef NO_ERROR
#define NO_ERROR 0
#endif
#ifndef ERROR_FILE_NOT_FOUND
#define ERROR_FILE_NOT_FOUND 2
#endif
#ifndef ERROR_PATH_NOT_FOUND
#define ERROR_PATH_NOT_FOUND 3
#endif
#ifndef ERROR_ACCESS_DENIED
#define ERROR_ACCESS_DENIED 5
#endif
#ifndef ERROR_INVALID_HANDLE
#define ERROR_INVALID_HANDLE 6
#endif
#ifndef ERROR_NOT_ENOUGH_MEMORY
#define ERROR_NOT_ENOUGH_MEMORY 8
#endif
#ifndef ERROR_NO_MORE_FILES
#define ERROR_NO_MORE_FILES 18
#endif
#ifndef ERROR_WRITE_FAULT
#define ERROR_WRITE_FAULT 29
#endif
#ifndef ERROR_HANDLE_EOF
#define ERROR_HANDLE_EOF 38
#endif
#ifndef ERROR_NOT_SUPPORTED
#define ERROR_NOT_SUPPORTED 50
#endif
#ifndef ERROR_FILE_EXISTS
#define ERROR_FILE_EXISTS 80
#endif
#ifndef ERROR_INVALID_PARAMETER
#define ERROR_INVALID_PARAMETER 87
#endif
#ifndef ERROR_DISK_FULL
#define ERROR_DISK_FULL 112
#endif
#ifndef ERROR_CALL_NOT_IMPLEMENTED
#define ERROR_CALL_NOT_IMPLEMENTED 120
#endif
#ifndef ERROR_INSUFFICIENT_BUFFER
#define ERROR_INSUFFICIENT_BUFFER 122
#endif
#ifndef ERROR_NEGATIVE_SEEK
#define ERROR_NEGATIVE_SEEK 131
#endif
#ifndef ERROR_ALREADY_EXISTS
#define ERROR_ALREADY_EXISTS 183
#endif
#ifndef ERROR_NO_MORE_ITEMS
#define ERROR_NO_MORE_ITEMS 259
#endif
#ifndef ERROR_OPERATION_ABORTED
#define ERROR_OPERATION_ABORTED 995
#endif
#ifndef ERROR_IO_PENDING
#define ERROR_IO_PENDING 997
#endif

/* The calling thread's last error (thread-local), as kernel32 keeps it on Windows. */
OPENINET_API DWORD WINAPI GetLastError(void);
OPENINET_API void WINAPI SetLastError(DWORD dwErrCode);

/* ---------------------------------------------------------------------------------
 * WinInet error codes
 * ------------------------------------------------------------------------------ */

#define INTERNET_ERROR_BASE 12000

#define ERROR_INTERNET_OUT_OF_HANDLES                    12001
#define ERROR_INTERNET_TIMEOUT                           12002
#define ERROR_INTERNET_EXTENDED_ERROR                    12003
#define ERROR_INTERNET_INTERNAL_ERROR                    12004
#define ERROR_INTERNET_INVALID_URL                       12005
#define ERROR_INTERNET_UNRECOGNIZED_SCHEME               12006
#define ERROR_INTERNET_NAME_NOT_RESOLVED                 12007
#define ERROR_INTERNET_PROTOCOL_NOT_FOUND                12008
#define ERROR_INTERNET_INVALID_OPTION                    12009
#define ERROR_INTERNET_BAD_OPTION_LENGTH                 12010
#define ERROR_INTERNET_OPTION_NOT_SETTABLE               12011
#define ERROR_INTERNET_SHUTDOWN                          12012
#define ERROR_INTERNET_INCORRECT_USER_NAME               12013
#define ERROR_INTERNET_INCORRECT_PASSWORD                12014
#define ERROR_INTERNET_LOGIN_FAILURE                     12015
#define ERROR_INTERNET_INVALID_OPERATION                 12016
#define ERROR_INTERNET_OPERATION_CANCELLED               12017
#define ERROR_INTERNET_INCORRECT_HANDLE_TYPE             12018
#define ERROR_INTERNET_INCORRECT_HANDLE_STATE            12019
#define ERROR_INTERNET_NOT_PROXY_REQUEST                 12020
#define ERROR_INTERNET_REGISTRY_VALUE_NOT_FOUND          12021
#define ERROR_INTERNET_BAD_REGISTRY_PARAMETER            12022
#define ERROR_INTERNET_NO_DIRECT_ACCESS                  12023
#define ERROR_INTERNET_NO_CONTEXT                        12024
#define ERROR_INTERNET_NO_CALLBACK                       12025
#define ERROR_INTERNET_REQUEST_PENDING                   12026
#define ERROR_INTERNET_INCORRECT_FORMAT                  12027
#define ERROR_INTERNET_ITEM_NOT_FOUND                    12028
#define ERROR_INTERNET_CANNOT_CONNECT                    12029
#define ERROR_INTERNET_CONNECTION_ABORTED                12030
#define ERROR_INTERNET_CONNECTION_RESET                  12031
#define ERROR_INTERNET_FORCE_RETRY                       12032
#define ERROR_INTERNET_INVALID_PROXY_REQUEST             12033
#define ERROR_INTERNET_NEED_UI                           12034
#define ERROR_INTERNET_HANDLE_EXISTS                     12036
#define ERROR_INTERNET_SEC_CERT_DATE_INVALID             12037
#define ERROR_INTERNET_SEC_CERT_CN_INVALID               12038
#define ERROR_INTERNET_HTTP_TO_HTTPS_ON_REDIR            12039
#define ERROR_INTERNET_HTTPS_TO_HTTP_ON_REDIR            12040
#define ERROR_INTERNET_MIXED_SECURITY                    12041
#define ERROR_INTERNET_CHG_POST_IS_NON_SECURE            12042
#define ERROR_INTERNET_POST_IS_NON_SECURE                12043
#define ERROR_INTERNET_CLIENT_AUTH_CERT_NEEDED           12044
#define ERROR_INTERNET_INVALID_CA                        12045
#define ERROR_INTERNET_CLIENT_AUTH_NOT_SETUP             12046
#define ERROR_INTERNET_ASYNC_THREAD_FAILED               12047
#define ERROR_INTERNET_REDIRECT_SCHEME_CHANGE            12048
#define ERROR_INTERNET_DIALOG_PENDING                    12049
#define ERROR_INTERNET_RETRY_DIALOG                      12050
#define ERROR_INTERNET_NO_NEW_CONTAINERS                 12051
#define ERROR_INTERNET_HTTPS_HTTP_SUBMIT_REDIR           12052
#define ERROR_INTERNET_INSERT_CDROM                      12053
#define ERROR_INTERNET_FORTEZZA_LOGIN_NEEDED             12054
#define ERROR_INTERNET_SEC_CERT_ERRORS                   12055
#define ERROR_INTERNET_SEC_CERT_NO_REV                   12056
#define ERROR_INTERNET_SEC_CERT_REV_FAILED               12057
#define ERROR_INTERNET_SOURCE_PORT_IN_USE                12058
#define ERROR_INTERNET_INSECURE_FALLBACK_REQUIRED        12059
#define ERROR_HTTP_HSTS_REDIRECT_REQUIRED                12060
#define ERROR_INTERNET_PROXY_ALERT                       12061
#define ERROR_INTERNET_SEC_CERT_WEAK_SIGNATURE           12062
#define ERROR_INTERNET_NO_CM_CONNECTION                  12080

#define ERROR_FTP_TRANSFER_IN_PROGRESS                   12110
#define ERROR_FTP_DROPPED                                12111
#define ERROR_FTP_NO_PASSIVE_MODE                        12112

#define ERROR_GOPHER_PROTOCOL_ERROR                      12130
#define ERROR_GOPHER_NOT_FILE                            12131
#define ERROR_GOPHER_DATA_ERROR                          12132
#define ERROR_GOPHER_END_OF_DATA                         12133
#define ERROR_GOPHER_INVALID_LOCATOR                     12134
#define ERROR_GOPHER_INCORRECT_LOCATOR_TYPE              12135
#define ERROR_GOPHER_NOT_GOPHER_PLUS                     12136
#define ERROR_GOPHER_ATTRIBUTE_NOT_FOUND                 12137
#define ERROR_GOPHER_UNKNOWN_LOCATOR                     12138

#define ERROR_HTTP_PUSH_STATUS_CODE_NOT_SUPPORTED        12147
#define ERROR_HTTP_PUSH_RETRY_NOT_SUPPORTED              12148
#define ERROR_HTTP_PUSH_ENABLE_FAILED                    12149
#define ERROR_HTTP_HEADER_NOT_FOUND                      12150
#define ERROR_HTTP_DOWNLEVEL_SERVER                      12151
#define ERROR_HTTP_INVALID_SERVER_RESPONSE               12152
#define ERROR_HTTP_INVALID_HEADER                        12153
#define ERROR_HTTP_INVALID_QUERY_REQUEST                 12154
#define ERROR_HTTP_HEADER_ALREADY_EXISTS                 12155
#define ERROR_HTTP_REDIRECT_FAILED                       12156
#define ERROR_INTERNET_SECURITY_CHANNEL_ERROR            12157
#define ERROR_INTERNET_UNABLE_TO_CACHE_FILE              12158
#define ERROR_INTERNET_TCPIP_NOT_INSTALLED               12159
#define ERROR_HTTP_NOT_REDIRECTED                        12160
#define ERROR_HTTP_COOKIE_NEEDS_CONFIRMATION             12161
#define ERROR_HTTP_COOKIE_DECLINED                       12162
#define ERROR_INTERNET_DISCONNECTED                      12163
#define ERROR_INTERNET_OFFLINE                           ERROR_INTERNET_DISCONNECTED
#define ERROR_INTERNET_SERVER_UNREACHABLE                12164
#define ERROR_INTERNET_PROXY_SERVER_UNREACHABLE          12165
#define ERROR_INTERNET_BAD_AUTO_PROXY_SCRIPT             12166
#define ERROR_INTERNET_UNABLE_TO_DOWNLOAD_SCRIPT         12167
#define ERROR_HTTP_REDIRECT_NEEDS_CONFIRMATION           12168
#define ERROR_INTERNET_SEC_INVALID_CERT                  12169
#define ERROR_INTERNET_SEC_CERT_REVOKED                  12170
#define ERROR_INTERNET_FAILED_DUETOSECURITYCHECK         12171
#define ERROR_INTERNET_NOT_INITIALIZED                   12172
#define ERROR_INTERNET_NEED_MSN_SSPI_PKG                 12173
#define ERROR_INTERNET_LOGIN_FAILURE_DISPLAY_ENTITY_BODY 12174
#define ERROR_INTERNET_DECODING_FAILED                   12175
#define ERROR_INTERNET_CLIENT_AUTH_CERT_NEEDED_PROXY     12187
#define ERROR_INTERNET_SECURE_FAILURE_PROXY              12188
#define ERROR_INTERNET_DISALLOW_INPRIVATE                12189

/* INTERNET_OPTION_ERROR_MASK bits. */
#define INTERNET_ERROR_MASK_INSERT_CDROM                    0x1
#define INTERNET_ERROR_MASK_COMBINED_SEC_CERT               0x2
#define INTERNET_ERROR_MASK_NEED_MSN_SSPI_PKG               0x4
#define INTERNET_ERROR_MASK_LOGIN_FAILURE_DISPLAY_ENTITY_BODY 0x8

/* ---------------------------------------------------------------------------------
 * Handles, ports, schemes
 * ------------------------------------------------------------------------------ */

typedef void* HINTERNET;
typedef HINTERNET* LPHINTERNET;

typedef WORD INTERNET_PORT;
typedef INTERNET_PORT* LPINTERNET_PORT;

#define INTERNET_INVALID_PORT_NUMBER 0
#define INTERNET_DEFAULT_FTP_PORT    21
#define INTERNET_DEFAULT_GOPHER_PORT 70
#define INTERNET_DEFAULT_HTTP_PORT   80
#define INTERNET_DEFAULT_HTTPS_PORT  443
#define INTERNET_DEFAULT_SOCKS_PORT  1080

#define INTERNET_MAX_HOST_NAME_LENGTH   256
#define INTERNET_MAX_USER_NAME_LENGTH   128
#define INTERNET_MAX_PASSWORD_LENGTH    128
#define INTERNET_MAX_PORT_NUMBER_LENGTH 5
#define INTERNET_MAX_PORT_NUMBER_VALUE  65535
#define INTERNET_MAX_PATH_LENGTH        2048
#define INTERNET_MAX_SCHEME_LENGTH      32
/* scheme + "://" with its terminator + path: 32 + 4 + 2048 */
#define INTERNET_MAX_URL_LENGTH (INTERNET_MAX_SCHEME_LENGTH + 4 + INTERNET_MAX_PATH_LENGTH)

#define INTERNET_KEEP_ALIVE_UNKNOWN  ((DWORD)-1)
#define INTERNET_KEEP_ALIVE_DISABLED 0
#define INTERNET_KEEP_ALIVE_ENABLED  1

#define INTERNET_REQFLAG_FROM_CACHE          0x00000001
#define INTERNET_REQFLAG_ASYNC               0x00000002
#define INTERNET_REQFLAG_VIA_PROXY           0x00000004
#define INTERNET_REQFLAG_NO_HEADERS          0x00000008
#define INTERNET_REQFLAG_PASSIVE             0x00000010
#define INTERNET_REQFLAG_CACHE_WRITE_DISABLED 0x00000040

#define INTERNET_OPEN_TYPE_PRECONFIG                   0
#define INTERNET_OPEN_TYPE_DIRECT                      1
#define INTERNET_OPEN_TYPE_PROXY                       3
#define INTERNET_OPEN_TYPE_PRECONFIG_WITH_NO_AUTOPROXY 4
#define PRE_CONFIG_INTERNET_ACCESS  INTERNET_OPEN_TYPE_PRECONFIG
#define LOCAL_INTERNET_ACCESS       INTERNET_OPEN_TYPE_DIRECT
#define CERN_PROXY_INTERNET_ACCESS  INTERNET_OPEN_TYPE_PROXY

#define INTERNET_SERVICE_URL    0
#define INTERNET_SERVICE_FTP    1
#define INTERNET_SERVICE_GOPHER 2
#define INTERNET_SERVICE_HTTP   3

typedef enum {
    INTERNET_SCHEME_PARTIAL = -2,
    INTERNET_SCHEME_UNKNOWN = -1,
    INTERNET_SCHEME_DEFAULT = 0,
    INTERNET_SCHEME_FTP = 1,
    INTERNET_SCHEME_GOPHER = 2,
    INTERNET_SCHEME_HTTP = 3,
    INTERNET_SCHEME_HTTPS = 4,
    INTERNET_SCHEME_FILE = 5,
    INTERNET_SCHEME_NEWS = 6,
    INTERNET_SCHEME_MAILTO = 7,
    INTERNET_SCHEME_SOCKS = 8,
    INTERNET_SCHEME_JAVASCRIPT = 9,
    INTERNET_SCHEME_VBSCRIPT = 10,
    INTERNET_SCHEME_RES = 11,
    INTERNET_SCHEME_FIRST = INTERNET_SCHEME_FTP,
    INTERNET_SCHEME_LAST = INTERNET_SCHEME_RES
} INTERNET_SCHEME, *LPINTERNET_SCHEME;

/* INTERNET_OPTION_HANDLE_TYPE values. */
#define INTERNET_HANDLE_TYPE_INTERNET         1
#define INTERNET_HANDLE_TYPE_CONNECT_FTP      2
#define INTERNET_HANDLE_TYPE_CONNECT_GOPHER   3
#define INTERNET_HANDLE_TYPE_CONNECT_HTTP     4
#define INTERNET_HANDLE_TYPE_FTP_FIND         5
#define INTERNET_HANDLE_TYPE_FTP_FIND_HTML    6
#define INTERNET_HANDLE_TYPE_FTP_FILE         7
#define INTERNET_HANDLE_TYPE_FTP_FILE_HTML    8
#define INTERNET_HANDLE_TYPE_GOPHER_FIND      9
#define INTERNET_HANDLE_TYPE_GOPHER_FIND_HTML 10
#define INTERNET_HANDLE_TYPE_GOPHER_FILE      11
#define INTERNET_HANDLE_TYPE_GOPHER_FILE_HTML 12
#define INTERNET_HANDLE_TYPE_HTTP_REQUEST     13
#define INTERNET_HANDLE_TYPE_FILE_REQUEST     14

/* ---------------------------------------------------------------------------------
 * Structures
 * ------------------------------------------------------------------------------ */

/* For each component: pointer NULL and length non-zero asks InternetCrackUrl for a
 * pointer into the input; a non-NULL pointer is a buffer of that many characters;
 * length 0 means "not wanted". */
typedef struct _URL_COMPONENTSA {
    DWORD dwStructSize;
    LPSTR lpszScheme;
    DWORD dwSchemeLength;
    INTERNET_SCHEME nScheme;
    LPSTR lpszHostName;
    DWORD dwHostNameLength;
    INTERNET_PORT nPort;
    LPSTR lpszUserName;
    DWORD dwUserNameLength;
    LPSTR lpszPassword;
    DWORD dwPasswordLength;
    LPSTR lpszUrlPath;
    DWORD dwUrlPathLength;
    LPSTR lpszExtraInfo;
    DWORD dwExtraInfoLength;
} URL_COMPONENTSA, *LPURL_COMPONENTSA;

typedef struct _URL_COMPONENTSW {
    DWORD dwStructSize;
    LPWSTR lpszScheme;
    DWORD dwSchemeLength;
    INTERNET_SCHEME nScheme;
    LPWSTR lpszHostName;
    DWORD dwHostNameLength;
    INTERNET_PORT nPort;
    LPWSTR lpszUserName;
    DWORD dwUserNameLength;
    LPWSTR lpszPassword;
    DWORD dwPasswordLength;
    LPWSTR lpszUrlPath;
    DWORD dwUrlPathLength;
    LPWSTR lpszExtraInfo;
    DWORD dwExtraInfoLength;
} URL_COMPONENTSW, *LPURL_COMPONENTSW;

typedef struct _INTERNET_BUFFERSA {
    DWORD dwStructSize;
    struct _INTERNET_BUFFERSA* Next;
    LPCSTR lpcszHeader;
    DWORD dwHeadersLength;
    DWORD dwHeadersTotal;
    LPVOID lpvBuffer;
    DWORD dwBufferLength;
    DWORD dwBufferTotal;
    DWORD dwOffsetLow;
    DWORD dwOffsetHigh;
} INTERNET_BUFFERSA, *LPINTERNET_BUFFERSA;

typedef struct _INTERNET_BUFFERSW {
    DWORD dwStructSize;
    struct _INTERNET_BUFFERSW* Next;
    LPCWSTR lpcszHeader;
    DWORD dwHeadersLength;
    DWORD dwHeadersTotal;
    LPVOID lpvBuffer;
    DWORD dwBufferLength;
    DWORD dwBufferTotal;
    DWORD dwOffsetLow;
    DWORD dwOffsetHigh;
} INTERNET_BUFFERSW, *LPINTERNET_BUFFERSW;

/* lpvStatusInformation of INTERNET_STATUS_REQUEST_COMPLETE. */
typedef struct {
    DWORD_PTR dwResult;
    DWORD dwError;
} INTERNET_ASYNC_RESULT, *LPINTERNET_ASYNC_RESULT;

/* INTERNET_OPTION_PROXY. */
typedef struct {
    DWORD dwAccessType;
    LPCSTR lpszProxy;
    LPCSTR lpszProxyBypass;
} INTERNET_PROXY_INFOA, *LPINTERNET_PROXY_INFOA;

typedef struct {
    DWORD dwAccessType;
    LPCWSTR lpszProxy;
    LPCWSTR lpszProxyBypass;
} INTERNET_PROXY_INFOW, *LPINTERNET_PROXY_INFOW;

/* INTERNET_OPTION_VERSION. */
typedef struct {
    DWORD dwMajorVersion;
    DWORD dwMinorVersion;
} INTERNET_VERSION_INFO, *LPINTERNET_VERSION_INFO;

/* INTERNET_OPTION_HTTP_VERSION. */
typedef struct {
    DWORD dwMajorVersion;
    DWORD dwMinorVersion;
} HTTP_VERSION_INFO, *LPHTTP_VERSION_INFO;

/* INTERNET_OPTION_CONNECTED_STATE. */
typedef struct {
    DWORD dwConnectedState;
    DWORD dwFlags;
} INTERNET_CONNECTED_INFO, *LPINTERNET_CONNECTED_INFO;

/* INTERNET_OPTION_SECURITY_CERTIFICATE_STRUCT.  In both the A and the W form the
 * strings are char, as on Windows.  The library allocates them with malloc(); the
 * caller releases each with free() (LocalFree on Windows). */
typedef struct {
    FILETIME ftExpiry;
    FILETIME ftStart;
    LPSTR lpszSubjectInfo;
    LPSTR lpszIssuerInfo;
    LPSTR lpszProtocolName;
    LPSTR lpszSignatureAlgName;
    LPSTR lpszEncryptionAlgName;
    DWORD dwKeySize;
} INTERNET_CERTIFICATE_INFOA, *LPINTERNET_CERTIFICATE_INFOA;

typedef struct {
    FILETIME ftExpiry;
    FILETIME ftStart;
    LPWSTR lpszSubjectInfo;
    LPWSTR lpszIssuerInfo;
    LPWSTR lpszProtocolName;
    LPWSTR lpszSignatureAlgName;
    LPWSTR lpszEncryptionAlgName;
    DWORD dwKeySize;
} INTERNET_CERTIFICATE_INFOW, *LPINTERNET_CERTIFICATE_INFOW;

/* INTERNET_OPTION_DIAGNOSTIC_SOCKET_INFO. */
typedef struct {
    DWORD_PTR Socket;
    DWORD SourcePort;
    DWORD DestPort;
    DWORD Flags;
} INTERNET_DIAGNOSTIC_SOCKET_INFO, *LPINTERNET_DIAGNOSTIC_SOCKET_INFO;

/* INTERNET_OPTION_PER_CONNECTION_OPTION. */
typedef struct _INTERNET_PER_CONN_OPTIONA {
    DWORD dwOption;
    union {
        DWORD dwValue;
        LPSTR pszValue;
        FILETIME ftValue;
    } Value;
} INTERNET_PER_CONN_OPTIONA, *LPINTERNET_PER_CONN_OPTIONA;

typedef struct _INTERNET_PER_CONN_OPTIONW {
    DWORD dwOption;
    union {
        DWORD dwValue;
        LPWSTR pszValue;
        FILETIME ftValue;
    } Value;
} INTERNET_PER_CONN_OPTIONW, *LPINTERNET_PER_CONN_OPTIONW;

typedef struct _INTERNET_PER_CONN_OPTION_LISTA {
    DWORD dwSize;
    LPSTR pszConnection;
    DWORD dwOptionCount;
    DWORD dwOptionError;
    LPINTERNET_PER_CONN_OPTIONA pOptions;
} INTERNET_PER_CONN_OPTION_LISTA, *LPINTERNET_PER_CONN_OPTION_LISTA;

typedef struct _INTERNET_PER_CONN_OPTION_LISTW {
    DWORD dwSize;
    LPWSTR pszConnection;
    DWORD dwOptionCount;
    DWORD dwOptionError;
    LPINTERNET_PER_CONN_OPTIONW pOptions;
} INTERNET_PER_CONN_OPTION_LISTW, *LPINTERNET_PER_CONN_OPTION_LISTW;

#define INTERNET_PER_CONN_FLAGS                        1
#define INTERNET_PER_CONN_PROXY_SERVER                 2
#define INTERNET_PER_CONN_PROXY_BYPASS                 3
#define INTERNET_PER_CONN_AUTOCONFIG_URL               4
#define INTERNET_PER_CONN_AUTODISCOVERY_FLAGS          5
#define INTERNET_PER_CONN_AUTOCONFIG_SECONDARY_URL     6
#define INTERNET_PER_CONN_AUTOCONFIG_RELOAD_DELAY_MINS 7
#define INTERNET_PER_CONN_AUTOCONFIG_LAST_DETECT_TIME  8
#define INTERNET_PER_CONN_AUTOCONFIG_LAST_DETECT_URL   9

/* INTERNET_PER_CONN_FLAGS values. */
#define PROXY_TYPE_DIRECT         0x00000001
#define PROXY_TYPE_PROXY          0x00000002
#define PROXY_TYPE_AUTO_PROXY_URL 0x00000004
#define PROXY_TYPE_AUTO_DETECT    0x00000008

#define IDSI_FLAG_KEEP_ALIVE 0x00000001
#define IDSI_FLAG_SECURE     0x00000002
#define IDSI_FLAG_PROXY      0x00000004
#define IDSI_FLAG_TUNNEL     0x00000008

#ifdef UNICODE
typedef URL_COMPONENTSW URL_COMPONENTS;
typedef LPURL_COMPONENTSW LPURL_COMPONENTS;
typedef INTERNET_BUFFERSW INTERNET_BUFFERS;
typedef LPINTERNET_BUFFERSW LPINTERNET_BUFFERS;
typedef INTERNET_PROXY_INFOW INTERNET_PROXY_INFO;
typedef LPINTERNET_PROXY_INFOW LPINTERNET_PROXY_INFO;
typedef INTERNET_CERTIFICATE_INFOW INTERNET_CERTIFICATE_INFO;
typedef LPINTERNET_CERTIFICATE_INFOW LPINTERNET_CERTIFICATE_INFO;
typedef INTERNET_PER_CONN_OPTIONW INTERNET_PER_CONN_OPTION;
typedef LPINTERNET_PER_CONN_OPTIONW LPINTERNET_PER_CONN_OPTION;
typedef INTERNET_PER_CONN_OPTION_LISTW INTERNET_PER_CONN_OPTION_LIST;
typedef LPINTERNET_PER_CONN_OPTION_LISTW LPINTERNET_PER_CONN_OPTION_LIST;
#else
typedef URL_COMPONENTSA URL_COMPONENTS;
typedef LPURL_COMPONENTSA LPURL_COMPONENTS;
typedef INTERNET_BUFFERSA INTERNET_BUFFERS;
typedef LPINTERNET_BUFFERSA LPINTERNET_BUFFERS;
typedef INTERNET_PROXY_INFOA INTERNET_PROXY_INFO;
typedef LPINTERNET_PROXY_INFOA LPINTERNET_PROXY_INFO;
typedef INTERNET_CERTIFICATE_INFOA INTERNET_CERTIFICATE_INFO;
typedef LPINTERNET_CERTIFICATE_INFOA LPINTERNET_CERTIFICATE_INFO;
typedef INTERNET_PER_CONN_OPTIONA INTERNET_PER_CONN_OPTION;
typedef LPINTERNET_PER_CONN_OPTIONA LPINTERNET_PER_CONN_OPTION;
typedef INTERNET_PER_CONN_OPTION_LISTA INTERNET_PER_CONN_OPTION_LIST;
typedef LPINTERNET_PER_CONN_OPTION_LISTA LPINTERNET_PER_CONN_OPTION_LIST;
#endif

/* ---------------------------------------------------------------------------------
 * Status callback
 * ------------------------------------------------------------------------------ */

typedef void(CALLBACK* INTERNET_STATUS_CALLBACK)(HINTERNET hInternet, DWORD_PTR dwContext,
                                                 DWORD dwInternetStatus,
                                                 LPVOID lpvStatusInformation,
                                                 DWORD dwStatusInformationLength);
typedef INTERNET_STATUS_CALLBACK* LPINTERNET_STATUS_CALLBACK;

#define INTERNET_NO_CALLBACK 0
#define INTERNET_INVALID_STATUS_CALLBACK ((INTERNET_STATUS_CALLBACK)(intptr_t)-1)

#define INTERNET_STATUS_RESOLVING_NAME        10
#define INTERNET_STATUS_NAME_RESOLVED         11
#define INTERNET_STATUS_CONNECTING_TO_SERVER  20
#define INTERNET_STATUS_CONNECTED_TO_SERVER   21
#define INTERNET_STATUS_SENDING_REQUEST       30
#define INTERNET_STATUS_REQUEST_SENT          31
#define INTERNET_STATUS_RECEIVING_RESPONSE    40
#define INTERNET_STATUS_RESPONSE_RECEIVED     41
#define INTERNET_STATUS_CTL_RESPONSE_RECEIVED 42
#define INTERNET_STATUS_PREFETCH              43
#define INTERNET_STATUS_CLOSING_CONNECTION    50
#define INTERNET_STATUS_CONNECTION_CLOSED     51
#define INTERNET_STATUS_HANDLE_CREATED        60
#define INTERNET_STATUS_HANDLE_CLOSING        70
#define INTERNET_STATUS_DETECTING_PROXY       80
#define INTERNET_STATUS_REQUEST_COMPLETE      100
#define INTERNET_STATUS_REDIRECT              110
#define INTERNET_STATUS_INTERMEDIATE_RESPONSE 120
#define INTERNET_STATUS_USER_INPUT_REQUIRED   140
#define INTERNET_STATUS_STATE_CHANGE          200
#define INTERNET_STATUS_COOKIE_SENT           320
#define INTERNET_STATUS_COOKIE_RECEIVED       321
#define INTERNET_STATUS_PRIVACY_IMPACTED      324
#define INTERNET_STATUS_P3P_HEADER            325
#define INTERNET_STATUS_P3P_POLICYREF         326
#define INTERNET_STATUS_COOKIE_HISTORY        327

#define INTERNET_STATE_CONNECTED            0x00000001
#define INTERNET_STATE_DISCONNECTED         0x00000002
#define INTERNET_STATE_DISCONNECTED_BY_USER 0x00000010
#define INTERNET_STATE_IDLE                 0x00000100
#define INTERNET_STATE_BUSY                 0x00000200

/* ---------------------------------------------------------------------------------
 * Flags
 * ------------------------------------------------------------------------------ */

#define INTERNET_FLAG_RELOAD                   0x80000000
#define INTERNET_FLAG_RAW_DATA                 0x40000000
#define INTERNET_FLAG_EXISTING_CONNECT         0x20000000
#define INTERNET_FLAG_ASYNC                    0x10000000
#define INTERNET_FLAG_PASSIVE                  0x08000000
#define INTERNET_FLAG_NO_CACHE_WRITE           0x04000000
#define INTERNET_FLAG_DONT_CACHE               INTERNET_FLAG_NO_CACHE_WRITE
#define INTERNET_FLAG_MAKE_PERSISTENT          0x02000000
#define INTERNET_FLAG_FROM_CACHE               0x01000000
#define INTERNET_FLAG_OFFLINE                  INTERNET_FLAG_FROM_CACHE
#define INTERNET_FLAG_SECURE                   0x00800000
#define INTERNET_FLAG_KEEP_CONNECTION          0x00400000
#define INTERNET_FLAG_NO_AUTO_REDIRECT         0x00200000
#define INTERNET_FLAG_READ_PREFETCH            0x00100000
#define INTERNET_FLAG_NO_COOKIES               0x00080000
#define INTERNET_FLAG_NO_AUTH                  0x00040000
#define INTERNET_FLAG_RESTRICTED_ZONE          0x00020000
#define INTERNET_FLAG_CACHE_IF_NET_FAIL        0x00010000
#define INTERNET_FLAG_IGNORE_REDIRECT_TO_HTTP  0x00008000
#define INTERNET_FLAG_IGNORE_REDIRECT_TO_HTTPS 0x00004000
#define INTERNET_FLAG_IGNORE_CERT_DATE_INVALID 0x00002000
#define INTERNET_FLAG_IGNORE_CERT_CN_INVALID   0x00001000
#define INTERNET_FLAG_RESYNCHRONIZE            0x00000800
#define INTERNET_FLAG_HYPERLINK                0x00000400
#define INTERNET_FLAG_NO_UI                    0x00000200
#define INTERNET_FLAG_PRAGMA_NOCACHE           0x00000100
#define INTERNET_FLAG_CACHE_ASYNC              0x00000080
#define INTERNET_FLAG_FORMS_SUBMIT             0x00000040
#define INTERNET_FLAG_FWD_BACK                 0x00000020
#define INTERNET_FLAG_NEED_FILE                0x00000010
#define INTERNET_FLAG_MUST_CACHE_REQUEST       INTERNET_FLAG_NEED_FILE
#define INTERNET_FLAG_TRANSFER_ASCII           FTP_TRANSFER_TYPE_ASCII
#define INTERNET_FLAG_TRANSFER_BINARY          FTP_TRANSFER_TYPE_BINARY

#define SECURITY_INTERNET_MASK (INTERNET_FLAG_IGNORE_CERT_CN_INVALID | \
                                INTERNET_FLAG_IGNORE_CERT_DATE_INVALID | \
                                INTERNET_FLAG_IGNORE_REDIRECT_TO_HTTPS | \
                                INTERNET_FLAG_IGNORE_REDIRECT_TO_HTTP)

/* Every INTERNET_FLAG_* bit a handle-creating function accepts; INTERNET_OPTIONS_MASK
 * is the rest. */
#define INTERNET_FLAGS_MASK (INTERNET_FLAG_RELOAD | INTERNET_FLAG_RAW_DATA | \
                             INTERNET_FLAG_EXISTING_CONNECT | INTERNET_FLAG_ASYNC | \
                             INTERNET_FLAG_PASSIVE | INTERNET_FLAG_NO_CACHE_WRITE | \
                             INTERNET_FLAG_MAKE_PERSISTENT | INTERNET_FLAG_FROM_CACHE | \
                             INTERNET_FLAG_SECURE | INTERNET_FLAG_KEEP_CONNECTION | \
                             INTERNET_FLAG_NO_AUTO_REDIRECT | INTERNET_FLAG_READ_PREFETCH | \
                             INTERNET_FLAG_NO_COOKIES | INTERNET_FLAG_NO_AUTH | \
                             INTERNET_FLAG_CACHE_IF_NET_FAIL | SECURITY_INTERNET_MASK | \
                             INTERNET_FLAG_RESYNCHRONIZE | INTERNET_FLAG_HYPERLINK | \
                             INTERNET_FLAG_NO_UI | INTERNET_FLAG_PRAGMA_NOCACHE | \
                             INTERNET_FLAG_CACHE_ASYNC | INTERNET_FLAG_FORMS_SUBMIT | \
                             INTERNET_FLAG_NEED_FILE | INTERNET_FLAG_TRANSFER_BINARY | \
                             INTERNET_FLAG_TRANSFER_ASCII)
#define INTERNET_OPTIONS_MASK (~INTERNET_FLAGS_MASK)

#define FTP_TRANSFER_TYPE_UNKNOWN 0x00000000
#define FTP_TRANSFER_TYPE_ASCII   0x00000001
#define FTP_TRANSFER_TYPE_BINARY  0x00000002
#define FTP_TRANSFER_TYPE_MASK    (FTP_TRANSFER_TYPE_ASCII | FTP_TRANSFER_TYPE_BINARY)

/* INTERNET_OPTION_SECURITY_FLAGS. */
#define SECURITY_FLAG_SECURE                   0x00000001
#define SECURITY_FLAG_SSL                      0x00000002
#define SECURITY_FLAG_SSL3                     0x00000004
#define SECURITY_FLAG_PCT                      0x00000008
#define SECURITY_FLAG_PCT4                     0x00000010
#define SECURITY_FLAG_IETFSSL4                 0x00000020
#define SECURITY_FLAG_IGNORE_REVOCATION        0x00000080
#define SECURITY_FLAG_IGNORE_UNKNOWN_CA        0x00000100
#define SECURITY_FLAG_IGNORE_WRONG_USAGE       0x00000200
#define SECURITY_FLAG_IGNORE_CERT_CN_INVALID   INTERNET_FLAG_IGNORE_CERT_CN_INVALID
#define SECURITY_FLAG_IGNORE_CERT_DATE_INVALID INTERNET_FLAG_IGNORE_CERT_DATE_INVALID
#define SECURITY_FLAG_IGNORE_REDIRECT_TO_HTTPS INTERNET_FLAG_IGNORE_REDIRECT_TO_HTTPS
#define SECURITY_FLAG_IGNORE_REDIRECT_TO_HTTP  INTERNET_FLAG_IGNORE_REDIRECT_TO_HTTP
/* Reported (not settable) after a certificate failure, as Windows does. */
#define SECURITY_FLAG_CERT_REV_FAILED          0x00800000
#define SECURITY_FLAG_CERT_INVALID_CA          0x01000000
#define SECURITY_FLAG_CERT_INVALID_CN          0x02000000
#define SECURITY_FLAG_CERT_INVALID_DATE        0x04000000
#define SECURITY_FLAG_STRENGTH_WEAK            0x10000000
#define SECURITY_FLAG_STRENGTH_STRONG          0x20000000
#define SECURITY_FLAG_STRENGTH_MEDIUM          0x40000000
#define SECURITY_FLAG_UNKNOWNBIT               0x80000000
#define SECURITY_FLAG_NORMALBITNESS            SECURITY_FLAG_STRENGTH_WEAK
#define SECURITY_FLAG_40BIT                    SECURITY_FLAG_STRENGTH_WEAK
#define SECURITY_FLAG_128BIT                   SECURITY_FLAG_STRENGTH_STRONG
#define SECURITY_FLAG_56BIT                    SECURITY_FLAG_STRENGTH_MEDIUM
#define SECURITY_SET_MASK (SECURITY_FLAG_IGNORE_REVOCATION | \
                           SECURITY_FLAG_IGNORE_UNKNOWN_CA | \
                           SECURITY_FLAG_IGNORE_CERT_CN_INVALID | \
                           SECURITY_FLAG_IGNORE_CERT_DATE_INVALID | \
                           SECURITY_FLAG_IGNORE_WRONG_USAGE)

/* dwFlags of the ...Ex functions. */
#define WININET_API_FLAG_ASYNC       0x00000001
#define WININET_API_FLAG_SYNC        0x00000004
#define WININET_API_FLAG_USE_CONTEXT 0x00000008

/* InternetReadFileEx.  IRF_NO_WAIT and IRF_USE_CONTEXT are the same bit; WinInet
 * treats it as NO_WAIT there. */
#define IRF_ASYNC       WININET_API_FLAG_ASYNC
#define IRF_SYNC        WININET_API_FLAG_SYNC
#define IRF_USE_CONTEXT WININET_API_FLAG_USE_CONTEXT
#define IRF_NO_WAIT     0x00000008

/* HttpSendRequestEx / HttpEndRequest. */
#define HSR_ASYNC       WININET_API_FLAG_ASYNC
#define HSR_SYNC        WININET_API_FLAG_SYNC
#define HSR_USE_CONTEXT WININET_API_FLAG_USE_CONTEXT
#define HSR_INITIATE    0x00000008
#define HSR_DOWNLOAD    0x00000010
#define HSR_CHUNKED     0x00000020

/* InternetSetOptionEx. */
#define ISO_GLOBAL             0x00000001
#define ISO_REGISTRY           0x00000002
#define ISO_VALID_FLAGS        (ISO_GLOBAL | ISO_REGISTRY)
#define ISO_FORCE_DISCONNECTED 0x00000001

/* InternetCrackUrl / InternetCreateUrl / InternetCanonicalizeUrl / InternetCombineUrl. */
#define ICU_ESCAPE             0x80000000
#define ICU_USERNAME           0x40000000
#define ICU_NO_ENCODE          0x20000000
#define ICU_DECODE             0x10000000
#define ICU_NO_META            0x08000000
#define ICU_ENCODE_SPACES_ONLY 0x04000000
#define ICU_BROWSER_MODE       0x02000000
#define ICU_ESCAPE_AUTHORITY   0x00002000
#define ICU_ENCODE_PERCENT     0x00001000

/* InternetCheckConnection. */
#define FLAG_ICC_FORCE_CONNECTION 0x00000001

/* InternetGetConnectedState. */
#define INTERNET_CONNECTION_MODEM         0x01
#define INTERNET_CONNECTION_LAN           0x02
#define INTERNET_CONNECTION_PROXY         0x04
#define INTERNET_CONNECTION_MODEM_BUSY    0x08
#define INTERNET_RAS_INSTALLED            0x10
#define INTERNET_CONNECTION_OFFLINE       0x20
#define INTERNET_CONNECTION_CONFIGURED    0x40

/* InternetErrorDlg. */
#define FLAGS_ERROR_UI_FILTER_FOR_ERRORS  0x01
#define FLAGS_ERROR_UI_FLAGS_CHANGE_OPTIONS 0x02
#define FLAGS_ERROR_UI_FLAGS_GENERATE_DATA  0x04
#define FLAGS_ERROR_UI_FLAGS_NO_UI          0x08
#define FLAGS_ERROR_UI_SERIALIZE_DIALOGS    0x10

/* Cookies. */
#define INTERNET_COOKIE_IS_SECURE   0x00000001
#define INTERNET_COOKIE_IS_SESSION  0x00000002
#define INTERNET_COOKIE_THIRD_PARTY 0x00000010
#define INTERNET_COOKIE_PROMPT_REQUIRED 0x00000020
#define INTERNET_COOKIE_EVALUATE_P3P 0x00000040
#define INTERNET_COOKIE_APPLY_P3P   0x00000080
#define INTERNET_COOKIE_P3P_ENABLED 0x00000100
#define INTERNET_COOKIE_IS_RESTRICTED 0x00000200
#define INTERNET_COOKIE_IE6         0x00000400
#define INTERNET_COOKIE_IS_LEGACY   0x00000800
#define INTERNET_COOKIE_NON_SCRIPT  0x00001000
#define INTERNET_COOKIE_HTTPONLY    0x00002000
#define INTERNET_COOKIE_HOST_ONLY   0x00004000

typedef enum {
    COOKIE_STATE_UNKNOWN = 0,
    COOKIE_STATE_ACCEPT = 1,
    COOKIE_STATE_PROMPT = 2,
    COOKIE_STATE_LEASH = 3,
    COOKIE_STATE_DOWNGRADE = 4,
    COOKIE_STATE_REJECT = 5,
    COOKIE_STATE_MAX = COOKIE_STATE_REJECT
} InternetCookieState;

/* InternetTimeFromSystemTime. */
#define INTERNET_RFC1123_FORMAT  0
#define INTERNET_RFC1123_BUFSIZE 30

#define INTERNET_PRIORITY_FOREGROUND 1000

/* ---------------------------------------------------------------------------------
 * Options (InternetQueryOption / InternetSetOption)
 * ------------------------------------------------------------------------------ */

#define INTERNET_OPTION_CALLBACK                    1
#define INTERNET_OPTION_CONNECT_TIMEOUT             2
#define INTERNET_OPTION_CONNECT_RETRIES             3
#define INTERNET_OPTION_CONNECT_BACKOFF             4
#define INTERNET_OPTION_SEND_TIMEOUT                5
#define INTERNET_OPTION_CONTROL_SEND_TIMEOUT        INTERNET_OPTION_SEND_TIMEOUT
#define INTERNET_OPTION_RECEIVE_TIMEOUT             6
#define INTERNET_OPTION_CONTROL_RECEIVE_TIMEOUT     INTERNET_OPTION_RECEIVE_TIMEOUT
#define INTERNET_OPTION_DATA_SEND_TIMEOUT           7
#define INTERNET_OPTION_DATA_RECEIVE_TIMEOUT        8
#define INTERNET_OPTION_HANDLE_TYPE                 9
#define INTERNET_OPTION_LISTEN_TIMEOUT              11
#define INTERNET_OPTION_READ_BUFFER_SIZE            12
#define INTERNET_OPTION_WRITE_BUFFER_SIZE           13
#define INTERNET_OPTION_ASYNC_ID                    15
#define INTERNET_OPTION_ASYNC_PRIORITY              16
#define INTERNET_OPTION_PARENT_HANDLE               21
#define INTERNET_OPTION_KEEP_CONNECTION             22
#define INTERNET_OPTION_REQUEST_FLAGS               23
#define INTERNET_OPTION_EXTENDED_ERROR              24
#define INTERNET_OPTION_OFFLINE_MODE                26
#define INTERNET_OPTION_CACHE_STREAM_HANDLE         27
#define INTERNET_OPTION_USERNAME                    28
#define INTERNET_OPTION_PASSWORD                    29
#define INTERNET_OPTION_ASYNC                       30
#define INTERNET_OPTION_SECURITY_FLAGS              31
#define INTERNET_OPTION_SECURITY_CERTIFICATE_STRUCT 32
#define INTERNET_OPTION_DATAFILE_NAME               33
#define INTERNET_OPTION_URL                         34
#define INTERNET_OPTION_SECURITY_CERTIFICATE        35
#define INTERNET_OPTION_SECURITY_KEY_BITNESS        36
#define INTERNET_OPTION_REFRESH                     37
#define INTERNET_OPTION_PROXY                       38
#define INTERNET_OPTION_SETTINGS_CHANGED            39
#define INTERNET_OPTION_VERSION                     40
#define INTERNET_OPTION_USER_AGENT                  41
#define INTERNET_OPTION_END_BROWSER_SESSION         42
#define INTERNET_OPTION_PROXY_USERNAME              43
#define INTERNET_OPTION_PROXY_PASSWORD              44
#define INTERNET_OPTION_CONTEXT_VALUE               45
#define INTERNET_OPTION_CONNECT_LIMIT               46
#define INTERNET_OPTION_SECURITY_SELECT_CLIENT_CERT 47
#define INTERNET_OPTION_POLICY                      48
#define INTERNET_OPTION_DISCONNECTED_TIMEOUT        49
#define INTERNET_OPTION_CONNECTED_STATE             50
#define INTERNET_OPTION_IDLE_STATE                  51
#define INTERNET_OPTION_OFFLINE_SEMANTICS           52
#define INTERNET_OPTION_SECONDARY_CACHE_KEY         53
#define INTERNET_OPTION_CALLBACK_FILTER             54
#define INTERNET_OPTION_CONNECT_TIME                55
#define INTERNET_OPTION_SEND_THROUGHPUT             56
#define INTERNET_OPTION_RECEIVE_THROUGHPUT          57
#define INTERNET_OPTION_REQUEST_PRIORITY            58
#define INTERNET_OPTION_HTTP_VERSION                59
#define INTERNET_OPTION_RESET_URLCACHE_SESSION      60
#define INTERNET_OPTION_ERROR_MASK                  62
#define INTERNET_OPTION_FROM_CACHE_TIMEOUT          63
#define INTERNET_OPTION_BYPASS_EDITED_ENTRY         64
#define INTERNET_OPTION_HTTP_DECODING               65
#define INTERNET_OPTION_DIAGNOSTIC_SOCKET_INFO      67
#define INTERNET_OPTION_CODEPAGE                    68
#define INTERNET_OPTION_CACHE_TIMESTAMPS            69
#define INTERNET_OPTION_DISABLE_AUTODIAL            70
#define INTERNET_OPTION_MAX_CONNS_PER_SERVER        73
#define INTERNET_OPTION_MAX_CONNS_PER_1_0_SERVER    74
#define INTERNET_OPTION_PER_CONNECTION_OPTION       75
#define INTERNET_OPTION_DIGEST_AUTH_UNLOAD          76
#define INTERNET_OPTION_IGNORE_OFFLINE              77
#define INTERNET_OPTION_IDENTITY                    78
#define INTERNET_OPTION_REMOVE_IDENTITY             79
#define INTERNET_OPTION_ALTER_IDENTITY              80
#define INTERNET_OPTION_SUPPRESS_BEHAVIOR           81
#define INTERNET_OPTION_AUTODIAL_MODE               82
#define INTERNET_OPTION_AUTODIAL_CONNECTION         83
#define INTERNET_OPTION_CLIENT_CERT_CONTEXT         84
#define INTERNET_OPTION_AUTH_FLAGS                  85
#define INTERNET_OPTION_COOKIES_3RD_PARTY           86
#define INTERNET_OPTION_DISABLE_PASSPORT_AUTH       87
#define INTERNET_OPTION_SEND_UTF8_SERVERNAME_TO_PROXY 88
#define INTERNET_OPTION_EXEMPT_CONNECTION_LIMIT     89
#define INTERNET_OPTION_ENABLE_PASSPORT_AUTH        90
#define INTERNET_OPTION_HIBERNATE_INACTIVE_WORKER_THREADS 91
#define INTERNET_OPTION_ACTIVATE_WORKER_THREADS     92
#define INTERNET_OPTION_RESTORE_WORKER_THREAD_DEFAULTS 93
#define INTERNET_OPTION_SOCKET_SEND_BUFFER_LENGTH   94
#define INTERNET_OPTION_PROXY_SETTINGS_CHANGED      95
#define INTERNET_OPTION_DATAFILE_EXT                96
/* 98 and 99 have no published names; Windows answers them like
 * INTERNET_OPTION_SECURITY_FLAGS.  These names are OpenInet's. */
#define INTERNET_OPTION_CERT_ERROR_FLAGS            98
#define INTERNET_OPTION_IGNORE_CERT_ERROR_FLAGS     99
#define INTERNET_OPTION_CODEPAGE_PATH               100
#define INTERNET_OPTION_CODEPAGE_EXTRA              101
#define INTERNET_OPTION_IDN                         102
#define INTERNET_OPTION_MAX_CONNS_PER_PROXY         103
#define INTERNET_OPTION_SUPPRESS_SERVER_AUTH        104
#define INTERNET_OPTION_SERVER_CERT_CHAIN_CONTEXT   105
#define INTERNET_FIRST_OPTION INTERNET_OPTION_CALLBACK
#define INTERNET_LAST_OPTION  INTERNET_OPTION_SERVER_CERT_CHAIN_CONTEXT

/* ---------------------------------------------------------------------------------
 * HTTP
 * ------------------------------------------------------------------------------ */

/* Default version string used by MFC; HttpOpenRequest itself defaults to HTTP/1.1. */
#define HTTP_VERSIONA "HTTP/1.0"
#define HTTP_VERSIONW L"HTTP/1.0"
#ifdef UNICODE
#define HTTP_VERSION HTTP_VERSIONW
#else
#define HTTP_VERSION HTTP_VERSIONA
#endif

#define HTTP_QUERY_MIME_VERSION              0
#define HTTP_QUERY_CONTENT_TYPE              1
#define HTTP_QUERY_CONTENT_TRANSFER_ENCODING 2
#define HTTP_QUERY_CONTENT_ID                3
#define HTTP_QUERY_CONTENT_DESCRIPTION       4
#define HTTP_QUERY_CONTENT_LENGTH            5
#define HTTP_QUERY_CONTENT_LANGUAGE          6
#define HTTP_QUERY_ALLOW                     7
#define HTTP_QUERY_PUBLIC                    8
#define HTTP_QUERY_DATE                      9
#define HTTP_QUERY_EXPIRES                   10
#define HTTP_QUERY_LAST_MODIFIED             11
#define HTTP_QUERY_MESSAGE_ID                12
#define HTTP_QUERY_URI                       13
#define HTTP_QUERY_DERIVED_FROM              14
#define HTTP_QUERY_COST                      15
#define HTTP_QUERY_LINK                      16
#define HTTP_QUERY_PRAGMA                    17
#define HTTP_QUERY_VERSION                   18
#define HTTP_QUERY_STATUS_CODE               19
#define HTTP_QUERY_STATUS_TEXT               20
#define HTTP_QUERY_RAW_HEADERS               21
#define HTTP_QUERY_RAW_HEADERS_CRLF          22
#define HTTP_QUERY_CONNECTION                23
#define HTTP_QUERY_ACCEPT                    24
#define HTTP_QUERY_ACCEPT_CHARSET            25
#define HTTP_QUERY_ACCEPT_ENCODING           26
#define HTTP_QUERY_ACCEPT_LANGUAGE           27
#define HTTP_QUERY_AUTHORIZATION             28
#define HTTP_QUERY_CONTENT_ENCODING          29
#define HTTP_QUERY_FORWARDED                 30
#define HTTP_QUERY_FROM                      31
#define HTTP_QUERY_IF_MODIFIED_SINCE         32
#define HTTP_QUERY_LOCATION                  33
#define HTTP_QUERY_ORIG_URI                  34
#define HTTP_QUERY_REFERER                   35
#define HTTP_QUERY_RETRY_AFTER               36
#define HTTP_QUERY_SERVER                    37
#define HTTP_QUERY_TITLE                     38
#define HTTP_QUERY_USER_AGENT                39
#define HTTP_QUERY_WWW_AUTHENTICATE          40
#define HTTP_QUERY_PROXY_AUTHENTICATE        41
#define HTTP_QUERY_ACCEPT_RANGES             42
#define HTTP_QUERY_SET_COOKIE                43
#define HTTP_QUERY_COOKIE                    44
#define HTTP_QUERY_REQUEST_METHOD            45
#define HTTP_QUERY_REFRESH                   46
#define HTTP_QUERY_CONTENT_DISPOSITION       47
#define HTTP_QUERY_AGE                       48
#define HTTP_QUERY_CACHE_CONTROL             49
#define HTTP_QUERY_CONTENT_BASE              50
#define HTTP_QUERY_CONTENT_LOCATION          51
#define HTTP_QUERY_CONTENT_MD5               52
#define HTTP_QUERY_CONTENT_RANGE             53
#define HTTP_QUERY_ETAG                      54
#define HTTP_QUERY_HOST                      55
#define HTTP_QUERY_IF_MATCH                  56
#define HTTP_QUERY_IF_NONE_MATCH             57
#define HTTP_QUERY_IF_RANGE                  58
#define HTTP_QUERY_IF_UNMODIFIED_SINCE       59
#define HTTP_QUERY_MAX_FORWARDS              60
#define HTTP_QUERY_PROXY_AUTHORIZATION       61
#define HTTP_QUERY_RANGE                     62
#define HTTP_QUERY_TRANSFER_ENCODING         63
#define HTTP_QUERY_UPGRADE                   64
#define HTTP_QUERY_VARY                      65
#define HTTP_QUERY_VIA                       66
#define HTTP_QUERY_WARNING                   67
#define HTTP_QUERY_EXPECT                    68
#define HTTP_QUERY_PROXY_CONNECTION          69
#define HTTP_QUERY_UNLESS_MODIFIED_SINCE     70
#define HTTP_QUERY_ECHO_REQUEST              71
#define HTTP_QUERY_ECHO_REPLY                72
#define HTTP_QUERY_ECHO_HEADERS              73
#define HTTP_QUERY_ECHO_HEADERS_CRLF         74
#define HTTP_QUERY_PROXY_SUPPORT             75
#define HTTP_QUERY_AUTHENTICATION_INFO       76
#define HTTP_QUERY_PASSPORT_URLS             77
#define HTTP_QUERY_PASSPORT_CONFIG           78
#define HTTP_QUERY_X_CONTENT_TYPE_OPTIONS    79
#define HTTP_QUERY_P3P                       80
#define HTTP_QUERY_X_P2P_PEERDIST            81
#define HTTP_QUERY_TRANSLATE                 82
#define HTTP_QUERY_X_UA_COMPATIBLE           83
#define HTTP_QUERY_DEFAULT_STYLE             84
#define HTTP_QUERY_X_FRAME_OPTIONS           85
#define HTTP_QUERY_X_XSS_PROTECTION          86
#define HTTP_QUERY_SET_COOKIE2               87
#define HTTP_QUERY_DO_NOT_TRACK              88
#define HTTP_QUERY_KEEP_ALIVE                89
#define HTTP_QUERY_HTTP2_SETTINGS            90
#define HTTP_QUERY_STRICT_TRANSPORT_SECURITY 91
#define HTTP_QUERY_TOKEN_BINDING             92
#define HTTP_QUERY_INCLUDE_REFERRED_TOKEN_BINDING_ID 93
#define HTTP_QUERY_INCLUDE_REFERER_TOKEN_BINDING_ID  HTTP_QUERY_INCLUDE_REFERRED_TOKEN_BINDING_ID
#define HTTP_QUERY_PUBLIC_KEY_PINS           94
#define HTTP_QUERY_PUBLIC_KEY_PINS_REPORT_ONLY 95
#define HTTP_QUERY_MAX                       95
#define HTTP_QUERY_CUSTOM                    65535

#define HTTP_QUERY_FLAG_REQUEST_HEADERS     0x80000000
#define HTTP_QUERY_FLAG_SYSTEMTIME          0x40000000
#define HTTP_QUERY_FLAG_NUMBER              0x20000000
#define HTTP_QUERY_FLAG_COALESCE            0x10000000
#define HTTP_QUERY_FLAG_NUMBER64            0x08000000
#define HTTP_QUERY_FLAG_COALESCE_WITH_COMMA 0x04000000
#define HTTP_QUERY_MODIFIER_FLAGS_MASK (HTTP_QUERY_FLAG_REQUEST_HEADERS | \
                                        HTTP_QUERY_FLAG_SYSTEMTIME | \
                                        HTTP_QUERY_FLAG_NUMBER | \
                                        HTTP_QUERY_FLAG_COALESCE | \
                                        HTTP_QUERY_FLAG_NUMBER64 | \
                                        HTTP_QUERY_FLAG_COALESCE_WITH_COMMA)
#define HTTP_QUERY_HEADER_MASK (~HTTP_QUERY_MODIFIER_FLAGS_MASK)

#define HTTP_STATUS_CONTINUE           100
#define HTTP_STATUS_SWITCH_PROTOCOLS   101
#define HTTP_STATUS_OK                 200
#define HTTP_STATUS_CREATED            201
#define HTTP_STATUS_ACCEPTED           202
#define HTTP_STATUS_PARTIAL            203
#define HTTP_STATUS_NO_CONTENT         204
#define HTTP_STATUS_RESET_CONTENT      205
#define HTTP_STATUS_PARTIAL_CONTENT    206
#define HTTP_STATUS_AMBIGUOUS          300
#define HTTP_STATUS_MOVED              301
#define HTTP_STATUS_REDIRECT           302
#define HTTP_STATUS_REDIRECT_METHOD    303
#define HTTP_STATUS_NOT_MODIFIED       304
#define HTTP_STATUS_USE_PROXY          305
#define HTTP_STATUS_REDIRECT_KEEP_VERB 307
#define HTTP_STATUS_PERMANENT_REDIRECT 308
#define HTTP_STATUS_BAD_REQUEST        400
#define HTTP_STATUS_DENIED             401
#define HTTP_STATUS_PAYMENT_REQ        402
#define HTTP_STATUS_FORBIDDEN          403
#define HTTP_STATUS_NOT_FOUND          404
#define HTTP_STATUS_BAD_METHOD         405
#define HTTP_STATUS_NONE_ACCEPTABLE    406
#define HTTP_STATUS_PROXY_AUTH_REQ     407
#define HTTP_STATUS_REQUEST_TIMEOUT    408
#define HTTP_STATUS_CONFLICT           409
#define HTTP_STATUS_GONE               410
#define HTTP_STATUS_LENGTH_REQUIRED    411
#define HTTP_STATUS_PRECOND_FAILED     412
#define HTTP_STATUS_REQUEST_TOO_LARGE  413
#define HTTP_STATUS_URI_TOO_LONG       414
#define HTTP_STATUS_UNSUPPORTED_MEDIA  415
#define HTTP_STATUS_MISDIRECTED_REQUEST 421
#define HTTP_STATUS_RETRY_WITH         449
#define HTTP_STATUS_SERVER_ERROR       500
#define HTTP_STATUS_NOT_SUPPORTED      501
#define HTTP_STATUS_BAD_GATEWAY        502
#define HTTP_STATUS_SERVICE_UNAVAIL    503
#define HTTP_STATUS_GATEWAY_TIMEOUT    504
#define HTTP_STATUS_VERSION_NOT_SUP    505
#define HTTP_STATUS_FIRST              HTTP_STATUS_CONTINUE
#define HTTP_STATUS_LAST               HTTP_STATUS_VERSION_NOT_SUP

/* HttpAddRequestHeaders modifiers; the low 16 bits are a header index. */
#define HTTP_ADDREQ_INDEX_MASK                   0x0000FFFF
#define HTTP_ADDREQ_FLAGS_MASK                   0xFFFF0000
#define HTTP_ADDREQ_FLAG_ADD_IF_NEW              0x10000000
#define HTTP_ADDREQ_FLAG_ADD                     0x20000000
#define HTTP_ADDREQ_FLAG_COALESCE_WITH_COMMA     0x40000000
#define HTTP_ADDREQ_FLAG_COALESCE_WITH_SEMICOLON 0x01000000
#define HTTP_ADDREQ_FLAG_COALESCE                HTTP_ADDREQ_FLAG_COALESCE_WITH_COMMA
#define HTTP_ADDREQ_FLAG_REPLACE                 0x80000000

/* ---------------------------------------------------------------------------------
 * Functions
 * ------------------------------------------------------------------------------ */

/* Picks the A or W form of a function by UNICODE, as <wininet.h> does. */
#ifdef UNICODE
#define OPENINET_AW(name) name##W
#else
#define OPENINET_AW(name) name##A
#endif

/* Sessions and handles */

OPENINET_API HINTERNET WINAPI InternetOpenA(LPCSTR lpszAgent, DWORD dwAccessType,
                                            LPCSTR lpszProxy, LPCSTR lpszProxyBypass,
                                            DWORD dwFlags);
OPENINET_API HINTERNET WINAPI InternetOpenW(LPCWSTR lpszAgent, DWORD dwAccessType,
                                            LPCWSTR lpszProxy, LPCWSTR lpszProxyBypass,
                                            DWORD dwFlags);
#define InternetOpen OPENINET_AW(InternetOpen)

OPENINET_API HINTERNET WINAPI InternetConnectA(HINTERNET hInternet, LPCSTR lpszServerName,
                                               INTERNET_PORT nServerPort, LPCSTR lpszUserName,
                                               LPCSTR lpszPassword, DWORD dwService,
                                               DWORD dwFlags, DWORD_PTR dwContext);
OPENINET_API HINTERNET WINAPI InternetConnectW(HINTERNET hInternet, LPCWSTR lpszServerName,
                                               INTERNET_PORT nServerPort, LPCWSTR lpszUserName,
                                               LPCWSTR lpszPassword, DWORD dwService,
                                               DWORD dwFlags, DWORD_PTR dwContext);
#define InternetConnect OPENINET_AW(InternetConnect)

OPENINET_API BOOL WINAPI InternetCloseHandle(HINTERNET hInternet);

/* All three are exported by WinInet and behave the same. */
OPENINET_API INTERNET_STATUS_CALLBACK WINAPI
InternetSetStatusCallback(HINTERNET hInternet, INTERNET_STATUS_CALLBACK lpfnInternetCallback);
OPENINET_API INTERNET_STATUS_CALLBACK WINAPI
InternetSetStatusCallbackA(HINTERNET hInternet, INTERNET_STATUS_CALLBACK lpfnInternetCallback);
OPENINET_API INTERNET_STATUS_CALLBACK WINAPI
InternetSetStatusCallbackW(HINTERNET hInternet, INTERNET_STATUS_CALLBACK lpfnInternetCallback);

OPENINET_API BOOL WINAPI InternetQueryOptionA(HINTERNET hInternet, DWORD dwOption,
                                              LPVOID lpBuffer, LPDWORD lpdwBufferLength);
OPENINET_API BOOL WINAPI InternetQueryOptionW(HINTERNET hInternet, DWORD dwOption,
                                              LPVOID lpBuffer, LPDWORD lpdwBufferLength);
#define InternetQueryOption OPENINET_AW(InternetQueryOption)

OPENINET_API BOOL WINAPI InternetSetOptionA(HINTERNET hInternet, DWORD dwOption,
                                            LPVOID lpBuffer, DWORD dwBufferLength);
OPENINET_API BOOL WINAPI InternetSetOptionW(HINTERNET hInternet, DWORD dwOption,
                                            LPVOID lpBuffer, DWORD dwBufferLength);
#define InternetSetOption OPENINET_AW(InternetSetOption)

OPENINET_API BOOL WINAPI InternetSetOptionExA(HINTERNET hInternet, DWORD dwOption,
                                              LPVOID lpBuffer, DWORD dwBufferLength,
                                              DWORD dwFlags);
OPENINET_API BOOL WINAPI InternetSetOptionExW(HINTERNET hInternet, DWORD dwOption,
                                              LPVOID lpBuffer, DWORD dwBufferLength,
                                              DWORD dwFlags);
#define InternetSetOptionEx OPENINET_AW(InternetSetOptionEx)

OPENINET_API BOOL WINAPI InternetGetLastResponseInfoA(LPDWORD lpdwError, LPSTR lpszBuffer,
                                                      LPDWORD lpdwBufferLength);
OPENINET_API BOOL WINAPI InternetGetLastResponseInfoW(LPDWORD lpdwError, LPWSTR lpszBuffer,
                                                      LPDWORD lpdwBufferLength);
#define InternetGetLastResponseInfo OPENINET_AW(InternetGetLastResponseInfo)

OPENINET_API DWORD WINAPI InternetAttemptConnect(DWORD dwReserved);

/* URLs */

OPENINET_API BOOL WINAPI InternetCrackUrlA(LPCSTR lpszUrl, DWORD dwUrlLength, DWORD dwFlags,
                                           LPURL_COMPONENTSA lpUrlComponents);
OPENINET_API BOOL WINAPI InternetCrackUrlW(LPCWSTR lpszUrl, DWORD dwUrlLength, DWORD dwFlags,
                                           LPURL_COMPONENTSW lpUrlComponents);
#define InternetCrackUrl OPENINET_AW(InternetCrackUrl)

OPENINET_API BOOL WINAPI InternetCreateUrlA(LPURL_COMPONENTSA lpUrlComponents, DWORD dwFlags,
                                            LPSTR lpszUrl, LPDWORD lpdwUrlLength);
OPENINET_API BOOL WINAPI InternetCreateUrlW(LPURL_COMPONENTSW lpUrlComponents, DWORD dwFlags,
                                            LPWSTR lpszUrl, LPDWORD lpdwUrlLength);
#define InternetCreateUrl OPENINET_AW(InternetCreateUrl)

OPENINET_API BOOL WINAPI InternetCanonicalizeUrlA(LPCSTR lpszUrl, LPSTR lpszBuffer,
                                                  LPDWORD lpdwBufferLength, DWORD dwFlags);
OPENINET_API BOOL WINAPI InternetCanonicalizeUrlW(LPCWSTR lpszUrl, LPWSTR lpszBuffer,
                                                  LPDWORD lpdwBufferLength, DWORD dwFlags);
#define InternetCanonicalizeUrl OPENINET_AW(InternetCanonicalizeUrl)

OPENINET_API BOOL WINAPI InternetCombineUrlA(LPCSTR lpszBaseUrl, LPCSTR lpszRelativeUrl,
                                             LPSTR lpszBuffer, LPDWORD lpdwBufferLength,
                                             DWORD dwFlags);
OPENINET_API BOOL WINAPI InternetCombineUrlW(LPCWSTR lpszBaseUrl, LPCWSTR lpszRelativeUrl,
                                             LPWSTR lpszBuffer, LPDWORD lpdwBufferLength,
                                             DWORD dwFlags);
#define InternetCombineUrl OPENINET_AW(InternetCombineUrl)

/* RFC 1123 dates.  The W form's cbTime counts bytes. */
OPENINET_API BOOL WINAPI InternetTimeFromSystemTimeA(const SYSTEMTIME* pst, DWORD dwRFC,
                                                     LPSTR lpszTime, DWORD cbTime);
OPENINET_API BOOL WINAPI InternetTimeFromSystemTimeW(const SYSTEMTIME* pst, DWORD dwRFC,
                                                     LPWSTR lpszTime, DWORD cbTime);
#define InternetTimeFromSystemTime OPENINET_AW(InternetTimeFromSystemTime)

OPENINET_API BOOL WINAPI InternetTimeToSystemTimeA(LPCSTR lpszTime, SYSTEMTIME* pst,
                                                   DWORD dwReserved);
OPENINET_API BOOL WINAPI InternetTimeToSystemTimeW(LPCWSTR lpszTime, SYSTEMTIME* pst,
                                                   DWORD dwReserved);
#define InternetTimeToSystemTime OPENINET_AW(InternetTimeToSystemTime)

/* HTTP */

OPENINET_API HINTERNET WINAPI HttpOpenRequestA(HINTERNET hConnect, LPCSTR lpszVerb,
                                               LPCSTR lpszObjectName, LPCSTR lpszVersion,
                                               LPCSTR lpszReferrer, LPCSTR* lplpszAcceptTypes,
                                               DWORD dwFlags, DWORD_PTR dwContext);
OPENINET_API HINTERNET WINAPI HttpOpenRequestW(HINTERNET hConnect, LPCWSTR lpszVerb,
                                               LPCWSTR lpszObjectName, LPCWSTR lpszVersion,
                                               LPCWSTR lpszReferrer, LPCWSTR* lplpszAcceptTypes,
                                               DWORD dwFlags, DWORD_PTR dwContext);
#define HttpOpenRequest OPENINET_AW(HttpOpenRequest)

OPENINET_API BOOL WINAPI HttpAddRequestHeadersA(HINTERNET hRequest, LPCSTR lpszHeaders,
                                                DWORD dwHeadersLength, DWORD dwModifiers);
OPENINET_API BOOL WINAPI HttpAddRequestHeadersW(HINTERNET hRequest, LPCWSTR lpszHeaders,
                                                DWORD dwHeadersLength, DWORD dwModifiers);
#define HttpAddRequestHeaders OPENINET_AW(HttpAddRequestHeaders)

OPENINET_API BOOL WINAPI HttpSendRequestA(HINTERNET hRequest, LPCSTR lpszHeaders,
                                          DWORD dwHeadersLength, LPVOID lpOptional,
                                          DWORD dwOptionalLength);
OPENINET_API BOOL WINAPI HttpSendRequestW(HINTERNET hRequest, LPCWSTR lpszHeaders,
                                          DWORD dwHeadersLength, LPVOID lpOptional,
                                          DWORD dwOptionalLength);
#define HttpSendRequest OPENINET_AW(HttpSendRequest)

OPENINET_API BOOL WINAPI HttpSendRequestExA(HINTERNET hRequest, LPINTERNET_BUFFERSA lpBuffersIn,
                                            LPINTERNET_BUFFERSA lpBuffersOut, DWORD dwFlags,
                                            DWORD_PTR dwContext);
OPENINET_API BOOL WINAPI HttpSendRequestExW(HINTERNET hRequest, LPINTERNET_BUFFERSW lpBuffersIn,
                                            LPINTERNET_BUFFERSW lpBuffersOut, DWORD dwFlags,
                                            DWORD_PTR dwContext);
#define HttpSendRequestEx OPENINET_AW(HttpSendRequestEx)

OPENINET_API BOOL WINAPI HttpEndRequestA(HINTERNET hRequest, LPINTERNET_BUFFERSA lpBuffersOut,
                                         DWORD dwFlags, DWORD_PTR dwContext);
OPENINET_API BOOL WINAPI HttpEndRequestW(HINTERNET hRequest, LPINTERNET_BUFFERSW lpBuffersOut,
                                         DWORD dwFlags, DWORD_PTR dwContext);
#define HttpEndRequest OPENINET_AW(HttpEndRequest)

/* The W form's *lpdwBufferLength counts bytes. */
OPENINET_API BOOL WINAPI HttpQueryInfoA(HINTERNET hRequest, DWORD dwInfoLevel, LPVOID lpBuffer,
                                        LPDWORD lpdwBufferLength, LPDWORD lpdwIndex);
OPENINET_API BOOL WINAPI HttpQueryInfoW(HINTERNET hRequest, DWORD dwInfoLevel, LPVOID lpBuffer,
                                        LPDWORD lpdwBufferLength, LPDWORD lpdwIndex);
#define HttpQueryInfo OPENINET_AW(HttpQueryInfo)

/* Data transfer */

OPENINET_API HINTERNET WINAPI InternetOpenUrlA(HINTERNET hInternet, LPCSTR lpszUrl,
                                               LPCSTR lpszHeaders, DWORD dwHeadersLength,
                                               DWORD dwFlags, DWORD_PTR dwContext);
OPENINET_API HINTERNET WINAPI InternetOpenUrlW(HINTERNET hInternet, LPCWSTR lpszUrl,
                                               LPCWSTR lpszHeaders, DWORD dwHeadersLength,
                                               DWORD dwFlags, DWORD_PTR dwContext);
#define InternetOpenUrl OPENINET_AW(InternetOpenUrl)

OPENINET_API BOOL WINAPI InternetReadFile(HINTERNET hFile, LPVOID lpBuffer,
                                          DWORD dwNumberOfBytesToRead,
                                          LPDWORD lpdwNumberOfBytesRead);

OPENINET_API BOOL WINAPI InternetReadFileExA(HINTERNET hFile, LPINTERNET_BUFFERSA lpBuffersOut,
                                             DWORD dwFlags, DWORD_PTR dwContext);
OPENINET_API BOOL WINAPI InternetReadFileExW(HINTERNET hFile, LPINTERNET_BUFFERSW lpBuffersOut,
                                             DWORD dwFlags, DWORD_PTR dwContext);
#define InternetReadFileEx OPENINET_AW(InternetReadFileEx)

OPENINET_API BOOL WINAPI InternetWriteFile(HINTERNET hFile, LPCVOID lpBuffer,
                                           DWORD dwNumberOfBytesToWrite,
                                           LPDWORD lpdwNumberOfBytesWritten);

OPENINET_API BOOL WINAPI InternetQueryDataAvailable(HINTERNET hFile,
                                                    LPDWORD lpdwNumberOfBytesAvailable,
                                                    DWORD dwFlags, DWORD_PTR dwContext);

OPENINET_API DWORD WINAPI InternetSetFilePointer(HINTERNET hFile, LONG lDistanceToMove,
                                                 PLONG lpDistanceToMoveHigh,
                                                 DWORD dwMoveMethod, DWORD_PTR dwContext);

/* lpvFindData points to a WIN32_FIND_DATAA / WIN32_FIND_DATAW. */
OPENINET_API BOOL WINAPI InternetFindNextFileA(HINTERNET hFind, LPVOID lpvFindData);
OPENINET_API BOOL WINAPI InternetFindNextFileW(HINTERNET hFind, LPVOID lpvFindData);
#define InternetFindNextFile OPENINET_AW(InternetFindNextFile)

/* FTP */

OPENINET_API HINTERNET WINAPI FtpFindFirstFileA(HINTERNET hConnect, LPCSTR lpszSearchFile,
                                                LPWIN32_FIND_DATAA lpFindFileData,
                                                DWORD dwFlags, DWORD_PTR dwContext);
OPENINET_API HINTERNET WINAPI FtpFindFirstFileW(HINTERNET hConnect, LPCWSTR lpszSearchFile,
                                                LPWIN32_FIND_DATAW lpFindFileData,
                                                DWORD dwFlags, DWORD_PTR dwContext);
#define FtpFindFirstFile OPENINET_AW(FtpFindFirstFile)

OPENINET_API BOOL WINAPI FtpGetFileA(HINTERNET hConnect, LPCSTR lpszRemoteFile,
                                     LPCSTR lpszNewFile, BOOL fFailIfExists,
                                     DWORD dwFlagsAndAttributes, DWORD dwFlags,
                                     DWORD_PTR dwContext);
OPENINET_API BOOL WINAPI FtpGetFileW(HINTERNET hConnect, LPCWSTR lpszRemoteFile,
                                     LPCWSTR lpszNewFile, BOOL fFailIfExists,
                                     DWORD dwFlagsAndAttributes, DWORD dwFlags,
                                     DWORD_PTR dwContext);
#define FtpGetFile OPENINET_AW(FtpGetFile)

OPENINET_API BOOL WINAPI FtpPutFileA(HINTERNET hConnect, LPCSTR lpszLocalFile,
                                     LPCSTR lpszNewRemoteFile, DWORD dwFlags,
                                     DWORD_PTR dwContext);
OPENINET_API BOOL WINAPI FtpPutFileW(HINTERNET hConnect, LPCWSTR lpszLocalFile,
                                     LPCWSTR lpszNewRemoteFile, DWORD dwFlags,
                                     DWORD_PTR dwContext);
#define FtpPutFile OPENINET_AW(FtpPutFile)

/* Windows 8's variants: the remote name narrow (as the server sees it: UTF-8 here), the local
 * file name wide; no A/W pair. */
OPENINET_API BOOL WINAPI FtpGetFileEx(HINTERNET hFtpSession, LPCSTR lpszRemoteFile,
                                      LPCWSTR lpszNewFile, BOOL fFailIfExists,
                                      DWORD dwFlagsAndAttributes, DWORD dwFlags,
                                      DWORD_PTR dwContext);
OPENINET_API BOOL WINAPI FtpPutFileEx(HINTERNET hFtpSession, LPCWSTR lpszLocalFile,
                                      LPCSTR lpszNewRemoteFile, DWORD dwFlags,
                                      DWORD_PTR dwContext);

OPENINET_API HINTERNET WINAPI FtpOpenFileA(HINTERNET hConnect, LPCSTR lpszFileName,
                                           DWORD dwAccess, DWORD dwFlags, DWORD_PTR dwContext);
OPENINET_API HINTERNET WINAPI FtpOpenFileW(HINTERNET hConnect, LPCWSTR lpszFileName,
                                           DWORD dwAccess, DWORD dwFlags, DWORD_PTR dwContext);
#define FtpOpenFile OPENINET_AW(FtpOpenFile)

OPENINET_API BOOL WINAPI FtpDeleteFileA(HINTERNET hConnect, LPCSTR lpszFileName);
OPENINET_API BOOL WINAPI FtpDeleteFileW(HINTERNET hConnect, LPCWSTR lpszFileName);
#define FtpDeleteFile OPENINET_AW(FtpDeleteFile)

OPENINET_API BOOL WINAPI FtpRenameFileA(HINTERNET hConnect, LPCSTR lpszExisting, LPCSTR lpszNew);
OPENINET_API BOOL WINAPI FtpRenameFileW(HINTERNET hConnect, LPCWSTR lpszExisting,
                                        LPCWSTR lpszNew);
#define FtpRenameFile OPENINET_AW(FtpRenameFile)

OPENINET_API BOOL WINAPI FtpCreateDirectoryA(HINTERNET hConnect, LPCSTR lpszDirectory);
OPENINET_API BOOL WINAPI FtpCreateDirectoryW(HINTERNET hConnect, LPCWSTR lpszDirectory);
#define FtpCreateDirectory OPENINET_AW(FtpCreateDirectory)

OPENINET_API BOOL WINAPI FtpRemoveDirectoryA(HINTERNET hConnect, LPCSTR lpszDirectory);
OPENINET_API BOOL WINAPI FtpRemoveDirectoryW(HINTERNET hConnect, LPCWSTR lpszDirectory);
#define FtpRemoveDirectory OPENINET_AW(FtpRemoveDirectory)

OPENINET_API BOOL WINAPI FtpSetCurrentDirectoryA(HINTERNET hConnect, LPCSTR lpszDirectory);
OPENINET_API BOOL WINAPI FtpSetCurrentDirectoryW(HINTERNET hConnect, LPCWSTR lpszDirectory);
#define FtpSetCurrentDirectory OPENINET_AW(FtpSetCurrentDirectory)

OPENINET_API BOOL WINAPI FtpGetCurrentDirectoryA(HINTERNET hConnect, LPSTR lpszCurrentDirectory,
                                                 LPDWORD lpdwCurrentDirectory);
OPENINET_API BOOL WINAPI FtpGetCurrentDirectoryW(HINTERNET hConnect, LPWSTR lpszCurrentDirectory,
                                                 LPDWORD lpdwCurrentDirectory);
#define FtpGetCurrentDirectory OPENINET_AW(FtpGetCurrentDirectory)

OPENINET_API BOOL WINAPI FtpCommandA(HINTERNET hConnect, BOOL fExpectResponse, DWORD dwFlags,
                                     LPCSTR lpszCommand, DWORD_PTR dwContext,
                                     HINTERNET* phFtpCommand);
OPENINET_API BOOL WINAPI FtpCommandW(HINTERNET hConnect, BOOL fExpectResponse, DWORD dwFlags,
                                     LPCWSTR lpszCommand, DWORD_PTR dwContext,
                                     HINTERNET* phFtpCommand);
#define FtpCommand OPENINET_AW(FtpCommand)

OPENINET_API DWORD WINAPI FtpGetFileSize(HINTERNET hFile, LPDWORD lpdwFileSizeHigh);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* OPENINET_WININET_H */
