#include "progress_view.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace inetget {

namespace {

constexpr std::string_view clear_line = "\r\x1b[2K";
constexpr std::string_view clear_below = "\x1b[J";
constexpr std::string_view hide_cursor = "\x1b[?25l";
constexpr std::string_view show_cursor = "\x1b[?25h";

std::string cursor_up(std::size_t lines) {
    return "\x1b[" + std::to_string(lines) + "A";
}

std::string fit(std::string text, std::size_t width) {
    if (text.size() <= width) return text;
    if (width <= 3) return text.substr(0, width);
    return text.substr(0, width - 3) + "...";
}

std::string pad_right(std::string text, std::size_t width) {
    if (text.size() < width) text.append(width - text.size(), ' ');
    return text;
}

std::string pad_left(std::string text, std::size_t width) {
    if (text.size() < width) text.insert(0, width - text.size(), ' ');
    return text;
}

double seconds_of(std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

std::string describe_finish(const TransferSnapshot& t) {
    switch (t.state) {
        case TransferState::succeeded: {
            double seconds = seconds_of(t.elapsed);
            std::string line = "done      " + t.name + "  " + format_bytes(t.bytes) + " in ";
            char buffer[32];
            std::snprintf(buffer, sizeof buffer, "%.2f s", seconds);
            line += buffer;
            if (seconds > 0)
                line += " (" + format_rate(static_cast<double>(t.fetched()) / seconds) + ")";
            if (t.resumed_from > 0) line += ", continued after " + format_bytes(t.resumed_from);
            return line;
        }
        case TransferState::failed:
            return "failed    " + t.name + "  " + t.error_message;
        case TransferState::cancelled:
            return "cancelled " + t.name + "  after " + format_bytes(t.bytes) +
                   (t.total ? " of " + format_bytes(*t.total) : std::string());
        default:
            return {};
    }
}

}  // namespace

std::string format_bytes(std::uint64_t bytes) {
    if (bytes < 1024) return std::to_string(bytes) + " B";
    static constexpr const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double value = static_cast<double>(bytes) / 1024.0;
    std::size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < std::size(units)) {
        value /= 1024.0;
        ++unit;
    }
    // Three significant digits, truncated rather than rounded so 1023.9 KiB never shows as
    // "1024 KiB" and the number never claims more than has arrived.
    char buffer[32];
    if (value < 10.0) {
        std::snprintf(buffer, sizeof buffer, "%.2f %s", std::floor(value * 100.0) / 100.0,
                      units[unit]);
    } else if (value < 100.0) {
        std::snprintf(buffer, sizeof buffer, "%.1f %s", std::floor(value * 10.0) / 10.0,
                      units[unit]);
    } else {
        std::snprintf(buffer, sizeof buffer, "%.0f %s", std::floor(value), units[unit]);
    }
    return buffer;
}

std::string format_rate(double bytes_per_second) {
    if (bytes_per_second < 0 || !std::isfinite(bytes_per_second)) return "-";
    return format_bytes(static_cast<std::uint64_t>(bytes_per_second)) + "/s";
}

std::string format_eta(double seconds) {
    if (seconds < 0 || !std::isfinite(seconds) || seconds >= 99.0 * 3600.0) return "--:--";
    auto total = static_cast<std::uint64_t>(std::ceil(seconds));
    auto hours = total / 3600;
    auto minutes = (total / 60) % 60;
    auto secs = total % 60;
    char buffer[32];
    if (hours > 0) {
        std::snprintf(
            buffer, sizeof buffer, "%llu:%02llu:%02llu", static_cast<unsigned long long>(hours),
            static_cast<unsigned long long>(minutes), static_cast<unsigned long long>(secs));
    } else {
        std::snprintf(buffer, sizeof buffer, "%llu:%02llu",
                      static_cast<unsigned long long>(minutes),
                      static_cast<unsigned long long>(secs));
    }
    return buffer;
}

std::string format_percent(std::uint64_t bytes, std::optional<std::uint64_t> total) {
    if (!total || *total == 0) return {};
    auto percent = std::min<std::uint64_t>(
        100, static_cast<std::uint64_t>(static_cast<long double>(bytes) * 100 / *total));
    if (percent == 100 && bytes < *total) percent = 99;
    return std::to_string(percent) + "%";
}

std::string format_live_line(const TransferSnapshot& t, double rate, std::size_t name_width,
                             std::size_t width) {
    std::string line = pad_right(fit(t.name, name_width), name_width);
    line += "  " + pad_left(format_bytes(t.bytes), 9) + " / " +
            pad_left(t.total ? format_bytes(*t.total) : std::string("?"), 9);
    line += "  " + pad_left(format_percent(t.bytes, t.total), 4);
    bool active = t.state == TransferState::receiving || t.state == TransferState::connecting;
    if (active) {
        line += "  " + pad_left(format_rate(rate), 12);
        double eta = -1;
        if (t.total && rate > 0 && *t.total >= t.bytes) {
            eta = static_cast<double>(*t.total - t.bytes) / rate;
        }
        line += "  ETA " + pad_left(format_eta(eta), 7);
    } else if (t.state == TransferState::succeeded) {
        double seconds = seconds_of(t.elapsed);
        line += "  " + pad_left(seconds > 0 ? format_rate(static_cast<double>(t.fetched()) / seconds)
                                            : std::string("-"),
                                12);
        line += std::string(12, ' ');
    } else {
        line += std::string(26, ' ');
    }
    line += "  ";
    line += state_name(t.state);
    if (!t.error_message.empty()) line += ": " + t.error_message;
    return fit(std::move(line), width);
}

