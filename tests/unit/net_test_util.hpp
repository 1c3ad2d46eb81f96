// Shared by the Net* tests: an io_context served by two threads (like the engine), a way to run
// Connector::start and wait for its one outcome with the status notifications it sent, and
// helpers that run Stream operations on the stream's strand and wait (bounded) for them.
#pragma once

#include "net/stream.hpp"

#include <boost/asio.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <optional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace openinet::net::test_util {

namespace asio = boost::asio;

class IoThreads {
public:
    explicit IoThreads(int count = 2) : guard_(asio::make_work_guard(io_)) {
        for (int i = 0; i < count; ++i) threads_.emplace_back([this] { io_.run(); });
    }
    ~IoThreads() { stop(); }
    void stop() {
        guard_.reset();
        io_.stop();
        for (auto& thread : threads_)
            if (thread.joinable()) thread.join();
    }
    asio::io_context& io() { return io_; }
    asio::any_io_executor strand() { return asio::make_strand(io_); }

private:
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> guard_;
    std::vector<std::thread> threads_;
};

// Condition-variable deadlines on the system clock: libstdc++ 12 implements steady-clock waits
// with pthread_cond_clockwait, which GCC 12's ThreadSanitizer does not intercept (it then
// reports nonsense and aborts); system-clock waits use the intercepted pthread_cond_timedwait.
inline std::chrono::system_clock::time_point deadline(std::chrono::milliseconds limit) {
    return std::chrono::system_clock::now() + limit;
}

// A value handed from one thread to a waiting one (mutex + condition variable, which
// ThreadSanitizer models fully).
template <class T>
class Slot {
public:
    void set(T value) {
        std::lock_guard lock(mutex_);
        if (value_) return;
        value_.emplace(std::move(value));
        changed_.notify_all();
    }
    std::optional<T> wait(std::chrono::milliseconds limit) {
        std::unique_lock lock(mutex_);
        changed_.wait_until(lock, deadline(limit), [this] { return value_.has_value(); });
        return std::move(value_);
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::optional<T> value_;
};

struct Notification {
    DWORD status;
    std::string text;
    bool operator==(const Notification&) const = default;
};

inline std::ostream& operator<<(std::ostream& out, const Notification& n) {
    return out << "(" << n.status << ", \"" << n.text << "\")";
}

struct ConnectOutcome {
    std::error_code ec;
    std::unique_ptr<Stream> stream;
    std::vector<Notification> notifications;
    int handler_calls = 0;
    std::chrono::steady_clock::duration elapsed{};
};

// Records what a connect attempt reports; shared with the callbacks so late calls are safe.
struct ConnectProbe {
    std::mutex mutex;
    std::vector<Notification> notifications;
    int handler_calls = 0;
    Slot<std::pair<std::error_code, std::unique_ptr<Stream>>> result;
};

inline std::shared_ptr<Connector> start_connect(asio::any_io_executor strand, ConnectRequest request,
                                                const std::shared_ptr<ConnectProbe>& probe) {
    return Connector::start(
        strand, std::move(request),
        [probe](DWORD status, std::string_view text) {
            std::lock_guard lock(probe->mutex);
            probe->notifications.push_back({status, std::string(text)});
        },
        [probe](std::error_code ec, std::unique_ptr<Stream> stream) {
            std::lock_guard lock(probe->mutex);
            if (++probe->handler_calls == 1) probe->result.set({ec, std::move(stream)});
        });
}

inline ConnectOutcome wait_connect(const std::shared_ptr<ConnectProbe>& probe,
                                   std::chrono::steady_clock::time_point started,
                                   std::chrono::seconds limit = std::chrono::seconds(15)) {
    ConnectOutcome outcome;
    auto result = probe->result.wait(limit);
    if (!result) {
        ADD_FAILURE() << "connect did not complete within " << limit.count() << " s";
        return outcome;
    }
    outcome.elapsed = std::chrono::steady_clock::now() - started;
    std::tie(outcome.ec, outcome.stream) = std::move(*result);
    std::lock_guard lock(probe->mutex);
    outcome.notifications = probe->notifications;
    outcome.handler_calls = probe->handler_calls;
    return outcome;
}

inline ConnectOutcome connect(asio::any_io_executor strand, ConnectRequest request) {
    auto probe = std::make_shared<ConnectProbe>();
    auto started = std::chrono::steady_clock::now();
    auto connector = start_connect(strand, std::move(request), probe);
    return wait_connect(probe, started);
}

// Runs `work` on the stream's strand; `work` gets a completion function to call with the result.
template <class Result, class Work>
Result on_strand(Stream& stream, Work work, std::chrono::seconds limit = std::chrono::seconds(15)) {
    auto slot = std::make_shared<Slot<Result>>();
    asio::post(stream.executor(), [&stream, work = std::move(work), slot]() mutable {
        work(stream, [slot](Result result) { slot->set(std::move(result)); });
    });
    auto result = slot->wait(limit);
    if (!result) {
        ADD_FAILURE() << "stream operation did not complete";
        return Result{};
    }
    return std::move(*result);
}

inline std::error_code write_all(Stream& stream, const std::string& data) {
    return on_strand<std::error_code>(stream, [&data](Stream& s, auto done) {
        s.async_write_all({asio::buffer(data)}, [done](std::error_code ec, std::size_t) { done(ec); });
    });
}

// Reads until end of stream or error (bounded in size); returns the data and the final error.
inline std::pair<std::string, std::error_code> read_to_end(Stream& stream, std::size_t limit = 1 << 24) {
    struct State {
        std::string data;
        std::vector<char> buffer = std::vector<char>(4096);
    };
    auto state = std::make_shared<State>();
    auto ec = on_strand<std::error_code>(stream, [state, limit](Stream& s, auto done) {
        auto step = std::make_shared<std::function<void()>>();
        *step = [&s, state, limit, done, step] {
            s.async_read_some(asio::buffer(state->buffer), [&s, state, limit, done, step](std::error_code ec, std::size_t n) {
                state->data.append(state->buffer.data(), n);
                if (ec || state->data.size() > limit) {
                    *step = nullptr;   // break the self-reference
                    done(ec);
                    return;
                }
                (*step)();
            });
        };
        (*step)();
    });
    return {state->data, ec};
}

}  // namespace openinet::net::test_util
