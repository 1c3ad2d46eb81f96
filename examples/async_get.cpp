// async_get: a GET in an INTERNET_FLAG_ASYNC session.
//
//   async_get URL
//
// Prints every status callback as it arrives (which thread, which handle, what), and reads
// the body the asynchronous way: a call that returns FALSE with ERROR_IO_PENDING finishes
// later with INTERNET_STATUS_REQUEST_COMPLETE, and only then are its results valid.
#include <openinet/wininet.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace {

const char* status_name(DWORD status) {
    switch (status) {
        case INTERNET_STATUS_RESOLVING_NAME:
            return "RESOLVING_NAME";
        case INTERNET_STATUS_NAME_RESOLVED:
            return "NAME_RESOLVED";
        case INTERNET_STATUS_CONNECTING_TO_SERVER:
            return "CONNECTING_TO_SERVER";
        case INTERNET_STATUS_CONNECTED_TO_SERVER:
            return "CONNECTED_TO_SERVER";
        case INTERNET_STATUS_SENDING_REQUEST:
            return "SENDING_REQUEST";
        case INTERNET_STATUS_REQUEST_SENT:
            return "REQUEST_SENT";
        case INTERNET_STATUS_RECEIVING_RESPONSE:
            return "RECEIVING_RESPONSE";
        case INTERNET_STATUS_RESPONSE_RECEIVED:
            return "RESPONSE_RECEIVED";
        case INTERNET_STATUS_CLOSING_CONNECTION:
            return "CLOSING_CONNECTION";
        case INTERNET_STATUS_CONNECTION_CLOSED:
            return "CONNECTION_CLOSED";
        case INTERNET_STATUS_HANDLE_CREATED:
            return "HANDLE_CREATED";
        case INTERNET_STATUS_HANDLE_CLOSING:
            return "HANDLE_CLOSING";
        case INTERNET_STATUS_REQUEST_COMPLETE:
            return "REQUEST_COMPLETE";
        case INTERNET_STATUS_REDIRECT:
            return "REDIRECT";
        default:
            return "other";
    }
}

// What the callback hands to the main thread. Its address is the context value of the
// connection and request handles, so it must outlive their HANDLE_CLOSING.
struct Completion {
    std::mutex mutex;
    std::condition_variable changed;
    bool complete = false;
    INTERNET_ASYNC_RESULT result{};
    int handles_closed = 0;

    bool wait_until(const auto& ready) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, std::chrono::seconds(30), ready);
    }
};

const std::thread::id main_thread = std::this_thread::get_id();

void CALLBACK on_status(HINTERNET handle, DWORD_PTR context, DWORD status, LPVOID info,
                        DWORD /*length*/) {
    std::printf("  [%s thread] handle %p: %-20s",
                std::this_thread::get_id() == main_thread ? "main" : "engine", handle,
                status_name(status));
    switch (status) {
        case INTERNET_STATUS_RESOLVING_NAME:
        case INTERNET_STATUS_NAME_RESOLVED:
        case INTERNET_STATUS_CONNECTING_TO_SERVER:
        case INTERNET_STATUS_CONNECTED_TO_SERVER:
        case INTERNET_STATUS_REDIRECT:
            std::printf(" %s",
                        static_cast<const char*>(info));  // always char, also for W callbacks
            break;
        case INTERNET_STATUS_REQUEST_SENT:
        case INTERNET_STATUS_RESPONSE_RECEIVED:
            std::printf(" %lu bytes", static_cast<unsigned long>(*static_cast<DWORD*>(info)));
            break;
        case INTERNET_STATUS_REQUEST_COMPLETE: {
            auto* result = static_cast<INTERNET_ASYNC_RESULT*>(info);
            std::printf(" result %lu, error %lu", static_cast<unsigned long>(result->dwResult),
                        static_cast<unsigned long>(result->dwError));
            break;
        }
        default:
            break;
    }
    std::printf("\n");
    std::fflush(stdout);

    auto* completion = reinterpret_cast<Completion*>(context);
    if (status == INTERNET_STATUS_REQUEST_COMPLETE) {
        std::lock_guard lock(completion->mutex);
        completion->result = *static_cast<INTERNET_ASYNC_RESULT*>(info);
        completion->complete = true;
        completion->changed.notify_all();
    } else if (status == INTERNET_STATUS_HANDLE_CLOSING) {
        std::lock_guard lock(completion->mutex);
        ++completion->handles_closed;
        completion->changed.notify_all();
    }
}

