// What the two OpenInet benchmark clients (openinet_get, openinet_ftp_get) share: how they
// fail, their read buffer, their output files and the one server all their URLs must name.
#pragma once

#include <openinet/wininet.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace bench {

// Set by main; names the program in error messages.
inline const char* program_name = "openinet bench client";

[[noreturn]] inline void die(const std::string& what, const std::string& detail = {}) {
  std::fprintf(stderr, "%s: %s%s%s\n", program_name, what.c_str(), detail.empty() ? "" : ": ", detail.c_str());
  std::fflush(stderr);
  std::_Exit(1);
}

// The server's last reply (FTP) that InternetGetLastResponseInfo keeps; empty when none.
inline std::string last_response_info() {
  char text[512];
  DWORD error = 0;
  DWORD length = sizeof text;
  if (!InternetGetLastResponseInfoA(&error, text, &length) || length == 0) return {};
  std::string reply(text, length < sizeof text ? length : sizeof text - 1);
  while (!reply.empty() && (reply.back() == '\n' || reply.back() == '\r')) reply.pop_back();
  return reply;
}

[[noreturn]] inline void die_with_error(const char* call, DWORD error, const std::string& url) {
  std::string message = std::string(call) + " failed with error " + std::to_string(error);
  if (std::string reply = last_response_info(); !reply.empty()) message += " (server: " + reply + ")";
  die(message, url);
}

[[noreturn]] inline void die_with_last_error(const char* call, const std::string& url) {
  die_with_error(call, GetLastError(), url);
}

// What each InternetReadFile asks for: 1 MiB, or --read-size (WinInet samples read 1-4 KiB).
inline DWORD read_buffer_size = 1 << 20;

// Left uninitialised so that only the pages a transfer really fills count towards the peak
// RSS (50 zero-filled buffers would add 50 MiB that no small download needs).
using ReadBuffer = std::unique_ptr<char[]>;
inline ReadBuffer make_read_buffer() { return std::make_unique_for_overwrite<char[]>(read_buffer_size); }

// The server every URL names, and each URL's path (with its query).
struct Target {
  std::string host;
  INTERNET_PORT port = 0;
  std::vector<std::string> paths;  // one per URL
};

// Cracks the URLs with InternetCrackUrlA, as a WinInet program would, and insists that they
// all use `scheme` on one server, without user names; `need_file`: the path must name a file.
inline Target crack_same_server(const std::vector<std::string>& urls, INTERNET_SCHEME scheme, bool need_file) {
  Target target;
  target.paths.reserve(urls.size());
  for (const std::string& url : urls) {
    URL_COMPONENTSA parts{};
    parts.dwStructSize = sizeof parts;
    parts.dwHostNameLength = parts.dwUserNameLength = parts.dwUrlPathLength = parts.dwExtraInfoLength = 1;
    if (!InternetCrackUrlA(url.c_str(), 0, 0, &parts)) die_with_last_error("InternetCrackUrlA", url);
    if (parts.nScheme != scheme) die("unsupported scheme", url);
    if (parts.dwUserNameLength != 0) die("user names in URLs are not supported", url);
    if (parts.dwHostNameLength == 0) die("no host in URL", url);
    std::string host(parts.lpszHostName, parts.dwHostNameLength);
    std::string path(parts.lpszUrlPath ? parts.lpszUrlPath : "", parts.dwUrlPathLength);
    if (parts.lpszExtraInfo) path.append(parts.lpszExtraInfo, parts.dwExtraInfoLength);
    if (path.empty()) path = "/";
    if (need_file && path.back() == '/') die("the URL names no file", url);
    if (target.paths.empty()) {
      target.host = host;
      target.port = parts.nPort;
    } else if (host != target.host || parts.nPort != target.port) {
      die("all URLs must name the same server", url);
    }
    target.paths.push_back(std::move(path));
  }
  return target;
}

inline void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("write failed", std::strerror(errno));
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

// Where -d DIR puts the file of a URL path: DIR/<last segment> ("index.html" for a directory).
inline std::string file_in_directory(const char* directory, const std::string& url_path) {
  const std::string path = url_path.substr(0, url_path.find('?'));
  std::string name = path.substr(path.rfind('/') + 1);
  if (name.empty()) name = "index.html";
  return std::string(directory) + "/" + name;
}

inline int open_output_file(const std::string& file) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) die("cannot open output", file);
  return fd;
}

inline void close_output_file(int fd) {
  if (::close(fd) != 0) die("cannot write output", std::strerror(errno));
}

}  // namespace bench
