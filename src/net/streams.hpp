// The two Stream implementations, made by the connector once a connection stands.
#pragma once

#include "net/stream.hpp"
#include "net/tls.hpp"

namespace openinet::net::detail {

std::unique_ptr<Stream> make_tcp_stream(boost::asio::ip::tcp::socket socket, std::string peer_address,
                                        std::uint16_t peer_port);
// `context` outlives the SSL object that was created from it.
std::unique_ptr<Stream> make_tls_stream(std::unique_ptr<TlsSocket> socket,
                                        std::shared_ptr<boost::asio::ssl::context> context,
                                        std::string peer_address, std::uint16_t peer_port,
                                        CertificateInfo certificate);

}  // namespace openinet::net::detail
