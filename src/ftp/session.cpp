#include "ftp/session.hpp"

#include "core/error.hpp"
#include "ftp/tls_layer.hpp"
#include "net/streams.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <deque>
#include <mutex>

namespace openinet::ftp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Where the session is; named after what it waits for (curl's lib/ftp.c shape).
enum class State {
    idle,
    connecting,        // TCP connect of the control connection
    wait_greeting,     // 220
    wait_auth_tls,     // 234 to AUTH TLS
    tls_handshake,     // on the control connection
    wait_user,         // 230 / 331 to USER
    wait_pass,         // 230 / 202 to PASS
    wait_pbsz,         // 200 to PBSZ 0
    wait_prot,         // 200 to PROT P
    wait_feat,         // 211 to FEAT
    wait_command,      // the final reply to a command without data
    wait_type,         // 200 to TYPE
    wait_passive,      // 229 to EPSV / 227 to PASV
    wait_active,       // 200 to EPRT / PORT
    data_connect,      // connecting to the server's passive port
    wait_rest,         // 350 to REST
    wait_data_start,   // 1xx to RETR / STOR / LIST / MLSD (+ accept / data TLS handshake)
    transferring,      // data flowing; read() / write()
    wait_transfer_end, // 226 after the data connection closed
    closed,
};

enum class Transfer { none, download, upload, listing };

// The prefetch after a download opened reads at most this much (once per transfer, not a
// copy loop for big files): enough for the small files that pay for the thread hand-offs,
// small next to a read buffer, and allocated once per session.
constexpr std::size_t kPrefetchSize = 64 * 1024;
// How long a download's open may wait for its prefetch before it completes anyway: long
// enough for a small file's data and final reply to follow the 150 (tens of microseconds on
// loopback, a round trip or so elsewhere), short enough to go unnoticed when the server is
// slow to send.
constexpr std::chrono::milliseconds kOpenGrace{20};

bool has_wildcard(std::string_view path) { return path.find_first_of("*?") != std::string_view::npos; }

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

// "229 Entering Extended Passive Mode (|||6446|)" → 6446
std::optional<std::uint16_t> parse_epsv(const Reply& reply) {
    std::string_view text = reply.lines.front();
    auto open = text.find('(');
    if (open == std::string_view::npos || open + 5 > text.size()) return std::nullopt;
    char d = text[open + 1];
    if (text[open + 2] != d || text[open + 3] != d) return std::nullopt;
    std::size_t pos = open + 4;
    unsigned port = 0;
    std::size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && digits < 6) {
        port = port * 10 + static_cast<unsigned>(text[pos++] - '0');
        ++digits;
    }
    if (digits == 0 || pos >= text.size() || text[pos] != d || port == 0 || port > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(port);
}

// "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)" (parentheses optional) → port. The address
// part is not used: data connections go to the control connection's peer (see open_passive).
std::optional<std::uint16_t> parse_pasv(const Reply& reply) {
    std::string_view text = reply.first_line_message();
    for (std::size_t start = 0; start < text.size(); ++start) {
        if (text[start] < '0' || text[start] > '9') continue;
        unsigned values[6];
        std::size_t pos = start;
        int n = 0;
        for (; n < 6; ++n) {
            unsigned v = 0;
            std::size_t digits = 0;
            while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && digits < 4) {
                v = v * 10 + static_cast<unsigned>(text[pos++] - '0');
                ++digits;
            }
            if (digits == 0 || v > 255) break;
            values[n] = v;
            if (n < 5) {
                if (pos >= text.size() || text[pos] != ',') break;
                ++pos;
            }
        }
        if (n == 6) {
            unsigned port = values[4] * 256 + values[5];
            if (port == 0) return std::nullopt;
            return static_cast<std::uint16_t>(port);
        }
    }
    return std::nullopt;
}

// SIZE's "213 <bytes>" → bytes (RFC 3659 §4); anything else → empty.
std::optional<std::uint64_t> parse_size(const Reply& reply) {
    if (reply.code != 213) return std::nullopt;
    std::string_view text = reply.first_line_message();
    std::uint64_t size = 0;
    std::size_t digits = 0;
    for (char c : text) {
        if (c < '0' || c > '9' || digits > 19) break;
        size = size * 10 + static_cast<unsigned>(c - '0');
        ++digits;
    }
    if (digits == 0) return std::nullopt;
    return size;
}

// PWD's 257 "<path>" with "" standing for one quote (RFC 959 appendix II).
std::optional<std::string> parse_pwd(const Reply& reply) {
    std::string_view text = reply.first_line_message();
    auto open = text.find('"');
    if (open == std::string_view::npos) return std::nullopt;
    std::string path;
    for (std::size_t i = open + 1; i < text.size(); ++i) {
        if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
                path += '"';
                ++i;
                continue;
            }
            return path;
        }
        path += text[i];
    }
    return std::nullopt;
}

// Marks the session busy for the operation and free again just before its handler runs.
template <class ImplPtr, class Handler>
auto finishing(const ImplPtr& impl, Handler handler) {
    return Handler([impl, handler = std::move(handler)](auto&&... args) mutable {
        impl->busy = false;
        handler(std::forward<decltype(args)>(args)...);
    });
}

}  // namespace

struct Session::Impl : std::enable_shared_from_this<Impl> {
    explicit Impl(asio::any_io_executor executor)
        : strand(asio::make_strand(executor)), reply_deadline(strand), data_deadline(strand), open_deadline(strand) {}

    asio::any_io_executor strand;
    SessionOptions options;
    State state = State::idle;
    bool busy = false;
    std::atomic<Transfer> transfer{Transfer::none};
    bool transfer_end_seen = false;
    std::optional<TransferType> current_type;
    bool epsv_refused = false, eprt_refused = false;
    std::atomic<bool> cancelled{false};
    bool reply_timed_out = false, data_timed_out = false;
    std::error_code fatal;

    std::unique_ptr<net::Stream> control, data;
    std::shared_ptr<net::Connector> connector;
    std::function<void()> close_control_handshake, close_data_handshake;
    std::optional<tcp::acceptor> acceptor;

    // What a passed deadline closes.
    enum class Expiry { control, data_stream, data_acceptor, upload_shutdown, open_grace };
    // One timer per kind of wait, re-armed lazily: arming moves `when` and touches the timer
    // only when its outstanding wait would end too late; disarming clears `when`. A wait that
    // fires checks `when` and waits again if it moved on. So a command or a data read costs no
    // timer system call and no cancelled-wait handler (several per file otherwise, which is
    // what dominated small transfers). On the strand only.
    struct Deadline {
        explicit Deadline(const asio::any_io_executor& strand) : timer(strand) {}
        asio::steady_timer timer;
        std::optional<std::chrono::steady_clock::time_point> when;
        Expiry expiry = Expiry::control;
        std::uint64_t wait_id = 0;   // identifies the outstanding wait; older ones do nothing
        bool waiting = false;
    };
    Deadline reply_deadline, data_deadline, open_deadline;
    ReplyReader reader;
    std::array<char, 4096> in{};
    std::size_t in_begin = 0, in_end = 0;
    std::string out;
    // Lines written ahead of their turn (send_ahead) whose replies are still to be read, in
    // order: the exchange of each reads its reply without sending it again.
    std::deque<std::string> sent_ahead;

    // The prefetch (docs/internals/ftp.md, "Prefetch"). The strand fills `buffer` in one pass
    // from its start, never wrapping or moving bytes, so a taker on another thread can copy
    // [begin, end) under the mutex while the strand's read fills [end, size) outside it.
    struct Prefetch {
        enum class Outcome { open, ended, failed };
        std::mutex mutex;
        std::vector<char> buffer;
        std::size_t begin = 0, end = 0;
        bool running = false;
        Outcome outcome = Outcome::open;   // once it stopped: what follows the bytes
        std::error_code error;             // Outcome::failed
        // The open transfer was interrupted (its handle closed): no read of it may touch a
        // caller's buffer any more, whenever it starts.
        bool interrupted = false;
        // Operations that arrived while it ran, started on the strand when it stops.
        std::vector<std::function<void()>> waiting;
    } prefetch;
    bool prefetching = false;   // strand-only mirror of prefetch.running
    // The download's open, completed when the prefetch stops or its grace ran out.
    std::function<void()> opened_waiting;
    Reply opening;   // the reply that accepted the open transfer (info_mutex)

    // The data connection lent to a synchronous caller's thread (docs/internals/ftp.md, "Reads
    // on the caller's thread"): from the end of a read_fill that filled the caller's buffer,
    // or of a read that got bytes, until the file ends, fails or another operation takes it
    // back. Meanwhile the session
    // stays busy and the strand leaves `data` alone except to interrupt the caller
    // (close_data). Everything here is under the mutex; `stream` and `returning` change only
    // on the strand.
    struct Lent {
        std::mutex mutex;
        net::Stream* stream = nullptr;   // the data connection, while lent
        bool reading = false;            // read_here runs on the caller's thread
        bool interrupted = false;        // close_data ran meanwhile: the caller hands it back
        bool returning = false;          // handed back; the strand finishes the caller's read
        std::chrono::milliseconds timeout{};   // the data timeout, kept here by connect and set_timeouts
        // Operations that wanted the transfer while the caller read or its read was being
        // finished (e.g. the abort of a file handle closed under the read), started on the
        // strand, in order, once it is free.
        std::vector<std::function<void()>> waiting;
    } lent;

    Session::Observer observer;

    // The prefetch works in the background like a wind-down and reports nothing: the final
    // reply it reads is no reply to the call that happens to be running (FtpOpenFile).
    void observe(DWORD status, std::size_t bytes) {
        if (observer && !prefetching) observer(status, static_cast<DWORD>(bytes));
    }

    mutable std::mutex info_mutex;   // what other threads may read
    Reply last;
    Features feats;
    std::string peer;

    // ---- admission and completion ------------------------------------------------------

