// inetget --demo: the embedded loopback server and the whole download machinery, run as the
// user runs it (fork/exec of the built binary).
#include <gtest/gtest.h>

#include <signal.h>

#include <regex>

#include "inetget_harness.hpp"

namespace openinet::test::inetget {
namespace {

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++count;
    return count;
}

TEST(InetgetDemo, DownloadsVerifiesAndRemovesItsTemporaryDirectory) {
    REQUIRE_INETGET();
    auto result = run_inetget({"--demo"}, std::chrono::seconds(120));
    ASSERT_FALSE(result.timed_out) << result.output;
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(count_of(result.output, "verified  "), 8u) << result.output;
    EXPECT_NE(result.output.find("8 of 8 downloads succeeded"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("demo complete: every file arrived intact"), std::string::npos);
    // Not a terminal: plain lines, no escape sequences.
    EXPECT_EQ(result.output.find('\x1b'), std::string::npos);
    EXPECT_EQ(count_of(result.output, "start     "), 8u);
    EXPECT_EQ(count_of(result.output, "done      "), 8u);

    std::smatch match;
    ASSERT_TRUE(
        std::regex_search(result.output, match, std::regex(R"(into (\S+) \(removed afterwards\))")))
        << result.output;
    EXPECT_FALSE(fs::exists(match[1].str())) << match[1].str();
}

TEST(InetgetDemo, KeepsTheFilesInTheGivenDirectory) {
    REQUIRE_INETGET();
    TempDir dir("inetget-demo");
    auto result = run_inetget({"--demo", "3", "-o", dir.path().string()}, std::chrono::seconds(60));
    ASSERT_FALSE(result.timed_out) << result.output;
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(files_in(dir.path()), (std::vector<std::string>{"1MiB.bin", "2MiB.bin", "4MiB.bin"}));
    EXPECT_EQ(fs::file_size(dir / "4MiB.bin"), 4u << 20);
}

TEST(InetgetDemo, QuietPrintsNothing) {
    REQUIRE_INETGET();
    TempDir dir("inetget-demo");
    auto result =
        run_inetget({"--demo", "1", "-q", "-o", dir.path().string()}, std::chrono::seconds(60));
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(result.output, "");
}

// The feature: a signal makes the main thread close every worker's handles; the workers'
// blocking InternetReadFile calls fail at once, their .part files are removed.
void expect_prompt_clean_stop(int signal_number, int expected_exit_code) {
    TempDir dir("inetget-stop");
    BackgroundInetget inetget({"--demo", "-o", dir.path().string()}, dir.path() / "output.txt");
    // Wait until every download is under way (8 .part files), well before the first ends (3 s).
    ASSERT_TRUE(
        wait_until([&] { return part_files_in(dir.path()).size() == 8; }, std::chrono::seconds(20)))
        << inetget.output();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto took = inetget.signal_and_wait(signal_number, std::chrono::seconds(10));
    ASSERT_TRUE(took) << "inetget did not exit within 10 s of the signal\n" << inetget.output();
    EXPECT_LT(*took, std::chrono::seconds(2)) << inetget.output();
    EXPECT_EQ(inetget.exit_code(), expected_exit_code) << inetget.output();
    EXPECT_TRUE(part_files_in(dir.path()).empty());
    EXPECT_EQ(files_in(dir.path()), std::vector<std::string>{"output.txt"}) << inetget.output();
    std::string output = inetget.output();
    EXPECT_EQ(count_of(output, "cancelled "), 8u) << output;
    EXPECT_NE(output.find("0 of 8 downloads succeeded, 8 cancelled"), std::string::npos) << output;
}

TEST(InetgetDemo, SigintStopsEveryDownloadPromptlyAndLeavesNoPartialFile) {
    REQUIRE_INETGET();
    expect_prompt_clean_stop(SIGINT, 130);
}

TEST(InetgetDemo, SigtermToo) {
    REQUIRE_INETGET();
    expect_prompt_clean_stop(SIGTERM, 143);
}

}  // namespace
}  // namespace openinet::test::inetget
