// Runs a set of transfers, `jobs` at a time (a worker thread each), the progress view redrawn
// by the calling (main) thread about ten times a second, and SIGINT/SIGTERM turned into
// Transfer::cancel() on every transfer.
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

#include "progress_view.hpp"
#include "stop_signal.hpp"
#include "transfer.hpp"

namespace inetget {

struct RunResult {
    std::vector<TransferSnapshot> transfers;  // final state of each, in the given order
    std::size_t succeeded = 0, failed = 0, cancelled = 0;
    std::optional<int> stop_signal;  // set when the run was stopped by a signal
    std::chrono::steady_clock::duration elapsed{};

    bool all_succeeded() const noexcept { return succeeded == transfers.size(); }
};

// Returns when every transfer has finished. If a transfer does not finish within a bound
// after being cancelled (it should take well under a second), its .part file is removed and
// the process exits with the signal's status rather than hang.
RunResult run_transfers(const std::vector<std::unique_ptr<Transfer>>& transfers, ProgressView& view,
                        StopSignal& stop, unsigned jobs);

// "inetget: <name>: <message>" for every failed transfer.
void print_errors(std::FILE* err, const RunResult& result);
// "3 of 4 downloads succeeded, 1 failed: 12.0 MiB in 2.1 s (5.7 MiB/s)".
void print_summary(std::FILE* out, const RunResult& result);

}  // namespace inetget
