// A private certificate authority for HTTPS tests, generated once per test process with the
// openssl command-line tool (EC P-256 keys, so it takes a few tens of milliseconds).
//
//   good        localhost leaf, SAN DNS:localhost + IP:127.0.0.1, signed by the test CA
//   wrong_name  leaf for DNS:wrong.example only, signed by the test CA
//   expired     localhost leaf (same SANs), valid 2020-01-01 .. 2020-01-02, signed by the test CA
//   untrusted   localhost leaf (same SANs) signed by a second CA that nothing trusts
//
// Clients verify against ca_cert() (e.g. boost::asio::ssl::context::load_verify_file).
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "process.hpp"

namespace openinet::test {

enum class CertKind { good, wrong_name, expired, untrusted };
inline constexpr CertKind all_cert_kinds[] = {CertKind::good, CertKind::wrong_name,
                                              CertKind::expired, CertKind::untrusted};
std::string_view to_string(CertKind kind);

struct CertFiles {
  std::filesystem::path cert;  // PEM, the leaf only
  std::filesystem::path key;   // PEM, PKCS#8
};

class TestCa {
 public:
  // Generated on first use (thread-safe); the files live until the test process exits.
  static const TestCa& instance();

  // The trust anchor for good/wrong_name/expired.
  const std::filesystem::path& ca_cert() const { return ca_cert_; }
  // The CA that signed `untrusted` (tests may trust it explicitly to prove the difference).
  const std::filesystem::path& untrusted_ca_cert() const { return untrusted_ca_cert_; }
  CertFiles files(CertKind kind) const;
  const std::filesystem::path& directory() const { return dir_->path(); }

  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

 private:
  TestCa();
  std::unique_ptr<TempDir> dir_;
  std::filesystem::path ca_cert_;
  std::filesystem::path untrusted_ca_cert_;
};

}  // namespace openinet::test
