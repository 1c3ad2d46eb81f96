// clang 14 cannot emit -fsanitize=function prologues for split coroutine functions ("Cannot
// represent a difference across sections"); that one check is off for this file's coroutines
// (including Asio's, instantiated here). Everything else stays sanitized.
#if defined(__clang__) && __clang_major__ < 15
#define OPENINET_COROUTINE_SANITIZE_WORKAROUND 1
#pragma clang attribute push(__attribute__((no_sanitize("function"))), apply_to = function)
#endif

#include "scripted_server.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <future>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

namespace openinet::test {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto close_drain_limit = 2s;
constexpr auto tls_shutdown_limit = 300ms;

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 407: return "Proxy Authentication Required";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

std::string lowercase(std::string_view text) {
  std::string lowered(text);
  for (auto& ch : lowered) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return lowered;
}

// Value of a header in a raw request head (case-insensitive name), empty when absent.
std::string header_value(std::string_view head, std::string_view name) {
  std::string lowered = lowercase(head);
  std::string key = "\n" + lowercase(name) + ":";
  auto at = lowered.find(key);
  if (at == std::string::npos) return {};
  auto start = head.find_first_not_of(" \t", at + key.size());
  auto end = head.find_first_of("\r\n", start);
  if (start == std::string_view::npos) return {};
  auto value = std::string(head.substr(start, end - start));
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
  return value;
}

}  // namespace

std::string http_response(int status, std::string_view body, std::string_view extra_headers) {
  std::string response = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason_phrase(status)) + "\r\n";
  response += extra_headers;
  std::string lowered = lowercase(extra_headers);
  if (lowered.find("content-length:") == std::string::npos &&
      lowered.find("transfer-encoding:") == std::string::npos)
    response += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  response += "\r\n";
  response += body;
  return response;
}

std::vector<std::pair<std::string, std::string>> ftp_login_replies() {
  return {{"USER", "331 password please"}, {"PASS", "230 logged in"},   {"FEAT", "502 no features"},
          {"TYPE", "200 type set"},        {"PWD", "257 \"/\" is current"}, {"SYST", "215 UNIX Type: L8"},
          {"OPTS", "200 ok"},               {"NOOP", "200 ok"}};
}

std::string chunked_body(const std::vector<std::string>& chunks) {
  std::string body;
  char size[32];
  for (const auto& chunk : chunks) {
    if (chunk.empty()) continue;  // an empty chunk would end the body early
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    body += size;
    body += chunk;
    body += "\r\n";
  }
  body += "0\r\n\r\n";
  return body;
}

struct ScriptedServer::State {
  Options options;
  asio::io_context io;
  std::optional<asio::ssl::context> tls;
  tcp::acceptor acceptor{io};
  std::thread thread;
  std::uint16_t port = 0;

  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::deque<Script> queued_scripts;
  Script default_script{step::Close{}};
  std::vector<ConnectionRecord> records;
  std::vector<ConnectionRecord> data_records;  // FTP data connections
  std::vector<std::string> all_requests;
  bool stopped = false;

  // Touched only on the server thread: how to close each live connection at stop().
  std::list<std::function<void()>> closers;

  // Gate steps (server thread only): releases given by the test, gates passed, and a timer that
  // never expires by itself, cancelled to wake the waiting gates.
  std::size_t gates_released = 0;
  std::size_t gates_passed = 0;
  // Never re-armed: re-arming would cancel the other waiters, which would re-arm in turn.
  asio::steady_timer gate_signal{io, asio::steady_timer::time_point::max()};

  Script next_script() {
    std::lock_guard lock(mutex);
    if (queued_scripts.empty()) return default_script;
    Script script = std::move(queued_scripts.front());
    queued_scripts.pop_front();
    return script;
  }

  template <class Update>
  void update(bool data, std::size_t index, Update change) {
    {
      std::lock_guard lock(mutex);
      change(data ? data_records[index] : records[index]);
    }
    changed.notify_all();
  }

  std::size_t add_data_record() {
    std::size_t index;
    {
      std::lock_guard lock(mutex);
      index = data_records.size();
      data_records.push_back(ConnectionRecord{});
      data_records.back().index = index;
    }
    changed.notify_all();
    return index;
  }

