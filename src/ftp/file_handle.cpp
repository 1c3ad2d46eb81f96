#include "ftp/file_handle.hpp"

#include "core/engine.hpp"
#include "core/error.hpp"


#include <cstring>
#include <future>

namespace openinet::ftp {

namespace {

// Reads of at least this size go straight from the data connection into the caller's buffer.
// Smaller ones (WinInet samples read 1-4 KiB at a time) are served from a read-ahead buffer of
// that size, so one trip to the engine thread serves many calls instead of one each.
// InternetQueryDataAvailable and IRF_NO_WAIT use the same buffer. Allocated once per handle,
// only when used.
constexpr std::size_t kLookaheadSize = 256 * 1024;

// "150 Opening BINARY mode data connection for f (1234 bytes)." → 1234 (vsftpd, proftpd,
// IIS say so); used when SIZE gave nothing.
std::optional<std::uint64_t> size_from_opening_reply(const Reply& reply) {
    if (!reply.preliminary() || reply.lines.empty()) return std::nullopt;
    std::string_view text = reply.lines.front();
    auto bytes = text.rfind(" bytes)");
    if (bytes == std::string_view::npos) return std::nullopt;
    auto open = text.rfind('(', bytes);
    if (open == std::string_view::npos || open + 1 >= bytes) return std::nullopt;
    std::uint64_t value = 0;
    for (std::size_t i = open + 1; i < bytes; ++i) {
        if (text[i] < '0' || text[i] > '9' || i - open > 19) return std::nullopt;
        value = value * 10 + static_cast<unsigned>(text[i] - '0');
    }
    return value;
}

}  // namespace

FileHandle::FileHandle(const ConnectionHandle::Ptr& connection, Mode mode, std::string path, TransferType type,
                       DWORD_PTR context)
    : ChildHandle(INTERNET_HANDLE_TYPE_FTP_FILE, connection, context),
      mode_(mode),
      path_(std::move(path)),
      type_(type) {}

core::CallResult FileHandle::open(std::uint64_t offset, DWORD_PTR success_result, bool login_first) {
    {
        std::lock_guard lock(state_mutex_);
        start_offset_ = offset;
    }
    auto me = self();
    auto result = run(context(), [me, offset, success_result, login_first](core::Done done) {
        if (!login_first) {
            return me->connection()->when_idle([me, offset, success_result, done]() {
                me->start_open(offset, success_result, done);
            });
        }
        me->connection()->start_login([me, offset, success_result, done](std::error_code ec) {
            if (ec) return done(0, ec);
            me->start_open(offset, success_result, done);
        });
    });
    if (!is_pending(result.error)) publish_open_response(result.error);
    return result;
}

void FileHandle::publish_open_response(const std::error_code& ec) const {
    // A download's prefetch may have read the final reply already: the open's answer is the
    // reply that accepted it, as when the open is all that happened.
    if (!ec && mode_ == Mode::download) return connection()->publish_reply(ec, connection()->session()->opening_reply());
    connection()->publish_response(ec);
}

void FileHandle::start_open(std::uint64_t offset, DWORD_PTR success_result, core::Done done) {
    auto me = self();
    const auto& session = connection()->session();
    auto opened = [me, success_result, done](std::error_code ec) {
        me->publish_open_response(ec);
        if (!ec && me->mode_ != Mode::upload) {
            auto reply = me->connection()->session()->opening_reply();
            std::lock_guard lock(me->state_mutex_);
            if (!me->size_) me->size_ = size_from_opening_reply(reply);
        }
        done(ec ? 0 : success_result, ec);
    };
    switch (mode_) {
    case Mode::download:
        return session->open_sized_download(path_, type_, offset, [me, opened](std::error_code ec,
                                                                           std::optional<std::uint64_t> size) {
            if (size) {
                std::lock_guard lock(me->state_mutex_);
                me->size_ = size;
            }
            opened(ec);
        });
    case Mode::upload: return session->open_upload(path_, type_, opened);
    case Mode::command: return session->open_data_command(path_, type_, opened);
    }
}

std::error_code FileHandle::file_size(std::uint64_t& size) const {
    std::lock_guard lock(state_mutex_);
    if (mode_ == Mode::upload) {
        size = delivered_;
        return {};
    }
    if (!size_) return make_error(ERROR_INTERNET_EXTENDED_ERROR);
    size = *size_;
    return {};
}

std::error_code FileHandle::take_deferred_error() {
    std::error_code ec;
    {
        std::lock_guard lock(state_mutex_);
        std::swap(ec, deferred_error_);
    }
    // The reply that ended the transfer, not the one that opened it (published outside the
    // lock: it asks the session for its last reply).
    if (ec) connection()->publish_response(ec);
    return ec;
}

std::error_code FileHandle::read(void* buffer, DWORD size, DWORD* read_out, DWORD flags, DWORD_PTR ctx) {
    if (mode_ == Mode::upload) return make_error(ERROR_INTERNET_INCORRECT_HANDLE_STATE);
    char* out = static_cast<char*>(buffer);
    const bool no_wait = (flags & IRF_NO_WAIT) != 0;
    std::size_t got = 0;
    if (auto ec = take_deferred_error()) return ec;
    {
        std::lock_guard lock(state_mutex_);
        got = std::min<std::size_t>(size, lookahead_end_ - lookahead_begin_);
        if (got > 0) {
            std::memcpy(out, lookahead_.data() + lookahead_begin_, got);
            lookahead_begin_ += got;
            delivered_ += got;
        }
        if (got == size || ended_ || (no_wait && got > 0)) {
            *read_out = static_cast<DWORD>(got);
            return {};
        }
    }
    // What the session read ahead after the open comes next, taken on this thread: a small
    // file, its end and the server's confirmation usually need no operation at all.
    if (auto ec = take_prefetched(out, size, got)) return ec;
    if (got == size || (no_wait && got > 0) || ended()) {
        *read_out = static_cast<DWORD>(got);
        return {};
    }
    auto me = self();
    core::CallResult result;
    if (no_wait) {
        // Nothing buffered: wait for the next piece, then hand over what arrived.
        result = run(ctx ? ctx : context(), [me, out, size, read_out](core::Done done) {
            me->read_into_lookahead([me, out, size, read_out, done](std::error_code ec) {
                if (ec) return done(0, ec);
                std::size_t n;
                {
                    std::lock_guard lock(me->state_mutex_);
                    n = std::min<std::size_t>(size, me->lookahead_end_ - me->lookahead_begin_);
                    std::memcpy(out, me->lookahead_.data() + me->lookahead_begin_, n);
                    me->lookahead_begin_ += n;
                    me->delivered_ += n;
                }
                *read_out = static_cast<DWORD>(n);
                done(1, {});
            }, me->waits_on_own_thread());
        });
    } else if (size - got < kLookaheadSize) {
        // Small reads: refill the read-ahead buffer (what the connection has, not waiting for
        // more) and copy from it until the caller's buffer is full or the file ended; on a
        // synchronous caller's thread once the data connection is lent to it.
        result = run(ctx ? ctx : context(), [me, out, size, got, read_out](core::Done done) {
            me->fill_from_lookahead(out, size, got, read_out, std::move(done));
        });
    } else {
        // The hot path: the data connection fills the caller's buffer directly, in one
        // operation on the session's strand; a synchronous caller's reads after the first run
        // on its own thread (Session::read_fill_here), without a hop to the engine.
        const bool here = waits_on_own_thread();
        result = run(ctx ? ctx : context(), [me, out, size, got, read_out, here](core::Done done) {
            const auto& session = me->connection()->session();
            auto filled = [me, size, got, read_out, done](std::error_code ec, std::size_t n) {
                const std::size_t total = got + n;
                {
                    std::lock_guard lock(me->state_mutex_);
                    me->delivered_ += n;
                    if (!ec && total < size) me->ended_ = true;
                    if (ec && total > 0) {
                        me->deferred_error_ = ec;   // the bytes first, the failure next
                        me->ended_ = true;
                        ec.clear();
                    }
                }
                if (ec) return done(0, ec);
                *read_out = static_cast<DWORD>(total);
                done(1, {});
            };
            const auto buffer = boost::asio::buffer(out + got, size - got);
            if (here && session->read_fill_here(buffer, filled)) return;
            session->read_fill(buffer, std::move(filled), here);
        });
    }
    if (result.ok) return {};
    if (!is_pending(result.error)) connection()->publish_response(result.error);
    return result.error;
}

std::error_code FileHandle::take_prefetched(char* out, std::size_t size, std::size_t& got) {
    if (mode_ != Mode::download || got == size) return {};
    auto prefetched = connection()->session()->take_prefetched(boost::asio::buffer(out + got, size - got));
    {
        std::lock_guard lock(state_mutex_);
        got += prefetched.bytes;
        delivered_ += prefetched.bytes;
        switch (prefetched.then) {
        case Session::Prefetched::Then::more: return {};
        case Session::Prefetched::Then::end_of_file: ended_ = true; return {};
        case Session::Prefetched::Then::failed:
            if (got == 0) break;
            deferred_error_ = prefetched.error;   // the bytes first, the failure next
            ended_ = true;
            return {};
        }
    }
    connection()->publish_response(prefetched.error);
    return prefetched.error;
}

std::error_code FileHandle::prefetched_into_lookahead() {
    if (mode_ != Mode::download) return {};
    Session::Prefetched prefetched;
    {
        std::lock_guard lock(state_mutex_);
        if (lookahead_end_ > lookahead_begin_ || ended_) return {};
        if (lookahead_.empty()) lookahead_.resize(kLookaheadSize);
        prefetched = connection()->session()->take_prefetched(boost::asio::buffer(lookahead_.data(), kLookaheadSize));
        lookahead_begin_ = 0;
        lookahead_end_ = prefetched.bytes;
        switch (prefetched.then) {
        case Session::Prefetched::Then::more: return {};
        case Session::Prefetched::Then::end_of_file: ended_ = true; return {};
        case Session::Prefetched::Then::failed:
            if (prefetched.bytes == 0) break;
            deferred_error_ = prefetched.error;   // the bytes first, the failure next
            ended_ = true;
            return {};
        }
    }
    connection()->publish_response(prefetched.error);
    return prefetched.error;
}

bool FileHandle::ended() const {
    std::lock_guard lock(state_mutex_);
    return ended_;
}

// A synchronous caller's reads may run on its own thread once the session lent it the data
// connection (Session::read_here, read_fill_here); never on an engine thread, where a callback
// of a synchronous session could call in (a wait there would stall other transfers).
bool FileHandle::waits_on_own_thread() const {
    return !async() && !core::Engine::instance().in_engine_thread();
}

void FileHandle::fill_from_lookahead(char* out, std::size_t size, std::size_t got, DWORD* read_out,
                                     core::Done done) {
    auto me = self();
    const bool here = waits_on_own_thread();
    if (here) {
        // With the data connection lent, refills and copies alternate right here, in a loop.
        const auto& session = connection()->session();
        for (;;) {
            char* space = empty_lookahead();
            auto result = session->read_here(
                boost::asio::buffer(space, kLookaheadSize),
                [me, out, size, got, read_out, done](std::error_code ec, std::size_t n) mutable {
                    me->lookahead_refilled(ec, n);
                    me->after_refill(out, size, got, read_out, std::move(done), ec);
                });
            if (!result.lent) break;
            if (result.handed_back) return;
            if (result.error) return done(0, result.error);   // another read runs on the handle
            lookahead_refilled({}, result.bytes);
            std::error_code ec;
            if (!take_from_lookahead(out, size, got, ec)) continue;
            *read_out = static_cast<DWORD>(got);
            return done(1, {});
        }
    }
    read_into_lookahead([me, out, size, got, read_out, done = std::move(done)](std::error_code ec) mutable {
        me->after_refill(out, size, got, read_out, std::move(done), ec);
    }, here);
}

void FileHandle::after_refill(char* out, std::size_t size, std::size_t got, DWORD* read_out, core::Done done,
                              std::error_code ec) {
    if (!take_from_lookahead(out, size, got, ec)) return fill_from_lookahead(out, size, got, read_out, std::move(done));
    if (ec) return done(0, ec);
    *read_out = static_cast<DWORD>(got);
    done(1, {});
}

// After a refill: copies what it brought into the caller's buffer. True when the call is over
// (buffer full, file ended, or the refill failed: `ec`, kept for the next call when some bytes
// go out first).
bool FileHandle::take_from_lookahead(char* out, std::size_t size, std::size_t& got, std::error_code& ec) {
    std::lock_guard lock(state_mutex_);
    if (ec) {
        if (got > 0) {
            deferred_error_ = ec;   // the bytes first, the failure next
            ec.clear();
        }
        return true;
    }
    const std::size_t n = std::min(size - got, lookahead_end_ - lookahead_begin_);
    std::memcpy(out + got, lookahead_.data() + lookahead_begin_, n);
    lookahead_begin_ += n;
    delivered_ += n;
    got += n;
    return got == size || ended_;
}

char* FileHandle::empty_lookahead() {
    std::lock_guard lock(state_mutex_);
    if (lookahead_.empty()) lookahead_.resize(kLookaheadSize);
    lookahead_begin_ = lookahead_end_ = 0;
    return lookahead_.data();
}

void FileHandle::lookahead_refilled(std::error_code ec, std::size_t n) {
    std::lock_guard lock(state_mutex_);
    if (!ec) {
        lookahead_end_ = n;
        if (n == 0) ended_ = true;
    } else {
        ended_ = true;
    }
}

void FileHandle::read_into_lookahead(std::function<void(std::error_code)> then, bool lend) {
    char* space = empty_lookahead();
    auto me = self();
    connection()->session()->read(boost::asio::buffer(space, kLookaheadSize),
                                  [me, then = std::move(then)](std::error_code ec, std::size_t n) {
        me->lookahead_refilled(ec, n);
        then(ec);
    }, lend);
}

std::error_code FileHandle::query_data_available(DWORD* available, DWORD /*flags*/, DWORD_PTR ctx) {
    if (mode_ == Mode::upload) return make_error(ERROR_INTERNET_INCORRECT_HANDLE_STATE);
    if (auto ec = take_deferred_error()) return ec;
    if (auto ec = prefetched_into_lookahead()) return ec;
    {
        std::lock_guard lock(state_mutex_);
        if (lookahead_end_ > lookahead_begin_ || ended_) {
            *available = static_cast<DWORD>(lookahead_end_ - lookahead_begin_);
            return {};
        }
    }
    auto me = self();
    auto result = run(ctx ? ctx : context(), [me, available](core::Done done) {
        me->read_into_lookahead([me, available, done](std::error_code ec) {
            if (ec) return done(0, ec);
            DWORD n;
            {
                std::lock_guard lock(me->state_mutex_);
                n = static_cast<DWORD>(me->lookahead_end_ - me->lookahead_begin_);
            }
            *available = n;
            done(n, {});
        }, me->waits_on_own_thread());
    }, core::CompletionReport::bytes_available_in_error);
    if (result.ok) return {};
    if (!is_pending(result.error)) connection()->publish_response(result.error);
    return result.error;
}

std::error_code FileHandle::run_inline(std::function<void(core::Done)> work) {
    if (!begin_operation()) return make_error(ERROR_INVALID_HANDLE);
    auto outcome = std::make_shared<std::promise<std::error_code>>();
    auto future = outcome->get_future();
    auto fired = std::make_shared<std::atomic<bool>>(false);
    core::Done once = [outcome, fired](DWORD_PTR, std::error_code ec) {
        if (!fired->exchange(true)) outcome->set_value(ec);
    };
    track(std::move(once), work);
    std::error_code ec = normalize_error(future.get());
    if (ec && is_closed()) ec = make_error(ERROR_INTERNET_OPERATION_CANCELLED);
    end_operation();
    return ec;
}

std::error_code FileHandle::write(const void* buffer, DWORD size, DWORD* written) {
    if (mode_ != Mode::upload) return make_error(ERROR_INTERNET_INCORRECT_HANDLE_STATE);
    if (size == 0) return {};
    auto me = self();
    auto ec = run_inline([me, buffer, size, written](core::Done done) {
        me->connection()->session()->write(boost::asio::buffer(buffer, size),
                                           [me, written, done](std::error_code ec, std::size_t n) {
            if (!ec) {
                std::lock_guard lock(me->state_mutex_);
                me->delivered_ += n;
                *written = static_cast<DWORD>(n);
            }
            done(ec ? 0 : 1, ec);
        });
    });
    connection()->publish_response(ec);
    return ec;
}

std::error_code FileHandle::set_file_pointer(LONG distance, LONG* distance_high, DWORD move_method,
                                             DWORD_PTR /*ctx*/, DWORD* new_position) {
    // Only a download that has not delivered anything yet can move: the transfer is restarted
    // at the new offset (ABOR, then REST + RETR), which is what REST is for.
    if (mode_ != Mode::download || move_method != FILE_BEGIN)
        return make_error(ERROR_INTERNET_INVALID_OPERATION);
    std::int64_t target = distance_high ? (static_cast<std::int64_t>(*distance_high) << 32) |
                                              static_cast<std::uint32_t>(distance)
                                        : static_cast<std::int64_t>(distance);
    if (target < 0) return make_error(ERROR_NEGATIVE_SEEK);
    const auto offset = static_cast<std::uint64_t>(target);
    {
        std::lock_guard lock(state_mutex_);
        if (delivered_ > 0 || lookahead_end_ > 0 || ended_ || deferred_error_)
            return make_error(ERROR_INTERNET_INVALID_OPERATION);
        if (offset == start_offset_) {
            *new_position = static_cast<DWORD>(offset);
            if (distance_high) *distance_high = static_cast<LONG>(offset >> 32);
            return {};
        }
    }
    auto me = self();
    auto ec = run_inline([me, offset](core::Done done) {
        const auto& session = me->connection()->session();
        session->abort_transfer([me, offset, done](std::error_code ec) {
            if (ec) return done(0, ec);
            me->connection()->session()->open_download(me->path_, me->type_, offset,
                                                       [me, offset, done](std::error_code ec) {
                if (!ec) {
                    std::lock_guard lock(me->state_mutex_);
                    me->start_offset_ = offset;
                } else {
                    std::lock_guard lock(me->state_mutex_);
                    me->ended_ = true;   // no transfer any more: reads fail below
                    me->deferred_error_ = ec;
                }
                done(ec ? 0 : 1, ec);
            });
        });
    });
    connection()->publish_response(ec);
    if (ec) return ec;
    *new_position = static_cast<DWORD>(offset);
    if (distance_high) *distance_high = static_cast<LONG>(offset >> 32);
    return {};
}

std::error_code FileHandle::finish_before_close() {
    if (mode_ != Mode::upload || busy() || is_closed()) return {};
    {
        std::lock_guard lock(state_mutex_);
        if (upload_finishing_) return {};
        upload_finishing_ = true;
    }
    auto me = self();
    if (!async()) {
        // The caller learns whether the server stored the file from InternetCloseHandle.
        auto result = run(context(), [me](core::Done done) {
            me->connection()->session()->finish_upload([done](std::error_code ec) { done(ec ? 0 : 1, ec); });
        });
        connection()->publish_response(result.error);
        upload_finished(result.error);
        return result.error;
    }
    // Asynchronous session: counted as pending, so HANDLE_CLOSING waits for the server's
    // answer; a refusal is reported by a REQUEST_COMPLETE {FALSE, error} just before it.
    if (!begin_operation()) {
        upload_finished({});
        return {};
    }
    connection()->session()->finish_upload([me](std::error_code ec) {
        if (ec) {
            me->connection()->publish_response(ec);
            INTERNET_ASYNC_RESULT outcome{0, to_win32_error(ec)};
            me->notify(INTERNET_STATUS_REQUEST_COMPLETE, &outcome, sizeof(outcome));
        }
        me->upload_finished(ec);
        me->end_operation();
    });
    return {};
}

void FileHandle::upload_finished(std::error_code) {
    bool release;
    {
        std::lock_guard lock(state_mutex_);
        upload_finishing_ = false;
        release = wind_down_waiting_;
        wind_down_waiting_ = false;
    }
    if (release) connection()->end_wind_down();
}

void FileHandle::wind_down() {
    {
        std::lock_guard lock(state_mutex_);
        if (upload_finishing_) {
            wind_down_waiting_ = true;   // upload_finished releases the connection
            return;
        }
    }
    auto connection = this->connection();
    const auto& session = connection->session();
    if (!session->transfer_open()) return connection->end_wind_down();
    // Closed early: a download is aborted (the session stays usable); an upload that was not
    // finished by InternetCloseHandle (its parent closed, a write was interrupted) still ends
    // cleanly on the control connection.
    if (mode_ == Mode::upload) session->finish_upload([connection](std::error_code) { connection->end_wind_down(); });
    else session->abort_transfer([connection](std::error_code) { connection->end_wind_down(); });
}

}  // namespace openinet::ftp
