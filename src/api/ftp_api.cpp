// The FTP part of the C API: argument checks (handle first, then parameters, as WinInet
// does), W→UTF-8 conversion, then one call into the FTP handles (src/ftp/*_handle.*).
// docs/internals/ftp.md describes what each call sends.
#include "core/connection.hpp"
#include "api/last_error.hpp"
#include "core/error.hpp"
#include "core/object.hpp"
#include "core/operation.hpp"
#include "core/session.hpp"
#include "core/text.hpp"
#include "ftp/connection_handle.hpp"
#include "ftp/file_handle.hpp"
#include "ftp/find_handle.hpp"
#include "ftp/service.hpp"
#include "url/url.hpp"

#include <openinet/wininet.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <new>
#include <optional>
#include <string>

using namespace openinet;
using openinet::ftp::ConnectionHandle;
using openinet::ftp::FileHandle;
using openinet::ftp::FindHandle;

using namespace openinet::api;

namespace {

std::optional<std::string> text_of(const char* s) { return s ? std::optional<std::string>(s) : std::nullopt; }
std::optional<std::string> text_of(const wchar_t* s) { return text::to_utf8_nullable(s); }

ConnectionHandle::Ptr find_connection(HINTERNET h, std::error_code& ec) {
    return core::lookup<ConnectionHandle>(h, ec);
}

// Transfer-type flags: both ASCII and BINARY at once is a contradiction.
bool valid_transfer_flags(DWORD flags) { return (flags & FTP_TRANSFER_TYPE_MASK) != FTP_TRANSFER_TYPE_MASK; }

// ---------------------------------------------------------------------------------------------
// InternetConnect(INTERNET_SERVICE_FTP)

HINTERNET connect_ftp(const core::Session::Ptr& session, const core::ConnectParams& params, std::error_code& ec) {
    // A password without a user name is refused (WinInet: "" and NULL alike).
    if (params.user.empty() && !params.password.empty()) {
        ec = make_error(ERROR_INVALID_PARAMETER);
        return nullptr;
    }
    auto connection = std::make_shared<ConnectionHandle>(session, params);
    HINTERNET h = core::publish(connection, ec);
    if (!h) return nullptr;
    auto result = connection->login(reinterpret_cast<DWORD_PTR>(h));
    if (result.ok) {
        ec.clear();
        return h;
    }
    if (!is_pending(result.error)) connection->close();
    ec = result.error;
    return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Commands without data

template <class Char>
BOOL path_command(HINTERNET h, const Char* path,
                  void (ftp::Session::*command)(std::string, ftp::Session::Handler)) {
    std::error_code ec;
    auto connection = find_connection(h, ec);
    if (!connection) return fail(ec);
    auto text = text_of(path);
    if (!text) return fail(ERROR_INVALID_PARAMETER);
    return outcome(connection->run(connection->context(), [text = std::move(*text), command](
                                                               const std::shared_ptr<ftp::Session>& session,
                                                               core::Done done) {
        ((*session).*command)(text, [done](std::error_code ec) { done(ec ? 0 : 1, ec); });
    }));
}

template <class Char>
BOOL rename_file(HINTERNET h, const Char* from, const Char* to) {
    std::error_code ec;
    auto connection = find_connection(h, ec);
    if (!connection) return fail(ec);
    auto old_name = text_of(from), new_name = text_of(to);
    if (!old_name || !new_name) return fail(ERROR_INVALID_PARAMETER);
    return outcome(connection->run(connection->context(), [old_name = std::move(*old_name), new_name = std::move(*new_name)](
                                                               const std::shared_ptr<ftp::Session>& session,
                                                               core::Done done) {
        session->rename(old_name, new_name, [done](std::error_code ec) { done(ec ? 0 : 1, ec); });
    }));
}

template <class Char>
BOOL get_current_directory(HINTERNET h, Char* buffer, DWORD* length) {
    std::error_code ec;
    auto connection = find_connection(h, ec);
    if (!connection) return fail(ec);
    if (length == nullptr) return fail(ERROR_INVALID_PARAMETER);
    // The buffer rules apply when the reply is there: NULL or too small → the size needed,
    // terminator included, with ERROR_INSUFFICIENT_BUFFER.
    return outcome(connection->run(connection->context(), [buffer, length](const std::shared_ptr<ftp::Session>& session,
                                                                           core::Done done) {
        session->print_working_directory([buffer, length, done](std::error_code ec, std::string path) {
            if (ec) return done(0, ec);
            DWORD copied;
            if constexpr (sizeof(Char) == 1) copied = text::copy_out(path, buffer, length);
            else copied = text::copy_out_wide(path, buffer, length);
            if (copied != ERROR_SUCCESS) return done(0, make_error(copied));
            done(1, {});
        });
    }));
}

// "REST 1234" (any case, one space or tab, digits): the restart offset it sets.
std::optional<std::uint64_t> restart_offset(std::string_view command) {
    if (command.size() < 6) return std::nullopt;
    std::string verb(command.substr(0, 4));
    for (char& c : verb) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    if (verb != "REST" || (command[4] != ' ' && command[4] != '\t')) return std::nullopt;
    std::uint64_t value = 0;
    for (std::size_t i = 5; i < command.size(); ++i) {
        if (command[i] < '0' || command[i] > '9' || i > 5 + 19) return std::nullopt;
        value = value * 10 + static_cast<unsigned>(command[i] - '0');
    }
    return value;
}

HINTERNET open_file_handle(const ConnectionHandle::Ptr& connection, FileHandle::Mode mode, std::string path,
                           DWORD flags, DWORD_PTR context, std::uint64_t offset, HINTERNET* out_handle);

template <class Char>
BOOL ftp_command(HINTERNET h, BOOL expect_response, DWORD flags, const Char* command, DWORD_PTR context,
                 HINTERNET* data_handle) {
    std::error_code ec;
    auto connection = find_connection(h, ec);
    if (!connection) return fail(ec);
    auto text = text_of(command);
    if (!text) return fail(ERROR_INVALID_PARAMETER);
    // The line end is ours to add.
    while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) text->pop_back();
    if (text->empty() || text->find_first_of("\r\n") != std::string::npos) return fail(ERROR_INVALID_PARAMETER);
    if (!valid_transfer_flags(flags)) return fail(ERROR_INVALID_PARAMETER);
    if (expect_response) {
        if (data_handle == nullptr) return fail(ERROR_INVALID_PARAMETER);
        *data_handle = nullptr;
        HINTERNET opened = open_file_handle(connection, FileHandle::Mode::command, std::move(*text), flags, context, 0,
                                            data_handle);
        return opened ? TRUE : FALSE;
    }
    const auto rest = restart_offset(*text);
    auto result = connection->run(context, [line = std::move(*text), rest, connection](
                                               const std::shared_ptr<ftp::Session>& session, core::Done done) {
        session->raw_command(line, [rest, connection, done](std::error_code ec, ftp::Reply reply) {
            if (ec) return done(0, ec);
            // FtpCommand succeeds unless the server refused (4yz/5yz); REST's 350 is success.
            if (reply.transient_failure() || reply.permanent_failure())
                return done(0, make_error(ERROR_INTERNET_EXTENDED_ERROR));
            if (rest && reply.code == 350) connection->remember_restart(*rest);
            done(1, {});
        });
    });
    return outcome(result);
}

// ---------------------------------------------------------------------------------------------
// Find and file handles

template <class Char, class FindData>
HINTERNET find_first_file(HINTERNET h, const Char* search, FindData* data, DWORD /*flags*/, DWORD_PTR context) {
    std::error_code ec;
    auto connection = find_connection(h, ec);
    if (!connection) return fail_handle(ec);
    if (data == nullptr) return fail_handle(make_error(ERROR_INVALID_PARAMETER));
    ftp::SearchSpec spec;
    if (!ftp::parse_search(text_of(search).value_or(std::string()), spec))
        return fail_handle(make_error(ERROR_INVALID_PARAMETER));
    if (auto busy = connection->acquire_transfer_slot()) return fail_handle(busy);
    auto find = std::make_shared<FindHandle>(connection, context);
    HINTERNET handle = core::publish(find, ec);
    if (!handle) {
        connection->begin_wind_down();
        connection->end_wind_down();
        return fail_handle(ec);
    }
    find->set_close_on_failure(true);
    auto result = find->list(std::move(spec), data, sizeof(Char) != 1, reinterpret_cast<DWORD_PTR>(handle));
    if (result.ok) {
        set_last_error(ERROR_SUCCESS);
        return handle;
    }
    if (!is_pending(result.error)) find->close();
    return fail_handle(result.error);
}

HINTERNET open_file_handle(const ConnectionHandle::Ptr& connection, FileHandle::Mode mode, std::string path,
                           DWORD flags, DWORD_PTR context, std::uint64_t offset, HINTERNET* out_handle) {
    if (auto busy = connection->acquire_transfer_slot()) return fail_handle(busy);
    auto file = std::make_shared<FileHandle>(connection, mode, std::move(path), connection->resolve_type(flags), context);
    std::error_code ec;
    HINTERNET handle = core::publish(file, ec);
    if (!handle) {
        connection->begin_wind_down();
        connection->end_wind_down();
        return fail_handle(ec);
    }
    // FtpCommand's handle is known now; in an asynchronous session it is usable once
    // REQUEST_COMPLETE reported success.
    if (out_handle) *out_handle = handle;
    file->set_close_on_failure(true);
    auto result = file->open(offset, reinterpret_cast<DWORD_PTR>(handle));
    if (result.ok) {
        set_last_error(ERROR_SUCCESS);
        return handle;
    }
    if (!is_pending(result.error)) {
        file->close();
        if (out_handle) *out_handle = nullptr;
    }
    return fail_handle(result.error);
}

template <class Char>
HINTERNET open_file(HINTERNET h, const Char* name, DWORD access, DWORD flags, DWORD_PTR context) {
    std::error_code ec;
    auto connection = find_connection(h, ec);
    if (!connection) return fail_handle(ec);
    auto path = text_of(name);
    if (!path || path->empty()) return fail_handle(make_error(ERROR_INVALID_PARAMETER));
    if (access != GENERIC_READ && access != GENERIC_WRITE) return fail_handle(make_error(ERROR_INVALID_PARAMETER));
    if (!valid_transfer_flags(flags)) return fail_handle(make_error(ERROR_INVALID_PARAMETER));
    const bool download = access == GENERIC_READ;
    // A REST sent through FtpCommand applies to the next download (and to nothing else).
    const std::uint64_t offset = connection->take_restart();
    return open_file_handle(connection, download ? FileHandle::Mode::download : FileHandle::Mode::upload,
                            std::move(*path), flags, context, download ? offset : 0, nullptr);
}

// ---------------------------------------------------------------------------------------------
// FtpGetFile / FtpPutFile: whole files between the server and the local file system, in one
// operation on the connection handle. File I/O runs on the session's strand, between reads.

constexpr std::size_t kFileChunk = 256 * 1024;

std::error_code errno_error(int err) {
    switch (err) {
    case ENOENT: return make_error(ERROR_FILE_NOT_FOUND);
    case ENOTDIR: return make_error(ERROR_PATH_NOT_FOUND);
    case EEXIST: return make_error(ERROR_FILE_EXISTS);
    case ENOSPC: return make_error(ERROR_DISK_FULL);
    case EACCES:
    case EPERM:
    case EROFS: return make_error(ERROR_ACCESS_DENIED);
    case ENOMEM: return make_error(ERROR_NOT_ENOUGH_MEMORY);
    default: return make_error(ERROR_WRITE_FAULT);
    }
}

struct GetFileJob : std::enable_shared_from_this<GetFileJob> {
    std::shared_ptr<ftp::Session> session;
    std::string target, temporary;
    bool fail_if_exists = false;
    int fd = -1;
    std::unique_ptr<char[]> buffer{new char[kFileChunk]};
    core::Done done;

