// The HTTP request handle (INTERNET_HANDLE_TYPE_HTTP_REQUEST): headers store, the send state
// machine (connect or reuse → send → response head → redirects), the body read path and
// HttpQueryInfo. docs/internals/http.md explains the states and the zero-copy read path.
#pragma once

#include "core/connection.hpp"
#include "core/object.hpp"
#include "core/operation.hpp"
#include "http/connection.hpp"
#include "http/headers.hpp"
#include "http/parser.hpp"
#include "http/pool.hpp"
#include "net/stream.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace openinet::http {

// Where a request goes; changes when a redirect is followed.
struct Target {
    bool tls = false;
    std::string host;        // as given (IPv6 literals without brackets)
    std::uint16_t port = 80;
    std::string path = "/";  // origin-form: path + query
    std::string url() const;
    std::string host_header() const;  // host, plus ":port" when not the scheme's default
};

struct OpenParams {
    std::string verb = "GET";
    std::string object = "/";
    std::string version = "HTTP/1.1";
    std::optional<std::string> referrer;
    std::vector<std::string> accept_types;
    DWORD flags = 0;
    DWORD_PTR context = 0;
};

class Request : public core::Object {
public:
    using Ptr = std::shared_ptr<Request>;

    // `hidden_parent`: the connect handle was made by InternetOpenUrl and closes with this one.
    Request(const core::Connection::Ptr& connect, OpenParams params, bool hidden_parent = false);
    ~Request() override;

    // HttpAddRequestHeaders.
    std::error_code add_headers(std::string_view text, DWORD modifiers);
    // HttpSendRequest. `success_result` is the dwResult reported on success (1, or the
    // request handle for InternetOpenUrl).
    core::CallResult send(std::string extra_headers, std::string body, DWORD_PTR success_result = 1);
    // HttpSendRequestEx: sends the head; the body follows through write(); `chunked` sends
    // it with chunked transfer coding, otherwise Content-Length is `total_length`.
    // `initial_body` (INTERNET_BUFFERS.lpvBuffer) goes out right after the head.
    core::CallResult send_ex(std::string extra_headers, std::string initial_body, std::uint64_t total_length,
                             bool chunked, DWORD_PTR context);
    // HttpEndRequest: finishes the body and reads the response (following redirects).
    core::CallResult end_request(DWORD_PTR context);
    // HttpQueryInfoA/W (length already checked non-null).
    std::error_code query_info(DWORD level, void* buffer, DWORD* length, DWORD* index, bool wide);

    std::string url() const;
    // InternetOpenUrl: the caller never sees the handle when an async send fails, so the
    // request closes itself after reporting the failure.
    void set_close_on_failure() noexcept { close_on_failure_ = true; }

    std::error_code query_option(DWORD option, void* buffer, DWORD* length, bool wide) override;
    std::error_code set_option(DWORD option, const void* buffer, DWORD length, bool wide) override;
    std::error_code read(void* buffer, DWORD size, DWORD* read, DWORD flags, DWORD_PTR ctx) override;
    std::error_code write(const void* buffer, DWORD size, DWORD* written) override;
    std::error_code query_data_available(DWORD* available, DWORD flags, DWORD_PTR ctx) override;

protected:
    void on_close() override;

private:
    enum class Phase {
        created,        // nothing sent yet
        sending,        // send state machine running
        body_upload,    // HttpSendRequestEx done: InternetWriteFile, then HttpEndRequest
        receiving,      // HttpEndRequest running
        response,       // a response head is there (body readable)
        failed,         // the last send failed
    };
    enum class SendMode { whole, head_only, finish_upload };

    Ptr self() { return std::static_pointer_cast<Request>(shared_from_this()); }

    // --- send state machine (runs on exec_) ---
    core::CallResult start_send(SendMode mode, DWORD_PTR completion_context, DWORD_PTR success_result);
    bool cancelled_now() const;
    PoolKey pool_key_locked() const;
    // The proxy this request goes through (the session's configuration), or nullopt.
    std::optional<core::ProxyServer> proxy_locked() const;
    // The request line's target: the path, or the absolute URL for a plain request to a proxy.
    std::string request_target_locked() const;
    // `on_caller_thread`: called from a synchronous send's start, which may go on inline.
    void begin_attempt(bool force_fresh, bool on_caller_thread = false);
    void on_pool_grant(Pool::Grant grant);
    void use_grant(Pool::Grant grant, bool on_caller_thread);
    void connect_on_strand();
    void on_connected(std::error_code ec, std::unique_ptr<net::Stream> stream);
    void write_request();
    void on_request_written(std::error_code ec, std::size_t bytes);
    bool retry_on_fresh_connection(const std::error_code& ec);
    void read_head();
    void continue_head();
    void on_head_data(std::error_code ec, std::size_t bytes);
    void on_head_complete(ResponseHead head);
    void follow_redirect(const std::string& location);
    void drain_then(std::function<void()> next, unsigned budget_reads);
    // Completes the send operation. `keep_response`: a failure that leaves the received 3xx
    // in place (invalid Location, too many redirects), its body still readable.
    void finish_send(std::error_code ec, bool keep_response = false);

