// TLS started on a connection that is already open, as explicit FTPS needs (RFC 4217): the
// control connection after "AUTH TLS" and every data connection after it is set up. The result
// is again a net::Stream, so the FTP session never asks "is this TLS?" after this point.
//
// The TLS runs as a layer over the inner net::Stream (Asio's ssl::stream over an adapter), with
// the same trust store and verification rules as net's TLS connections (system store + extra CA
// file, SECURITY_FLAG_IGNORE_* waive exactly their check, same error numbers).
#pragma once

#include "net/stream.hpp"

#include <functional>
#include <memory>
#include <string>
#include <system_error>

namespace openinet::ftp {

using TlsHandler = std::function<void(std::error_code, std::unique_ptr<net::Stream>)>;

// Must be called on inner->executor(); the handler runs there, never inline. `host` is the name
// the certificate must carry (the name the user connected to, also for data connections).
// Cancelling: close or cancel the inner stream (kept by the returned handle) — use the returned
// function, callable on the strand, which closes the connection under the handshake.
std::function<void()> start_tls(std::unique_ptr<net::Stream> inner, std::string host, DWORD security_flags,
                                TlsHandler handler);

// Sends close_notify on a stream made by start_tls and waits for the peer's (bounded by closing
// the stream); for any other stream it completes at once. Errors are reported but harmless: the
// stream is closed next either way. Uploads need it: servers take an upload that ends without
// close_notify for truncated.
void shutdown_tls(net::Stream& stream, std::function<void(std::error_code)> handler);

}  // namespace openinet::ftp
