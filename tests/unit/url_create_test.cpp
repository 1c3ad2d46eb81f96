// The internal InternetCreateUrl implementation (openinet::url::create).
#include "url/url.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace {

using openinet::url::Error;
using openinet::url::Scheme;
using openinet::url::UrlParts;
namespace flag = openinet::url::flag;

using Text = std::optional<std::string_view>;
constexpr std::nullopt_t null = std::nullopt;

UrlParts winehq_parts()
{
    UrlParts parts;
    parts.scheme_text = "http";
    parts.scheme = Scheme::http;
    parts.host = "www.winehq.org";
    parts.port = 80;
    parts.user = "username";
    parts.password = "password";
    parts.path = "/site/about";
    parts.extra = "";
    return parts;
}

struct CreateCase {
    const char* name;
    UrlParts parts;
    std::uint32_t flags;
    const char* expected;
};

UrlParts with(UrlParts parts, auto change)
{
    change(parts);
    return parts;
}

const CreateCase create_cases[] = {
    {"full", winehq_parts(), 0, "http://username:password@www.winehq.org/site/about"},
    {"scheme from nScheme", with(winehq_parts(), [](UrlParts& p) { p.scheme_text = null; }), 0,
     "http://username:password@www.winehq.org/site/about"},
    {"empty scheme text uses nScheme",
     with(winehq_parts(), [](UrlParts& p) { p.scheme_text = ""; p.scheme = Scheme::https; p.port = 443; }),
     0, "https://username:password@www.winehq.org/site/about"},
    {"nScheme ignored when text given", with(winehq_parts(), [](UrlParts& p) { p.scheme = Scheme(-3); }),
     0, "http://username:password@www.winehq.org/site/about"},
    {"user without password", with(winehq_parts(), [](UrlParts& p) { p.password = null; }), 0,
     "http://username@www.winehq.org/site/about"},
    {"no credentials", with(winehq_parts(), [](UrlParts& p) { p.user = null; p.password = null; }), 0,
     "http://www.winehq.org/site/about"},
    {"empty credentials", with(winehq_parts(), [](UrlParts& p) { p.user = ""; p.password = ""; }), 0,
     "http://www.winehq.org/site/about"},
    {"unknown scheme shows port 80",
     with(winehq_parts(), [](UrlParts& p) { p.scheme_text = "nhttp"; }), flag::escape,
     "nhttp://username:password@www.winehq.org:80/site/about"},
    {"explicit port", with(winehq_parts(), [](UrlParts& p) { p.port = 42; }), flag::escape,
     "http://username:password@www.winehq.org:42/site/about"},
    {"https default port hidden",
     with(winehq_parts(), [](UrlParts& p) { p.scheme_text = "https"; p.port = 443; }), flag::escape,
     "https://username:password@www.winehq.org/site/about"},
    {"https port 80 shown",
     with(winehq_parts(), [](UrlParts& p) { p.scheme_text = "https"; p.port = 80; }), 0,
     "https://username:password@www.winehq.org:80/site/about"},
    {"port 0 means default", with(winehq_parts(), [](UrlParts& p) { p.port = 0; p.user = null; p.password = null; }),
     0, "http://www.winehq.org/site/about"},
    {"about:blank", UrlParts{.scheme_text = "about", .path = "blank"}, flag::escape, "about:blank"},
    {"about with host", UrlParts{.scheme_text = "about", .host = "host", .path = "blank"},
     flag::escape, "about://host/blank"},
    {"scheme only, port ignored", UrlParts{.scheme_text = "about", .port = 8080}, flag::escape,
     "about:"},
    {"host and max port", UrlParts{.scheme_text = "http", .host = "www.winehq.org", .port = 65535},
     flag::escape, "http://www.winehq.org:65535"},
    {"query", UrlParts{.scheme_text = "http", .host = "localhost", .port = 80, .path = "/", .extra = "?test=123"},
     flag::escape, "http://localhost/?test=123"},
    {"escape path and extra",
     UrlParts{.scheme_text = "http", .host = "h", .path = "/a b/<c>", .extra = "?x=\"y z\"#f g"},
     flag::escape, "http://h/a%20b/%3Cc%3E?x=%22y%20z%22#f%20g"},
    {"no escape without flag",
     UrlParts{.scheme_text = "http", .host = "h", .path = "/a b", .extra = "?x y"}, 0,
     "http://h/a b?x y"},
    {"escape keeps percent", UrlParts{.scheme_text = "http", .host = "h", .path = "/100%25 \xC3\xA9"},
     flag::escape, "http://h/100%25%20%C3%A9"},
    {"ipv6 host gets brackets", UrlParts{.scheme_text = "http", .host = "::1", .port = 8080, .path = "/"},
     0, "http://[::1]:8080/"},
    {"bracketed ipv6 kept", UrlParts{.scheme_text = "http", .host = "[::1]", .port = 80, .path = "/"},
     0, "http://[::1]/"},
    {"ftp default port", UrlParts{.scheme = Scheme::ftp, .host = "f", .port = 21, .path = "/pub"}, 0,
     "ftp://f/pub"},
    {"http without host keeps //", UrlParts{.scheme = Scheme::http, .path = "/x"}, 0, "http:///x"},
    {"mailto", UrlParts{.scheme = Scheme::mailto, .path = "a@b.c", .extra = "?subject=hi"}, 0,
     "mailto:a@b.c?subject=hi"},
    {"file", UrlParts{.scheme = Scheme::file, .path = "/tmp/x"}, 0, "file:///tmp/x"},
};

