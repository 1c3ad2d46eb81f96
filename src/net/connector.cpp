// Connect state machine: resolve → (per address) TCP connect → [proxy CONNECT tunnel] → TLS
// handshake → verdict.
// All state lives on the caller's strand. One steady_timer bounds the whole attempt. Finishing
// (success, failure, timeout or cancel) happens once, in finish(): it stops the timer, the
// resolver and the socket, and calls the handler; completions that arrive afterwards see
// `finished_` and do nothing.
#include "net/stream.hpp"
#include "net/streams.hpp"
#include "net/tls.hpp"

#include "core/error.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <mutex>

namespace openinet::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

struct HookState {
    std::mutex mutex;
    std::optional<ResolverHook> hook;
};

HookState& hook_state() {
    static HookState state;
    return state;
}

std::optional<ResolverHook> current_hook() {
    HookState& state = hook_state();
    std::lock_guard lock(state.mutex);
    return state.hook;
}

// Longest timer we arm; longer (or non-positive) timeouts mean "no limit" in practice.
constexpr std::chrono::milliseconds max_timer{std::chrono::hours(24 * 24)};

class ConnectorImpl final : public Connector {
public:
    ConnectorImpl(asio::any_io_executor strand, ConnectRequest request, StatusFn status, Handler handler)
        : strand_(strand), request_(std::move(request)), status_(std::move(status)), handler_(std::move(handler)),
          resolver_(strand), timer_(strand), socket_(strand) {
        for (std::string* host : {&request_.host, &request_.proxy_host})
            if (host->size() >= 2 && host->front() == '[' && host->back() == ']') *host = host->substr(1, host->size() - 2);
        via_proxy_ = !request_.proxy_host.empty();
        dial_host_ = via_proxy_ ? request_.proxy_host : request_.host;
        dial_port_ = via_proxy_ ? request_.proxy_port : request_.port;
    }

    void begin() {
        if (request_.timeout.count() > 0 && request_.timeout < max_timer) {
            timer_.expires_after(request_.timeout);
            timer_.async_wait([self = self()](boost::system::error_code ec) {
                if (!ec) self->finish(make_error(ERROR_INTERNET_TIMEOUT));
            });
        }
        report(INTERNET_STATUS_RESOLVING_NAME, dial_host_);
        if (finished_) return;   // the status callback may have cancelled us

        if (auto hook = current_hook(); hook && hook->resolve) {
            hook->resolve(dial_host_, [self = self()](std::error_code ec, std::vector<asio::ip::address> addresses) {
                asio::post(self->strand_, [self, ec, addresses = std::move(addresses)]() mutable {
                    self->resolved_by_hook(ec, std::move(addresses));
                });
            });
            return;
        }
        boost::system::error_code parse_error;
        asio::ip::address literal = asio::ip::make_address(dial_host_, parse_error);
        if (!parse_error) {
            // No resolver round trip for IP literals; post to keep the same asynchrony.
            asio::post(strand_, [self = self(), literal] { self->resolved({tcp::endpoint(literal, self->dial_port_)}); });
            return;
        }
        resolver_.async_resolve(dial_host_, std::to_string(dial_port_), tcp::resolver::numeric_service,
                                [self = self()](boost::system::error_code ec, tcp::resolver::results_type results) {
                                    if (self->finished_) return;
                                    if (ec) {
                                        self->finish(make_error(ERROR_INTERNET_NAME_NOT_RESOLVED));
                                        return;
                                    }
                                    std::vector<tcp::endpoint> endpoints;
                                    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
                                    self->resolved(std::move(endpoints));
                                });
    }

    void cancel() override {
        asio::post(strand_, [self = self()] { self->finish(make_error(ERROR_INTERNET_OPERATION_CANCELLED)); });
    }

private:
    std::shared_ptr<ConnectorImpl> self() { return std::static_pointer_cast<ConnectorImpl>(shared_from_this()); }

    void report(DWORD status, std::string_view text) {
        if (status_ && !finished_) status_(status, text);
    }

    void resolved_by_hook(std::error_code ec, std::vector<asio::ip::address> addresses) {
        if (finished_) return;
        if (ec) {
            finish(ec.category() == wininet_category() ? ec : make_error(ERROR_INTERNET_NAME_NOT_RESOLVED));
            return;
        }
        std::vector<tcp::endpoint> endpoints;
        for (const auto& address : addresses) endpoints.emplace_back(address, dial_port_);
        resolved(std::move(endpoints));
    }

    void resolved(std::vector<tcp::endpoint> endpoints) {
        if (finished_) return;
        if (endpoints.empty()) {
            finish(make_error(ERROR_INTERNET_NAME_NOT_RESOLVED));
            return;
        }
        endpoints_ = std::move(endpoints);
        report(INTERNET_STATUS_NAME_RESOLVED, endpoints_.front().address().to_string());
        try_address(0);
    }

    void try_address(std::size_t index) {
        if (finished_) return;
        if (index >= endpoints_.size()) {
            // The system's own SYN timeout (before ours) is still a timeout to the caller.
            finish(make_error(last_connect_error_ == boost::asio::error::timed_out ? ERROR_INTERNET_TIMEOUT
                                                                                   : ERROR_INTERNET_CANNOT_CONNECT));
            return;
        }
        std::string address = endpoints_[index].address().to_string();
        report(INTERNET_STATUS_CONNECTING_TO_SERVER, address);
        if (finished_) return;
        boost::system::error_code ignored;
        socket_.close(ignored);
        socket_.async_connect(endpoints_[index], [self = self(), index](boost::system::error_code ec) {
            if (self->finished_) return;
            if (ec) {
                self->last_connect_error_ = ec;
                self->try_address(index + 1);
                return;
            }
            self->connected(index);
        });
    }

