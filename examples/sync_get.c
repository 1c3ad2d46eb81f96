/* sync_get: a synchronous GET with the WinInet C API, written in C.
 *
 *   sync_get URL
 *
 * Prints the status line and the response headers, then reads the body (counting its bytes).
 * Exit status: 0 for a 2xx response, 1 otherwise. */
#include <openinet/wininet.h>

#include <stdio.h>
#include <stdlib.h>

static int report_failure(const char* what) {
    fprintf(stderr, "sync_get: %s failed with error %lu\n", what, (unsigned long)GetLastError());
    return 1;
}

int main(int argc, char** argv) {
    HINTERNET session, request;
    DWORD status = 0, length = sizeof status, read = 0;
    unsigned long long body_bytes = 0;
    char* headers;
    static char buffer[64 * 1024];
    int exit_code;

    if (argc != 2) {
        fprintf(stderr, "usage: sync_get URL\n");
        return 2;
    }

    /* No INTERNET_FLAG_ASYNC: every call below returns only when it is done. */
    session = InternetOpenA("sync_get", INTERNET_OPEN_TYPE_DIRECT, NULL, NULL, 0);
    if (!session) return report_failure("InternetOpen");

    /* Connects, sends the GET and reads the response head. */
    request = InternetOpenUrlA(session, argv[1], NULL, 0, INTERNET_FLAG_RELOAD, 0);
    if (!request) {
        exit_code = report_failure("InternetOpenUrl");
        InternetCloseHandle(session);
        return exit_code;
    }

    if (!HttpQueryInfoA(request, HTTP_QUERY_STATUS_CODE | HTTP_QUERY_FLAG_NUMBER, &status, &length,
                        NULL)) {
        exit_code = report_failure("HttpQueryInfo(HTTP_QUERY_STATUS_CODE)");
        InternetCloseHandle(session); /* closes the request too */
        return exit_code;
    }
    printf("status: %lu\n", (unsigned long)status);

    /* The usual two calls: the first one reports the size it needs. */
    length = 0;
    if (!HttpQueryInfoA(request, HTTP_QUERY_RAW_HEADERS_CRLF, NULL, &length, NULL) &&
        GetLastError() == ERROR_INSUFFICIENT_BUFFER) {
        headers = malloc(length);
        if (headers &&
            HttpQueryInfoA(request, HTTP_QUERY_RAW_HEADERS_CRLF, headers, &length, NULL)) {
            printf("%s", headers);
        }
        free(headers);
    }

    /* Synchronous reads: TRUE with 0 bytes is the end of the body. */
    for (;;) {
        if (!InternetReadFile(request, buffer, sizeof buffer, &read)) {
            exit_code = report_failure("InternetReadFile");
            InternetCloseHandle(request);
            InternetCloseHandle(session);
            return exit_code;
        }
        if (read == 0) break;
        body_bytes += read;
    }
    printf("body: %llu bytes\n", body_bytes);

    InternetCloseHandle(request);
    InternetCloseHandle(session);
    return status >= 200 && status < 300 ? 0 : 1;
}
