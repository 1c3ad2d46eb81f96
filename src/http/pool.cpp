#include "http/pool.hpp"

#include "core/engine.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace openinet::http {

void ConnectionSlot::reset() noexcept {
    if (!key_) return;
    PoolKey key = std::move(*key_);
    key_.reset();
    Pool::instance().slot_freed(key);
}

Pool& Pool::instance() {
    // Never destroyed: connections are closed on their strands, which must outlive them.
    static Pool* pool = new Pool();
    return *pool;
}

Pool::Pool() : wait_timer_(core::Engine::instance().context()) {}

void Pool::discard(std::unique_ptr<Connection> connection) {
    if (!connection) return;
    auto strand = connection->strand();
    boost::asio::post(strand, [c = std::shared_ptr<Connection>(std::move(connection))]() mutable {
        c.reset();
    });
}

void Pool::hand_over(std::vector<Handoff>& handoffs) {
    for (auto& [handler, grant] : handoffs) handler(std::move(grant));
    handoffs.clear();
}

void Pool::evict_expired_locked(std::chrono::steady_clock::time_point now,
                                std::vector<std::unique_ptr<Connection>>& out) {
    while (!idle_.empty() && now - idle_.front()->idle_since > max_idle_time) {
        out.push_back(std::move(idle_.front()));
        idle_.pop_front();
    }
}

Pool::Server* Pool::find_server_locked(const PoolKey& key) {
    for (auto& server : servers_)
        if (server.key == key) return &server;
    return nullptr;
}

Pool::Server& Pool::server_locked(const PoolKey& key) {
    if (Server* found = find_server_locked(key)) return *found;
    servers_.push_back(Server{key, 0, 1, {}});
    return servers_.back();
}

void Pool::forget_server_if_unused_locked(const PoolKey& key) {
    auto it = std::find_if(servers_.begin(), servers_.end(), [&](const Server& s) { return s.key == key; });
    if (it != servers_.end() && it->open == 0 && it->waiters.empty()) servers_.erase(it);
}

ConnectionSlot Pool::make_slot_locked(Server& server) {
    ++server.open;
    return ConnectionSlot(server.key);
}

std::size_t Pool::limit_for_locked(const PoolKey& key, Limits limits) const {
    const bool http_1_0 = std::find(http_1_0_servers_.begin(), http_1_0_servers_.end(), key) != http_1_0_servers_.end();
    return std::max<std::size_t>(http_1_0 ? limits.http_1_0 : limits.http_1_1, 1);
}

void Pool::grant_free_places_locked(Server& server, std::vector<Handoff>& handoffs) {
    while (!server.waiters.empty() && server.open < server.limit) {
        Waiter waiter = std::move(server.waiters.front());
        server.waiters.pop_front();
        Grant grant;
        grant.slot = make_slot_locked(server);
        handoffs.emplace_back(std::move(waiter.on_grant), std::move(grant));
    }
}

void Pool::note_version(const PoolKey& key, bool http_1_0, Limits limits) {
    std::vector<Handoff> handoffs;
    {
        std::lock_guard lock(mutex_);
        auto known = std::find(http_1_0_servers_.begin(), http_1_0_servers_.end(), key);
        if (http_1_0 == (known != http_1_0_servers_.end())) return;   // nothing new
        if (http_1_0) {
            if (http_1_0_servers_.size() >= max_remembered_1_0_servers) http_1_0_servers_.pop_front();
            http_1_0_servers_.push_back(key);
        } else {
            http_1_0_servers_.erase(known);
        }
        if (Server* server = find_server_locked(key)) {
            server->limit = limit_for_locked(key, limits);
            grant_free_places_locked(*server, handoffs);
        }
    }
    hand_over(handoffs);
}

Pool::Ticket Pool::acquire(const PoolKey& key, bool reuse_idle, Limits limits,
                           std::optional<std::chrono::milliseconds> wait_limit, GrantHandler on_grant) {
    std::vector<std::unique_ptr<Connection>> dropped;
    Ticket ticket;
    {
        std::lock_guard lock(mutex_);
        evict_expired_locked(std::chrono::steady_clock::now(), dropped);
        auto idle_for_key = [&]() -> std::unique_ptr<Connection> {
            for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
                if ((*it)->key() == key) {
                    auto found = std::move(*it);
                    idle_.erase(std::next(it).base());
                    return found;
                }
            }
            return nullptr;
        };
        Server& server = server_locked(key);
        server.limit = limit_for_locked(key, limits);
        if (reuse_idle && server.waiters.empty()) ticket.grant.connection = idle_for_key();
        if (ticket.grant.connection) {
            // reused
        } else if (server.open < server.limit && server.waiters.empty()) {
            ticket.grant.slot = make_slot_locked(server);
        } else if (auto idle = reuse_idle || !server.waiters.empty() ? nullptr : idle_for_key()) {
            // A fresh connection is wanted and the places are taken, some by idle connections:
            // one of those gives its place up.
            ticket.grant.slot = idle->take_slot();
            dropped.push_back(std::move(idle));
        } else {
            Waiter waiter;
            waiter.id = ++next_wait_id_;
            waiter.reuse_idle = reuse_idle;
            if (wait_limit) waiter.deadline = std::chrono::steady_clock::now() + *wait_limit;
            waiter.on_grant = std::move(on_grant);
            ticket.wait_id = waiter.id;
            // Waiters mostly share one timeout, so a new deadline is rarely the earliest.
            const bool earliest = waiter.deadline && (!wait_timer_expiry_ || *waiter.deadline < *wait_timer_expiry_);
            server.waiters.push_back(std::move(waiter));
            if (earliest) arm_wait_timer_locked();
        }
    }
    for (auto& c : dropped) discard(std::move(c));
    return ticket;
}

