// FTP control-connection replies (RFC 959 section 4.2): an incremental reader that turns the
// server's byte stream into whole replies, single- or multi-line, whatever the packet split.
//
//   single line   "250 Okay.\r\n"
//   multi-line    "211-Features:\r\n MDTM\r\n MLST type*;size*;\r\n211 End\r\n"
//                 (the reply ends at the first line that starts with the same three digits
//                  followed by a space; lines in between may say anything)
//
// Tolerated: LF-only line ends, a bare "220" line without text, continuation lines that repeat
// the code with '-'. Refused (error 12003 ERROR_INTERNET_EXTENDED_ERROR): a first line that does
// not start with a three-digit code 100..599 followed by ' ', '-' or the line end, NUL bytes, a
// line longer than the line limit or a reply longer than the total limit. After an error the
// connection's byte stream is out of step and must be closed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace openinet::ftp {

struct Reply {
    int code = 0;                    // 100..599
    std::vector<std::string> lines;  // as received, without the line end, code prefixes kept

    bool preliminary() const noexcept { return code >= 100 && code < 200; }    // 1yz
    bool completed() const noexcept { return code >= 200 && code < 300; }      // 2yz
    bool intermediate() const noexcept { return code >= 300 && code < 400; }   // 3yz
    bool transient_failure() const noexcept { return code >= 400 && code < 500; }
    bool permanent_failure() const noexcept { return code >= 500; }

    // Every line joined with "\r\n", with a final "\r\n": what InternetGetLastResponseInfo shows.
    std::string text() const;
    // The first line without its "ddd " / "ddd-" prefix (e.g. PWD's "\"/pub\" is the current...").
    std::string_view first_line_message() const noexcept;
};

class ReplyReader {
public:
    enum class State { need_more, done, error };

    static constexpr std::size_t default_max_line = 8 * 1024;
    static constexpr std::size_t default_max_reply = 256 * 1024;

    explicit ReplyReader(std::size_t max_line = default_max_line,
                         std::size_t max_reply = default_max_reply) noexcept
        : max_line_(max_line), max_reply_(max_reply) {}

    // Consumes bytes from `data` up to the end of one reply at most (`consumed` says how many;
    // the rest belongs to the next reply). Returns done once a reply is complete; feeding again
    // after done starts the next reply. After error every call returns error.
    State feed(std::string_view data, std::size_t& consumed);

    const Reply& reply() const noexcept { return reply_; }
    Reply take_reply() { return std::move(reply_); }
    std::error_code error() const noexcept { return error_; }
    // Part of a reply has been read (the connection ending now would cut it short).
    bool in_reply() const noexcept { return !reply_done_ && (!line_.empty() || !reply_.lines.empty()); }
    void reset();

private:
    State finish_line();
    State fail();

    std::size_t max_line_, max_reply_;
    std::string line_;          // the line being received, without its end
    Reply reply_;
    std::size_t reply_bytes_ = 0;
    bool multi_line_ = false;
    bool reply_done_ = false;
    std::error_code error_;
};

}  // namespace openinet::ftp