    std::error_code admit(bool for_transfer) const {
        if (fatal) return fatal;
        if (busy) return make_error(ERROR_FTP_TRANSFER_IN_PROGRESS);
        if (!for_transfer && (transfer != Transfer::none || prefetching)) return make_error(ERROR_FTP_TRANSFER_IN_PROGRESS);
        if (for_transfer && transfer == Transfer::none) return make_error(ERROR_INTERNET_INCORRECT_HANDLE_STATE);
        if (!control && state != State::idle) return make_error(ERROR_FTP_DROPPED);
        return {};
    }

    void remember(const Reply& reply) {
        std::lock_guard lock(info_mutex);
        last = reply;
    }

    // Closes everything; every later operation fails with `ec`.
    void fail_session(std::error_code ec) {
        if (!fatal) fatal = ec;
        state = State::closed;
        sent_ahead.clear();
        transfer = Transfer::none;
        if (connector) connector->cancel();
        if (close_control_handshake) close_control_handshake();
        if (close_data_handshake) close_data_handshake();
        if (control) control->close();
        close_data();
        stop_deadline(reply_deadline);
        stop_deadline(data_deadline);
        stop_deadline(open_deadline);
    }

    void close_data() {
        close_data_stream();
        if (acceptor) {
            boost::system::error_code ignored;
            acceptor->close(ignored);
        }
    }

    // A stream lent to the caller's thread is not closed under it (closing a descriptor
    // another thread polls does not wake the poll, and its number could be reused): the
    // caller is woken and fails its reads, and hands the stream back, which closes it.
    void close_data_stream() {
        if (!data) return;
        std::lock_guard lock(lent.mutex);
        if (lent.stream) {
            lent.interrupted = true;
            data->interrupt_wait();
        } else {
            data->close();
        }
    }

    // At the end of a read_fill that filled the caller's buffer (or a read that got bytes),
    // when that caller waits on its own thread: the next reads run there (read_fill_here,
    // read_here), without a hop to the strand.
    bool lend_data() {
        if (!data || data->is_tls() || cancelled || fatal || transfer != Transfer::download) return false;
        if (transfer_interrupted()) return false;
        std::lock_guard lock(lent.mutex);
        lent.stream = data.get();
        lent.reading = false;
        lent.interrupted = false;
        return true;   // busy stays set: the transfer is the caller's
    }

    // An operation on the strand (`start`) wants the transfer. True: go on (taken back if it
    // was lent). False: the caller's thread reads, or its read is being finished; `start`
    // runs once that is over.
    bool take_back_data(std::function<void()>& start) {
        std::lock_guard lock(lent.mutex);
        if (lent.reading || lent.returning) {
            lent.waiting.push_back(std::move(start));
            return false;
        }
        if (!lent.stream) return true;
        lent.stream = nullptr;
        busy = false;
        if (lent.interrupted && data) data->close();
        lent.interrupted = false;
        return true;
    }

    std::vector<std::function<void()>> take_waiting_locked() {
        std::vector<std::function<void()>> waiting;
        waiting.swap(lent.waiting);
        return waiting;
    }

    // On the caller's thread (see Session::read_here).
    Session::ReadHere read_here(char* out, std::size_t size, bool fill, IoHandler on_hand_back) {
        Session::ReadHere result;
        net::Stream* stream;
        std::chrono::milliseconds timeout;
        {
            std::lock_guard lock(lent.mutex);
            if (!lent.stream) return result;
            result.lent = true;
            if (lent.reading) {
                result.error = make_error(ERROR_FTP_TRANSFER_IN_PROGRESS);
                return result;
            }
            lent.reading = true;
            stream = lent.stream;
            timeout = lent.timeout;
        }
        std::size_t filled = 0;
        std::error_code ec;
        while (filled < size && (fill || filled == 0)) {
            const std::size_t n = stream->try_read_some(asio::buffer(out + filled, size - filled), ec);
            if (!ec) {
                filled += n;
                continue;
            }
            if (!net::is_would_block(ec)) break;
            ec.clear();
            {
                std::lock_guard lock(lent.mutex);
                if (lent.interrupted) break;
            }
            const auto outcome = stream->wait_readable(timeout.count() > 0 ? std::optional(timeout) : std::nullopt);
            if (outcome == net::Stream::WaitOutcome::timed_out) ec = make_error(ERROR_INTERNET_TIMEOUT);
            if (outcome == net::Stream::WaitOutcome::unsupported) ec = make_error(ERROR_INTERNET_INTERNAL_ERROR);
            if (ec) break;
        }
        bool interrupted;
        std::vector<std::function<void()>> waiting;
        {
            std::lock_guard lock(lent.mutex);
            // An interruption shuts the stream down: what the read saw then (end of stream
            // included) says nothing about the file.
            interrupted = lent.interrupted;
            if (!ec && !interrupted) {
                lent.reading = false;
                waiting = take_waiting_locked();
            }
        }
        if (!ec && !interrupted) {
            for (auto& start : waiting) asio::post(strand, std::move(start));
            result.bytes = filled;
            return result;
        }
        // The end of the data, a failure or an interruption: the strand takes the transfer
        // back and finishes it as after any read (final reply, or the connection back in step).
        result.handed_back = true;
        asio::post(strand, [self = shared_from_this(), ec, interrupted, filled,
                            handler = std::move(on_hand_back)]() mutable {
            {
                std::lock_guard lock(self->lent.mutex);
                self->lent.stream = nullptr;
                self->lent.reading = false;
                self->lent.interrupted = false;
                self->lent.returning = true;
            }
            std::error_code outcome = ec;
            if (interrupted) outcome = self->fatal ? self->fatal : self->cancelled_error();
            self->filled_data(outcome, filled, [self, handler = std::move(handler)](std::error_code ec, std::size_t n) {
                self->busy = false;
                handler(ec, n);
                std::vector<std::function<void()>> waiting;
                {
                    std::lock_guard lock(self->lent.mutex);
                    self->lent.returning = false;
                    waiting = self->take_waiting_locked();
                }
                for (auto& start : waiting) start();
            });
        });
        return result;
    }

    std::error_code cancelled_error() const { return make_error(ERROR_INTERNET_OPERATION_CANCELLED); }

    // An I/O failure on the control connection ends the session.
    std::error_code control_failure(std::error_code io) {
        std::error_code ec;
        if (cancelled) ec = cancelled_error();
        else if (reply_timed_out) ec = make_error(ERROR_INTERNET_TIMEOUT);
        else if (fatal) ec = fatal;
        else if (io.category() == wininet_category()) ec = io;
        else ec = make_error(ERROR_FTP_DROPPED);
        fail_session(ec);
        return ec;
    }

    std::error_code data_failure(std::error_code io) const {
        if (cancelled) return cancelled_error();
        if (data_timed_out) return make_error(ERROR_INTERNET_TIMEOUT);
        if (io.category() == wininet_category()) return io;
        if (net::is_end_of_stream(io)) return make_error(ERROR_INTERNET_CONNECTION_ABORTED);
        return normalize_error(io);
    }

    // A refusal by the server: the reply is kept for InternetGetLastResponseInfo. 421 means the
    // server is closing the control connection.
    std::error_code server_error(const Reply& reply, DWORD code = ERROR_INTERNET_EXTENDED_ERROR) {
        auto ec = make_error(code);
        if (reply.code == 421) fail_session(make_error(ERROR_FTP_DROPPED));
        return ec;
    }

    // ---- control connection ------------------------------------------------------------

    void arm(Deadline& deadline, Expiry expiry, std::chrono::milliseconds timeout) {
        if (timeout.count() <= 0) return disarm(deadline);   // no limit
        const auto at = std::chrono::steady_clock::now() + timeout;
        deadline.when = at;
        deadline.expiry = expiry;
        if (deadline.waiting && deadline.timer.expiry() <= at) return;
        start_wait(deadline);
    }

    void start_wait(Deadline& deadline) {
        deadline.timer.expires_at(*deadline.when);   // an outstanding wait ends; its id is stale
        deadline.waiting = true;
        // The pointer is to a member of the Impl that `weak` keeps track of.
        deadline.timer.async_wait([weak = weak_from_this(), which = &deadline, id = ++deadline.wait_id](
                                      boost::system::error_code) {
            auto self = weak.lock();
            if (!self) return;
            Deadline& d = *which;
            if (id != d.wait_id) return;
            d.waiting = false;
            if (!d.when) return;   // nothing is timed now
            if (std::chrono::steady_clock::now() < *d.when) return self->start_wait(d);
            d.when.reset();
            self->expire(d.expiry);
        });
    }

    static void disarm(Deadline& deadline) { deadline.when.reset(); }

    // The session is over: no wait stays behind.
    static void stop_deadline(Deadline& deadline) {
        deadline.when.reset();
        ++deadline.wait_id;
        if (deadline.waiting) deadline.timer.cancel();
        deadline.waiting = false;
    }

    void expire(Expiry expiry) {
        switch (expiry) {
        case Expiry::control:
            reply_timed_out = true;
            if (control) control->close();
            break;
        case Expiry::data_stream:
            data_timed_out = true;
            close_data_stream();
            break;
        case Expiry::data_acceptor:
            data_timed_out = true;
            if (acceptor) {
                boost::system::error_code ignored;
                acceptor->close(ignored);
            }
            break;
        case Expiry::upload_shutdown:
            if (data) data->close();
            break;
        case Expiry::open_grace:
            release_open();
            break;
        }
    }

    void disarm_reply_timer() { disarm(reply_deadline); }
    void disarm_data_timer() { disarm(data_deadline); }

    void arm_reply_timer() {
        reply_timed_out = false;
        arm(reply_deadline, Expiry::control, options.reply_timeout);
    }

