// The one place inetget goes beyond the public WinInet API. WinInet has no option for "also
// trust this CA" (on Windows the system certificate store decides), so OpenInet offers it as
// an extension of its network layer, and inetget uses it only here.
#include "tls_trust.hpp"

#include <fstream>
#include <stdexcept>

#include "net/stream.hpp"

namespace inetget {

void trust_extra_ca_file(const std::string& pem_path) {
    std::ifstream probe(pem_path);
    if (!probe) throw std::runtime_error("cannot read the --ca-file " + pem_path);
    openinet::net::set_extra_trust_file(pem_path);
}

}  // namespace inetget
