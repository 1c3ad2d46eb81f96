// The programs in examples/ run against the test servers and do what their comments say.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "content.hpp"
#include "ftp_server.hpp"
#include "nginx_server.hpp"
#include "process.hpp"

namespace openinet::test {
namespace {

namespace fs = std::filesystem;

#ifdef OPENINET_EXAMPLES_DIR
#define REQUIRE_EXAMPLES() (void)0
fs::path example(const char* name) {
    return fs::path(OPENINET_EXAMPLES_DIR) / name;
}
#else
// The sanitizer presets build no examples (OPENINET_BUILD_EXAMPLES=OFF).
#define REQUIRE_EXAMPLES() GTEST_SKIP() << "examples are not built in this configuration"
fs::path example(const char*) {
    return {};
}
#endif

TEST(Examples, SyncGetPrintsStatusHeadersAndBodySize) {
    REQUIRE_EXAMPLES();
    auto result = run_command({example("sync_get").string(), shared_nginx().http_url("/files/1m.bin")});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("status: 200"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("body: 1048576 bytes"), std::string::npos) << result.output;

    auto missing = run_command({example("sync_get").string(), shared_nginx().http_url("/no-such-file")});
    EXPECT_EQ(missing.exit_code, 1) << missing.output;
    EXPECT_NE(missing.output.find("status: 404"), std::string::npos) << missing.output;
}

TEST(Examples, AsyncGetShowsTheCallbacksInOrder) {
    REQUIRE_EXAMPLES();
    auto result = run_command({example("async_get").string(), shared_nginx().http_url("/files/1m.bin")});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("body: 1048576 bytes"), std::string::npos) << result.output;
    auto complete = result.output.find("REQUEST_COMPLETE");
    auto closing = result.output.rfind("HANDLE_CLOSING");
    EXPECT_NE(complete, std::string::npos) << result.output;
    EXPECT_NE(closing, std::string::npos) << result.output;
    EXPECT_LT(complete, closing) << result.output;
}

std::string anonymous_url(FtpServer& server, const std::string& remote_path) {
    return "ftp://127.0.0.1:" + std::to_string(server.port()) + remote_path;
}

TEST(Examples, FtpWorkerDownloadsOnItsThreadWhileTheMainThreadShowsProgress) {
    REQUIRE_EXAMPLES();
    auto& server = shared_ftp_server(FtpDaemon::vsftpd);
    std::string remote = server.add_pattern_file("example-" + unique_suffix() + ".bin", 5'000'000);
    TempDir dir("example-ftp");
    fs::path local = dir / "copy.bin";
    auto result = run_command(
        {example("ftp_worker").string(), anonymous_url(server, remote), local.string()});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("status: connected"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("downloaded 5000000 bytes"), std::string::npos) << result.output;
    EXPECT_TRUE(read_file(local) == read_file(server.local_path(remote)));
}

TEST(Examples, FtpWorkerIsHaltedByClosingItsHandle) {
    REQUIRE_EXAMPLES();
    auto& server = shared_ftp_server(FtpDaemon::vsftpd);
    // Large enough that the transfer is still running when the main thread halts it.
    std::string remote =
        server.add_pattern_file("example-halt-" + unique_suffix() + ".bin", 64ull << 20);
    TempDir dir("example-ftp-halt");
    fs::path local = dir / "copy.bin";
    auto result = run_command({example("ftp_worker").string(), anonymous_url(server, remote),
                               local.string(), "65536"});
    fs::remove(server.local_path(remote));
    EXPECT_EQ(result.exit_code, 3) << result.output;
    EXPECT_NE(result.output.find("halted after"), std::string::npos) << result.output;
    EXPECT_FALSE(fs::exists(local));
}

TEST(Examples, FtpWorkerReportsTheServersRefusal) {
    REQUIRE_EXAMPLES();
    auto& server = shared_ftp_server(FtpDaemon::vsftpd);
    TempDir dir("example-ftp-missing");
    auto result = run_command({example("ftp_worker").string(),
                               anonymous_url(server, "/pub/no-such-" + unique_suffix()),
                               (dir / "x").string()});
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find("error 12003 550"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace openinet::test
