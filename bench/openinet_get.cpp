// The OpenInet client of the benchmark, written against the WinInet C API only, the
// way a Windows program would use it.
//
//   openinet_get (--sync | --async) [--parallel M] [--max-conns N] [--read-ex] [--open-url]
//                [--read-size BYTES] [-o FILE | -d DIR] URL...
//
// --sync   one session; each URL is HttpOpenRequest + HttpSendRequest (or
//          InternetOpenUrl with --open-url) and an InternetReadFile loop with a 1 MiB
//          buffer (--read-size: another size, for both modes). Requests go one after another through one connect handle, so the
//          keep-alive pool is used. With --parallel M, M threads each run such
//          synchronous requests on the shared connect handle.
// --async  an INTERNET_FLAG_ASYNC session with a status callback; M requests in
//          flight, each driven by its REQUEST_COMPLETE notifications: HttpSendRequest,
//          then InternetReadFile (or InternetReadFileEx with --read-ex) until 0 bytes.
// --max-conns N  INTERNET_OPTION_MAX_CONNS_PER_SERVER (process-wide) before anything else;
//          without it WinInet's default of 6 connections per server applies.
//
// All URLs are http://HOST[:PORT]/PATH on one server. Without -o/-d the bodies are
// discarded. Exits non-zero on any failure (printing the WinInet error number), on a
// status other than 200 and on a body whose length differs from its Content-Length.
#include "client_common.hpp"

#include <openinet/wininet.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

constexpr DWORD request_flags =
    INTERNET_FLAG_RELOAD | INTERNET_FLAG_NO_CACHE_WRITE | INTERNET_FLAG_KEEP_CONNECTION;
const char* const agent = "openinet_get";

struct Options {
  bool async = false;
  bool read_ex = false;
  bool open_url = false;
  long parallel = 1;
  long max_connections = 0;  // 0: WinInet's default per-server limit
  const char* output_file = nullptr;
  const char* output_dir = nullptr;
  std::vector<std::string> urls;
};

using namespace bench;

Options options;
Target target;
int shared_output_fd = -1;

int open_output_for(std::size_t url_index) {
  if (!options.output_dir) return shared_output_fd;
  return open_output_file(file_in_directory(options.output_dir, target.paths[url_index]));
}

void close_output(int fd) {
  if (options.output_dir) close_output_file(fd);
}

// Checks the response head: status 200; returns the Content-Length (-1 when absent).
long long check_response_head(HINTERNET request, const std::string& url) {
  DWORD status = 0;
  DWORD size = sizeof status;
  if (!HttpQueryInfoA(request, HTTP_QUERY_STATUS_CODE | HTTP_QUERY_FLAG_NUMBER, &status, &size, nullptr))
    die_with_last_error("HttpQueryInfoA(STATUS_CODE)", url);
  if (status != 200) die("status is " + std::to_string(status) + ", not 200", url);
  char text[32];
  size = sizeof text;
  if (!HttpQueryInfoA(request, HTTP_QUERY_CONTENT_LENGTH, text, &size, nullptr)) {
    if (GetLastError() == ERROR_HTTP_HEADER_NOT_FOUND) return -1;
    die_with_last_error("HttpQueryInfoA(CONTENT_LENGTH)", url);
  }
  return std::strtoll(text, nullptr, 10);
}

void check_body_length(long long expected, unsigned long long received, const std::string& url) {
  if (expected >= 0 && static_cast<unsigned long long>(expected) != received)
    die("received " + std::to_string(received) + " bytes, Content-Length is " + std::to_string(expected), url);
}

// ---- synchronous ----------------------------------------------------------------

void fetch_sync(HINTERNET session, HINTERNET connection, std::size_t url_index, char* buffer) {
  const std::string& url = options.urls[url_index];
  HINTERNET request = nullptr;
  if (options.open_url) {
    request = InternetOpenUrlA(session, url.c_str(), nullptr, 0, request_flags, 0);
    if (!request) die_with_last_error("InternetOpenUrlA", url);
  } else {
    request = HttpOpenRequestA(connection, "GET", target.paths[url_index].c_str(), nullptr, nullptr,
                               nullptr, request_flags, 0);
    if (!request) die_with_last_error("HttpOpenRequestA", url);
    if (!HttpSendRequestA(request, nullptr, 0, nullptr, 0)) die_with_last_error("HttpSendRequestA", url);
  }
  long long expected = check_response_head(request, url);
  int output_fd = open_output_for(url_index);
  unsigned long long received = 0;
  for (;;) {
    DWORD bytes_read = 0;
    if (!InternetReadFile(request, buffer, read_buffer_size, &bytes_read))
      die_with_last_error("InternetReadFile", url);
    if (bytes_read == 0) break;
    received += bytes_read;
    if (output_fd >= 0) write_all(output_fd, buffer, bytes_read);
  }
  close_output(output_fd);
  check_body_length(expected, received, url);
  if (!InternetCloseHandle(request)) die_with_last_error("InternetCloseHandle(request)", url);
}