  void add_request(std::size_t index, std::string request) {
    {
      std::lock_guard lock(mutex);
      records[index].requests.push_back(request);
      last_request_of_connection[index] = all_requests.size();
      all_requests.push_back(std::move(request));
    }
    changed.notify_all();
  }

  void append_to_last_request(std::size_t index, std::string_view body) {
    {
      std::lock_guard lock(mutex);
      auto& requests = records[index].requests;
      if (requests.empty()) return;
      requests.back() += body;
      all_requests[last_request_of_connection[index]] += body;
    }
    changed.notify_all();
  }

  std::vector<std::size_t> last_request_of_connection;  // index into all_requests
};

namespace {

using State = ScriptedServer::State;

template <class Stream>
struct Connection {
  template <class... Args>
  explicit Connection(bool data_connection, std::size_t connection_index, Args&&... args)
      : data(data_connection), index(connection_index), stream(std::forward<Args>(args)...) {}

  tcp::socket& socket() {
    if constexpr (std::is_same_v<Stream, tcp::socket>)
      return stream;
    else
      return stream.next_layer();
  }

  bool data;  // an FTP data connection (recorded in State::data_records)
  std::size_t index;
  Stream stream;
  std::string buffer;  // read from the peer, not yet consumed by a step
  bool closed = false;    // the script closed it (FIN sent or reset)
  bool draining = false;  // FIN sent, the socket is still open to read the peer's last bytes
  std::string last_head;  // the head read by the last ReadRequestHead
  std::string last_line;  // the line read by the last line step
};

// The FTP data side of one control connection: the listener (passive) or the client's address
// (active) for the next DataScript, and how many data scripts still run (for AwaitData).
struct DataChannel {
  explicit DataChannel(asio::io_context& io) : all_ended(io, asio::steady_timer::time_point::max()) {}
  std::optional<tcp::acceptor> listener;
  std::optional<tcp::endpoint> active_target;
  int running = 0;
  // Never expires by itself: cancelled whenever a data script ends, waking AwaitData.
  asio::steady_timer all_ended;
};

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

// "PORT 127,0,0,1,4,1" or "EPRT |1|127.0.0.1|1025|" → the endpoint.
std::optional<tcp::endpoint> parse_active_target(std::string_view line) {
  boost::system::error_code ec;
  if (line.rfind("PORT ", 0) == 0) {
    unsigned v[6];
    if (std::sscanf(std::string(line.substr(5)).c_str(), "%u,%u,%u,%u,%u,%u", &v[0], &v[1], &v[2], &v[3], &v[4],
                    &v[5]) != 6)
      return std::nullopt;
    std::string address = std::to_string(v[0]) + "." + std::to_string(v[1]) + "." + std::to_string(v[2]) + "." +
                          std::to_string(v[3]);
    auto ip = asio::ip::make_address(address, ec);
    if (ec || v[4] > 255 || v[5] > 255) return std::nullopt;
    return tcp::endpoint(ip, static_cast<std::uint16_t>(v[4] * 256 + v[5]));
  }
  if (line.rfind("EPRT ", 0) == 0 && line.size() > 6) {
    std::string_view rest = line.substr(5);
    char delimiter = rest[0];
    std::vector<std::string> fields;
    std::size_t start = 1;
    for (std::size_t at = rest.find(delimiter, start); at != std::string_view::npos; at = rest.find(delimiter, start)) {
      fields.emplace_back(rest.substr(start, at - start));
      start = at + 1;
    }
    if (fields.size() != 3) return std::nullopt;
    auto ip = asio::ip::make_address(fields[1], ec);
    if (ec) return std::nullopt;
    unsigned long port = std::strtoul(fields[2].c_str(), nullptr, 10);
    if (port == 0 || port > 65535) return std::nullopt;
    return tcp::endpoint(ip, static_cast<std::uint16_t>(port));
  }
  return std::nullopt;
}


constexpr bool end_script = false;
constexpr bool continue_script = true;

template <class Stream>
class ScriptRunner {
 public:
  ScriptRunner(State& state, std::shared_ptr<Connection<Stream>> connection)
      : state_(state), c_(std::move(connection)) {}

  // Runs once the script is over (before the bounded drain after a FIN).
  void when_finished(std::function<void()> callback) { on_finished_ = std::move(callback); }

