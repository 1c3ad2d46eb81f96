#include "core/connection.hpp"

#include <map>
#include <mutex>

namespace openinet::core {

INTERNET_PORT default_port(DWORD service, DWORD flags, INTERNET_PORT port) noexcept {
    if (port != INTERNET_INVALID_PORT_NUMBER) return port;
    switch (service) {
    case INTERNET_SERVICE_HTTP:
        return (flags & INTERNET_FLAG_SECURE) ? INTERNET_DEFAULT_HTTPS_PORT : INTERNET_DEFAULT_HTTP_PORT;
    case INTERNET_SERVICE_FTP: return INTERNET_DEFAULT_FTP_PORT;
    case INTERNET_SERVICE_GOPHER: return INTERNET_DEFAULT_GOPHER_PORT;
    default: return port;
    }
}

Connection::Connection(const Session::Ptr& session, const ConnectParams& params, DWORD handle_type)
    : Object(handle_type, session, params.context),
      server_(params.server),
      port_(default_port(params.service, params.flags, params.port)),
      service_(params.service),
      flags_(params.flags),
      user_(params.user),
      password_(params.password) {
    update_options([&](HandleOptions& o) {
        o.user_name = user_;
        o.password = password_;
    });
}

namespace {

HINTERNET connect_http(const Session::Ptr& session, const ConnectParams& params, std::error_code& ec) {
    // No network I/O here: the connection is made when a request is sent.
    auto connection = std::make_shared<Connection>(session, params);
    return publish(connection, ec);
}

struct FactoryTable {
    std::mutex mutex;
    std::map<DWORD, ConnectFactory> factories{{INTERNET_SERVICE_HTTP, connect_http}};
};

FactoryTable& factory_table() {
    static FactoryTable* const table = new FactoryTable();  // read from any thread until exit
    return *table;
}

}  // namespace

void register_connect_factory(DWORD service, ConnectFactory factory) {
    auto& table = factory_table();
    std::lock_guard lock(table.mutex);
    table.factories[service] = std::move(factory);
}

HINTERNET connect(const Session::Ptr& session, const ConnectParams& params, std::error_code& ec) {
    if (params.server.empty()) {
        ec = make_error(ERROR_INVALID_PARAMETER);
        return nullptr;
    }
    switch (params.service) {
    case INTERNET_SERVICE_HTTP:
    case INTERNET_SERVICE_FTP:
    case INTERNET_SERVICE_GOPHER:
        break;
    default:
        ec = make_error(ERROR_INVALID_PARAMETER);
        return nullptr;
    }
    ConnectFactory factory;
    {
        auto& table = factory_table();
        std::lock_guard lock(table.mutex);
        if (auto it = table.factories.find(params.service); it != table.factories.end()) factory = it->second;
    }
    if (!factory) {
        ec = make_error(ERROR_NOT_SUPPORTED);
        return nullptr;
    }
    return factory(session, params, ec);
}

}  // namespace openinet::core