    // --- body ---
    void reset_body_state_locked();
    std::size_t frame_locked(char* out, std::size_t cap, std::error_code& ec);
    std::size_t produce_locked(char* out, std::size_t cap, std::error_code& ec);
    std::size_t take_locked(char* out, std::size_t cap, std::error_code& ec);
    bool body_exhausted_locked() const;
    void body_finished_locked(std::unique_ptr<Connection>& to_pool);
    void read_into(char* out, std::size_t cap, std::size_t filled, DWORD* read_out, core::Done done);
    void on_body_data(char* out, std::size_t cap, std::size_t filled, DWORD* read_out, core::Done done,
                      bool direct, std::error_code ec, std::size_t n);
    // Takes in what one read delivered; true when that completed the read operation (`done`
    // was called), false when reading goes on.
    bool absorb_body_data(char* out, std::size_t& filled, DWORD* read_out, core::Done& done, bool direct,
                          std::error_code ec, std::size_t n);
    void complete_read(std::size_t filled, DWORD* read_out, core::Done done, std::error_code ec);
    void wait_for_data(std::function<void(std::error_code)> then);
    std::error_code map_io_error(const std::error_code& ec, bool mid_body) const;

    // --- connection ownership ---
    void close_connection_notify();      // with CLOSING_CONNECTION / CONNECTION_CLOSED
    void arm_timer(DWORD ms);             // on exec_, with conn_ set
    void cancel_timer();
    void abort_io();                     // on exec_: cancel everything in flight
    // A synchronous caller's thread waiting on the socket itself (see wait_here).
    bool waits_here_locked() const;
    std::error_code wait_here(DWORD timeout_ms);

    std::string build_head_locked();

    const std::shared_ptr<core::Connection> connect_;
    const bool hidden_parent_;
    const OpenParams params_;
    std::atomic<bool> close_on_failure_{false};

    mutable std::mutex state_mutex_;     // guards everything below
    Phase phase_ = Phase::created;
    std::string verb_;
    Target target_;
    HeaderList headers_;
    std::string body_;                   // kept for 307/308 re-sends
    bool body_streamed_ = false;         // HttpSendRequestEx: the body cannot be re-sent
    std::uint64_t upload_total_ = 0;
    bool upload_chunked_ = false;
    std::uint64_t uploaded_ = 0;
    std::string head_;                   // the request head being sent
    std::optional<ResponseHead> response_;
    std::optional<net::CertificateInfo> certificate_;
    DWORD certificate_errors_ = 0;       // SECURITY_FLAG_CERT_* bits of the last failure
    unsigned redirects_ = 0;
    bool retried_ = false;
    bool proxy_credentials_in_headers_ = false;   // build_head_locked added Proxy-Authorization
    bool cancelled_ = false;
    bool timed_out_ = false;
    bool caller_waiting_ = false;        // a caller's thread is inside wait_here

    // Engine side (touched on exec_, or by callers when no operation runs).
    std::optional<Strand> exec_;
    std::unique_ptr<Connection> conn_;
    ConnectionSlot slot_;                // our place under the server's limit while connecting
    std::uint64_t pool_wait_id_ = 0;     // non-zero while waiting in line for a connection
    struct PoolHandOff;                  // a synchronous caller waiting in line on its own thread
    std::shared_ptr<PoolHandOff> pool_hand_off_;
    bool conn_reused_ = false;
    std::shared_ptr<net::Connector> connector_;
    ResponseHeadParser parser_;
    std::size_t head_bytes_ = 0;
    SendMode send_mode_ = SendMode::whole;
    core::Done send_done_;
    DWORD_PTR send_result_ = 1;

    // Body state of the current response.
    Framing framing_ = Framing::none;
    std::uint64_t remaining_ = 0;        // content_length: raw bytes still to come
    ChunkedDecoder chunked_;
    std::unique_ptr<ContentDecoder> content_decoder_;
    std::vector<char> framed_;           // framing removed, waiting for the content decoder
    std::size_t framed_begin_ = 0;
    std::vector<char> ready_;            // fully decoded, not yet handed to the caller
    std::size_t ready_begin_ = 0;
    bool raw_complete_ = true;           // framing says the body ended
    bool body_done_ = true;              // everything decoded (ready_ may still hold some)
    bool decoder_fed_ = false;
    bool keep_alive_ = false;            // the connection may be reused after this body
    std::error_code deferred_error_;     // reported by the next read (after a partial one)
    DWORD read_timeout_ms_ = 30000;      // receive timeout of the read running now
};

}  // namespace openinet::http
