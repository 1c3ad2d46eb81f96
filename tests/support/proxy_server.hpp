// A private forward proxy (tinyproxy) on 127.0.0.1 for integration tests.
//
// It forwards absolute-form requests ("GET http://127.0.0.1:<port>/... HTTP/1.1") and opens
// CONNECT tunnels to any port, for clients on 127.0.0.1 only. It never uses the system's
// tinyproxy configuration or service: its own config, log and port live in a private temporary
// directory, and it runs in the foreground as a child of the test process (stopped by its PID).
// The Via header is kept, so a server behind it can see that a request came through the proxy;
// the log (log_text()) records every connection, CONNECT and forwarded request.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "process.hpp"

namespace openinet::test {

class ProxyServer {
 public:
  ProxyServer();
  ~ProxyServer();  // stops tinyproxy and removes its directory
  ProxyServer(const ProxyServer&) = delete;
  ProxyServer& operator=(const ProxyServer&) = delete;

  // Starts tinyproxy and waits (at most 10 s) until its port accepts connections. Throws with
  // tinyproxy's log and output when it cannot. Retries with another port when one was taken
  // meanwhile.
  void start();
  // SIGTERM, then SIGKILL after 5 s, then waitpid.
  void stop();
  bool running();
  pid_t pid() const { return process_.pid(); }

  std::uint16_t port() const { return port_; }
  // The log file's contents (tinyproxy writes each line as it happens).
  std::string log_text() const;
  // Waits (bounded) until the log contains `needle` and returns the whole log (which then may
  // still lack it when the limit passed).
  std::string wait_for_log(std::string_view needle,
                           std::chrono::milliseconds limit = std::chrono::seconds(5)) const;

  const std::filesystem::path& directory() const { return dir_.path(); }

 private:
  void write_config();
  bool try_start(std::string& failure);

  TempDir dir_;
  ChildProcess process_;
  std::uint16_t port_ = 0;
};

// One proxy for the whole test binary, started on first use and stopped (by PID) at exit.
ProxyServer& shared_proxy();

}  // namespace openinet::test