    // The next complete reply (1xx included).
    void read_reply(ReplyHandler handler) {
        while (in_begin < in_end) {
            std::size_t consumed = 0;
            auto result = reader.feed(std::string_view(in.data() + in_begin, in_end - in_begin), consumed);
            in_begin += consumed;
            if (result == ReplyReader::State::error) {
                auto ec = reader.error();
                fail_session(ec);
                return handler(ec, {});
            }
            if (result == ReplyReader::State::done) {
                Reply reply = reader.take_reply();
                remember(reply);
                if (observer && !prefetching) {
                    std::size_t bytes = 0;
                    for (const auto& line : reply.lines) bytes += line.size() + 2;
                    observe(INTERNET_STATUS_RESPONSE_RECEIVED, bytes);
                }
                return handler({}, std::move(reply));
            }
        }
        if (!control) return handler(fatal ? fatal : make_error(ERROR_FTP_DROPPED), {});
        arm_reply_timer();
        control->async_read_some(asio::buffer(in), [self = shared_from_this(), handler = std::move(handler)](
                                                         std::error_code ec, std::size_t n) mutable {
            self->disarm_reply_timer();
            if (ec || self->reply_timed_out || self->cancelled) return handler(self->control_failure(ec), {});
            self->in_begin = 0;
            self->in_end = n;
            self->read_reply(std::move(handler));
        });
    }

    // The next reply that is not 1xx (or the first reply of any kind with `preliminary_ok`).
    void await_reply(ReplyHandler handler, bool preliminary_ok = false) {
        read_reply([self = shared_from_this(), handler = std::move(handler), preliminary_ok](
                       std::error_code ec, Reply reply) mutable {
            if (!ec && reply.preliminary() && !preliminary_ok)
                return self->await_reply(std::move(handler), false);
            handler(ec, std::move(reply));
        });
    }

    void exchange(std::string line, ReplyHandler handler, bool preliminary_ok = false) {
        if (!control) return handler(fatal ? fatal : make_error(ERROR_FTP_DROPPED), {});
        if (!sent_ahead.empty()) {
            if (sent_ahead.front() != line) {
                // The conversation went another way than planned (a refusal): the replies to
                // what was sent ahead come first.
                return skip_sent_ahead([self = shared_from_this(), line = std::move(line),
                                        handler = std::move(handler), preliminary_ok](std::error_code ec) mutable {
                    if (ec) return handler(ec, {});
                    self->exchange(std::move(line), std::move(handler), preliminary_ok);
                });
            }
            sent_ahead.pop_front();
            // The same progress as for a command sent on its own.
            observe(INTERNET_STATUS_SENDING_REQUEST, 0);
            observe(INTERNET_STATUS_REQUEST_SENT, line.size() + 2);
            observe(INTERNET_STATUS_RECEIVING_RESPONSE, 0);
            return await_reply(std::move(handler), preliminary_ok);
        }
        out = std::move(line);
        out += "\r\n";
        observe(INTERNET_STATUS_SENDING_REQUEST, 0);
        write_out([self = shared_from_this(), handler = std::move(handler), preliminary_ok](std::error_code ec,
                                                                                            std::size_t n) mutable {
            if (ec) return handler(ec, {});
            self->observe(INTERNET_STATUS_REQUEST_SENT, n);
            self->observe(INTERNET_STATUS_RECEIVING_RESPONSE, 0);
            self->await_reply(std::move(handler), preliminary_ok);
        });
    }

    // Writes `out` on the control connection: at once when the socket takes it (commands are
    // small, so it nearly always does), else the rest asynchronously under the reply timeout.
    // `written` gets the bytes, or the control failure that ended the session.
    void write_out(IoHandler written) {
        std::error_code ec;
        std::size_t n = 0;
        if (!cancelled) {
            n = control->try_write_some({asio::buffer(out)}, ec);
            if (!ec && n == out.size()) return written({}, n);
        }
        if (cancelled || (ec && !net::is_would_block(ec))) return written(control_failure(ec), 0);
        arm_reply_timer();
        control->async_write_all({asio::buffer(out.data() + n, out.size() - n)},
                                 [self = shared_from_this(), n, written = std::move(written)](std::error_code ec,
                                                                                              std::size_t more) {
            self->disarm_reply_timer();
            if (ec || self->reply_timed_out || self->cancelled) return written(self->control_failure(ec), 0);
            written({}, n + more);
        });
    }

    // Sends `lines` in one write; the exchanges that follow, in the same order, only read
    // their replies. Only for commands whose refusal does not change what the next ones mean
    // (SIZE, TYPE, EPSV/PASV), so a refusal in the middle costs nothing but reading the rest.
    void send_ahead(std::vector<std::string> lines, Handler then) {
        if (!control) return then(fatal ? fatal : make_error(ERROR_FTP_DROPPED));
        out.clear();
        for (const auto& line : lines) {
            out += line;
            out += "\r\n";
        }
        write_out([self = shared_from_this(), lines = std::move(lines), then = std::move(then)](
                      std::error_code ec, std::size_t) mutable {
            if (ec) return then(ec);
            for (auto& line : lines) self->sent_ahead.push_back(std::move(line));
            then({});
        });
    }

    // Reads (and drops) the replies to every line sent ahead.
    void skip_sent_ahead(Handler done) {
        if (sent_ahead.empty()) return done({});
        // A skipped TYPE may or may not have taken effect.
        if (sent_ahead.front().rfind("TYPE ", 0) == 0) current_type.reset();
        sent_ahead.pop_front();
        await_reply([self = shared_from_this(), done = std::move(done)](std::error_code ec, Reply reply) mutable {
            if (ec) return done(ec);
            if (reply.code == 421) {
                self->fail_session(make_error(ERROR_FTP_DROPPED));
                return done(self->fatal);
            }
            self->skip_sent_ahead(std::move(done));
        });
    }

    // A command whose success is any 2yz reply.
    void simple(State named, std::string line, ReplyHandler handler) {
        state = named;
        exchange(std::move(line), [self = shared_from_this(), handler = std::move(handler)](std::error_code ec,
                                                                                            Reply reply) {
            self->state = State::idle;
            if (!ec && !reply.completed()) ec = self->server_error(reply);
            handler(ec, std::move(reply));
        });
    }

    // ---- connect and login -------------------------------------------------------------

    void start_connect(net::StatusFn status, Handler done) {
        state = State::connecting;
        net::ConnectRequest request;
        request.host = options.host;
        request.port = options.port;
        request.tls = false;
        request.security_flags = options.security_flags;
        request.timeout = options.connect_timeout;
        connector = net::Connector::start(
            strand, std::move(request), std::move(status),
            [self = shared_from_this(), done = std::move(done)](std::error_code ec,
                                                                std::unique_ptr<net::Stream> stream) mutable {
                self->connector.reset();
                if (!ec && self->cancelled) ec = self->cancelled_error();
                if (ec) {
                    if (stream) stream->close();
                    self->fail_session(ec);
                    return done(ec);
                }
                self->control = std::move(stream);
                {
                    std::lock_guard lock(self->info_mutex);
                    self->peer = self->control->peer_address();
                }
                self->state = State::wait_greeting;
                self->await_reply([self, done = std::move(done)](std::error_code ec, Reply reply) mutable {
                    if (ec) return done(ec);
                    if (!reply.completed()) {
                        ec = self->server_error(reply);
                        self->fail_session(ec);
                        return done(ec);
                    }
                    if (self->options.explicit_tls) self->auth_tls(std::move(done));
                    else self->login(std::move(done));
                });
            });
    }

    void auth_tls(Handler done) {
        state = State::wait_auth_tls;
        exchange("AUTH TLS", [self = shared_from_this(), done = std::move(done)](std::error_code ec,
                                                                                  Reply reply) mutable {
            if (ec) return done(ec);
            if (reply.code != 234) {
                // The server does not do explicit TLS: never fall back to a clear-text login.
                ec = make_error(ERROR_INTERNET_SECURITY_CHANNEL_ERROR);
                self->fail_session(ec);
                return done(ec);
            }
            self->state = State::tls_handshake;
            self->close_control_handshake = start_tls(
                std::move(self->control), self->options.host, self->options.security_flags,
                [self, done = std::move(done)](std::error_code ec, std::unique_ptr<net::Stream> stream) mutable {
                    self->close_control_handshake = nullptr;
                    if (!ec && self->cancelled) ec = self->cancelled_error();
                    if (ec) {
                        if (self->cancelled) ec = self->cancelled_error();
                        self->fail_session(ec);
                        return done(ec);
                    }
                    self->control = std::move(stream);
                    self->login(std::move(done));
                });
        });
    }

    void login(Handler done) {
        state = State::wait_user;
        exchange("USER " + options.user, [self = shared_from_this(), done = std::move(done)](std::error_code ec,
                                                                                             Reply reply) mutable {
            if (ec) return done(ec);
            if (reply.completed()) return self->after_login(std::move(done));
            if (reply.code != 331) return self->login_refused(reply, std::move(done));
            self->state = State::wait_pass;
            self->exchange("PASS " + self->options.password,
                           [self, done = std::move(done)](std::error_code ec, Reply reply) mutable {
                               if (ec) return done(ec);
                               if (!reply.completed()) return self->login_refused(reply, std::move(done));
                               self->after_login(std::move(done));
                           });
        });
    }

    void login_refused(const Reply& reply, Handler done) {
        // 421 is the server going away, not a judgement of the credentials.
        auto ec = reply.code == 421 ? make_error(ERROR_INTERNET_EXTENDED_ERROR)
                                    : make_error(ERROR_INTERNET_LOGIN_FAILURE);
        fail_session(ec);
        done(ec);
    }

    void after_login(Handler done) {
        if (!options.explicit_tls) return read_features(std::move(done));
        simple(State::wait_pbsz, "PBSZ 0", [self = shared_from_this(), done = std::move(done)](std::error_code ec,
                                                                                               Reply) mutable {
            if (ec) return self->tls_setup_failed(std::move(done));
            self->simple(State::wait_prot, "PROT P", [self, done = std::move(done)](std::error_code ec, Reply) mutable {
                if (ec) return self->tls_setup_failed(std::move(done));
                self->read_features(std::move(done));
            });
        });
    }

    void tls_setup_failed(Handler done) {
        auto ec = fatal ? fatal : make_error(ERROR_INTERNET_SECURITY_CHANNEL_ERROR);
        fail_session(ec);
        done(ec);
    }

