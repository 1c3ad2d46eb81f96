// The exported URL functions (A and W): URL_COMPONENTS rules, buffer sizing, last error.
#include <openinet/wininet.h>

#include <gtest/gtest.h>

#include <cstring>
#include <cwchar>
#include <string>
#include <vector>

namespace {

constexpr DWORD poison = 0xdeadbeef;

URL_COMPONENTSA pointer_request_a()
{
    URL_COMPONENTSA c{};
    c.dwStructSize = sizeof(c);
    c.dwSchemeLength = c.dwHostNameLength = c.dwUserNameLength = c.dwPasswordLength =
        c.dwUrlPathLength = c.dwExtraInfoLength = 1;
    return c;
}

URL_COMPONENTSW pointer_request_w()
{
    URL_COMPONENTSW c{};
    c.dwStructSize = sizeof(c);
    c.dwSchemeLength = c.dwHostNameLength = c.dwUserNameLength = c.dwPasswordLength =
        c.dwUrlPathLength = c.dwExtraInfoLength = 1;
    return c;
}

// Caller-owned buffers for every component.
template <class Char, class Components>
struct Buffers {
    std::vector<Char> scheme, host, user, password, path, extra;
    Components components{};
    explicit Buffers(std::size_t size)
        : scheme(size), host(size), user(size), password(size), path(size), extra(size)
    {
        components.dwStructSize = sizeof(Components);
        components.lpszScheme = scheme.data();
        components.lpszHostName = host.data();
        components.lpszUserName = user.data();
        components.lpszPassword = password.data();
        components.lpszUrlPath = path.data();
        components.lpszExtraInfo = extra.data();
        components.dwSchemeLength = components.dwHostNameLength = components.dwUserNameLength =
            components.dwPasswordLength = components.dwUrlPathLength =
                components.dwExtraInfoLength = static_cast<DWORD>(size);
    }
};

std::wstring widen(const std::string& ascii) { return std::wstring(ascii.begin(), ascii.end()); }

constexpr int absent = -1;

struct ApiCrackCase {
    const char* url;
    INTERNET_SCHEME scheme;
    INTERNET_PORT port;
    int host_offset, host_length;
    int user_offset, user_length;
    int password_offset, password_length;
    int path_offset, path_length;
    int extra_offset, extra_length;
    const char* host_text;
    const char* user_text;
    const char* password_text;
    const char* path_text;
    const char* extra_text;
};

const ApiCrackCase api_crack_cases[] = {
    {"http://www.winehq.org/site/about#hi", INTERNET_SCHEME_HTTP, 80, 7, 14, absent, 0, absent, 0,
     21, 11, 32, 3, "www.winehq.org", "", "", "/site/about", "#hi"},
    {"http://www.winehq.org?test=123", INTERNET_SCHEME_HTTP, 80, 7, 14, absent, 0, absent, 0, 21, 0,
     21, 9, "www.winehq.org", "", "", "", "?test=123"},
    {"http://www.winehq.org", INTERNET_SCHEME_HTTP, 80, 7, 14, absent, 0, absent, 0, 21, 0, absent,
     0, "www.winehq.org", "", "", "", ""},
    {"https://user:secret@host.example:8443/a/b?x=1#top", INTERNET_SCHEME_HTTPS, 8443, 20, 12, 8,
     4, 13, 6, 37, 4, 41, 8, "host.example", "user", "secret", "/a/b", "?x=1#top"},
    {"ftp://anonymous@ftp.example.org/pub", INTERNET_SCHEME_FTP, 21, 16, 15, 6, 9, absent, 0, 31,
     4, absent, 0, "ftp.example.org", "anonymous", "", "/pub", ""},
    {"http://[::1]:8080/index.html", INTERNET_SCHEME_HTTP, 8080, 7, 5, absent, 0, absent, 0, 17,
     11, absent, 0, "[::1]", "", "", "/index.html", ""},
    {"file:///C:/Program%20Files/Atmel/AVR%20Tools/STK500/STK500.xml", INTERNET_SCHEME_FILE, 0,
     absent, 0, absent, 0, absent, 0, 7, 55, absent, 0, "", "", "",
     "C:\\Program Files\\Atmel\\AVR Tools\\STK500\\STK500.xml", ""},
    {"C:\\file.txt", INTERNET_SCHEME_UNKNOWN, 0, absent, 0, absent, 0, absent, 0, 2, 9, absent, 0,
     "", "", "", "\\file.txt", ""},
    {"res://IELib.dll/test.htm", INTERNET_SCHEME_RES, 0, 6, 9, absent, 0, absent, 0, 15, 9, absent,
     0, "IELib.dll", "", "", "/test.htm", ""},
    {"mailto:someone@example.com", INTERNET_SCHEME_MAILTO, 0, absent, 0, absent, 0, absent, 0, 7,
     19, absent, 0, "", "", "", "someone@example.com", ""},
};

template <class Char, class Components>
void expect_pointer(const Char* input, Char* Components::*pointer, DWORD Components::*length,
                    const Components& c, int offset, int expected_length, const char* what)
{
    if (offset == absent) {
        EXPECT_EQ(c.*pointer, nullptr) << what;
        EXPECT_EQ(c.*length, 0u) << what;
    } else {
        EXPECT_EQ(c.*pointer, input + offset) << what;
        EXPECT_EQ(c.*length, static_cast<DWORD>(expected_length)) << what;
    }
}

class UrlApiCrack : public testing::TestWithParam<ApiCrackCase> {};

TEST_P(UrlApiCrack, PointersIntoInputA)
{
    const ApiCrackCase& t = GetParam();
    URL_COMPONENTSA c = pointer_request_a();
    SetLastError(poison);
    ASSERT_TRUE(InternetCrackUrlA(t.url, static_cast<DWORD>(std::strlen(t.url)), 0, &c)) << t.url;
    EXPECT_EQ(GetLastError(), 0u);
    EXPECT_EQ(c.nScheme, t.scheme);
    EXPECT_EQ(c.nPort, t.port);
    expect_pointer(t.url, &URL_COMPONENTSA::lpszScheme, &URL_COMPONENTSA::dwSchemeLength, c, 0,
                   static_cast<int>(std::strcspn(t.url, ":")), "scheme");
    expect_pointer(t.url, &URL_COMPONENTSA::lpszHostName, &URL_COMPONENTSA::dwHostNameLength, c,
                   t.host_offset, t.host_length, "host");
    expect_pointer(t.url, &URL_COMPONENTSA::lpszUserName, &URL_COMPONENTSA::dwUserNameLength, c,
                   t.user_offset, t.user_length, "user");
    expect_pointer(t.url, &URL_COMPONENTSA::lpszPassword, &URL_COMPONENTSA::dwPasswordLength, c,
                   t.password_offset, t.password_length, "password");
    expect_pointer(t.url, &URL_COMPONENTSA::lpszUrlPath, &URL_COMPONENTSA::dwUrlPathLength, c,
                   t.path_offset, t.path_length, "path");
    expect_pointer(t.url, &URL_COMPONENTSA::lpszExtraInfo, &URL_COMPONENTSA::dwExtraInfoLength, c,
                   t.extra_offset, t.extra_length, "extra");
}

TEST_P(UrlApiCrack, PointersIntoInputW)
{
    const ApiCrackCase& t = GetParam();
    std::wstring url = widen(t.url);
    URL_COMPONENTSW c = pointer_request_w();
    ASSERT_TRUE(InternetCrackUrlW(url.c_str(), static_cast<DWORD>(url.size()), 0, &c)) << t.url;
    EXPECT_EQ(c.nScheme, t.scheme);
    EXPECT_EQ(c.nPort, t.port);
    const wchar_t* input = url.c_str();
    expect_pointer(input, &URL_COMPONENTSW::lpszHostName, &URL_COMPONENTSW::dwHostNameLength, c,
                   t.host_offset, t.host_length, "host");
    expect_pointer(input, &URL_COMPONENTSW::lpszUserName, &URL_COMPONENTSW::dwUserNameLength, c,
                   t.user_offset, t.user_length, "user");
    expect_pointer(input, &URL_COMPONENTSW::lpszPassword, &URL_COMPONENTSW::dwPasswordLength, c,
                   t.password_offset, t.password_length, "password");
    expect_pointer(input, &URL_COMPONENTSW::lpszUrlPath, &URL_COMPONENTSW::dwUrlPathLength, c,
                   t.path_offset, t.path_length, "path");
    expect_pointer(input, &URL_COMPONENTSW::lpszExtraInfo, &URL_COMPONENTSW::dwExtraInfoLength, c,
                   t.extra_offset, t.extra_length, "extra");
}

TEST_P(UrlApiCrack, CopiesIntoBuffersA)
{
    const ApiCrackCase& t = GetParam();
    Buffers<char, URL_COMPONENTSA> b(std::strlen(t.url) + 1);
    ASSERT_TRUE(InternetCrackUrlA(t.url, 0, 0, &b.components)) << t.url;
    EXPECT_EQ(b.components.nScheme, t.scheme);
    EXPECT_EQ(b.components.nPort, t.port);
    EXPECT_STREQ(b.host.data(), t.host_text);
    EXPECT_EQ(b.components.dwHostNameLength, std::strlen(t.host_text));
    EXPECT_STREQ(b.user.data(), t.user_text);
    EXPECT_EQ(b.components.dwUserNameLength, std::strlen(t.user_text));
    EXPECT_STREQ(b.password.data(), t.password_text);
    EXPECT_EQ(b.components.dwPasswordLength, std::strlen(t.password_text));
    EXPECT_STREQ(b.path.data(), t.path_text);
    EXPECT_EQ(b.components.dwUrlPathLength, std::strlen(t.path_text));
    EXPECT_STREQ(b.extra.data(), t.extra_text);
    EXPECT_EQ(b.components.dwExtraInfoLength, std::strlen(t.extra_text));
}

TEST_P(UrlApiCrack, CopiesIntoBuffersW)
{
    const ApiCrackCase& t = GetParam();
    std::wstring url = widen(t.url);
    Buffers<wchar_t, URL_COMPONENTSW> b(url.size() + 1);
    ASSERT_TRUE(InternetCrackUrlW(url.c_str(), 0, 0, &b.components)) << t.url;
    EXPECT_EQ(b.components.nScheme, t.scheme);
    EXPECT_EQ(b.host.data(), widen(t.host_text));
    EXPECT_EQ(b.components.dwHostNameLength, std::strlen(t.host_text));
    EXPECT_EQ(b.user.data(), widen(t.user_text));
    EXPECT_EQ(b.password.data(), widen(t.password_text));
    EXPECT_EQ(b.path.data(), widen(t.path_text));
    EXPECT_EQ(b.components.dwUrlPathLength, std::strlen(t.path_text));
    EXPECT_EQ(b.extra.data(), widen(t.extra_text));
    EXPECT_EQ(b.components.dwExtraInfoLength, std::strlen(t.extra_text));
}

INSTANTIATE_TEST_SUITE_P(UrlApi, UrlApiCrack, testing::ValuesIn(api_crack_cases));

TEST(UrlApiCrackRules, PathIncludesExtraWhenExtraNotWanted)
{
    const char* url = "http://192.168.0.22/CFIDE/main.cfm?CFSVR=IDE&ACTION=IDE_DEFAULT";
    char host[20], path[50];
    URL_COMPONENTSA c{};
    c.dwStructSize = sizeof(c);
    c.lpszHostName = host;
    c.dwHostNameLength = sizeof(host);
    c.lpszUrlPath = path;
    c.dwUrlPathLength = sizeof(path);
    ASSERT_TRUE(InternetCrackUrlA(url, 0, 0, &c));
    EXPECT_EQ(c.dwSchemeLength, 0u);
    EXPECT_EQ(c.dwHostNameLength, 12u);
    EXPECT_EQ(c.dwUrlPathLength, 44u);
    EXPECT_STREQ(path, "/CFIDE/main.cfm?CFSVR=IDE&ACTION=IDE_DEFAULT");
    EXPECT_EQ(c.dwExtraInfoLength, 0u);

    // Asking for the extra info by pointer splits it off again.
    c.dwHostNameLength = sizeof(host);
    c.dwUrlPathLength = sizeof(path);
    c.lpszExtraInfo = nullptr;
    c.dwExtraInfoLength = 1;
    ASSERT_TRUE(InternetCrackUrlA(url, 0, 0, &c));
    EXPECT_EQ(c.dwUrlPathLength, 15u);
    EXPECT_EQ(c.dwExtraInfoLength, 29u);
    EXPECT_EQ(c.lpszExtraInfo, url + 34);
}

TEST(UrlApiCrackRules, UrlLengthIsAMaximum)
{
    char host[32], path[32];
    URL_COMPONENTSA c{};
    c.dwStructSize = sizeof(c);
    c.lpszHostName = host;
    c.dwHostNameLength = sizeof(host);
    ASSERT_TRUE(InternetCrackUrlA("http://x.org", 13, 0, &c));
    EXPECT_EQ(c.dwHostNameLength, 5u);

    c.dwHostNameLength = sizeof(host);
    c.lpszUrlPath = path;
    c.dwUrlPathLength = sizeof(path);
    ASSERT_TRUE(InternetCrackUrlA("http://x.org\0/x", 15, 0, &c));
    EXPECT_EQ(c.dwUrlPathLength, 0u);
    EXPECT_STREQ(path, "");

    c.dwHostNameLength = sizeof(host);
    c.dwUrlPathLength = sizeof(path);
    ASSERT_TRUE(InternetCrackUrlA("http://x.org/abc", 10, 0, &c));
    EXPECT_STREQ(host, "x.o");

    wchar_t whost[32];
    URL_COMPONENTSW w{};
    w.dwStructSize = sizeof(w);
    w.lpszHostName = whost;
    w.dwHostNameLength = 32;
    ASSERT_TRUE(InternetCrackUrlW(L"http://x.org", 13, 0, &w));
    EXPECT_EQ(w.dwHostNameLength, 5u);
}

TEST(UrlApiCrackRules, BufferTooSmallReportsNeededSize)
{
    const char* url = "http://www.winehq.org/path/#fragment";
    char small[4];
    char path[64];
    URL_COMPONENTSA c{};
    c.dwStructSize = sizeof(c);
    c.lpszHostName = small;
    c.dwHostNameLength = sizeof(small);
    c.lpszUrlPath = path;
    c.dwUrlPathLength = sizeof(path);
    c.dwExtraInfoLength = 1; // pointer wanted
    SetLastError(poison);
    EXPECT_FALSE(InternetCrackUrlA(url, 0, 0, &c));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(c.dwHostNameLength, 15u); // "www.winehq.org" + terminator
    EXPECT_STREQ(path, "/path/");

    // Exactly enough room for the value and its terminator succeeds.
    char host[15];
    c.lpszHostName = host;
    c.dwHostNameLength = sizeof(host);
    c.dwUrlPathLength = sizeof(path);
    c.lpszExtraInfo = nullptr; // the failed call still set the pointer
    c.dwExtraInfoLength = 1;
    ASSERT_TRUE(InternetCrackUrlA(url, 0, 0, &c));
    EXPECT_STREQ(host, "www.winehq.org");
    EXPECT_EQ(c.dwHostNameLength, 14u);

    // A buffer with length 0 cannot hold even the terminator.
    c.dwHostNameLength = 0;
    c.dwUrlPathLength = sizeof(path);
    c.lpszExtraInfo = nullptr;
    c.dwExtraInfoLength = 1;
    EXPECT_FALSE(InternetCrackUrlA(url, 0, 0, &c));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(c.dwHostNameLength, 15u);

    wchar_t whost[4];
    URL_COMPONENTSW w{};
    w.dwStructSize = sizeof(w);
    w.lpszHostName = whost;
    w.dwHostNameLength = 4;
    EXPECT_FALSE(InternetCrackUrlW(L"http://www.winehq.org/", 0, 0, &w));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(w.dwHostNameLength, 15u);
}

TEST(UrlApiCrackRules, InvalidArguments)
{
    char buffer[64];
    URL_COMPONENTSA c{};
    c.dwStructSize = sizeof(c);
    c.lpszHostName = buffer;
    c.dwHostNameLength = sizeof(buffer);

    SetLastError(poison);
    EXPECT_FALSE(InternetCrackUrlA(nullptr, 0, 0, &c));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    SetLastError(poison);
    EXPECT_FALSE(InternetCrackUrlA("http://x/", 0, 0, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));

    c.dwStructSize = 0;
    SetLastError(poison);
    EXPECT_FALSE(InternetCrackUrlA("http://x/", 0, 0, &c));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    c.dwStructSize = sizeof(c) + 1;
    EXPECT_FALSE(InternetCrackUrlA("http://x/", 0, 0, &c));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));

    // Buffers offered, all lengths zero.
    c.dwStructSize = sizeof(c);
    c.dwHostNameLength = 0;
    SetLastError(poison);
    EXPECT_FALSE(InternetCrackUrlA("http://x/", 0, 0, &c));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));

    URL_COMPONENTSW w{};
    w.dwStructSize = sizeof(w);
    w.dwHostNameLength = 1;
    SetLastError(poison);
    EXPECT_FALSE(InternetCrackUrlW(nullptr, 0, 0, &w));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_FALSE(InternetCrackUrlW(L"http://x/", 0, 0, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(UrlApiCrackRules, NothingWantedStillReportsSchemeAndPort)
{
    URL_COMPONENTSA c{};
    c.dwStructSize = sizeof(c);
    ASSERT_TRUE(InternetCrackUrlA("https://host/", 0, 0, &c));
    EXPECT_EQ(c.nScheme, INTERNET_SCHEME_HTTPS);
    EXPECT_EQ(c.nPort, 443);
}

struct BadUrl {
    const char* url;
    DWORD error;
};

const BadUrl bad_urls[] = {
    {"", ERROR_INTERNET_UNRECOGNIZED_SCHEME},
    {"file.txt", ERROR_INTERNET_UNRECOGNIZED_SCHEME},
    {"www.winehq.org", ERROR_INTERNET_UNRECOGNIZED_SCHEME},
    {"../Ritz.xml", ERROR_INTERNET_UNRECOGNIZED_SCHEME},
    {"http://host:65536/", ERROR_INTERNET_INVALID_URL},
    {"http://host:12a/", ERROR_INTERNET_INVALID_URL},
    {"http://[::1/", ERROR_INTERNET_INVALID_URL},
};

class UrlApiCrackFailure : public testing::TestWithParam<BadUrl> {};

TEST_P(UrlApiCrackFailure, SetsLastError)
{
    URL_COMPONENTSA c = pointer_request_a();
    SetLastError(poison);
    EXPECT_FALSE(InternetCrackUrlA(GetParam().url, 0, 0, &c));
    EXPECT_EQ(GetLastError(), GetParam().error) << GetParam().url;

    std::wstring wide = widen(GetParam().url);
    URL_COMPONENTSW w = pointer_request_w();
    SetLastError(poison);
    EXPECT_FALSE(InternetCrackUrlW(wide.c_str(), 0, 0, &w));
    EXPECT_EQ(GetLastError(), GetParam().error) << GetParam().url;
}

INSTANTIATE_TEST_SUITE_P(UrlApi, UrlApiCrackFailure, testing::ValuesIn(bad_urls));

TEST(UrlApiCrackRules, DecodeFlagDecodesCopiedComponents)
{
    const char* url = "http://us%65r:p%40ss@host/a%20b/%e2%82%ac?q=%41#x";
    Buffers<char, URL_COMPONENTSA> b(64);
    ASSERT_TRUE(InternetCrackUrlA(url, 0, ICU_DECODE, &b.components));
    EXPECT_STREQ(b.user.data(), "user");
    EXPECT_STREQ(b.password.data(), "p@ss");
    EXPECT_STREQ(b.path.data(), "/a b/\xE2\x82\xAC");
    EXPECT_STREQ(b.extra.data(), "?q=A#x");

    Buffers<char, URL_COMPONENTSA> escaped(64);
    ASSERT_TRUE(InternetCrackUrlA(url, 0, ICU_ESCAPE, &escaped.components));
    EXPECT_STREQ(escaped.path.data(), "/a b/\xE2\x82\xAC");

    Buffers<char, URL_COMPONENTSA> raw(64);
    ASSERT_TRUE(InternetCrackUrlA(url, 0, 0, &raw.components));
    EXPECT_STREQ(raw.path.data(), "/a%20b/%e2%82%ac");

    std::wstring wide = widen(url);
    Buffers<wchar_t, URL_COMPONENTSW> w(64);
    ASSERT_TRUE(InternetCrackUrlW(wide.c_str(), 0, ICU_DECODE, &w.components));
    EXPECT_EQ(std::wstring(w.path.data()), L"/a b/\u20AC");
    EXPECT_EQ(w.components.dwUrlPathLength, 6u);
}

TEST(UrlApiCrackRules, WidePointersCountCharactersNotBytes)
{
    // Non-ASCII text before and inside components: UTF-8 offsets differ from wchar_t ones.
    const std::wstring url = L"http://\u00FCser:p\u00E4ss@h\u00E9.example:81/\u20AC/x?q=\u00DF#\U0001F600";
    URL_COMPONENTSW c = pointer_request_w();
    ASSERT_TRUE(InternetCrackUrlW(url.c_str(), 0, 0, &c));
    const wchar_t* base = url.c_str();
    EXPECT_EQ(c.lpszUserName, base + 7);
    EXPECT_EQ(c.dwUserNameLength, 4u);
    EXPECT_EQ(c.lpszPassword, base + 12);
    EXPECT_EQ(c.dwPasswordLength, 4u);
    EXPECT_EQ(c.lpszHostName, base + 17);
    EXPECT_EQ(c.dwHostNameLength, 10u);
    EXPECT_EQ(c.nPort, 81);
    EXPECT_EQ(c.lpszUrlPath, base + 30);
    EXPECT_EQ(c.dwUrlPathLength, 4u);
    EXPECT_EQ(c.lpszExtraInfo, base + 34);
    EXPECT_EQ(c.dwExtraInfoLength, 6u);
    EXPECT_EQ(std::wstring(c.lpszExtraInfo, c.dwExtraInfoLength), L"?q=\u00DF#\U0001F600");

    // UTF-16 surrogate pairs (two wchar_t for one character) map back too.
    const wchar_t pairs[] = {L'h', L't', L't', L'p', L':', L'/', L'/', L'h', L'/', 0xD83D, 0xDE00,
                             L'?', L'a', 0};
    URL_COMPONENTSW p = pointer_request_w();
    ASSERT_TRUE(InternetCrackUrlW(pairs, 0, 0, &p));
    EXPECT_EQ(p.lpszUrlPath, pairs + 8);
    EXPECT_EQ(p.dwUrlPathLength, 3u);
    EXPECT_EQ(p.lpszExtraInfo, pairs + 11);
    EXPECT_EQ(p.dwExtraInfoLength, 2u);
}

// ---- InternetCreateUrl ----

URL_COMPONENTSA winehq_components()
{
    static char http[] = "http", host[] = "www.winehq.org", user[] = "username",
                password[] = "password", path[] = "/site/about", empty[] = "";
    URL_COMPONENTSA c{};
    c.dwStructSize = sizeof(c);
    c.lpszScheme = http;
    c.dwSchemeLength = 4;
    c.nScheme = INTERNET_SCHEME_HTTP;
    c.lpszHostName = host;
    c.dwHostNameLength = 14;
    c.nPort = 80;
    c.lpszUserName = user;
    c.dwUserNameLength = 8;
    c.lpszPassword = password;
    c.dwPasswordLength = 8;
    c.lpszUrlPath = path;
    c.dwUrlPathLength = 11;
    c.lpszExtraInfo = empty;
    c.dwExtraInfoLength = 0;
    return c;
}

constexpr const char* winehq_url = "http://username:password@www.winehq.org/site/about";

TEST(UrlApiCreate, SizingFollowsWinInet)
{
    URL_COMPONENTSA c = winehq_components();
    DWORD length = poison;
    SetLastError(poison);
    EXPECT_FALSE(InternetCreateUrlA(nullptr, 0, nullptr, &length));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(length, poison);

    URL_COMPONENTSA zeroed{};
    EXPECT_FALSE(InternetCreateUrlA(&zeroed, 0, nullptr, &length));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(length, poison);

    EXPECT_FALSE(InternetCreateUrlA(&c, 0, nullptr, nullptr));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));

    EXPECT_FALSE(InternetCreateUrlA(&c, 0, nullptr, &length));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(length, 51u);

    std::vector<char> buffer(51);
    length = 49;
    EXPECT_FALSE(InternetCreateUrlA(&c, 0, buffer.data(), &length));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(length, 51u);

    length = 51;
    SetLastError(poison);
    ASSERT_TRUE(InternetCreateUrlA(&c, 0, buffer.data(), &length));
    EXPECT_EQ(GetLastError(), 0u);
    EXPECT_EQ(length, 50u);
    EXPECT_STREQ(buffer.data(), winehq_url);
}