    void connected(std::size_t index) {
        boost::system::error_code ignored;
        socket_.set_option(tcp::no_delay(true), ignored);
        peer_address_ = endpoints_[index].address().to_string();
        report(INTERNET_STATUS_CONNECTED_TO_SERVER, peer_address_);
        if (finished_) return;
        if (!request_.tls) {
            finish({}, detail::make_tcp_stream(std::move(socket_), peer_address_, dial_port_));
            return;
        }
        if (via_proxy_) return start_tunnel();
        start_handshake();
    }

    // CONNECT host:port through the proxy; its answer's head must be all it sends before the
    // tunnel carries our handshake.
    void start_tunnel() {
        const std::string authority = (request_.host.find(':') != std::string::npos ? "[" + request_.host + "]"
                                                                                   : request_.host) +
                                      ":" + std::to_string(request_.port);
        tunnel_request_ = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n";
        if (!request_.proxy_authorization.empty())
            tunnel_request_ += "Proxy-Authorization: " + request_.proxy_authorization + "\r\n";
        tunnel_request_ += "\r\n";
        asio::async_write(socket_, asio::buffer(tunnel_request_), [self = self()](boost::system::error_code ec, std::size_t) {
            if (self->finished_) return;
            if (ec) return self->finish(make_error(ERROR_INTERNET_CANNOT_CONNECT));
            asio::async_read_until(self->socket_, self->tunnel_reply_, "\r\n\r\n",
                                   [self](boost::system::error_code ec, std::size_t head_size) {
                                       if (self->finished_) return;
                                       self->tunnel_answered(ec, head_size);
                                   });
        });
    }

    void tunnel_answered(boost::system::error_code ec, std::size_t head_size) {
        if (ec || tunnel_reply_.size() != head_size) return finish(make_error(ERROR_INTERNET_CANNOT_CONNECT));
        const std::string_view head(static_cast<const char*>(tunnel_reply_.data().data()), head_size);
        // "HTTP/1.x 2xx ..."
        const bool established = head.size() > 12 && head.starts_with("HTTP/1.") && head[8] == ' ' && head[9] == '2';
        if (!established) return finish(make_error(ERROR_INTERNET_CANNOT_CONNECT));
        start_handshake();
    }

    void start_handshake() {
        std::error_code ec;
        context_ = detail::client_context(ec);
        if (ec) {
            finish(ec);
            return;
        }
        tls_ = std::make_unique<detail::TlsSocket>(std::move(socket_), *context_);
        boost::system::error_code parse_error;
        asio::ip::make_address(request_.host, parse_error);
        record_ = std::make_shared<detail::VerificationRecord>();
        detail::prepare_client(*tls_, request_.host, !parse_error, record_, ec);
        if (ec) {
            finish(ec);
            return;
        }
        tls_->async_handshake(asio::ssl::stream_base::client, [self = self()](boost::system::error_code ec) {
            if (self->finished_) return;
            if (ec) {
                self->finish(make_error(ERROR_INTERNET_SECURITY_CHANNEL_ERROR));
                return;
            }
            self->handshake_done();
        });
    }

    void handshake_done() {
        DWORD waived = 0;
        if (std::error_code ec = detail::verdict(*record_, request_.security_flags, waived)) {
            finish(ec);
            return;
        }
        CertificateInfo certificate = detail::describe_peer(tls_->native_handle());
        certificate.verification_errors = waived;
        finish({}, detail::make_tls_stream(std::move(tls_), context_, peer_address_, dial_port_,
                                           std::move(certificate)));
    }

    void finish(std::error_code ec, std::unique_ptr<Stream> stream = nullptr) {
        if (finished_) return;
        finished_ = true;
        timer_.cancel();
        resolver_.cancel();
        boost::system::error_code ignored;
        socket_.close(ignored);
        if (tls_) tls_->lowest_layer().close(ignored);
        Handler handler = std::move(handler_);
        status_ = nullptr;
        handler(ec, std::move(stream));
    }

    asio::any_io_executor strand_;
    ConnectRequest request_;
    StatusFn status_;
    Handler handler_;
    tcp::resolver resolver_;
    asio::steady_timer timer_;
    tcp::socket socket_;
    std::vector<tcp::endpoint> endpoints_;
    boost::system::error_code last_connect_error_;
    std::string peer_address_;
    std::shared_ptr<asio::ssl::context> context_;
    std::unique_ptr<detail::TlsSocket> tls_;
    std::shared_ptr<detail::VerificationRecord> record_;
    bool via_proxy_ = false;
    std::string dial_host_;            // the proxy, or the server itself
    std::uint16_t dial_port_ = 0;
    std::string tunnel_request_;
    asio::streambuf tunnel_reply_{16 * 1024};   // a CONNECT answer's head, bounded
    bool finished_ = false;
};

}  // namespace

std::shared_ptr<Connector> Connector::start(asio::any_io_executor strand, ConnectRequest request, StatusFn status,
                                            Handler handler) {
    auto connector = std::make_shared<ConnectorImpl>(strand, std::move(request), std::move(status), std::move(handler));
    asio::post(strand, [connector] { connector->begin(); });
    return connector;
}

void set_resolver_hook(std::optional<ResolverHook> hook) {
    HookState& state = hook_state();
    std::lock_guard lock(state.mutex);
    state.hook = std::move(hook);
}

}  // namespace openinet::net