    void read_features(Handler done) {
        state = State::wait_feat;
        exchange("FEAT", [self = shared_from_this(), done = std::move(done)](std::error_code ec, Reply reply) mutable {
            if (ec) return done(ec);
            Features found;
            if (reply.completed()) {
                for (std::size_t i = 1; i + 1 < reply.lines.size(); ++i) {
                    std::string line = upper(reply.lines[i]);
                    auto start = line.find_first_not_of(' ');
                    if (start == std::string::npos) continue;
                    std::string_view feature = std::string_view(line).substr(start);
                    auto word_end = feature.find(' ');
                    std::string_view word = feature.substr(0, word_end);
                    if (word == "MLST") found.mlsd = true;
                    else if (word == "EPSV") found.epsv = true;
                    else if (word == "UTF8") found.utf8 = true;
                    else if (word == "SIZE") found.size = true;
                    else if (word == "MDTM") found.mdtm = true;
                    else if (word == "REST" && feature.find("STREAM") != std::string_view::npos) found.rest_stream = true;
                }
            }
            {
                std::lock_guard lock(self->info_mutex);
                self->feats = found;
            }
            if (!found.utf8) {
                self->state = State::idle;
                return done({});
            }
            // Paths are UTF-8 inside OpenInet; servers that announce UTF8 may want it switched on.
            self->exchange("OPTS UTF8 ON", [self, done = std::move(done)](std::error_code ec, Reply) mutable {
                self->state = State::idle;
                done(ec);
            });
        });
    }

    // ---- data connections --------------------------------------------------------------

    void ensure_type(TransferType type, Handler next) {
        if (current_type == type) return next({});
        simple(State::wait_type, type == TransferType::ascii ? "TYPE A" : "TYPE I",
               [self = shared_from_this(), type, next = std::move(next)](std::error_code ec, Reply) {
                   if (!ec) self->current_type = type;
                   next(ec);
               });
    }

    // Opens the data connection for `command` (RETR/STOR/LIST/MLSD …), sends it and completes
    // when the server accepted it (1yz) and the data connection stands (TLS included).
    void open_data(std::string command, std::uint64_t offset, Handler ready) {
        transfer_end_seen = false;
        reset_prefetch();
        if (options.passive) {
            return open_passive([self = shared_from_this(), command = std::move(command), offset,
                                 ready = std::move(ready)](std::error_code ec, std::uint16_t port) mutable {
                if (ec) return ready(ec);
                self->start_transfer(std::move(command), offset, port, std::move(ready));
            });
        }
        open_active([self = shared_from_this(), command = std::move(command), offset,
                     ready = std::move(ready)](std::error_code ec) mutable {
            if (ec) return ready(ec);
            self->start_transfer(std::move(command), offset, 0, std::move(ready));
        });
    }

    using PortHandler = std::function<void(std::error_code, std::uint16_t)>;

    void open_passive(PortHandler then) {
        state = State::wait_passive;
        if (epsv_refused) return try_pasv(std::move(then));
        exchange("EPSV", [self = shared_from_this(), then = std::move(then)](std::error_code ec, Reply reply) mutable {
            if (ec) return then(ec, 0);
            if (reply.code == 229) {
                if (auto port = parse_epsv(reply)) return then({}, *port);
            }
            if (reply.permanent_failure()) self->epsv_refused = true;
            self->try_pasv(std::move(then));
        });
    }

    void try_pasv(PortHandler then) {
        exchange("PASV", [then = std::move(then)](std::error_code ec, Reply reply) mutable {
            if (ec) return then(ec, 0);
            std::optional<std::uint16_t> port;
            if (reply.code == 227) port = parse_pasv(reply);
            if (!port) return then(make_error(ERROR_FTP_NO_PASSIVE_MODE), 0);
            // The address in the reply is not trusted (a server behind NAT sends its private
            // address, a hostile one could aim us elsewhere): the data connection goes to the
            // same peer as the control connection.
            then({}, *port);
        });
    }

    // The local address the system would use towards the server: a connected UDP socket tells
    // it without sending anything.
    std::optional<asio::ip::address> local_address() {
        boost::system::error_code ec;
        auto remote = asio::ip::make_address(control->peer_address(), ec);
        if (ec) return std::nullopt;
        asio::ip::udp::socket probe(strand);
        probe.open(remote.is_v4() ? asio::ip::udp::v4() : asio::ip::udp::v6(), ec);
        if (!ec) probe.connect({remote, control->peer_port()}, ec);
        if (ec) return std::nullopt;
        auto local = probe.local_endpoint(ec);
        if (ec) return std::nullopt;
        return local.address();
    }

    void open_active(Handler then) {
        state = State::wait_active;
        auto local = local_address();
        if (!local) return then(make_error(ERROR_INTERNET_CANNOT_CONNECT));
        boost::system::error_code ec;
        acceptor.emplace(strand);
        acceptor->open(local->is_v4() ? tcp::v4() : tcp::v6(), ec);
        if (!ec) acceptor->bind({*local, 0}, ec);
        if (!ec) acceptor->listen(1, ec);
        std::uint16_t port = ec ? 0 : acceptor->local_endpoint(ec).port();
        if (ec) {
            acceptor.reset();
            return then(make_error(ERROR_INTERNET_CANNOT_CONNECT));
        }
        std::string address = local->to_string();
        auto port_command = [self = shared_from_this(), local = *local, port, then](std::error_code ec,
                                                                                      Reply reply) mutable {
            if (ec) return then(ec);
            if (reply.completed()) return then({});
            if (!local.is_v4()) {
                self->acceptor.reset();
                return then(self->server_error(reply));
            }
            auto bytes = local.to_v4().to_bytes();
            std::string line = "PORT " + std::to_string(bytes[0]) + "," + std::to_string(bytes[1]) + "," +
                               std::to_string(bytes[2]) + "," + std::to_string(bytes[3]) + "," +
                               std::to_string(port / 256) + "," + std::to_string(port % 256);
            self->exchange(std::move(line), [self, then = std::move(then)](std::error_code ec, Reply reply) mutable {
                if (!ec && !reply.completed()) {
                    self->acceptor.reset();
                    ec = self->server_error(reply);
                }
                then(ec);
            });
        };
        if (eprt_refused) return port_command({}, Reply{500, {"500 EPRT not used"}});
        std::string eprt = "EPRT |" + std::string(local->is_v4() ? "1" : "2") + "|" + address + "|" +
                           std::to_string(port) + "|";
        exchange(std::move(eprt), [self = shared_from_this(), port_command](std::error_code ec, Reply reply) mutable {
            if (!ec && reply.permanent_failure()) self->eprt_refused = true;
            port_command(ec, std::move(reply));
        });
    }

    // Both halves of starting a transfer: the server's 1yz reply and a usable data connection
    // (accepted in active mode, TLS-handshaken with PROT P). They run side by side because
    // servers differ in which they finish first.
    struct DataStart {
        int pending = 2;
        std::error_code reply_error, data_error;
        Reply reply;
        Handler ready;
    };

    // `port`: the server's passive port (passive mode); active mode listens on `acceptor`.
    void start_transfer(std::string command, std::uint64_t offset, std::uint16_t port, Handler ready) {
        auto join = std::make_shared<DataStart>();
        join->ready = std::move(ready);
        if (acceptor) {
            state = State::wait_data_start;
            accept_data(join);
            return send_data_command(std::move(command), offset, join);
        }
        // The command only once the data connection stands: a server may wait long for a
        // connection that does not come before it answers the command.
        state = State::data_connect;
        connect_data(port, [self = shared_from_this(), command = std::move(command), offset,
                            join](std::error_code ec) mutable {
            if (ec) return join->ready(ec);
            self->state = State::wait_data_start;
            self->secure_data(join);
            self->send_data_command(std::move(command), offset, join);
        });
    }

    // The reply half: [REST offset,] the command, its first reply.
    void send_data_command(std::string command, std::uint64_t offset, const std::shared_ptr<DataStart>& join) {
        if (offset == 0) return send_data_command(std::move(command), join);
        exchange("REST " + std::to_string(offset),
                 [self = shared_from_this(), command = std::move(command), join](std::error_code ec,
                                                                                 Reply reply) mutable {
                     if (!ec && reply.code != 350) ec = self->server_error(reply);
                     if (ec) {
                         join->reply_error = ec;
                         self->abandon_data();
                         return self->data_start_part_done(join);
                     }
                     self->send_data_command(std::move(command), join);
                 });
    }

    void send_data_command(std::string command, const std::shared_ptr<DataStart>& join) {
        exchange(std::move(command),
                 [self = shared_from_this(), join](std::error_code ec, Reply reply) {
                     join->reply_error = ec;
                     join->reply = std::move(reply);
                     // Refused: the data half has nothing to wait for.
                     if (ec || (!join->reply.preliminary() && !join->reply.completed())) self->abandon_data();
                     self->data_start_part_done(join);
                 },
                 true);
    }

    // Stops the data half of a transfer that will not happen (its accept or handshake
    // completes at once).
    void abandon_data() {
        if (close_data_handshake) close_data_handshake();
        close_data();
    }

    void connect_data(std::uint16_t port, Handler connected) {
        net::ConnectRequest request;
        request.host = control->peer_address();
        request.port = port;
        request.timeout = options.connect_timeout;
        connector = net::Connector::start(
            strand, std::move(request), {},
            [self = shared_from_this(), connected = std::move(connected)](std::error_code ec,
                                                                          std::unique_ptr<net::Stream> stream) {
                self->connector.reset();
                if (self->cancelled) ec = self->cancelled_error();
                if (ec) {
                    if (stream) stream->close();
                    return connected(ec);
                }
                self->data = std::move(stream);
                connected({});
            });
    }

