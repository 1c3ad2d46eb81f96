// One HTTP connection: a net::Stream, the strand it lives on, and the bytes already received
// from it that nobody has consumed yet (what a head read over-read is the start of the body).
#pragma once

#include "net/stream.hpp"

#include <openinet/wininet.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace openinet::http {

// What a pooled connection must match to be reused for a request.
struct PoolKey {
    std::string host;
    std::uint16_t port = 0;
    bool tls = false;
    DWORD security_flags = 0;
    std::string proxy_host;     // through this HTTP proxy (empty: direct)
    std::uint16_t proxy_port = 0;
    bool operator==(const PoolKey&) const = default;
};

using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

// One place counted against the per-server connection limit (pool.hpp): held by a request
// while it opens a connection, then by the connection for its whole life. Giving it up (moved
// from, destroyed) lets the next waiting request in.
class ConnectionSlot {
public:
    ConnectionSlot() = default;
    ~ConnectionSlot() { reset(); }
    ConnectionSlot(ConnectionSlot&& other) noexcept : key_(std::move(other.key_)) { other.key_.reset(); }
    ConnectionSlot& operator=(ConnectionSlot&& other) noexcept {
        if (this != &other) {
            reset();
            key_ = std::move(other.key_);
            other.key_.reset();
        }
        return *this;
    }
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;

    explicit operator bool() const noexcept { return key_.has_value(); }
    void reset() noexcept;  // gives the place up (pool.cpp)

private:
    friend class Pool;
    explicit ConnectionSlot(PoolKey key) : key_(std::move(key)) {}
    std::optional<PoolKey> key_;
};

class Connection {
public:
    Connection(PoolKey key, Strand strand, std::unique_ptr<net::Stream> stream);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    const PoolKey& key() const noexcept { return key_; }
    // Every use of the stream happens on this strand (net::Stream's rule).
    const Strand& strand() const noexcept { return strand_; }
    net::Stream& stream() noexcept { return *stream_; }

    // Received, unconsumed bytes: [data(), data() + size()).
    const char* data() const noexcept { return inbound_.data() + begin_; }
    std::size_t size() const noexcept { return end_ - begin_; }
    void consume(std::size_t n) noexcept {
        begin_ += n;
        if (begin_ == end_) begin_ = end_ = 0;
    }
    // Space to read more into (at least `min_free` bytes); call commit() with what arrived.
    char* prepare(std::size_t min_free) {
        if (begin_ > 0 && inbound_.size() - end_ < min_free) {
            std::copy(inbound_.begin() + static_cast<std::ptrdiff_t>(begin_),
                      inbound_.begin() + static_cast<std::ptrdiff_t>(end_), inbound_.begin());
            end_ -= begin_;
            begin_ = 0;
        }
        if (inbound_.size() - end_ < min_free) inbound_.resize(end_ + min_free);
        return inbound_.data() + end_;
    }
    std::size_t free_space() const noexcept { return inbound_.size() - end_; }
    void commit(std::size_t n) noexcept { end_ += n; }
    void put_back(const char* bytes, std::size_t n) {
        std::copy(bytes, bytes + n, prepare(n));
        commit(n);
    }

    // The deadline of the I/O step running now (send/receive timeout), on the strand. When it
    // passes, the stream is closed (pending I/O completes with an error) and deadline_passed()
    // turns true for good. The timer belongs to the connection, not to each request, and a
    // single wait stays outstanding across steps (moved on when it fires early): arming and
    // cancelling an Asio timer for every read and write cost a handler dispatch, a thread
    // wake-up and a timerfd update each, a large share of a small request's CPU time.
    void arm_deadline(std::chrono::milliseconds timeout);
    void clear_deadline() noexcept;
    bool deadline_passed() const noexcept;

    // The connection's place under the per-server limit; given up when it is destroyed.
    void adopt_slot(ConnectionSlot slot) noexcept { slot_ = std::move(slot); }
    ConnectionSlot take_slot() noexcept { return std::move(slot_); }

    // How many responses were completely read from this connection (0 = fresh).
    unsigned responses_completed = 0;
    std::chrono::steady_clock::time_point idle_since{};

private:
    struct Deadline;

    ConnectionSlot slot_;  // first member: given up only after the stream has closed
    PoolKey key_;
    Strand strand_;
    std::unique_ptr<net::Stream> stream_;
    std::shared_ptr<Deadline> deadline_;  // shared with its outstanding wait
    std::vector<char> inbound_;
    std::size_t begin_ = 0, end_ = 0;
};

}  // namespace openinet::http
