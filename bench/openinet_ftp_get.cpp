// The OpenInet FTP client of the benchmark, written against the WinInet C API only, the
// way a Windows program would fetch files over passive FTP.
//
//   openinet_ftp_get (--sync | --async) [--parallel M] [--expect-size BYTES]
//                    [--read-size BYTES] [--get-file | --open-url] [-o FILE | -d DIR] URL...
//
// --sync   M threads (default 1), each with its own connect handle (InternetConnect,
//          INTERNET_SERVICE_FTP, INTERNET_FLAG_PASSIVE: one control connection and login
//          per thread). Each thread takes the next URL and fetches it over its control
//          connection: FtpOpenFile(GENERIC_READ, binary) and an InternetReadFile loop with
//          a 1 MiB buffer (--read-size: another size), then InternetCloseHandle of the file
//          handle.
//          --get-file: FtpGetFile to the -o file (one URL) or into the -d directory instead.
//          --open-url: InternetOpenUrl("ftp://...") per URL (a hidden connection each time)
//          instead of the connect handle and FtpOpenFile.
// --async  an INTERNET_FLAG_ASYNC session with a status callback and M connect handles, each
//          running one transfer at a time driven by REQUEST_COMPLETE: FtpOpenFile, then
//          InternetReadFile until 0 bytes, InternetCloseHandle, the next URL.
//
// All URLs are ftp://HOST[:PORT]/PATH on one server, fetched as the anonymous user. Without
// -o/-d the bodies are discarded. Exits non-zero on any failure (printing the WinInet error
// number and the server's last reply) and, with --expect-size, on a file of another length.
#include "client_common.hpp"

#include <openinet/wininet.h>

#include <fcntl.h>
#include <sys/stat.h>
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

// Cache flags as a Windows program fetching fresh files would pass them.
constexpr DWORD file_flags = FTP_TRANSFER_TYPE_BINARY | INTERNET_FLAG_RELOAD | INTERNET_FLAG_NO_CACHE_WRITE;
const char* const agent = "openinet_ftp_get";

struct Options {
  bool async = false;
  bool get_file = false;
  bool open_url = false;
  long parallel = 1;
  long long expected_size = -1;
  const char* output_file = nullptr;
  const char* output_dir = nullptr;
  std::vector<std::string> urls;
};

using namespace bench;

Options options;
Target target;
int shared_output_fd = -1;

std::string output_path_for(std::size_t url_index) {
  if (!options.output_dir) return options.output_file ? options.output_file : "";
  return file_in_directory(options.output_dir, target.paths[url_index]);
}

int open_output_for(std::size_t url_index) {
  if (!options.output_dir) return shared_output_fd;
  return open_output_file(output_path_for(url_index));
}

void close_output(int fd) {
  if (options.output_dir) close_output_file(fd);
}

void check_size(unsigned long long received, const std::string& url) {
  if (options.expected_size >= 0 && static_cast<unsigned long long>(options.expected_size) != received)
    die("received " + std::to_string(received) + " bytes, expected " + std::to_string(options.expected_size), url);
}

HINTERNET connect_ftp(HINTERNET session, DWORD_PTR context) {
  // No user name: WinInet logs in as "anonymous".
  return InternetConnectA(session, target.host.c_str(), target.port, nullptr, nullptr, INTERNET_SERVICE_FTP,
                          INTERNET_FLAG_PASSIVE, context);
}

// ---- synchronous ----------------------------------------------------------------

unsigned long long read_to_end(HINTERNET file, char* buffer, int output_fd, const std::string& url) {
  unsigned long long received = 0;
  for (;;) {
    DWORD bytes_read = 0;
    if (!InternetReadFile(file, buffer, read_buffer_size, &bytes_read)) die_with_last_error("InternetReadFile", url);
    if (bytes_read == 0) return received;
    received += bytes_read;
    if (output_fd >= 0) write_all(output_fd, buffer, bytes_read);
  }
}

void fetch_sync(HINTERNET session, HINTERNET connection, std::size_t url_index, char* buffer) {
  const std::string& url = options.urls[url_index];
  if (options.get_file) {
    std::string local = output_path_for(url_index);
    if (!FtpGetFileA(connection, target.paths[url_index].c_str(), local.c_str(), FALSE, FILE_ATTRIBUTE_NORMAL,
                     file_flags, 0))
      die_with_last_error("FtpGetFileA", url);
    struct stat status{};
    if (::stat(local.c_str(), &status) != 0) die("FtpGetFileA left no file", local);
    check_size(static_cast<unsigned long long>(status.st_size), url);
    return;
  }
  HINTERNET file = options.open_url
                       ? InternetOpenUrlA(session, url.c_str(), nullptr, 0, file_flags | INTERNET_FLAG_PASSIVE, 0)
                       : FtpOpenFileA(connection, target.paths[url_index].c_str(), GENERIC_READ, file_flags, 0);
  if (!file) die_with_last_error(options.open_url ? "InternetOpenUrlA" : "FtpOpenFileA", url);
  int output_fd = open_output_for(url_index);
  unsigned long long received = read_to_end(file, buffer, output_fd, url);
  close_output(output_fd);
  check_size(received, url);
  if (!InternetCloseHandle(file)) die_with_last_error("InternetCloseHandle(file)", url);
}