    void accept_data(const std::shared_ptr<DataStart>& join) {
        data_timed_out = false;
        arm(data_deadline, Expiry::data_acceptor, options.connect_timeout);
        acceptor->async_accept([self = shared_from_this(), join](boost::system::error_code ec, tcp::socket socket) {
            self->disarm_data_timer();
            self->acceptor.reset();
            if (!ec) {
                // Only the server we talk to may connect (no third party taking the transfer).
                boost::system::error_code ignored;
                auto remote = socket.remote_endpoint(ignored);
                if (ignored || remote.address().to_string() != self->control->peer_address()) {
                    socket.close(ignored);
                    join->data_error = make_error(ERROR_INTERNET_CANNOT_CONNECT);
                    return self->data_start_part_done(join);
                }
                self->data = net::detail::make_tcp_stream(std::move(socket), remote.address().to_string(),
                                                          remote.port());
                return self->secure_data(join);
            }
            join->data_error = self->data_failure(ec);
            if (!self->cancelled && !self->data_timed_out) join->data_error = make_error(ERROR_INTERNET_CANNOT_CONNECT);
            self->data_start_part_done(join);
        });
    }

    void secure_data(const std::shared_ptr<DataStart>& join) {
        if (!options.explicit_tls || !data) return data_start_part_done(join);
        close_data_handshake = start_tls(
            std::move(data), options.host, options.security_flags,
            [self = shared_from_this(), join](std::error_code ec, std::unique_ptr<net::Stream> stream) {
                self->close_data_handshake = nullptr;
                if (self->cancelled) ec = self->cancelled_error();
                if (ec) join->data_error = ec;
                else self->data = std::move(stream);
                self->data_start_part_done(join);
            });
    }

    void data_start_part_done(const std::shared_ptr<DataStart>& join) {
        if (--join->pending > 0) return;
        Handler ready = std::move(join->ready);
        if (join->reply_error) {
            close_data();
            data.reset();
            return ready(join->reply_error);
        }
        const Reply& reply = join->reply;
        if (!reply.preliminary() && !reply.completed()) {
            data.reset();
            return ready(server_error(reply));
        }
        if (reply.completed()) transfer_end_seen = true;   // finished before we looked
        {
            std::lock_guard lock(info_mutex);
            opening = reply;
        }
        if (join->data_error) {
            auto error = join->data_error;
            close_data();
            data.reset();
            if (transfer_end_seen) return ready(error);
            // Keep the control connection in step, whatever the server says about the failed transfer.
            return resync([ready = std::move(ready), error](std::error_code) { ready(error); });
        }
        state = State::transferring;
        ready({});
    }

    // The server's final reply to the transfer (after the data connection ended).
    void wait_transfer_end(Handler done) {
        if (transfer_end_seen || !control) {
            transfer = Transfer::none;
            state = State::idle;
            return done(control ? std::error_code{} : (fatal ? fatal : make_error(ERROR_FTP_DROPPED)));
        }
        state = State::wait_transfer_end;
        // The confirmation often arrived with (or just after) the end of the data: take it
        // without a wait when it is there.
        if (in_begin == in_end && !cancelled) {
            std::error_code ec;
            const std::size_t n = control->try_read_some(asio::buffer(in), ec);
            if (!ec) {
                in_begin = 0;
                in_end = n;
            }
        }
        await_reply([self = shared_from_this(), done = std::move(done)](std::error_code ec, Reply reply) {
            self->transfer = Transfer::none;
            self->transfer_end_seen = true;
            self->state = State::idle;
            if (!ec && !reply.completed()) ec = self->server_error(reply);
            done(ec);
        });
    }

    // After a transfer was cut short (data connection closed by us), servers differ in what
    // they still send: vsftpd answers 426 (or the 226 that was under way) and reads the next
    // command only then; pure-ftpd sends a stray "150 <statistics>" line and, while still in its
    // transfer loop, looks only for ABOR. So: ABOR, skip to the first 2yz (ABOR's, or a finished
    // transfer's), then PWD and skip to its 257 — a code no transfer or ABOR reply uses — which
    // proves the connection is back in step.
    void resync(Handler done, int replies_left = 8) {
        state = State::wait_transfer_end;
        exchange("ABOR", [self = shared_from_this(), done = std::move(done), replies_left](std::error_code ec,
                                                                                           Reply reply) mutable {
            if (ec) return done(ec);
            self->skip_to_completion(std::move(reply), std::move(done), replies_left);
        }, true);
    }

    void skip_to_completion(Reply reply, Handler done, int replies_left) {
        if (reply.completed()) {
            return exchange("PWD", [self = shared_from_this(), done = std::move(done), replies_left](
                                       std::error_code ec, Reply reply) mutable {
                if (ec) return done(ec);
                if (reply.code == 257) {
                    self->transfer = Transfer::none;
                    self->transfer_end_seen = true;
                    self->state = State::idle;
                    return done({});
                }
                self->resync_read(std::move(done), replies_left - 1);
            }, true);
        }
        if (replies_left <= 1) {
            fail_session(make_error(ERROR_FTP_DROPPED));
            return done(make_error(ERROR_INTERNET_EXTENDED_ERROR));
        }
        read_reply([self = shared_from_this(), done = std::move(done), replies_left](std::error_code ec,
                                                                                     Reply reply) mutable {
            if (ec) return done(ec);
            self->skip_to_completion(std::move(reply), std::move(done), replies_left - 1);
        });
    }

    void resync_read(Handler done, int replies_left) {
        read_reply([self = shared_from_this(), done = std::move(done), replies_left](std::error_code ec,
                                                                                     Reply reply) mutable {
            if (ec) return done(ec);
            if (reply.code == 257) {
                self->transfer = Transfer::none;
                self->transfer_end_seen = true;
                self->state = State::idle;
                return done({});
            }
            if (replies_left <= 1) {
                self->fail_session(make_error(ERROR_FTP_DROPPED));
                return done(make_error(ERROR_INTERNET_EXTENDED_ERROR));
            }
            self->resync_read(std::move(done), replies_left - 1);
        });
    }

    void arm_data_timer() {
        data_timed_out = false;
        arm(data_deadline, Expiry::data_stream, options.data_timeout);
    }

    // Reads from the data connection; at its end, the server's confirmation. n == 0: done.
    // What the socket already holds is taken at once, without a wait and a handler dispatch.
    void read_data(asio::mutable_buffer buffer, IoHandler handler) {
        if (!data) {
            return wait_transfer_end([handler = std::move(handler)](std::error_code ec) { handler(ec, 0); });
        }
        if (!cancelled) {
            std::error_code ec;
            const std::size_t n = data->try_read_some(buffer, ec);
            if (!net::is_would_block(ec)) return data_read(ec, n, std::move(handler));
        }
        arm_data_timer();
        data->async_read_some(buffer, [self = shared_from_this(), handler = std::move(handler)](
                                          std::error_code ec, std::size_t n) mutable {
            self->disarm_data_timer();
            self->data_read(ec, n, std::move(handler));
        });
    }

    void data_read(std::error_code ec, std::size_t n, IoHandler handler) {
        if (!ec && !data_timed_out && !cancelled) return handler({}, n);
        bool clean_end = net::is_end_of_stream(ec) && !data_timed_out && !cancelled;
        std::error_code failure = clean_end ? std::error_code{} : data_failure(ec);
        close_data();
        data.reset();
        if (cancelled) return handler(failure, 0);
        if (failure) return resync([handler = std::move(handler), failure](std::error_code) { handler(failure, 0); });
        wait_transfer_end([handler = std::move(handler)](std::error_code ec) { handler(ec, 0); });
    }

    // Fills the buffer from the data connection (one operation on the strand, no hop between
    // the pieces); at the end of the file, the server's confirmation. What the socket already
    // holds is taken at once; only then is there an asynchronous wait.
    void fill_data(char* out, std::size_t size, std::size_t filled, IoHandler handler, bool try_first = true) {
        if (!data) {
            return wait_transfer_end([handler = std::move(handler), filled](std::error_code ec) { handler(ec, filled); });
        }
        while (try_first && !cancelled) {
            std::error_code ec;
            const std::size_t n = data->try_read_some(asio::buffer(out + filled, size - filled), ec);
            if (net::is_would_block(ec)) break;
            if (ec) return filled_data(ec, filled, std::move(handler));
            filled += n;
            if (filled == size) return handler({}, filled);
        }
        arm_data_timer();
        data->async_read_some(asio::buffer(out + filled, size - filled),
                              [self = shared_from_this(), out, size, filled,
                               handler = std::move(handler)](std::error_code ec, std::size_t n) mutable {
            self->disarm_data_timer();
            if (!ec && !self->data_timed_out && !self->cancelled) {
                filled += n;
                if (filled == size) return handler({}, filled);
                // Straight to the next wait: the read just drained what was there.
                return self->fill_data(out, size, filled, std::move(handler), false);
            }
            self->filled_data(ec, filled, std::move(handler));
        });
    }

    // The data connection ended (eof) or failed while filling.
    void filled_data(std::error_code ec, std::size_t filled, IoHandler handler) {
        bool clean_end = net::is_end_of_stream(ec) && !data_timed_out && !cancelled;
        std::error_code failure = clean_end ? std::error_code{} : data_failure(ec);
        close_data();
        data.reset();
        if (cancelled) return handler(failure, filled);
        if (failure) {
            return resync([handler = std::move(handler), failure, filled](std::error_code) {
                handler(failure, filled);
            });
        }
        wait_transfer_end([handler = std::move(handler), filled](std::error_code ec) { handler(ec, filled); });
    }

    void write_data(asio::const_buffer buffer, IoHandler handler) {
        if (!data) return handler(make_error(ERROR_INTERNET_CONNECTION_ABORTED), 0);
        arm_data_timer();
        data->async_write_all({buffer}, [self = shared_from_this(), handler = std::move(handler)](
                                            std::error_code ec, std::size_t n) mutable {
            self->disarm_data_timer();
            if (!ec && !self->data_timed_out && !self->cancelled) return handler({}, n);
            std::error_code failure = self->data_failure(ec);
            self->close_data();
            self->data.reset();
            if (self->cancelled) return handler(failure, 0);
            self->resync([handler = std::move(handler), failure](std::error_code) { handler(failure, 0); });
        });
    }

