// One FTP session: the control connection and its data connections, as an asynchronous state
// machine on a strand (RFC 959, RFC 2428 EPSV/EPRT, RFC 3659 MLSD/SIZE/MDTM/REST, RFC 4217
// explicit TLS). The WinInet FTP handles are built on it.
//
// Rules of use:
//  - One operation at a time. Starting another while one is pending, or any command while a
//    transfer is open (between open_download/open_upload and its end), fails with
//    ERROR_FTP_TRANSFER_IN_PROGRESS (12110).
//  - Every handler runs on the session's strand, exactly once, never inline from the call.
//  - Public functions may be called from any thread.
//
// Errors (wininet_category):
//   12015 ERROR_INTERNET_LOGIN_FAILURE      USER/PASS refused
//   12003 ERROR_INTERNET_EXTENDED_ERROR     any other refusal by the server (its reply text is
//                                           kept: last_reply()), or a malformed reply
//   12111 ERROR_FTP_DROPPED                 the control connection was lost
//   12112 ERROR_FTP_NO_PASSIVE_MODE         both EPSV and PASV refused
//   12002 ERROR_INTERNET_TIMEOUT            no reply / no data within the timeouts
//   12017 ERROR_INTERNET_OPERATION_CANCELLED cancel() was called
//   12157 and the certificate errors of net::Connector for TLS; connect errors as net's.
// A timeout, a lost or out-of-step control connection, and cancel() end the session: later
// operations fail with the same error.
#pragma once

#include "ftp/listing.hpp"
#include "ftp/reply.hpp"
#include "net/stream.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace openinet::ftp {

enum class TransferType { ascii, binary };

struct SessionOptions {
    std::string host;
    std::uint16_t port = INTERNET_DEFAULT_FTP_PORT;
    std::string user = "anonymous";
    std::string password = "openinet@";
    bool explicit_tls = false;        // AUTH TLS, PBSZ 0, PROT P; data connections TLS too
    DWORD security_flags = 0;         // SECURITY_FLAG_IGNORE_* for the TLS checks
    bool passive = true;              // EPSV, then PASV; false: EPRT, then PORT
    // Zero (or less): no limit.
    std::chrono::milliseconds connect_timeout{60000};   // control and data connections
    std::chrono::milliseconds reply_timeout{30000};     // waiting for a control reply
    std::chrono::milliseconds data_timeout{30000};      // a data read/write making no progress
};

struct Features {          // from FEAT (RFC 2389)
    bool mlsd = false;     // MLST listed
    bool epsv = false;
    bool rest_stream = false;
    bool utf8 = false;
    bool size = false;
    bool mdtm = false;
};

class Session : public std::enable_shared_from_this<Session> {
public:
    using Handler = std::function<void(std::error_code)>;
    using IoHandler = std::function<void(std::error_code, std::size_t)>;
    using ReplyHandler = std::function<void(std::error_code, Reply)>;
    using TextHandler = std::function<void(std::error_code, std::string)>;
    using SizeHandler = std::function<void(std::error_code, std::uint64_t)>;
    using TimeHandler = std::function<void(std::error_code, FileTime)>;
    using ListHandler = std::function<void(std::error_code, std::vector<ListEntry>)>;

    // The session keeps its state on a new strand of `executor`.
    static std::shared_ptr<Session> create(boost::asio::any_io_executor executor);
    ~Session();

    // Control-connection progress for status callbacks, called on the strand: each command
    // gives INTERNET_STATUS_SENDING_REQUEST (0 bytes), REQUEST_SENT (bytes written) and
    // RECEIVING_RESPONSE, each reply RESPONSE_RECEIVED (its bytes). Applies to operations
    // started after this call.
    using Observer = std::function<void(DWORD status, DWORD bytes)>;
    void set_observer(Observer observer);

    // New limits (SessionOptions' meaning) for the waits that start after this call; any
    // thread. InternetSetOption on the connection handle after InternetConnect.
    void set_timeouts(std::chrono::milliseconds connect, std::chrono::milliseconds reply,
                      std::chrono::milliseconds data);

    // Connects, reads the greeting, AUTH TLS when asked, logs in, reads FEAT. `status` gets
    // net's connect progress (RESOLVING_NAME … CONNECTED_TO_SERVER) on the strand.
    void connect(SessionOptions options, net::StatusFn status, Handler handler);

    // Commands without data. Paths are sent as given (UTF-8).
    void print_working_directory(TextHandler handler);                  // PWD
    void change_directory(std::string path, Handler handler);           // CWD
    void make_directory(std::string path, Handler handler);             // MKD
    void remove_directory(std::string path, Handler handler);           // RMD
    void delete_file(std::string path, Handler handler);                // DELE
    void rename(std::string from, std::string to, Handler handler);     // RNFR + RNTO
    void file_size(std::string path, SizeHandler handler);              // TYPE I + SIZE
    void modification_time(std::string path, TimeHandler handler);     // MDTM
    // Any command; completes with the final (non-1xx) reply, whatever its code.
    void raw_command(std::string line, ReplyHandler handler);

    // Listing of `path` ("" = current directory): MLSD when the server has it and the path has
    // no wildcard, LIST otherwise. The entries are collected whole (listings are small next to
    // files); `now` anchors the year of "HH:MM" LIST dates.
    void list(std::string path, FileTime now, ListHandler handler);

