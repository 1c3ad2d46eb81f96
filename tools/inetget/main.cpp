// inetget: downloads URLs concurrently through the OpenInet WinInet API. This file only wires
// the parts together; each concern has its own file (options, transfer, progress_view,
// output_file, download_runner, stop_signal, demo, demo_server).
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <vector>

#include "demo.hpp"
#include "download_runner.hpp"
#include "options.hpp"
#include "output_file.hpp"
#include "progress_view.hpp"
#include "stop_signal.hpp"
#include "tls_trust.hpp"
#include "transfer.hpp"

namespace {

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

int download_urls(const inetget::Options& options, inetget::StopSignal& stop) {
    using namespace inetget;
    std::error_code ec;
    std::filesystem::create_directories(options.output_dir, ec);
    if (ec || !std::filesystem::is_directory(options.output_dir)) {
        std::fprintf(stderr, "inetget: cannot use %s as the output directory: %s\n",
                     options.output_dir.c_str(), ec ? ec.message().c_str() : "not a directory");
        return exit_failure;
    }

    TransferSettings settings;
    settings.insecure = options.insecure;
    if (options.timeout_seconds) settings.timeout_ms = *options.timeout_seconds * 1000;
    settings.resume = options.resume;
    settings.retries = options.retries;

    auto names = unique_file_names(options.urls);
    std::vector<std::unique_ptr<Transfer>> transfers;
    for (std::size_t i = 0; i < options.urls.size(); ++i) {
        transfers.push_back(std::make_unique<Transfer>(
            options.urls[i], std::filesystem::path(options.output_dir) / names[i], settings));
    }

    auto mode = options.quiet         ? ProgressView::Mode::quiet
                : is_terminal(stdout) ? ProgressView::Mode::live
                                      : ProgressView::Mode::lines;
    ProgressView view(stdout, mode);
    RunResult result = run_transfers(transfers, view, stop, options.jobs);

    print_errors(stderr, result);
    if (!options.quiet) print_summary(stdout, result);
    if (result.stop_signal) return exit_status_for_signal(*result.stop_signal);
    return result.all_succeeded() ? 0 : exit_failure;
}

}  // namespace

int main(int argc, char** argv) {
    auto parsed =
        inetget::parse_options(std::span<const char* const>(argv + 1, argc > 0 ? argc - 1 : 0));
    if (!parsed.options) {
        std::fprintf(stderr, "inetget: %s\nTry 'inetget --help' for more information.\n",
                     parsed.error.c_str());
        return exit_usage;
    }
    const auto& options = *parsed.options;
    if (options.show_help) {
        std::fputs(inetget::usage_text().c_str(), stdout);
        return 0;
    }
    if (options.show_version) {
        std::fputs(inetget::version_text().c_str(), stdout);
        return 0;
    }

    // A reader that goes away (inetget ... | head) must not kill us between a .part file and
    // its removal; writes then fail with EPIPE instead.
    std::signal(SIGPIPE, SIG_IGN);
    try {
        if (!options.ca_file.empty()) inetget::trust_extra_ca_file(options.ca_file);
        inetget::StopSignal stop;  // before any thread exists: see stop_signal.hpp
        return options.demo ? inetget::run_demo(options, stop) : download_urls(options, stop);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "inetget: %s\n", e.what());
        return exit_failure;
    }
}