    void end_upload(Handler done) {
        if (!data) return wait_transfer_end(std::move(done));
        // With TLS the server must see close_notify, or it takes the upload for truncated.
        data_timed_out = false;
        arm(data_deadline, Expiry::upload_shutdown,
            std::min<std::chrono::milliseconds>(options.data_timeout, std::chrono::seconds(10)));
        shutdown_tls(*data, [self = shared_from_this(), done = std::move(done)](std::error_code) mutable {
            self->disarm_data_timer();
            self->close_data();
            self->data.reset();
            if (self->cancelled) return done(self->cancelled_error());
            self->wait_transfer_end(std::move(done));
        });
    }

    // RETR with SIZE asked first when the server has it: FtpGetFileSize must answer while the
    // transfer is open, when the control connection takes no command. SIZE (in binary mode: it
    // counts the bytes as sent) and the commands up to the passive request go out in one
    // write, so SIZE costs no round trip of its own; the replies are read in order as if each
    // command had been sent alone. A refused SIZE only leaves the size unknown.
    void open_download(std::string path, TransferType type, std::uint64_t offset, Session::OpenedHandler done) {
        if (!feats.size) {
            return ensure_type(type, [self = shared_from_this(), path = std::move(path), offset,
                                      done = std::move(done)](std::error_code ec) mutable {
                if (ec) return done(ec, std::nullopt);
                self->retrieve(std::move(path), offset, std::nullopt, std::move(done), true);
            });
        }
        std::vector<std::string> ahead;
        if (current_type != TransferType::binary) ahead.push_back("TYPE I");
        ahead.push_back("SIZE " + path);
        if (type != TransferType::binary) ahead.push_back("TYPE A");
        if (options.passive) ahead.push_back(epsv_refused ? "PASV" : "EPSV");
        auto ask_size = [self = shared_from_this(), path = std::move(path), type, offset,
                         done = std::move(done)](std::error_code ec) mutable {
            if (ec) return done(ec, std::nullopt);
            self->ensure_type(TransferType::binary, [self, path = std::move(path), type, offset,
                                                     done = std::move(done)](std::error_code ec) mutable {
                if (self->fatal) return done(self->fatal, std::nullopt);
                if (ec) return self->sized(std::move(path), type, offset, std::nullopt, std::move(done));
                std::string line = "SIZE " + path;
                self->simple(State::wait_command, std::move(line),
                             [self, path = std::move(path), type, offset, done = std::move(done)](
                                 std::error_code ec, Reply reply) mutable {
                                 if (self->fatal) return done(self->fatal, std::nullopt);
                                 std::optional<std::uint64_t> size;
                                 if (!ec) size = parse_size(reply);
                                 self->sized(std::move(path), type, offset, size, std::move(done));
                             });
            });
        };
        if (ahead.size() < 2) return ask_size({});
        send_ahead(std::move(ahead), std::move(ask_size));
    }

    void sized(std::string path, TransferType type, std::uint64_t offset, std::optional<std::uint64_t> size,
               Session::OpenedHandler done) {
        ensure_type(type, [self = shared_from_this(), path = std::move(path), offset, size,
                           done = std::move(done)](std::error_code ec) mutable {
            if (ec) return done(ec, std::nullopt);
            // A file SIZE says is larger than the prefetch gains nothing from it (one hand-off
            // among many reads) and keeps the session's memory as it was.
            const bool prefetch = !size || *size - std::min(*size, offset) <= kPrefetchSize;
            self->retrieve(std::move(path), offset, size, std::move(done), prefetch);
        });
    }

    void retrieve(std::string path, std::uint64_t offset, std::optional<std::uint64_t> size,
                  Session::OpenedHandler done, bool prefetch_after = false) {
        open_data("RETR " + path, offset, [self = shared_from_this(), size, done = std::move(done),
                                           prefetch_after](std::error_code ec) mutable {
            if (!ec) self->transfer = Transfer::download;
            if (ec || !prefetch_after || !self->begin_prefetch()) return done(ec, size);
            // The open completes when the prefetch stops or after a short grace, so a small
            // file costs the caller one wake-up instead of two (open, then read).
            self->opened_waiting = [done = std::move(done), size]() mutable { done({}, size); };
            self->arm(self->open_deadline, Expiry::open_grace, kOpenGrace);
            self->prefetch_read(true);
        });
    }

    // ---- prefetch ----------------------------------------------------------------------

    void reset_prefetch() {
        std::lock_guard lock(prefetch.mutex);
        prefetch.begin = prefetch.end = 0;
        prefetch.outcome = Prefetch::Outcome::open;
        prefetch.error.clear();
        prefetch.interrupted = false;
    }

    // Marks the prefetch running before the opener's handler runs; false when there is
    // nothing to prefetch from.
    bool begin_prefetch() {
        if (!data || cancelled) return false;
        std::lock_guard lock(prefetch.mutex);
        if (prefetch.interrupted) return false;
        if (prefetch.buffer.empty()) prefetch.buffer.resize(kPrefetchSize);
        prefetch.running = true;
        prefetching = true;
        return true;
    }

    // Any thread: queues `start` behind a running prefetch (true), or says it is not running.
    bool wait_for_prefetch(std::function<void()>& start) {
        std::lock_guard lock(prefetch.mutex);
        if (!prefetch.running) return false;
        prefetch.waiting.push_back(std::move(start));
        return true;
    }

    // Reads what the data connection has into the prefetch buffer, waiting for it; stops when
    // the buffer is full, an operation wants the transfer (it is then handed over between two
    // reads, with the data connection as it is), or the data ended (then it also takes the
    // server's final reply, or puts the control connection back in step after a failure, as
    // a read would).
    void prefetch_read(bool try_first) {
        if (cancelled) return stop_prefetch(Prefetch::Outcome::failed, cancelled_error());
        if (!data) return prefetch_data_end({}, true);
        char* space;
        std::size_t room;
        {
            std::unique_lock lock(prefetch.mutex);
            if (!prefetch.waiting.empty() || prefetch.end == prefetch.buffer.size())
                return stop_prefetch_locked(lock, Prefetch::Outcome::open, {});
            space = prefetch.buffer.data() + prefetch.end;
            room = prefetch.buffer.size() - prefetch.end;
        }
        if (try_first) {
            std::error_code ec;
            const std::size_t n = data->try_read_some(asio::buffer(space, room), ec);
            if (!net::is_would_block(ec)) {
                if (ec) return prefetch_data_end(ec, false);
                prefetched(n);
                return prefetch_read(true);
            }
        }
        arm_data_timer();
        data->async_read_some(asio::buffer(space, room), [self = shared_from_this()](std::error_code ec,
                                                                                     std::size_t n) {
            self->disarm_data_timer();
            if (ec || self->data_timed_out || self->cancelled) return self->prefetch_data_end(ec, false);
            self->prefetched(n);
            // Once more without a wait: the end of the data often came with the last bytes.
            self->prefetch_read(true);
        });
    }

    void prefetched(std::size_t n) {
        std::lock_guard lock(prefetch.mutex);
        prefetch.end += n;
    }

    // The data connection ended (eof, `no_data`: it was gone already) or failed.
    void prefetch_data_end(std::error_code ec, bool no_data) {
        const bool clean_end = (no_data || net::is_end_of_stream(ec)) && !data_timed_out && !cancelled;
        std::error_code failure = clean_end ? std::error_code{} : data_failure(ec);
        close_data();
        data.reset();
        if (cancelled) return stop_prefetch(Prefetch::Outcome::failed, failure);
        auto self = shared_from_this();
        if (failure) {
            return resync([self, failure](std::error_code) { self->stop_prefetch(Prefetch::Outcome::failed, failure); });
        }
        wait_transfer_end([self](std::error_code ec) {
            self->stop_prefetch(ec ? Prefetch::Outcome::failed : Prefetch::Outcome::ended, ec);
        });
    }

    void stop_prefetch(Prefetch::Outcome outcome, std::error_code ec) {
        std::unique_lock lock(prefetch.mutex);
        stop_prefetch_locked(lock, outcome, ec);
    }

    // Records how it ended and starts what waited for it, in order, on the strand.
    void stop_prefetch_locked(std::unique_lock<std::mutex>& lock, Prefetch::Outcome outcome, std::error_code ec) {
        prefetch.running = false;
        prefetch.outcome = outcome;
        prefetch.error = ec;
        std::vector<std::function<void()>> waiting;
        waiting.swap(prefetch.waiting);
        lock.unlock();
        prefetching = false;
        release_open();
        for (auto& start : waiting) start();
    }

    // Completes the download's open if it still waits. Its outcome is the open's (the server
    // accepted the RETR); what became of the data, reads report.
    void release_open() {
        if (!opened_waiting) return;
        disarm(open_deadline);
        auto opened = std::move(opened_waiting);
        opened_waiting = nullptr;
        opened();
    }

    // Copies prefetched bytes out (any thread). The outcome is reported once the bytes are
    // gone and the prefetch stopped.
    Session::Prefetched take_prefetched(char* out, std::size_t size) {
        Session::Prefetched result;
        std::lock_guard lock(prefetch.mutex);
        if (prefetch.interrupted) return result;
        result.bytes = std::min(size, prefetch.end - prefetch.begin);
        if (result.bytes > 0) std::memcpy(out, prefetch.buffer.data() + prefetch.begin, result.bytes);
        prefetch.begin += result.bytes;
        if (prefetch.running || prefetch.begin < prefetch.end) return result;
        switch (prefetch.outcome) {
        case Prefetch::Outcome::open: break;
        case Prefetch::Outcome::ended: result.then = Session::Prefetched::Then::end_of_file; break;
        case Prefetch::Outcome::failed:
            result.then = Session::Prefetched::Then::failed;
            result.error = prefetch.error;
            break;
        }
        return result;
    }

    bool transfer_interrupted() {
        std::lock_guard lock(prefetch.mutex);
        return prefetch.interrupted;
    }

