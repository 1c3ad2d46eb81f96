#include "http/connection.hpp"

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <mutex>

namespace openinet::http {

// Shared by the connection and its outstanding timer wait, which may complete after the
// connection is gone. The mutex orders the strand's arming, the wait's handler and the
// destructor (which may run on any thread).
struct Connection::Deadline : std::enable_shared_from_this<Connection::Deadline> {
    explicit Deadline(const Strand& strand) : timer(strand) {}

    std::mutex mutex;
    boost::asio::steady_timer timer;
    net::Stream* stream = nullptr;  // null once the connection is destroyed
    std::optional<std::chrono::steady_clock::time_point> when;
    unsigned wait_id = 0;           // identifies the outstanding wait
    bool waiting = false;
    std::atomic<bool> passed{false};

    void start_wait_locked(std::chrono::steady_clock::time_point at) {
        timer.expires_at(at);  // ends an outstanding wait: its id is stale below
        const unsigned id = ++wait_id;
        waiting = true;
        timer.async_wait([self = shared_from_this(), id](const boost::system::error_code&) {
            self->on_wait(id);
        });
    }

    void on_wait(unsigned id) {
        std::lock_guard lock(mutex);
        if (id != wait_id) return;
        waiting = false;
        if (!stream || !when) return;  // gone, or no step is timed now
        if (std::chrono::steady_clock::now() < *when) return start_wait_locked(*when);
        when.reset();
        passed.store(true, std::memory_order_release);
        stream->close();  // pending reads/writes complete with an error now
    }
};

Connection::Connection(PoolKey key, Strand strand, std::unique_ptr<net::Stream> stream)
    : key_(std::move(key)), strand_(std::move(strand)), stream_(std::move(stream)) {
    deadline_ = std::make_shared<Deadline>(strand_);
    deadline_->stream = stream_.get();
    // Synchronous requests take the bytes of their responses on the caller's thread, between
    // waits (request.cpp): those arrivals need not wake the engine.
    stream_->quiet_between_waits();
}

Connection::~Connection() {
    {
        std::lock_guard lock(deadline_->mutex);
        deadline_->stream = nullptr;
        deadline_->when.reset();
        ++deadline_->wait_id;
        if (deadline_->waiting) deadline_->timer.cancel();
        deadline_->waiting = false;
    }
    if (stream_) stream_->close();
}

void Connection::arm_deadline(std::chrono::milliseconds timeout) {
    const auto at = std::chrono::steady_clock::now() + timeout;
    std::lock_guard lock(deadline_->mutex);
    deadline_->when = at;
    // An outstanding wait that ends no later than this deadline moves itself on when it fires.
    if (deadline_->waiting && deadline_->timer.expiry() <= at) return;
    deadline_->start_wait_locked(at);
}

void Connection::clear_deadline() noexcept {
    std::lock_guard lock(deadline_->mutex);
    deadline_->when.reset();
}

bool Connection::deadline_passed() const noexcept { return deadline_->passed.load(std::memory_order_acquire); }

}  // namespace openinet::http