TEST(UrlApiCreate, ComponentRules)
{
    std::vector<char> buffer(128);
    DWORD length;

    URL_COMPONENTSA c = winehq_components();
    c.lpszScheme = nullptr; // nScheme is used
    length = 128;
    ASSERT_TRUE(InternetCreateUrlA(&c, 0, buffer.data(), &length));
    EXPECT_STREQ(buffer.data(), winehq_url);

    c = winehq_components();
    c.lpszPassword = nullptr;
    length = 128;
    ASSERT_TRUE(InternetCreateUrlA(&c, 0, buffer.data(), &length));
    EXPECT_STREQ(buffer.data(), "http://username@www.winehq.org/site/about");
    EXPECT_EQ(length, 41u);

    c = winehq_components();
    c.lpszUserName = nullptr;
    length = 42;
    SetLastError(poison);
    EXPECT_FALSE(InternetCreateUrlA(&c, 0, buffer.data(), &length));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(length, 42u);

    c = winehq_components();
    c.lpszUserName = c.lpszPassword = nullptr;
    length = 128;
    ASSERT_TRUE(InternetCreateUrlA(&c, 0, buffer.data(), &length));
    EXPECT_STREQ(buffer.data(), "http://www.winehq.org/site/about");
    EXPECT_EQ(length, 32u);

    // Lengths of 0 mean NUL-terminated strings.
    c = winehq_components();
    c.dwSchemeLength = c.dwHostNameLength = c.dwUserNameLength = c.dwPasswordLength =
        c.dwUrlPathLength = 0;
    c.nPort = 42;
    length = 128;
    ASSERT_TRUE(InternetCreateUrlA(&c, ICU_ESCAPE, buffer.data(), &length));
    EXPECT_STREQ(buffer.data(), "http://username:password@www.winehq.org:42/site/about");
    EXPECT_EQ(length, 53u);

    static char about[] = "about", blank[] = "blank", host[] = "host";
    URL_COMPONENTSA a{};
    a.dwStructSize = sizeof(a);
    a.lpszScheme = about;
    a.lpszUrlPath = blank;
    length = 128;
    ASSERT_TRUE(InternetCreateUrlA(&a, ICU_ESCAPE, buffer.data(), &length));
    EXPECT_STREQ(buffer.data(), "about:blank");
    a.lpszHostName = host;
    length = 128;
    ASSERT_TRUE(InternetCreateUrlA(&a, ICU_ESCAPE, buffer.data(), &length));
    EXPECT_STREQ(buffer.data(), "about://host/blank");

    static char spaced[] = "/a b", query[] = "?x=<1>";
    URL_COMPONENTSA e = winehq_components();
    e.lpszUserName = e.lpszPassword = nullptr;
    e.lpszUrlPath = spaced;
    e.dwUrlPathLength = 0;
    e.lpszExtraInfo = query;
    e.dwExtraInfoLength = 0;
    length = 128;
    ASSERT_TRUE(InternetCreateUrlA(&e, ICU_ESCAPE, buffer.data(), &length));
    EXPECT_STREQ(buffer.data(), "http://www.winehq.org/a%20b?x=%3C1%3E");
    length = 128;
    ASSERT_TRUE(InternetCreateUrlA(&e, 0, buffer.data(), &length));
    EXPECT_STREQ(buffer.data(), "http://www.winehq.org/a b?x=<1>");
}