    ~GetFileJob() {
        if (fd >= 0) ::close(fd);
    }

    // Nothing half-written is passed off as the file: the temporary is removed on failure.
    void fail(std::error_code ec) {
        if (fd >= 0) ::close(fd);
        fd = -1;
        ::unlink(temporary.c_str());
        done(0, ec);
    }

    void next() {
        session->read_fill(boost::asio::buffer(buffer.get(), kFileChunk),
                           [me = shared_from_this()](std::error_code ec, std::size_t n) { me->received(ec, n); });
    }

    void received(std::error_code ec, std::size_t n) {
        for (std::size_t written = 0; written < n;) {
            ssize_t w = ::write(fd, buffer.get() + written, n - written);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) {
                auto error = errno_error(errno);
                if (!ec) {
                    // Stop the transfer; the session stays usable.
                    auto me = shared_from_this();
                    return session->abort_transfer([me, error](std::error_code) { me->fail(error); });
                }
                return fail(ec);
            }
            written += static_cast<std::size_t>(w);
        }
        if (ec) return fail(ec);
        if (n == kFileChunk) return next();
        // The whole file arrived and the server confirmed it.
        int closing = ::close(fd);
        fd = -1;
        if (closing != 0) return fail(errno_error(errno));
        if (fail_if_exists) {
            // Not over a file that appeared meanwhile.
            if (::link(temporary.c_str(), target.c_str()) != 0) return fail(errno_error(errno));
            ::unlink(temporary.c_str());
        } else if (::rename(temporary.c_str(), target.c_str()) != 0) {
            return fail(errno_error(errno));
        }
        done(1, {});
    }
};

