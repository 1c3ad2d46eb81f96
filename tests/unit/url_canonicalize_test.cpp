// The internal InternetCanonicalizeUrl / InternetCombineUrl implementations.
#include "url/url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using openinet::url::Error;
namespace flag = openinet::url::flag;

struct CanonicalizeCase {
    const char* url;
    std::uint32_t flags;
    const char* expected;
};

constexpr const char* wine_source = "http://www.winehq.org/%27/ /./>/#>  ";

const CanonicalizeCase canonicalize_cases[] = {
    {wine_source, 0, "http://www.winehq.org/%27/%20/%3E/#>"},
    {wine_source, flag::browser_mode, "http://www.winehq.org/%27/%20/%3E/#>"},
    {wine_source, flag::escape, "http://www.winehq.org/%27/%20/%3E/#>"},
    {wine_source, flag::decode, "http://www.winehq.org/'/%20/%3E/#>"},
    {wine_source, flag::encode_percent, "http://www.winehq.org/%2527/%20/%3E/#>"},
    {wine_source, flag::encode_spaces_only, "http://www.winehq.org/%27/%20/>/#>"},
    {wine_source, flag::no_encode, "http://www.winehq.org/%27/ />/#>"},
    {wine_source, flag::no_meta, "http://www.winehq.org/%27/%20/./%3E/#>"},
    {wine_source, flag::no_encode | flag::encode_spaces_only, "http://www.winehq.org/%27/%20/>/#>"},
    {"http://www.winehq.org", 0, "http://www.winehq.org/"},
    {"  http://host/a/b/../c/./d  ", 0, "http://host/a/c/d"},
    {"http://host/a/b/..", 0, "http://host/a/"},
    {"http://host/a/b/.", 0, "http://host/a/b/"},
    {"http://host/../../x", 0, "http://host/x"},
    {"http://host/a//b/", 0, "http://host/a//b/"},
    {"http://host/a\\b\\..\\c", 0, "http://host/a/c"},
    {"HTTP://Host/X", 0, "http://Host/X"},
    {"http://host/a b?c d#e f", 0, "http://host/a%20b?c d#e f"},
    {"http://host/p?x=../y", 0, "http://host/p?x=../y"},
    {"http://host/\xC3\xA9{}|^`\"", 0, "http://host/%C3%A9%7B%7D%7C%5E%60%22"},
    {"http://host/%41%2e%2E/", 0, "http://host/%41%2e%2E/"},
    {"http://host/%41%42", flag::decode, "http://host/AB"},
    {"http://host/%20", flag::decode | flag::no_encode, "http://host/ "},
    {"http://host/a%", 0, "http://host/a%"},
    {"http://host/a%", flag::encode_percent, "http://host/a%25"},
    {"mailto:someone@example.com", 0, "mailto:someone@example.com"},
    {"about:blank", 0, "about:blank"},
    {"javascript:alert('a b')", 0, "javascript:alert('a b')"},
    {"ftp://u:p@host:21/pub/../x y", 0, "ftp://u:p@host:21/x%20y"},
    {"file:///C:/dir/../a b.txt", 0, "file:///C:/a%20b.txt"},
    {"/a/./b/../c d", 0, "/a/c%20d"},
    {"", 0, ""},
};

class UrlCanonicalizeTable : public testing::TestWithParam<CanonicalizeCase> {};

TEST_P(UrlCanonicalizeTable, Canonicalizes)
{
    std::string out;
    ASSERT_EQ(openinet::url::canonicalize(GetParam().url, GetParam().flags, out), Error::none);
    EXPECT_EQ(out, GetParam().expected) << GetParam().url << " flags " << std::hex << GetParam().flags;
}

INSTANTIATE_TEST_SUITE_P(UrlFlags, UrlCanonicalizeTable, testing::ValuesIn(canonicalize_cases));

struct CombineCase {
    const char* base;
    const char* relative;
    std::uint32_t flags;
    const char* expected;
};