bool Pool::cancel_wait(std::uint64_t wait_id) {
    GrantHandler dropped;  // destroyed outside the lock: it may own the request
    {
        std::lock_guard lock(mutex_);
        for (auto& server : servers_) {
            auto it = std::find_if(server.waiters.begin(), server.waiters.end(),
                                   [&](const Waiter& w) { return w.id == wait_id; });
            if (it == server.waiters.end()) continue;
            dropped = std::move(it->on_grant);
            server.waiters.erase(it);
            forget_server_if_unused_locked(PoolKey(server.key));
            return true;
        }
    }
    return false;
}

void Pool::release(std::unique_ptr<Connection> connection) {
    if (!connection) return;
    std::vector<std::unique_ptr<Connection>> dropped;
    std::vector<Handoff> handoffs;
    {
        std::lock_guard lock(mutex_);
        auto now = std::chrono::steady_clock::now();
        evict_expired_locked(now, dropped);
        Server* server = find_server_locked(connection->key());
        if (server && !server->waiters.empty()) {
            Waiter waiter = std::move(server->waiters.front());
            server->waiters.pop_front();
            Grant grant;
            if (waiter.reuse_idle) {
                grant.connection = std::move(connection);
            } else {
                grant.slot = connection->take_slot();
                dropped.push_back(std::move(connection));
            }
            handoffs.emplace_back(std::move(waiter.on_grant), std::move(grant));
        } else if (server && server->open > server->limit) {
            dropped.push_back(std::move(connection));  // opened beyond the limit after a long wait
        } else {
            connection->idle_since = now;
            std::size_t same_key = 0;
            for (auto& c : idle_) same_key += c->key() == connection->key();
            if (same_key >= max_idle_per_key) {
                for (auto it = idle_.begin(); it != idle_.end(); ++it) {
                    if ((*it)->key() == connection->key()) {
                        dropped.push_back(std::move(*it));
                        idle_.erase(it);
                        break;
                    }
                }
            }
            if (idle_.size() >= max_idle_total) {
                dropped.push_back(std::move(idle_.front()));
                idle_.pop_front();
            }
            idle_.push_back(std::move(connection));
        }
    }
    hand_over(handoffs);
    for (auto& c : dropped) discard(std::move(c));
}

void Pool::slot_freed(const PoolKey& key) {
    std::vector<Handoff> handoffs;
    {
        std::lock_guard lock(mutex_);
        Server* server = find_server_locked(key);
        if (!server) return;
        if (server->open > 0) --server->open;
        grant_free_places_locked(*server, handoffs);
        forget_server_if_unused_locked(key);
    }
    hand_over(handoffs);
}

void Pool::arm_wait_timer_locked() {
    std::optional<std::chrono::steady_clock::time_point> earliest;
    for (const auto& server : servers_)
        for (const auto& waiter : server.waiters)
            if (waiter.deadline && (!earliest || *waiter.deadline < *earliest)) earliest = waiter.deadline;
    if (!earliest || (wait_timer_expiry_ && *wait_timer_expiry_ <= *earliest)) return;
    wait_timer_expiry_ = earliest;
    wait_timer_.expires_at(*earliest);
    wait_timer_.async_wait([this](const boost::system::error_code& ec) { on_wait_timer(ec); });
}

void Pool::on_wait_timer(const boost::system::error_code& ec) {
    if (ec) return;  // re-armed earlier (the newer wait is in place)
    std::vector<Handoff> handoffs;
    {
        std::lock_guard lock(mutex_);
        wait_timer_expiry_.reset();
        const auto now = std::chrono::steady_clock::now();
        for (auto& server : servers_) {
            for (auto it = server.waiters.begin(); it != server.waiters.end();) {
                if (it->deadline && *it->deadline <= now) {
                    Grant grant;
                    grant.slot = make_slot_locked(server);  // beyond the limit: waited long enough
                    handoffs.emplace_back(std::move(it->on_grant), std::move(grant));
                    it = server.waiters.erase(it);
                } else {
                    ++it;
                }
            }
        }
        arm_wait_timer_locked();
    }
    hand_over(handoffs);
}

void Pool::clear() {
    std::deque<std::unique_ptr<Connection>> all;
    {
        std::lock_guard lock(mutex_);
        all.swap(idle_);
    }
    for (auto& c : all) discard(std::move(c));
}

std::size_t Pool::idle_count() const {
    std::lock_guard lock(mutex_);
    return idle_.size();
}

std::size_t Pool::waiting_count(const PoolKey& key) const {
    std::lock_guard lock(mutex_);
    for (const auto& server : servers_)
        if (server.key == key) return server.waiters.size();
    return 0;
}

std::size_t Pool::open_count(const PoolKey& key) const {
    std::lock_guard lock(mutex_);
    for (const auto& server : servers_)
        if (server.key == key) return server.open;
    return 0;
}

}  // namespace openinet::http
