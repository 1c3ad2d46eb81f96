#include "http/request.hpp"

#include "core/engine.hpp"
#include "core/error.hpp"
#include "core/options.hpp"
#include "core/session.hpp"
#include "core/text.hpp"
#include "http/pool.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <future>

namespace openinet::http {
namespace {

// WinInet's timeout options: 0 and 0xFFFFFFFF mean no limit.
std::optional<std::chrono::milliseconds> limit_of(DWORD ms) {
    if (ms == 0 || ms == 0xFFFFFFFF) return std::nullopt;
    return std::chrono::milliseconds(ms);
}

// The process-wide per-server limits, as they are now.
Pool::Limits pool_limits() {
    const auto& options = core::global_options();
    return {options.max_connections_per_server, options.max_connections_per_1_0_server};
}

// "Basic <base64(user:password)>" for Proxy-Authorization (Beast's encoder).
std::string basic_credentials(const std::string& user, const std::string& password) {
    const std::string plain = user + ":" + password;
    std::string encoded(boost::beast::detail::base64::encoded_size(plain.size()), '\0');
    encoded.resize(boost::beast::detail::base64::encode(encoded.data(), plain.data(), plain.size()));
    return "Basic " + encoded;
}

constexpr unsigned kMaxRedirects = 30;
// Big enough that a small response (head and body) usually arrives in one read: its body is
// then already buffered when the caller reads it, so InternetReadFile completes at once,
// without an operation (no engine hop, no REQUEST_COMPLETE). Bodies too big for it are read
// straight into the caller's buffer after this.
constexpr std::size_t kHeadReadSize = 64 * 1024;
constexpr std::size_t kDecodeChunk = 16 * 1024;
// A read with a buffer smaller than this reads ahead into the connection's
// buffer (which the head read made this big) instead of straight into the caller's: WinInet
// programs typically read 4-8 KiB at a time, and each such call then costs a copy out of memory
// rather than a recv and an operation (docs/internals/http.md, "The read path"). Bigger reads
// keep going straight into the caller's buffer.
constexpr std::size_t kReadAheadSize = kHeadReadSize;
// A redirect's body is read and thrown away (so the connection can be reused) only while it
// is small; a bigger one costs more than a new connection.
constexpr unsigned kDrainReadBudget = 8;

bool is_redirect_status(unsigned status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool is_eof(const std::error_code& ec) {
    static const std::error_code eof = boost::system::error_code(boost::asio::error::eof);
    return ec == eof;
}

bool is_aborted(const std::error_code& ec) {
    return ec == std::errc::operation_canceled;
}

bool is_peer_drop(const std::error_code& ec) {
    return is_eof(ec) || ec == std::errc::connection_reset || ec == std::errc::broken_pipe ||
           ec == std::errc::connection_aborted;
}

std::string bracket_if_ipv6(const std::string& host) {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

DWORD certificate_error_bits(const std::error_code& ec) {
    switch (to_win32_error(ec)) {
        case ERROR_INTERNET_INVALID_CA: return SECURITY_FLAG_CERT_INVALID_CA;
        case ERROR_INTERNET_SEC_CERT_CN_INVALID: return SECURITY_FLAG_CERT_INVALID_CN;
        case ERROR_INTERNET_SEC_CERT_DATE_INVALID: return SECURITY_FLAG_CERT_INVALID_DATE;
        case ERROR_INTERNET_SEC_CERT_REV_FAILED: return SECURITY_FLAG_CERT_REV_FAILED;
        default: return 0;
    }
}

// NUL-separated form of a CRLF head (HTTP_QUERY_RAW_HEADERS): each line ends with one NUL;
// the copy-out adds the final terminator, giving the double NUL.
std::string crlf_to_nul_lines(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    while (!raw.empty()) {
        auto end = raw.find("\r\n");
        auto line = raw.substr(0, end);
        if (!line.empty()) out.append(line).push_back('\0');
        if (end == std::string_view::npos) break;
        raw.remove_prefix(end + 2);
    }
    return out;
}

// Removes the first `n` bytes from a buffer sequence (what a partial write already sent).
void drop_front(std::vector<boost::asio::const_buffer>& buffers, std::size_t n) {
    auto it = buffers.begin();
    while (it != buffers.end() && n >= it->size()) {
        n -= it->size();
        ++it;
    }
    buffers.erase(buffers.begin(), it);
    if (!buffers.empty()) buffers.front() += n;
}

}  // namespace

std::string Target::url() const {
    std::string out = tls ? "https://" : "http://";
    out += bracket_if_ipv6(host);
    if (port != (tls ? 443 : 80)) out += ":" + std::to_string(port);
    out += path;
    return out;
}

std::string Target::host_header() const {
    std::string out = bracket_if_ipv6(host);
    if (port != (tls ? 443 : 80)) out += ":" + std::to_string(port);
    return out;
}

Request::Request(const core::Connection::Ptr& connect, OpenParams params, bool hidden_parent)
    : core::Object(INTERNET_HANDLE_TYPE_HTTP_REQUEST, connect, params.context),
      connect_(connect),
      hidden_parent_(hidden_parent),
      params_(std::move(params)) {
    verb_ = params_.verb;
    target_.tls = (params_.flags & INTERNET_FLAG_SECURE) != 0 || (connect->flags() & INTERNET_FLAG_SECURE) != 0;
    target_.host = connect->server();
    if (target_.host.size() > 2 && target_.host.front() == '[' && target_.host.back() == ']')
        target_.host = target_.host.substr(1, target_.host.size() - 2);
    target_.port = connect->port();
    target_.path = params_.object.empty() ? "/" : params_.object;
    if (target_.path.front() != '/' && target_.path.find("://") == std::string::npos)
        target_.path.insert(0, "/");
    if (params_.flags & (INTERNET_FLAG_IGNORE_CERT_CN_INVALID | INTERNET_FLAG_IGNORE_CERT_DATE_INVALID)) {
        const DWORD waived = params_.flags & (INTERNET_FLAG_IGNORE_CERT_CN_INVALID | INTERNET_FLAG_IGNORE_CERT_DATE_INVALID);
        update_options([waived](core::HandleOptions& o) { o.security_flags |= waived; });
    }
    if (!params_.accept_types.empty()) {
        std::string accept;
        for (const auto& t : params_.accept_types) {
            if (t.empty()) continue;
            if (!accept.empty()) accept += ", ";
            accept += t;
        }
        if (!accept.empty()) headers_.add("Accept", accept);
    }
    if (params_.referrer && !params_.referrer->empty()) headers_.add("Referer", *params_.referrer);
    headers_.add("Host", target_.host_header());
}

Request::~Request() = default;

std::string Request::url() const {
    std::lock_guard lock(state_mutex_);
    return target_.url();
}

std::error_code Request::add_headers(std::string_view text, DWORD modifiers) {
    std::lock_guard lock(state_mutex_);
    return headers_.apply(text, modifiers);
}

// ---------------------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------------------

std::string Request::build_head_locked() {
    const auto opts = options();
    if (!opts.user_agent.empty()) headers_.add_if_missing("User-Agent", opts.user_agent);
    if (params_.flags & INTERNET_FLAG_PRAGMA_NOCACHE) headers_.add_if_missing("Pragma", "no-cache");
    if (opts.http_decoding) headers_.add_if_missing("Accept-Encoding", "gzip, deflate");
    // Proxy credentials go with every request to the proxy (the CONNECT of a tunnel carries
    // them for https), not waiting for its 407.
    if (!target_.tls && !opts.proxy_user.empty() && proxy_locked()) {
        headers_.set("Proxy-Authorization", basic_credentials(opts.proxy_user, opts.proxy_password));
        proxy_credentials_in_headers_ = true;
    } else if (proxy_credentials_in_headers_) {
        // Redirected to an origin reached directly or through a tunnel: they must not follow.
        headers_.remove_all("Proxy-Authorization");
        proxy_credentials_in_headers_ = false;
    }
    if (!opts.keep_alive) headers_.set("Connection", "close");
    else headers_.add_if_missing("Connection", "Keep-Alive");
    if (body_streamed_) {
        if (upload_chunked_) {
            headers_.remove_all("Content-Length");
            headers_.set("Transfer-Encoding", "chunked");
        } else {
            headers_.set("Content-Length", std::to_string(upload_total_));
        }
    } else if (!body_.empty() || verb_ == "POST" || verb_ == "PUT") {
        headers_.set("Content-Length", std::to_string(body_.size()));
    } else {
        headers_.remove_all("Content-Length");
    }
    return serialize_request_head(verb_, request_target_locked(), params_.version, headers_);
}

core::CallResult Request::send(std::string extra_headers, std::string body, DWORD_PTR success_result) {
    {
        std::lock_guard lock(state_mutex_);
        if (phase_ == Phase::sending || phase_ == Phase::receiving)
            return {false, 0, make_error(ERROR_INTERNET_INCORRECT_HANDLE_STATE)};
        if (!extra_headers.empty()) {
            if (auto ec = headers_.apply(extra_headers, HTTP_ADDREQ_FLAG_ADD | HTTP_ADDREQ_FLAG_REPLACE))
                return {false, 0, ec};
        }
        body_ = std::move(body);
        body_streamed_ = false;
        upload_chunked_ = false;
    }
    return start_send(SendMode::whole, context(), success_result);
}

core::CallResult Request::send_ex(std::string extra_headers, std::string initial_body, std::uint64_t total_length,
                                  bool chunked, DWORD_PTR context) {
    {
        std::lock_guard lock(state_mutex_);
        if (phase_ == Phase::sending || phase_ == Phase::receiving || phase_ == Phase::body_upload)
            return {false, 0, make_error(ERROR_INTERNET_INCORRECT_HANDLE_STATE)};
        if (!extra_headers.empty()) {
            if (auto ec = headers_.apply(extra_headers, HTTP_ADDREQ_FLAG_ADD | HTTP_ADDREQ_FLAG_REPLACE))
                return {false, 0, ec};
        }
        body_streamed_ = true;
        upload_total_ = total_length;
        upload_chunked_ = chunked;
        uploaded_ = initial_body.size();
        body_.clear();
        if (!initial_body.empty()) {
            if (chunked) {
                char hex[20];
                auto [end, ignored] = std::to_chars(hex, hex + sizeof hex, initial_body.size(), 16);
                body_.assign(hex, end).append("\r\n").append(initial_body).append("\r\n");
            } else {
                body_ = std::move(initial_body);
            }
        }
    }
    return start_send(SendMode::head_only, context, 1);
}

core::CallResult Request::end_request(DWORD_PTR context) {
    bool usable;
    {
        std::lock_guard lock(state_mutex_);
        usable = phase_ == Phase::body_upload;
        if (phase_ == Phase::sending || phase_ == Phase::receiving)
            return {false, 0, make_error(ERROR_INTERNET_INCORRECT_HANDLE_STATE)};
    }
    if (!usable) {
        // The upload never started (e.g. HttpSendRequestEx failed): the end is cancelled.
        return core::run_operation(shared_from_this(), context, [](core::Done done) {
            boost::asio::post(core::Engine::instance().executor(), [done = std::move(done)] {
                done(0, make_error(ERROR_INTERNET_OPERATION_CANCELLED));
            });
        });
    }
    return start_send(SendMode::finish_upload, context, 1);
}

core::CallResult Request::start_send(SendMode mode, DWORD_PTR completion_context, DWORD_PTR success_result) {
    auto me = self();
    return core::run_operation(shared_from_this(), completion_context, [me, mode, success_result](core::Done done) {
        std::unique_ptr<Connection> leftover;
        {
            std::lock_guard lock(me->state_mutex_);
            me->send_done_ = std::move(done);
            me->send_mode_ = mode;
            me->send_result_ = success_result;
            me->timed_out_ = false;
            if (mode == SendMode::finish_upload) {
                me->phase_ = Phase::receiving;
            } else {
                me->phase_ = Phase::sending;
                me->redirects_ = 0;
                me->retried_ = false;
                me->response_.reset();
                me->deferred_error_.clear();
                // A re-send on the same handle: whatever is left of the old response goes.
                leftover = std::move(me->conn_);
            }
        }
        if (leftover) {
            auto strand = leftover->strand();
            boost::asio::post(strand, [c = std::shared_ptr<Connection>(std::move(leftover))]() mutable { c.reset(); });
        }
        if (mode == SendMode::finish_upload) {
            boost::asio::post(*me->exec_, [me] {
                if (me->cancelled_now()) return me->finish_send(make_error(ERROR_INTERNET_OPERATION_CANCELLED));
                if (!me->upload_chunked_) return me->read_head();
                static const char terminator[] = "0\r\n\r\n";
                me->arm_timer(me->options().send_timeout_ms);
                me->conn_->stream().async_write_all(
                    {boost::asio::buffer(terminator, sizeof terminator - 1)},
                    [me](std::error_code ec, std::size_t) {
                        me->cancel_timer();
                        if (ec) return me->finish_send(me->map_io_error(ec, false));
                        me->read_head();
                    });
            });
        } else {
            me->begin_attempt(false, !me->async());
        }
    });
}

bool Request::cancelled_now() const {
    std::lock_guard lock(state_mutex_);
    return cancelled_;
}

PoolKey Request::pool_key_locked() const {
    PoolKey key;
    key.host = target_.host;
    key.port = target_.port;
    key.tls = target_.tls;
    key.security_flags = target_.tls ? options().security_flags : 0;
    if (const auto proxy = proxy_locked()) {
        key.proxy_host = proxy->host;
        key.proxy_port = proxy->port;
    }
    return key;
}

std::optional<core::ProxyServer> Request::proxy_locked() const {
    const auto session = std::dynamic_pointer_cast<core::Session>(connect_->parent());
    if (!session) return std::nullopt;
    return session->proxy_config().for_target(target_.host, target_.port, target_.tls);
}

std::string Request::request_target_locked() const {
    // A plain HTTP request to a proxy names the whole URL (absolute form); through a CONNECT
    // tunnel, or direct, only the path. An object name that already is a URL stays as given.
    if (target_.tls || target_.path.find("://") != std::string::npos || !proxy_locked()) return target_.path;
    return target_.url();
}

// Where a synchronous caller waiting in line for a connection gets its grant: the caller's
// thread blocks on it inside the send's start and, granted, goes on there (use_grant), as with
// an idle connection, so the whole request stays on its thread (and its socket out of the
// engine's epoll, see net::Stream::wait_readable). Without it the grant went to the engine,
// which wrote the request and waited for the answer before waking the caller.
struct Request::PoolHandOff {
    std::mutex mutex;
    std::condition_variable granted_or_withdrawn;
    std::optional<Pool::Grant> grant;
    bool withdrawn = false;   // the request was closed; on_close took it out of the line

    void hand(std::optional<Pool::Grant> given) {
        {
            std::lock_guard lock(mutex);
            if (given) grant = std::move(given);
            else withdrawn = true;
        }
        granted_or_withdrawn.notify_one();
    }
};

void Request::begin_attempt(bool force_fresh, bool on_caller_thread) {
    auto me = self();
    PoolKey key;
    {
        std::lock_guard lock(state_mutex_);
        key = pool_key_locked();
    }
    const auto opts = options();
    const auto wait_limit = limit_of(opts.connect_timeout_ms);
    // The grant of a wait arrives on whatever thread gave the connection or its place up,
    // possibly inside that request's locks: go on from a handed-over connection's strand (where
    // the request continues anyway), or from the engine.
    std::shared_ptr<PoolHandOff> hand_off;
    if (on_caller_thread) hand_off = std::make_shared<PoolHandOff>();
    auto ticket = Pool::instance().acquire(key, !force_fresh && opts.keep_alive, pool_limits(), wait_limit,
                                           [me, hand_off](Pool::Grant grant) {
        if (hand_off) return hand_off->hand(std::move(grant));
        auto executor = grant.connection ? boost::asio::any_io_executor(grant.connection->strand())
                                         : core::Engine::instance().executor();
        boost::asio::post(executor,
                          [me, grant = std::move(grant)]() mutable { me->on_pool_grant(std::move(grant)); });
    });
    if (ticket.wait_id == 0) return use_grant(std::move(ticket.grant), on_caller_thread);

    bool withdraw;
    {
        std::lock_guard lock(state_mutex_);
        pool_wait_id_ = ticket.wait_id;
        pool_hand_off_ = hand_off;
        withdraw = cancelled_;  // closed meanwhile: on_close may have missed the wait id
    }
    if (withdraw && Pool::instance().cancel_wait(ticket.wait_id)) {
        {
            std::lock_guard lock(state_mutex_);
            pool_wait_id_ = 0;
            pool_hand_off_.reset();
        }
        if (hand_off) return finish_send(make_error(ERROR_INTERNET_OPERATION_CANCELLED));
        boost::asio::post(core::Engine::instance().executor(),
                          [me] { me->finish_send(make_error(ERROR_INTERNET_OPERATION_CANCELLED)); });
        return;
    }
    if (!hand_off) return;  // the grant continues on the engine (on_pool_grant)

    std::optional<Pool::Grant> grant;
    {
        std::unique_lock lock(hand_off->mutex);
        hand_off->granted_or_withdrawn.wait(lock, [&] { return hand_off->grant || hand_off->withdrawn; });
        grant = std::move(hand_off->grant);
    }
    bool cancelled;
    {
        std::lock_guard lock(state_mutex_);
        pool_wait_id_ = 0;
        pool_hand_off_.reset();
        cancelled = cancelled_;
    }
    if (!grant || cancelled) {
        if (grant && grant->connection) Pool::instance().release(std::move(grant->connection));  // unused, still good
        return finish_send(make_error(ERROR_INTERNET_OPERATION_CANCELLED));
    }
    use_grant(std::move(*grant), true);
}

void Request::on_pool_grant(Pool::Grant grant) {
    {
        std::lock_guard lock(state_mutex_);
        pool_wait_id_ = 0;
    }
    if (cancelled_now()) {
        Pool::instance().release(std::move(grant.connection));  // unused, still good
        return finish_send(make_error(ERROR_INTERNET_OPERATION_CANCELLED));
    }
    use_grant(std::move(grant), false);
}

void Request::use_grant(Pool::Grant grant, bool on_caller_thread) {
    auto me = self();
    if (grant.connection) {
        auto strand = grant.connection->strand();
        // A synchronous send on a kept-alive TCP connection writes the request and starts the
        // response wait from the caller's thread (write_request, continue_head): the engine is
        // then only woken by the response. An idle connection has nothing running on its
        // strand and no deadline armed, so nothing else uses the stream meanwhile. TLS keeps
        // starting on the strand (its writes cannot be tried without waiting).
        const bool start_here = on_caller_thread && !grant.connection->stream().is_tls();
        {
            std::lock_guard lock(state_mutex_);
            exec_ = strand;
            conn_ = std::move(grant.connection);
            conn_reused_ = true;
        }
        // On the strand already: a connection handed over by the request that released it.
        if (start_here || strand.running_in_this_thread()) return write_request();
        boost::asio::post(strand, [me] { me->write_request(); });
        return;
    }
    auto strand = boost::asio::make_strand(core::Engine::instance().context());
    {
        std::lock_guard lock(state_mutex_);
        exec_ = strand;
        conn_reused_ = false;
        slot_ = std::move(grant.slot);
    }
    boost::asio::post(strand, [me] { me->connect_on_strand(); });
}

void Request::connect_on_strand() {
    net::ConnectRequest request;
    {
        std::lock_guard lock(state_mutex_);
        if (cancelled_) {
            // fall through to the failure below without holding the lock
        } else {
            request.host = target_.host;
            request.port = target_.port;
            request.tls = target_.tls;
            request.security_flags = options().security_flags;
            request.timeout = std::chrono::milliseconds(options().connect_timeout_ms);
            if (const auto proxy = proxy_locked()) {
                request.proxy_host = proxy->host;
                request.proxy_port = proxy->port;
                const auto opts = options();
                if (!opts.proxy_user.empty())
                    request.proxy_authorization = basic_credentials(opts.proxy_user, opts.proxy_password);
            }
        }
    }
    if (cancelled_now()) return finish_send(make_error(ERROR_INTERNET_OPERATION_CANCELLED));
    auto me = self();
    auto connector = net::Connector::start(
        *exec_, request,
        [me](DWORD status, std::string_view text) { me->notify_string(status, text); },
        [me](std::error_code ec, std::unique_ptr<net::Stream> stream) { me->on_connected(ec, std::move(stream)); });
    bool cancel_now;
    {
        std::lock_guard lock(state_mutex_);
        connector_ = connector;
        cancel_now = cancelled_;
    }
    if (cancel_now) connector->cancel();
}

void Request::on_connected(std::error_code ec, std::unique_ptr<net::Stream> stream) {
    {
        std::lock_guard lock(state_mutex_);
        connector_.reset();
        if (!cancelled_ && !ec) {
            certificate_ = stream->certificate();
            certificate_errors_ = certificate_ ? certificate_->verification_errors : 0;
            conn_ = std::make_unique<Connection>(pool_key_locked(), *exec_, std::move(stream));
            conn_->adopt_slot(std::move(slot_));
        } else if (ec) {
            certificate_errors_ = certificate_error_bits(ec);
        }
        slot_.reset();  // no connection came of it: the place goes to the next in line
    }
    if (cancelled_now()) return finish_send(make_error(ERROR_INTERNET_OPERATION_CANCELLED));
    if (ec) return finish_send(ec);
    write_request();
}

void Request::write_request() {
    std::vector<boost::asio::const_buffer> buffers;
    {
        std::lock_guard lock(state_mutex_);
        if (!cancelled_) {
            // Also for a pooled connection: what its server presented when it was made.
            certificate_ = conn_->stream().certificate();
            certificate_errors_ = certificate_ ? certificate_->verification_errors : 0;
            head_ = build_head_locked();
            buffers.push_back(boost::asio::buffer(head_));
            if (send_mode_ != SendMode::finish_upload && !body_.empty()) buffers.push_back(boost::asio::buffer(body_));
        }
    }
    if (cancelled_now()) return finish_send(make_error(ERROR_INTERNET_OPERATION_CANCELLED));
    head_bytes_ = 0;
    notify(INTERNET_STATUS_SENDING_REQUEST);
    // A request head nearly always fits the socket's send buffer: write it now, and only wait
    // (with the send timeout) for what did not fit. May run on a synchronous caller's thread
    // (use_grant): the stream is used under state_mutex_ after checking cancelled_, and the
    // deadline is armed only once the wait has started, as in read_into.
    const DWORD send_timeout_ms = options().send_timeout_ms;
    std::error_code ec;
    std::size_t written = 0;
    {
        std::lock_guard lock(state_mutex_);
        if (cancelled_) {
            ec = make_error(ERROR_INTERNET_OPERATION_CANCELLED);
        } else {
            const std::size_t total = boost::asio::buffer_size(buffers);
            written = conn_->stream().try_write_some(buffers, ec);
            if (net::is_would_block(ec) || (!ec && written < total)) {
                drop_front(buffers, written);
                auto me = self();
                conn_->stream().async_write_all(std::move(buffers), [me, written](std::error_code ec, std::size_t n) {
                    me->on_request_written(ec, written + n);
                });
                arm_timer(send_timeout_ms);
                return;
            }
        }
    }
    if (cancelled_now()) return finish_send(make_error(ERROR_INTERNET_OPERATION_CANCELLED));
    on_request_written(ec, written);
}

void Request::on_request_written(std::error_code ec, std::size_t bytes) {
    cancel_timer();
    if (ec) {
        if (retry_on_fresh_connection(ec)) return;
        return finish_send(map_io_error(ec, false));
    }
    notify_dword(INTERNET_STATUS_REQUEST_SENT, static_cast<DWORD>(bytes));
    if (send_mode_ == SendMode::head_only) return finish_send({});
    read_head();
}

bool Request::retry_on_fresh_connection(const std::error_code& ec) {
    {
        std::lock_guard lock(state_mutex_);
        if (!conn_reused_ || retried_ || cancelled_ || timed_out_ || head_bytes_ != 0 ||
            send_mode_ == SendMode::finish_upload || !is_peer_drop(ec))
            return false;
        retried_ = true;
        conn_.reset();  // a stale keep-alive connection: the server closed it while idle
    }
    begin_attempt(true);
    return true;
}

void Request::read_head() {
    parser_.reset();
    head_bytes_ = 0;
    notify(INTERNET_STATUS_RECEIVING_RESPONSE);
    continue_head();
}

void Request::continue_head() {
    const DWORD receive_timeout_ms = options().receive_timeout_ms;
    for (;;) {
        while (conn_->size() > 0) {
            std::size_t consumed = 0;
            auto state = parser_.feed(std::string_view(conn_->data(), conn_->size()), consumed);
            conn_->consume(consumed);
            if (state == ResponseHeadParser::State::error) return finish_send(parser_.error());
            if (state == ResponseHeadParser::State::done) {
                auto head = parser_.take_head();
                if (head.status >= 100 && head.status < 200 && head.status != 101) {
                    notify_dword(INTERNET_STATUS_INTERMEDIATE_RESPONSE, head.status);
                    parser_.reset();
                    continue;
                }
                return on_head_complete(std::move(head));
            }
        }
        // The response is often there already (a server on the same host answers within the
        // microseconds the request took): take it without waiting, so the whole send needs no
        // engine hop. Possibly on a synchronous caller's thread (see write_request): the stream
        // is used under state_mutex_, and the deadline is armed after the wait has started.
        std::error_code ec;
        std::size_t n = 0;
        {
            std::lock_guard lock(state_mutex_);
            if (cancelled_) break;
            char* space = conn_->prepare(kHeadReadSize);
            const auto buffer = boost::asio::buffer(space, conn_->free_space());
            n = conn_->stream().try_read_some(buffer, ec);
            if (net::is_would_block(ec) && !waits_here_locked()) {
                auto me = self();
                conn_->stream().async_read_some(buffer, [me](std::error_code ec, std::size_t n) {
                    me->on_head_data(ec, n);
                });
                arm_timer(receive_timeout_ms);
                return;
            }
        }
        if (net::is_would_block(ec)) {
            if (auto wait_error = wait_here(receive_timeout_ms)) return on_head_data(wait_error, 0);
            continue;
        }
        if (ec) return on_head_data(ec, n);
        conn_->commit(n);
        head_bytes_ += n;
    }
    finish_send(make_error(ERROR_INTERNET_OPERATION_CANCELLED));
}

void Request::on_head_data(std::error_code ec, std::size_t bytes) {
    cancel_timer();
    if (ec) {
        if (head_bytes_ == 0 && retry_on_fresh_connection(ec)) return;
        if (is_eof(ec))  // closed before a complete head arrived
            return finish_send(make_error(ERROR_HTTP_INVALID_SERVER_RESPONSE));
        return finish_send(map_io_error(ec, false));
    }
    conn_->commit(bytes);
    head_bytes_ += bytes;
    continue_head();
}

void Request::reset_body_state_locked() {
    framing_ = Framing::none;
    remaining_ = 0;
    chunked_.reset();
    content_decoder_.reset();
    decoder_fed_ = false;
    framed_.clear();
    framed_begin_ = 0;
    ready_.clear();
    ready_begin_ = 0;
    raw_complete_ = true;
    body_done_ = true;
    keep_alive_ = false;
    deferred_error_.clear();
}

void Request::on_head_complete(ResponseHead head) {
    notify_dword(INTERNET_STATUS_RESPONSE_RECEIVED, static_cast<DWORD>(head_bytes_));
    std::uint64_t length = 0;
    std::error_code framing_error;
    std::string location;
    bool follow = false;
    std::unique_ptr<Connection> to_pool;
    const bool http_1_0 = head.version_major < 1 || (head.version_major == 1 && head.version_minor == 0);
    PoolKey server;
    {
        std::lock_guard lock(state_mutex_);
        server = conn_ ? conn_->key() : pool_key_locked();
        auto framing = framing_for(head, verb_, length, framing_error);
        if (!framing_error) {
            reset_body_state_locked();
            framing_ = framing;
            remaining_ = length;
            raw_complete_ = framing == Framing::none || (framing == Framing::content_length && length == 0);
            body_done_ = raw_complete_;  // no body at all
            const std::string* connection = head.find("Connection");
            const bool close_asked = connection && connection->find("close") != std::string::npos;
            const bool keep_asked = connection && (connection->find("keep-alive") != std::string::npos ||
                                                   connection->find("Keep-Alive") != std::string::npos);
            const bool http11 = head.version_major > 1 || (head.version_major == 1 && head.version_minor >= 1);
            keep_alive_ = options().keep_alive && framing != Framing::until_close && !close_asked &&
                          (http11 || keep_asked);
            if (options().http_decoding) {
                if (const std::string* encoding = head.find("Content-Encoding"))
                    content_decoder_ = ContentDecoder::create(*encoding);
            }
            if (is_redirect_status(head.status) && !(params_.flags & INTERNET_FLAG_NO_AUTO_REDIRECT)) {
                if (const std::string* loc = head.find("Location")) {
                    follow = true;
                    location = *loc;
                }
            }
            response_ = std::move(head);
            phase_ = Phase::response;
            if (body_exhausted_locked()) body_finished_locked(to_pool);
        }
    }
    // Before the connection may go back: a server now known to speak HTTP/1.0 keeps fewer.
    Pool::instance().note_version(server, http_1_0, pool_limits());
    if (framing_error) return finish_send(framing_error);
    if (to_pool) Pool::instance().release(std::move(to_pool));
    if (follow) return follow_redirect(location);
    finish_send({});
}

void Request::follow_redirect(const std::string& location) {
    Target next;
    std::string next_url;
    bool to_get = false;
    bool other_scheme = false;
    {
        std::lock_guard lock(state_mutex_);
        const std::string current = target_.url();
        auto base = boost::urls::parse_uri(current);
        auto reference = boost::urls::parse_uri_reference(location);
        boost::urls::url resolved;
        bool valid = base && reference && boost::urls::resolve(*base, *reference, resolved);
        if (valid) {
            resolved.remove_fragment();
            const auto scheme = resolved.scheme_id();
            if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) {
                other_scheme = !resolved.scheme().empty();
            } else {
                next.tls = scheme == boost::urls::scheme::https;
                next.host = std::string(resolved.encoded_host_address());
                if (next.host.size() > 2 && next.host.front() == '[')
                    next.host = next.host.substr(1, next.host.size() - 2);
                if (!next.host.empty() && !(resolved.has_port() && resolved.port_number() == 0)) {
                    next.port = resolved.has_port() ? resolved.port_number() : (next.tls ? 443 : 80);
                    next.path = std::string(resolved.encoded_path());
                    if (next.path.empty()) next.path = "/";
                    if (resolved.has_query()) next.path += "?" + std::string(resolved.encoded_query());
                    next_url = next.url();
                }
            }
        }
    }
    // Not an HTTP redirect (ftp:, mailto:, ...): the request completes with the 3xx.
    if (other_scheme) return finish_send({}, true);
    if (next_url.empty()) return finish_send(make_error(ERROR_INTERNET_INVALID_URL), true);
    bool too_many, downgrade, streamed_body_lost;
    {
        std::lock_guard lock(state_mutex_);
        too_many = redirects_ >= kMaxRedirects;
        downgrade = target_.tls && !next.tls && !(params_.flags & INTERNET_FLAG_IGNORE_REDIRECT_TO_HTTP) &&
                    !(options().security_flags & SECURITY_FLAG_IGNORE_REDIRECT_TO_HTTP);
        const unsigned status = response_ ? response_->status : 0;
        to_get = status == 303 ? verb_ != "HEAD" : ((status == 301 || status == 302) && verb_ == "POST");
        streamed_body_lost = body_streamed_ && !to_get;
    }
    if (too_many) return finish_send(make_error(ERROR_HTTP_REDIRECT_FAILED), true);
    if (downgrade) return finish_send(make_error(ERROR_INTERNET_HTTPS_TO_HTTP_ON_REDIR), true);
    // A streamed (HttpSendRequestEx) body cannot be sent again: 307/308 stop here.
    if (streamed_body_lost) return finish_send({}, true);

    notify_string(INTERNET_STATUS_REDIRECT, next_url);
    if (cancelled_now()) return finish_send(make_error(ERROR_INTERNET_OPERATION_CANCELLED));

    auto me = self();
    drain_then(
        [me, next, to_get] {
            std::unique_ptr<Connection> old;
            {
                std::lock_guard lock(me->state_mutex_);
                old = std::move(me->conn_);
                me->target_ = next;
                me->headers_.set("Host", next.host_header());
                if (to_get) {
                    me->verb_ = "GET";
                    me->body_.clear();
                    me->body_streamed_ = false;
                    me->upload_chunked_ = false;
                    me->headers_.remove_all("Content-Length");
                    me->headers_.remove_all("Content-Type");
                    me->headers_.remove_all("Transfer-Encoding");
                }
                me->send_mode_ = SendMode::whole;
                ++me->redirects_;
                me->retried_ = false;
            }
            old.reset();  // nothing of it is pending any more: it may close on any thread
            me->begin_attempt(false);
        },
        kDrainReadBudget);
}

void Request::drain_then(std::function<void()> next, unsigned budget_reads) {
    std::unique_ptr<Connection> to_pool;
    bool need_read = false;
    bool give_up = false;
    {
        std::lock_guard lock(state_mutex_);
        content_decoder_.reset();  // the body is thrown away: no point decoding it
        ready_.clear();
        ready_begin_ = 0;
        framed_.clear();
        framed_begin_ = 0;
        if (conn_ && !body_done_) {
            char scratch[kDecodeChunk];
            std::error_code ec;
            while (!body_done_ && conn_ && conn_->size() > 0 && !ec) produce_locked(scratch, sizeof scratch, ec);
            if (!body_done_ && !ec) produce_locked(scratch, 0, ec);  // settles an empty tail
            if (ec || framing_ == Framing::until_close || budget_reads == 0) give_up = !body_done_;
            else need_read = !body_done_;
        }
        if (body_done_ && conn_) body_finished_locked(to_pool);
    }
    if (to_pool) Pool::instance().release(std::move(to_pool));
    if (give_up) close_connection_notify();
    if (!need_read || give_up) return next();
    // Possibly on a synchronous caller's thread (a redirect whose head came inline): the wait
    // starts under state_mutex_ and the deadline is armed after it, as in continue_head.
    const DWORD receive_timeout_ms = options().receive_timeout_ms;
    {
        std::lock_guard lock(state_mutex_);
        if (!cancelled_) {
            char* space = conn_->prepare(kDecodeChunk);
            auto me = self();
            conn_->stream().async_read_some(
                boost::asio::buffer(space, conn_->free_space()),
                [me, next = std::move(next), budget_reads](std::error_code ec, std::size_t n) mutable {
                    me->cancel_timer();
                    if (me->cancelled_now()) return me->finish_send(make_error(ERROR_INTERNET_OPERATION_CANCELLED));
                    if (ec) {
                        if (me->framing_ != Framing::until_close || !is_eof(ec)) {
                            me->close_connection_notify();
                            return next();
                        }
                        {
                            std::lock_guard lock(me->state_mutex_);
                            me->raw_complete_ = true;
                            me->keep_alive_ = false;
                        }
                        return me->drain_then(std::move(next), 0);
                    }
                    me->conn_->commit(n);
                    me->drain_then(std::move(next), budget_reads - 1);
                });
            arm_timer(receive_timeout_ms);
            return;
        }
    }
    finish_send(make_error(ERROR_INTERNET_OPERATION_CANCELLED));
}

void Request::finish_send(std::error_code ec, bool keep_response) {
    cancel_timer();
    core::Done done;
    DWORD_PTR result = 0;
    std::unique_ptr<Connection> to_close;
    {
        std::lock_guard lock(state_mutex_);
        if (cancelled_ && ec) ec = make_error(ERROR_INTERNET_OPERATION_CANCELLED);
        if (ec && timed_out_ && to_win32_error(ec) == ERROR_INTERNET_OPERATION_CANCELLED)
            ec = make_error(ERROR_INTERNET_TIMEOUT);
        if (ec) {
            phase_ = keep_response && response_ ? Phase::response : Phase::failed;
            if (!keep_response) {
                to_close = std::move(conn_);
                reset_body_state_locked();
                body_done_ = true;
            }
        } else {
            phase_ = send_mode_ == SendMode::head_only ? Phase::body_upload : Phase::response;
            result = send_result_;
        }
        done = std::move(send_done_);
        send_done_ = nullptr;
        slot_.reset();
    }
    if (to_close && to_close->stream().is_open() && !cancelled_now()) {
        notify(INTERNET_STATUS_CLOSING_CONNECTION);
        to_close.reset();
        notify(INTERNET_STATUS_CONNECTION_CLOSED);
    }
    to_close.reset();
    const bool close_after = ec && close_on_failure_ && async();
    auto me = close_after ? self() : nullptr;
    if (done) done(ec ? 0 : result, ec);
    if (close_after) boost::asio::post(core::Engine::instance().executor(), [me] { me->close(); });
}

void Request::close_connection_notify() {
    std::unique_ptr<Connection> closing;
    {
        std::lock_guard lock(state_mutex_);
        closing = std::move(conn_);
    }
    if (!closing) return;
    notify(INTERNET_STATUS_CLOSING_CONNECTION);
    closing.reset();
    notify(INTERNET_STATUS_CONNECTION_CLOSED);
}

// ---------------------------------------------------------------------------------------
// Timers and cancellation
// ---------------------------------------------------------------------------------------

// Send and receive timeouts are the connection's deadline (http/connection.hpp): it closes
// the stream when it passes, and the step's completion (which always calls cancel_timer()
// first) learns from it that the failure was a timeout.
void Request::arm_timer(DWORD ms) {
    if (!conn_) return;
    if (const auto limit = limit_of(ms)) return conn_->arm_deadline(*limit);
    conn_->clear_deadline();
}

// Under state_mutex_: a step started on a synchronous caller's thread holds it until its wait
// is started and timed, so the completion (whose first step this is) waits for that.
void Request::cancel_timer() {
    std::lock_guard lock(state_mutex_);
    if (!conn_) return;
    conn_->clear_deadline();
    if (conn_->deadline_passed()) timed_out_ = true;
}

void Request::abort_io() {
    std::shared_ptr<net::Connector> connector;
    {
        std::lock_guard lock(state_mutex_);
        if (exec_ && !exec_->running_in_this_thread()) {
            // The request moved to another connection's strand meanwhile.
            boost::asio::post(*exec_, [me = self()] { me->abort_io(); });
            return;
        }
        connector = connector_;
        // Closing completes pending reads/writes with operation_aborted (never inline). A
        // caller's thread polling the socket (wait_here) is woken instead, and closes it.
        if (conn_ && caller_waiting_)
            conn_->stream().interrupt_wait();
        else if (conn_)
            conn_->stream().close();
    }
    if (connector) connector->cancel();
}

// A synchronous call whose step runs on the caller's thread (write_request, read) waits for
// the server on that thread, polling the socket, instead of handing the wait to the engine:
// the answer then wakes the caller directly, not an engine thread that wakes the caller
// (one thread switch per wait instead of two, and none of the hand-off's latency; measured in
// bench/README.md). The engine has nothing pending on the stream meanwhile; abort_io wakes the
// poll with interrupt_wait() (closing a descriptor another thread polls would not wake it, and
// its number could be reused); the receive timeout is the poll's. TLS streams wait through the
// engine (their readiness is per record, not per socket read).
bool Request::waits_here_locked() const {
    return !async() && !core::Engine::instance().in_engine_thread() && conn_ && !conn_->stream().is_tls();
}

// Called without state_mutex_, by the caller's thread that found the stream empty.
std::error_code Request::wait_here(DWORD timeout_ms) {
    net::Stream* stream = nullptr;
    {
        std::lock_guard lock(state_mutex_);
        if (cancelled_ || !conn_) return make_error(ERROR_INTERNET_OPERATION_CANCELLED);
        caller_waiting_ = true;
        stream = &conn_->stream();
    }
    const auto outcome = stream->wait_readable(limit_of(timeout_ms));
    std::lock_guard lock(state_mutex_);
    caller_waiting_ = false;
    if (cancelled_) {
        conn_->stream().close();  // abort_io only woke us
        return make_error(ERROR_INTERNET_OPERATION_CANCELLED);
    }
    if (outcome == net::Stream::WaitOutcome::timed_out) {
        timed_out_ = true;
        conn_->stream().close();  // a late answer would leave the connection out of step
        return make_error(ERROR_INTERNET_TIMEOUT);
    }
    if (outcome == net::Stream::WaitOutcome::unsupported) return make_error(ERROR_INTERNET_INTERNAL_ERROR);
    return {};
}

void Request::on_close() {
    std::optional<Strand> strand;
    std::uint64_t wait_id = 0;
    std::shared_ptr<PoolHandOff> hand_off;
    {
        std::lock_guard lock(state_mutex_);
        cancelled_ = true;
        hand_off = pool_hand_off_;
        // Nothing to abort when no connection, connector or send is in flight (the usual close
        // after a body was read to the end): skip the strand hop. Work that starts later checks
        // cancelled_ first.
        const bool idle = !conn_ && !connector_ && phase_ != Phase::sending && phase_ != Phase::receiving;
        if (!idle) strand = exec_;
        wait_id = pool_wait_id_;
    }
    if (wait_id != 0 && Pool::instance().cancel_wait(wait_id)) {
        {
            std::lock_guard lock(state_mutex_);
            pool_wait_id_ = 0;
        }
        if (hand_off) {
            hand_off->hand(std::nullopt);  // the caller's thread completes the send itself
        } else {
            boost::asio::post(core::Engine::instance().executor(),
                              [me = self()] { me->finish_send(make_error(ERROR_INTERNET_OPERATION_CANCELLED)); });
        }
    }
    if (strand) boost::asio::post(*strand, [me = self()] { me->abort_io(); });
    if (hidden_parent_) {
        boost::asio::post(core::Engine::instance().executor(), [parent = connect_] { parent->close(); });
    }
}

std::error_code Request::map_io_error(const std::error_code& ec, bool mid_body) const {
    std::lock_guard lock(state_mutex_);
    if (cancelled_) return make_error(ERROR_INTERNET_OPERATION_CANCELLED);
    if (timed_out_) return make_error(ERROR_INTERNET_TIMEOUT);
    if (is_eof(ec)) return make_error(ERROR_INTERNET_CONNECTION_ABORTED);
    if (is_aborted(ec)) return make_error(ERROR_INTERNET_OPERATION_CANCELLED);
    if (ec == std::errc::connection_reset) return make_error(ERROR_INTERNET_CONNECTION_RESET);
    if (ec == std::errc::broken_pipe || ec == std::errc::connection_aborted)
        return make_error(ERROR_INTERNET_CONNECTION_ABORTED);
    auto mapped = normalize_error(ec);
    if (mid_body && to_win32_error(mapped) == ERROR_INTERNET_INTERNAL_ERROR)
        return make_error(ERROR_INTERNET_CONNECTION_ABORTED);
    return mapped;
}

// ---------------------------------------------------------------------------------------
// Body
// ---------------------------------------------------------------------------------------

// Raw bytes from the connection's buffer through the transfer framing into `out`.
std::size_t Request::frame_locked(char* out, std::size_t cap, std::error_code& ec) {
    if (raw_complete_ || !conn_ || cap == 0) return 0;
    std::size_t n = 0;
    switch (framing_) {
        case Framing::none:
            raw_complete_ = true;
            return 0;
        case Framing::content_length:
            n = static_cast<std::size_t>(std::min<std::uint64_t>({cap, conn_->size(), remaining_}));
            std::memcpy(out, conn_->data(), n);
            conn_->consume(n);
            remaining_ -= n;
            if (remaining_ == 0) raw_complete_ = true;
            return n;
        case Framing::chunked: {
            auto r = chunked_.decode(conn_->data(), conn_->size(), out, cap);
            conn_->consume(r.consumed);
            if (r.ec) ec = r.ec;
            if (chunked_.done()) raw_complete_ = true;
            return r.produced;
        }
        case Framing::until_close:
            n = std::min(cap, conn_->size());
            std::memcpy(out, conn_->data(), n);
            conn_->consume(n);
            return n;
    }
    return 0;
}

// Decoded body bytes from what is already buffered, into `out` (ready_ not included).
std::size_t Request::produce_locked(char* out, std::size_t cap, std::error_code& ec) {
    if (body_done_) return 0;
    std::size_t produced = 0;
    if (!content_decoder_) {
        produced = frame_locked(out, cap, ec);
        if (raw_complete_) body_done_ = true;
        return produced;
    }
    while (produced < cap || cap == 0) {
        if (framed_begin_ == framed_.size()) {
            framed_.resize(kDecodeChunk);
            framed_begin_ = 0;
            std::size_t n = frame_locked(framed_.data(), framed_.size(), ec);
            framed_.resize(n);
            if (ec) return produced;
        }
        const std::size_t in_len = framed_.size() - framed_begin_;
        if (in_len > 0) decoder_fed_ = true;
        auto r = content_decoder_->decode(framed_.data() + framed_begin_, in_len, out + produced, cap - produced);
        framed_begin_ += r.consumed;
        produced += r.produced;
        if (r.ec) {
            ec = r.ec;
            return produced;
        }
        if (r.produced == 0 && r.consumed == 0) {
            if (raw_complete_ && framed_begin_ == framed_.size()) {
                if (decoder_fed_ && !content_decoder_->done()) ec = make_error(ERROR_INTERNET_DECODING_FAILED);
                body_done_ = true;
            }
            break;
        }
        if (cap == 0) break;
    }
    return produced;
}

std::size_t Request::take_locked(char* out, std::size_t cap, std::error_code& ec) {
    std::size_t got = 0;
    if (ready_begin_ < ready_.size()) {
        got = std::min(cap, ready_.size() - ready_begin_);
        std::memcpy(out, ready_.data() + ready_begin_, got);
        ready_begin_ += got;
        if (ready_begin_ == ready_.size()) {
            ready_.clear();
            ready_begin_ = 0;
        }
    }
    if (got < cap) got += produce_locked(out + got, cap - got, ec);
    // Settle the end when nothing more is buffered, so EOF is known without another wait.
    if (!body_done_ && !ec && conn_ && conn_->size() == 0) produce_locked(out + got, 0, ec);
    return got;
}

bool Request::body_exhausted_locked() const {
    return body_done_ && ready_begin_ == ready_.size();
}

void Request::body_finished_locked(std::unique_ptr<Connection>& to_pool) {
    body_done_ = true;
    if (conn_ && keep_alive_ && !cancelled_ && conn_->size() == 0) {
        ++conn_->responses_completed;
        to_pool = std::move(conn_);
    }
}

std::error_code Request::read(void* buffer, DWORD size, DWORD* read_out, DWORD flags, DWORD_PTR ctx) {
    char* out = static_cast<char*>(buffer);
    const bool no_wait = (flags & IRF_NO_WAIT) != 0;
    std::size_t got = 0;
    std::unique_ptr<Connection> to_pool;
    {
        std::lock_guard lock(state_mutex_);
        if (phase_ != Phase::response) return make_error(ERROR_INTERNET_INCORRECT_HANDLE_STATE);
        if (deferred_error_) {
            auto ec = deferred_error_;
            deferred_error_.clear();
            return ec;
        }
        std::error_code ec;
        got = take_locked(out, size, ec);
        if (ec) {
            conn_.reset();
            body_done_ = true;
            if (got == 0) return ec;
            deferred_error_ = ec;
            *read_out = static_cast<DWORD>(got);
            return {};
        }
        const bool eof = body_exhausted_locked();
        if (eof) body_finished_locked(to_pool);
        if (eof || got == size || (no_wait && got > 0)) {
            *read_out = static_cast<DWORD>(got);
            if (!eof) return {};
        }
        if (!eof && !conn_) return make_error(ERROR_INTERNET_CONNECTION_ABORTED);
    }
    if (to_pool) {
        Pool::instance().release(std::move(to_pool));
        return {};
    }
    {
        std::lock_guard lock(state_mutex_);
        if (body_exhausted_locked() || got == size || (no_wait && got > 0)) return {};
    }

    read_timeout_ms_ = options().receive_timeout_ms;  // options() copies strings: once per call
    notify(INTERNET_STATUS_RECEIVING_RESPONSE);
    auto me = self();
    // A synchronous read over TCP runs on this thread, its waits included (wait_here): no
    // hand-off to the engine at all. TLS streams cannot read without waiting (try_read_some),
    // so they gain nothing from it and keep starting on the strand; so do asynchronous
    // sessions, whose reads stay off the API thread.
    bool start_here = false;
    if (!no_wait && !async()) {
        std::lock_guard lock(state_mutex_);
        start_here = !conn_ || !conn_->stream().is_tls();
    }
    auto result = core::run_operation(shared_from_this(), ctx ? ctx : context(),
                                      [me, out, size, got, read_out, no_wait, start_here](core::Done done) {
        if (start_here) return me->read_into(out, size, got, read_out, std::move(done));
        boost::asio::post(*me->exec_, [me, out, size, got, read_out, no_wait, done = std::move(done)]() mutable {
            if (no_wait) {
                me->wait_for_data([me, read_out, done = std::move(done)](std::error_code ec) {
                    if (!ec) *read_out = 0;  // only says "data is there now"; call again for it
                    done(ec ? 0 : 1, ec);
                });
            } else {
                me->read_into(out, size, got, read_out, std::move(done));
            }
        });
    });
    if (result.ok) return {};
    return result.error;
}

void Request::complete_read(std::size_t filled, DWORD* read_out, core::Done done, std::error_code ec) {
    std::unique_ptr<Connection> to_pool;
    {
        std::lock_guard lock(state_mutex_);
        if (cancelled_) {
            ec = make_error(ERROR_INTERNET_OPERATION_CANCELLED);
        } else if (ec) {
            if (filled > 0) {
                deferred_error_ = ec;  // the bytes are delivered; the failure comes next
                ec.clear();
            }
            conn_.reset();
            body_done_ = true;
            raw_complete_ = true;
        }
        if (!ec) {
            *read_out = static_cast<DWORD>(filled);
            if (body_exhausted_locked()) body_finished_locked(to_pool);
        }
    }
    if (to_pool) Pool::instance().release(std::move(to_pool));
    if (!ec) notify_dword(INTERNET_STATUS_RESPONSE_RECEIVED, static_cast<DWORD>(filled));
    done(ec ? 0 : 1, ec);
}

void Request::read_into(char* out, std::size_t cap, std::size_t filled, DWORD* read_out, core::Done done) {
    // Reads what the socket already holds without waiting (no handler dispatch per read); only
    // when it has nothing does the read wait, under the receive timeout. May run on the
    // caller's thread (a synchronous read, see read()): every use of the stream here is under
    // state_mutex_ after checking cancelled_, which excludes abort_io's close, and no deadline
    // is armed until an engine wait has been started, so the deadline cannot close the stream
    // under us either. On the caller's thread over TCP the read waits right here (wait_here);
    // otherwise, once the engine wait is started, this thread touches nothing of the request
    // again: the completion continues on the strand (cancel_timer, its first step, takes
    // state_mutex_ and so starts only after this function has let go of it).
    for (;;) {
        bool direct = false;
        std::size_t n = 0;
        std::error_code io_error;       // what the attempt to read said
        std::error_code finish_error;   // the read ends here, with this
        bool finish = false;
        {
            std::lock_guard lock(state_mutex_);
            std::error_code ec;
            if (!cancelled_) filled += take_locked(out + filled, cap - filled, ec);
            if (cancelled_) {
                finish = true;
                finish_error = make_error(ERROR_INTERNET_OPERATION_CANCELLED);
            } else if (ec) {
                finish = true;
                finish_error = ec;
            } else if (filled == cap || body_exhausted_locked()) {
                finish = true;
            } else if (!conn_) {
                finish = true;
                finish_error = make_error(ERROR_INTERNET_CONNECTION_ABORTED);
            } else {
                char* destination;
                std::size_t max;
                // The caller's whole buffer decides: a big read that is nearly full finishes
                // straight into it rather than reading ahead of it.
                const bool small = cap < kReadAheadSize;
                direct = !small && !content_decoder_ && conn_->size() == 0 && ready_begin_ == ready_.size();
                if (direct) {
                    destination = out + filled;
                    max = cap - filled;
                    if (framing_ == Framing::content_length)
                        max = static_cast<std::size_t>(std::min<std::uint64_t>(max, remaining_));
                } else {
                    destination = conn_->prepare(small ? kReadAheadSize : kDecodeChunk);
                    max = conn_->free_space();
                    // Not past the body: a server's stray bytes after it must stay unread.
                    if (framing_ == Framing::content_length && !content_decoder_ && remaining_ > conn_->size())
                        max = static_cast<std::size_t>(std::min<std::uint64_t>(max, remaining_ - conn_->size()));
                }
                n = conn_->stream().try_read_some(boost::asio::buffer(destination, max), io_error);
                if (net::is_would_block(io_error) && !waits_here_locked()) {
                    auto me = self();
                    conn_->stream().async_read_some(
                        boost::asio::buffer(destination, max),
                        [me, out, cap, filled, read_out, direct, done = std::move(done)](std::error_code ec,
                                                                                         std::size_t n) mutable {
                            me->on_body_data(out, cap, filled, read_out, std::move(done), direct, ec, n);
                        });
                    arm_timer(read_timeout_ms_);  // after starting the wait: see above
                    return;
                }
            }
        }
        if (finish) return complete_read(filled, read_out, std::move(done), finish_error);
        if (net::is_would_block(io_error)) {
            if (auto wait_error = wait_here(read_timeout_ms_))
                return complete_read(filled, read_out, std::move(done), map_io_error(wait_error, true));
            continue;
        }
        if (absorb_body_data(out, filled, read_out, done, direct, io_error, n)) return;
    }
}

void Request::on_body_data(char* out, std::size_t cap, std::size_t filled, DWORD* read_out, core::Done done,
                           bool direct, std::error_code ec, std::size_t n) {
    cancel_timer();
    if (absorb_body_data(out, filled, read_out, done, direct, ec, n)) return;
    read_into(out, cap, filled, read_out, std::move(done));
}

bool Request::absorb_body_data(char* out, std::size_t& filled, DWORD* read_out, core::Done& done, bool direct,
                               std::error_code ec, std::size_t n) {
    if (ec) {
        bool clean_end = false;
        {
            std::lock_guard lock(state_mutex_);
            if (is_eof(ec) && framing_ == Framing::until_close && !cancelled_ && !timed_out_) {
                raw_complete_ = true;
                keep_alive_ = false;
                clean_end = true;
            }
        }
        if (clean_end) return false;
        complete_read(filled, read_out, std::move(done), map_io_error(ec, true));
        return true;
    }
    std::error_code decode_error;
    {
        std::lock_guard lock(state_mutex_);
        if (!direct) {
            conn_->commit(n);
        } else if (framing_ == Framing::content_length) {
            remaining_ -= n;
            filled += n;
            if (remaining_ == 0) raw_complete_ = body_done_ = true;
        } else if (framing_ == Framing::chunked) {
            // Decode in place: the chunk framing read into the caller's buffer is squeezed out.
            char* at = out + filled;
            auto r = chunked_.decode(at, n, at, n);
            filled += r.produced;
            if (r.ec) decode_error = r.ec;
            if (chunked_.done()) {
                raw_complete_ = body_done_ = true;
                if (r.consumed < n) {
                    // Bytes after the last chunk: not ours; the connection is not reusable.
                    keep_alive_ = false;
                }
            }
        } else {
            filled += n;
        }
    }
    if (!decode_error) return false;
    complete_read(filled, read_out, std::move(done), decode_error);
    return true;
}

void Request::wait_for_data(std::function<void(std::error_code)> then) {
    std::size_t available = 0;
    std::error_code ec;
    bool done = false;
    {
        std::lock_guard lock(state_mutex_);
        if (cancelled_) {
            ec = make_error(ERROR_INTERNET_OPERATION_CANCELLED);
            done = true;
        } else {
            if (ready_begin_ == ready_.size()) {
                ready_.resize(kDecodeChunk);
                ready_begin_ = 0;
                ready_.resize(produce_locked(ready_.data(), ready_.size(), ec));
                if (!ec && !body_done_ && conn_ && conn_->size() == 0) produce_locked(nullptr, 0, ec);
            }
            available = ready_.size() - ready_begin_;
            if (ec || available > 0 || body_done_) done = true;
            else if (!conn_) {
                ec = make_error(ERROR_INTERNET_CONNECTION_ABORTED);
                done = true;
            }
        }
    }
    if (done) {
        if (ec) {
            std::lock_guard lock(state_mutex_);
            conn_.reset();
            body_done_ = true;
        }
        return then(ec);
    }
    arm_timer(read_timeout_ms_);
    char* space = conn_->prepare(kDecodeChunk);
    auto me = self();
    conn_->stream().async_read_some(boost::asio::buffer(space, conn_->free_space()),
                                    [me, then = std::move(then)](std::error_code ec, std::size_t n) mutable {
        me->cancel_timer();
        if (ec) {
            bool clean_end = false;
            {
                std::lock_guard lock(me->state_mutex_);
                if (is_eof(ec) && me->framing_ == Framing::until_close && !me->cancelled_ &&
                    !me->timed_out_) {
                    me->raw_complete_ = me->body_done_ = true;
                    me->keep_alive_ = false;
                    clean_end = true;
                }
            }
            if (clean_end) return then({});
            auto mapped = me->map_io_error(ec, true);
            {
                std::lock_guard lock(me->state_mutex_);
                me->conn_.reset();
                me->body_done_ = true;
            }
            return then(mapped);
        }
        me->conn_->commit(n);
        me->wait_for_data(std::move(then));
    });
}

std::error_code Request::query_data_available(DWORD* available, DWORD flags, DWORD_PTR ctx) {
    std::unique_ptr<Connection> to_pool;
    {
        std::lock_guard lock(state_mutex_);
        if (phase_ != Phase::response) return make_error(ERROR_INTERNET_INCORRECT_HANDLE_STATE);
        if (deferred_error_) {
            auto ec = deferred_error_;
            deferred_error_.clear();
            return ec;
        }
        std::error_code ec;
        if (ready_begin_ == ready_.size()) {
            ready_.resize(std::max<std::size_t>(kDecodeChunk, options().read_buffer_size));
            ready_begin_ = 0;
            ready_.resize(produce_locked(ready_.data(), ready_.size(), ec));
            if (!ec && !body_done_ && conn_ && conn_->size() == 0) produce_locked(nullptr, 0, ec);
        }
        if (ec) {
            conn_.reset();
            body_done_ = true;
            return ec;
        }
        const std::size_t n = ready_.size() - ready_begin_;
        if (n > 0 || body_done_) {
            if (n == 0) body_finished_locked(to_pool);
            *available = static_cast<DWORD>(n);
        } else if (!conn_) {
            return make_error(ERROR_INTERNET_CONNECTION_ABORTED);
        } else {
            *available = 0;
        }
    }
    if (to_pool) Pool::instance().release(std::move(to_pool));
    {
        std::lock_guard lock(state_mutex_);
        if (ready_begin_ < ready_.size() || body_done_) return {};
    }
    read_timeout_ms_ = options().receive_timeout_ms;
    auto me = self();
    // Windows reports the count in dwError of the completion (reference §2.2).
    auto result = core::run_operation(shared_from_this(), ctx ? ctx : context(),
                                      [me, available](core::Done done) {
        boost::asio::post(*me->exec_, [me, available, done = std::move(done)]() mutable {
            me->wait_for_data([me, available, done = std::move(done)](std::error_code ec) {
                if (ec) return done(0, ec);
                DWORD n;
                {
                    std::lock_guard lock(me->state_mutex_);
                    n = static_cast<DWORD>(me->ready_.size() - me->ready_begin_);
                }
                *available = n;
                done(n, {});
            });
        });
    }, core::CompletionReport::bytes_available_in_error);
    if (result.ok) return {};
    return result.error;
}

std::error_code Request::write(const void* buffer, DWORD size, DWORD* written) {
    bool chunked;
    {
        std::lock_guard lock(state_mutex_);
        if (phase_ != Phase::body_upload || !conn_) return make_error(ERROR_INTERNET_INCORRECT_HANDLE_STATE);
        chunked = upload_chunked_;
    }
    if (size == 0 && chunked) {  // an empty chunk would end the body early
        *written = 0;
        return {};
    }
    if (!begin_operation()) return make_error(ERROR_INVALID_HANDLE);
    notify(INTERNET_STATUS_SENDING_REQUEST);
    auto chunk_header = std::make_shared<std::string>();
    std::vector<boost::asio::const_buffer> buffers;
    if (chunked) {
        char hex[20];
        auto [end, ignored] = std::to_chars(hex, hex + sizeof hex, size, 16);
        chunk_header->assign(hex, end);
        chunk_header->append("\r\n");
        buffers.push_back(boost::asio::buffer(*chunk_header));
    }
    buffers.push_back(boost::asio::buffer(buffer, size));
    static const char crlf[] = "\r\n";
    if (chunked) buffers.push_back(boost::asio::buffer(crlf, 2));

    // InternetWriteFile completes inline even in async sessions (reference §2.3): wait here.
    auto outcome = std::make_shared<std::promise<std::error_code>>();
    auto future = outcome->get_future();
    auto me = self();
    boost::asio::post(*exec_, [me, buffers = std::move(buffers), chunk_header, outcome]() mutable {
        if (me->cancelled_now() || !me->conn_) {
            outcome->set_value(make_error(ERROR_INTERNET_OPERATION_CANCELLED));
            return;
        }
        me->arm_timer(me->options().send_timeout_ms);
        me->conn_->stream().async_write_all(std::move(buffers),
                                            [me, chunk_header, outcome](std::error_code ec, std::size_t) {
            me->cancel_timer();
            outcome->set_value(ec ? me->map_io_error(ec, false) : std::error_code{});
        });
    });
    auto ec = future.get();
    if (!ec) {
        {
            std::lock_guard lock(state_mutex_);
            uploaded_ += size;
        }
        *written = size;
        notify_dword(INTERNET_STATUS_REQUEST_SENT, size);
    }
    end_operation();
    return ec;
}

// ---------------------------------------------------------------------------------------
// HttpQueryInfo and options
// ---------------------------------------------------------------------------------------

std::error_code Request::query_info(DWORD level, void* buffer, DWORD* length, DWORD* index, bool wide) {
    const DWORD id = level & HTTP_QUERY_HEADER_MASK;
    const DWORD modifiers = level & HTTP_QUERY_MODIFIER_FLAGS_MASK;
    const bool from_request = (modifiers & HTTP_QUERY_FLAG_REQUEST_HEADERS) != 0;
    const DWORD start = index ? *index : 0;
    bool indexed = false;
    std::string value;
    {
        std::lock_guard lock(state_mutex_);
        std::string header_name;
        if (id == HTTP_QUERY_CUSTOM) {
            if (!buffer) return make_error(ERROR_INVALID_PARAMETER);
            if (wide) {
                // The name is NUL-terminated; *length is the capacity for the answer.
                header_name = text::to_utf8(static_cast<const wchar_t*>(buffer));
            } else {
                header_name = static_cast<const char*>(buffer);
            }
        } else {
            header_name = std::string(query_header_name(id));
        }
        if (from_request) {
            switch (id) {
                case HTTP_QUERY_STATUS_CODE:
                case HTTP_QUERY_STATUS_TEXT:
                case HTTP_QUERY_VERSION:
                    return make_error(ERROR_HTTP_INVALID_QUERY_REQUEST);
                case HTTP_QUERY_RAW_HEADERS_CRLF:
                    value = serialize_request_head(verb_, request_target_locked(), params_.version, headers_);
                    break;
                case HTTP_QUERY_RAW_HEADERS:
                    value = crlf_to_nul_lines(serialize_request_head(verb_, request_target_locked(), params_.version, headers_));
                    break;
                case HTTP_QUERY_REQUEST_METHOD:
                    value = verb_;
                    break;
                default: {
                    if (header_name.empty()) return make_error(ERROR_HTTP_HEADER_NOT_FOUND);
                    const std::string* found = headers_.find(header_name, start);
                    if (!found) return make_error(ERROR_HTTP_HEADER_NOT_FOUND);
                    value = *found;
                    indexed = true;
                }
            }
        } else {
            if (phase_ == Phase::body_upload) return make_error(ERROR_INTERNET_INCORRECT_HANDLE_STATE);
            const ResponseHead* head = response_ ? &*response_ : nullptr;
            switch (id) {
                case HTTP_QUERY_STATUS_CODE:
                    value = std::to_string(head ? head->status : 0);
                    break;
                case HTTP_QUERY_STATUS_TEXT:
                    if (!head) return make_error(ERROR_HTTP_HEADER_NOT_FOUND);
                    value = head->reason;
                    break;
                case HTTP_QUERY_VERSION:
                    if (!head) return make_error(ERROR_HTTP_HEADER_NOT_FOUND);
                    value = "HTTP/" + std::to_string(head->version_major) + "." + std::to_string(head->version_minor);
                    break;
                case HTTP_QUERY_RAW_HEADERS_CRLF:
                    value = head ? head->raw : std::string("\r\n");
                    break;
                case HTTP_QUERY_RAW_HEADERS:
                    value = head ? crlf_to_nul_lines(head->raw) : std::string();
                    break;
                case HTTP_QUERY_REQUEST_METHOD:
                    value = verb_;
                    break;
                default: {
                    if (header_name.empty() || !head) return make_error(ERROR_HTTP_HEADER_NOT_FOUND);
                    const std::string* found = head->find(header_name, start);
                    if (!found) return make_error(ERROR_HTTP_HEADER_NOT_FOUND);
                    value = *found;
                    indexed = true;
                }
            }
        }
    }

    if (modifiers & (HTTP_QUERY_FLAG_NUMBER | HTTP_QUERY_FLAG_NUMBER64)) {
        const bool is64 = (modifiers & HTTP_QUERY_FLAG_NUMBER64) != 0;
        std::uint64_t number = 0;
        std::string_view digits = value;
        while (!digits.empty() && digits.front() == ' ') digits.remove_prefix(1);
        auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
        if (err != std::errc{} || end == digits.data()) return make_error(ERROR_HTTP_INVALID_HEADER);
        if (!is64 && number > 0xFFFFFFFFull) return make_error(ERROR_HTTP_INVALID_HEADER);
        const DWORD needed = is64 ? 8 : 4;
        if (!buffer || *length < needed) {
            *length = needed;
            return make_error(ERROR_INSUFFICIENT_BUFFER);
        }
        if (is64) std::memcpy(buffer, &number, 8);
        else {
            DWORD small = static_cast<DWORD>(number);
            std::memcpy(buffer, &small, 4);
        }
        *length = needed;
    } else if (modifiers & HTTP_QUERY_FLAG_SYSTEMTIME) {
        SYSTEMTIME st{};
        if (!parse_http_date(value, st)) return make_error(ERROR_HTTP_INVALID_HEADER);
        if (!buffer || *length < sizeof(SYSTEMTIME)) {
            *length = sizeof(SYSTEMTIME);
            return make_error(ERROR_INSUFFICIENT_BUFFER);
        }
        std::memcpy(buffer, &st, sizeof st);
        *length = sizeof(SYSTEMTIME);
    } else {
        DWORD rc = wide ? text::copy_out_wide_bytes(value, buffer, length)
                        : text::copy_out(value, static_cast<char*>(buffer), length);
        if (rc != ERROR_SUCCESS) return make_error(rc);
    }
    if (indexed && index) *index = start + 1;
    return {};
}

std::error_code Request::query_option(DWORD option, void* buffer, DWORD* length, bool wide) {
    switch (option) {
        case INTERNET_OPTION_URL:
            return core::write_option_string(buffer, length, url(), wide);
        case INTERNET_OPTION_REQUEST_FLAGS: {
            DWORD flags = async() ? INTERNET_REQFLAG_ASYNC : 0;
            {
                std::lock_guard lock(state_mutex_);
                if (!response_) flags |= INTERNET_REQFLAG_NO_HEADERS;
            }
            return core::write_option_dword(buffer, length, flags);
        }
        case INTERNET_OPTION_SECURITY_FLAGS: {
            DWORD flags = options().security_flags;
            std::lock_guard lock(state_mutex_);
            flags |= certificate_errors_;
            if (target_.tls) {
                flags |= SECURITY_FLAG_SECURE;
                if (certificate_ && certificate_->cipher_bits >= 128) flags |= SECURITY_FLAG_STRENGTH_STRONG;
                else if (certificate_ && certificate_->cipher_bits >= 56) flags |= SECURITY_FLAG_STRENGTH_MEDIUM;
                else if (certificate_) flags |= SECURITY_FLAG_STRENGTH_WEAK;
            }
            return core::write_option_dword(buffer, length, flags);
        }
        case INTERNET_OPTION_SECURITY_CERTIFICATE_STRUCT: {
            std::optional<net::CertificateInfo> cert;
            {
                std::lock_guard lock(state_mutex_);
                cert = certificate_;
            }
            if (!cert) return make_error(ERROR_INTERNET_INVALID_OPERATION);
            // Same layout for A and W: the strings are char in both (wininet.h).
            if (!buffer || *length < sizeof(INTERNET_CERTIFICATE_INFOA)) {
                *length = sizeof(INTERNET_CERTIFICATE_INFOA);
                return make_error(ERROR_INSUFFICIENT_BUFFER);
            }
            auto to_filetime = [](std::int64_t unix_seconds) {
                const std::uint64_t ticks =
                    static_cast<std::uint64_t>(unix_seconds + 11644473600LL) * 10000000ULL;
                FILETIME ft;
                ft.dwLowDateTime = static_cast<DWORD>(ticks & 0xFFFFFFFFu);
                ft.dwHighDateTime = static_cast<DWORD>(ticks >> 32);
                return ft;
            };
            auto duplicate = [](const std::string& text) -> LPSTR {
                if (text.empty()) return nullptr;
                return ::strdup(text.c_str());
            };
            INTERNET_CERTIFICATE_INFOA info{};
            info.ftExpiry = to_filetime(cert->not_after);
            info.ftStart = to_filetime(cert->not_before);
            info.lpszSubjectInfo = duplicate(cert->subject);
            info.lpszIssuerInfo = duplicate(cert->issuer);
            info.lpszProtocolName = duplicate(cert->protocol);
            info.lpszSignatureAlgName = nullptr;
            info.lpszEncryptionAlgName = duplicate(cert->cipher);
            info.dwKeySize = static_cast<DWORD>(cert->cipher_bits);
            std::memcpy(buffer, &info, sizeof info);
            *length = sizeof info;
            return {};
        }
        case INTERNET_OPTION_SECURITY_KEY_BITNESS: {
            std::lock_guard lock(state_mutex_);
            if (!certificate_) return make_error(ERROR_INTERNET_INVALID_OPERATION);
            return core::write_option_dword(buffer, length, static_cast<DWORD>(certificate_->cipher_bits));
        }
        default:
            return core::Object::query_option(option, buffer, length, wide);
    }
}

std::error_code Request::set_option(DWORD option, const void* buffer, DWORD length, bool wide) {
    return core::Object::set_option(option, buffer, length, wide);
}

}  // namespace openinet::http
