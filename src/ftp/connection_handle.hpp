// The WinInet FTP handles built on ftp::Session (docs/internals/ftp.md, "Handles"):
//   ConnectionHandle  INTERNET_HANDLE_TYPE_CONNECT_FTP: one control connection, logged in by
//                     InternetConnect; runs the directory commands.
//   ChildHandle       base of the find and file handles: a handle that holds the connection's
//                     one transfer slot from its creation until it is closed and wound down.
#pragma once

#include "core/connection.hpp"
#include "core/operation.hpp"
#include "ftp/session.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace openinet::ftp {

class ConnectionHandle : public core::Connection {
public:
    using Ptr = std::shared_ptr<ConnectionHandle>;

    ConnectionHandle(const core::Session::Ptr& session, const core::ConnectParams& params);
    ~ConnectionHandle() override;

    // InternetConnect: connects and logs in (one operation on this handle). `success_result`
    // is the handle value reported in REQUEST_COMPLETE. In an asynchronous session a failed
    // login closes the handle after REQUEST_COMPLETE (the caller never received it).
    core::CallResult login(DWORD_PTR success_result);
    // The connect + login itself, without an API operation around it (InternetOpenUrl runs it
    // inside the file handle's operation). `then` runs on the session's strand.
    void start_login(std::function<void(std::error_code)> then);

    // Runs one protocol operation of the session as an API call on this handle:
    // `work(session, done)` starts it once no earlier transfer is still winding down. Fails at
    // once with ERROR_FTP_TRANSFER_IN_PROGRESS while a find or file handle is open. Sets the
    // calling thread's last response info from the server's last reply.
    core::CallResult run(DWORD_PTR completion_context,
                         std::function<void(const std::shared_ptr<Session>&, core::Done)> work);

    const std::shared_ptr<Session>& session() const noexcept { return session_; }
    bool passive() const noexcept;
    TransferType resolve_type(DWORD flags) const noexcept;

    // The one-transfer rule: a find or file handle takes the slot when it is created and gives
    // it back when its wind-down (abort, upload confirmation, the end of a listing) is over.
    std::error_code acquire_transfer_slot();
    void begin_wind_down();   // the holder was closed
    void end_wind_down();     // its wind-down finished: queued work may start
    // Runs `start` now, or once every wind-down in progress has finished.
    void when_idle(std::function<void()> start);

    // REST <n> sent through FtpCommand: the offset of the next download (taken once).
    void remember_restart(std::uint64_t offset);
    std::uint64_t take_restart();

    // The server's last reply, for InternetGetLastResponseInfo (after `ec`).
    void publish_response(const std::error_code& ec) const;
    // The same with a given reply (a download's open: the reply that accepted it).
    void publish_reply(const std::error_code& ec, const Reply& reply) const;

    // The handle whose operation is running: the control connection's progress
    // (SENDING_REQUEST … RESPONSE_RECEIVED) is reported about it. Null between operations
    // (a wind-down in the background reports nothing).
    void report_to(const std::shared_ptr<core::Object>& target);

    // The timeouts also reach the session when set after InternetConnect.
    std::error_code set_option(DWORD option, const void* buffer, DWORD length, bool wide) override;
    // A find or file handle whose timeouts were set on it: the session waits with them (the
    // child's transfer is the only one) until the child gives them back when it closes.
    void take_timeouts_from(const core::Object& child);
    void give_timeouts_back(const core::Object& child);

protected:
    void on_close() override;

private:
    void use_timeouts_of(const core::Object& handle);

    std::shared_ptr<Session> session_;
    mutable std::mutex mutex_;
    bool holder_open_ = false;
    unsigned winding_down_ = 0;
    std::vector<std::function<void()>> queued_;
    std::optional<std::uint64_t> restart_;
    std::weak_ptr<core::Object> status_target_;
    const core::Object* timeouts_owner_ = nullptr;   // compared only, never dereferenced
};

// A find or file handle: a child of a ConnectionHandle that owns the transfer slot.
class ChildHandle : public core::Object {
public:
    ChildHandle(DWORD handle_type, const ConnectionHandle::Ptr& connection, DWORD_PTR context);

    const ConnectionHandle::Ptr& connection() const noexcept { return connection_; }

    // Runs an operation on this handle. While it runs, closing the handle completes it at
    // once with ERROR_INTERNET_OPERATION_CANCELLED (after the data connection was closed on
    // the session's strand, so nothing writes into the caller's buffer any more); the
    // session's own completion arrives later and ends the wind-down.
    core::CallResult run(DWORD_PTR completion_context, std::function<void(core::Done)> work,
                         core::CompletionReport report = core::CompletionReport::result_and_error);

    // The handle was created by FtpFindFirstFile / FtpOpenFile and not yet handed to the
    // caller: if that first operation fails in an asynchronous session, it closes itself
    // after REQUEST_COMPLETE.
    void set_close_on_failure(bool value) noexcept { close_on_failure_ = value; }   // first operation only
    // The connection was made by InternetOpenUrl for this handle alone and closes with it.
    void set_hidden_parent() noexcept { hidden_parent_ = true; }

    // Timeouts set on this handle govern its transfer (the session's waits) until it closes.
    std::error_code set_option(DWORD option, const void* buffer, DWORD length, bool wide) override;

protected:
    void on_close() override;
    // Called once, when the handle is closed and no operation of it runs any more. Must end
    // with connection()->end_wind_down().
    virtual void wind_down() = 0;
    // Starts `work` as this handle's operation in flight, completing through `done` (what
    // run() does inside run_operation; also used for waits outside it).
    void track(core::Done done, const std::function<void(core::Done)>& work);
    bool busy() const;

private:
    const ConnectionHandle::Ptr connection_;
    mutable std::mutex child_mutex_;
    bool busy_ = false;
    bool wound_down_ = false;
    std::atomic<bool> close_on_failure_{false};
    bool hidden_parent_ = false;
    core::Done pending_done_;
};

}  // namespace openinet::ftp