  template <class Steps>
  asio::awaitable<void> run(Steps script) {
    std::string error;
    try {
      if constexpr (!std::is_same_v<Stream, tcp::socket>)
        co_await c_->stream.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
      for (auto& step : script) {
        bool keep_going = co_await std::visit([this](auto& s) { return perform(s); }, step);
        if (!keep_going || c_->closed) break;
      }
    } catch (const boost::system::system_error& failure) {
      error = failure.code() == asio::error::eof ? std::string("peer closed the connection")
                                                  : failure.code().message();
    } catch (const std::exception& failure) {
      error = failure.what();
    }
    if (!c_->closed) co_await close_gracefully();
    state_.update(c_->data, c_->index, [&](ConnectionRecord& record) {
      if (record.error.empty()) record.error = error;
      record.finished = true;
    });
    if (on_finished_) on_finished_();
    if (c_->draining) co_await drain_and_close();
  }

 private:
  // Reads more bytes into the buffer (recording them); throws on end of stream or error.
  asio::awaitable<void> fill() {
    char chunk[16384];
    std::size_t got = co_await c_->stream.async_read_some(asio::buffer(chunk), asio::use_awaitable);
    c_->buffer.append(chunk, got);
    state_.update(c_->data, c_->index, [&](ConnectionRecord& record) { record.received.append(chunk, got); });
  }

  asio::awaitable<std::string> take_until(std::string_view delimiter) {
    std::size_t searched = 0;
    for (;;) {
      auto at = c_->buffer.find(delimiter, searched);
      if (at != std::string::npos) {
        std::string taken = c_->buffer.substr(0, at + delimiter.size());
        c_->buffer.erase(0, at + delimiter.size());
        co_return taken;
      }
      searched = c_->buffer.size() >= delimiter.size() ? c_->buffer.size() - delimiter.size() + 1 : 0;
      co_await fill();
    }
  }

  asio::awaitable<std::string> take_exactly(std::size_t count) {
    while (c_->buffer.size() < count) co_await fill();
    std::string taken = c_->buffer.substr(0, count);
    c_->buffer.erase(0, count);
    co_return taken;
  }

  asio::awaitable<std::string> read_body(const std::string& head) {
    if (lowercase(header_value(head, "Transfer-Encoding")).find("chunked") != std::string::npos) {
      std::string body;
      for (;;) {
        std::string size_line = co_await take_until("\r\n");
        body += size_line;
        std::size_t size = std::stoul(size_line, nullptr, 16);
        if (size == 0) {
          // Trailer fields, then the empty line.
          for (;;) {
            std::string trailer = co_await take_until("\r\n");
            body += trailer;
            if (trailer == "\r\n") co_return body;
          }
        }
        body += co_await take_exactly(size + 2);
      }
    }
    std::string length = header_value(head, "Content-Length");
    if (length.empty()) co_return std::string();
    co_return co_await take_exactly(std::stoull(length));
  }

  asio::awaitable<void> write(std::string_view bytes) {
    co_await asio::async_write(c_->stream, asio::buffer(bytes.data(), bytes.size()), asio::use_awaitable);
  }

  asio::awaitable<void> sleep(std::chrono::milliseconds duration) {
    asio::steady_timer timer(state_.io, duration);
    co_await timer.async_wait(asio::use_awaitable);
  }

  asio::awaitable<bool> perform(step::ReadRequest&) {
    std::string head = co_await take_until("\r\n\r\n");
    std::string body = co_await read_body(head);
    state_.add_request(c_->index, head + body);
    co_return continue_script;
  }

  asio::awaitable<bool> perform(step::ReadRequestHead&) {
    c_->last_head = co_await take_until("\r\n\r\n");
    state_.add_request(c_->index, c_->last_head);
    co_return continue_script;
  }

  asio::awaitable<bool> perform(step::ReadRequestBody&) {
    std::string body = co_await read_body(c_->last_head);
    state_.append_to_last_request(c_->index, body);
    co_return continue_script;
  }

  asio::awaitable<std::string> read_line() {
    std::string line = co_await take_until("\n");
    line.pop_back();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    state_.update(c_->data, c_->index, [&](ConnectionRecord& record) { record.lines.push_back(line); });
    c_->last_line = line;
    co_return line;
  }

