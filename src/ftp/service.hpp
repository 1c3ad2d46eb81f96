// The FTP service's entry points used by the generic API code (InternetConnect,
// InternetOpenUrl); the rest of the FTP API lives in src/api/ftp_api.cpp.
#pragma once

#include "core/session.hpp"

#include <openinet/wininet.h>

#include <string>
#include <system_error>

namespace openinet::ftp {

// Registers the FTP connect factory (idempotent, cheap after the first call). InternetConnect
// calls it for INTERNET_SERVICE_FTP, which also keeps the FTP code linked into programs that
// use the static library.
void register_service();

// InternetOpenUrl for ftp:// URLs: returns the handle (or nullptr with `ec`, ERROR_IO_PENDING
// in an asynchronous session, the handle then arriving in REQUEST_COMPLETE).
HINTERNET open_url(const core::Session::Ptr& session, const std::string& url, DWORD flags, DWORD_PTR context,
                   std::error_code& ec);

}  // namespace openinet::ftp
