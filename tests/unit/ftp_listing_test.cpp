#include "ftp/listing.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace openinet::ftp {
namespace {

using namespace std::chrono;

FileTime at(int y, unsigned mo, unsigned d, unsigned h = 0, unsigned mi = 0, unsigned s = 0,
            unsigned ms = 0) {
    return time_point_cast<milliseconds>(sys_days{year_month_day{year{y}, month{mo}, day{d}}}) +
           hours{h} + minutes{mi} + seconds{s} + milliseconds{ms};
}

// The "now" every Unix case is parsed against: 2026-11-27 12:00 UTC.
const FileTime now = at(2026, 11, 27, 12, 0);

struct Expect {
    std::string name;
    std::optional<std::uint64_t> size;
    std::optional<FileTime> modified;
    bool is_directory = false;
    bool is_symlink = false;
    std::string link_target;
    std::optional<unsigned> unix_mode;
    bool read_only = false;
};

struct LineCase {
    const char* origin;
    std::string line;
    std::optional<Expect> expect;   // nullopt: the line gives no entry
};

void check(const LineCase& c, const std::optional<ListEntry>& got) {
    SCOPED_TRACE(std::string(c.origin) + ": " + c.line);
    ASSERT_EQ(got.has_value(), c.expect.has_value());
    if (!got) return;
    const Expect& e = *c.expect;
    EXPECT_EQ(got->name, e.name);
    EXPECT_EQ(got->size, e.size);
    EXPECT_EQ(got->modified, e.modified);
    EXPECT_EQ(got->is_directory, e.is_directory);
    EXPECT_EQ(got->is_symlink, e.is_symlink);
    EXPECT_EQ(got->link_target, e.link_target);
    EXPECT_EQ(got->unix_mode, e.unix_mode);
    EXPECT_EQ(got->read_only, e.read_only);
}

TEST(FtpListingUnix, RealServerLines) {
    const std::vector<LineCase> cases = {
        {"vsftpd", "drwxr-xr-x    2 0        0            4096 Nov 27 04:20 pub",
         Expect{"pub", 4096, at(2026, 11, 27, 4, 20), true, false, "", 0755}},
        {"vsftpd", "-rw-r--r--    1 0        0              12 Jan 01  2024 old.txt",
         Expect{"old.txt", 12, at(2024, 1, 1), false, false, "", 0644}},
        {"vsftpd zero-padded day", "-rw-------    1 102      105      268435456 Nov 07 23:59 big.bin",
         Expect{"big.bin", 268435456, at(2026, 11, 7, 23, 59), false, false, "", 0600}},
        {"pure-ftpd", "-rw-r--r--    1 1000       1000             1234 Nov 27 04:20 file.txt",
         Expect{"file.txt", 1234, at(2026, 11, 27, 4, 20), false, false, "", 0644}},
        {"proftpd", "-r--r--r--   1 ftp      ftp          1234 Oct  3 10:05 read only.txt",
         Expect{"read only.txt", 1234, at(2026, 10, 3, 10, 5), false, false, "", 0444, true}},
        {"gnu ls, space-padded day", "drwxrwxr-x  5 user group 160 Feb  9  2021 My Documents",
         Expect{"My Documents", 160, at(2021, 2, 9), true, false, "", 0775}},
        {"name with leading space kept", "-rw-r--r-- 1 u g 5 Nov 27 04:20  lead",
         Expect{" lead", 5, at(2026, 11, 27, 4, 20), false, false, "", 0644}},
        {"name with trailing spaces", "-rw-r--r-- 1 u g 5 Nov 27 04:20 trail  ",
         Expect{"trail  ", 5, at(2026, 11, 27, 4, 20), false, false, "", 0644}},
        {"symlink", "lrwxrwxrwx    1 0        0               7 Nov 27 04:20 latest -> v1.2.3",
         Expect{"latest", 7, at(2026, 11, 27, 4, 20), false, true, "v1.2.3", 0777}},
        {"symlink with spaces", "lrwxrwxrwx 1 u g 12 Mar 15 2020 a link -> the target",
         Expect{"a link", 12, at(2020, 3, 15), false, true, "the target", 0777}},
        {"character device", "crw-rw-rw-    1 0        0          1,   3 Nov 27 04:20 null",
         Expect{"null", 0, at(2026, 11, 27, 4, 20), false, false, "", 0666}},
        {"block device no space", "brw-rw----  1 root disk 8,0 Nov 27 04:20 sda",
         Expect{"sda", 0, at(2026, 11, 27, 4, 20), false, false, "", 0660}},
        {"no group column", "-rw-r--r-- 1 owner 98765 Nov 27 04:20 nogroup.dat",
         Expect{"nogroup.dat", 98765, at(2026, 11, 27, 4, 20), false, false, "", 0644}},
        {"setuid and sticky", "drwxrwxrwt 10 0 0 4096 Nov 27 04:20 tmp",
         Expect{"tmp", 4096, at(2026, 11, 27, 4, 20), true, false, "", 01777}},
        {"setuid no exec", "-rwSr--r-- 1 0 0 1 Nov 27 04:20 s",
         Expect{"s", 1, at(2026, 11, 27, 4, 20), false, false, "", 04644}},
        {"acl marker", "-rw-r--r--+ 1 u g 10 Nov 27 04:20 acl",
         Expect{"acl", 10, at(2026, 11, 27, 4, 20), false, false, "", 0644}},
        {"long-iso time style", "-rw-r--r-- 1 u g 77 2025-06-30 18:45 iso.txt",
         Expect{"iso.txt", 77, at(2025, 6, 30, 18, 45), false, false, "", 0644}},
        {"owner named like a month", "-rw-r--r-- 1 jan dec 42 Nov 27 04:20 m",
         Expect{"m", 42, at(2026, 11, 27, 4, 20), false, false, "", 0644}},
        {"utf-8 name", "-rw-r--r-- 1 u g 3 Nov 27 04:20 gr\xc3\xbc\xc3\x9f" "e.txt",
         Expect{"gr\xc3\xbc\xc3\x9f" "e.txt", 3, at(2026, 11, 27, 4, 20), false, false, "", 0644}},
        {"huge size", "-rw-r--r-- 1 u g 18446744073709551615 Nov 27 04:20 max",
         Expect{"max", 18446744073709551615ull, at(2026, 11, 27, 4, 20), false, false, "", 0644}},
        {"CRLF kept off the name", "-rw-r--r-- 1 u g 3 Nov 27 04:20 crlf\r",
         Expect{"crlf", 3, at(2026, 11, 27, 4, 20), false, false, "", 0644}},
        {"total line", "total 12", std::nullopt},
        {"dot", "drwxr-xr-x 2 0 0 4096 Nov 27 04:20 .", std::nullopt},
        {"dot dot", "drwxr-xr-x 3 0 0 4096 Nov 27 04:20 ..", std::nullopt},
        {"size overflow", "-rw-r--r-- 1 u g 18446744073709551616 Nov 27 04:20 x", std::nullopt},
        {"bad permission letters", "-rwzr--r-- 1 u g 1 Nov 27 04:20 x", std::nullopt},
        {"no date", "-rw-r--r-- 1 u g 1 x", std::nullopt},
        {"bad day", "-rw-r--r-- 1 u g 1 Feb 30 2024 x", std::nullopt},
        {"bad clock", "-rw-r--r-- 1 u g 1 Nov 27 24:20 x", std::nullopt},
        {"no name", "-rw-r--r-- 1 u g 1 Nov 27 04:20", std::nullopt},
        {"garbage", "hello world", std::nullopt},
    };
    for (const auto& c : cases) check(c, parse_unix_list_line(c.line, now));
}

TEST(FtpListingUnix, YearInferredRelativeToNow) {
    // Within a day ahead of now (clock skew) stays in this year; later dates are last year's.
    EXPECT_EQ(parse_unix_list_line("-rw-r--r-- 1 u g 1 Nov 28 06:00 a", now)->modified,
              at(2026, 11, 28, 6, 0));
    EXPECT_EQ(parse_unix_list_line("-rw-r--r-- 1 u g 1 Dec 24 18:00 a", now)->modified,
              at(2025, 12, 24, 18, 0));
    EXPECT_EQ(parse_unix_list_line("-rw-r--r-- 1 u g 1 Jan 02 00:00 a", now)->modified,
              at(2026, 1, 2));
    // In January, a December date belongs to the year before.
    FileTime january = at(2027, 1, 3, 9, 0);
    EXPECT_EQ(parse_unix_list_line("-rw-r--r-- 1 u g 1 Dec 31 23:59 a", january)->modified,
              at(2026, 12, 31, 23, 59));
    // Feb 29 in HH:MM form when the inferred year has none: the line is refused, not invented.
    EXPECT_FALSE(parse_unix_list_line("-rw-r--r-- 1 u g 1 Feb 29 10:00 a", at(2026, 3, 1)).has_value());
    EXPECT_EQ(parse_unix_list_line("-rw-r--r-- 1 u g 1 Feb 29 10:00 a", at(2028, 3, 1))->modified,
              at(2028, 2, 29, 10, 0));
}

TEST(FtpListingDos, RealServerLines) {
    const std::vector<LineCase> cases = {
        {"IIS dir", "11-27-26  04:20PM       <DIR>          name",
         Expect{"name", std::nullopt, at(2026, 11, 27, 16, 20), true}},
        {"IIS file 4-digit year", "02-15-2024  09:03AM                 1234 report final.pdf",
         Expect{"report final.pdf", 1234, at(2024, 2, 15, 9, 3)}},
        {"IIS noon", "01-01-25  12:00PM                    0 noon",
         Expect{"noon", 0, at(2025, 1, 1, 12, 0)}},
        {"IIS midnight", "01-01-25  12:30AM                    5 midnight",
         Expect{"midnight", 5, at(2025, 1, 1, 0, 30)}},
        {"two-digit year before 70", "07-04-99  01:00AM   10 old",
         Expect{"old", 10, at(1999, 7, 4, 1, 0)}},
        {"24-hour clock", "12-31-2025  23:59       <DIR>          Year End",
         Expect{"Year End", std::nullopt, at(2025, 12, 31, 23, 59), true}},
        {"grouped digits", "03-01-2026  08:00AM        1,234,567 grouped.bin",
         Expect{"grouped.bin", 1234567, at(2026, 3, 1, 8, 0)}},
        {"junction", "03-01-2026  08:00AM    <JUNCTION>     Docs [C:\\Users\\Docs]",
         Expect{"Docs", std::nullopt, at(2026, 3, 1, 8, 0), true, true, "C:\\Users\\Docs"}},
        {"CRLF", "11-27-26  04:20PM                 12 a.txt\r",
         Expect{"a.txt", 12, at(2026, 11, 27, 16, 20)}},
        {"bad month", "13-27-26  04:20PM   12 a", std::nullopt},
        {"bad hour for AM/PM", "11-27-26  13:20PM   12 a", std::nullopt},
        {"size not a number", "11-27-26  04:20PM   12x a", std::nullopt},
        {"no name", "11-27-26  04:20PM   12", std::nullopt},
        {"dots", "11-27-26  04:20PM       <DIR>          ..", std::nullopt},
    };
    for (const auto& c : cases) check(c, parse_dos_list_line(c.line));
}

TEST(FtpListingMlsd, RealServerLines) {
    const std::vector<LineCase> cases = {
        {"pure-ftpd file",
         "type=file;size=1234;modify=20261127042000;UNIX.mode=0644;UNIX.uid=1000;UNIX.gid=1000;unique=803g4a1; file.txt",
         Expect{"file.txt", 1234, at(2026, 11, 27, 4, 20), false, false, "", 0644}},
        {"proftpd file",
         "modify=20261127042000;perm=adfrw;size=1234;type=file;unique=FD00U1A2B;UNIX.group=0;UNIX.groupname=root;"
         "UNIX.mode=0644;UNIX.owner=0;UNIX.ownername=root; name with spaces; and semicolons",
         Expect{"name with spaces; and semicolons", 1234, at(2026, 11, 27, 4, 20), false, false, "", 0644}},
        {"read-only by perm", "type=file;perm=r;size=5; ro",
         Expect{"ro", 5, std::nullopt, false, false, "", std::nullopt, true}},
        {"directory", "type=dir;modify=20250101000000;perm=flcdmpe; sub",
         Expect{"sub", std::nullopt, at(2025, 1, 1), true}},
        {"directory without create rights", "type=dir;perm=el; locked",
         Expect{"locked", std::nullopt, std::nullopt, true, false, "", std::nullopt, true}},
        {"fractional seconds", "type=file;size=0;modify=20261127042059.123456; frac",
         Expect{"frac", 0, at(2026, 11, 27, 4, 20, 59, 123)}},
        {"fraction shorter than ms", "type=file;modify=20261127042059.5; half",
         Expect{"half", std::nullopt, at(2026, 11, 27, 4, 20, 59, 500)}},
        {"upper-case facts", "Type=File;Size=9;Modify=20200229120000; leap",
         Expect{"leap", 9, at(2020, 2, 29, 12, 0)}},
        {"proftpd symlink", "type=OS.unix=slink:/srv/real;size=9; ln",
         Expect{"ln", 9, std::nullopt, false, true, "/srv/real"}},
        {"symlink without target", "type=OS.unix=symlink; ln2",
         Expect{"ln2", std::nullopt, std::nullopt, false, true}},
        {"mode read-only", "type=file;UNIX.mode=0444; ro2",
         Expect{"ro2", std::nullopt, std::nullopt, false, false, "", 0444, true}},
        {"no facts", " bare", Expect{"bare"}},
        {"cdir", "type=cdir;modify=20250101000000; /pub", std::nullopt},
        {"pdir", "type=pdir;modify=20250101000000; ..", std::nullopt},
        {"bad modify", "type=file;modify=2026112704; x", std::nullopt},
        {"bad date", "type=file;modify=20261131000000; x", std::nullopt},
        {"bad size", "type=file;size=-1; x", std::nullopt},
        {"no separator", "type=file;size=1;name", std::nullopt},
        {"fact without value", "type;size=1; x", std::nullopt},
        {"no name", "type=file; ", std::nullopt},
    };
    for (const auto& c : cases) check(c, parse_mlsd_line(c.line));
}

TEST(FtpListingParser, SplitsLinesAcrossFeedsAtEveryBoundary) {
    std::string listing =
        "total 8\r\n"
        "drwxr-xr-x    2 0        0            4096 Nov 27 04:20 pub\r\n"
        "-rw-r--r--    1 0        0              12 Jan 01  2024 old.txt\n"
        "11-27-26  04:20PM       <DIR>          dosdir\r\n"
        "garbage line\r\n"
        "-rw-r--r--    1 0        0              3 Nov 27 04:20 last";   // no final line end
    for (std::size_t split = 0; split <= listing.size(); ++split) {
        ListingParser parser(ListingParser::Format::list, now);
        std::vector<ListEntry> entries;
        parser.feed(std::string_view(listing).substr(0, split), entries);
        parser.feed(std::string_view(listing).substr(split), entries);
        parser.finish(entries);
        ASSERT_EQ(entries.size(), 4u) << "split at " << split;
        EXPECT_EQ(entries[0].name, "pub");
        EXPECT_EQ(entries[1].name, "old.txt");
        EXPECT_EQ(entries[2].name, "dosdir");
        EXPECT_EQ(entries[3].name, "last");
    }
}

TEST(FtpListingParser, MlsdFormat) {
    ListingParser parser(ListingParser::Format::mlsd, now);
    std::vector<ListEntry> entries;
    parser.feed("type=cdir;modify=20250101000000; .\r\ntype=pdir; ..\r\n"
                "type=file;size=3;modify=20250101000000; a\r\ntype=dir; b\r\n", entries);
    parser.finish(entries);
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].name, "a");
    EXPECT_TRUE(entries[1].is_directory);
}

