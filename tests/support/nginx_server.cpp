#include "nginx_server.hpp"

#include <unistd.h>

#include <charconv>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "content.hpp"

namespace openinet::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* nginx_binary = "/usr/sbin/nginx";
constexpr const char* echo_module = "/usr/lib/nginx/modules/ngx_http_echo_module.so";
constexpr int start_attempts = 5;
constexpr auto start_limit = 10s;

fs::path relative_to_root(std::string_view url_path) {
  if (url_path.empty() || url_path.front() != '/')
    throw std::invalid_argument("url path must start with '/': " + std::string(url_path));
  fs::path relative = fs::path(url_path.substr(1)).lexically_normal();
  if (relative.empty() || *relative.begin() == "..")
    throw std::invalid_argument("url path escapes the docroot: " + std::string(url_path));
  return relative;
}

std::string locations_config(const fs::path& docroot, const fs::path& upload_root,
                             const fs::path& htpasswd, std::uint16_t http_port,
                             std::uint16_t good_https_port) {
  std::ostringstream c;
  std::string root = docroot.string();
  c << "location / { }\n";
  c << "location /gzip/ { alias " << root << "/; gzip_types *; }\n";
  // SSI processing drops Content-Length, so nginx streams the unchanged file chunked.
  c << "location /chunked/ { alias " << root << "/; ssi on; ssi_types *; gzip off; }\n";
  for (int code : {301, 302, 303, 307, 308})
    c << "location ~ ^/redirect/" << code << "(/.*)$ { return " << code << " $1$is_args$args; }\n";
  c << "location ~ ^/redirect/chain/1(/.*)$ { return 302 $1$is_args$args; }\n";
  for (int hops = 2; hops <= NginxServer::max_redirect_chain; ++hops)
    c << "location ~ ^/redirect/chain/" << hops << "(/.*)$ { return 302 /redirect/chain/" << hops - 1
      << "$1$is_args$args; }\n";
  c << "location = /redirect/loop { return 302 /redirect/loop; }\n";
  c << "location = /redirect/loop-a { return 302 /redirect/loop-b; }\n";
  c << "location = /redirect/loop-b { return 302 /redirect/loop-a; }\n";
  c << "location ~ ^/redirect/relative(/.*)$ { absolute_redirect off; return 302 $1$is_args$args; }\n";
  c << "location ~ ^/redirect/to-https(/.*)$ { return 302 https://localhost:" << good_https_port
    << "$1$is_args$args; }\n";
  c << "location ~ ^/redirect/to-http(/.*)$ { return 302 http://127.0.0.1:" << http_port
    << "$1$is_args$args; }\n";
  c << "location /upload/ { root " << upload_root.string()
    << "; dav_methods PUT DELETE MKCOL COPY MOVE; create_full_put_path on;"
       " dav_access user:rw group:r all:r; client_max_body_size 0; }\n";
  c << "location = /echo/body { default_type application/octet-stream;"
       " echo_read_request_body; echo_request_body; }\n";
  c << "location = /echo/headers { default_type text/plain; echo -n $echo_client_request_headers; }\n";
  c << "location = /echo/request { default_type application/octet-stream; echo_read_request_body;"
       " echo -n $echo_client_request_headers; echo_request_body; }\n";
  c << "location = /echo/method { default_type text/plain; echo $request_method; }\n";
  for (int code : {200, 201, 204, 304, 400, 401, 403, 404, 405, 410, 500, 502, 503}) {
    c << "location = /status/" << code << " { ";
    if (code == 401) c << "add_header WWW-Authenticate 'Basic realm=\"openinet\"' always; ";
    if (code == 503) c << "add_header Retry-After 1 always; ";
    if (code == 204 || code == 304)
      c << "return " << code << "; }\n";
    else
      c << "return " << code << " \"status " << code << "\\n\"; }\n";
  }
  c << "location /auth/ { alias " << root << "/; auth_basic \"OpenInet test\"; auth_basic_user_file "
    << htpasswd.string() << "; }\n";
  c << "location = /cookies/set { add_header Set-Cookie \"session=abc123; Path=/\" always;"
       " add_header Set-Cookie \"theme=dark; Path=/\" always; return 200 \"cookies set\\n\"; }\n";
  return c.str();
}