// RFC 3986 section 5.4 examples (base "http://a/b/c/d;p?q"), then WinInet specifics.
const CombineCase combine_cases[] = {
    {"http://a/b/c/d;p?q", "g:h", 0, "g:h"},
    {"http://a/b/c/d;p?q", "g", 0, "http://a/b/c/g"},
    {"http://a/b/c/d;p?q", "./g", 0, "http://a/b/c/g"},
    {"http://a/b/c/d;p?q", "g/", 0, "http://a/b/c/g/"},
    {"http://a/b/c/d;p?q", "/g", 0, "http://a/g"},
    {"http://a/b/c/d;p?q", "//g", 0, "http://g/"},
    {"http://a/b/c/d;p?q", "?y", 0, "http://a/b/c/d;p?y"},
    {"http://a/b/c/d;p?q", "g?y", 0, "http://a/b/c/g?y"},
    {"http://a/b/c/d;p?q", "#s", 0, "http://a/b/c/d;p?q#s"},
    {"http://a/b/c/d;p?q", "g#s", 0, "http://a/b/c/g#s"},
    {"http://a/b/c/d;p?q", "g?y#s", 0, "http://a/b/c/g?y#s"},
    {"http://a/b/c/d;p?q", ";x", 0, "http://a/b/c/;x"},
    {"http://a/b/c/d;p?q", "g;x", 0, "http://a/b/c/g;x"},
    {"http://a/b/c/d;p?q", "", 0, "http://a/b/c/d;p?q"},
    {"http://a/b/c/d;p?q", ".", 0, "http://a/b/c/"},
    {"http://a/b/c/d;p?q", "./", 0, "http://a/b/c/"},
    {"http://a/b/c/d;p?q", "..", 0, "http://a/b/"},
    {"http://a/b/c/d;p?q", "../", 0, "http://a/b/"},
    {"http://a/b/c/d;p?q", "../g", 0, "http://a/b/g"},
    {"http://a/b/c/d;p?q", "../..", 0, "http://a/"},
    {"http://a/b/c/d;p?q", "../../g", 0, "http://a/g"},
    {"http://a/b/c/d;p?q", "../../../g", 0, "http://a/g"},
    {"http://a/b/c/d;p?q", "/./g", 0, "http://a/g"},
    {"http://a/b/c/d;p?q", "/../g", 0, "http://a/g"},
    {"http://a/b/c/d;p?q", "g.", 0, "http://a/b/c/g."},
    {"http://a/b/c/d;p?q", "..g", 0, "http://a/b/c/..g"},
    {"http://a/b/c/d;p?q", "./../g", 0, "http://a/b/g"},
    {"http://a/b/c/d;p?q", "g/./h", 0, "http://a/b/c/g/h"},
    {"http://a/b/c/d;p?q", "g/../h", 0, "http://a/b/c/h"},
    {"http://a/b/c/d;p?q", "g?y/./x", 0, "http://a/b/c/g?y/./x"},
    {"http://a/b/c/d;p?q", "g#s/../x", 0, "http://a/b/c/g#s/../x"},
    {"http://www.winehq.org/dir/page.html", "other page.html", 0,
     "http://www.winehq.org/dir/other%20page.html"},
    {"http://www.winehq.org/dir/page.html", "other page.html", flag::no_encode,
     "http://www.winehq.org/dir/other page.html"},
    {"http://host/a/b", "../c/./d", flag::no_meta, "http://host/a/../c/./d"},
    {"http://host", "x", 0, "http://host/x"},
    {"http://host/a/b", "..\\c", 0, "http://host/c"},
    {"x:/a", "..//b", 0, "x:/.//b"}, // a path starting "//" must not turn into an authority
    {"  http://host/a/  ", "  b  ", 0, "http://host/a/b"},
    {"http://host/a", "https://other/x y", 0, "https://other/x%20y"},
    {"http://host/a", "mailto:x@y", 0, "mailto:x@y"},
    {"about:blank", "foo", 0, "about:foo"},
    {"http://u:p@host:81/a/b", "c", 0, "http://u:p@host:81/a/c"},
};

class UrlCombineTable : public testing::TestWithParam<CombineCase> {};

TEST_P(UrlCombineTable, Resolves)
{
    const CombineCase& c = GetParam();
    std::string out;
    ASSERT_EQ(openinet::url::combine(c.base, c.relative, c.flags, out), Error::none);
    EXPECT_EQ(out, c.expected) << c.base << " + " << c.relative;
}

INSTANTIATE_TEST_SUITE_P(UrlRfc3986, UrlCombineTable, testing::ValuesIn(combine_cases));

TEST(UrlCombine, BaseWithoutSchemeIsInvalid)
{
    std::string out;
    EXPECT_EQ(openinet::url::combine("www.winehq.org/a", "b", 0, out), Error::invalid_url);
    EXPECT_EQ(openinet::url::combine("", "b", 0, out), Error::invalid_url);
}

TEST(UrlCombine, AbsoluteRelativeNeedsNoBase)
{
    std::string out;
    ASSERT_EQ(openinet::url::combine("", "http://h/x/../y", 0, out), Error::none);
    EXPECT_EQ(out, "http://h/y");
}

TEST(UrlPercentDecode, KeepsMalformedEscapes)
{
    EXPECT_EQ(openinet::url::percent_decode("a%20b%2"), "a b%2");
    EXPECT_EQ(openinet::url::percent_decode("%%41"), "%A");
    EXPECT_EQ(openinet::url::percent_decode("%g1%41"), "%g1A");
    EXPECT_EQ(openinet::url::percent_decode(""), "");
    EXPECT_EQ(openinet::url::percent_decode("a%00b"), "a%00b"); // no NUL in a C string
}

} // namespace
