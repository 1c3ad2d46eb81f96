#include "ftp/listing.hpp"

#include "core/text.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace openinet::ftp {

namespace {

using namespace std::chrono;

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_space(char c) noexcept { return c == ' ' || c == '\t'; }

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view strip_line_end(std::string_view line) noexcept {
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
    return line;
}

// All-digit text as a number; nullopt when empty, not all digits or above `limit`.
std::optional<std::uint64_t> parse_number(std::string_view s,
                                          std::uint64_t limit = UINT64_MAX) noexcept {
    if (s.empty()) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : s) {
        if (!is_digit(c)) return std::nullopt;
        unsigned digit = static_cast<unsigned>(c - '0');
        if (value > (limit - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

std::optional<FileTime> make_time(int y, unsigned mo, unsigned d, unsigned h, unsigned mi,
                                  unsigned s = 0, unsigned ms = 0) noexcept {
    year_month_day date{year{y}, month{mo}, day{d}};
    if (!date.ok() || h > 23 || mi > 59 || s > 60 || ms > 999) return std::nullopt;
    if (s == 60) s = 59;   // a leap second names the last second of that minute
    return time_point_cast<milliseconds>(sys_days{date}) + hours{h} + minutes{mi} + seconds{s} +
           milliseconds{ms};
}

// A whitespace-separated token cursor over one line that remembers where each token starts, so
// the name (which may contain spaces) can be taken as "the rest of the line".
class Tokens {
public:
    explicit Tokens(std::string_view line) : line_(line) {}
    std::optional<std::string_view> next() noexcept {
        while (pos_ < line_.size() && is_space(line_[pos_])) ++pos_;
        if (pos_ >= line_.size()) return std::nullopt;
        std::size_t start = pos_;
        while (pos_ < line_.size() && !is_space(line_[pos_])) ++pos_;
        return line_.substr(start, pos_ - start);
    }
    // Everything after the last token, with exactly one separating space removed (ls writes one
    // space before the name, so further leading spaces belong to the name).
    std::string_view rest_after_one_space() const noexcept {
        std::size_t p = pos_;
        if (p < line_.size() && is_space(line_[p])) ++p;
        return line_.substr(p);
    }
    std::string_view rest_after_spaces() const noexcept {
        std::size_t p = pos_;
        while (p < line_.size() && is_space(line_[p])) ++p;
        return line_.substr(p);
    }

private:
    std::string_view line_;
    std::size_t pos_ = 0;
};

std::optional<unsigned> month_from_name(std::string_view s) noexcept {
    static constexpr std::array<std::string_view, 12> names = {
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    if (s.size() != 3) return std::nullopt;
    for (unsigned i = 0; i < names.size(); ++i)
        if (iequals(s, names[i])) return i + 1;
    return std::nullopt;
}

// "HH:MM" → hours and minutes.
bool parse_clock(std::string_view s, unsigned& h, unsigned& m) noexcept {
    auto colon = s.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 2 || s.size() - colon - 1 != 2)
        return false;
    auto hh = parse_number(s.substr(0, colon), 99), mm = parse_number(s.substr(colon + 1), 99);
    if (!hh || !mm) return false;
    h = static_cast<unsigned>(*hh);
    m = static_cast<unsigned>(*mm);
    return h < 24 && m < 60;
}

// "rwxr-xr-x" (with s/S/t/T in the execute places) → mode bits.
std::optional<unsigned> parse_permissions(std::string_view p) noexcept {
    if (p.size() < 9) return std::nullopt;
    unsigned mode = 0;
    for (int who = 0; who < 3; ++who) {
        char r = p[who * 3], w = p[who * 3 + 1], x = p[who * 3 + 2];
        if (r != 'r' && r != '-') return std::nullopt;
        if (w != 'w' && w != '-') return std::nullopt;
        unsigned shift = static_cast<unsigned>(6 - who * 3);
        if (r == 'r') mode |= 4u << shift;
        if (w == 'w') mode |= 2u << shift;
        switch (x) {
            case 'x': mode |= 1u << shift; break;
            case '-': break;
            case 's': case 't': mode |= 1u << shift; [[fallthrough]];
            case 'S': case 'T': mode |= (who == 0 ? 04000u : who == 1 ? 02000u : 01000u); break;
            default: return std::nullopt;
        }
    }
    return mode;
}

}  // namespace

std::optional<ListEntry> parse_mlsd_line(std::string_view line) {
    line = strip_line_end(line);
    // The facts end at the first "; " (RFC 3659: each fact ends with ';', then one space, then
    // the path). A line of no facts starts with the space.
    std::size_t name_start;
    std::string_view facts;
    if (!line.empty() && line[0] == ' ') {
        name_start = 1;
    } else {
        auto end = line.find("; ");
        if (end == std::string_view::npos) return std::nullopt;
        facts = line.substr(0, end + 1);
        name_start = end + 2;
    }
    ListEntry entry;
    entry.name = std::string(line.substr(name_start));
    if (entry.name.empty()) return std::nullopt;
    std::string_view perm;
    bool have_perm = false;
    while (!facts.empty()) {
        auto semi = facts.find(';');
        std::string_view fact = facts.substr(0, semi);
        facts.remove_prefix(semi == std::string_view::npos ? facts.size() : semi + 1);
        auto eq = fact.find('=');
        if (eq == std::string_view::npos || eq == 0) return std::nullopt;
        std::string_view key = fact.substr(0, eq), value = fact.substr(eq + 1);
        if (iequals(key, "type")) {
            if (iequals(value, "cdir") || iequals(value, "pdir")) return std::nullopt;
            if (iequals(value, "dir")) {
                entry.is_directory = true;
            } else if (iequals(value, "os.unix=symlink") || iequals(value, "os.unix=slink")) {
                entry.is_symlink = true;
            } else if (istarts_with(value, "os.unix=slink:")) {
                entry.is_symlink = true;
                entry.link_target = std::string(value.substr(14));
            }
        } else if (iequals(key, "size") || iequals(key, "sizd")) {
            if (auto n = parse_number(value)) entry.size = *n;
            else return std::nullopt;
        } else if (iequals(key, "modify")) {
            // YYYYMMDDHHMMSS[.sss...]
            std::string_view digits = value.substr(0, value.find('.'));
            if (digits.size() != 14) return std::nullopt;
            auto all = parse_number(digits);
            if (!all) return std::nullopt;
            unsigned ms = 0;
            if (digits.size() < value.size()) {
                std::string_view fraction = value.substr(15);
                if (fraction.empty() || !parse_number(fraction)) return std::nullopt;
                for (std::size_t i = 0; i < 3; ++i)
                    ms = ms * 10 + (i < fraction.size() ? static_cast<unsigned>(fraction[i] - '0') : 0);
            }
            auto num = [&](std::size_t at, std::size_t n) {
                return static_cast<unsigned>(*parse_number(digits.substr(at, n)));
            };
            entry.modified = make_time(static_cast<int>(num(0, 4)), num(4, 2), num(6, 2), num(8, 2),
                                       num(10, 2), num(12, 2), ms);
            if (!entry.modified) return std::nullopt;
        } else if (iequals(key, "perm")) {
            perm = value;
            have_perm = true;
        } else if (iequals(key, "unix.mode")) {
            if (!value.empty() && value.size() <= 5 &&
                value.find_first_not_of("01234567") == std::string_view::npos) {
                unsigned mode = 0;
                for (char c : value) mode = mode * 8 + static_cast<unsigned>(c - '0');
                entry.unix_mode = mode & 07777;
            }
        }
        // Other facts (unique, lang, media-type, charset, UNIX.owner...) carry nothing we show.
    }
    if (have_perm) {
        // RFC 3659 7.5.5: files are writable with 'w' (or appendable with 'a'); directories
        // accept new entries with 'c' or 'm'.
        auto has = [&](char c) { return perm.find(c) != std::string_view::npos ||
                                        perm.find(static_cast<char>(c - 'a' + 'A')) != std::string_view::npos; };
        entry.read_only = entry.is_directory ? !(has('c') || has('m') || has('d')) : !(has('w') || has('a'));
    } else if (entry.unix_mode) {
        entry.read_only = (*entry.unix_mode & 0200) == 0;
    }
    return entry;
}

std::optional<ListEntry> parse_unix_list_line(std::string_view line, FileTime now) {
    line = strip_line_end(line);
    Tokens tokens(line);
    auto mode_token = tokens.next();
    if (!mode_token || mode_token->size() < 10) return std::nullopt;
    char type = (*mode_token)[0];
    if (std::string_view("-dlcbpsD").find(type) == std::string_view::npos) return std::nullopt;
    auto mode = parse_permissions(mode_token->substr(1, 9));
    if (!mode) return std::nullopt;
    // Anything after the nine permission characters must be an ACL/attribute marker.
    if (mode_token->size() > 11 ||
        (mode_token->size() == 11 && std::string_view("+.@").find((*mode_token)[10]) == std::string_view::npos))
        return std::nullopt;

    // Between the mode and the date: link count, owner, [group], size — or for devices
    // "major, minor". Collect tokens until one is a month name (or an ISO date) that is
    // followed by a day and a time/year.
    std::vector<std::string_view> middle;
    std::optional<FileTime> modified;
    for (int guard = 0; guard < 12; ++guard) {
        auto token = tokens.next();
        if (!token) return std::nullopt;
        if (auto mon = month_from_name(*token); mon && middle.size() >= 2) {
            Tokens look = tokens;
            auto day_token = look.next();
            auto last_token = look.next();
            auto d = day_token ? parse_number(*day_token, 31) : std::nullopt;
            if (d && last_token) {
                unsigned h = 0, mi = 0;
                if (parse_clock(*last_token, h, mi)) {
                    auto now_days = floor<days>(now);
                    int y = static_cast<int>(year_month_day{now_days}.year());
                    modified = make_time(y, *mon, static_cast<unsigned>(*d), h, mi);
                    // "HH:MM" means within the last months: never more than a day ahead of now.
                    if (modified && *modified > now + days{1}) modified = make_time(y - 1, *mon, static_cast<unsigned>(*d), h, mi);
                    if (!modified) return std::nullopt;
                } else if (auto y = parse_number(*last_token, 9999); y && last_token->size() == 4) {
                    modified = make_time(static_cast<int>(*y), *mon, static_cast<unsigned>(*d), 0, 0);
                    if (!modified) return std::nullopt;
                } else {
                    middle.push_back(*token);
                    continue;
                }
                tokens = look;
                break;
            }
        }
        // ls --time-style=long-iso: "2026-11-27 04:20"
        if (token->size() == 10 && (*token)[4] == '-' && (*token)[7] == '-' && middle.size() >= 2) {
            auto y = parse_number(token->substr(0, 4)), mo = parse_number(token->substr(5, 2)),
                 d = parse_number(token->substr(8, 2));
            Tokens look = tokens;
            auto clock = look.next();
            unsigned h = 0, mi = 0;
            if (y && mo && d && clock && parse_clock(*clock, h, mi)) {
                modified = make_time(static_cast<int>(*y), static_cast<unsigned>(*mo),
                                     static_cast<unsigned>(*d), h, mi);
                if (!modified) return std::nullopt;
                tokens = look;
                break;
            }
        }
        middle.push_back(*token);
    }
    if (!modified) return std::nullopt;

    ListEntry entry;
    entry.modified = modified;
    entry.unix_mode = *mode;
    entry.read_only = (*mode & 0200) == 0;
    entry.is_directory = type == 'd';
    entry.is_symlink = type == 'l';
    if (type == 'c' || type == 'b') {
        // Devices list "major, minor" (or "major,minor") where files list a size.
        entry.size = 0;
    } else {
        auto size = parse_number(middle.back());
        if (!size) return std::nullopt;
        entry.size = *size;
        // The link count must be a number too (it is always the first of the middle tokens).
        if (!parse_number(middle.front())) return std::nullopt;
    }
    std::string_view name = tokens.rest_after_one_space();
    if (entry.is_symlink) {
        auto arrow = name.find(" -> ");
        if (arrow != std::string_view::npos) {
            entry.link_target = std::string(name.substr(arrow + 4));
            name = name.substr(0, arrow);
        }
    }
    if (name.empty() || name == "." || name == "..") return std::nullopt;
    entry.name = std::string(name);
    return entry;
}

std::optional<ListEntry> parse_dos_list_line(std::string_view line) {
    line = strip_line_end(line);
    Tokens tokens(line);
    auto date = tokens.next(), clock = tokens.next(), size_or_dir = tokens.next();
    if (!date || !clock || !size_or_dir) return std::nullopt;
    // MM-DD-YY or MM-DD-YYYY
    if (!(date->size() == 8 || date->size() == 10) || (*date)[2] != '-' || (*date)[5] != '-')
        return std::nullopt;
    auto mo = parse_number(date->substr(0, 2)), d = parse_number(date->substr(3, 2)),
         y = parse_number(date->substr(6));
    if (!mo || !d || !y) return std::nullopt;
    int full_year = static_cast<int>(*y);
    // Two-digit years: 70..99 are 1970s-1990s, 00..69 are this century (the DOS convention).
    if (date->size() == 8) full_year += *y < 70 ? 2000 : 1900;

    // "04:20PM", "04:20 PM" is not produced by IIS; 24-hour "16:20" is (with a setting).
    std::string_view c = *clock;
    bool pm = false, am = false;
    if (c.size() > 2 && (iequals(c.substr(c.size() - 2), "PM") || iequals(c.substr(c.size() - 2), "AM"))) {
        pm = iequals(c.substr(c.size() - 2), "PM");
        am = !pm;
        c.remove_suffix(2);
    }
    unsigned h = 0, mi = 0;
    if (!parse_clock(c, h, mi)) return std::nullopt;
    if (am || pm) {
        if (h < 1 || h > 12) return std::nullopt;
        if (h == 12) h = 0;
        if (pm) h += 12;
    }
    ListEntry entry;
    entry.modified = make_time(full_year, static_cast<unsigned>(*mo), static_cast<unsigned>(*d), h, mi);
    if (!entry.modified) return std::nullopt;
    if (iequals(*size_or_dir, "<DIR>")) {
        entry.is_directory = true;
    } else if (iequals(*size_or_dir, "<JUNCTION>") || iequals(*size_or_dir, "<SYMLINKD>")) {
        entry.is_directory = true;
        entry.is_symlink = true;
    } else {
        // Some servers group digits ("1,234,567").
        std::string digits;
        for (char ch : *size_or_dir)
            if (ch != ',') digits += ch;
        auto size = parse_number(digits);
        if (!size) return std::nullopt;
        entry.size = *size;
    }
    std::string_view name = tokens.rest_after_spaces();
    if (entry.is_symlink) {
        // "name [target]"
        if (auto open = name.rfind(" ["); open != std::string_view::npos && name.back() == ']') {
            entry.link_target = std::string(name.substr(open + 2, name.size() - open - 3));
            name = name.substr(0, open);
        }
    }
    if (name.empty() || name == "." || name == "..") return std::nullopt;
    entry.name = std::string(name);
    return entry;
}

std::optional<ListEntry> parse_list_line(std::string_view line, FileTime now) {
    if (auto entry = parse_unix_list_line(line, now)) return entry;
    return parse_dos_list_line(line);
}

ListingParser::ListingParser(Format format, FileTime now, std::size_t max_line)
    : format_(format), now_(now), max_line_(max_line) {}

void ListingParser::parse_line(std::string_view line, std::vector<ListEntry>& out) {
    line = strip_line_end(line);
    if (line.empty()) return;
    auto entry = format_ == Format::mlsd ? parse_mlsd_line(line) : parse_list_line(line, now_);
    if (entry) out.push_back(std::move(*entry));
}

void ListingParser::feed(std::string_view data, std::vector<ListEntry>& out) {
    while (!data.empty()) {
        auto eol = data.find('\n');
        std::string_view piece = data.substr(0, eol);
        data.remove_prefix(eol == std::string_view::npos ? data.size() : eol + 1);
        if (!skipping_long_line_) {
            if (partial_.size() + piece.size() > max_line_) {
                partial_.clear();
                skipping_long_line_ = true;
            } else if (eol == std::string_view::npos) {
                partial_.append(piece);
            } else if (partial_.empty()) {
                parse_line(piece, out);
            } else {
                partial_.append(piece);
                parse_line(partial_, out);
                partial_.clear();
            }
        }
        if (eol != std::string_view::npos) skipping_long_line_ = false;
    }
}

void ListingParser::finish(std::vector<ListEntry>& out) {
    if (!skipping_long_line_ && !partial_.empty()) parse_line(partial_, out);
    partial_.clear();
    skipping_long_line_ = false;
}

namespace {
// 1601-01-01 to 1970-01-01 in 100-ns units.
constexpr std::int64_t filetime_unix_epoch = 116444736000000000LL;
}

FILETIME to_filetime(FileTime time) noexcept {
    std::int64_t ticks = time.time_since_epoch().count() * 10000 + filetime_unix_epoch;
    if (ticks < 0) ticks = 0;
    auto value = static_cast<std::uint64_t>(ticks);
    return FILETIME{static_cast<DWORD>(value & 0xFFFFFFFFu), static_cast<DWORD>(value >> 32)};
}

FileTime from_filetime(FILETIME filetime) noexcept {
    auto ticks = static_cast<std::int64_t>((static_cast<std::uint64_t>(filetime.dwHighDateTime) << 32) |
                                           filetime.dwLowDateTime);
    return FileTime{milliseconds{(ticks - filetime_unix_epoch) / 10000}};
}

namespace {

template <class FindData>
void fill_common(const ListEntry& entry, FindData& out) {
    std::memset(&out, 0, sizeof out);
    DWORD attributes = 0;
    if (entry.is_directory) attributes |= FILE_ATTRIBUTE_DIRECTORY;
    if (entry.read_only) attributes |= FILE_ATTRIBUTE_READONLY;
    out.dwFileAttributes = attributes ? attributes : FILE_ATTRIBUTE_NORMAL;
    if (entry.modified) {
        out.ftLastWriteTime = to_filetime(*entry.modified);
        out.ftCreationTime = out.ftLastWriteTime;
        out.ftLastAccessTime = out.ftLastWriteTime;
    }
    std::uint64_t size = entry.size.value_or(0);
    out.nFileSizeHigh = static_cast<DWORD>(size >> 32);
    out.nFileSizeLow = static_cast<DWORD>(size & 0xFFFFFFFFu);
}

}  // namespace

void to_find_data(const ListEntry& entry, WIN32_FIND_DATAA& out) {
    fill_common(entry, out);
    std::size_t n = std::min(entry.name.size(), static_cast<std::size_t>(MAX_PATH - 1));
    // Never cut a UTF-8 sequence in half: back up over continuation bytes.
    if (n < entry.name.size())
        while (n > 0 && (static_cast<unsigned char>(entry.name[n]) & 0xC0) == 0x80) --n;
    std::memcpy(out.cFileName, entry.name.data(), n);
    out.cFileName[n] = '\0';
}

void to_find_data(const ListEntry& entry, WIN32_FIND_DATAW& out) {
    fill_common(entry, out);
    std::wstring wide = text::to_wide(entry.name);
    std::size_t n = std::min(wide.size(), static_cast<std::size_t>(MAX_PATH - 1));
    std::copy_n(wide.data(), n, out.cFileName);
    out.cFileName[n] = L'\0';
}

}  // namespace openinet::ftp
