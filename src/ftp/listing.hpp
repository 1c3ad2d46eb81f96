// Directory listings from FTP servers, parsed into entries, and their WIN32_FIND_DATA form.
//
// Formats understood:
//   MLSD / MLST (RFC 3659)  "type=file;size=12;modify=20261127042000;perm=adfrw; name"
//   Unix "ls -l" LIST        "-rw-r--r--   1 ftp  ftp   12 Nov 27 04:20 name" (also the year
//                            form, "total N" lines, symlinks "a -> b", device files, ISO dates)
//   DOS / IIS LIST           "11-27-26  04:20PM       <DIR>          name" (2- or 4-digit years,
//                            12- or 24-hour clock)
// LIST output has no standard (RFC 959 leaves it free), so each LIST line is tried as Unix and
// then as DOS; a line neither understands is skipped, as are "total N", ".", ".." and MLSD's
// cdir/pdir entries. Times in LIST output are the server's local time, taken as UTC (what
// vsftpd, pure-ftpd and proftpd send by default); MLSD times are UTC by definition.
#pragma once

#include <openinet/wininet.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace openinet::ftp {

using FileTime = std::chrono::sys_time<std::chrono::milliseconds>;   // UTC

struct ListEntry {
    std::string name;
    std::optional<std::uint64_t> size;
    std::optional<FileTime> modified;
    bool is_directory = false;
    bool is_symlink = false;
    std::string link_target;                 // for symlinks, when the listing says
    std::optional<unsigned> unix_mode;       // permission bits (07777) when known
    bool read_only = false;                  // the listing says the file cannot be written
};

// One MLSD line or the fact line of an MLST reply (without its leading space). nullopt when
// the line is not "facts; name" or names cdir/pdir.
std::optional<ListEntry> parse_mlsd_line(std::string_view line);

// One LIST line, Unix form first and DOS form next. `now` decides the year of Unix lines that
// give "HH:MM" instead of a year: the latest such date not after now (plus a day of clock skew).
std::optional<ListEntry> parse_list_line(std::string_view line, FileTime now);
std::optional<ListEntry> parse_unix_list_line(std::string_view line, FileTime now);
std::optional<ListEntry> parse_dos_list_line(std::string_view line);

// Splits a listing arriving in pieces from the data connection into lines and parses them.
// Lines end with CRLF or LF; a last line without an end counts when finish() is called.
// Lines longer than max_line are skipped whole (no server writes such names; a hostile one
// must not make us buffer without end).
class ListingParser {
public:
    enum class Format { list, mlsd };
    static constexpr std::size_t default_max_line = 16 * 1024;

    ListingParser(Format format, FileTime now, std::size_t max_line = default_max_line);

    // Parses every complete line in `data` and appends the entries to `out`.
    void feed(std::string_view data, std::vector<ListEntry>& out);
    void finish(std::vector<ListEntry>& out);

private:
    void parse_line(std::string_view line, std::vector<ListEntry>& out);

    Format format_;
    FileTime now_;
    std::size_t max_line_;
    std::string partial_;
    bool skipping_long_line_ = false;
};

// FILETIME: 100-ns intervals since 1601-01-01 UTC.
FILETIME to_filetime(FileTime time) noexcept;
FileTime from_filetime(FILETIME filetime) noexcept;

// Fills the caller's structure (zeroed first): attributes (DIRECTORY / READONLY / NORMAL when
// nothing else applies), last-write time (also used for creation and access time, which FTP does
// not report; all zero when unknown), size, name (cut at MAX_PATH - 1 on a character boundary).
void to_find_data(const ListEntry& entry, WIN32_FIND_DATAA& out);
void to_find_data(const ListEntry& entry, WIN32_FIND_DATAW& out);

}  // namespace openinet::ftp
