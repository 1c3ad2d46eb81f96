// libFuzzer target for the one piece of server text inetget parses itself: the Content-Range
// of a resumed download (tools/inetget/url_parts.cpp), which decides where bytes are appended.
#include "url_parts.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto range = inetget::parse_content_range(text);
    if (!range) return 0;
    // Something to act on: a start, or (for "bytes */N") the complete length.
    if (!range->first && !range->complete_length) std::abort();
    // A range lies inside the file.
    if (range->first && range->complete_length && *range->first >= *range->complete_length) std::abort();
    return 0;
}