TEST(FtpListingParser, OverlongLineSkippedThenParsingResumes) {
    ListingParser parser(ListingParser::Format::list, now, 64);
    std::vector<ListEntry> entries;
    parser.feed("-rw-r--r-- 1 u g 1 Nov 27 04:20 " + std::string(100, 'x'), entries);
    parser.feed(std::string(1000, 'y'), entries);
    parser.feed("\r\n-rw-r--r-- 1 u g 2 Nov 27 04:20 short\r\n", entries);
    parser.finish(entries);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].name, "short");
}

TEST(FtpListingFindData, FileTimeEpochs) {
    // 1970-01-01 is 116444736000000000 ticks after 1601-01-01.
    FILETIME unix_epoch = to_filetime(FileTime{});
    EXPECT_EQ((std::uint64_t(unix_epoch.dwHighDateTime) << 32) | unix_epoch.dwLowDateTime,
              116444736000000000ull);
    FileTime t = at(2026, 11, 27, 4, 20, 59, 123);
    EXPECT_EQ(from_filetime(to_filetime(t)), t);
    // 2000-01-01 00:00:00 UTC = 125911584000000000.
    FILETIME y2k = to_filetime(at(2000, 1, 1));
    EXPECT_EQ((std::uint64_t(y2k.dwHighDateTime) << 32) | y2k.dwLowDateTime, 125911584000000000ull);
}

