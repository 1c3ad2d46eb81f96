#include <gtest/gtest.h>

#include <openinet/wininet.h>

#include "url_parts.hpp"

namespace inetget {
namespace {

TEST(InetgetContentRange, Forms) {
    auto full = parse_content_range("bytes 100-199/200");
    ASSERT_TRUE(full);
    EXPECT_EQ(full->first, 100u);
    EXPECT_EQ(full->complete_length, 200u);

    auto unknown_length = parse_content_range("  Bytes 5-9/*  ");
    ASSERT_TRUE(unknown_length);
    EXPECT_EQ(unknown_length->first, 5u);
    EXPECT_FALSE(unknown_length->complete_length);

    auto unsatisfied = parse_content_range("bytes */4096");
    ASSERT_TRUE(unsatisfied);
    EXPECT_FALSE(unsatisfied->first);
    EXPECT_EQ(unsatisfied->complete_length, 4096u);
}

TEST(InetgetContentRange, Rejected) {
    for (const char* text : {"", "bytes", "bytes ", "bytes */*", "items 1-2/3", "bytes 1-2",
                             "bytes 2-1/3", "bytes 1-3/3", "bytes -1/3", "bytes 1-/3",
                             "bytes 1-2/x", "bytes 18446744073709551616-1/2", "bytes=1-2/3"}) {
        EXPECT_FALSE(parse_content_range(text)) << text;
    }
}

TEST(InetgetFtpUrl, SchemeAndParts) {
    EXPECT_TRUE(is_ftp_url("ftp://h/x"));
    EXPECT_TRUE(is_ftp_url("FTP://h/x"));
    EXPECT_FALSE(is_ftp_url("http://h/x"));
    EXPECT_FALSE(is_ftp_url("ftp:/h"));

    FtpLocation where;
    ASSERT_TRUE(crack_ftp_url("ftp://user:p%40ss@127.0.0.1:2121/pub/a%20b.bin", where));
    EXPECT_EQ(where.host, "127.0.0.1");
    EXPECT_EQ(where.port, 2121);
    EXPECT_EQ(where.user, "user");
    EXPECT_EQ(where.password, "p@ss");
    EXPECT_EQ(where.path, "/pub/a b.bin");

    FtpLocation anonymous;
    ASSERT_TRUE(crack_ftp_url("ftp://127.0.0.1/file", anonymous));
    EXPECT_EQ(anonymous.user, "");
    EXPECT_EQ(anonymous.port, INTERNET_DEFAULT_FTP_PORT);
    EXPECT_EQ(anonymous.path, "/file");

    FtpLocation not_ftp;
    EXPECT_FALSE(crack_ftp_url("http://127.0.0.1/file", not_ftp));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INVALID_URL));
}

}  // namespace
}  // namespace inetget