  asio::awaitable<bool> perform(step::ReadLine&) {
    co_await read_line();
    co_return continue_script;
  }

  asio::awaitable<bool> perform(step::ExpectLine& expected) {
    std::string line = co_await read_line();
    if (line.rfind(expected.prefix, 0) == 0) co_return continue_script;
    fail_script("expected a line starting with \"" + expected.prefix + "\", got \"" + line + "\"");
    co_return end_script;
  }

  void fail_script(const std::string& why) {
    state_.update(c_->data, c_->index, [&](ConnectionRecord& record) { record.error = why; });
  }

  asio::awaitable<bool> perform(step::Answer& answer) {
    for (;;) {
      std::string line;
      if (answer.until.empty()) {
        // Answers until the peer closes; that end is the expected one, not an error.
        try {
          line = co_await read_line();
        } catch (const boost::system::system_error&) {
          co_return end_script;
        }
      } else {
        line = co_await read_line();
        if (line.rfind(answer.until, 0) == 0) co_return continue_script;
      }
      auto match = std::find_if(answer.replies.begin(), answer.replies.end(),
                                [&](const auto& entry) { return line.rfind(entry.first, 0) == 0; });
      // A named local: GCC 12 mishandles temporaries of a conditional inside co_await.
      std::string reply = match == answer.replies.end() ? std::string("502 Command not scripted") : match->second;
      reply += "\r\n";
      co_await write(reply);
    }
  }

  DataChannel& channel() {
    if (!channel_) channel_ = std::make_shared<DataChannel>(state_.io);
    return *channel_;
  }

  asio::awaitable<bool> perform(step::PassiveReply& passive) {
    DataChannel& data = channel();
    data.active_target.reset();
    tcp::endpoint loopback(asio::ip::make_address_v4("127.0.0.1"), 0);
    data.listener.emplace(state_.io);
    data.listener->open(loopback.protocol());
    data.listener->bind(loopback);
    data.listener->listen();
    std::uint16_t port = data.listener->local_endpoint().port();
    std::weak_ptr<DataChannel> weak = channel_;
    state_.closers.push_back([weak] {
      if (auto live = weak.lock(); live && live->listener) {
        boost::system::error_code ignored;
        live->listener->close(ignored);
      }
    });
    std::string reply = passive.text;
    if (reply.empty())
      reply = passive.kind == step::PassiveReply::epsv ? "229 Entering Extended Passive Mode (|||{port}|)"
                                                      : "227 Entering Passive Mode (127,0,0,1,{p1},{p2})";
    replace_all(reply, "{port}", std::to_string(port));
    replace_all(reply, "{p1}", std::to_string(port / 256));
    replace_all(reply, "{p2}", std::to_string(port % 256));
    reply += "\r\n";
    co_await write(reply);
    co_return continue_script;
  }

  asio::awaitable<bool> perform(step::ActiveTarget&) {
    auto target = parse_active_target(c_->last_line);
    if (!target) {
      fail_script("ActiveTarget: the last line is not PORT/EPRT: \"" + c_->last_line + "\"");
      co_return end_script;
    }
    DataChannel& data = channel();
    data.listener.reset();
    data.active_target = target;
    co_return continue_script;
  }

  asio::awaitable<bool> perform(step::DataScript& script) {
    DataChannel& data = channel();
    if (!data.listener && !data.active_target) {
      fail_script("DataScript without PassiveReply or ActiveTarget before it");
      co_return end_script;
    }
    std::optional<tcp::acceptor> listener = std::move(data.listener);
    data.listener.reset();
    std::optional<tcp::endpoint> target = std::move(data.active_target);
    data.active_target.reset();
    ++data.running;
    start_data_connection(std::move(listener), target, std::move(script.steps));
    co_return continue_script;
  }

