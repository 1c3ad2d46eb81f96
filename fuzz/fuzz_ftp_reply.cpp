// Feeds arbitrary server bytes to the FTP reply reader, whole and split at a byte the input
// chooses, and checks that both ways agree and that every reply it returns is well formed.
#include "ftp/reply.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace {

struct Seen {
    std::vector<int> codes;
    bool failed = false;
};

Seen run(const std::vector<std::string_view>& chunks) {
    openinet::ftp::ReplyReader reader(512, 4096);
    Seen seen;
    for (std::string_view chunk : chunks) {
        while (!chunk.empty()) {
            std::size_t consumed = 0;
            auto state = reader.feed(chunk, consumed);
            if (consumed > chunk.size()) std::abort();
            chunk.remove_prefix(consumed);
            if (state == openinet::ftp::ReplyReader::State::error) {
                if (!reader.error()) std::abort();
                seen.failed = true;
                return seen;
            }
            if (state == openinet::ftp::ReplyReader::State::done) {
                const auto& reply = reader.reply();
                if (reply.code < 100 || reply.code > 599 || reply.lines.empty()) std::abort();
                (void)reply.text();
                (void)reply.first_line_message();
                seen.codes.push_back(reply.code);
            } else if (!chunk.empty()) {
                std::abort();   // need_more must have taken everything
            }
        }
    }
    return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    Seen whole = run({input});
    std::size_t split = size == 0 ? 0 : data[0] % (size + 1);
    Seen halves = run({input.substr(0, split), input.substr(split)});
    if (whole.failed != halves.failed || whole.codes != halves.codes) std::abort();
    return 0;
}
