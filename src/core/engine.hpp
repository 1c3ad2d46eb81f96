// The process-wide asynchronous engine: one io_context served by a small fixed thread pool.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace openinet::core {

class Engine {
public:
    static constexpr unsigned thread_count = 2;

    // Started on first use, from any thread. Never destroyed: the threads are stopped by an
    // exit handler instead (see docs/internals/engine.md for why).
    static Engine& instance();

    boost::asio::io_context& context() noexcept { return context_; }
    boost::asio::any_io_executor executor() noexcept { return context_.get_executor(); }

    // True on one of the engine's own threads (where async callbacks run).
    bool in_engine_thread() const noexcept;

    // True once process exit has begun stopping the engine; work posted after that never
    // runs, so operations fail with ERROR_INTERNET_SHUTDOWN instead of waiting forever.
    bool stopping() const noexcept;

    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

private:
    Engine();
    ~Engine() = delete;
    void serve();
    void shut_down() noexcept;
    static void shut_down_at_exit() noexcept;

    boost::asio::io_context context_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::vector<std::thread> threads_;
    std::mutex exit_mutex_;
    std::condition_variable exit_cv_;
    unsigned threads_running_ = 0;
    std::atomic<bool> stopping_{false};
};

}  // namespace openinet::core
