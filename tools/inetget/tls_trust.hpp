// --ca-file: extra trusted CA certificates for every TLS connection of this process.
#pragma once

#include <string>

namespace inetget {

// Must be called before the transfers start. Throws std::runtime_error when the file cannot
// be read (checked here so the user gets one clear message instead of a TLS error per URL).
void trust_extra_ca_file(const std::string& pem_path);

}  // namespace inetget