void RateMeter::add(Clock::time_point when, std::uint64_t bytes) {
    samples_.emplace_back(when, bytes);
    while (samples_.size() > 2 && when - samples_.front().first > window) samples_.pop_front();
}

double RateMeter::bytes_per_second() const {
    if (samples_.size() < 2) return -1;
    const auto& [first_time, first_bytes] = samples_.front();
    const auto& [last_time, last_bytes] = samples_.back();
    double seconds = std::chrono::duration<double>(last_time - first_time).count();
    if (seconds < 0.2 || last_bytes < first_bytes) return -1;
    return static_cast<double>(last_bytes - first_bytes) / seconds;
}

ProgressView::ProgressView(std::FILE* out, Mode mode) : out_(out), mode_(mode) {}

ProgressView::~ProgressView() {
    if (cursor_hidden_) write(std::string(show_cursor));
}

void ProgressView::update(std::span<const TransferSnapshot> transfers) {
    if (finished_) return;
    if (mode_ == Mode::live) draw_frame(transfers, false);
    if (mode_ == Mode::lines) print_events(transfers);
}

void ProgressView::finish(std::span<const TransferSnapshot> transfers) {
    if (finished_) return;
    if (mode_ == Mode::live) draw_frame(transfers, true);
    if (mode_ == Mode::lines) print_events(transfers);
    finished_ = true;
    if (cursor_hidden_) {
        write(std::string(show_cursor));
        cursor_hidden_ = false;
    }
}

void ProgressView::draw_frame(std::span<const TransferSnapshot> transfers, bool final_frame) {
    auto now = std::chrono::steady_clock::now();
    if (meters_.size() != transfers.size()) meters_.assign(transfers.size(), RateMeter{});
    for (std::size_t i = 0; i < transfers.size(); ++i) meters_[i].add(now, transfers[i].bytes);

    std::size_t width = terminal_columns(out_);
    width = width > 1 ? width - 1 : 1;  // never write into the last column: it would wrap
    std::size_t rows = terminal_rows(out_);
    // One line per transfer plus the total line, as long as the screen holds them: the
    // cursor cannot move above the top of the screen, so a taller frame could not be redrawn.
    std::size_t max_transfer_lines = rows > 3 ? rows - 2 : 1;

    std::size_t name_width = 8;
    for (const auto& t : transfers) name_width = std::max(name_width, t.name.size());
    name_width = std::min<std::size_t>(name_width, std::max<std::size_t>(12, width / 3));

    std::string frame;
    if (!cursor_hidden_ && !final_frame) {
        frame += hide_cursor;
        cursor_hidden_ = true;
    }
    if (lines_drawn_ > 0) frame += "\r" + cursor_up(lines_drawn_);
    std::size_t lines = 0;
    std::size_t shown = std::min(transfers.size(), max_transfer_lines);
    if (shown < transfers.size() && shown > 0) --shown;  // room for the "more" line
    for (std::size_t i = 0; i < shown; ++i) {
        frame += clear_line;
        frame += format_live_line(transfers[i], meters_[i].bytes_per_second(), name_width, width);
        frame += '\n';
        ++lines;
    }
    std::uint64_t bytes = 0;
    std::size_t done = 0, failed = 0, active = 0;
    double rate = 0;
    for (std::size_t i = 0; i < transfers.size(); ++i) {
        bytes += transfers[i].bytes;
        if (transfers[i].state == TransferState::succeeded) ++done;
        if (transfers[i].state == TransferState::failed ||
            transfers[i].state == TransferState::cancelled)
            ++failed;
        if (!is_finished(transfers[i].state)) {
            ++active;
            rate += std::max(0.0, meters_[i].bytes_per_second());
        }
    }
    if (shown < transfers.size()) {
        frame += clear_line;
        frame += fit("... and " + std::to_string(transfers.size() - shown) + " more", width);
        frame += '\n';
        ++lines;
    }
    char elapsed[32];
    std::snprintf(elapsed, sizeof elapsed, "%.1f s",
                  std::chrono::duration<double>(now - started_).count());
    std::string total =
        "total: " + std::to_string(done) + "/" + std::to_string(transfers.size()) + " done";
    if (failed > 0) total += ", " + std::to_string(failed) + " failed";
    total += ", " + format_bytes(bytes) + " in " + elapsed;
    if (active > 0) total += ", " + format_rate(rate);
    frame += clear_line;
    frame += fit(total, width);
    frame += '\n';
    ++lines;
    if (lines < lines_drawn_) frame += clear_below;
    lines_drawn_ = lines;
    write(frame);
}

void ProgressView::print_events(std::span<const TransferSnapshot> transfers) {
    if (reported_.size() != transfers.size())
        reported_.assign(transfers.size(), TransferState::waiting);
    std::string text;
    for (std::size_t i = 0; i < transfers.size(); ++i) {
        const auto& t = transfers[i];
        if (t.state == reported_[i]) continue;
        if (reported_[i] == TransferState::waiting && t.state != TransferState::waiting) {
            text += "start     " + t.name + "  " + t.url + "\n";
        }
        if (is_finished(t.state)) text += describe_finish(t) + "\n";
        reported_[i] = t.state;
    }
    if (!text.empty()) write(text);
}

void ProgressView::write(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), out_);
    std::fflush(out_);
}

bool is_terminal(std::FILE* stream) {
    return ::isatty(::fileno(stream)) == 1;
}

std::size_t terminal_columns(std::FILE* stream) {
    winsize size{};
    if (::ioctl(::fileno(stream), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
    return 80;
}

std::size_t terminal_rows(std::FILE* stream) {
    winsize size{};
    if (::ioctl(::fileno(stream), TIOCGWINSZ, &size) == 0 && size.ws_row > 0) return size.ws_row;
    return 24;
}

}  // namespace inetget
