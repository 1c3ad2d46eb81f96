#include "download_runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <thread>

#include "output_file.hpp"

namespace inetget {

namespace {

constexpr auto redraw_interval = std::chrono::milliseconds(100);
constexpr auto cancel_bound = std::chrono::seconds(10);

TransferSnapshot snapshot_of(const Transfer& transfer) {
    TransferSnapshot snapshot;
    snapshot.name = transfer.name();
    snapshot.url = transfer.url();
    snapshot.state = transfer.state();  // acquire: error() below is complete when finished
    snapshot.bytes = transfer.bytes_received();
    snapshot.resumed_from = transfer.resumed_from();
    snapshot.total = transfer.total_bytes();
    snapshot.elapsed = transfer.elapsed();
    if (snapshot.state == TransferState::failed || snapshot.state == TransferState::cancelled) {
        snapshot.error_message = transfer.error().message;
    }
    return snapshot;
}

std::vector<TransferSnapshot> snapshot_all(
    const std::vector<std::unique_ptr<Transfer>>& transfers) {
    std::vector<TransferSnapshot> snapshots;
    snapshots.reserve(transfers.size());
    for (const auto& transfer : transfers) snapshots.push_back(snapshot_of(*transfer));
    return snapshots;
}

bool all_finished(const std::vector<std::unique_ptr<Transfer>>& transfers) {
    for (const auto& transfer : transfers) {
        if (!is_finished(transfer->state())) return false;
    }
    return true;
}

[[noreturn]] void give_up_after_cancel(const std::vector<std::unique_ptr<Transfer>>& transfers,
                                       int signal_number) {
    std::fprintf(stderr,
                 "inetget: downloads did not stop within %lld s of being cancelled; "
                 "removing their .part files and exiting\n",
                 static_cast<long long>(cancel_bound.count()));
    for (const auto& transfer : transfers) {
        if (is_finished(transfer->state()) || transfer->keeps_partial_file()) continue;
        auto part = transfer->destination();
        part += PartFile::suffix;
        ::unlink(part.c_str());
    }
    std::fflush(nullptr);
    std::_Exit(exit_status_for_signal(signal_number));
}

}  // namespace

RunResult run_transfers(const std::vector<std::unique_ptr<Transfer>>& transfers, ProgressView& view,
                        StopSignal& stop, unsigned jobs) {
    auto started = std::chrono::steady_clock::now();
    // Each worker takes the next transfer nobody has started yet; a transfer cancelled before
    // its turn ends at once without touching the network or the disk.
    std::atomic<std::size_t> next{0};
    auto work = [&transfers, &next] {
        for (std::size_t i = next.fetch_add(1); i < transfers.size(); i = next.fetch_add(1)) {
            transfers[i]->run();
        }
    };
    std::size_t worker_count = std::min<std::size_t>(std::max(jobs, 1u), transfers.size());
    std::vector<std::thread> workers;
    workers.reserve(worker_count);
    try {
        for (std::size_t i = 0; i < worker_count; ++i) workers.emplace_back(work);
    } catch (...) {
        // Out of threads: stop what runs (their workers are released by the closed handles).
        for (const auto& transfer : transfers) transfer->cancel();
        for (auto& worker : workers) worker.join();
        throw;
    }

    std::optional<std::chrono::steady_clock::time_point> cancelled_at;
    while (!all_finished(transfers)) {
        auto signal_number = stop.wait(redraw_interval);
        if (signal_number && !cancelled_at) {
            cancelled_at = std::chrono::steady_clock::now();
            for (const auto& transfer : transfers) transfer->cancel();
        }
        view.update(snapshot_all(transfers));
        if (cancelled_at && std::chrono::steady_clock::now() - *cancelled_at > cancel_bound) {
            view.finish(snapshot_all(transfers));
            give_up_after_cancel(transfers, *stop.received());
        }
    }
    for (auto& worker : workers) worker.join();

    RunResult result;
    result.transfers = snapshot_all(transfers);
    result.elapsed = std::chrono::steady_clock::now() - started;
    result.stop_signal = stop.received();
    for (const auto& t : result.transfers) {
        if (t.state == TransferState::succeeded) ++result.succeeded;
        if (t.state == TransferState::failed) ++result.failed;
        if (t.state == TransferState::cancelled) ++result.cancelled;
    }
    view.finish(result.transfers);
    return result;
}

void print_errors(std::FILE* err, const RunResult& result) {
    for (const auto& t : result.transfers) {
        if (t.state != TransferState::failed) continue;
        std::fprintf(err, "inetget: %s (%s): %s\n", t.name.c_str(), t.url.c_str(),
                     t.error_message.c_str());
    }
    std::fflush(err);
}

void print_summary(std::FILE* out, const RunResult& result) {
    std::uint64_t bytes = 0;
    for (const auto& t : result.transfers) {
        if (t.state == TransferState::succeeded) bytes += t.fetched();
    }
    double seconds = std::chrono::duration<double>(result.elapsed).count();
    std::string line = std::to_string(result.succeeded) + " of " +
                       std::to_string(result.transfers.size()) + " downloads succeeded";
    if (result.failed > 0) line += ", " + std::to_string(result.failed) + " failed";
    if (result.cancelled > 0) line += ", " + std::to_string(result.cancelled) + " cancelled";
    char timing[64];
    std::snprintf(timing, sizeof timing, " in %.1f s", seconds);
    line += ": " + format_bytes(bytes) + timing;
    if (seconds > 0 && bytes > 0)
        line += " (" + format_rate(static_cast<double>(bytes) / seconds) + ")";
    if (result.stop_signal) {
        line += result.stop_signal == SIGINT ? "; stopped by Ctrl-C" : "; stopped by a signal";
    }
    std::fprintf(out, "%s\n", line.c_str());
    std::fflush(out);
}

}  // namespace inetget
