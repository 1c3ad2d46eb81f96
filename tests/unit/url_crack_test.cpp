// The internal cracker (openinet::url::crack / copied_text): ranges of the input and the
// texts WinInet copies into buffers.
#include "url/url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using openinet::url::CrackedUrl;
using openinet::url::Error;
using openinet::url::Part;
using openinet::url::Range;
using openinet::url::Scheme;
namespace flag = openinet::url::flag;

constexpr int absent = -1;

struct CrackCase {
    const char* url;
    Scheme scheme;
    int port;
    int scheme_offset, scheme_length;
    int host_offset, host_length;
    int user_offset, user_length;
    int password_offset, password_length;
    int path_offset, path_length;
    int extra_offset, extra_length;
    // What a caller's buffers receive without flags.
    const char* host_text;
    const char* path_text;
    const char* extra_text;
};

const CrackCase crack_cases[] = {
    {"http://www.winehq.org/site/about#hi", Scheme::http, 80, 0, 4, 7, 14, absent, 0, absent, 0,
     21, 11, 32, 3, "www.winehq.org", "/site/about", "#hi"},
    {"http://www.myserver.com/myscript.php?arg=1", Scheme::http, 80, 0, 4, 7, 16, absent, 0,
     absent, 0, 23, 13, 36, 6, "www.myserver.com", "/myscript.php", "?arg=1"},
    {"http://www.winehq.org?test=123", Scheme::http, 80, 0, 4, 7, 14, absent, 0, absent, 0, 21,
     0, 21, 9, "www.winehq.org", "", "?test=123"},
    {"http://www.winehq.org/myscript.php;test=123", Scheme::http, 80, 0, 4, 7, 14, absent, 0,
     absent, 0, 21, 22, absent, 0, "www.winehq.org", "/myscript.php;test=123", ""},
    {"HtTp://www.winehq.org/scheme", Scheme::http, 80, 0, 4, 7, 14, absent, 0, absent, 0, 21, 7,
     absent, 0, "www.winehq.org", "/scheme", ""},
    {"http://www.winehq.org", Scheme::http, 80, 0, 4, 7, 14, absent, 0, absent, 0, 21, 0, absent,
     0, "www.winehq.org", "", ""},
    {"https://example.com/", Scheme::https, 443, 0, 5, 8, 11, absent, 0, absent, 0, 19, 1, absent,
     0, "example.com", "/", ""},
    {"ftp://user:pw@ftp.example.com:2121/pub/file.txt", Scheme::ftp, 2121, 0, 3, 14, 15, 6, 4, 11,
     2, 34, 13, absent, 0, "ftp.example.com", "/pub/file.txt", ""},
    {"ftp://ftp.example.com", Scheme::ftp, 21, 0, 3, 6, 15, absent, 0, absent, 0, 21, 0, absent,
     0, "ftp.example.com", "", ""},
    {"http://user@host/", Scheme::http, 80, 0, 4, 12, 4, 7, 4, absent, 0, 16, 1, absent, 0, "host",
     "/", ""},
    {"http://user:@host/", Scheme::http, 80, 0, 4, 13, 4, 7, 4, 12, 0, 17, 1, absent, 0, "host",
     "/", ""},
    {"http://:pw@host/", Scheme::http, 80, 0, 4, 11, 4, 7, 0, 8, 2, 15, 1, absent, 0, "host", "/",
     ""},
    // The last '@' ends the user info.
    {"http://u:p@ss@host/x", Scheme::http, 80, 0, 4, 14, 4, 7, 1, 9, 4, 18, 2, absent, 0, "host",
     "/x", ""},
    {"http://host:8080/a?b#c", Scheme::http, 8080, 0, 4, 7, 4, absent, 0, absent, 0, 16, 2, 18, 4,
     "host", "/a", "?b#c"},
    {"http://host:/a", Scheme::http, 80, 0, 4, 7, 4, absent, 0, absent, 0, 12, 2, absent, 0, "host",
     "/a", ""},
    {"http://host:0/", Scheme::http, 0, 0, 4, 7, 4, absent, 0, absent, 0, 13, 1, absent, 0, "host",
     "/", ""},
    {"http://host:65535/", Scheme::http, 65535, 0, 4, 7, 4, absent, 0, absent, 0, 17, 1, absent, 0,
     "host", "/", ""},
    {"http://[::1]/", Scheme::http, 80, 0, 4, 7, 5, absent, 0, absent, 0, 12, 1, absent, 0, "[::1]",
     "/", ""},
    {"http://[fe80::1%25eth0]:8080/x?y", Scheme::http, 8080, 0, 4, 7, 16, absent, 0, absent, 0,
     28, 2, 30, 2, "[fe80::1%25eth0]", "/x", "?y"},
    {"http://u:p@[2001:db8::7]:99", Scheme::http, 99, 0, 4, 11, 13, 7, 1, 9, 1, 27, 0, absent, 0,
     "[2001:db8::7]", "", ""},
    {"http://host/a#b?c", Scheme::http, 80, 0, 4, 7, 4, absent, 0, absent, 0, 11, 2, 13, 4, "host",
     "/a", "#b?c"},
    {"http://host/a b/%zz?q r", Scheme::http, 80, 0, 4, 7, 4, absent, 0, absent, 0, 11, 8, 19, 4,
     "host", "/a b/%zz", "?q r"},
    {"http:///nohost", Scheme::http, 80, 0, 4, 7, 0, absent, 0, absent, 0, 7, 7, absent, 0, "",
     "/nohost", ""},
    {"file:///C:/Program%20Files/Atmel/AVR%20Tools/STK500/STK500.xml", Scheme::file, 0, 0, 4,
     absent, 0, absent, 0, absent, 0, 7, 55, absent, 0, "",
     "C:\\Program Files\\Atmel\\AVR Tools\\STK500\\STK500.xml", ""},
    {"fide:///C:/Program%20Files/Atmel/AVR%20Tools/STK500/STK500.xml", Scheme::unknown, 0, 0, 4,
     7, 0, absent, 0, absent, 0, 7, 55, absent, 0, "",
     "/C:/Program%20Files/Atmel/AVR%20Tools/STK500/STK500.xml", ""},
    {"file://C:/Program%20Files/Atmel/AVR%20Tools/STK500/STK500.xml", Scheme::file, 0, 0, 4,
     absent, 0, absent, 0, absent, 0, 7, 54, absent, 0, "",
     "C:\\Program%20Files\\Atmel\\AVR%20Tools\\STK500\\STK500.xml", ""},
    {"file://C:/Program%20Files/Atmel/..", Scheme::file, 0, 0, 4, absent, 0, absent, 0, absent, 0,
     7, 27, absent, 0, "", "C:\\Program%20Files\\Atmel\\..\\", ""},
    {"file:///C:/Program%20Files/Atmel/../Asdf.xml", Scheme::file, 0, 0, 4, absent, 0, absent, 0,
     absent, 0, 7, 37, absent, 0, "", "C:\\Program Files\\Atmel\\..\\Asdf.xml", ""},
    {"file:///C:/Program%20Files/Atmel/.", Scheme::file, 0, 0, 4, absent, 0, absent, 0, absent, 0,
     7, 27, absent, 0, "", "C:\\Program Files\\Atmel\\.\\", ""},
    {"file:///tmp/a%20b.txt", Scheme::file, 0, 0, 4, absent, 0, absent, 0, absent, 0, 7, 14,
     absent, 0, "", "/tmp/a%20b.txt", ""},
    {"C:\\file.txt", Scheme::unknown, 0, 0, 1, absent, 0, absent, 0, absent, 0, 2, 9, absent, 0,
     "", "\\file.txt", ""},
    {"res://IELib.dll/test.htm", Scheme::res, 0, 0, 3, 6, 9, absent, 0, absent, 0, 15, 9, absent, 0,
     "IELib.dll", "/test.htm", ""},
    {"gopher://www.winehq.org/site/about#hi", Scheme::gopher, 0, 0, 6, 9, 14, absent, 0, absent, 0,
     23, 11, 34, 3, "www.winehq.org", "/site/about", "#hi"},
    {"about://host/blank", Scheme::unknown, 0, 0, 5, 8, 4, absent, 0, absent, 0, 12, 6, absent, 0,
     "host", "/blank", ""},
    {"about:blank", Scheme::unknown, 0, 0, 5, absent, 0, absent, 0, absent, 0, 6, 5, absent, 0, "",
     "blank", ""},
    {"mailto:someone@example.com?subject=hi", Scheme::mailto, 0, 0, 6, absent, 0, absent, 0,
     absent, 0, 7, 19, 26, 11, "", "someone@example.com", "?subject=hi"},
    {"javascript:void(0)", Scheme::javascript, 0, 0, 10, absent, 0, absent, 0, absent, 0, 11, 7,
     absent, 0, "", "void(0)", ""},
    {"news:comp.lang.c", Scheme::news, 0, 0, 4, absent, 0, absent, 0, absent, 0, 5, 11, absent, 0,
     "", "comp.lang.c", ""},
    {"x-custom+v1.2://h/p", Scheme::unknown, 0, 0, 13, 16, 1, absent, 0, absent, 0, 17, 2, absent,
     0, "h", "/p", ""},
    {"http://h\xC3\xA9llo.example/\xE2\x82\xAC", Scheme::http, 80, 0, 4, 7, 14, absent, 0, absent,
     0, 21, 4, absent, 0, "h\xC3\xA9llo.example", "/\xE2\x82\xAC", ""},
};

