// inetget against real servers on 127.0.0.1: nginx for content and status codes, the scripted
// server for bodies that stall or break off.
#include <gtest/gtest.h>

#include <signal.h>

#include "content.hpp"
#include "inetget_harness.hpp"
#include "nginx_server.hpp"
#include "scripted_server.hpp"
#include "test_ca.hpp"

namespace openinet::test::inetget {
namespace {

using namespace std::chrono_literals;

std::string nginx_url(const std::string& path) {
    return shared_nginx().http_url(path);
}

void expect_same_file(const fs::path& downloaded, const fs::path& original) {
    ASSERT_TRUE(fs::exists(downloaded)) << downloaded;
    EXPECT_EQ(fs::file_size(downloaded), fs::file_size(original));
    EXPECT_TRUE(read_file(downloaded) == read_file(original))
        << downloaded << " differs from " << original;
}

TEST(InetgetDownload, SeveralFilesArriveIntactWithPlainProgressLines) {
    REQUIRE_INETGET();
    auto& nginx = shared_nginx();
    nginx.add_pattern_file("/inetget/three.bin", 3 * 1024 * 1024 + 17);
    nginx.add_text_file("/inetget/text.txt", 200'000);
    nginx.add_file("/inetget/empty.bin", "");
    TempDir dir("inetget-dl");
    auto result = run_inetget({"-o", dir.path().string(), nginx_url("/inetget/three.bin"),
                               nginx_url("/inetget/text.txt"), nginx_url("/inetget/empty.bin"),
                               nginx_url("/files/1m.bin")});
    ASSERT_FALSE(result.timed_out);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(files_in(dir.path()),
              (std::vector<std::string>{"1m.bin", "empty.bin", "text.txt", "three.bin"}));
    expect_same_file(dir / "three.bin", nginx.docroot_path("/inetget/three.bin"));
    expect_same_file(dir / "text.txt", nginx.docroot_path("/inetget/text.txt"));
    expect_same_file(dir / "empty.bin", nginx.docroot_path("/inetget/empty.bin"));
    expect_same_file(dir / "1m.bin", nginx.docroot_path("/files/1m.bin"));

    // Standard output is not a terminal: one start and one finish line per URL, no escapes.
    EXPECT_EQ(result.output.find('\x1b'), std::string::npos);
    EXPECT_NE(result.output.find("start     three.bin  " + nginx_url("/inetget/three.bin")),
              std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("done      three.bin  3.00 MiB in "), std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("done      empty.bin  0 B in "), std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("4 of 4 downloads succeeded"), std::string::npos) << result.output;
}

TEST(InetgetDownload, NotFoundExitsOneAndLeavesNoFile) {
    REQUIRE_INETGET();
    TempDir dir("inetget-404");
    auto result =
        run_inetget({"-o", dir.path().string(), nginx_url("/inetget/does-not-exist.bin")});
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_TRUE(files_in(dir.path()).empty());
    EXPECT_NE(result.output.find("server answered HTTP status 404 Not Found"), std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("0 of 1 downloads succeeded, 1 failed"), std::string::npos)
        << result.output;
}

TEST(InetgetDownload, OneFailureAmongSuccessesStillExitsOne) {
    REQUIRE_INETGET();
    TempDir dir("inetget-mixed");
    auto result = run_inetget({"-o", dir.path().string(), nginx_url("/files/64k.bin"),
                               nginx_url("/status/500"), nginx_url("/inetget/missing.bin")});
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_EQ(files_in(dir.path()), std::vector<std::string>{"64k.bin"});
    EXPECT_NE(result.output.find("HTTP status 500"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("1 of 3 downloads succeeded, 2 failed"), std::string::npos)
        << result.output;
}

TEST(InetgetDownload, RepeatedNamesGetNumberedAndRedirectsAreFollowed) {
    REQUIRE_INETGET();
    TempDir dir("inetget-names");
    auto result = run_inetget({"-o", dir.path().string(), nginx_url("/files/1k.bin"),
                               nginx_url("/redirect/302/files/1k.bin"), nginx_url("/")});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(files_in(dir.path()), (std::vector<std::string>{"1k.bin", "1k.bin.1", "index.html"}));
    expect_same_file(dir / "1k.bin.1", shared_nginx().docroot_path("/files/1k.bin"));
}

TEST(InetgetDownload, RefusedConnectionNamesTheWinInetError) {
    REQUIRE_INETGET();
    TempDir dir("inetget-refused");
    std::uint16_t port = pick_free_port();  // nothing listens there
    auto result = run_inetget(
        {"-o", dir.path().string(), "http://127.0.0.1:" + std::to_string(port) + "/x.bin"});
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find("error 12029 ERROR_INTERNET_CANNOT_CONNECT"), std::string::npos)
        << result.output;
    EXPECT_TRUE(files_in(dir.path()).empty());
}

TEST(InetgetDownload, BodyCutShortIsAnErrorAndLeavesNoFile) {
    REQUIRE_INETGET();
    ScriptedServer server;
    std::string body(100'000, 'x');
    server.add_script(
        {step::ReadRequest{}, step::DropAfter{http_response(200, body), 50'000, false}});
    TempDir dir("inetget-short");
    auto result = run_inetget({"-o", dir.path().string(), server.url("/short.bin")});
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_TRUE(files_in(dir.path()).empty()) << result.output;
    EXPECT_NE(result.output.find("failed    short.bin"), std::string::npos) << result.output;
}

// The body stalls after a few bytes, so the worker is blocked inside InternetReadFile when the
// signal arrives: only closing its handle from the main thread can end that call.
TEST(InetgetDownload, SigintEndsABlockedReadPromptly) {
    REQUIRE_INETGET();
    ScriptedServer server;
    server.add_script({step::ReadRequest{},
                       step::Send{"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nfirst bytes"},
                       step::Stall{step::forever}});
    TempDir dir("inetget-stall");
    fs::path out_dir = dir / "out";
    fs::create_directories(out_dir);
    BackgroundInetget inetget({"-o", out_dir.string(), server.url("/stalled.bin")},
                              dir / "output.txt");
    ASSERT_TRUE(wait_until(
        [&] {
            return inetget.output().find("start     stalled.bin") != std::string::npos &&
                   server.wait_for_requests(1, 0ms);
        },
        10s))
        << inetget.output();
    std::this_thread::sleep_for(300ms);  // into the blocking read
    ASSERT_EQ(part_files_in(out_dir), std::vector<std::string>{"stalled.bin.part"});
    auto took = inetget.signal_and_wait(SIGINT, 10s);
    ASSERT_TRUE(took) << "inetget did not exit within 10 s of SIGINT\n" << inetget.output();
    EXPECT_LT(*took, 2s) << inetget.output();
    EXPECT_EQ(inetget.exit_code(), 130) << inetget.output();
    EXPECT_TRUE(files_in(out_dir).empty());
    EXPECT_NE(inetget.output().find("cancelled stalled.bin"), std::string::npos)
        << inetget.output();
}

TEST(InetgetDownload, TimeoutOptionEndsAStalledBody) {
    REQUIRE_INETGET();
    ScriptedServer server;
    server.add_script({step::ReadRequest{},
                       step::Send{"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nabc"},
                       step::Stall{step::forever}});
    TempDir dir("inetget-timeout");
    auto result =
        run_inetget({"--timeout", "1", "-o", dir.path().string(), server.url("/slow.bin")}, 30s);
    ASSERT_FALSE(result.timed_out) << result.output;
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find("error 12002 ERROR_INTERNET_TIMEOUT"), std::string::npos)
        << result.output;
    EXPECT_TRUE(files_in(dir.path()).empty());
}

TEST(InetgetDownload, TlsIsVerifiedUnlessToldOtherwise) {
    REQUIRE_INETGET();
    auto& nginx = shared_nginx();
    TempDir dir("inetget-tls");
    std::string untrusted = nginx.https_url("/files/1k.bin", CertKind::untrusted);

    auto refused = run_inetget({"-o", dir.path().string(), untrusted});
    EXPECT_EQ(refused.exit_code, 1) << refused.output;
    EXPECT_NE(refused.output.find("error 12045 ERROR_INTERNET_INVALID_CA"), std::string::npos)
        << refused.output;
    EXPECT_TRUE(files_in(dir.path()).empty());

    auto insecure = run_inetget({"--insecure", "-o", dir.path().string(), untrusted});
    EXPECT_EQ(insecure.exit_code, 0) << insecure.output;
    expect_same_file(dir / "1k.bin", nginx.docroot_path("/files/1k.bin"));
    fs::remove(dir / "1k.bin");

    auto trusted =
        run_inetget({"--ca-file", TestCa::instance().ca_cert().string(), "-o", dir.path().string(),
                     nginx.https_url("/files/1k.bin", CertKind::good)});
    EXPECT_EQ(trusted.exit_code, 0) << trusted.output;
    expect_same_file(dir / "1k.bin", nginx.docroot_path("/files/1k.bin"));
}

TEST(InetgetCli, HelpVersionAndUsageErrors) {
    REQUIRE_INETGET();
    auto help = run_inetget({"--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.output.find("Usage: inetget"), std::string::npos);
    EXPECT_NE(help.output.find(".part file is removed"), std::string::npos) << help.output;

    auto version = run_inetget({"--version"});
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_EQ(version.output.rfind("inetget ", 0), 0u) << version.output;

    auto wrong = run_inetget({"--frobnicate"});
    EXPECT_EQ(wrong.exit_code, 2);
    EXPECT_NE(wrong.output.find("unknown option '--frobnicate'"), std::string::npos)
        << wrong.output;

    auto nothing = run_inetget({});
    EXPECT_EQ(nothing.exit_code, 2);
    EXPECT_NE(nothing.output.find("no URL given"), std::string::npos) << nothing.output;
}

}  // namespace
}  // namespace openinet::test::inetget