// Runs one call that may pend: TRUE → done now (no REQUEST_COMPLETE will come); FALSE with
// ERROR_IO_PENDING → wait for REQUEST_COMPLETE and take its outcome; FALSE otherwise → failed.
template <class Call>
bool run(Completion& completion, const char* what, Call call) {
    {
        std::lock_guard lock(completion.mutex);
        completion.complete = false;
    }
    if (call()) return true;
    DWORD error = GetLastError();
    if (error != ERROR_IO_PENDING) {
        std::fprintf(stderr, "async_get: %s failed with error %lu\n", what,
                     static_cast<unsigned long>(error));
        return false;
    }
    std::printf("%s: pending\n", what);
    if (!completion.wait_until([&] { return completion.complete; })) {
        std::fprintf(stderr, "async_get: %s did not complete\n", what);
        return false;
    }
    if (completion.result.dwResult == 0) {
        std::fprintf(stderr, "async_get: %s completed with error %lu\n", what,
                     static_cast<unsigned long>(completion.result.dwError));
        return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: async_get URL\n");
        return 2;
    }

    char host[256] = {}, path[2048] = {};
    URL_COMPONENTSA parts{};
    parts.dwStructSize = sizeof parts;
    parts.lpszHostName = host;
    parts.dwHostNameLength = sizeof host;
    parts.lpszUrlPath = path;
    parts.dwUrlPathLength = sizeof path;
    if (!InternetCrackUrlA(argv[1], 0, 0, &parts)) {
        std::fprintf(stderr, "async_get: cannot parse the URL (error %lu)\n",
                     static_cast<unsigned long>(GetLastError()));
        return 2;
    }

    Completion completion;
    auto context = reinterpret_cast<DWORD_PTR>(&completion);
    HINTERNET session = InternetOpenA("async_get", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr,
                                      INTERNET_FLAG_ASYNC);
    if (!session) return 1;
    InternetSetStatusCallbackA(session, on_status);  // inherited by the handles created below

    DWORD flags =
        INTERNET_FLAG_RELOAD | (parts.nScheme == INTERNET_SCHEME_HTTPS ? INTERNET_FLAG_SECURE : 0);
    HINTERNET connection = InternetConnectA(session, host, parts.nPort, nullptr, nullptr,
                                            INTERNET_SERVICE_HTTP, 0, context);
    HINTERNET request = connection ? HttpOpenRequestA(connection, "GET", path[0] ? path : "/",
                                                      nullptr, nullptr, nullptr, flags, context)
                                   : nullptr;
    bool ok = request != nullptr;
    ok = ok && run(completion, "HttpSendRequest",
                   [&] { return HttpSendRequestA(request, nullptr, 0, nullptr, 0); });

    DWORD status = 0, length = sizeof status;
    if (ok && HttpQueryInfoA(request, HTTP_QUERY_STATUS_CODE | HTTP_QUERY_FLAG_NUMBER, &status,
                             &length, nullptr)) {
        std::printf("status: %lu\n", static_cast<unsigned long>(status));
    }

    // `read` and `buffer` must stay valid until the pending read completes: it writes them.
    static char buffer[64 * 1024];
    unsigned long long body_bytes = 0;
    while (ok) {
        DWORD read = 0;
        ok = run(completion, "InternetReadFile",
                 [&] { return InternetReadFile(request, buffer, sizeof buffer, &read); });
        if (!ok || read == 0) break;
        body_bytes += read;
    }
    if (ok) std::printf("body: %llu bytes\n", body_bytes);

    // HANDLE_CLOSING is the last callback of each handle; only after it may the context go.
    int expected_closings = (request ? 1 : 0) + (connection ? 1 : 0);
    if (request) InternetCloseHandle(request);
    if (connection) InternetCloseHandle(connection);
    completion.wait_until([&] { return completion.handles_closed == expected_closings; });
    InternetCloseHandle(session);
    return ok && status >= 200 && status < 300 ? 0 : 1;
}