void run_sync(HINTERNET session) {
  std::atomic<std::size_t> next_url{0};
  auto worker = [&] {
    HINTERNET connection = nullptr;
    if (!options.open_url) {
      connection = connect_ftp(session, 0);
      if (!connection) die_with_last_error("InternetConnectA", target.host);
    }
    ReadBuffer buffer = options.get_file ? nullptr : make_read_buffer();
    for (std::size_t i; (i = next_url.fetch_add(1)) < options.urls.size();)
      fetch_sync(session, connection, i, buffer.get());
    if (connection && !InternetCloseHandle(connection)) die_with_last_error("InternetCloseHandle(connection)", "");
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
// Every handle's context is a Context: a Connection for a connect handle, a Transfer for a
// file handle. Whoever holds a connection's turn owns it and its current Transfer: the thread
// that issued a call keeps the turn when the call completes at once and hands it to the status
// callback when the call fails with ERROR_IO_PENDING (the callback may then run before the
// call has even returned, so the issuing thread touches nothing afterwards). A Transfer is
// freed on its handle's HANDLE_CLOSING, the last notification for that handle.

struct Context {
  enum class Kind { connection, transfer };
  explicit Context(Kind k) : kind(k) {}
  Kind kind;
};

struct Connection : Context {
  Connection() : Context(Kind::connection) {}
  HINTERNET handle = nullptr;
  ReadBuffer buffer = make_read_buffer();
};

struct Transfer : Context {
  enum class Stage { opening, reading };
  Transfer() : Context(Kind::transfer) {}
  Stage stage = Stage::opening;
  Connection* connection = nullptr;
  std::size_t url_index = 0;
  HINTERNET file = nullptr;
  unsigned long long received = 0;
  int output_fd = -1;
  DWORD bytes_read = 0;  // written by a pending InternetReadFile
  const std::string& url() const { return options.urls[url_index]; }
};

struct AsyncRun {
  HINTERNET session = nullptr;
  std::atomic<std::size_t> next_url{0};
  std::mutex mutex;
  std::condition_variable all_closed;
  std::size_t connections_closed = 0;
  std::size_t transfers_closed = 0;
  bool done() const {
    return connections_closed == static_cast<std::size_t>(options.parallel) &&
           transfers_closed == options.urls.size();
  }
};

AsyncRun async_run;

void start_next(Connection* c);

// Issues reads until one pends or the file ends. `completed_bytes` is the count a
// just-completed pending read delivered, or -1 when no read is outstanding.
void continue_reading(Transfer* t, long long completed_bytes) {
  char* buffer = t->connection->buffer.get();
  for (;;) {
    DWORD bytes;
    if (completed_bytes >= 0) {
      bytes = static_cast<DWORD>(completed_bytes);
      completed_bytes = -1;
    } else {
      t->bytes_read = 0;
      if (!InternetReadFile(t->file, buffer, read_buffer_size, &t->bytes_read)) {
        if (GetLastError() == ERROR_IO_PENDING) return;  // the callback has the turn now
        die_with_last_error("InternetReadFile", t->url());
      }
      bytes = t->bytes_read;
    }
    if (bytes == 0) break;
    t->received += bytes;
    if (t->output_fd >= 0) write_all(t->output_fd, buffer, bytes);
  }
  close_output(t->output_fd);
  check_size(t->received, t->url());
  Connection* connection = t->connection;
  HINTERNET file = t->file;
  // HANDLE_CLOSING (and with it `delete t`) may run inside this call.
  if (!InternetCloseHandle(file)) die_with_last_error("InternetCloseHandle(file)", "");
  start_next(connection);
}

void on_opened(Transfer* t) {
  t->output_fd = open_output_for(t->url_index);
  t->stage = Transfer::Stage::reading;
  continue_reading(t, -1);
}

void start_next(Connection* c) {
  std::size_t index = async_run.next_url.fetch_add(1);
  if (index >= options.urls.size()) {
    if (!InternetCloseHandle(c->handle)) die_with_last_error("InternetCloseHandle(connection)", "");
    return;
  }
  auto* t = new Transfer;
  t->connection = c;
  t->url_index = index;
  HINTERNET file =
      FtpOpenFileA(c->handle, target.paths[index].c_str(), GENERIC_READ, file_flags, reinterpret_cast<DWORD_PTR>(t));
  if (file) {
    t->file = file;
    on_opened(t);
    return;
  }
  if (GetLastError() != ERROR_IO_PENDING) die_with_last_error("FtpOpenFileA", t->url());
}

void on_connected(Connection* c, HINTERNET handle) {
  c->handle = handle;
  start_next(c);
}

void on_request_complete(Context* context, const INTERNET_ASYNC_RESULT& result) {
  if (context->kind == Context::Kind::connection) {
    auto* c = static_cast<Connection*>(context);
    // Later operations report with their own contexts (FtpOpenFile's, the file handle's).
    if (c->handle) die("REQUEST_COMPLETE for a connect handle that is already connected");
    if (!result.dwResult) die_with_error("InternetConnectA (completion)", result.dwError, target.host);
    on_connected(c, reinterpret_cast<HINTERNET>(result.dwResult));
    return;
  }
  auto* t = static_cast<Transfer*>(context);
  if (t->stage == Transfer::Stage::opening) {
    if (!result.dwResult) die_with_error("FtpOpenFileA (completion)", result.dwError, t->url());
    t->file = reinterpret_cast<HINTERNET>(result.dwResult);
    on_opened(t);
  } else {
    if (!result.dwResult) die_with_error("InternetReadFile (completion)", result.dwError, t->url());
    continue_reading(t, t->bytes_read);
  }
}

void CALLBACK on_status(HINTERNET, DWORD_PTR context_value, DWORD status, LPVOID info, DWORD info_length) {
  auto* context = reinterpret_cast<Context*>(context_value);
  if (!context) return;
  if (status == INTERNET_STATUS_REQUEST_COMPLETE) {
    if (info_length != sizeof(INTERNET_ASYNC_RESULT)) die("REQUEST_COMPLETE with a wrong length");
    on_request_complete(context, *static_cast<const INTERNET_ASYNC_RESULT*>(info));
  } else if (status == INTERNET_STATUS_HANDLE_CLOSING) {
    bool is_connection = context->kind == Context::Kind::connection;
    if (!is_connection) delete static_cast<Transfer*>(context);
    std::lock_guard lock(async_run.mutex);
    ++(is_connection ? async_run.connections_closed : async_run.transfers_closed);
    if (async_run.done()) async_run.all_closed.notify_one();
  }
}

void run_async(HINTERNET session) {
  async_run.session = session;
  std::vector<Connection> connections(static_cast<std::size_t>(options.parallel));
  for (Connection& c : connections) {
    // The login may complete at once or pend; the handle then arrives with REQUEST_COMPLETE.
    HINTERNET handle = connect_ftp(session, reinterpret_cast<DWORD_PTR>(&c));
    if (handle) {
      on_connected(&c, handle);
    } else if (GetLastError() != ERROR_IO_PENDING) {
      die_with_last_error("InternetConnectA", target.host);
    }
  }
  std::unique_lock lock(async_run.mutex);
  async_run.all_closed.wait(lock, [] { return async_run.done(); });
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: openinet_ftp_get (--sync | --async) [--parallel M] [--expect-size BYTES]\n"
               "                        [--read-size BYTES] [--get-file | --open-url] [-o FILE | -d DIR] URL...\n");
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
    } else if (arg == "--get-file") {
      options.get_file = true;
    } else if (arg == "--open-url") {
      options.open_url = true;
    } else if (arg == "--parallel" && has_value) {
      options.parallel = std::strtol(argv[++i], nullptr, 10);
      if (options.parallel < 1) usage();
    } else if (arg == "--expect-size" && has_value) {
      options.expected_size = std::strtoll(argv[++i], nullptr, 10);
      if (options.expected_size < 0) usage();
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
  if (options.get_file && options.open_url) usage();
  if (options.async && (options.get_file || options.open_url)) die("--get-file and --open-url need --sync");
  options.urls.assign(argv + i, argv + argc);
  if (options.get_file && !options.output_dir && !(options.output_file && options.urls.size() == 1))
    die("--get-file needs -d DIR, or -o FILE with one URL");
  if (static_cast<std::size_t>(options.parallel) > options.urls.size())
    options.parallel = static_cast<long>(options.urls.size());
}

}  // namespace

int main(int argc, char** argv) {
  program_name = "openinet_ftp_get";
  parse_options(argc, argv);
  target = crack_same_server(options.urls, INTERNET_SCHEME_FTP, true);
  if (options.output_file && !options.get_file) shared_output_fd = open_output_file(options.output_file);

  HINTERNET session =
      InternetOpenA(agent, INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, options.async ? INTERNET_FLAG_ASYNC : 0);
  if (!session) die_with_last_error("InternetOpenA", "");
  if (options.async && InternetSetStatusCallbackA(session, on_status) == INTERNET_INVALID_STATUS_CALLBACK)
    die_with_last_error("InternetSetStatusCallbackA", "");

  if (options.async)
    run_async(session);
  else
    run_sync(session);

  if (!InternetCloseHandle(session)) die_with_last_error("InternetCloseHandle(session)", "");
  if (shared_output_fd >= 0) close_output_file(shared_output_fd);
  return 0;
}
