#include "ftp/tls_layer.hpp"

#include "core/error.hpp"
#include "net/tls.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace openinet::ftp {

namespace {

namespace asio = boost::asio;

boost::system::error_code to_boost(const std::error_code& ec) {
    if (!ec) return {};
    if (net::is_end_of_stream(ec)) return asio::error::eof;
    if (net::is_operation_aborted(ec)) return asio::error::operation_aborted;
    return boost::system::error_code(ec);
}

// Asio's AsyncReadStream/AsyncWriteStream over a net::Stream, so that asio::ssl::stream can run
// on top of any of our streams. Completions come from the net::Stream, which never completes
// inline and always on its strand — the same executor the TLS operations run on.
class StreamLayer {
public:
    using executor_type = asio::any_io_executor;
    using lowest_layer_type = StreamLayer;
    explicit StreamLayer(net::Stream* stream) : stream_(stream) {}
    lowest_layer_type& lowest_layer() { return *this; }
    executor_type get_executor() { return stream_->executor(); }

    template <class MutableBufferSequence, class Token>
    auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
        return asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [stream = stream_](auto handler, const MutableBufferSequence& buffers) {
                asio::mutable_buffer target;
                for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it)
                    if (asio::mutable_buffer b(*it); b.size() > 0) {
                        target = b;
                        break;
                    }
                auto shared = std::make_shared<decltype(handler)>(std::move(handler));
                stream->async_read_some(target, [shared](std::error_code ec, std::size_t n) {
                    auto h = std::move(*shared);
                    std::move(h)(to_boost(ec), n);
                });
            },
            token, buffers);
    }

    template <class ConstBufferSequence, class Token>
    auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
        return asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [stream = stream_](auto handler, const ConstBufferSequence& buffers) {
                std::vector<asio::const_buffer> list;
                for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it)
                    list.emplace_back(*it);
                auto shared = std::make_shared<decltype(handler)>(std::move(handler));
                stream->async_write_all(std::move(list), [shared](std::error_code ec, std::size_t n) {
                    auto h = std::move(*shared);
                    std::move(h)(to_boost(ec), n);
                });
            },
            token, buffers);
    }

private:
    net::Stream* stream_;
};

// The verification problems net's TLS connections record, in the same categories, so that
// net::detail::verdict applies the caller's SECURITY_FLAG_IGNORE_* flags identically.
void record_problem(net::detail::VerificationRecord& record, int error) {
    switch (error) {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_CERT_UNTRUSTED:
        case X509_V_ERR_INVALID_CA:
        case X509_V_ERR_PATH_LENGTH_EXCEEDED:
        case X509_V_ERR_CERT_CHAIN_TOO_LONG: record.unknown_ca = true; break;
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH: record.name_mismatch = true; break;
        case X509_V_ERR_CERT_HAS_EXPIRED:
        case X509_V_ERR_CERT_NOT_YET_VALID:
        case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
        case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD: record.date_invalid = true; break;
        case X509_V_ERR_CERT_REVOKED:
        case X509_V_ERR_UNABLE_TO_GET_CRL:
        case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER: record.revocation = true; break;
        case X509_V_ERR_INVALID_PURPOSE: record.wrong_usage = true; break;
        default: record.other = true; break;
    }
}

class TlsLayerStream final : public net::Stream {
public:
    TlsLayerStream(std::unique_ptr<net::Stream> inner, std::shared_ptr<asio::ssl::context> context)
        : inner_(std::move(inner)), context_(std::move(context)), tls_(StreamLayer(inner_.get()), *context_) {}

    asio::ssl::stream<StreamLayer>& tls() { return tls_; }
    void set_certificate(net::CertificateInfo info) { certificate_ = std::move(info); }

    asio::any_io_executor executor() override { return inner_->executor(); }

