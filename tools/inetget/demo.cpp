#include "demo.hpp"

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "demo_server.hpp"
#include "download_runner.hpp"
#include "progress_view.hpp"
#include "transfer.hpp"

namespace inetget {

namespace {

namespace fs = std::filesystem;

// The directory the demo writes to: -o DIR (kept), or a fresh temporary one (removed at the end,
// whatever happens, since it holds hundreds of MiB of generated data).
class DemoDirectory {
  public:
    explicit DemoDirectory(const Options& options) {
        if (options.output_dir_given) {
            path_ = options.output_dir;
            fs::create_directories(path_);
            return;
        }
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern =
            (tmp && *tmp ? std::string(tmp) : std::string("/tmp")) + "/inetget-demo-XXXXXX";
        if (!::mkdtemp(pattern.data())) {
            throw fs::filesystem_error("cannot create a temporary directory", fs::path(pattern),
                                       std::error_code(errno, std::system_category()));
        }
        path_ = pattern;
        temporary_ = true;
    }
    ~DemoDirectory() {
        if (!temporary_) return;
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    DemoDirectory(const DemoDirectory&) = delete;
    DemoDirectory& operator=(const DemoDirectory&) = delete;

    const fs::path& path() const { return path_; }
    bool temporary() const { return temporary_; }

  private:
    fs::path path_;
    bool temporary_ = false;
};

// The server records a body's digest just after its last write, which may be a moment after
// the client has read the last byte.
std::optional<Sha256> wait_for_sent_digest(const DemoServer& server, const std::string& name) {
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
        if (auto digest = server.sent_digest(name)) return digest;
        if (std::chrono::steady_clock::now() > give_up) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

// Checks one downloaded file; prints the result. Returns whether it is intact.
bool verify(const DemoServer& server, const DemoFile& file, const fs::path& path, bool quiet) {
    std::error_code ec;
    auto size = fs::file_size(path, ec);
    std::string problem;
    std::optional<Sha256> digest;
    auto sent = wait_for_sent_digest(server, file.name);
    if (ec) {
        problem = "cannot stat " + path.string() + ": " + ec.message();
    } else if (size != file.size) {
        problem = "size is " + std::to_string(size) + " bytes, the server sent " +
                  std::to_string(file.size);
    } else if (!sent) {
        problem = "the server did not record a complete body for it";
    } else if (digest = sha256_of_file(path, problem); !digest) {
        // problem was set by sha256_of_file
    } else if (*digest != *sent) {
        problem = "SHA-256 " + digest->hex() + " differs from the server's " + sent->hex();
    }
    if (!problem.empty()) {
        std::fprintf(stderr, "inetget: demo: %s: %s\n", file.name.c_str(), problem.c_str());
        return false;
    }
    if (!quiet) {
        std::printf("verified  %-12s %12llu bytes  sha256 %s\n", file.name.c_str(),
                    static_cast<unsigned long long>(size), digest->hex().c_str());
    }
    return true;
}

}  // namespace

int run_demo(const Options& options, StopSignal& stop) {
    DemoDirectory directory(options);
    DemoServer server(demo_catalogue(options.demo_files));
    server.start();

    std::uint64_t total = 0;
    for (const auto& file : server.files()) total += file.size;
    if (!options.quiet) {
        std::printf("inetget demo: %zu files (%s) from http://127.0.0.1:%u/ into %s%s\n",
                    server.files().size(), format_bytes(total).c_str(),
                    static_cast<unsigned>(server.port()), directory.path().c_str(),
                    directory.temporary() ? " (removed afterwards)" : "");
        std::fflush(stdout);
    }

    TransferSettings settings;
    if (options.timeout_seconds) settings.timeout_ms = *options.timeout_seconds * 1000;
    std::vector<std::unique_ptr<Transfer>> transfers;
    for (const auto& file : server.files()) {
        transfers.push_back(std::make_unique<Transfer>(server.url_for(file),
                                                       directory.path() / file.name, settings));
    }

    auto mode = options.quiet         ? ProgressView::Mode::quiet
                : is_terminal(stdout) ? ProgressView::Mode::live
                                      : ProgressView::Mode::lines;
    ProgressView view(stdout, mode);
    RunResult result =
        run_transfers(transfers, view, stop, static_cast<unsigned>(transfers.size()));

    bool intact = result.all_succeeded();
    if (!result.stop_signal) {
        for (std::size_t i = 0; i < transfers.size(); ++i) {
            if (result.transfers[i].state != TransferState::succeeded) continue;
            intact =
                verify(server, server.files()[i], transfers[i]->destination(), options.quiet) &&
                intact;
        }
    }
    server.stop();

    print_errors(stderr, result);
    if (!options.quiet) print_summary(stdout, result);
    if (result.stop_signal) return exit_status_for_signal(*result.stop_signal);
    if (!intact) return 1;
    if (!options.quiet) std::printf("demo complete: every file arrived intact\n");
    return 0;
}

}  // namespace inetget
