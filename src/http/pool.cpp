#include "http/pool.hpp"

#include <boost/asio/post.hpp>

namespace openinet::http {

Pool& Pool::instance() {
    // Never destroyed: connections are closed on their strands, which must outlive them.
    static Pool* pool = new Pool();
    return *pool;
}

void Pool::discard(std::unique_ptr<Connection> connection) {
    if (!connection) return;
    auto strand = connection->strand();
    boost::asio::post(strand, [c = std::shared_ptr<Connection>(std::move(connection))]() mutable {
        c.reset();
    });
}

void Pool::evict_expired_locked(std::chrono::steady_clock::time_point now,
                                std::deque<std::unique_ptr<Connection>>& out) {
    while (!idle_.empty() && now - idle_.front()->idle_since > max_idle_time) {
        out.push_back(std::move(idle_.front()));
        idle_.pop_front();
    }
}

std::unique_ptr<Connection> Pool::acquire(const PoolKey& key) {
    std::deque<std::unique_ptr<Connection>> expired;
    std::unique_ptr<Connection> found;
    {
        std::lock_guard lock(mutex_);
        evict_expired_locked(std::chrono::steady_clock::now(), expired);
        for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
            if ((*it)->key() == key) {
                found = std::move(*it);
                idle_.erase(std::next(it).base());
                break;
            }
        }
    }
    for (auto& c : expired) discard(std::move(c));
    return found;
}

void Pool::release(std::unique_ptr<Connection> connection) {
    if (!connection) return;
    std::deque<std::unique_ptr<Connection>> dropped;
    {
        std::lock_guard lock(mutex_);
        auto now = std::chrono::steady_clock::now();
        evict_expired_locked(now, dropped);
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
    for (auto& c : dropped) discard(std::move(c));
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

}  // namespace openinet::http
