// ftp_worker: an FTP download on a secondary thread, the classic advice for responsive WinInet
// programs. The worker owns a synchronous session and blocks in WinInet calls; the main thread
// (standing in for a UI thread) shows progress and can halt the download at any moment by
// closing the worker's handle, which ends the blocked call with
// ERROR_INTERNET_OPERATION_CANCELLED.
//
//   ftp_worker ftp://[user:password@]host[:port]/path LOCAL_FILE [HALT_AFTER_BYTES]
//
// HALT_AFTER_BYTES plays the user pressing "Stop" once that many bytes have arrived.
// Exit status: 0 downloaded, 1 failed, 2 usage, 3 halted (the partial local file is removed).
#include <openinet/wininet.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

// What the worker tells the main thread. The handles are here so the main thread can close
// them; the worker publishes each one as soon as it has it.
struct Shared {
    std::mutex mutex;
    std::condition_variable changed;
    HINTERNET connection = nullptr;
    HINTERNET file = nullptr;
    std::uint64_t received = 0;
    std::uint64_t total = 0;  // 0 until FtpGetFileSize answered
    bool halted = false;      // set by the main thread before it closes the handles
    bool finished = false;
    DWORD error = ERROR_SUCCESS;
    std::string server_reply;  // the FTP server's last words when it refused something
    std::string last_status;
};

const char* status_name(DWORD status) {
    switch (status) {
        case INTERNET_STATUS_RESOLVING_NAME:
            return "resolving the name";
        case INTERNET_STATUS_CONNECTING_TO_SERVER:
            return "connecting";
        case INTERNET_STATUS_CONNECTED_TO_SERVER:
            return "connected";
        case INTERNET_STATUS_HANDLE_CREATED:
            return "handle created";
        case INTERNET_STATUS_HANDLE_CLOSING:
            return "handle closing";
        default:
            return nullptr;
    }
}

// A synchronous session calls back on the thread inside the call, so this runs on the worker;
// it only records, and the main thread prints.
void CALLBACK on_status(HINTERNET, DWORD_PTR context, DWORD status, LPVOID, DWORD) {
    auto* shared = reinterpret_cast<Shared*>(context);
    if (const char* name = status_name(status)) {
        std::lock_guard lock(shared->mutex);
        shared->last_status = name;
        shared->changed.notify_all();
    }
}

std::string server_reply() {
    DWORD code = 0;
    char text[1024] = {};
    DWORD length = sizeof text;
    if (!InternetGetLastResponseInfoA(&code, text, &length) || length == 0) return {};
    return std::string(text, length);
}

struct Location {
    std::string host, user, password, path;
    INTERNET_PORT port = 0;
};

bool crack(const char* url, Location& where) {
    char host[256], user[256], password[256], path[2048];
    URL_COMPONENTSA parts{};
    parts.dwStructSize = sizeof parts;
    parts.lpszHostName = host;
    parts.dwHostNameLength = sizeof host;
    parts.lpszUserName = user;
    parts.dwUserNameLength = sizeof user;
    parts.lpszPassword = password;
    parts.dwPasswordLength = sizeof password;
    parts.lpszUrlPath = path;
    parts.dwUrlPathLength = sizeof path;
    if (!InternetCrackUrlA(url, 0, ICU_DECODE, &parts) || parts.nScheme != INTERNET_SCHEME_FTP) {
        return false;
    }
    where = {host, user, password, path, parts.nPort};
    return true;
}