TEST(FtpListingFindData, AttributesSizeAndName) {
    ListEntry file;
    file.name = "file.bin";
    file.size = 0x123456789ull;
    file.modified = at(2026, 11, 27, 4, 20);
    WIN32_FIND_DATAA a;
    to_find_data(file, a);
    EXPECT_EQ(a.dwFileAttributes, DWORD(FILE_ATTRIBUTE_NORMAL));
    EXPECT_EQ(a.nFileSizeHigh, 1u);
    EXPECT_EQ(a.nFileSizeLow, 0x23456789u);
    EXPECT_STREQ(a.cFileName, "file.bin");
    EXPECT_EQ(from_filetime(a.ftLastWriteTime), *file.modified);
    EXPECT_EQ(a.cAlternateFileName[0], '\0');

    ListEntry dir;
    dir.name = "d";
    dir.is_directory = true;
    dir.read_only = true;
    WIN32_FIND_DATAW w;
    to_find_data(dir, w);
    EXPECT_EQ(w.dwFileAttributes, DWORD(FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_READONLY));
    EXPECT_EQ(std::wstring(w.cFileName), L"d");
    EXPECT_EQ(w.ftLastWriteTime.dwLowDateTime, 0u);
    EXPECT_EQ(w.ftLastWriteTime.dwHighDateTime, 0u);
}

TEST(FtpListingFindData, LongNamesCutOnCharacterBoundary) {
    ListEntry entry;
    // 258 ASCII bytes then a 2-byte character: the A form keeps 258 bytes, not half a character.
    entry.name = std::string(258, 'a') + "\xc3\xa9" + "tail";
    WIN32_FIND_DATAA a;
    to_find_data(entry, a);
    EXPECT_EQ(std::string(a.cFileName).size(), 258u);
    WIN32_FIND_DATAW w;
    to_find_data(entry, w);
    std::wstring wide(w.cFileName);
    EXPECT_EQ(wide.size(), std::size_t(MAX_PATH - 1));
    EXPECT_EQ(wide[258], L'\u00e9');
}

}  // namespace
}  // namespace openinet::ftp