    // Transfers. open_* sets the type, opens the data connection (REST `offset` first when
    // non-zero) and completes once the server accepted the command. Then read()/write() move
    // bytes straight between the data connection and the caller's buffer.
    void open_download(std::string path, TransferType type, std::uint64_t offset, Handler handler);
    // The same, asking SIZE first when FEAT lists it (FtpGetFileSize has to answer while the
    // transfer is open, when the control connection takes no command). SIZE goes out in one
    // write with the commands that follow it, so it costs no round trip of its own. `size` is
    // SIZE's answer; empty when the server has no SIZE or refused it (the download goes on).
    // Once the server accepted the RETR, the session goes on reading the data connection into
    // a buffer of its own, at most 64 KiB and once (the prefetch; docs/internals/ftp.md; not
    // when SIZE said the file is larger than that), and
    // completes the open when that stopped (buffer full, file ended and confirmed, failure)
    // or after a grace of 20 ms: a small file is then in hand when the caller asks, and
    // take_prefetched() gives it without a hop to the strand. read()/read_fill() deliver
    // what the prefetch holds first; they, abort_transfer() and interrupt_transfer() work at
    // any moment of it. A failure of the data is the reads' to report, not the open's.
    using OpenedHandler = std::function<void(std::error_code, std::optional<std::uint64_t> size)>;
    void open_sized_download(std::string path, TransferType type, std::uint64_t offset, OpenedHandler handler);
    // Any thread, never waits: moves up to buffer.size() prefetched bytes of the open download
    // into `buffer`, in order and once. `then` says what follows them: `end_of_file` (nothing
    // left and the server confirmed the file: the transfer is over), `failed` (nothing left
    // and the transfer failed with `error`) or `more` (read()/read_fill() go on; also while the
    // prefetch still runs, and for transfers without one).
    struct Prefetched {
        enum class Then { more, end_of_file, failed };
        std::size_t bytes = 0;
        Then then = Then::more;
        std::error_code error;
    };
    Prefetched take_prefetched(boost::asio::mutable_buffer buffer);
    // Reads up to buffer.size() bytes; 0 bytes with no error means the whole file arrived and
    // the server confirmed it (226), after which the transfer is closed.
    // `lend_to_caller` as for read_fill: a read that got bytes lends the data connection.
    void read(boost::asio::mutable_buffer buffer, IoHandler handler, bool lend_to_caller = false);
    // Same, but keeps reading on the strand until the buffer is full or the file ended (then
    // n < buffer.size() and the transfer is closed). A failure after some bytes arrived
    // completes with the error and the count of bytes already in the buffer.
    // `lend_to_caller`: the caller waits on its own thread (a synchronous session, never an
    // engine thread) and reads on with read_fill_here. When this read fills the buffer of a
    // TCP data connection, the connection is then lent to that thread.
    void read_fill(boost::asio::mutable_buffer buffer, IoHandler handler, bool lend_to_caller = false);
    // On the thread of the caller that asked read_fill to lend it the data connection: does
    // what read_fill does, right here, waiting on this thread (poll, under the data timeout)
    // instead of the engine's; the handler runs here when the buffer was filled, and on the
    // strand when the file ended or the read failed (the strand then takes the connection
    // back and reads the final reply, or puts the control connection back in step). False,
    // without calling the handler: nothing is lent (use read_fill). interrupt_transfer,
    // cancel and the other operations work as with read_fill: any other operation takes the
    // connection back first (or, while this runs, fails with ERROR_FTP_TRANSFER_IN_PROGRESS).
    bool read_fill_here(boost::asio::mutable_buffer buffer, IoHandler handler);
    // read()'s counterpart on the caller's thread, answering without a handler when it can:
    // `lent` false: nothing is lent (use read). Else `error` (another read runs here), or
    // `bytes` (> 0) arrived, or `handed_back`: the end of the data, a failure or an
    // interruption, which the strand finishes and reports to `on_hand_back` as read() would
    // (0 bytes and no error: the file ended and the server confirmed it).
    struct ReadHere {
        bool lent = false;
        bool handed_back = false;
        std::size_t bytes = 0;
        std::error_code error;
    };
    ReadHere read_here(boost::asio::mutable_buffer buffer, IoHandler on_hand_back);
    // Any command that answers on a data connection (LIST, NLST, RETR …, from FtpCommand):
    // opens it like open_download, and read()/read_fill() deliver what the server sends.
    void open_data_command(std::string command, TransferType type, Handler handler);
    void open_upload(std::string path, TransferType type, Handler handler);
    void write(boost::asio::const_buffer buffer, IoHandler handler);
    // Ends an upload: closes the data connection and waits for the server's confirmation.
    void finish_upload(Handler handler);
    // Ends the open transfer early (download or upload): closes the data connection and reads
    // the server's reply to the interrupted transfer. The session stays usable.
    void abort_transfer(Handler handler);
    bool transfer_open() const noexcept;
    // Any thread: closes the open transfer's data connection so a read()/write() in flight
    // completes at once (it then puts the control connection back in step itself, as after
    // any failed transfer). `closed` runs on the strand once the data connection is closed:
    // from then on nothing writes into the buffer of the interrupted read.
    void interrupt_transfer(std::function<void()> closed);

    void quit(Handler handler);   // QUIT, then closes

    // Any thread, any time, idempotent, prompt: the pending operation completes with 12017, the
    // connections are closed and the session is finished.
    void cancel();

    // The last reply the server sent (for InternetGetLastResponseInfo); any thread.
    Reply last_reply() const;
    // The reply that accepted the last transfer (its 1yz, or 2yz when it was over at once); for
    // a download's open, whose prefetch may have read the final reply already.
    Reply opening_reply() const;
    Features features() const;
    std::string peer_address() const;

    struct Impl;   // the state machine (session.cpp)

private:
    explicit Session(boost::asio::any_io_executor executor);
    std::shared_ptr<Impl> impl_;
};

}  // namespace openinet::ftp
