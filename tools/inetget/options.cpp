#include "options.hpp"

#include <charconv>
#include <string_view>

namespace inetget {

namespace {

constexpr std::string_view program_version = "0.1.0";

// Unsigned decimal number that fills the whole text; nullopt for anything else.
std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
    if (text.empty() || text.size() > 19) return std::nullopt;
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

class Parser {
  public:
    explicit Parser(std::span<const char* const> args) : args_(args) {}

    ParseResult run() {
        bool only_operands = false;
        while (position_ < args_.size()) {
            std::string_view arg = args_[position_++];
            if (only_operands || arg.size() < 2 || arg[0] != '-') {
                if (!add_url(arg)) return failure();
            } else if (arg == "--") {
                only_operands = true;
            } else if (arg.starts_with("--")) {
                if (!long_option(arg.substr(2))) return failure();
            } else if (!short_options(arg.substr(1))) {
                return failure();
            }
        }
        if (!check_combination()) return failure();
        return ParseResult{options_, {}};
    }

  private:
    bool add_url(std::string_view arg) {
        if (arg.empty()) return fail("an empty URL was given");
        if (arg == "-") return fail("'-' is not a URL (inetget writes files, not standard output)");
        options_.urls.emplace_back(arg);
        return true;
    }

    // "--name" or "--name=value".
    bool long_option(std::string_view body) {
        std::string_view name = body;
        std::optional<std::string_view> inline_value;
        if (auto eq = body.find('='); eq != std::string_view::npos) {
            name = body.substr(0, eq);
            inline_value = body.substr(eq + 1);
        }
        auto no_value = [&]() {
            if (inline_value) return fail("option --" + std::string(name) + " takes no value");
            return true;
        };
        if (name == "help") return no_value() && (options_.show_help = true);
        if (name == "version") return no_value() && (options_.show_version = true);
        if (name == "quiet") return no_value() && (options_.quiet = true);
        if (name == "insecure") return no_value() && (options_.insecure = true);
        if (name == "continue") return no_value() && (options_.resume = true);
        if (name == "retries") return set_retries(value_for("--retries", inline_value));
        if (name == "jobs") return set_jobs(value_for("--jobs", inline_value));
        if (name == "output") return set_output(value_for("--output", inline_value));
        if (name == "timeout") return set_timeout(value_for("--timeout", inline_value));
        if (name == "ca-file") return set_ca_file(value_for("--ca-file", inline_value));
        if (name == "demo") return set_demo(inline_value);
        return fail("unknown option '--" + std::string(name) + "'");
    }

    // "-q", "-o DIR", "-oDIR", "-qo DIR", "-h", "-V".
    bool short_options(std::string_view cluster) {
        for (std::size_t i = 0; i < cluster.size(); ++i) {
            switch (cluster[i]) {
                case 'q':
                    options_.quiet = true;
                    break;
                case 'h':
                    options_.show_help = true;
                    break;
                case 'V':
                    options_.show_version = true;
                    break;
                case 'c':
                    options_.resume = true;
                    break;
                case 'j': {
                    std::optional<std::string_view> attached;
                    if (i + 1 < cluster.size()) attached = cluster.substr(i + 1);
                    return set_jobs(value_for("-j", attached));
                }
                case 'o': {
                    std::optional<std::string_view> attached;
                    if (i + 1 < cluster.size()) attached = cluster.substr(i + 1);
                    return set_output(value_for("-o", attached));
                }
                default:
                    return fail("unknown option '-" + std::string(1, cluster[i]) + "'");
            }
        }
        return true;
    }

    // The option's value: attached ("--x=v", "-ov") or the next argument.
    std::optional<std::string_view> value_for(std::string_view option,
                                              std::optional<std::string_view> attached) {
        if (attached) return attached;
        if (position_ < args_.size()) return std::string_view(args_[position_++]);
        fail("option " + std::string(option) + " needs a value");
        return std::nullopt;
    }

    bool set_output(std::optional<std::string_view> value) {
        if (!value) return false;
        if (value->empty()) return fail("option -o needs a directory, not an empty string");
        options_.output_dir = std::string(*value);
        options_.output_dir_given = true;
        return true;
    }

    bool set_timeout(std::optional<std::string_view> value) {
        if (!value) return false;
        auto seconds = parse_unsigned(*value);
        if (!seconds || *seconds == 0 || *seconds > max_timeout_seconds) {
            return fail("--timeout needs a whole number of seconds from 1 to " +
                        std::to_string(max_timeout_seconds) + ", not '" + std::string(*value) +
                        "'");
        }
        options_.timeout_seconds = static_cast<std::uint32_t>(*seconds);
        return true;
    }