class UrlCrackTable : public testing::TestWithParam<CrackCase> {};

void expect_range(const Range& range, int offset, int length, const char* what)
{
    if (offset == absent) {
        EXPECT_FALSE(range.present) << what;
        EXPECT_EQ(range.length, 0u) << what;
    } else {
        EXPECT_TRUE(range.present) << what;
        EXPECT_EQ(range.offset, static_cast<std::size_t>(offset)) << what;
        EXPECT_EQ(range.length, static_cast<std::size_t>(length)) << what;
    }
}

TEST_P(UrlCrackTable, RangesAndCopiedTexts)
{
    const CrackCase& c = GetParam();
    SCOPED_TRACE(c.url);
    CrackedUrl cracked;
    ASSERT_EQ(openinet::url::crack(c.url, cracked), Error::none);
    EXPECT_EQ(cracked.scheme, c.scheme);
    EXPECT_EQ(cracked.port, c.port);
    expect_range(cracked.scheme_text, c.scheme_offset, c.scheme_length, "scheme");
    expect_range(cracked.host, c.host_offset, c.host_length, "host");
    expect_range(cracked.user, c.user_offset, c.user_length, "user");
    expect_range(cracked.password, c.password_offset, c.password_length, "password");
    expect_range(cracked.path, c.path_offset, c.path_length, "path");
    expect_range(cracked.extra, c.extra_offset, c.extra_length, "extra");

    EXPECT_EQ(openinet::url::copied_text(c.url, cracked, Part::host, 0), c.host_text);
    EXPECT_EQ(openinet::url::copied_text(c.url, cracked, Part::path, 0), c.path_text);
    EXPECT_EQ(openinet::url::copied_text(c.url, cracked, Part::extra, 0), c.extra_text);
    std::string scheme_text(c.url, static_cast<std::size_t>(c.scheme_length));
    EXPECT_EQ(openinet::url::copied_text(c.url, cracked, Part::scheme, flag::decode), scheme_text);
}

