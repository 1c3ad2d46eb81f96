#include "ftp/reply.hpp"

#include "core/error.hpp"

#include <cstring>

namespace openinet::ftp {

namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// The code of a reply's first line: three digits, the first 1..5, then ' ', '-' or nothing.
// Returns 0 when the line does not start like that.
int leading_code(std::string_view line, char& separator) noexcept {
    if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]))
        return 0;
    if (line[0] < '1' || line[0] > '5') return 0;
    separator = line.size() > 3 ? line[3] : ' ';
    if (separator != ' ' && separator != '-') return 0;
    return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

}  // namespace

std::string Reply::text() const {
    std::string out;
    for (const auto& line : lines) {
        out += line;
        out += "\r\n";
    }
    return out;
}

std::string_view Reply::first_line_message() const noexcept {
    if (lines.empty()) return {};
    std::string_view first = lines.front();
    return first.size() > 4 ? first.substr(4) : std::string_view{};
}

void ReplyReader::reset() {
    line_.clear();
    reply_ = Reply{};
    reply_bytes_ = 0;
    multi_line_ = false;
    reply_done_ = false;
    error_ = {};
}

ReplyReader::State ReplyReader::fail() {
    error_ = make_error(ERROR_INTERNET_EXTENDED_ERROR);
    return State::error;
}

ReplyReader::State ReplyReader::finish_line() {
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (reply_.lines.empty()) {
        char separator = 0;
        int code = leading_code(line_, separator);
        if (code == 0) return fail();
        reply_.code = code;
        multi_line_ = separator == '-';
        reply_.lines.push_back(std::move(line_));
        line_.clear();
        return multi_line_ ? State::need_more : State::done;
    }
    // Inside a multi-line reply: only "<same code><space or end>" ends it.
    char separator = 0;
    bool last = leading_code(line_, separator) == reply_.code && separator == ' ';
    reply_.lines.push_back(std::move(line_));
    line_.clear();
    return last ? State::done : State::need_more;
}

ReplyReader::State ReplyReader::feed(std::string_view data, std::size_t& consumed) {
    consumed = 0;
    if (error_) return State::error;
    if (reply_done_) {
        // The previous reply was handed out; this feed starts the next one.
        reply_ = Reply{};
        reply_bytes_ = 0;
        multi_line_ = false;
        reply_done_ = false;
    }
    while (consumed < data.size()) {
        std::string_view rest = data.substr(consumed);
        std::size_t eol = rest.find('\n');
        std::string_view piece = eol == std::string_view::npos ? rest : rest.substr(0, eol);
        if (std::memchr(piece.data(), '\0', piece.size()) != nullptr) return fail();
        // The line limit counts the text without its end (a trailing CR is part of the end).
        std::size_t line_length = line_.size() + piece.size();
        if (line_length > 0 && (piece.empty() ? line_.back() : piece.back()) == '\r')
            --line_length;
        if (line_length > max_line_) return fail();
        reply_bytes_ += piece.size() + (eol != std::string_view::npos ? 1 : 0);
        if (reply_bytes_ > max_reply_) return fail();
        line_.append(piece);
        if (eol == std::string_view::npos) {
            consumed = data.size();
            return State::need_more;
        }
        consumed += eol + 1;
        State state = finish_line();
        if (state == State::error) return state;
        if (state == State::done) {
            reply_done_ = true;
            return State::done;
        }
    }
    return State::need_more;
}

}  // namespace openinet::ftp
