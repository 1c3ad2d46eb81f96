// Feeds arbitrary listing bytes to the LIST and MLSD parsers (the first byte picks the format
// and where to split the input) and converts every entry to both WIN32_FIND_DATA forms.
#include "ftp/listing.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    using namespace std::chrono;
    auto format = (data[0] & 1) ? openinet::ftp::ListingParser::Format::mlsd
                                : openinet::ftp::ListingParser::Format::list;
    std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    std::size_t split = data[0] % (input.size() + 1);
    auto now = time_point_cast<milliseconds>(sys_days{year_month_day{year{2026}, month{11}, day{27}}});

    std::vector<openinet::ftp::ListEntry> whole, halves;
    openinet::ftp::ListingParser one(format, now, 256), two(format, now, 256);
    one.feed(input, whole);
    one.finish(whole);
    two.feed(input.substr(0, split), halves);
    two.feed(input.substr(split), halves);
    two.finish(halves);
    if (whole.size() != halves.size()) std::abort();
    for (std::size_t i = 0; i < whole.size(); ++i) {
        if (whole[i].name != halves[i].name || whole[i].name.empty()) std::abort();
        WIN32_FIND_DATAA a;
        WIN32_FIND_DATAW w;
        openinet::ftp::to_find_data(whole[i], a);
        openinet::ftp::to_find_data(whole[i], w);
        if (std::memchr(a.cFileName, 0, sizeof a.cFileName) == nullptr) std::abort();
    }
    return 0;
}