// Remote and local names may differ in width: FtpGetFileEx / FtpPutFileEx take a narrow remote
// and a wide local name.
template <class RemoteChar, class LocalChar>
BOOL get_file(HINTERNET h, const RemoteChar* remote, const LocalChar* local, BOOL fail_if_exists, DWORD attributes,
              DWORD flags, DWORD_PTR context) {
    std::error_code ec;
    auto connection = find_connection(h, ec);
    if (!connection) return fail(ec);
    auto remote_path = text_of(remote), local_path = text_of(local);
    if (!remote_path || remote_path->empty() || !local_path || local_path->empty()) return fail(ERROR_INVALID_PARAMETER);
    if (!valid_transfer_flags(flags)) return fail(ERROR_INVALID_PARAMETER);
    struct stat existing{};
    if (fail_if_exists && ::stat(local_path->c_str(), &existing) == 0) return fail(ERROR_FILE_EXISTS);
    const auto type = connection->resolve_type(flags);
    const std::uint64_t offset = connection->take_restart();
    auto job = std::make_shared<GetFileJob>();
    job->target = *local_path;
    job->fail_if_exists = fail_if_exists != FALSE;
    // Of the FILE_ATTRIBUTE_* flags only READONLY means something here: no write permission.
    const mode_t mode = (attributes & FILE_ATTRIBUTE_READONLY) ? 0444 : 0644;
    auto result = connection->run(context, [job, remote_path = std::move(*remote_path), type, offset, mode](
                                               const std::shared_ptr<ftp::Session>& session, core::Done done) {
        job->session = session;
        job->done = std::move(done);
        // The temporary file sits beside the target (same file system, so the rename is atomic).
        std::string pattern = job->target + ".openinet-XXXXXX";
        job->fd = ::mkstemp(pattern.data());
        if (job->fd < 0) return job->done(0, errno_error(errno));
        job->temporary = pattern;
        ::fchmod(job->fd, mode);
        session->open_download(remote_path, type, offset, [job](std::error_code ec) {
            if (ec) return job->fail(ec);
            job->next();
        });
    });
    return outcome(result);
}