std::string main_config(const fs::path& prefix, bool as_root, std::uint16_t http_port,
                        const std::map<CertKind, std::uint16_t>& https_ports) {
  std::string p = prefix.string();
  std::ostringstream c;
  // One process: stopping it by its PID stops everything (no orphaned workers).
  c << "master_process off;\ndaemon off;\n";
  if (as_root) c << "user root;\n";
  c << "pid " << p << "/nginx.pid;\n";
  c << "error_log " << p << "/logs/error.log info;\n";
  c << "load_module " << echo_module << ";\n";
  c << "events { worker_connections 1024; }\n";
  c << "http {\n";
  if (fs::exists("/etc/nginx/mime.types"))
    c << "  include /etc/nginx/mime.types;\n";
  else
    c << "  types { text/html html; text/plain txt; application/json json; }\n";
  c << "  default_type application/octet-stream;\n";
  c << "  log_format openinet escape=json '$connection\\t$connection_requests\\t$server_port\\t"
       "$request_method\\t$request_uri\\t$status\\t$body_bytes_sent\\t$request_length\\t"
       "$http_range\\t$http_accept_encoding\\t$http_user_agent';\n";
  c << "  access_log " << p << "/logs/access.log openinet;\n";
  c << "  sendfile on;\n  tcp_nopush on;\n  server_tokens off;\n";
  c << "  keepalive_timeout 65s;\n  keepalive_requests 100000;\n";
  c << "  client_max_body_size 0;\n  client_body_buffer_size 16m;\n";
  c << "  large_client_header_buffers 8 64k;\n";
  for (const char* kind : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
    c << "  " << kind << "_temp_path " << p << "/tmp/" << kind << ";\n";
  c << "  gzip on;\n  gzip_min_length 0;\n  gzip_proxied any;\n";
  c << "  gzip_types text/plain text/css text/xml application/json application/javascript"
       " application/xml;\n";
  auto server = [&](std::uint16_t port, const CertFiles* tls) {
    c << "  server {\n    listen 127.0.0.1:" << port << (tls ? " ssl" : "") << ";\n";
    c << "    server_name localhost;\n    root " << p << "/html;\n";
    if (tls)
      c << "    ssl_certificate " << tls->cert.string() << ";\n    ssl_certificate_key "
        << tls->key.string() << ";\n";
    c << "    include " << p << "/conf/locations.conf;\n  }\n";
  };
  server(http_port, nullptr);
  for (const auto& [kind, port] : https_ports) {
    CertFiles files = TestCa::instance().files(kind);
    server(port, &files);
  }
  c << "}\n";
  return c.str();
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = text.find(separator, start);
    fields.emplace_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return fields;
    start = end + 1;
  }
}

template <class Number>
Number to_number(const std::string& text) {
  Number value{};
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace

NginxServer::NginxServer() : dir_("nginx") {
  // Created first so that it is destroyed after any static NginxServer that uses its files.
  TestCa::instance();
  for (const char* sub : {"html", "upload", "logs", "conf", "tmp"})
    fs::create_directories(dir_ / sub);
  write_file(dir_ / "conf/htpasswd",
             std::string(basic_auth_user) + ":{PLAIN}" + std::string(basic_auth_password) + "\n");
  add_file("/files/empty.bin", "");
  add_file("/files/small.txt", "Hello from OpenInet nginx\n");
  add_file("/index.html", "<!DOCTYPE html>\n<html><body><p>OpenInet test server</p></body></html>\n");
  add_pattern_file("/files/1k.bin", 1024);
  add_pattern_file("/files/64k.bin", 64 * 1024);
  add_pattern_file("/files/1m.bin", 1024 * 1024);
  add_pattern_file("/files/10m.bin", 10 * 1024 * 1024);
  add_text_file("/files/text-100k.txt", 100000);
}

NginxServer::~NginxServer() { stop(); }

void NginxServer::add_file(std::string_view url_path, std::string_view content) {
  write_file(docroot_path(url_path), content);
}

void NginxServer::add_pattern_file(std::string_view url_path, std::uint64_t size) {
  write_pattern_file(docroot_path(url_path), size);
}

void NginxServer::add_text_file(std::string_view url_path, std::uint64_t size) {
  write_text_file(docroot_path(url_path), size);
}

fs::path NginxServer::docroot_path(std::string_view url_path) const {
  return dir_ / "html" / relative_to_root(url_path);
}

fs::path NginxServer::upload_path(std::string_view url_path) const {
  fs::path relative = relative_to_root(url_path);
  if (*relative.begin() != "upload")
    throw std::invalid_argument("upload paths start with /upload/: " + std::string(url_path));
  return dir_.path() / relative;
}

std::uint16_t NginxServer::https_port(CertKind kind) const {
  auto found = https_ports_.find(kind);
  return found == https_ports_.end() ? 0 : found->second;
}

std::string NginxServer::http_url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(http_port_) + std::string(path);
}