INSTANTIATE_TEST_SUITE_P(UrlWine, UrlCrackTable, testing::ValuesIn(crack_cases));

struct FailureCase {
    const char* url;
    Error error;
};

const FailureCase failure_cases[] = {
    {"", Error::unrecognized_scheme},
    {"file.txt", Error::unrecognized_scheme},
    {"www.winehq.org", Error::unrecognized_scheme},
    {"../Ritz.xml", Error::unrecognized_scheme},
    {":nothing", Error::unrecognized_scheme},
    {"ht tp://host/", Error::unrecognized_scheme},
    {"/path:with/colon", Error::unrecognized_scheme},
    {"http://host:65536/", Error::invalid_url},
    {"http://host:99999999999999999999/", Error::invalid_url},
    {"http://host:8o/", Error::invalid_url},
    {"http://host:-1/", Error::invalid_url},
    {"http://host:80:80/", Error::invalid_url},
    {"http://host: 80/", Error::invalid_url},
    {"http://[::1/", Error::invalid_url},
    {"http://[::1]x/", Error::invalid_url},
    {"http://[::1]:x/", Error::invalid_url},
};

class UrlCrackFailure : public testing::TestWithParam<FailureCase> {};

TEST_P(UrlCrackFailure, ReportsWinInetError)
{
    CrackedUrl cracked;
    EXPECT_EQ(openinet::url::crack(GetParam().url, cracked), GetParam().error) << GetParam().url;
}

INSTANTIATE_TEST_SUITE_P(UrlInvalid, UrlCrackFailure, testing::ValuesIn(failure_cases));

