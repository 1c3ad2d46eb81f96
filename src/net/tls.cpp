#include "net/tls.hpp"

#include "core/error.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <map>
#include <mutex>

namespace openinet::net {
namespace {

struct TrustState {
    std::mutex mutex;
    std::string extra_trust_file;
    // Built contexts by extra trust file: loading the system store takes a noticeable moment
    // (on the engine's strand), so switching back and forth between files does not repeat it.
    std::map<std::string, std::shared_ptr<boost::asio::ssl::context>> contexts;
};

TrustState& trust_state() {
    static TrustState state;
    return state;
}

std::shared_ptr<boost::asio::ssl::context> build_context(const std::string& extra_trust_file) {
    namespace ssl = boost::asio::ssl;
    auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
    boost::system::error_code ec;
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                             ssl::context::no_sslv3 | ssl::context::no_compression,
                         ec);
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    // Missing system store directories are not an error here: verification then fails with
    // 12045 for certificates nothing vouches for, which is the right outcome.
    context->set_default_verify_paths(ec);
    if (!extra_trust_file.empty()) {
        context->load_verify_file(extra_trust_file, ec);
        if (ec) return nullptr;
    }
    context->set_verify_mode(ssl::verify_peer, ec);
    return context;
}

}  // namespace

void set_extra_trust_file(std::string pem_path) {
    TrustState& state = trust_state();
    std::lock_guard lock(state.mutex);
    state.extra_trust_file = std::move(pem_path);
}

namespace detail {

std::shared_ptr<boost::asio::ssl::context> client_context(std::error_code& ec) {
    TrustState& state = trust_state();
    std::lock_guard lock(state.mutex);
    auto& context = state.contexts[state.extra_trust_file];
    if (!context) {
        context = build_context(state.extra_trust_file);
        if (!context) {   // not cached: the file may become readable later
            state.contexts.erase(state.extra_trust_file);
            ec = make_error(ERROR_INTERNET_SECURITY_CHANNEL_ERROR);
            return nullptr;
        }
    }
    return context;
}

namespace {

void record_problem(VerificationRecord& record, int error) {
    switch (error) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
    case X509_V_ERR_CERT_CHAIN_TOO_LONG:
        record.unknown_ca = true;
        break;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        record.name_mismatch = true;
        break;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
        record.date_invalid = true;
        break;
    case X509_V_ERR_CERT_REVOKED:
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
        record.revocation = true;
        break;
    case X509_V_ERR_INVALID_PURPOSE:
        record.wrong_usage = true;
        break;
    default:
        record.other = true;
        break;
    }
}

std::string name_text(X509_NAME* name) {
    if (!name) return {};
    BIO* bio = BIO_new(BIO_s_mem());
    if (!bio) return {};
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    std::string text(data && size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string());
    BIO_free(bio);
    return text;
}

std::string common_name(X509_NAME* name) {
    if (!name) return {};
    int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (index < 0) return {};
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    unsigned char* utf8 = nullptr;
    int size = ASN1_STRING_to_UTF8(&utf8, data);
    if (size < 0 || !utf8) return {};
    std::string text(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(size));
    OPENSSL_free(utf8);
    return text;
}

std::int64_t unix_time(const ASN1_TIME* time) {
    std::tm parts{};
    if (!time || ASN1_TIME_to_tm(time, &parts) != 1) return 0;
    return static_cast<std::int64_t>(timegm(&parts));
}

}  // namespace

void prepare_client(TlsSocket& socket, const std::string& host, bool host_is_ip,
                    std::shared_ptr<VerificationRecord> record, std::error_code& ec) {
    SSL* ssl = socket.native_handle();
    bool ok = true;
    if (host_is_ip) {
        ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1;
    } else {
        ok = SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 && SSL_set1_host(ssl, host.c_str()) == 1;
        SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    }
    if (!ok) {
        ec = make_error(ERROR_INTERNET_SECURITY_CHANNEL_ERROR);
        return;
    }
    boost::system::error_code bec;
    socket.set_verify_mode(boost::asio::ssl::verify_peer, bec);
    socket.set_verify_callback(
        [record = std::move(record)](bool preverified, boost::asio::ssl::verify_context& context) {
            if (!preverified) record_problem(*record, X509_STORE_CTX_get_error(context.native_handle()));
            return true;   // judged after the handshake, see verdict()
        },
        bec);
    if (bec) ec = make_error(ERROR_INTERNET_SECURITY_CHANNEL_ERROR);
}

std::error_code verdict(const VerificationRecord& record, DWORD security_flags, DWORD& waived) {
    waived = 0;
    struct Check {
        bool present;
        DWORD ignore_flag;
        DWORD waived_bit;
        DWORD error;
    };
    const Check checks[] = {
        {record.unknown_ca, SECURITY_FLAG_IGNORE_UNKNOWN_CA, SECURITY_FLAG_CERT_INVALID_CA,
         ERROR_INTERNET_INVALID_CA},
        {record.name_mismatch, SECURITY_FLAG_IGNORE_CERT_CN_INVALID, SECURITY_FLAG_CERT_INVALID_CN,
         ERROR_INTERNET_SEC_CERT_CN_INVALID},
        {record.date_invalid, SECURITY_FLAG_IGNORE_CERT_DATE_INVALID, SECURITY_FLAG_CERT_INVALID_DATE,
         ERROR_INTERNET_SEC_CERT_DATE_INVALID},
        {record.revocation, SECURITY_FLAG_IGNORE_REVOCATION, SECURITY_FLAG_CERT_REV_FAILED,
         ERROR_INTERNET_SEC_CERT_REV_FAILED},
        {record.wrong_usage, SECURITY_FLAG_IGNORE_WRONG_USAGE, 0, ERROR_INTERNET_SECURITY_CHANNEL_ERROR},
        {record.other, 0, 0, ERROR_INTERNET_SECURITY_CHANNEL_ERROR},
    };
    for (const Check& check : checks) {
        if (!check.present) continue;
        if (check.ignore_flag == 0 || (security_flags & check.ignore_flag) == 0) return make_error(check.error);
        waived |= check.waived_bit;
    }
    return {};
}

CertificateInfo describe_peer(SSL* ssl) {
    CertificateInfo info;
    info.protocol = SSL_get_version(ssl);
    if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl)) {
        info.cipher = SSL_CIPHER_get_name(cipher);
        info.cipher_bits = SSL_CIPHER_get_bits(cipher, nullptr);
    }
    X509* certificate = SSL_get1_peer_certificate(ssl);
    if (!certificate) return info;
    info.subject = name_text(X509_get_subject_name(certificate));
    info.issuer = name_text(X509_get_issuer_name(certificate));
    info.subject_common_name = common_name(X509_get_subject_name(certificate));
    info.issuer_common_name = common_name(X509_get_issuer_name(certificate));
    info.not_before = unix_time(X509_get0_notBefore(certificate));
    info.not_after = unix_time(X509_get0_notAfter(certificate));
    if (EVP_PKEY* key = X509_get0_pubkey(certificate)) info.key_bits = EVP_PKEY_get_bits(key);
    X509_free(certificate);
    return info;
}

}  // namespace detail
}  // namespace openinet::net
