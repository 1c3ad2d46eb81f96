#include "test_ca.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace openinet::test {
namespace {

namespace fs = std::filesystem;

std::string openssl_binary() {
  for (const char* candidate : {"/usr/bin/openssl", "/usr/local/bin/openssl", "/bin/openssl"})
    if (fs::exists(candidate)) return candidate;
  throw std::runtime_error("the openssl command-line tool is not installed");
}

// One config for every openssl invocation, so the system openssl.cnf cannot change the result.
std::string openssl_config(const fs::path& dir) {
  std::string d = dir.string();
  return R"([ req ]
distinguished_name = req_distinguished_name
prompt = no
[ req_distinguished_name ]
CN = unused
[ root_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ leaf_localhost ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ leaf_wrong_name ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ ca ]
default_ca = test_ca
[ test_ca ]
database = )" + d + R"(/ca-index.txt
new_certs_dir = )" + d + R"(/issued
serial = )" + d + R"(/ca-serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
commonName = supplied
)";
}

class Generator {
 public:
  explicit Generator(const fs::path& dir)
      : openssl_(openssl_binary()), dir_(dir), config_((dir / "openssl.cnf").string()) {
    write_file(config_, openssl_config(dir));
  }

  std::string path(std::string_view name) const { return (dir_ / name).string(); }

  void key(std::string_view name) {
    run({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path(name)});
  }

  void self_signed_ca(std::string_view key_name, std::string_view cert_name, std::string_view subject) {
    run({"req", "-config", config_, "-new", "-x509", "-key", path(key_name), "-subj",
         std::string(subject), "-days", "3650", "-sha256", "-extensions", "root_ca", "-out",
         path(cert_name)});
  }

  void csr(std::string_view key_name, std::string_view csr_name, std::string_view subject) {
    run({"req", "-config", config_, "-new", "-key", path(key_name), "-subj", std::string(subject),
         "-out", path(csr_name)});
  }

  void sign(std::string_view csr_name, std::string_view ca_cert, std::string_view ca_key,
            std::string_view extensions, std::string_view serial, std::string_view cert_name) {
    run({"x509", "-req", "-in", path(csr_name), "-CA", path(ca_cert), "-CAkey", path(ca_key),
         "-set_serial", std::string(serial), "-days", "3650", "-sha256", "-extfile", config_,
         "-extensions", std::string(extensions), "-out", path(cert_name)});
  }

  // `openssl x509` in OpenSSL 3.0 cannot set a start date in the past; `openssl ca` can.
  void sign_with_dates(std::string_view csr_name, std::string_view ca_cert, std::string_view ca_key,
                       std::string_view extensions, std::string_view start, std::string_view end,
                       std::string_view cert_name) {
    fs::create_directories(dir_ / "issued");
    write_file(dir_ / "ca-index.txt", "");
    write_file(dir_ / "ca-serial", "1000\n");
    run({"ca", "-batch", "-notext", "-config", config_, "-name", "test_ca", "-cert", path(ca_cert),
         "-keyfile", path(ca_key), "-in", path(csr_name), "-extensions", std::string(extensions),
         "-startdate", std::string(start), "-enddate", std::string(end), "-out", path(cert_name)});
  }

 private:
  void run(std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), openssl_);
    run_command_checked(arguments, std::chrono::seconds(30));
  }

  std::string openssl_;
  fs::path dir_;
  std::string config_;
};

}  // namespace

std::string_view to_string(CertKind kind) {
  switch (kind) {
    case CertKind::good: return "good";
    case CertKind::wrong_name: return "wrong_name";
    case CertKind::expired: return "expired";
    case CertKind::untrusted: return "untrusted";
  }
  return "unknown";
}

const TestCa& TestCa::instance() {
  static const TestCa ca;
  return ca;
}

TestCa::TestCa() : dir_(std::make_unique<TempDir>("ca")) {
  Generator gen(dir_->path());
  gen.key("ca.key");
  gen.self_signed_ca("ca.key", "ca.pem", "/O=OpenInet tests/CN=OpenInet Test Root CA");
  gen.key("untrusted-ca.key");
  gen.self_signed_ca("untrusted-ca.key", "untrusted-ca.pem", "/O=Nobody trusts this/CN=Untrusted Test CA");

  for (CertKind kind : all_cert_kinds) {
    std::string name(to_string(kind));
    gen.key(name + ".key");
    bool wrong_name = kind == CertKind::wrong_name;
    gen.csr(name + ".key", name + ".csr", wrong_name ? "/CN=wrong.example" : "/CN=localhost");
  }
  gen.sign("good.csr", "ca.pem", "ca.key", "leaf_localhost", "101", "good.pem");
  gen.sign("wrong_name.csr", "ca.pem", "ca.key", "leaf_wrong_name", "102", "wrong_name.pem");
  gen.sign("untrusted.csr", "untrusted-ca.pem", "untrusted-ca.key", "leaf_localhost", "103",
           "untrusted.pem");
  gen.sign_with_dates("expired.csr", "ca.pem", "ca.key", "leaf_localhost", "20200101000000Z",
                      "20200102000000Z", "expired.pem");

  ca_cert_ = dir_->path() / "ca.pem";
  untrusted_ca_cert_ = dir_->path() / "untrusted-ca.pem";
}

CertFiles TestCa::files(CertKind kind) const {
  std::string name(to_string(kind));
  return {dir_->path() / (name + ".pem"), dir_->path() / (name + ".key")};
}

}  // namespace openinet::test