TEST(UrlCrack, PathWithExtraWhenExtraNotWanted)
{
    const std::string url = "http://192.168.0.22/CFIDE/main.cfm?CFSVR=IDE&ACTION=IDE_DEFAULT";
    CrackedUrl cracked;
    ASSERT_EQ(openinet::url::crack(url, cracked), Error::none);
    EXPECT_EQ(cracked.path.length, 15u);
    EXPECT_EQ(cracked.extra.length, 29u);
    EXPECT_EQ(openinet::url::copied_text(url, cracked, Part::path, 0, true),
              "/CFIDE/main.cfm?CFSVR=IDE&ACTION=IDE_DEFAULT");
}

struct DecodeCase {
    const char* url;
    Part part;
    std::uint32_t flags;
    const char* expected;
};

const DecodeCase decode_cases[] = {
    {"http://a%20b:p%40ss@host/x%20y?q=%41#f%42", Part::user, flag::decode, "a b"},
    {"http://a%20b:p%40ss@host/x%20y?q=%41#f%42", Part::password, flag::decode, "p@ss"},
    {"http://a%20b:p%40ss@host/x%20y?q=%41#f%42", Part::path, flag::decode, "/x y"},
    {"http://a%20b:p%40ss@host/x%20y?q=%41#f%42", Part::extra, flag::decode, "?q=A#fB"},
    {"http://a%20b:p%40ss@host/x%20y?q=%41#f%42", Part::path, flag::escape, "/x y"},
    {"http://a%20b:p%40ss@host/x%20y?q=%41#f%42", Part::path, 0, "/x%20y"},
    {"http://a%20b:p%40ss@host/x%20y?q=%41#f%42", Part::user, 0, "a%20b"},
    {"http://host/100%/%4/%zz/%e2%82%ac", Part::path, flag::decode, "/100%/%4/%zz/\xE2\x82\xAC"},
    {"http://host/%", Part::path, flag::decode, "/%"},
    {"http://host/%4", Part::path, flag::decode, "/%4"},
    {"file://C:/a%20b/c", Part::path, flag::decode, "C:\\a b\\c"},
    {"file:///tmp/a%20b", Part::path, flag::decode, "/tmp/a b"},
    {"file:///c|/x", Part::path, 0, "c:\\x"},
};

class UrlCrackDecode : public testing::TestWithParam<DecodeCase> {};

TEST_P(UrlCrackDecode, CopiedTextHonoursFlags)
{
    const DecodeCase& c = GetParam();
    CrackedUrl cracked;
    ASSERT_EQ(openinet::url::crack(c.url, cracked), Error::none);
    EXPECT_EQ(openinet::url::copied_text(c.url, cracked, c.part, c.flags), c.expected) << c.url;
}

INSTANTIATE_TEST_SUITE_P(UrlFlags, UrlCrackDecode, testing::ValuesIn(decode_cases));

TEST(UrlCrack, LongPathIsNotLimited)
{
    std::string url = "http://www.winehq.org/" + std::string(6000, 'x') + "#" + std::string(5000, 'y');
    CrackedUrl cracked;
    ASSERT_EQ(openinet::url::crack(url, cracked), Error::none);
    EXPECT_EQ(cracked.path.length, 6001u);
    EXPECT_EQ(cracked.extra.length, 5001u);
}

TEST(UrlCrack, SchemeNamesAndDefaultPorts)
{
    EXPECT_EQ(openinet::url::scheme_from_name("HTTPS"), Scheme::https);
    EXPECT_EQ(openinet::url::scheme_from_name("Ftp"), Scheme::ftp);
    EXPECT_EQ(openinet::url::scheme_from_name("nhttp"), Scheme::unknown);
    EXPECT_EQ(openinet::url::scheme_from_name(""), Scheme::unknown);
    EXPECT_EQ(openinet::url::scheme_name(Scheme::vbscript), "vbscript");
    EXPECT_EQ(openinet::url::scheme_name(Scheme::unknown), "");
    EXPECT_EQ(openinet::url::scheme_name(Scheme::default_scheme), "");
    EXPECT_EQ(openinet::url::default_port(Scheme::http), 80);
    EXPECT_EQ(openinet::url::default_port(Scheme::https), 443);
    EXPECT_EQ(openinet::url::default_port(Scheme::ftp), 21);
    EXPECT_EQ(openinet::url::default_port(Scheme::file), 0);
    EXPECT_EQ(openinet::url::default_port(Scheme::unknown), 0);
}

} // namespace
