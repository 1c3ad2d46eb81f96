// The FTP file handle (INTERNET_HANDLE_TYPE_FTP_FILE) of FtpOpenFile, FtpCommand with a data
// connection and InternetOpenUrl("ftp://…"): InternetReadFile / InternetWriteFile move bytes
// straight between the data connection and the caller's buffer.
#pragma once

#include "ftp/connection_handle.hpp"

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace openinet::ftp {

class FileHandle : public ChildHandle {
public:
    using Ptr = std::shared_ptr<FileHandle>;
    enum class Mode { download, upload, command };

    FileHandle(const ConnectionHandle::Ptr& connection, Mode mode, std::string path, TransferType type,
               DWORD_PTR context);

    // FtpOpenFile / FtpCommand after publication: SIZE (downloads, when the server has it),
    // then RETR (REST `offset` first) / STOR / the command. Completes with `success_result`.
    // `login_first`: InternetOpenUrl's hidden connection logs in inside this same operation.
    core::CallResult open(std::uint64_t offset, DWORD_PTR success_result, bool login_first = false);

    // FtpGetFileSize: SIZE's answer (or the "(n bytes)" of the 150 reply); uploads: the bytes
    // written so far.
    std::error_code file_size(std::uint64_t& size) const;

    std::error_code read(void* buffer, DWORD size, DWORD* read, DWORD flags, DWORD_PTR ctx) override;
    std::error_code write(const void* buffer, DWORD size, DWORD* written) override;
    std::error_code query_data_available(DWORD* available, DWORD flags, DWORD_PTR ctx) override;
    std::error_code set_file_pointer(LONG distance, LONG* distance_high, DWORD move_method, DWORD_PTR ctx,
                                     DWORD* new_position) override;
    std::error_code finish_before_close() override;

    Mode mode() const noexcept { return mode_; }

protected:
    void wind_down() override;

private:
    Ptr self() { return std::static_pointer_cast<FileHandle>(shared_from_this()); }
    // Waits for `work` on the calling thread in both kinds of session (InternetWriteFile never
    // pends, as for HTTP); closing the handle interrupts it like any operation.
    std::error_code run_inline(std::function<void(core::Done)> work);
    void publish_open_response(const std::error_code& ec) const;
    void start_open(std::uint64_t offset, DWORD_PTR success_result, core::Done done);
    // Moves what the session prefetched after the open into out[got, size) (no operation);
    // the failure that follows them when nothing came before it.
    std::error_code take_prefetched(char* out, std::size_t size, std::size_t& got);
    bool ended() const;
    // InternetQueryDataAvailable: the prefetched bytes become the read-ahead buffer's.
    std::error_code prefetched_into_lookahead();
    void fill_from_lookahead(char* out, std::size_t size, std::size_t got, DWORD* read_out, core::Done done);
    void after_refill(char* out, std::size_t size, std::size_t got, DWORD* read_out, core::Done done,
                      std::error_code ec);
    bool take_from_lookahead(char* out, std::size_t size, std::size_t& got, std::error_code& ec);
    // `lend`: the caller waits on its own thread (Session::read's lend_to_caller).
    void read_into_lookahead(std::function<void(std::error_code)> then, bool lend = false);
    char* empty_lookahead();
    void lookahead_refilled(std::error_code ec, std::size_t n);
    bool waits_on_own_thread() const;
    void upload_finished(std::error_code ec);
    // The failure a previous read left for this one (cleared), with its reply published for
    // InternetGetLastResponseInfo; empty when there is none.
    std::error_code take_deferred_error();

    const Mode mode_;
    const std::string path_;
    const TransferType type_;

    mutable std::mutex state_mutex_;
    std::optional<std::uint64_t> size_;
    std::uint64_t start_offset_ = 0;
    std::uint64_t delivered_ = 0;          // bytes handed to the caller (or written)
    bool ended_ = false;                   // the whole file arrived and the server confirmed it
    std::error_code deferred_error_;       // reported by the next read, after delivered bytes
    std::vector<char> lookahead_;          // InternetQueryDataAvailable's bytes (allocated once)
    std::size_t lookahead_begin_ = 0, lookahead_end_ = 0;
    bool upload_finishing_ = false;        // finish_before_close took care of the STOR reply
    bool wind_down_waiting_ = false;       // wind_down ran while the finish was still running
};

}  // namespace openinet::ftp