void run_sync(HINTERNET session, HINTERNET connection) {
  std::atomic<std::size_t> next_url{0};
  auto worker = [&] {
    ReadBuffer buffer = make_read_buffer();
    for (std::size_t i; (i = next_url.fetch_add(1)) < options.urls.size();)
      fetch_sync(session, connection, i, buffer.get());
  };
  if (options.parallel == 1) {
    worker();
    return;
  }
  std::vector<std::thread> threads;
  for (long k = 0; k < options.parallel; ++k) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
}

// ---- asynchronous ---------------------------------------------------------------
//
// Each request is a Transfer, the context value of its request handle. It is owned by
// whoever holds its turn: the thread that issued a call keeps the turn when the call
// returns TRUE and hands it to the status callback when the call returns
// ERROR_IO_PENDING (the callback may then run before the call has even returned, so
// the issuing thread touches nothing afterwards). The Transfer is freed on
// HANDLE_CLOSING, which is the last notification for its handle.

struct Slot {
  ReadBuffer buffer = make_read_buffer();
};

struct AsyncRun {
  HINTERNET connection = nullptr;
  std::atomic<std::size_t> next_url{0};
  std::mutex mutex;
  std::condition_variable all_closed;
  std::size_t closed = 0;
};

AsyncRun async_run;

struct Transfer {
  enum class Stage { sending, reading };
  Stage stage = Stage::sending;
  Slot* slot = nullptr;
  std::size_t url_index = 0;
  HINTERNET request = nullptr;
  long long expected = -1;
  unsigned long long received = 0;
  int output_fd = -1;
  DWORD bytes_read = 0;         // written by a pending InternetReadFile
  INTERNET_BUFFERSA buffers{};  // used by a pending InternetReadFileEx
  const std::string& url() const { return options.urls[url_index]; }
};

void start_next(Slot* slot);

// Issues reads until one pends or the body ends. `completed_bytes` is the count a
// just-completed pending read delivered, or -1 when no read is outstanding.
void continue_reading(Transfer* t, long long completed_bytes) {
  for (;;) {
    DWORD bytes;
    if (completed_bytes >= 0) {
      bytes = static_cast<DWORD>(completed_bytes);
      completed_bytes = -1;
    } else {
      BOOL done_now;
      if (options.read_ex) {
        t->buffers = INTERNET_BUFFERSA{};
        t->buffers.dwStructSize = sizeof t->buffers;
        t->buffers.lpvBuffer = t->slot->buffer.get();
        t->buffers.dwBufferLength = read_buffer_size;
        done_now = InternetReadFileExA(t->request, &t->buffers, IRF_ASYNC, reinterpret_cast<DWORD_PTR>(t));
        if (done_now) bytes = t->buffers.dwBufferLength;
      } else {
        t->bytes_read = 0;
        done_now = InternetReadFile(t->request, t->slot->buffer.get(), read_buffer_size, &t->bytes_read);
        if (done_now) bytes = t->bytes_read;
      }
      if (!done_now) {
        if (GetLastError() == ERROR_IO_PENDING) return;  // the callback has the turn now
        die_with_last_error(options.read_ex ? "InternetReadFileExA" : "InternetReadFile", t->url());
      }
    }
    if (bytes == 0) break;
    t->received += bytes;
    if (t->output_fd >= 0) write_all(t->output_fd, t->slot->buffer.get(), bytes);
  }
  close_output(t->output_fd);
  check_body_length(t->expected, t->received, t->url());
  Slot* slot = t->slot;
  HINTERNET request = t->request;
  // HANDLE_CLOSING (and with it `delete t`) may run inside this call.
  if (!InternetCloseHandle(request)) die_with_last_error("InternetCloseHandle(request)", "");
  start_next(slot);
}

void on_sent(Transfer* t) {
  t->expected = check_response_head(t->request, t->url());
  t->output_fd = open_output_for(t->url_index);
  t->stage = Transfer::Stage::reading;
  continue_reading(t, -1);
}

void start_next(Slot* slot) {
  std::size_t index = async_run.next_url.fetch_add(1);
  if (index >= options.urls.size()) return;
  auto* t = new Transfer;
  t->slot = slot;
  t->url_index = index;
  t->request = HttpOpenRequestA(async_run.connection, "GET", target.paths[index].c_str(), nullptr, nullptr,
                                nullptr, request_flags, reinterpret_cast<DWORD_PTR>(t));
  if (!t->request) die_with_last_error("HttpOpenRequestA", t->url());
  if (HttpSendRequestA(t->request, nullptr, 0, nullptr, 0)) {
    on_sent(t);
    return;
  }
  if (GetLastError() != ERROR_IO_PENDING) die_with_last_error("HttpSendRequestA", t->url());
}

