// `inetget --demo [N]`: starts the embedded DemoServer on 127.0.0.1, downloads its files
// concurrently with the normal machinery (Transfer, ProgressView, run_transfers), checks
// every file's size and SHA-256 against what the server sent, and prints a summary. It never
// contacts anything but 127.0.0.1.
#pragma once

#include "options.hpp"
#include "stop_signal.hpp"

namespace inetget {

// Returns the process exit status: 0 when every file arrived complete and intact.
int run_demo(const Options& options, StopSignal& stop);

}  // namespace inetget
