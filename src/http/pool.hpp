// Idle keep-alive connections, process-wide, keyed by (host, port, TLS, security flags).
// Bounded in count and idle time. A connection that died while idle is caught by the request
// layer (a reused connection failing before any response byte is retried once on a fresh one).
#pragma once

#include "http/connection.hpp"

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>

namespace openinet::http {

class Pool {
public:
    static Pool& instance();

    static constexpr std::size_t max_idle_total = 64;
    static constexpr std::size_t max_idle_per_key = 8;
    static constexpr std::chrono::seconds max_idle_time{30};

    // The most recently parked live connection for `key`, or nullptr.
    std::unique_ptr<Connection> acquire(const PoolKey& key);
    // Parks a connection whose last response was read completely and that may be reused.
    void release(std::unique_ptr<Connection> connection);
    // Closes every idle connection (tests; INTERNET_OPTION_SETTINGS_CHANGED style resets).
    void clear();
    std::size_t idle_count() const;

private:
    Pool() = default;
    void discard(std::unique_ptr<Connection> connection);  // closes it on its own strand
    void evict_expired_locked(std::chrono::steady_clock::time_point now,
                              std::deque<std::unique_ptr<Connection>>& out);

    mutable std::mutex mutex_;
    std::deque<std::unique_ptr<Connection>> idle_;   // oldest first
};

}  // namespace openinet::http