struct PutFileJob : std::enable_shared_from_this<PutFileJob> {
    std::shared_ptr<ftp::Session> session;
    int fd = -1;
    std::unique_ptr<char[]> buffer{new char[kFileChunk]};
    core::Done done;

    ~PutFileJob() {
        if (fd >= 0) ::close(fd);
    }

    void next() {
        ssize_t n;
        do n = ::read(fd, buffer.get(), kFileChunk);
        while (n < 0 && errno == EINTR);
        auto me = shared_from_this();
        if (n < 0) {
            auto error = errno_error(errno);
            return session->abort_transfer([me, error](std::error_code) { me->done(0, error); });
        }
        if (n == 0) {
            return session->finish_upload([me](std::error_code ec) { me->done(ec ? 0 : 1, ec); });
        }
        session->write(boost::asio::buffer(buffer.get(), static_cast<std::size_t>(n)),
                       [me](std::error_code ec, std::size_t) {
                           if (ec) return me->done(0, ec);
                           me->next();
                       });
    }
};

template <class LocalChar, class RemoteChar>
BOOL put_file(HINTERNET h, const LocalChar* local, const RemoteChar* remote, DWORD flags, DWORD_PTR context) {
    std::error_code ec;
    auto connection = find_connection(h, ec);
    if (!connection) return fail(ec);
    auto local_path = text_of(local), remote_path = text_of(remote);
    if (!local_path || local_path->empty() || !remote_path || remote_path->empty()) return fail(ERROR_INVALID_PARAMETER);
    if (!valid_transfer_flags(flags)) return fail(ERROR_INVALID_PARAMETER);
    auto job = std::make_shared<PutFileJob>();
    job->fd = ::open(local_path->c_str(), O_RDONLY | O_CLOEXEC);
    if (job->fd < 0) return fail(errno_error(errno));
    struct stat info{};
    if (::fstat(job->fd, &info) != 0 || S_ISDIR(info.st_mode)) return fail(ERROR_ACCESS_DENIED);
    connection->take_restart();
    const auto type = connection->resolve_type(flags);
    auto result = connection->run(context, [job, remote_path = std::move(*remote_path), type](
                                               const std::shared_ptr<ftp::Session>& session, core::Done done) {
        job->session = session;
        job->done = std::move(done);
        session->open_upload(remote_path, type, [job](std::error_code ec) {
            if (ec) return job->done(0, ec);
            job->next();
        });
    });
    return outcome(result);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Entry points for the generic API code

namespace openinet::ftp {

void register_service() {
    static std::once_flag registered;
    std::call_once(registered, [] { core::register_connect_factory(INTERNET_SERVICE_FTP, connect_ftp); });
}

HINTERNET open_url(const core::Session::Ptr& session, const std::string& url, DWORD flags, DWORD_PTR context,
                   std::error_code& ec) {
    url::CrackedUrl cracked;
    if (auto error = url::crack(url, cracked); error != url::Error::none) {
        ec = make_error(static_cast<DWORD>(error));
        return nullptr;
    }
    auto part = [&](const url::Range& r) { return r.present ? url.substr(r.offset, r.length) : std::string(); };
    core::ConnectParams cp;
    cp.server = part(cracked.host);
    if (cp.server.size() > 2 && cp.server.front() == '[' && cp.server.back() == ']')
        cp.server = cp.server.substr(1, cp.server.size() - 2);
    if (cp.server.empty()) {
        ec = make_error(ERROR_INTERNET_INVALID_URL);
        return nullptr;
    }
    cp.port = cracked.port ? cracked.port : static_cast<INTERNET_PORT>(INTERNET_DEFAULT_FTP_PORT);
    if (cracked.user.present) cp.user = url::copied_text(url, cracked, url::Part::user, url::flag::decode);
    if (cracked.password.present)
        cp.password = url::copied_text(url, cracked, url::Part::password, url::flag::decode);
    cp.service = INTERNET_SERVICE_FTP;
    cp.flags = flags & (INTERNET_FLAG_PASSIVE | INTERNET_FLAG_SECURE | INTERNET_FLAG_IGNORE_CERT_CN_INVALID |
                        INTERNET_FLAG_IGNORE_CERT_DATE_INVALID);
    cp.context = 0;  // the hidden connect handle sends no notifications

    // The path, percent-decoded; ";type=a" / ";type=i" (RFC 1738) chooses the transfer type.
    std::string path = url::copied_text(url, cracked, url::Part::path, url::flag::decode);
    DWORD type_flags = flags & FTP_TRANSFER_TYPE_MASK;
    if (auto semicolon = path.rfind(";type="); semicolon != std::string::npos && semicolon + 7 == path.size()) {
        const char code = path.back();
        if (code == 'a' || code == 'A') type_flags = FTP_TRANSFER_TYPE_ASCII;
        else if (code == 'i' || code == 'I') type_flags = FTP_TRANSFER_TYPE_BINARY;
        path.resize(semicolon);
    }
    if (type_flags == FTP_TRANSFER_TYPE_MASK) type_flags = FTP_TRANSFER_TYPE_BINARY;
    if (path.empty()) path = "/";

    if (cp.user.empty() && !cp.password.empty()) {
        ec = make_error(ERROR_INVALID_PARAMETER);
        return nullptr;
    }
    auto connection = std::make_shared<ConnectionHandle>(session, cp);
    if (!core::publish(connection, ec)) return nullptr;
    if (auto busy = connection->acquire_transfer_slot()) {
        connection->close();
        ec = busy;
        return nullptr;
    }
    const bool directory = path.back() == '/';
    std::shared_ptr<ChildHandle> child;
    if (directory) child = std::make_shared<FindHandle>(connection, context);
    else
        child = std::make_shared<FileHandle>(connection, FileHandle::Mode::download, path,
                                             connection->resolve_type(type_flags), context);
    child->set_hidden_parent();
    HINTERNET handle = core::publish(child, ec);
    if (!handle) {
        connection->close();
        return nullptr;
    }
    child->set_close_on_failure(true);
    core::CallResult result;
    if (directory) {
        SearchSpec spec;
        spec.directory = path.size() > 1 ? path.substr(0, path.size() - 1) : path;
        spec.pattern = "*";
        result = std::static_pointer_cast<FindHandle>(child)->list(std::move(spec), nullptr, false,
                                                                    reinterpret_cast<DWORD_PTR>(handle), true);
    } else {
        result = std::static_pointer_cast<FileHandle>(child)->open(0, reinterpret_cast<DWORD_PTR>(handle), true);
    }
    if (result.ok) {
        ec.clear();
        return handle;
    }
    if (!is_pending(result.error)) {
        child->close();
        connection->close();
    }
    ec = result.error;
    return nullptr;
}

}  // namespace openinet::ftp

// ---------------------------------------------------------------------------------------------

extern "C" {

HINTERNET WINAPI FtpFindFirstFileA(HINTERNET hConnect, LPCSTR lpszSearchFile, LPWIN32_FIND_DATAA lpFindFileData,
                                   DWORD dwFlags, DWORD_PTR dwContext) {
    return guarded<HINTERNET>(nullptr, [&] {
        return find_first_file(hConnect, lpszSearchFile, lpFindFileData, dwFlags, dwContext);
    });
}

HINTERNET WINAPI FtpFindFirstFileW(HINTERNET hConnect, LPCWSTR lpszSearchFile, LPWIN32_FIND_DATAW lpFindFileData,
                                   DWORD dwFlags, DWORD_PTR dwContext) {
    return guarded<HINTERNET>(nullptr, [&] {
        return find_first_file(hConnect, lpszSearchFile, lpFindFileData, dwFlags, dwContext);
    });
}

BOOL WINAPI FtpGetFileA(HINTERNET hConnect, LPCSTR lpszRemoteFile, LPCSTR lpszNewFile, BOOL fFailIfExists,
                        DWORD dwFlagsAndAttributes, DWORD dwFlags, DWORD_PTR dwContext) {
    return guarded<BOOL>(FALSE, [&] {
        return get_file(hConnect, lpszRemoteFile, lpszNewFile, fFailIfExists, dwFlagsAndAttributes, dwFlags, dwContext);
    });
}

BOOL WINAPI FtpGetFileW(HINTERNET hConnect, LPCWSTR lpszRemoteFile, LPCWSTR lpszNewFile, BOOL fFailIfExists,
                        DWORD dwFlagsAndAttributes, DWORD dwFlags, DWORD_PTR dwContext) {
    return guarded<BOOL>(FALSE, [&] {
        return get_file(hConnect, lpszRemoteFile, lpszNewFile, fFailIfExists, dwFlagsAndAttributes, dwFlags, dwContext);
    });
}

BOOL WINAPI FtpPutFileA(HINTERNET hConnect, LPCSTR lpszLocalFile, LPCSTR lpszNewRemoteFile, DWORD dwFlags,
                        DWORD_PTR dwContext) {
    return guarded<BOOL>(FALSE, [&] {
        return put_file(hConnect, lpszLocalFile, lpszNewRemoteFile, dwFlags, dwContext);
    });
}

BOOL WINAPI FtpPutFileW(HINTERNET hConnect, LPCWSTR lpszLocalFile, LPCWSTR lpszNewRemoteFile, DWORD dwFlags,
                        DWORD_PTR dwContext) {
    return guarded<BOOL>(FALSE, [&] {
        return put_file(hConnect, lpszLocalFile, lpszNewRemoteFile, dwFlags, dwContext);
    });
}

BOOL WINAPI FtpGetFileEx(HINTERNET hFtpSession, LPCSTR lpszRemoteFile, LPCWSTR lpszNewFile, BOOL fFailIfExists,
                         DWORD dwFlagsAndAttributes, DWORD dwFlags, DWORD_PTR dwContext) {
    return guarded<BOOL>(FALSE, [&] {
        return get_file(hFtpSession, lpszRemoteFile, lpszNewFile, fFailIfExists, dwFlagsAndAttributes, dwFlags,
                        dwContext);
    });
}

BOOL WINAPI FtpPutFileEx(HINTERNET hFtpSession, LPCWSTR lpszLocalFile, LPCSTR lpszNewRemoteFile, DWORD dwFlags,
                         DWORD_PTR dwContext) {
    return guarded<BOOL>(FALSE, [&] {
        return put_file(hFtpSession, lpszLocalFile, lpszNewRemoteFile, dwFlags, dwContext);
    });
}

HINTERNET WINAPI FtpOpenFileA(HINTERNET hConnect, LPCSTR lpszFileName, DWORD dwAccess, DWORD dwFlags,
                              DWORD_PTR dwContext) {
    return guarded<HINTERNET>(nullptr, [&] { return open_file(hConnect, lpszFileName, dwAccess, dwFlags, dwContext); });
}

HINTERNET WINAPI FtpOpenFileW(HINTERNET hConnect, LPCWSTR lpszFileName, DWORD dwAccess, DWORD dwFlags,
                              DWORD_PTR dwContext) {
    return guarded<HINTERNET>(nullptr, [&] { return open_file(hConnect, lpszFileName, dwAccess, dwFlags, dwContext); });
}

BOOL WINAPI FtpDeleteFileA(HINTERNET hConnect, LPCSTR lpszFileName) {
    return guarded<BOOL>(FALSE, [&] { return path_command(hConnect, lpszFileName, &ftp::Session::delete_file); });
}

BOOL WINAPI FtpDeleteFileW(HINTERNET hConnect, LPCWSTR lpszFileName) {
    return guarded<BOOL>(FALSE, [&] { return path_command(hConnect, lpszFileName, &ftp::Session::delete_file); });
}

BOOL WINAPI FtpRenameFileA(HINTERNET hConnect, LPCSTR lpszExisting, LPCSTR lpszNew) {
    return guarded<BOOL>(FALSE, [&] { return rename_file(hConnect, lpszExisting, lpszNew); });
}

BOOL WINAPI FtpRenameFileW(HINTERNET hConnect, LPCWSTR lpszExisting, LPCWSTR lpszNew) {
    return guarded<BOOL>(FALSE, [&] { return rename_file(hConnect, lpszExisting, lpszNew); });
}

BOOL WINAPI FtpCreateDirectoryA(HINTERNET hConnect, LPCSTR lpszDirectory) {
    return guarded<BOOL>(FALSE, [&] { return path_command(hConnect, lpszDirectory, &ftp::Session::make_directory); });
}

BOOL WINAPI FtpCreateDirectoryW(HINTERNET hConnect, LPCWSTR lpszDirectory) {
    return guarded<BOOL>(FALSE, [&] { return path_command(hConnect, lpszDirectory, &ftp::Session::make_directory); });
}

BOOL WINAPI FtpRemoveDirectoryA(HINTERNET hConnect, LPCSTR lpszDirectory) {
    return guarded<BOOL>(FALSE, [&] { return path_command(hConnect, lpszDirectory, &ftp::Session::remove_directory); });
}

BOOL WINAPI FtpRemoveDirectoryW(HINTERNET hConnect, LPCWSTR lpszDirectory) {
    return guarded<BOOL>(FALSE, [&] { return path_command(hConnect, lpszDirectory, &ftp::Session::remove_directory); });
}

BOOL WINAPI FtpSetCurrentDirectoryA(HINTERNET hConnect, LPCSTR lpszDirectory) {
    return guarded<BOOL>(FALSE, [&] { return path_command(hConnect, lpszDirectory, &ftp::Session::change_directory); });
}

BOOL WINAPI FtpSetCurrentDirectoryW(HINTERNET hConnect, LPCWSTR lpszDirectory) {
    return guarded<BOOL>(FALSE, [&] { return path_command(hConnect, lpszDirectory, &ftp::Session::change_directory); });
}

BOOL WINAPI FtpGetCurrentDirectoryA(HINTERNET hConnect, LPSTR lpszCurrentDirectory, LPDWORD lpdwCurrentDirectory) {
    return guarded<BOOL>(FALSE, [&] {
        return get_current_directory(hConnect, lpszCurrentDirectory, lpdwCurrentDirectory);
    });
}

BOOL WINAPI FtpGetCurrentDirectoryW(HINTERNET hConnect, LPWSTR lpszCurrentDirectory, LPDWORD lpdwCurrentDirectory) {
    return guarded<BOOL>(FALSE, [&] {
        return get_current_directory(hConnect, lpszCurrentDirectory, lpdwCurrentDirectory);
    });
}

BOOL WINAPI FtpCommandA(HINTERNET hConnect, BOOL fExpectResponse, DWORD dwFlags, LPCSTR lpszCommand,
                        DWORD_PTR dwContext, HINTERNET* phFtpCommand) {
    return guarded<BOOL>(FALSE, [&] {
        return ftp_command(hConnect, fExpectResponse, dwFlags, lpszCommand, dwContext, phFtpCommand);
    });
}

BOOL WINAPI FtpCommandW(HINTERNET hConnect, BOOL fExpectResponse, DWORD dwFlags, LPCWSTR lpszCommand,
                        DWORD_PTR dwContext, HINTERNET* phFtpCommand) {
    return guarded<BOOL>(FALSE, [&] {
        return ftp_command(hConnect, fExpectResponse, dwFlags, lpszCommand, dwContext, phFtpCommand);
    });
}

DWORD WINAPI FtpGetFileSize(HINTERNET hFile, LPDWORD lpdwFileSizeHigh) {
    return guarded<DWORD>(DWORD{0xFFFFFFFFu}, [&]() -> DWORD {
        std::error_code ec;
        auto file = core::lookup<FileHandle>(hFile, ec);
        std::uint64_t size = 0;
        if (file) ec = file->file_size(size);
        if (ec) {
            set_last_error(ec);
            if (lpdwFileSizeHigh) *lpdwFileSizeHigh = 0;
            return 0xFFFFFFFFu;   // INVALID_FILE_SIZE
        }
        if (lpdwFileSizeHigh) *lpdwFileSizeHigh = static_cast<DWORD>(size >> 32);
        set_last_error(ERROR_SUCCESS);
        return static_cast<DWORD>(size);
    });
}

}  // extern "C"