std::string NginxServer::https_url(std::string_view path, CertKind kind) const {
  return "https://localhost:" + std::to_string(https_port(kind)) + std::string(path);
}

void NginxServer::write_config() {
  write_file(dir_ / "conf/locations.conf",
             locations_config(dir_ / "html", dir_.path(), dir_ / "conf/htpasswd", http_port_,
                              https_port(CertKind::good)));
  write_file(dir_ / "conf/nginx.conf", main_config(dir_.path(), ::geteuid() == 0, http_port_, https_ports_));
}

bool NginxServer::try_start(std::string& failure) {
  std::set<std::uint16_t> ports;
  while (ports.size() < 1 + std::size(all_cert_kinds)) ports.insert(pick_free_port());
  auto next = ports.begin();
  http_port_ = *next++;
  for (CertKind kind : all_cert_kinds) https_ports_[kind] = *next++;
  write_config();
  // A fresh error log per attempt, so the failure reported is this attempt's.
  fs::remove(dir_ / "logs/error.log");

  process_ = ChildProcess::spawn(
      {nginx_binary, "-p", dir_.path().string() + "/", "-e", (dir_ / "logs/error.log").string(), "-c",
       (dir_ / "conf/nginx.conf").string()},
      SpawnOptions{dir_ / "logs/stderr.log", dir_.path()});

  auto deadline = std::chrono::steady_clock::now() + start_limit;
  std::vector<std::uint16_t> waiting(ports.begin(), ports.end());
  while (!waiting.empty()) {
    if (!process_.running()) {
      failure = "nginx exited during startup:\n" + error_log() + read_file(dir_ / "logs/stderr.log");
      return false;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      failure = "nginx did not accept connections within 10 s:\n" + error_log();
      process_.stop();
      return false;
    }
    if (can_connect(waiting.back()))
      waiting.pop_back();
    else
      std::this_thread::sleep_for(10ms);
  }
  // Someone else may own a port we probed; nginx then exits on its bind error.
  if (!process_.running()) {
    failure = "nginx exited during startup:\n" + error_log();
    return false;
  }
  return true;
}

void NginxServer::start() {
  if (process_.running()) return;
  std::string failure;
  for (int attempt = 1; attempt <= start_attempts; ++attempt) {
    if (try_start(failure)) return;
    if (failure.find("Address already in use") == std::string::npos) break;
  }
  throw std::runtime_error(failure);
}

void NginxServer::stop() { process_.stop(5s); }

bool NginxServer::running() { return process_.running(); }

std::vector<AccessLogEntry> NginxServer::access_log() const {
  std::vector<AccessLogEntry> entries;
  std::istringstream lines(read_file(dir_ / "logs/access.log"));
  std::string line;
  while (std::getline(lines, line)) {
    auto fields = split(line, '\t');
    if (fields.size() < 11) continue;
    AccessLogEntry entry;
    entry.connection = to_number<std::uint64_t>(fields[0]);
    entry.connection_requests = to_number<std::uint64_t>(fields[1]);
    entry.server_port = to_number<std::uint16_t>(fields[2]);
    entry.method = fields[3];
    entry.request_uri = fields[4];
    entry.status = to_number<int>(fields[5]);
    entry.body_bytes_sent = to_number<std::uint64_t>(fields[6]);
    entry.request_length = to_number<std::uint64_t>(fields[7]);
    entry.range = fields[8];
    entry.accept_encoding = fields[9];
    entry.user_agent = fields[10];
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::vector<AccessLogEntry> NginxServer::wait_for_access_log(std::string_view request_uri, std::size_t count,
                                                             std::chrono::milliseconds limit) const {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    std::vector<AccessLogEntry> matching;
    for (auto& entry : access_log())
      if (entry.request_uri == request_uri) matching.push_back(std::move(entry));
    if (matching.size() >= count || std::chrono::steady_clock::now() >= deadline) return matching;
    std::this_thread::sleep_for(20ms);
  }
}

std::vector<std::uint64_t> NginxServer::connection_ids_for(std::string_view request_uri, std::size_t count) const {
  std::vector<std::uint64_t> ids;
  for (const auto& entry : wait_for_access_log(request_uri, count)) ids.push_back(entry.connection);
  return ids;
}

std::string NginxServer::error_log() const { return read_file(dir_ / "logs/error.log"); }

NginxServer& shared_nginx() {
  // Destroyed at exit like any static, which stops nginx by its PID; the process registry's
  // atexit hook and PR_SET_PDEATHSIG are the backstops.
  static NginxServer server;
  static std::mutex start_mutex;
  std::lock_guard lock(start_mutex);
  server.start();
  return server;
}

}  // namespace openinet::test
