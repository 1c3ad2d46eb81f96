// What the user sees while downloads run. The main thread calls update() about ten times a
// second with a snapshot of every transfer (taken from the transfers' atomics, so workers never
// wait for the terminal):
//   live   (stdout is a terminal): one line per transfer — name, bytes/total, percent, rate,
//          ETA, state — and a total line, redrawn in place;
//   lines  (stdout is not a terminal): a plain line when a transfer starts and when it ends;
//   quiet  (-q): nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "transfer_state.hpp"

namespace inetget {

struct TransferSnapshot {
    // Bytes this run received itself (rates count these only).
    std::uint64_t fetched() const noexcept { return bytes >= resumed_from ? bytes - resumed_from : 0; }

    std::string name;
    std::string url;
    TransferState state = TransferState::waiting;
    std::uint64_t bytes = 0;         // of the whole file, including resumed_from
    std::uint64_t resumed_from = 0;  // already in the .part file when this run started
    std::optional<std::uint64_t> total;
    std::chrono::steady_clock::duration elapsed{};
    std::string error_message;  // failed / cancelled only
};

// "0 B", "999 B", "1.0 KiB", "12.5 MiB", "3.20 GiB" (3 significant digits from KiB on).
std::string format_bytes(std::uint64_t bytes);
// format_bytes of the rate + "/s"; "-" when the rate is unknown (negative).
std::string format_rate(double bytes_per_second);
// "0:07", "12:34", "1:02:03"; "--:--" when unknown (negative) or beyond 99 hours.
std::string format_eta(double seconds);
// "42%" (floored, so 100% only when complete); "" when the total is unknown or 0.
std::string format_percent(std::uint64_t bytes, std::optional<std::uint64_t> total);
// One line of the live view, at most `width` characters.
std::string format_live_line(const TransferSnapshot& transfer, double rate, std::size_t name_width,
                             std::size_t width);

// Bytes per second over the last few seconds of samples.
class RateMeter {
  public:
    using Clock = std::chrono::steady_clock;
    void add(Clock::time_point when, std::uint64_t bytes);
    // Negative until two samples at least 0.2 s apart exist.
    double bytes_per_second() const;

  private:
    static constexpr auto window = std::chrono::seconds(3);
    std::deque<std::pair<Clock::time_point, std::uint64_t>> samples_;
};

class ProgressView {
  public:
    enum class Mode { live, lines, quiet };

    ProgressView(std::FILE* out, Mode mode);
    ~ProgressView();  // restores the cursor if finish() was not reached

    // Live: redraws; lines: prints the start/finish lines of transfers that changed state.
    void update(std::span<const TransferSnapshot> transfers);
    // Last frame (live) or the remaining lines; then the view prints nothing more.
    void finish(std::span<const TransferSnapshot> transfers);

    Mode mode() const noexcept { return mode_; }

  private:
    void draw_frame(std::span<const TransferSnapshot> transfers, bool final_frame);
    void print_events(std::span<const TransferSnapshot> transfers);
    void write(const std::string& text);

    std::FILE* out_;
    Mode mode_;
    bool finished_ = false;
    bool cursor_hidden_ = false;
    std::size_t lines_drawn_ = 0;
    std::vector<RateMeter> meters_;
    std::vector<TransferState> reported_;  // lines mode: last state printed per transfer
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

// Whether `stream` is a terminal (live view) and its width in columns (80 when unknown).
bool is_terminal(std::FILE* stream);
std::size_t terminal_columns(std::FILE* stream);
std::size_t terminal_rows(std::FILE* stream);

}  // namespace inetget
