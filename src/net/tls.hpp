// TLS pieces shared by the connector and the TLS stream: the client context (system trust
// store plus the optional extra CA file), per-connection verification setup, the verdict that
// maps recorded certificate problems to WinInet errors, and the certificate description.
#pragma once

#include "net/stream.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>

#include <memory>
#include <string>
#include <system_error>

namespace openinet::net::detail {

using TlsSocket = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

// The shared client context for the current extra trust file (built once per file, then reused:
// loading the system store is not free). nullptr with ec = 12157 if the file cannot be loaded.
std::shared_ptr<boost::asio::ssl::context> client_context(std::error_code& ec);

// What the verify callback saw during one handshake.
struct VerificationRecord {
    bool unknown_ca = false;      // chain does not end in a trusted root
    bool name_mismatch = false;   // host name / IP address not in the certificate
    bool date_invalid = false;    // expired or not yet valid (any certificate of the chain)
    bool revocation = false;      // revoked or revocation status unavailable
    bool wrong_usage = false;     // certificate not meant for TLS server use
    bool other = false;           // anything else (bad signature, malformed certificate…)
};

// SNI (not for IP literals), host-name or IP verification, and a verify callback that records
// every problem into `record` and lets the handshake continue, so that the verdict can report
// problems in a fixed order no matter in which order OpenSSL finds them.
void prepare_client(TlsSocket& socket, const std::string& host, bool host_is_ip,
                    std::shared_ptr<VerificationRecord> record, std::error_code& ec);

// The first problem not waived by `security_flags`, in the order CA, CN, date, revocation,
// wrong usage/other; empty if none. `waived` receives SECURITY_FLAG_CERT_* bits for problems
// that were present but waived.
std::error_code verdict(const VerificationRecord& record, DWORD security_flags, DWORD& waived);

CertificateInfo describe_peer(SSL* ssl);

}  // namespace openinet::net::detail