class UrlCreateTable : public testing::TestWithParam<CreateCase> {};

TEST_P(UrlCreateTable, BuildsUrl)
{
    std::string out;
    ASSERT_EQ(openinet::url::create(GetParam().parts, GetParam().flags, out), Error::none)
        << GetParam().name;
    EXPECT_EQ(out, GetParam().expected) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(UrlWine, UrlCreateTable, testing::ValuesIn(create_cases));

TEST(UrlCreate, PasswordWithoutUserIsInvalid)
{
    std::string out;
    auto parts = winehq_parts();
    parts.user = null;
    EXPECT_EQ(openinet::url::create(parts, 0, out), Error::invalid_parameter);
}

TEST(UrlCreate, NoUsableSchemeIsInvalid)
{
    std::string out;
    EXPECT_EQ(openinet::url::create(UrlParts{}, 0, out), Error::invalid_parameter);
    EXPECT_EQ(openinet::url::create(UrlParts{.scheme = Scheme::default_scheme, .host = "h"}, 0, out),
              Error::invalid_parameter);
    EXPECT_EQ(openinet::url::create(UrlParts{.scheme = Scheme(42), .host = "h"}, 0, out),
              Error::invalid_parameter);
    EXPECT_EQ(openinet::url::create(UrlParts{.scheme_text = "ht tp", .host = "h"}, 0, out),
              Error::invalid_parameter);
}

TEST(UrlCreate, CrackThenCreateRoundTrips)
{
    const char* urls[] = {
        "http://user:pw@host:8080/a/b?c=d#e",
        "https://example.com/",
        "ftp://ftp.example.com/pub/x",
        "http://[::1]:81/",
        "mailto:a@b.c",
    };
    for (std::string_view url : urls) {
        openinet::url::CrackedUrl cracked;
        ASSERT_EQ(openinet::url::crack(url, cracked), Error::none) << url;
        auto text = [&](const openinet::url::Range& r) -> Text {
            if (!r.present) return null;
            return url.substr(r.offset, r.length);
        };
        UrlParts parts{.scheme_text = text(cracked.scheme_text),
                       .scheme = cracked.scheme,
                       .host = text(cracked.host),
                       .port = cracked.port,
                       .user = text(cracked.user),
                       .password = text(cracked.password),
                       .path = text(cracked.path),
                       .extra = text(cracked.extra)};
        std::string out;
        ASSERT_EQ(openinet::url::create(parts, 0, out), Error::none) << url;
        EXPECT_EQ(out, url);
    }
}

} // namespace