// The worker thread's whole job: one blocking call after another.
void download(const Location& where, const char* local_path, HINTERNET session, Shared& shared) {
    auto finish = [&](DWORD error) {
        // Per thread, like GetLastError: only the worker can ask for its own.
        std::string reply = error == ERROR_INTERNET_EXTENDED_ERROR ? server_reply() : std::string();
        std::lock_guard lock(shared.mutex);
        shared.error = error;
        shared.server_reply = reply;
        shared.finished = true;
        shared.changed.notify_all();
    };
    auto publish = [&](HINTERNET& slot, HINTERNET handle) {
        std::lock_guard lock(shared.mutex);
        if (shared.halted) return false;  // the main thread closed the session already
        slot = handle;
        return true;
    };

    HINTERNET connection = InternetConnectA(
        session, where.host.c_str(), where.port, where.user.empty() ? nullptr : where.user.c_str(),
        where.user.empty() ? nullptr : where.password.c_str(), INTERNET_SERVICE_FTP,
        INTERNET_FLAG_PASSIVE, reinterpret_cast<DWORD_PTR>(&shared));
    if (!connection || !publish(shared.connection, connection)) return finish(GetLastError());

    HINTERNET file = FtpOpenFileA(connection, where.path.c_str(), GENERIC_READ,
                                  FTP_TRANSFER_TYPE_BINARY, reinterpret_cast<DWORD_PTR>(&shared));
    if (!file || !publish(shared.file, file)) return finish(GetLastError());

    DWORD high = 0;
    DWORD low = FtpGetFileSize(file, &high);
    {
        std::lock_guard lock(shared.mutex);
        shared.total = (static_cast<std::uint64_t>(high) << 32) | low;
    }

    std::FILE* out = std::fopen(local_path, "wb");
    if (!out) return finish(ERROR_ACCESS_DENIED);
    std::vector<char> buffer(256 * 1024);
    DWORD error = ERROR_SUCCESS;
    for (;;) {
        DWORD got = 0;
        if (!InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &got)) {
            error = GetLastError();
            break;
        }
        if (got == 0) break;
        if (std::fwrite(buffer.data(), 1, got, out) != got) {
            error = ERROR_WRITE_FAULT;
            break;
        }
        std::lock_guard lock(shared.mutex);
        shared.received += got;
        shared.changed.notify_all();
    }
    std::fclose(out);
    // Nothing half-written is left behind under the final name.
    if (error != ERROR_SUCCESS) std::remove(local_path);
    finish(error);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3 || argc > 4) {
        std::fprintf(stderr,
                     "usage: ftp_worker ftp://[user:password@]host[:port]/path LOCAL_FILE "
                     "[HALT_AFTER_BYTES]\n");
        return 2;
    }
    Location where;
    if (!crack(argv[1], where)) {
        std::fprintf(stderr, "ftp_worker: '%s' is not an ftp:// URL (error %lu)\n", argv[1],
                     static_cast<unsigned long>(GetLastError()));
        return 2;
    }
    const std::uint64_t halt_after = argc == 4 ? std::strtoull(argv[3], nullptr, 10) : 0;

    HINTERNET session = InternetOpenA("ftp_worker", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0);
    if (!session) return 1;
    InternetSetStatusCallbackA(session, on_status);

    Shared shared;
    std::thread worker([&] { download(where, argv[2], session, shared); });

    // The "UI thread": redraws when something changed, and halts when asked to.
    auto halted_at = std::chrono::steady_clock::time_point{};
    std::string shown_status;
    {
        std::unique_lock lock(shared.mutex);
        while (!shared.finished) {
            shared.changed.wait_for(lock, std::chrono::milliseconds(200));
            if (shared.last_status != shown_status) {
                shown_status = shared.last_status;
                std::printf("status: %s\n", shown_status.c_str());
            }
            std::printf("progress: %llu of %llu bytes\n",
                        static_cast<unsigned long long>(shared.received),
                        static_cast<unsigned long long>(shared.total));
            if (halt_after > 0 && !shared.halted && shared.received >= halt_after) {
                shared.halted = true;
                halted_at = std::chrono::steady_clock::now();
                HINTERNET file = shared.file;
                HINTERNET connection = shared.connection;
                lock.unlock();
                // Closing the handle the worker is blocked on ends its InternetReadFile now.
                if (file) InternetCloseHandle(file);
                if (connection) InternetCloseHandle(connection);
                lock.lock();
            }
        }
    }
    worker.join();
    InternetCloseHandle(session);

    // A worker blocked in InternetReadFile fails with ERROR_INTERNET_OPERATION_CANCELLED; one
    // that was between calls when the handle closed gets ERROR_INVALID_HANDLE from its next.
    if (shared.halted && shared.error != ERROR_SUCCESS) {
        auto took = std::chrono::steady_clock::now() - halted_at;
        std::printf("halted after %llu bytes (worker's error %lu); it returned %.0f ms after "
                    "the close\n",
                    static_cast<unsigned long long>(shared.received),
                    static_cast<unsigned long>(shared.error),
                    std::chrono::duration<double, std::milli>(took).count());
        return 3;
    }
    if (shared.error != ERROR_SUCCESS) {
        std::fprintf(stderr, "ftp_worker: failed with error %lu %s\n",
                     static_cast<unsigned long>(shared.error), shared.server_reply.c_str());
        return 1;
    }
    std::printf("downloaded %llu bytes to %s\n", static_cast<unsigned long long>(shared.received),
                argv[2]);
    return 0;
}