  asio::awaitable<bool> perform(step::AwaitData&) {
    while (channel_ && channel_->running > 0) {
      boost::system::error_code ignored;
      co_await channel_->all_ended.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    co_return continue_script;
  }

  void start_data_connection(std::optional<tcp::acceptor> listener, std::optional<tcp::endpoint> target,
                             std::vector<step::DataStep> steps);

  asio::awaitable<bool> perform(step::ReadBytes& read) {
    co_await take_exactly(read.count);
    co_return continue_script;
  }

  asio::awaitable<bool> perform(step::ReadUntilClose&) {
    try {
      for (;;) co_await fill();
    } catch (const boost::system::system_error&) {
    }
    co_return end_script;
  }

  asio::awaitable<bool> perform(step::Send& send) {
    co_await write(send.bytes);
    co_return continue_script;
  }

  asio::awaitable<bool> perform(step::SendLine& send) {
    co_await write(send.line + "\r\n");
    co_return continue_script;
  }

  asio::awaitable<bool> perform(step::Trickle& trickle) {
    std::size_t chunk = std::max<std::size_t>(trickle.chunk_size, 1);
    for (std::size_t offset = 0; offset < trickle.bytes.size(); offset += chunk) {
      if (offset > 0) co_await sleep(trickle.interval);
      co_await write(std::string_view(trickle.bytes).substr(offset, chunk));
    }
    co_return continue_script;
  }

  asio::awaitable<bool> perform(step::Stall& stall) {
    co_await sleep(stall.duration);
    co_return continue_script;
  }

  asio::awaitable<bool> perform(step::DropAfter& drop) {
    co_await write(std::string_view(drop.payload).substr(0, drop.bytes_before_drop));
    if (drop.reset)
      reset();
    else
      co_await close_gracefully();
    co_return end_script;
  }

  asio::awaitable<bool> perform(step::Gate&) {
    while (state_.gates_passed >= state_.gates_released) {
      boost::system::error_code ignored;
      co_await state_.gate_signal.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    ++state_.gates_passed;
    co_return continue_script;
  }

  asio::awaitable<bool> perform(step::Close&) {
    co_await close_gracefully();
    co_return end_script;
  }

  asio::awaitable<bool> perform(step::Reset&) {
    reset();
    co_return end_script;
  }

  void reset() {
    boost::system::error_code ignored;
    c_->socket().set_option(asio::socket_base::linger(true, 0), ignored);
    c_->socket().close(ignored);
    c_->closed = true;
  }

  // Cancels the socket's pending operations when `limit` passes first.
  struct Deadline {
    Deadline(asio::io_context& io, tcp::socket& socket, std::chrono::milliseconds limit) : timer(io, limit) {
      // An expiry already queued when the guarded operation finished must not cancel the next one.
      timer.async_wait([&socket, armed = armed](boost::system::error_code ec) {
        if (!ec && *armed) socket.cancel(ec);
      });
    }
    ~Deadline() {
      *armed = false;
      timer.cancel();
    }
    std::shared_ptr<bool> armed = std::make_shared<bool>(true);
    asio::steady_timer timer;
  };

  // Sends close_notify (TLS, bounded) and the FIN. The socket stays open for
  // drain_and_close(), run once the script is over.
  asio::awaitable<void> close_gracefully() {
    if (c_->closed) co_return;
    c_->closed = true;
    c_->draining = true;
    boost::system::error_code ec;
    if constexpr (!std::is_same_v<Stream, tcp::socket>) {
      Deadline deadline(state_.io, c_->socket(), tls_shutdown_limit);
      co_await c_->stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
    }
    c_->socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  // Closing with unread data in the receive queue would send an RST, so after the FIN the
  // connection reads (recording, bounded) until the peer closes too.
  asio::awaitable<void> drain_and_close() {
    boost::system::error_code ec;
    {
      Deadline deadline(state_.io, c_->socket(), std::chrono::duration_cast<std::chrono::milliseconds>(close_drain_limit));
      char chunk[16384];
      for (;;) {
        std::size_t got =
            co_await c_->socket().async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        state_.update(c_->data, c_->index, [&](ConnectionRecord& record) { record.received.append(chunk, got); });
      }
    }
    c_->socket().close(ec);
  }

  State& state_;
  std::shared_ptr<Connection<Stream>> c_;
  std::shared_ptr<DataChannel> channel_;  // FTP data connections started by this script
  std::function<void()> on_finished_;
};

// A data connection's script ends: wake AwaitData.
void data_script_ended(const std::shared_ptr<DataChannel>& channel) {
  --channel->running;
  channel->all_ended.cancel();
}

template <class Stream>
void ScriptRunner<Stream>::start_data_connection(std::optional<tcp::acceptor> listener,
                                                 std::optional<tcp::endpoint> target,
                                                 std::vector<step::DataStep> steps) {
  State& state = state_;
  auto channel = channel_;
  // Until the connection stands, stop() must be able to end the accept (or connect).
  struct Pending {
    std::optional<tcp::acceptor> listener;
    tcp::socket socket;
  };
  auto pending = std::make_shared<Pending>(Pending{std::move(listener), tcp::socket(state.io)});
  auto closer = state.closers.insert(state.closers.end(), [weak = std::weak_ptr(pending)] {
    if (auto live = weak.lock()) {
      boost::system::error_code ignored;
      if (live->listener) live->listener->close(ignored);
      live->socket.close(ignored);
    }
  });
  asio::co_spawn(
      state.io,
      [&state, channel, target, steps = std::move(steps), pending]() mutable -> asio::awaitable<void> {
        bool ended = false;
        auto end_once = [&] {
          if (!ended) data_script_ended(channel);
          ended = true;
        };
        try {
          if (pending->listener) {
            co_await pending->listener->async_accept(pending->socket, asio::use_awaitable);
            boost::system::error_code ignored;
            pending->listener->close(ignored);
          } else {
            co_await pending->socket.async_connect(*target, asio::use_awaitable);
          }
        } catch (const boost::system::system_error&) {
          end_once();
          co_return;
        }
        boost::system::error_code ignored;
        pending->socket.set_option(tcp::no_delay(true), ignored);
        std::size_t index = state.add_data_record();
        auto connection = std::make_shared<Connection<tcp::socket>>(true, index, std::move(pending->socket));
        // Registered like a control connection, so stop() closes it too.
        std::weak_ptr<Connection<tcp::socket>> weak = connection;
        auto data_closer = state.closers.insert(state.closers.end(), [weak] {
          if (auto live = weak.lock()) {
            boost::system::error_code ignored;
            live->socket().close(ignored);
          }
        });
        ScriptRunner<tcp::socket> runner(state, connection);
        runner.when_finished(end_once);
        co_await runner.run(std::move(steps));
        end_once();
        state.closers.erase(data_closer);
      },
      [&state, closer](std::exception_ptr) { state.closers.erase(closer); });
}

template <class Stream>
void start_connection(State& state, std::shared_ptr<Connection<Stream>> connection) {
  std::weak_ptr<Connection<Stream>> weak = connection;
  auto closer = state.closers.insert(state.closers.end(), [weak] {
    if (auto live = weak.lock()) {
      boost::system::error_code ignored;
      live->socket().close(ignored);
    }
  });
  Script script = state.next_script();
  asio::co_spawn(
      state.io,
      [&state, connection, script = std::move(script)]() mutable -> asio::awaitable<void> {
        ScriptRunner<Stream> runner(state, connection);
        co_await runner.run(std::move(script));
      },
      [&state, closer](std::exception_ptr) { state.closers.erase(closer); });
}

asio::awaitable<void> accept_loop(State& state) {
  for (;;) {
    tcp::socket socket = co_await state.acceptor.async_accept(asio::use_awaitable);
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::size_t index;
    {
      std::lock_guard lock(state.mutex);
      index = state.records.size();
      state.records.push_back(ConnectionRecord{});
      state.records.back().index = index;
      state.last_request_of_connection.push_back(0);
    }
    state.changed.notify_all();
    if (state.tls)
      start_connection(state, std::make_shared<Connection<asio::ssl::stream<tcp::socket>>>(false, index, std::move(socket), *state.tls));
    else
      start_connection(state, std::make_shared<Connection<tcp::socket>>(false, index, std::move(socket)));
  }
}

}  // namespace

ScriptedServer::ScriptedServer() : ScriptedServer(Options{}) {}

ScriptedServer::ScriptedServer(Options options) : state_(std::make_shared<State>()) {
  State& state = *state_;
  state.options = options;
  if (options.tls) {
    CertFiles files = TestCa::instance().files(options.certificate);
    state.tls.emplace(asio::ssl::context::tls_server);
    state.tls->use_certificate_chain_file(files.cert.string());
    state.tls->use_private_key_file(files.key.string(), asio::ssl::context::pem);
  }
  tcp::endpoint loopback(asio::ip::make_address_v4("127.0.0.1"), 0);
  state.acceptor.open(loopback.protocol());
  state.acceptor.bind(loopback);
  state.acceptor.listen();
  state.port = state.acceptor.local_endpoint().port();
  if (options.accept_connections)
    asio::co_spawn(state.io, accept_loop(state), asio::detached);
  auto work = asio::make_work_guard(state.io);
  state.thread = std::thread([&state, work = std::move(work)] { state.io.run(); });
}

ScriptedServer::~ScriptedServer() { stop(); }

void ScriptedServer::stop() {
  State& state = *state_;
  {
    std::lock_guard lock(state.mutex);
    if (state.stopped) return;
    state.stopped = true;
  }
  // Close everything on the server thread (sockets are not thread-safe), then stop the loop;
  // coroutines still suspended in a stall are destroyed with the io_context.
  std::promise<void> closed;
  asio::post(state.io, [&state, &closed] {
    boost::system::error_code ignored;
    state.acceptor.close(ignored);
    for (auto& close : state.closers) close();
    closed.set_value();
  });
  closed.get_future().wait_for(2s);
  state.io.stop();
  if (state.thread.joinable()) state.thread.join();
  state.changed.notify_all();
}

void ScriptedServer::release_gate() {
  asio::post(state_->io, [state = state_] {
    ++state->gates_released;
    state->gate_signal.cancel();
  });
}

void ScriptedServer::add_script(Script script) {
  std::lock_guard lock(state_->mutex);
  state_->queued_scripts.push_back(std::move(script));
}

void ScriptedServer::set_default_script(Script script) {
  std::lock_guard lock(state_->mutex);
  state_->default_script = std::move(script);
}

std::uint16_t ScriptedServer::port() const { return state_->port; }

std::string ScriptedServer::url(std::string_view path) const {
  std::string scheme_host = state_->options.tls ? "https://localhost:" : "http://127.0.0.1:";
  return scheme_host + std::to_string(state_->port) + std::string(path);
}

std::size_t ScriptedServer::accepted_connections() const {
  std::lock_guard lock(state_->mutex);
  return state_->records.size();
}

std::vector<ConnectionRecord> ScriptedServer::connections() const {
  std::lock_guard lock(state_->mutex);
  return state_->records;
}

std::vector<ConnectionRecord> ScriptedServer::data_connections() const {
  std::lock_guard lock(state_->mutex);
  return state_->data_records;
}

std::vector<std::string> ScriptedServer::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->all_requests;
}

namespace {
template <class Predicate>
bool wait_until(const ScriptedServer::State& state, std::chrono::milliseconds limit, Predicate done) {
  std::unique_lock lock(state.mutex);
  return state.changed.wait_for(lock, limit, [&] { return done(); });
}
}  // namespace

bool ScriptedServer::wait_for_connections(std::size_t count, std::chrono::milliseconds limit) const {
  return wait_until(*state_, limit, [&] { return state_->records.size() >= count; });
}

bool ScriptedServer::wait_for_requests(std::size_t count, std::chrono::milliseconds limit) const {
  return wait_until(*state_, limit, [&] { return state_->all_requests.size() >= count; });
}

bool ScriptedServer::wait_for_data_connections(std::size_t count, std::chrono::milliseconds limit) const {
  return wait_until(*state_, limit, [&] { return state_->data_records.size() >= count; });
}

bool ScriptedServer::wait_for_line(std::string_view prefix, std::chrono::milliseconds limit) const {
  return wait_until(*state_, limit, [&] {
    return std::any_of(state_->records.begin(), state_->records.end(), [&](const ConnectionRecord& record) {
      return std::any_of(record.lines.begin(), record.lines.end(),
                         [&](const std::string& line) { return line.rfind(prefix, 0) == 0; });
    });
  });
}

bool ScriptedServer::wait_until_finished(std::chrono::milliseconds limit) const {
  auto finished = [](const ConnectionRecord& record) { return record.finished; };
  return wait_until(*state_, limit, [&] {
    return std::all_of(state_->records.begin(), state_->records.end(), finished) &&
           std::all_of(state_->data_records.begin(), state_->data_records.end(), finished);
  });
}

}  // namespace openinet::test

#if defined(OPENINET_COROUTINE_SANITIZE_WORKAROUND)
#pragma clang attribute pop
#endif
