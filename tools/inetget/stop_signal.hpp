// Ctrl-C and SIGTERM as something the main loop can wait for.
//
// The constructor blocks SIGINT and SIGTERM for the calling thread and reads them through a
// signalfd instead; it must run before any other thread exists (the workers, the demo
// server, the library's engine), so that every thread inherits the blocked mask and the
// signals can only be consumed here. No handler runs asynchronously, so nothing has to be
// async-signal-safe. A signal that was already ignored when inetget started (SIGINT for a
// background job of a non-interactive shell) stays ignored, as shells expect.
#pragma once

#include <chrono>
#include <optional>

namespace inetget {

class StopSignal {
  public:
    StopSignal();   // throws std::system_error when the signalfd cannot be created
    ~StopSignal();  // restores the signal mask
    StopSignal(const StopSignal&) = delete;
    StopSignal& operator=(const StopSignal&) = delete;

    // Waits up to `limit` for SIGINT or SIGTERM; returns its number, or nullopt on timeout.
    // Also the main loop's clock: it returns early only when a signal arrives.
    std::optional<int> wait(std::chrono::milliseconds limit);

    // The signal received so far (the first one), if any.
    std::optional<int> received() const noexcept { return received_; }

  private:
    int fd_ = -1;
    std::optional<int> received_;
};

// The conventional exit status after a signal: 128 + its number (130 for SIGINT).
int exit_status_for_signal(int signal_number) noexcept;

}  // namespace inetget
