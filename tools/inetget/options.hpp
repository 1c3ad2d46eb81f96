// Command line of inetget: what the user asked for, parsed and checked, with clear errors.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace inetget {

inline constexpr unsigned default_jobs = 8;

struct Options {
    std::vector<std::string> urls;
    std::string output_dir = ".";  // -o DIR
    bool output_dir_given = false;
    bool quiet = false;                            // -q: errors only
    bool insecure = false;                         // --insecure: waive CA, name and date checks
    std::string ca_file;                           // --ca-file: extra trusted CA certificates (PEM)
    std::optional<std::uint32_t> timeout_seconds;  // --timeout
    bool resume = false;                           // -c, --continue: resume from .part files
    unsigned retries = 0;                          // --retries N
    unsigned jobs = default_jobs;                  // -j, --jobs N: transfers at once
    bool demo = false;                             // --demo [N]
    unsigned demo_files = 8;
    bool show_help = false;
    bool show_version = false;
};

// Bounds checked by the parser (kept here so the help text and the tests agree with it).
inline constexpr std::uint32_t max_timeout_seconds = 4'294'967;  // DWORD milliseconds
inline constexpr unsigned max_demo_files = 64;
inline constexpr unsigned max_retries = 100;
inline constexpr unsigned max_jobs = 256;

struct ParseResult {
    std::optional<Options> options;  // empty when the command line is wrong
    std::string error;               // one line, says what is wrong and what was expected
};

// `args` are the arguments after the program name.
ParseResult parse_options(std::span<const char* const> args);

std::string usage_text();    // the --help text
std::string version_text();  // the --version text

}  // namespace inetget
