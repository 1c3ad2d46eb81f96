// Byte streams to a server (TCP or TLS behind one interface) and the connector that makes them:
// name resolution (with a test hook), connect with an overall timeout, TLS handshake and
// certificate verification. HTTP and FTP code sees only net::Stream and never asks "is this TLS?".
#pragma once

#include <openinet/wininet.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace openinet::net {

// Stream errors arrive as std::error_code converted from Boost.System codes; these compare them
// with Asio's end-of-stream and cancellation codes without the caller juggling both libraries.
bool is_end_of_stream(const std::error_code& ec) noexcept;
bool is_operation_aborted(const std::error_code& ec) noexcept;
bool is_would_block(const std::error_code& ec) noexcept;

// Completion of a read or write: the error (empty on success) and the bytes transferred.
using IoHandler = std::function<void(std::error_code, std::size_t)>;

// What the server presented, kept for INTERNET_OPTION_SECURITY_CERTIFICATE_STRUCT and friends.
struct CertificateInfo {
    std::string subject;          // one line, RFC 2253 style: "CN=host,O=Org,C=US"
    std::string issuer;           // same format
    std::string subject_common_name, issuer_common_name;   // CN alone ("" if none)
    std::int64_t not_before = 0;  // Unix time, seconds
    std::int64_t not_after = 0;
    int key_bits = 0;             // size of the certificate's public key
    std::string protocol;         // negotiated protocol, e.g. "TLSv1.3"
    std::string cipher;           // negotiated cipher suite name
    int cipher_bits = 0;          // symmetric key strength of that suite
    DWORD verification_errors = 0;  // SECURITY_FLAG_CERT_INVALID_CA/_CN/_DATE, CERT_REV_FAILED
                                    // bits for the problems the caller's IGNORE flags waived
};

// One connected byte stream. Every member function must be called on executor() (the strand the
// stream lives on); completion handlers run there too and never inline from the initiating call.
class Stream {
public:
    virtual ~Stream() = default;
    virtual boost::asio::any_io_executor executor() = 0;   // the strand it lives on
    // Reads at most buffer.size() bytes straight into the caller's buffer. End of stream
    // completes with boost::asio::error::eof (for TLS also when the peer closed without
    // close_notify, which servers commonly do). Other errors are passed through unmapped
    // (system/ssl category); openinet::to_win32_error maps them.
    virtual void async_read_some(boost::asio::mutable_buffer, IoHandler) = 0;
    // Writes every byte of every buffer (the memory must stay valid until the handler runs).
    virtual void async_write_all(std::vector<boost::asio::const_buffer>, IoHandler) = 0;
    // Non-blocking attempts, for callers on the strand with no read (resp. write) pending:
    // move what the socket can take or give right now, without waiting and without a handler
    // dispatch. Return the bytes moved; `ec` is empty on progress, is_would_block(ec) when
    // nothing could move now (then use the async call), or the error/eof as async_read_some
    // would report it. The default (TLS, where records make a partial attempt awkward) always
    // answers would-block, which is always correct.
    virtual std::size_t try_read_some(boost::asio::mutable_buffer buffer, std::error_code& ec);
    virtual std::size_t try_write_some(const std::vector<boost::asio::const_buffer>& buffers, std::error_code& ec);
    // Asked once by an owner that takes arriving bytes itself between waits (try_read_some
    // after a try_write_some or a completed read, e.g. HTTP's synchronous calls on the caller's
    // thread): from a try_read_some/try_write_some to the next async_read_some, arrivals need
    // not wake the engine (TCP: a high SO_RCVLOWAT, net/stream.cpp). Waits are not affected;
    // costs a setsockopt whenever the stream switches between trying and waiting. Default:
    // nothing.
    virtual void quiet_between_waits() noexcept {}
    // Waiting without the engine, for a synchronous caller that owns the stream for the moment
    // (no asynchronous operation pending on it, e.g. HTTP's synchronous calls on the caller's
    // thread): blocks the calling thread until the stream has something to read (bytes, end
    // of stream or an error: the next try_read_some says which), interrupt_wait() is called,
    // or `timeout` passes (nullopt: no limit). The engine is not involved, so the reply wakes
    // the caller directly instead of an engine thread that then wakes the caller.
    // `unsupported` (the default; TLS, whose records make readiness of the socket say little):
    // wait through the engine (async_read_some) instead.
    enum class WaitOutcome { readable, timed_out, unsupported };
    virtual WaitOutcome wait_readable(std::optional<std::chrono::milliseconds> timeout);
    // From any thread, also while wait_readable runs: makes it return now, and every later
    // read fail. Unlike close() it keeps the descriptor, so a waiter never polls a descriptor
    // number reused meanwhile: close the stream once the waiter has returned.
    virtual void interrupt_wait() noexcept {}
    // Pending reads/writes complete with boost::asio::error::operation_aborted. After a cancel
    // the stream's position in the byte stream is unknown: close it, don't reuse it.
    virtual void cancel() noexcept = 0;
    virtual void close() noexcept = 0;    // immediate; no TLS close_notify wait
    virtual bool is_open() const noexcept = 0;
    virtual bool is_tls() const noexcept = 0;
    virtual std::string peer_address() const = 0;          // "127.0.0.1" / "::1"
    virtual std::uint16_t peer_port() const noexcept = 0;
    virtual std::optional<CertificateInfo> certificate() const { return std::nullopt; }
};

