// A small scriptable TCP server on 127.0.0.1 for what nginx will not do: stalls, trickles,
// truncated bodies, resets, malformed responses, exact byte-level replies.
//
// Every accepted connection runs the next queued Script (one per connection, in order of
// acceptance; connections beyond the queue run the default script, which closes at once).
// A script is plain data:
//
//   server.add_script({step::ReadRequest{}, step::Send{http_response(200, "hello")},
//                      step::ReadRequest{}, step::Trickle{body, 10, 50ms}, step::Close{}});
//
// Steps are protocol-neutral where they can be (lines, bytes), so FTP control scripts can use
// ReadLine / ExpectLine / SendLine. When a script ends without Close/Reset the connection is
// closed gracefully (FIN). A read that meets end-of-stream ends the script and is recorded in
// ConnectionRecord::error.
//
// Everything runs on the server's own thread. stop() (also run by the destructor) closes every
// connection and returns promptly even while steps stall: tests never hang on this server.
//
// FTP: a control script can open data connections (see "FTP data connections" below):
//
//   server.add_script({step::Answer{ftp_login_replies(), "EPSV"}, step::PassiveReply{},
//                      step::ExpectLine{"RETR f"}, step::SendLine{"150 here"},
//                      step::DataScript{{step::Send{"payload"}, step::Close{}}}, step::AwaitData{},
//                      step::SendLine{"226 done"}, step::ReadUntilClose{}});
//
// There is no "connect stall" mode: on loopback the kernel completes connections even when the
// server never accepts (listen backlog), so connect-timeout tests stall name resolution with the
// resolver test hook instead. Options::accept_connections = false gives "connected, but the
// server never accepts".
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "test_ca.hpp"

namespace openinet::test {

namespace step {

inline constexpr std::chrono::milliseconds forever = std::chrono::hours(24);

// An HTTP request: the head (up to and including the blank line), then a body framed by
// Content-Length or chunked transfer coding. Recorded, raw, in requests().
struct ReadRequest {};
// Only the head; recorded as a new request. Use for "100 Continue" scripts.
struct ReadRequestHead {};
// The body announced by the last request head; appended to that request.
struct ReadRequestBody {};
// One line ending in CRLF (or LF); recorded (without the line end) in ConnectionRecord::lines.
struct ReadLine {};
// ReadLine, and the script ends (recording an error) unless the line starts with `prefix`.
struct ExpectLine {
  std::string prefix;
};
// Exactly `count` bytes.
struct ReadBytes {
  std::size_t count = 0;
};
// Reads and records until the peer closes (or stop()): "accept and never answer".
struct ReadUntilClose {};
struct Send {
  std::string bytes;
};
// `line` followed by CRLF.
struct SendLine {
  std::string line;
};
// `bytes` in pieces of `chunk_size`, waiting `interval` between pieces.
struct Trickle {
  std::string bytes;
  std::size_t chunk_size = 1;
  std::chrono::milliseconds interval{10};
};
// Does nothing for `duration` (reads nothing either). Stall{step::forever} until stop().
struct Stall {
  std::chrono::milliseconds duration{0};
};
// Sends the first `bytes_before_drop` bytes of `payload`, then closes (FIN) or resets (RST).
// After an RST the peer may lose data it has not read yet.
struct DropAfter {
  std::string payload;
  std::size_t bytes_before_drop = 0;
  bool reset = false;
};
// Graceful close: TLS close_notify (bounded), FIN, reads what the peer still sends (bounded), close.
struct Close {};
// Abortive close: SO_LINGER 0, so the peer gets an RST.
struct Reset {};

// Waits until the test calls ScriptedServer::release_gate() (each Gate step passes one release,
// in the order the steps reach it; releases made earlier are kept). Lets a test make sure a
// client call is already waiting before the server answers it (e.g. a read that must pend).
struct Gate {};

// ---- FTP control connections ----

// Reads command lines and answers each with the reply of the first entry whose command the line
// starts with (sent with CRLF appended; embedded CRLFs make multi-line replies), until a line
// starts with `until`: that line is read and recorded but not answered, so the next steps
// answer it. A line no entry matches gets "502 Command not scripted". Lets a script log in and
// answer TYPE/PWD/FEAT without fixing the order in which the client sends them. An empty
// `until` answers until the peer closes the connection (and the script ends there, no error).
struct Answer {
  std::vector<std::pair<std::string, std::string>> replies;
  std::string until;
};

// ---- FTP data connections ----
//
// A control script opens a data connection with PassiveReply (the client connects to a fresh
// listener) or ActiveTarget (the server connects to the client's PORT/EPRT address), then
// DataScript runs byte-level steps on it *while the control script goes on*; AwaitData makes the
// control script wait for the data script to end (e.g. to send 226 only after the data's FIN).
// Data connections are recorded separately: ScriptedServer::data_connections().

// Opens a listener on 127.0.0.1, port 0, for this control connection's next DataScript and sends
// the passive reply naming its port:
//   epsv: "229 Entering Extended Passive Mode (|||<port>|)"
//   pasv: "227 Entering Passive Mode (127,0,0,1,<p1>,<p2>)"
// A non-empty `text` replaces that reply; "{port}", "{p1}" and "{p2}" in it are replaced by the
// port, its high and its low byte (for odd but legal forms such as "227 =127,0,0,1,{p1},{p2}").
struct PassiveReply {
  enum Kind { epsv, pasv };
  Kind kind = epsv;
  std::string text;
};
// The last line read was "PORT h1,h2,h3,h4,p1,p2" or "EPRT |1|addr|port|": the next DataScript
// connects there instead of accepting. The script ends with an error when the line is neither.
struct ActiveTarget {};

// What a data connection can do: the byte-level steps.
using DataStep = std::variant<ReadBytes, ReadUntilClose, Send, SendLine, Trickle, Stall, DropAfter, Close, Reset, Gate>;

// Accepts (PassiveReply) or makes (ActiveTarget) the data connection and runs `steps` on it in the
// background; the control script continues at once. Like a control script, a data script that
// ends without Close/Reset closes gracefully. Waiting for the client's connection is unbounded
// (until stop()).
struct DataScript {
  std::vector<DataStep> steps;
};
// Waits until every DataScript this control connection started has ended (its FIN sent or reset).
struct AwaitData {};

}  // namespace step

using Step = std::variant<step::ReadRequest, step::ReadRequestHead, step::ReadRequestBody, step::ReadLine,
                          step::ExpectLine, step::ReadBytes, step::ReadUntilClose, step::Send, step::SendLine,
                          step::Trickle, step::Stall, step::DropAfter, step::Close, step::Reset, step::Gate, step::Answer,
                          step::PassiveReply, step::ActiveTarget, step::DataScript, step::AwaitData>;
using Script = std::vector<Step>;

// What one accepted connection (or one FTP data connection) saw.
struct ConnectionRecord {
  std::size_t index = 0;             // 0 for the first accepted connection (data connections: the first data connection)
  std::string received;              // every byte read from the peer, in order
  std::vector<std::string> requests; // raw requests (head + body) read by ReadRequest*
  std::vector<std::string> lines;    // lines read by ReadLine / ExpectLine
  std::string error;                 // why the script ended early (empty when it ran to the end)
  bool finished = false;             // the script is over (FIN sent or connection reset)
};

// "HTTP/1.1 <status> <reason>\r\n" + extra_headers (raw "Name: value\r\n" lines) +
// "Content-Length: <body size>\r\n" (unless extra_headers frame the body themselves with
// Content-Length or Transfer-Encoding) + "\r\n" + body.
std::string http_response(int status, std::string_view body = {}, std::string_view extra_headers = {});
// The chunked transfer coding of `chunks` including the final "0\r\n\r\n".
std::string chunked_body(const std::vector<std::string>& chunks);

// Answer entries for an FTP login as a client without FTPS does it: 220 greeting is not part of
// it (send it first), USER → 331, PASS → 230, FEAT → 502 (no features: LIST, EPSV/PASV as the
// client likes), TYPE → 200, PWD → 257 "/", SYST → 215 UNIX, OPTS → 200, NOOP → 200.
std::vector<std::pair<std::string, std::string>> ftp_login_replies();

class ScriptedServer {
 public:
  struct Options {
    bool tls = false;                  // TLS with the test CA's certificate of `certificate`
    CertKind certificate = CertKind::good;
    bool accept_connections = true;    // false: listen, but never accept
  };

