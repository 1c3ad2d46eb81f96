#include "core/engine.hpp"

#include <openssl/ssl.h>
#include <pthread.h>

#include <chrono>
#include <cstdlib>

namespace openinet::core {
namespace {

thread_local bool tls_is_engine_thread = false;

// Written once, before any exit handler can run; read by the exit handler.
std::atomic<Engine*> g_engine{nullptr};

}  // namespace

Engine& Engine::instance() {
    // Deliberately never destroyed. A static Engine would be destroyed during exit() while its
    // threads may still be inside a handler or a user callback, and while other statics that
    // handlers use (the handle table, Asio's and OpenSSL's own state) are being torn down.
    // Instead, an exit handler stops and joins the threads, and the memory goes with the
    // process. The magic static makes the first call safe from any thread.
    static Engine* const engine = new Engine();
    return *engine;
}

Engine::Engine() : work_(boost::asio::make_work_guard(context_)) {
    g_engine.store(this, std::memory_order_release);
    // OpenSSL registers its own exit handler when it initialises; doing that first makes it run
    // after ours (exit handlers run in reverse), so the worker threads have ended — and
    // OpenSSL has freed their per-thread state (error queue, random generators) — before
    // OpenSSL cleans up.
    OPENSSL_init_ssl(0, nullptr);
    // Registered after Asio's own statics were constructed (they belong to earlier dynamic
    // initialisation), so it runs before they are destroyed.
    std::atexit(&Engine::shut_down_at_exit);
    threads_running_ = thread_count;
    threads_.reserve(thread_count);
    for (unsigned i = 0; i < thread_count; ++i) {
        threads_.emplace_back([this] { serve(); });
        pthread_setname_np(threads_.back().native_handle(), "openinet-io");
    }
}

void Engine::serve() {
    tls_is_engine_thread = true;
    for (;;) {
        try {
            context_.run();
            break;
        } catch (...) {
            // A handler let an exception escape. Dropping it keeps every other transfer in the
            // process alive; the failing operation reports its own error through its handler.
            if (stopping_.load(std::memory_order_acquire)) break;
        }
    }
    std::lock_guard lock(exit_mutex_);
    --threads_running_;
    exit_cv_.notify_all();
}

bool Engine::in_engine_thread() const noexcept { return tls_is_engine_thread; }

bool Engine::stopping() const noexcept { return stopping_.load(std::memory_order_acquire); }

void Engine::shut_down_at_exit() noexcept {
    if (Engine* engine = g_engine.load(std::memory_order_acquire)) engine->shut_down();
}

void Engine::shut_down() noexcept {
    stopping_.store(true, std::memory_order_release);
    work_.reset();
    context_.stop();
    // A thread busy in a user callback that never returns must not hang exit: wait a bounded
    // time, then leave such a thread to die with the process.
    bool all_stopped;
    {
        std::unique_lock lock(exit_mutex_);
        const unsigned own = tls_is_engine_thread ? 1 : 0;  // exit() called from a callback
        all_stopped = exit_cv_.wait_for(lock, std::chrono::seconds(2),
                                        [&] { return threads_running_ <= own; });
    }
    for (auto& thread : threads_) {
        if (!thread.joinable()) continue;
        if (all_stopped && thread.get_id() != std::this_thread::get_id())
            thread.join();
        else
            thread.detach();
    }
}

}  // namespace openinet::core