    // The completion of a read on the strand: as finishing(), except that with `lend` a read
    // that brought `enough` bytes lends the data connection to the caller's thread, and the
    // session stays busy (lend_data).
    IoHandler completing_read(IoHandler handler, bool lend, std::size_t enough) {
        if (!lend) return finishing(shared_from_this(), std::move(handler));
        return [self = shared_from_this(), enough, handler = std::move(handler)](std::error_code ec, std::size_t n) {
            if (ec || n < enough || !self->lend_data()) self->busy = false;
            handler(ec, n);
        };
    }

    // read(): prefetched bytes first; then the data connection.
    void start_read(asio::mutable_buffer buffer, IoHandler handler, bool lend) {
        std::function<void()> start = [self = shared_from_this(), buffer, handler, lend]() mutable {
            self->start_read(buffer, std::move(handler), lend);
        };
        if (wait_for_prefetch(start)) return;
        // An interrupted read completed already; its buffer may be gone.
        if (transfer_interrupted()) return handler(make_error(ERROR_INTERNET_OPERATION_CANCELLED), 0);
        if (!take_back_data(start)) return;
        if (buffer.size() > 0) {
            auto served = take_prefetched(static_cast<char*>(buffer.data()), buffer.size());
            if (served.bytes > 0) return handler({}, served.bytes);
            if (served.then == Session::Prefetched::Then::end_of_file) return handler({}, 0);
            if (served.then == Session::Prefetched::Then::failed) return handler(served.error, 0);
        }
        if (auto ec = admit(true)) return handler(ec, 0);
        if (transfer != Transfer::download) return handler(make_error(ERROR_INTERNET_INCORRECT_HANDLE_STATE), 0);
        busy = true;
        read_data(buffer, completing_read(std::move(handler), lend, 1));
    }

    // read_fill(): prefetched bytes first; then the data connection fills the rest.
    void start_read_fill(asio::mutable_buffer buffer, IoHandler handler, bool lend) {
        std::function<void()> start = [self = shared_from_this(), buffer, handler, lend]() mutable {
            self->start_read_fill(buffer, std::move(handler), lend);
        };
        if (wait_for_prefetch(start)) return;
        if (transfer_interrupted()) return handler(make_error(ERROR_INTERNET_OPERATION_CANCELLED), 0);
        if (!take_back_data(start)) return;
        if (buffer.size() == 0) return handler({}, 0);
        char* out = static_cast<char*>(buffer.data());
        auto served = take_prefetched(out, buffer.size());
        if (served.bytes == buffer.size() || served.then == Session::Prefetched::Then::end_of_file)
            return handler({}, served.bytes);
        if (served.then == Session::Prefetched::Then::failed) return handler(served.error, served.bytes);
        if (auto ec = admit(true)) return handler(ec, served.bytes);
        if (transfer != Transfer::download)
            return handler(make_error(ERROR_INTERNET_INCORRECT_HANDLE_STATE), served.bytes);
        busy = true;
        fill_data(out, buffer.size(), served.bytes, completing_read(std::move(handler), lend, buffer.size()));
    }

    void start_abort(Handler handler) {
        std::function<void()> start = [self = shared_from_this(), handler]() mutable {
            self->start_abort(std::move(handler));
        };
        if (wait_for_prefetch(start)) {
            // Ends a prefetch waiting for data at once; it then winds the transfer down itself.
            close_data();
            return;
        }
        if (!take_back_data(start)) return;
        if (fatal) return handler(fatal);
        if (busy) return handler(make_error(ERROR_FTP_TRANSFER_IN_PROGRESS));
        if (transfer == Transfer::none) return handler({});
        busy = true;
        close_data();
        data.reset();
        resync(finishing(shared_from_this(), std::move(handler)));
    }

    // Collects a whole listing.
    void read_listing(std::shared_ptr<ListingParser> parser, std::shared_ptr<std::vector<ListEntry>> entries,
                      std::shared_ptr<std::array<char, 16384>> buffer, ListHandler done) {
        read_data(asio::buffer(*buffer), [self = shared_from_this(), parser, entries, buffer,
                                          done = std::move(done)](std::error_code ec, std::size_t n) mutable {
            if (ec) return done(ec, {});
            if (n == 0) {
                parser->finish(*entries);
                return done({}, std::move(*entries));
            }
            parser->feed(std::string_view(buffer->data(), n), *entries);
            self->read_listing(parser, entries, buffer, std::move(done));
        });
    }
};

// ---- the public face: every call hops onto the strand -----------------------------------

Session::Session(asio::any_io_executor executor) : impl_(std::make_shared<Impl>(std::move(executor))) {}

std::shared_ptr<Session> Session::create(asio::any_io_executor executor) {
    return std::shared_ptr<Session>(new Session(std::move(executor)));
}

Session::~Session() {
    // The owner is gone: nobody will continue the conversation, so close everything now.
    cancel();
}

void Session::set_observer(Observer observer) {
    asio::post(impl_->strand, [impl = impl_, observer = std::move(observer)]() mutable {
        impl->observer = std::move(observer);
    });
}

void Session::connect(SessionOptions options, net::StatusFn status, Handler handler) {
    {
        std::lock_guard lock(impl_->lent.mutex);
        impl_->lent.timeout = options.data_timeout;
    }
    asio::post(impl_->strand, [impl = impl_, options = std::move(options), status = std::move(status),
                               handler = std::move(handler)]() mutable {
        if (impl->cancelled) return handler(impl->cancelled_error());
        if (impl->busy || impl->state != State::idle || impl->control || impl->fatal)
            return handler(impl->fatal ? impl->fatal : make_error(ERROR_FTP_TRANSFER_IN_PROGRESS));
        impl->busy = true;
        impl->options = std::move(options);
        impl->start_connect(std::move(status), finishing(impl, std::move(handler)));
    });
}

void Session::print_working_directory(TextHandler handler) {
    asio::post(impl_->strand, [impl = impl_, handler = std::move(handler)]() mutable {
        if (auto ec = impl->admit(false)) return handler(ec, {});
        impl->busy = true;
        impl->simple(State::wait_command, "PWD",
                     [impl, handler = finishing(impl, std::move(handler))](std::error_code ec, Reply reply) mutable {
                         if (ec) return handler(ec, std::string{});
                         auto path = parse_pwd(reply);
                         if (!path) return handler(make_error(ERROR_INTERNET_EXTENDED_ERROR), std::string{});
                         handler({}, std::move(*path));
                     });
    });
}

namespace {
void plain_command(const std::shared_ptr<Session::Impl>& impl, std::string line, Session::Handler handler) {
    asio::post(impl->strand, [impl, line = std::move(line), handler = std::move(handler)]() mutable {
        if (auto ec = impl->admit(false)) return handler(ec);
        impl->busy = true;
        impl->simple(State::wait_command, std::move(line),
                     [handler = finishing(impl, std::move(handler))](std::error_code ec, Reply) mutable {
                         handler(ec);
                     });
    });
}
}  // namespace

void Session::change_directory(std::string path, Handler handler) {
    plain_command(impl_, "CWD " + path, std::move(handler));
}
void Session::make_directory(std::string path, Handler handler) {
    plain_command(impl_, "MKD " + path, std::move(handler));
}
void Session::remove_directory(std::string path, Handler handler) {
    plain_command(impl_, "RMD " + path, std::move(handler));
}
void Session::delete_file(std::string path, Handler handler) {
    plain_command(impl_, "DELE " + path, std::move(handler));
}

void Session::rename(std::string from, std::string to, Handler handler) {
    asio::post(impl_->strand, [impl = impl_, from = std::move(from), to = std::move(to),
                               handler = std::move(handler)]() mutable {
        if (auto ec = impl->admit(false)) return handler(ec);
        impl->busy = true;
        auto done = finishing(impl, std::move(handler));
        impl->state = State::wait_command;
        impl->exchange("RNFR " + from, [impl, to = std::move(to), done = std::move(done)](std::error_code ec,
                                                                                          Reply reply) mutable {
            if (!ec && reply.code != 350) ec = impl->server_error(reply);
            if (ec) {
                impl->state = State::idle;
                return done(ec);
            }
            impl->simple(State::wait_command, "RNTO " + to,
                         [done = std::move(done)](std::error_code ec, Reply) mutable { done(ec); });
        });
    });
}

void Session::file_size(std::string path, SizeHandler handler) {
    asio::post(impl_->strand, [impl = impl_, path = std::move(path), handler = std::move(handler)]() mutable {
        if (auto ec = impl->admit(false)) return handler(ec, 0);
        impl->busy = true;
        auto done = finishing(impl, std::move(handler));
        // SIZE counts bytes as they would be sent, so it is asked in binary mode.
        impl->ensure_type(TransferType::binary, [impl, path = std::move(path), done = std::move(done)](
                                                    std::error_code ec) mutable {
            if (ec) return done(ec, std::uint64_t{0});
            impl->simple(State::wait_command, "SIZE " + path,
                         [impl, done = std::move(done)](std::error_code ec, Reply reply) mutable {
                             if (ec) return done(ec, std::uint64_t{0});
                             auto size = parse_size(reply);
                             if (!size) return done(make_error(ERROR_INTERNET_EXTENDED_ERROR), std::uint64_t{0});
                             done({}, *size);
                         });
        });
    });
}

void Session::modification_time(std::string path, TimeHandler handler) {
    asio::post(impl_->strand, [impl = impl_, path = std::move(path), handler = std::move(handler)]() mutable {
        if (auto ec = impl->admit(false)) return handler(ec, FileTime{});
        impl->busy = true;
        impl->simple(State::wait_command, "MDTM " + path,
                     [handler = finishing(impl, std::move(handler))](std::error_code ec, Reply reply) mutable {
                         if (ec) return handler(ec, FileTime{});
                         // Same YYYYMMDDHHMMSS[.sss] form as MLSD's modify fact.
                         std::string value(reply.first_line_message());
                         auto entry = parse_mlsd_line("modify=" + value + "; x");
                         if (reply.code != 213 || !entry || !entry->modified)
                             return handler(make_error(ERROR_INTERNET_EXTENDED_ERROR), FileTime{});
                         handler({}, *entry->modified);
                     });
    });
}

