#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

#include "options.hpp"

namespace inetget {
namespace {

ParseResult parse(std::initializer_list<const char*> args) {
    std::vector<const char*> list(args);
    return parse_options(std::span<const char* const>(list.data(), list.size()));
}

TEST(InetgetOptions, UrlsAndDefaults) {
    auto result = parse({"http://127.0.0.1/a", "http://127.0.0.1/b"});
    ASSERT_TRUE(result.options) << result.error;
    EXPECT_EQ(result.options->urls,
              (std::vector<std::string>{"http://127.0.0.1/a", "http://127.0.0.1/b"}));
    EXPECT_EQ(result.options->output_dir, ".");
    EXPECT_FALSE(result.options->output_dir_given);
    EXPECT_FALSE(result.options->quiet);
    EXPECT_FALSE(result.options->insecure);
    EXPECT_FALSE(result.options->timeout_seconds);
    EXPECT_FALSE(result.options->demo);
}

TEST(InetgetOptions, OutputDirectorySpellings) {
    for (auto args : {std::vector<const char*>{"-o", "out", "u"},
                      {"-oout", "u"},
                      {"--output", "out", "u"},
                      {"--output=out", "u"},
                      {"-qo", "out", "u"}}) {
        auto result = parse_options(std::span<const char* const>(args.data(), args.size()));
        ASSERT_TRUE(result.options) << result.error;
        EXPECT_EQ(result.options->output_dir, "out");
        EXPECT_TRUE(result.options->output_dir_given);
        EXPECT_EQ(result.options->urls, std::vector<std::string>{"u"});
    }
}

TEST(InetgetOptions, Flags) {
    auto result = parse({"-q", "--insecure", "--timeout", "15", "--ca-file=ca.pem", "u"});
    ASSERT_TRUE(result.options) << result.error;
    EXPECT_TRUE(result.options->quiet);
    EXPECT_TRUE(result.options->insecure);
    EXPECT_EQ(result.options->timeout_seconds, 15u);
    EXPECT_EQ(result.options->ca_file, "ca.pem");
}

TEST(InetgetOptions, DoubleDashEndsOptions) {
    auto result = parse({"--", "-weird-name"});
    ASSERT_TRUE(result.options) << result.error;
    EXPECT_EQ(result.options->urls, std::vector<std::string>{"-weird-name"});
}

TEST(InetgetOptions, DemoWithAndWithoutCount) {
    auto plain = parse({"--demo"});
    ASSERT_TRUE(plain.options) << plain.error;
    EXPECT_TRUE(plain.options->demo);
    EXPECT_EQ(plain.options->demo_files, 8u);

    auto counted = parse({"--demo", "3", "-o", "dir"});
    ASSERT_TRUE(counted.options) << counted.error;
    EXPECT_EQ(counted.options->demo_files, 3u);
    EXPECT_EQ(counted.options->output_dir, "dir");

    auto inline_count = parse({"--demo=5"});
    ASSERT_TRUE(inline_count.options) << inline_count.error;
    EXPECT_EQ(inline_count.options->demo_files, 5u);

    auto followed_by_option = parse({"--demo", "-q"});
    ASSERT_TRUE(followed_by_option.options) << followed_by_option.error;
    EXPECT_EQ(followed_by_option.options->demo_files, 8u);
    EXPECT_TRUE(followed_by_option.options->quiet);
}

TEST(InetgetOptions, HelpAndVersionNeedNoUrl) {
    auto help = parse({"--help"});
    ASSERT_TRUE(help.options);
    EXPECT_TRUE(help.options->show_help);
    auto version = parse({"-V"});
    ASSERT_TRUE(version.options);
    EXPECT_TRUE(version.options->show_version);
    EXPECT_NE(usage_text().find("--demo"), std::string::npos);
    EXPECT_NE(usage_text().find(".part"), std::string::npos);
    EXPECT_NE(version_text().find("inetget"), std::string::npos);
}

struct BadCommandLine {
    std::vector<const char*> args;
    const char* expected_in_error;
};

class InetgetOptionsErrors : public ::testing::TestWithParam<BadCommandLine> {};

TEST_P(InetgetOptionsErrors, ExplainWhatIsWrong) {
    const auto& param = GetParam();
    auto result = parse_options(std::span<const char* const>(param.args.data(), param.args.size()));
    EXPECT_FALSE(result.options);
    EXPECT_NE(result.error.find(param.expected_in_error), std::string::npos) << result.error;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, InetgetOptionsErrors,
    ::testing::Values(BadCommandLine{{}, "no URL"}, BadCommandLine{{"-q"}, "no URL"},
                      BadCommandLine{{"--bogus", "u"}, "unknown option '--bogus'"},
                      BadCommandLine{{"-x", "u"}, "unknown option '-x'"},
                      BadCommandLine{{"u", "-o"}, "-o needs a value"},
                      BadCommandLine{{"--timeout", "abc", "u"}, "whole number of seconds"},
                      BadCommandLine{{"--timeout", "0", "u"}, "whole number of seconds"},
                      BadCommandLine{{"--timeout=99999999999", "u"}, "whole number of seconds"},
                      BadCommandLine{{"--demo=0"}, "--demo takes a number"},
                      BadCommandLine{{"--demo=65"}, "--demo takes a number"},
                      BadCommandLine{{"--demo", "http://x/"}, "takes no URLs"},
                      BadCommandLine{{"--quiet=yes", "u"}, "takes no value"},
                      BadCommandLine{{"-"}, "not a URL"}, BadCommandLine{{""}, "empty URL"}));

TEST(InetgetOptions, ResumeRetriesAndJobs) {
    auto defaults = parse({"u"});
    ASSERT_TRUE(defaults.options) << defaults.error;
    EXPECT_FALSE(defaults.options->resume);
    EXPECT_EQ(defaults.options->retries, 0u);
    EXPECT_EQ(defaults.options->jobs, default_jobs);

    for (auto args : {std::vector<const char*>{"-c", "--retries", "3", "-j", "4", "u"},
                      {"--continue", "--retries=3", "--jobs=4", "u"},
                      {"-cj4", "--retries", "3", "u"},
                      {"-qcj", "4", "--retries", "3", "u"}}) {
        auto result = parse_options(std::span<const char* const>(args.data(), args.size()));
        ASSERT_TRUE(result.options) << result.error;
        EXPECT_TRUE(result.options->resume);
        EXPECT_EQ(result.options->retries, 3u);
        EXPECT_EQ(result.options->jobs, 4u);
        EXPECT_EQ(result.options->urls, std::vector<std::string>{"u"});
    }
}

TEST(InetgetOptions, ResumeRetriesAndJobsAreChecked) {
    EXPECT_NE(parse({"--retries", "x", "u"}).error.find("--retries needs a number from 0 to 100"),
              std::string::npos);
    EXPECT_NE(parse({"--retries", "101", "u"}).error.find("not '101'"), std::string::npos);
    EXPECT_NE(parse({"-j", "0", "u"}).error.find("--jobs needs a number from 1 to 256"),
              std::string::npos);
    EXPECT_NE(parse({"--jobs=257", "u"}).error.find("not '257'"), std::string::npos);
    EXPECT_NE(parse({"--continue=yes", "u"}).error.find("takes no value"), std::string::npos);
    EXPECT_NE(parse({"u", "-j"}).error.find("needs a value"), std::string::npos);
}

}  // namespace
}  // namespace inetget
