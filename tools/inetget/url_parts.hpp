// Small pieces of protocol text inetget reads itself: the Content-Range of a resumed HTTP
// download, and where an ftp:// URL points (via InternetCrackUrl).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace inetget {

struct ContentRange {
    std::optional<std::uint64_t> first;            // empty for "bytes */N" (416 answers)
    std::optional<std::uint64_t> complete_length;  // empty for ".../*"
};

// "bytes 100-199/200", "bytes 100-199/*", "bytes */200" (RFC 9110 §14.4); nullopt otherwise.
std::optional<ContentRange> parse_content_range(std::string_view text);

bool is_ftp_url(std::string_view url);

struct FtpLocation {
    std::string host;
    std::uint16_t port = 0;  // 0: the default (21)
    std::string user, password;  // empty user: anonymous
    std::string path;            // percent-decoded, as the server should see it
};

// Cracks an ftp:// URL with InternetCrackUrl (ICU_DECODE). False with the WinInet error set
// (GetLastError) when it is not one.
bool crack_ftp_url(const std::string& url, FtpLocation& where);

}  // namespace inetget