    void async_read_some(asio::mutable_buffer buffer, net::IoHandler handler) override {
        tls_.async_read_some(buffer, [handler = std::move(handler)](boost::system::error_code ec, std::size_t n) {
            // Servers commonly close data connections without close_notify: that is the end.
            if (ec == asio::ssl::error::stream_truncated) ec = asio::error::eof;
            handler(ec, n);
        });
    }
    void async_write_all(std::vector<asio::const_buffer> buffers, net::IoHandler handler) override {
        asio::async_write(tls_, std::move(buffers),
                          [handler = std::move(handler)](boost::system::error_code ec, std::size_t n) {
                              handler(ec, n);
                          });
    }
    void cancel() noexcept override { inner_->cancel(); }
    void close() noexcept override { inner_->close(); }
    bool is_open() const noexcept override { return inner_->is_open(); }
    bool is_tls() const noexcept override { return true; }
    std::string peer_address() const override { return inner_->peer_address(); }
    std::uint16_t peer_port() const noexcept override { return inner_->peer_port(); }
    std::optional<net::CertificateInfo> certificate() const override { return certificate_; }

private:
    std::unique_ptr<net::Stream> inner_;
    std::shared_ptr<asio::ssl::context> context_;
    asio::ssl::stream<StreamLayer> tls_;
    std::optional<net::CertificateInfo> certificate_;
};

// Owns the stream during the handshake; hands it over as a unique_ptr once it succeeded.
struct Handshake {
    std::unique_ptr<TlsLayerStream> stream;
    std::shared_ptr<net::detail::VerificationRecord> record;
    DWORD security_flags = 0;
    TlsHandler handler;
};

}  // namespace

void shutdown_tls(net::Stream& stream, std::function<void(std::error_code)> handler) {
    auto* tls = dynamic_cast<TlsLayerStream*>(&stream);
    if (!tls) {
        asio::post(stream.executor(), [handler = std::move(handler)] { handler({}); });
        return;
    }
    tls->tls().async_shutdown([handler = std::move(handler)](boost::system::error_code ec) { handler(ec); });
}

std::function<void()> start_tls(std::unique_ptr<net::Stream> inner, std::string host, DWORD security_flags,
                                TlsHandler handler) {
    auto executor = inner->executor();
    std::error_code ec;
    auto context = net::detail::client_context(ec);
    if (!context) {
        asio::post(executor, [handler = std::move(handler), ec] { handler(ec, nullptr); });
        return [] {};
    }
    auto state = std::make_shared<Handshake>();
    state->stream = std::make_unique<TlsLayerStream>(std::move(inner), context);
    state->record = std::make_shared<net::detail::VerificationRecord>();
    state->security_flags = security_flags;
    state->handler = std::move(handler);

    auto& tls = state->stream->tls();
    SSL* ssl = tls.native_handle();
    boost::system::error_code ip_ec;
    auto address = asio::ip::make_address(host, ip_ec);
    bool ok = true;
    if (!ip_ec) {
        ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), address.to_string().c_str()) == 1;
    } else {
        ok = SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 && SSL_set1_host(ssl, host.c_str()) == 1;
        SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    }
    boost::system::error_code bec;
    tls.set_verify_mode(asio::ssl::verify_peer, bec);
    tls.set_verify_callback(
        [record = state->record](bool preverified, asio::ssl::verify_context& context) {
            if (!preverified) record_problem(*record, X509_STORE_CTX_get_error(context.native_handle()));
            return true;   // judged after the handshake by net::detail::verdict
        },
        bec);
    if (!ok || bec) {
        asio::post(executor, [state] { state->handler(make_error(ERROR_INTERNET_SECURITY_CHANNEL_ERROR), nullptr); });
        return [] {};
    }
    net::Stream* raw = state->stream.get();
    std::weak_ptr<Handshake> weak = state;
    tls.async_handshake(asio::ssl::stream_base::client, [state](boost::system::error_code hec) {
        if (hec) {
            std::error_code mapped = net::is_operation_aborted(hec) ? std::error_code(hec)
                                     : hec.category() == asio::error::get_ssl_category()
                                         ? make_error(ERROR_INTERNET_SECURITY_CHANNEL_ERROR)
                                         : std::error_code(hec);
            state->handler(mapped, nullptr);
            return;
        }
        DWORD waived = 0;
        if (auto refused = net::detail::verdict(*state->record, state->security_flags, waived)) {
            state->stream->close();
            state->handler(refused, nullptr);
            return;
        }
        auto info = net::detail::describe_peer(state->stream->tls().native_handle());
        info.verification_errors = waived;
        state->stream->set_certificate(std::move(info));
        state->handler({}, std::move(state->stream));
    });
    return [weak, raw] {
        if (auto state = weak.lock(); state && state->stream.get() == raw) raw->close();
    };
}

}  // namespace openinet::ftp
