// Keep-alive connections and the per-server connection limit, process-wide, keyed by (host,
// port, TLS, security flags).
//
// Idle connections are bounded in count and idle time. A connection that died while idle is
// caught by the request layer (a reused connection failing before any response byte is
// retried once on a fresh one).
//
// The limit (INTERNET_OPTION_MAX_CONNS_PER_SERVER, a process-wide option) counts every
// connection to a server: idle, in use, or being opened. A request that finds none idle and the
// limit reached waits in line for one to come back (it is handed over directly) or to close
// (its place is handed over). Without the limit, concurrent requests each opened a connection
// and most were closed again when they came back (71 connections for 1,000 requests from 50
// threads). The wait is bounded by the connect timeout: after it the request opens a
// connection beyond the limit rather than fail, so handles a program keeps open with unread
// bodies (which hold their connections) slow others down but never make them hang forever.
#pragma once

#include "http/connection.hpp"

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace openinet::http {

class Pool {
public:
    static Pool& instance();

    static constexpr std::size_t max_idle_total = 64;
    static constexpr std::size_t max_idle_per_key = 8;
    static constexpr std::chrono::seconds max_idle_time{30};

    // What acquire() or a wait hands out: an idle connection to reuse, or the right to open a
    // new one (a counted place). Exactly one of the two when granted.
    struct Grant {
        std::unique_ptr<Connection> connection;
        ConnectionSlot slot;
    };
    // Called once, from whichever thread made the grant possible, possibly with locks of the
    // releasing request held: it must only post work, never call back into a request.
    using GrantHandler = std::function<void(Grant)>;

    struct Ticket {
        Grant grant;                  // filled unless the request has to wait
        std::uint64_t wait_id = 0;    // non-zero: queued; the handler gets the grant later
    };

    // Connections allowed to one server: WinInet's MAX_CONNS_PER_SERVER, and
    // MAX_CONNS_PER_1_0_SERVER for a server whose last response said HTTP/1.0.
    struct Limits {
        std::size_t http_1_1 = 6;
        std::size_t http_1_0 = 4;
    };

    // `reuse_idle`: an idle connection may be used (false for keep-alive off or the retry on a
    // fresh connection). `wait_limit`: how long to wait for a place before exceeding the limit
    // (nullopt: no bound).
    Ticket acquire(const PoolKey& key, bool reuse_idle, Limits limits,
                   std::optional<std::chrono::milliseconds> wait_limit, GrantHandler on_grant);
    // What a response's status line said about the server's version: the limit that applies
    // to it from now on (a higher one lets waiting requests in at once).
    void note_version(const PoolKey& key, bool http_1_0, Limits limits);
    // Withdraws a waiting request. True when it was still waiting (its handler is dropped
    // uncalled); false when its grant is already on the way.
    bool cancel_wait(std::uint64_t wait_id);
    // Parks a connection whose last response was read completely and that may be reused (or
    // hands it to a waiting request).
    void release(std::unique_ptr<Connection> connection);
    // Closes every idle connection (tests; INTERNET_OPTION_SETTINGS_CHANGED style resets).
    void clear();
    std::size_t idle_count() const;
    // Connections counted against the limit for `key` (idle + in use + being opened).
    std::size_t open_count(const PoolKey& key) const;
    // Requests waiting in line for `key` (tests).
    std::size_t waiting_count(const PoolKey& key) const;

private:
    friend class ConnectionSlot;
    struct Waiter {
        std::uint64_t id = 0;
        bool reuse_idle = true;
        std::optional<std::chrono::steady_clock::time_point> deadline;
        GrantHandler on_grant;
    };
    struct Server {
        PoolKey key;
        std::size_t open = 0;
        std::size_t limit = 1;
        std::deque<Waiter> waiters;
    };
    using Handoff = std::pair<GrantHandler, Grant>;

    Pool();
    void slot_freed(const PoolKey& key);
    void discard(std::unique_ptr<Connection> connection);  // closes it on its own strand
    void evict_expired_locked(std::chrono::steady_clock::time_point now,
                              std::vector<std::unique_ptr<Connection>>& out);
    Server* find_server_locked(const PoolKey& key);
    Server& server_locked(const PoolKey& key);
    void forget_server_if_unused_locked(const PoolKey& key);
    ConnectionSlot make_slot_locked(Server& server);
    void arm_wait_timer_locked();
    std::size_t limit_for_locked(const PoolKey& key, Limits limits) const;
    // Hands free places of `server` (below its limit) to its first waiters.
    void grant_free_places_locked(Server& server, std::vector<Handoff>& handoffs);
    void on_wait_timer(const boost::system::error_code& ec);
    static void hand_over(std::vector<Handoff>& handoffs);

    mutable std::mutex mutex_;
    std::deque<std::unique_ptr<Connection>> idle_;   // oldest first
    std::vector<Server> servers_;                    // only servers with connections or waiters
    std::uint64_t next_wait_id_ = 0;
    boost::asio::steady_timer wait_timer_;           // guarded by mutex_
    std::optional<std::chrono::steady_clock::time_point> wait_timer_expiry_;
    // Servers whose last response said HTTP/1.0, most recent last (bounded): remembered while
    // they have no connection too, since such a server often closes after every response.
    std::deque<PoolKey> http_1_0_servers_;
    static constexpr std::size_t max_remembered_1_0_servers = 64;
};

}  // namespace openinet::http
