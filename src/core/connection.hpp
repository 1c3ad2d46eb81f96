// The connect handle (InternetConnect) and the per-service factory table.
#pragma once

#include "core/object.hpp"
#include "core/session.hpp"

#include <functional>
#include <memory>
#include <string>

namespace openinet::core {

struct ConnectParams {
    std::string server;
    INTERNET_PORT port = 0;  // 0 = INTERNET_INVALID_PORT_NUMBER: the service default
    std::string user, password;
    DWORD service = INTERNET_SERVICE_HTTP;
    DWORD flags = 0;
    DWORD_PTR context = 0;
};

// The port InternetConnect uses when given 0: 80 for HTTP (443 with INTERNET_FLAG_SECURE),
// 21 for FTP, 70 for gopher; other ports unchanged.
INTERNET_PORT default_port(DWORD service, DWORD flags, INTERNET_PORT port) noexcept;

class Connection : public Object {  // INTERNET_HANDLE_TYPE_CONNECT_HTTP; FTP subclasses it
public:
    using Ptr = std::shared_ptr<Connection>;

    // `params.port` 0 is replaced by default_port(); user/password also become the handle's
    // INTERNET_OPTION_USERNAME / PASSWORD.
    Connection(const Session::Ptr& session, const ConnectParams& params,
               DWORD handle_type = INTERNET_HANDLE_TYPE_CONNECT_HTTP);

    const std::string& server() const noexcept { return server_; }
    INTERNET_PORT port() const noexcept { return port_; }
    DWORD service() const noexcept { return service_; }
    DWORD flags() const noexcept { return flags_; }
    const std::string& user() const noexcept { return user_; }
    const std::string& password() const noexcept { return password_; }

private:
    const std::string server_;
    const INTERNET_PORT port_;
    const DWORD service_, flags_;
    const std::string user_, password_;
};

// Creates, publishes (HANDLE_CREATED) and returns the connect handle for params.service. May
// pend in async sessions (FTP logs in here): then returns nullptr with ec = ERROR_IO_PENDING
// and delivers the handle in REQUEST_COMPLETE. Failure: nullptr and ec.
using ConnectFactory =
    std::function<HINTERNET(const Session::Ptr& session, const ConnectParams& params, std::error_code& ec)>;

// Installs (or replaces) the factory for a service. HTTP has a built-in one (a plain
// Connection, no network I/O); FTP has none until the FTP issue registers it, so
// InternetConnect(INTERNET_SERVICE_FTP) fails with ERROR_NOT_SUPPORTED until then; gopher
// fails with ERROR_NOT_SUPPORTED.
void register_connect_factory(DWORD service, ConnectFactory factory);

// InternetConnect after argument checks: validates server and service, then calls the
// factory. Unknown services → ERROR_INVALID_PARAMETER.
HINTERNET connect(const Session::Ptr& session, const ConnectParams& params, std::error_code& ec);

}  // namespace openinet::core