    bool set_retries(std::optional<std::string_view> value) {
        if (!value) return false;
        auto count = parse_unsigned(*value);
        if (!count || *count > max_retries) {
            return fail("--retries needs a number from 0 to " + std::to_string(max_retries) +
                        ", not '" + std::string(*value) + "'");
        }
        options_.retries = static_cast<unsigned>(*count);
        return true;
    }

    bool set_jobs(std::optional<std::string_view> value) {
        if (!value) return false;
        auto count = parse_unsigned(*value);
        if (!count || *count == 0 || *count > max_jobs) {
            return fail("--jobs needs a number from 1 to " + std::to_string(max_jobs) +
                        ", not '" + std::string(*value) + "'");
        }
        options_.jobs = static_cast<unsigned>(*count);
        return true;
    }

    bool set_ca_file(std::optional<std::string_view> value) {
        if (!value) return false;
        if (value->empty()) return fail("option --ca-file needs a file name");
        options_.ca_file = std::string(*value);
        return true;
    }

    // "--demo", "--demo N", "--demo=N": N is taken from the next argument only when it is a
    // number, so "--demo -o DIR" keeps working.
    bool set_demo(std::optional<std::string_view> inline_value) {
        options_.demo = true;
        std::optional<std::string_view> count_text = inline_value;
        if (!count_text && position_ < args_.size() && parse_unsigned(args_[position_])) {
            count_text = args_[position_++];
        }
        if (!count_text) return true;
        auto count = parse_unsigned(*count_text);
        if (!count || *count == 0 || *count > max_demo_files) {
            return fail("--demo takes a number of files from 1 to " +
                        std::to_string(max_demo_files) + ", not '" + std::string(*count_text) +
                        "'");
        }
        options_.demo_files = static_cast<unsigned>(*count);
        return true;
    }

    bool check_combination() {
        if (options_.show_help || options_.show_version) return true;
        if (options_.demo && !options_.urls.empty()) {
            return fail("--demo downloads from its own server and takes no URLs (got '" +
                        options_.urls.front() + "')");
        }
        if (!options_.demo && options_.urls.empty()) return fail("no URL given");
        return true;
    }

    bool fail(std::string message) {
        if (error_.empty()) error_ = std::move(message);
        return false;
    }

    ParseResult failure() const { return ParseResult{std::nullopt, error_}; }

    std::span<const char* const> args_;
    std::size_t position_ = 0;
    Options options_;
    std::string error_;
};

}  // namespace

ParseResult parse_options(std::span<const char* const> args) {
    return Parser(args).run();
}

std::string usage_text() {
    return R"(Usage: inetget [options] URL...
       inetget --demo [N] [-o DIR]

Downloads each URL (http://, https:// or ftp://) into a file of its own, several at once,
through the OpenInet WinInet API, with a live progress view when standard output is a
terminal.

Each download is written to DIR/<name>.part and renamed to DIR/<name> only when it completed
successfully. <name> is the last segment of the URL path ("index.html" when the path ends
in '/'); an existing file of that name is replaced. If a download fails or is cancelled,
its .part file is removed (kept, with --continue) and the error is reported with its WinInet
error number and name. A response with a status other than 2xx is an error.

Options:
  -o, --output DIR     write the files into DIR (default: the current directory)
  -q, --quiet          print nothing but errors
      --insecure       do not verify TLS certificates (sets SECURITY_FLAG_IGNORE_UNKNOWN_CA,
                       SECURITY_FLAG_IGNORE_CERT_CN_INVALID and
                       SECURITY_FLAG_IGNORE_CERT_DATE_INVALID); verified otherwise
      --ca-file FILE   also trust the CA certificates in FILE (PEM)
      --timeout SECS   connect, send and receive timeout in seconds (default: WinInet's)
  -c, --continue       resume from DIR/<name>.part when an earlier run left one (HTTP Range,
                       FTP REST), and keep the .part file when a download stops unfinished
      --retries N      after a network failure (lost connection, timeout, refused
                       connection, HTTP 408/429/5xx) try again up to N times, continuing
                       from the bytes already received; waits 1, 2, 4... up to 8 s between
                       tries (default 0)
  -j, --jobs N         download at most N URLs at once (default 8, at most 256)
      --demo [N]       start a built-in HTTP server on 127.0.0.1 and download N (default 8,
                       1 MiB to 256 MiB) generated files from it, then check their sizes
                       and SHA-256 digests against what the server sent; without -o the
                       files go to a temporary directory that is removed afterwards
  -h, --help           show this text
  -V, --version        show the version

Ctrl-C (SIGINT) or SIGTERM stops every download at once: each worker's WinInet handles are
closed from the main thread, which ends their blocking calls, and the .part files are removed
(kept with --continue).

Exit status: 0 when every download succeeded, 1 when any failed, 2 for a wrong command line,
130 after SIGINT, 143 after SIGTERM.
)";
}

std::string version_text() {
    return "inetget " + std::string(program_version) + " (OpenInet WinInet API)\n";
}

}  // namespace inetget