TEST(UrlApiCreate, WideReportsBytesWhenTooSmall)
{
    static wchar_t http[] = L"http", host[] = L"h\u00E9.example", path[] = L"/\u20AC";
    URL_COMPONENTSW c{};
    c.dwStructSize = sizeof(c);
    c.lpszScheme = http;
    c.lpszHostName = host;
    c.nPort = 8080;
    c.lpszUrlPath = path;
    const std::wstring expected = L"http://h\u00E9.example:8080/\u20AC";

    DWORD length = 0;
    SetLastError(poison);
    EXPECT_FALSE(InternetCreateUrlW(&c, 0, nullptr, &length));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(length, (expected.size() + 1) * sizeof(wchar_t));

    std::vector<wchar_t> buffer(expected.size() + 1);
    length = static_cast<DWORD>(buffer.size());
    ASSERT_TRUE(InternetCreateUrlW(&c, 0, buffer.data(), &length));
    EXPECT_EQ(length, expected.size());
    EXPECT_EQ(std::wstring(buffer.data()), expected);

    c.dwStructSize = 0;
    EXPECT_FALSE(InternetCreateUrlW(&c, 0, buffer.data(), &length));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

// ---- InternetCanonicalizeUrl / InternetCombineUrl ----

TEST(UrlApiCanonicalize, BufferRulesA)
{
    const char* src = "http://www.winehq.org/%27/ /./>/#>  ";
    const char* expected = "http://www.winehq.org/%27/%20/%3E/#>";
    DWORD length = 0;
    SetLastError(poison);
    EXPECT_FALSE(InternetCanonicalizeUrlA(src, nullptr, &length, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(length, std::strlen(expected) + 1);

    std::vector<char> buffer(length);
    length = static_cast<DWORD>(buffer.size() - 1);
    EXPECT_FALSE(InternetCanonicalizeUrlA(src, buffer.data(), &length, 0));
    EXPECT_EQ(length, std::strlen(expected) + 1);

    length = static_cast<DWORD>(buffer.size());
    SetLastError(poison);
    ASSERT_TRUE(InternetCanonicalizeUrlA(src, buffer.data(), &length, 0));
    EXPECT_EQ(GetLastError(), 0u);
    EXPECT_EQ(length, std::strlen(expected));
    EXPECT_STREQ(buffer.data(), expected);

    length = static_cast<DWORD>(buffer.size());
    ASSERT_TRUE(InternetCanonicalizeUrlA(src, buffer.data(), &length, ICU_NO_ENCODE));
    EXPECT_STREQ(buffer.data(), "http://www.winehq.org/%27/ />/#>");

    EXPECT_FALSE(InternetCanonicalizeUrlA(nullptr, buffer.data(), &length, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_FALSE(InternetCanonicalizeUrlA(src, buffer.data(), nullptr, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(UrlApiCanonicalize, WideCountsCharacters)
{
    const wchar_t* src = L"http://h\u00E9/a b/../\u20AC";
    const std::wstring expected = L"http://h\u00E9/%E2%82%AC";
    DWORD length = 0;
    EXPECT_FALSE(InternetCanonicalizeUrlW(src, nullptr, &length, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(length, expected.size() + 1);
    std::vector<wchar_t> buffer(length);
    ASSERT_TRUE(InternetCanonicalizeUrlW(src, buffer.data(), &length, 0));
    EXPECT_EQ(length, expected.size());
    EXPECT_EQ(std::wstring(buffer.data()), expected);
}

TEST(UrlApiCombine, ResolvesAndSizes)
{
    DWORD length = 0;
    SetLastError(poison);
    EXPECT_FALSE(InternetCombineUrlA("http://a/b/c/d;p?q", "../g", nullptr, &length, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(length, std::strlen("http://a/b/g") + 1);
    std::vector<char> buffer(length);
    ASSERT_TRUE(InternetCombineUrlA("http://a/b/c/d;p?q", "../g", buffer.data(), &length, 0));
    EXPECT_EQ(length, std::strlen("http://a/b/g"));
    EXPECT_STREQ(buffer.data(), "http://a/b/g");

    char big[128];
    length = sizeof(big);
    ASSERT_TRUE(InternetCombineUrlA("http://host/dir/", "a b.html", big, &length, ICU_NO_ENCODE));
    EXPECT_STREQ(big, "http://host/dir/a b.html");

    length = sizeof(big);
    SetLastError(poison);
    EXPECT_FALSE(InternetCombineUrlA("no scheme", "x", big, &length, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_INVALID_URL));

    EXPECT_FALSE(InternetCombineUrlA(nullptr, "x", big, &length, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_FALSE(InternetCombineUrlA("http://h/", nullptr, big, &length, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_FALSE(InternetCombineUrlA("http://h/", "x", big, nullptr, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));

    wchar_t wide[128];
    length = 128;
    ASSERT_TRUE(InternetCombineUrlW(L"http://h\u00E9/a/b", L"\u00FC", wide, &length, ICU_NO_ENCODE));
    EXPECT_EQ(std::wstring(wide), L"http://h\u00E9/a/\u00FC");
    EXPECT_EQ(length, 13u);
    length = 2;
    EXPECT_FALSE(InternetCombineUrlW(L"http://h/a/b", L"c", wide, &length, 0));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(length, std::wcslen(L"http://h/a/c") + 1);
}

} // namespace