void Session::raw_command(std::string line, ReplyHandler handler) {
    asio::post(impl_->strand, [impl = impl_, line = std::move(line), handler = std::move(handler)]() mutable {
        if (auto ec = impl->admit(false)) return handler(ec, {});
        impl->busy = true;
        impl->state = State::wait_command;
        impl->exchange(std::move(line), [impl, handler = finishing(impl, std::move(handler))](
                                            std::error_code ec, Reply reply) mutable {
            impl->state = State::idle;
            handler(ec, std::move(reply));
        });
    });
}

void Session::list(std::string path, FileTime now, ListHandler handler) {
    asio::post(impl_->strand, [impl = impl_, path = std::move(path), now, handler = std::move(handler)]() mutable {
        if (auto ec = impl->admit(false)) return handler(ec, {});
        impl->busy = true;
        auto done = finishing(impl, std::move(handler));
        bool mlsd = impl->feats.mlsd && !has_wildcard(path);
        std::string command = mlsd ? "MLSD" : "LIST";
        if (!path.empty()) command += " " + path;
        impl->ensure_type(TransferType::ascii, [impl, command = std::move(command), mlsd, now,
                                                done = std::move(done)](std::error_code ec) mutable {
            if (ec) return done(ec, std::vector<ListEntry>{});
            impl->open_data(std::move(command), 0, [impl, mlsd, now, done = std::move(done)](std::error_code ec) mutable {
                if (ec) return done(ec, std::vector<ListEntry>{});
                impl->transfer = Transfer::listing;
                auto parser = std::make_shared<ListingParser>(
                    mlsd ? ListingParser::Format::mlsd : ListingParser::Format::list, now);
                impl->read_listing(parser, std::make_shared<std::vector<ListEntry>>(),
                                   std::make_shared<std::array<char, 16384>>(), std::move(done));
            });
        });
    });
}

void Session::open_download(std::string path, TransferType type, std::uint64_t offset, Handler handler) {
    asio::post(impl_->strand, [impl = impl_, path = std::move(path), type, offset,
                               handler = std::move(handler)]() mutable {
        if (auto ec = impl->admit(false)) return handler(ec);
        impl->busy = true;
        auto done = finishing(impl, std::move(handler));
        impl->ensure_type(type, [impl, path = std::move(path), offset, done = std::move(done)](std::error_code ec) mutable {
            if (ec) return done(ec);
            impl->retrieve(std::move(path), offset, std::nullopt,
                           [done = std::move(done)](std::error_code ec, std::optional<std::uint64_t>) mutable {
                               done(ec);
                           });
        });
    });
}

void Session::open_sized_download(std::string path, TransferType type, std::uint64_t offset,
                                  OpenedHandler handler) {
    asio::post(impl_->strand, [impl = impl_, path = std::move(path), type, offset,
                               handler = std::move(handler)]() mutable {
        if (auto ec = impl->admit(false)) return handler(ec, std::nullopt);
        impl->busy = true;
        impl->open_download(std::move(path), type, offset, finishing(impl, std::move(handler)));
    });
}

// A read that arrives while the prefetch runs is queued behind it straight from the calling
// thread (no post): the prefetch starts it on the strand when it stops.
void Session::read(asio::mutable_buffer buffer, IoHandler handler, bool lend_to_caller) {
    std::function<void()> start = [impl = impl_, buffer, handler = std::move(handler), lend_to_caller]() mutable {
        impl->start_read(buffer, std::move(handler), lend_to_caller);
    };
    if (impl_->wait_for_prefetch(start)) return;
    asio::post(impl_->strand, std::move(start));
}

void Session::read_fill(asio::mutable_buffer buffer, IoHandler handler, bool lend_to_caller) {
    std::function<void()> start = [impl = impl_, buffer, handler = std::move(handler), lend_to_caller]() mutable {
        impl->start_read_fill(buffer, std::move(handler), lend_to_caller);
    };
    if (impl_->wait_for_prefetch(start)) return;
    asio::post(impl_->strand, std::move(start));
}

bool Session::read_fill_here(asio::mutable_buffer buffer, IoHandler handler) {
    auto result = impl_->read_here(static_cast<char*>(buffer.data()), buffer.size(), true, handler);
    if (!result.lent) return false;
    if (result.error) handler(result.error, 0);
    else if (!result.handed_back) handler({}, result.bytes);
    return true;
}

Session::ReadHere Session::read_here(asio::mutable_buffer buffer, IoHandler on_hand_back) {
    return impl_->read_here(static_cast<char*>(buffer.data()), buffer.size(), false, std::move(on_hand_back));
}

Session::Prefetched Session::take_prefetched(asio::mutable_buffer buffer) {
    return impl_->take_prefetched(static_cast<char*>(buffer.data()), buffer.size());
}

void Session::open_data_command(std::string command, TransferType type, Handler handler) {
    asio::post(impl_->strand, [impl = impl_, command = std::move(command), type,
                               handler = std::move(handler)]() mutable {
        if (auto ec = impl->admit(false)) return handler(ec);
        impl->busy = true;
        auto done = finishing(impl, std::move(handler));
        impl->ensure_type(type, [impl, command = std::move(command), done = std::move(done)](std::error_code ec) mutable {
            if (ec) return done(ec);
            impl->open_data(std::move(command), 0, [impl, done = std::move(done)](std::error_code ec) mutable {
                if (!ec) impl->transfer = Transfer::download;
                done(ec);
            });
        });
    });
}

void Session::open_upload(std::string path, TransferType type, Handler handler) {
    asio::post(impl_->strand, [impl = impl_, path = std::move(path), type, handler = std::move(handler)]() mutable {
        if (auto ec = impl->admit(false)) return handler(ec);
        impl->busy = true;
        auto done = finishing(impl, std::move(handler));
        impl->ensure_type(type, [impl, path = std::move(path), done = std::move(done)](std::error_code ec) mutable {
            if (ec) return done(ec);
            impl->open_data("STOR " + path, 0, [impl, done = std::move(done)](std::error_code ec) mutable {
                if (!ec) impl->transfer = Transfer::upload;
                done(ec);
            });
        });
    });
}

void Session::write(asio::const_buffer buffer, IoHandler handler) {
    asio::post(impl_->strand, [impl = impl_, buffer, handler = std::move(handler)]() mutable {
        if (auto ec = impl->admit(true)) return handler(ec, 0);
        if (impl->transfer != Transfer::upload) return handler(make_error(ERROR_INTERNET_INCORRECT_HANDLE_STATE), 0);
        impl->busy = true;
        impl->write_data(buffer, finishing(impl, std::move(handler)));
    });
}

void Session::finish_upload(Handler handler) {
    asio::post(impl_->strand, [impl = impl_, handler = std::move(handler)]() mutable {
        if (auto ec = impl->admit(true)) return handler(ec);
        if (impl->transfer != Transfer::upload) return handler(make_error(ERROR_INTERNET_INCORRECT_HANDLE_STATE));
        impl->busy = true;
        impl->end_upload(finishing(impl, std::move(handler)));
    });
}

void Session::abort_transfer(Handler handler) {
    asio::post(impl_->strand, [impl = impl_, handler = std::move(handler)]() mutable {
        impl->start_abort(std::move(handler));
    });
}

void Session::interrupt_transfer(std::function<void()> closed) {
    asio::post(impl_->strand, [impl = impl_, closed = std::move(closed)] {
        {
            std::lock_guard lock(impl->prefetch.mutex);
            impl->prefetch.interrupted = true;
        }
        if (impl->transfer != Transfer::none) impl->close_data();
        if (closed) closed();
    });
}

bool Session::transfer_open() const noexcept {
    // Read without the strand: a snapshot for assertions and the handle layer's checks. A
    // prefetch that confirmed the file already ended the transfer.
    return impl_->transfer != Transfer::none;
}

void Session::quit(Handler handler) {
    asio::post(impl_->strand, [impl = impl_, handler = std::move(handler)]() mutable {
        if (auto ec = impl->admit(false)) return handler(ec);
        impl->busy = true;
        impl->exchange("QUIT", [impl, handler = finishing(impl, std::move(handler))](std::error_code ec,
                                                                                     Reply) mutable {
            impl->fail_session(make_error(ERROR_FTP_DROPPED));
            handler(ec);
        });
    });
}

void Session::set_timeouts(std::chrono::milliseconds connect, std::chrono::milliseconds reply,
                           std::chrono::milliseconds data) {
    {
        // Set at once, not on the strand: the caller's next read on its own thread may start
        // before the strand gets to the update.
        std::lock_guard lock(impl_->lent.mutex);
        impl_->lent.timeout = data;
    }
    asio::post(impl_->strand, [impl = impl_, connect, reply, data] {
        impl->options.connect_timeout = connect;
        impl->options.reply_timeout = reply;
        impl->options.data_timeout = data;
        // A wait already running (e.g. the prefetch's read after an open) counts anew with the
        // new limit: for the caller, the next read starts after the change.
        if (impl->reply_deadline.when && impl->reply_deadline.expiry == Impl::Expiry::control)
            impl->arm(impl->reply_deadline, Impl::Expiry::control, reply);
        if (impl->data_deadline.when && impl->data_deadline.expiry == Impl::Expiry::data_stream)
            impl->arm(impl->data_deadline, Impl::Expiry::data_stream, data);
    });
}

void Session::cancel() {
    if (impl_->cancelled.exchange(true)) return;
    asio::post(impl_->strand, [impl = impl_] { impl->fail_session(impl->cancelled_error()); });
}

Reply Session::last_reply() const {
    std::lock_guard lock(impl_->info_mutex);
    return impl_->last;
}

Reply Session::opening_reply() const {
    std::lock_guard lock(impl_->info_mutex);
    return impl_->opening;
}

Features Session::features() const {
    std::lock_guard lock(impl_->info_mutex);
    return impl_->feats;
}

std::string Session::peer_address() const {
    std::lock_guard lock(impl_->info_mutex);
    return impl_->peer;
}

}  // namespace openinet::ftp