struct ConnectRequest {
    std::string host;             // name or IP literal ("::1" and "[::1]" both accepted)
    std::uint16_t port = 0;
    bool tls = false;
    DWORD security_flags = 0;     // SECURITY_FLAG_IGNORE_* waive exactly their check
    std::chrono::milliseconds timeout{60000};  // resolve + TCP + TLS handshake; <= 0: no limit
    // Through an HTTP proxy: the TCP connection is to it; with tls, a CONNECT tunnel to
    // host:port comes first (the proxy answering anything but 2xx: ERROR_INTERNET_CANNOT_CONNECT),
    // and the handshake and its checks are with host, through the tunnel.
    std::string proxy_host;       // empty: direct
    std::uint16_t proxy_port = 0;
    std::string proxy_authorization;   // the CONNECT's Proxy-Authorization value (empty: none)
};

// Progress while connecting, called on the strand: (INTERNET_STATUS_RESOLVING_NAME, host),
// (NAME_RESOLVED, first address), then per address tried (CONNECTING_TO_SERVER, address), and
// (CONNECTED_TO_SERVER, address) once the TCP connection stands (before any TLS handshake).
using StatusFn = std::function<void(DWORD status, std::string_view text)>;

// Resolves, connects (tries each address in turn), and for tls does the handshake and the
// certificate checks. The handler runs exactly once, on the strand, never inline from start().
// Errors (all openinet::wininet_category):
//   12007 ERROR_INTERNET_NAME_NOT_RESOLVED   resolution failed or gave no address
//   12029 ERROR_INTERNET_CANNOT_CONNECT      every address refused/unreachable
//   12002 ERROR_INTERNET_TIMEOUT             request.timeout elapsed (any phase)
//   12017 ERROR_INTERNET_OPERATION_CANCELLED cancel() was called
//   12045 ERROR_INTERNET_INVALID_CA          untrusted chain (unless IGNORE_UNKNOWN_CA)
//   12038 ERROR_INTERNET_SEC_CERT_CN_INVALID name mismatch (unless IGNORE_CERT_CN_INVALID)
//   12037 ERROR_INTERNET_SEC_CERT_DATE_INVALID expired/not yet valid (unless IGNORE_CERT_DATE_INVALID)
//   12057 ERROR_INTERNET_SEC_CERT_REV_FAILED revocation problem (unless IGNORE_REVOCATION)
//   12157 ERROR_INTERNET_SECURITY_CHANNEL_ERROR any other handshake/verification failure
// When several certificate problems exist the first unwaived one in the order above
// (CA, CN, date, revocation) is reported.
class Connector : public std::enable_shared_from_this<Connector> {
public:
    using Handler = std::function<void(std::error_code, std::unique_ptr<Stream>)>;
    // `strand` must serialise its handlers (a strand, or an io_context run by one thread): the
    // connector and the stream it produces keep their state on it.
    static std::shared_ptr<Connector> start(boost::asio::any_io_executor strand, ConnectRequest,
                                            StatusFn, Handler);
    virtual ~Connector() = default;
    // Any thread, any time, idempotent. If the handler has not run yet it runs promptly with
    // 12017; a slow system resolver lookup is abandoned, not waited for.
    virtual void cancel() = 0;

protected:
    Connector() = default;
};

// Test hook (tests only; no DNS traffic ever in tests). While set, every name (IP literals
// too) is resolved by calling `resolve`; it may answer on any thread, late, or never (then the
// connect timeout or cancel ends the attempt). An error answer becomes 12007 unless it already
// is a wininet_category error, which is passed through.
struct ResolverHook {
    std::function<void(const std::string& host,
                       std::function<void(std::error_code, std::vector<boost::asio::ip::address>)>)>
        resolve;
};
void set_resolver_hook(std::optional<ResolverHook>);   // e.g. delay, fail, map names to 127.0.0.1
// A PEM file of extra trusted CAs used besides the system store ("" removes it). Applies to
// connections started afterwards. An unreadable file makes TLS connects fail with 12157.
// The trust store for a file is loaded once, by the first TLS connect that needs it, and kept.
void set_extra_trust_file(std::string pem_path);

}  // namespace openinet::net
