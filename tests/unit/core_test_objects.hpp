// Test-only handle types for the core tests (no network: Asio timers stand in for I/O).
#pragma once

#include "core/engine.hpp"
#include "core/operation.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <cstring>

namespace openinet::test {

// A handle whose read() waits on a timer: RECEIVING_RESPONSE when it starts, then after the
// delay RESPONSE_RECEIVED and the outcome. Closing cancels the timer, like a socket read.
class TimerObject : public core::Object {
public:
    TimerObject(const core::Object::Ptr& parent, DWORD_PTR context, std::chrono::milliseconds delay)
        : Object(INTERNET_HANDLE_TYPE_HTTP_REQUEST, parent, context),
          strand_(boost::asio::make_strand(core::Engine::instance().context())),
          timer_(strand_),
          delay_(delay) {}

    // When set, start() calls done inline (before returning) instead of waiting.
    bool complete_inline = false;
    // When set, start() drops done without calling it.
    bool lose_completion = false;

    std::error_code read(void* buffer, DWORD size, DWORD* read, DWORD, DWORD_PTR ctx) override {
        auto self = std::static_pointer_cast<TimerObject>(shared_from_this());
        auto result = core::run_operation(self, ctx, [self, buffer, size, read](core::Done done) {
            if (self->lose_completion) return;
            if (self->complete_inline) {
                std::memset(buffer, 'i', size);
                *read = size;
                done(TRUE, {});
                return;
            }
            boost::asio::post(self->strand_, [self, buffer, size, read, done] {
                if (self->cancelled_) {
                    done(FALSE, boost::system::error_code(boost::asio::error::operation_aborted));
                    return;
                }
                self->notify(INTERNET_STATUS_RECEIVING_RESPONSE);
                self->timer_.expires_after(self->delay_);
                self->timer_.async_wait([self, buffer, size, read, done](const boost::system::error_code& ec) {
                    if (!ec) {
                        std::memset(buffer, 'x', size);
                        *read = size;
                        self->notify_dword(INTERNET_STATUS_RESPONSE_RECEIVED, size);
                    }
                    done(ec ? FALSE : TRUE, ec);
                });
            });
        });
        return result.error;
    }

    // Reports `bytes` available after the delay (written to *available at completion).
    DWORD bytes = 10;
    std::error_code query_data_available(DWORD* available, DWORD, DWORD_PTR ctx) override {
        auto self = std::static_pointer_cast<TimerObject>(shared_from_this());
        auto result = core::run_operation(
            self, ctx,
            [self, available](core::Done done) {
                boost::asio::post(self->strand_, [self, available, done] {
                    self->timer_.expires_after(self->delay_);
                    self->timer_.async_wait([self, available, done](const boost::system::error_code& ec) {
                        if (!ec) *available = self->bytes;
                        done(ec ? 0 : self->bytes, ec);
                    });
                });
            },
            core::CompletionReport::bytes_available_in_error);
        return result.error;
    }

protected:
    void on_close() override {
        auto self = std::static_pointer_cast<TimerObject>(shared_from_this());
        boost::asio::post(strand_, [self] {
            self->cancelled_ = true;
            self->timer_.cancel();
        });
    }

private:
    boost::asio::strand<boost::asio::io_context::executor_type> strand_;
    boost::asio::steady_timer timer_;
    std::chrono::milliseconds delay_;
    bool cancelled_ = false;  // strand only
};

}  // namespace openinet::test