void CALLBACK on_status(HINTERNET, DWORD_PTR context, DWORD status, LPVOID info, DWORD info_length) {
  auto* t = reinterpret_cast<Transfer*>(context);
  if (!t) return;
  if (status == INTERNET_STATUS_REQUEST_COMPLETE) {
    if (info_length != sizeof(INTERNET_ASYNC_RESULT)) die("REQUEST_COMPLETE with a wrong length", t->url());
    const auto* result = static_cast<const INTERNET_ASYNC_RESULT*>(info);
    if (!result->dwResult)
      die((t->stage == Transfer::Stage::sending ? "HttpSendRequestA" : "reading") +
              std::string(" completed with error ") + std::to_string(result->dwError),
          t->url());
    if (t->stage == Transfer::Stage::sending)
      on_sent(t);
    else
      continue_reading(t, options.read_ex ? t->buffers.dwBufferLength : t->bytes_read);
  } else if (status == INTERNET_STATUS_HANDLE_CLOSING) {
    delete t;
    std::lock_guard lock(async_run.mutex);
    if (++async_run.closed == options.urls.size()) async_run.all_closed.notify_one();
  }
}

void run_async(HINTERNET connection) {
  async_run.connection = connection;
  std::vector<Slot> slots(static_cast<std::size_t>(options.parallel));
  for (Slot& slot : slots) start_next(&slot);
  std::unique_lock lock(async_run.mutex);
  async_run.all_closed.wait(lock, [] { return async_run.closed == options.urls.size(); });
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: openinet_get (--sync | --async) [--parallel M] [--max-conns N] [--read-ex] [--open-url]\n"
               "                    [--read-size BYTES] [-o FILE | -d DIR] URL...\n");
  std::exit(2);
}

void parse_options(int argc, char** argv) {
  bool mode_given = false;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; ++i) {
    std::string_view arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "--sync" || arg == "--async") {
      options.async = arg == "--async";
      mode_given = true;
    } else if (arg == "--read-ex") {
      options.read_ex = true;
    } else if (arg == "--open-url") {
      options.open_url = true;
    } else if (arg == "--parallel" && has_value) {
      options.parallel = std::strtol(argv[++i], nullptr, 10);
      if (options.parallel < 1) usage();
    } else if (arg == "--max-conns" && has_value) {
      options.max_connections = std::strtol(argv[++i], nullptr, 10);
      if (options.max_connections < 1) usage();
    } else if (arg == "--read-size" && has_value) {
      const long long size = std::strtoll(argv[++i], nullptr, 10);
      if (size < 1 || size > (1 << 30)) usage();
      read_buffer_size = static_cast<DWORD>(size);
    } else if (arg == "-o" && has_value) {
      options.output_file = argv[++i];
    } else if (arg == "-d" && has_value) {
      options.output_dir = argv[++i];
    } else {
      usage();
    }
  }
  if (!mode_given || i >= argc || (options.output_file && options.output_dir)) usage();
  if (options.async && options.open_url) die("--open-url is only supported with --sync");
  if (!options.async && options.read_ex) die("--read-ex is only supported with --async");
  options.urls.assign(argv + i, argv + argc);
  if (static_cast<std::size_t>(options.parallel) > options.urls.size())
    options.parallel = static_cast<long>(options.urls.size());
}

}  // namespace

int main(int argc, char** argv) {
  program_name = "openinet_get";
  parse_options(argc, argv);
  target = crack_same_server(options.urls, INTERNET_SCHEME_HTTP, false);
  if (options.output_file) shared_output_fd = open_output_file(options.output_file);

  if (options.max_connections > 0) {
    DWORD limit = static_cast<DWORD>(options.max_connections);
    if (!InternetSetOptionA(nullptr, INTERNET_OPTION_MAX_CONNS_PER_SERVER, &limit, sizeof limit))
      die_with_last_error("InternetSetOptionA(MAX_CONNS_PER_SERVER)", "");
  }
  HINTERNET session =
      InternetOpenA(agent, INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, options.async ? INTERNET_FLAG_ASYNC : 0);
  if (!session) die_with_last_error("InternetOpenA", "");
  if (options.async && InternetSetStatusCallbackA(session, on_status) == INTERNET_INVALID_STATUS_CALLBACK)
    die_with_last_error("InternetSetStatusCallbackA", "");
  // Context 0: no notifications for the connect handle itself.
  HINTERNET connection = InternetConnectA(session, target.host.c_str(), target.port, nullptr, nullptr,
                                          INTERNET_SERVICE_HTTP, 0, 0);
  if (!connection) die_with_last_error("InternetConnectA", target.host);

  if (options.async)
    run_async(connection);
  else
    run_sync(session, connection);

  if (!InternetCloseHandle(connection)) die_with_last_error("InternetCloseHandle(connection)", "");
  if (!InternetCloseHandle(session)) die_with_last_error("InternetCloseHandle(session)", "");
  if (shared_output_fd >= 0) close_output_file(shared_output_fd);
  return 0;
}