  ScriptedServer();
  explicit ScriptedServer(Options options);
  ~ScriptedServer();
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  // Queues the script for the next connection that has none yet. Thread-safe, any time.
  void add_script(Script script);
  // The script for connections beyond the queue (initially {step::Close{}}).
  void set_default_script(Script script);

  std::uint16_t port() const;
  // "http://127.0.0.1:<port><path>", or "https://localhost:<port><path>" in TLS mode.
  std::string url(std::string_view path = "/") const;

  std::size_t accepted_connections() const;
  std::vector<ConnectionRecord> connections() const;
  // All requests of all connections, in the order they were read.
  std::vector<std::string> requests() const;
  // FTP data connections (DataScript), in the order they were connected; `received` holds the
  // uploaded bytes.
  std::vector<ConnectionRecord> data_connections() const;

  // Bounded waits; true when the condition was met in time.
  bool wait_for_connections(std::size_t count, std::chrono::milliseconds limit = std::chrono::seconds(5)) const;
  bool wait_for_requests(std::size_t count, std::chrono::milliseconds limit = std::chrono::seconds(5)) const;
  bool wait_for_data_connections(std::size_t count, std::chrono::milliseconds limit = std::chrono::seconds(5)) const;
  // Some connection read a line starting with `prefix` (ReadLine / ExpectLine / Answer).
  bool wait_for_line(std::string_view prefix, std::chrono::milliseconds limit = std::chrono::seconds(5)) const;
  // Every accepted connection (and every data connection) has finished its script.
  bool wait_until_finished(std::chrono::milliseconds limit = std::chrono::seconds(5)) const;

  // Lets one Gate step (now waiting or reached later) go on. Thread-safe.
  void release_gate();

  // Closes the listener and every connection, cancels every stall, joins the thread. Prompt
  // (well under a second). Idempotent.
  void stop();

  struct State;  // shared with the server thread

 private:
  std::shared_ptr<State> state_;
};

}  // namespace openinet::test
