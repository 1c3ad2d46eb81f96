// With UNICODE defined the unsuffixed names pick the W forms, as in <wininet.h>.
#define UNICODE
#include <openinet/wininet.h>

#include <gtest/gtest.h>

#include <string_view>
#include <type_traits>

namespace {

static_assert(std::is_same_v<TCHAR, wchar_t>);
static_assert(std::is_same_v<LPCTSTR, const wchar_t*>);
static_assert(std::is_same_v<URL_COMPONENTS, URL_COMPONENTSW>);
static_assert(std::is_same_v<INTERNET_BUFFERS, INTERNET_BUFFERSW>);
static_assert(std::is_same_v<WIN32_FIND_DATA, WIN32_FIND_DATAW>);
static_assert(std::is_same_v<INTERNET_PROXY_INFO, INTERNET_PROXY_INFOW>);
static_assert(std::is_same_v<decltype(&InternetOpen), decltype(&InternetOpenW)>);
static_assert(std::is_same_v<decltype(&InternetConnect), decltype(&InternetConnectW)>);
static_assert(std::is_same_v<decltype(&HttpOpenRequest), decltype(&HttpOpenRequestW)>);
static_assert(std::is_same_v<decltype(&HttpQueryInfo), decltype(&HttpQueryInfoW)>);
static_assert(std::is_same_v<decltype(&InternetCrackUrl), decltype(&InternetCrackUrlW)>);
static_assert(std::is_same_v<decltype(&FtpFindFirstFile), decltype(&FtpFindFirstFileW)>);
static_assert(std::is_same_v<decltype(&InternetReadFileEx), decltype(&InternetReadFileExW)>);

TEST(AbiUnicode, TextAndHttpVersionAreWide) {
    EXPECT_EQ(std::wstring_view(TEXT("abc")), L"abc");
    EXPECT_EQ(std::wstring_view(HTTP_VERSION), L"HTTP/1.0");
}

}  // namespace
