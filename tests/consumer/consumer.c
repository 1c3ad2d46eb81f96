/* Built against an installed openinet; proves the package exports work from C. */
#include <openinet/wininet.h>
#include <stdio.h>

int main(void) {
    HINTERNET session = InternetOpenA("consumer", INTERNET_OPEN_TYPE_DIRECT, NULL, NULL, 0);
    if (!session) {
        fprintf(stderr, "InternetOpen failed: %u\n", (unsigned)GetLastError());
        return 1;
    }
    DWORD type = 0, size = sizeof(type);
    BOOL ok = InternetQueryOptionA(session, INTERNET_OPTION_HANDLE_TYPE, &type, &size);
    InternetCloseHandle(session);
    if (!ok || type != INTERNET_HANDLE_TYPE_INTERNET) {
        fprintf(stderr, "unexpected handle type %u\n", (unsigned)type);
        return 1;
    }
    puts("ok");
    return 0;
}
