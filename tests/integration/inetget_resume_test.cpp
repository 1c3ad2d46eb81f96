// inetget's --continue, --retries and --jobs against nginx (which honours Range) and the
// scripted server (which breaks off, ignores Range or answers exactly one range on purpose).
#include <gtest/gtest.h>

#include <signal.h>

#include "content.hpp"
#include "ftp_server.hpp"
#include "inetget_harness.hpp"
#include "nginx_server.hpp"
#include "scripted_server.hpp"

namespace openinet::test::inetget {
namespace {

using namespace std::chrono_literals;

std::string header_line_of(const std::string& request, const std::string& name) {
    auto at = request.find("\r\n" + name + ": ");
    if (at == std::string::npos) return {};
    at += 2;
    return request.substr(at, request.find("\r\n", at) - at);
}

std::string range_header_of(const std::string& request) {
    auto at = request.find("\r\nRange: ");
    if (at == std::string::npos) return {};
    at += 2;
    return request.substr(at, request.find("\r\n", at) - at);
}

// The bytes of http_response(200, body) before the body.
std::size_t head_size_of_200(const std::string& body) {
    return http_response(200, body).size() - body.size();
}

std::string partial_response(const std::string& body, std::size_t from) {
    return "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + std::to_string(from) + "-" +
           std::to_string(body.size() - 1) + "/" + std::to_string(body.size()) +
           "\r\nContent-Length: " + std::to_string(body.size() - from) + "\r\n\r\n" +
           body.substr(from);
}

TEST(InetgetResume, ContinueAppendsTheRestFromNginx) {
    REQUIRE_INETGET();
    auto& nginx = shared_nginx();
    const std::string path = "/inetget/resume-" + unique_suffix() + ".bin";
    nginx.add_pattern_file(path, 2 * 1024 * 1024 + 5);
    std::string original = read_file(nginx.docroot_path(path));
    std::string name = fs::path(path).filename().string();
    TempDir dir("inetget-continue");
    write_file(dir / (name + ".part"), std::string_view(original).substr(0, 700'001));

    auto result = run_inetget({"-c", "-o", dir.path().string(), nginx.http_url(path)});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(files_in(dir.path()), std::vector<std::string>{name});
    EXPECT_TRUE(read_file(dir / name) == original);
    EXPECT_NE(result.output.find("continued after 683 KiB"), std::string::npos) << result.output;
}

TEST(InetgetResume, ContinueOnACompletePartFileFinishesWithoutData) {
    REQUIRE_INETGET();
    auto& nginx = shared_nginx();
    const std::string path = "/inetget/whole-" + unique_suffix() + ".bin";
    nginx.add_pattern_file(path, 100'000);
    std::string original = read_file(nginx.docroot_path(path));
    std::string name = fs::path(path).filename().string();
    TempDir dir("inetget-complete");
    write_file(dir / (name + ".part"), original);

    // nginx answers the range "bytes=100000-" with 416 and "Content-Range: bytes */100000".
    auto result = run_inetget({"-c", "-o", dir.path().string(), nginx.http_url(path)});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(files_in(dir.path()), std::vector<std::string>{name});
    EXPECT_TRUE(read_file(dir / name) == original);
}

TEST(InetgetResume, ServerIgnoringRangeRestartsFromZero) {
    REQUIRE_INETGET();
    ScriptedServer server;
    std::string body = pattern_bytes(0, 50'000);
    server.add_script({step::ReadRequest{}, step::Send{http_response(200, body)}, step::Close{}});
    TempDir dir("inetget-norange");
    write_file(dir / "data.bin.part", std::string(20'000, '?'));

    auto result = run_inetget({"-c", "-o", dir.path().string(), server.url("/data.bin")});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_TRUE(read_file(dir / "data.bin") == body);
    auto requests = server.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(range_header_of(requests[0]), "Range: bytes=20000-");
}

TEST(InetgetResume, WrongRangeFromTheServerIsAnErrorAndKeepsThePart) {
    REQUIRE_INETGET();
    ScriptedServer server;
    std::string body = pattern_bytes(0, 50'000);
    server.add_script({step::ReadRequest{}, step::Send{partial_response(body, 10'000)},
                       step::Close{}});
    TempDir dir("inetget-wrongrange");
    std::string kept(20'000, '?');
    write_file(dir / "data.bin.part", kept);

    auto result = run_inetget({"-c", "-o", dir.path().string(), server.url("/data.bin")});
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find("did not continue at byte 20000"), std::string::npos)
        << result.output;
    EXPECT_EQ(files_in(dir.path()), std::vector<std::string>{"data.bin.part"});
    EXPECT_TRUE(read_file(dir / "data.bin.part") == kept);
}

TEST(InetgetResume, RetryContinuesWhereTheBrokenConnectionStopped) {
    REQUIRE_INETGET();
    ScriptedServer server;
    std::string body = pattern_bytes(0, 80'000);
    const std::size_t sent_total = 30'000;
    const std::size_t body_received = sent_total - head_size_of_200(body);
    server.add_script(
        {step::ReadRequest{}, step::DropAfter{http_response(200, body), sent_total, false}});
    server.add_script({step::ReadRequest{}, step::Send{partial_response(body, body_received)},
                       step::Close{}});
    TempDir dir("inetget-retry");

    auto result = run_inetget({"--retries", "1", "-o", dir.path().string(), server.url("/r.bin")});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(files_in(dir.path()), std::vector<std::string>{"r.bin"});
    EXPECT_TRUE(read_file(dir / "r.bin") == body);
    auto requests = server.requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(range_header_of(requests[0]), "");
    EXPECT_EQ(range_header_of(requests[1]), "Range: bytes=" + std::to_string(body_received) + "-");
}

// The retry names the version it continues (If-Range with the first response's strong ETag).
TEST(InetgetResume, RetryNamesTheVersionItContinues) {
    REQUIRE_INETGET();
    ScriptedServer server;
    std::string body = pattern_bytes(0, 80'000);
    const std::string etag_header = "ETag: \"v1-80000\"\r\n";
    const std::string first = http_response(200, body, etag_header);
    const std::size_t sent_total = 30'000;
    const std::size_t body_received = sent_total - (first.size() - body.size());
    server.add_script({step::ReadRequest{}, step::DropAfter{first, sent_total, false}});
    server.add_script({step::ReadRequest{}, step::Send{partial_response(body, body_received)},
                       step::Close{}});
    TempDir dir("inetget-if-range");

    auto result = run_inetget({"--retries", "1", "-o", dir.path().string(), server.url("/v.bin")});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_TRUE(read_file(dir / "v.bin") == body);
    auto requests = server.requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(header_line_of(requests[0], "If-Range"), "");
    EXPECT_EQ(range_header_of(requests[1]), "Range: bytes=" + std::to_string(body_received) + "-");
    EXPECT_EQ(header_line_of(requests[1], "If-Range"), "If-Range: \"v1-80000\"");
}

// The file changed between the attempts: the server answers If-Range with the whole new
// version, and the download holds only that version, not old bytes joined to new ones.
TEST(InetgetResume, FileChangedBeforeTheRetryStartsOverWithTheNewVersion) {
    REQUIRE_INETGET();
    ScriptedServer server;
    std::string old_body = pattern_bytes(0, 80'000);
    std::string new_body = pattern_bytes(7, 90'000);
    const std::string first = http_response(200, old_body, "ETag: \"old\"\r\n");
    server.add_script({step::ReadRequest{}, step::DropAfter{first, 30'000, false}});
    server.add_script({step::ReadRequest{}, step::Send{http_response(200, new_body, "ETag: \"new\"\r\n")},
                       step::Close{}});
    TempDir dir("inetget-if-range-changed");

    auto result = run_inetget({"--retries", "1", "-o", dir.path().string(), server.url("/c.bin")});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(files_in(dir.path()), std::vector<std::string>{"c.bin"});
    EXPECT_TRUE(read_file(dir / "c.bin") == new_body);
    auto requests = server.requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(header_line_of(requests[1], "If-Range"), "If-Range: \"old\"");
}

// A weak ETag may not be used with ranges: the retry names the version by its date instead.
TEST(InetgetResume, WeakEtagFallsBackToLastModified) {
    REQUIRE_INETGET();
    ScriptedServer server;
    std::string body = pattern_bytes(0, 80'000);
    const std::string first = http_response(
        200, body, "ETag: W/\"weak\"\r\nLast-Modified: Tue, 24 Nov 2026 08:00:00 GMT\r\n");
    const std::size_t sent_total = 30'000;
    const std::size_t body_received = sent_total - (first.size() - body.size());
    server.add_script({step::ReadRequest{}, step::DropAfter{first, sent_total, false}});
    server.add_script({step::ReadRequest{}, step::Send{partial_response(body, body_received)},
                       step::Close{}});
    TempDir dir("inetget-if-range-date");

    auto result = run_inetget({"--retries", "1", "-o", dir.path().string(), server.url("/w.bin")});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_TRUE(read_file(dir / "w.bin") == body);
    auto requests = server.requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(header_line_of(requests[1], "If-Range"), "If-Range: Tue, 24 Nov 2026 08:00:00 GMT");
}

TEST(InetgetResume, WithoutRetriesABrokenDownloadFailsAndContinueKeepsItsPart) {
    REQUIRE_INETGET();
    ScriptedServer server;
    std::string body = pattern_bytes(0, 80'000);
    const std::size_t sent_total = 30'000;
    server.add_script(
        {step::ReadRequest{}, step::DropAfter{http_response(200, body), sent_total, false}});
    TempDir dir("inetget-keep");

    auto result = run_inetget({"-c", "-o", dir.path().string(), server.url("/k.bin")});
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_EQ(files_in(dir.path()), std::vector<std::string>{"k.bin.part"});
    std::string part = read_file(dir / "k.bin.part");
    EXPECT_EQ(part.size(), sent_total - head_size_of_200(body));
    EXPECT_TRUE(part == body.substr(0, part.size()));
}

TEST(InetgetResume, NotFoundIsNotRetried) {
    REQUIRE_INETGET();
    TempDir dir("inetget-404");
    auto result = run_inetget({"--retries", "3", "-o", dir.path().string(),
                               shared_nginx().http_url("/no/such/file-" + unique_suffix())});
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find("404"), std::string::npos) << result.output;
    EXPECT_TRUE(files_in(dir.path()).empty());
}

TEST(InetgetResume, ServiceUnavailableIsRetried) {
    REQUIRE_INETGET();
    ScriptedServer server;
    std::string body = "the answer\n";
    server.add_script({step::ReadRequest{}, step::Send{http_response(503, "busy")}, step::Close{}});
    server.add_script({step::ReadRequest{}, step::Send{http_response(200, body)}, step::Close{}});
    TempDir dir("inetget-503");
    auto result = run_inetget({"--retries", "2", "-o", dir.path().string(), server.url("/a.txt")});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_TRUE(read_file(dir / "a.txt") == body);
    EXPECT_EQ(server.requests().size(), 2u);
}

TEST(InetgetResume, SigintDuringTheRetryWaitEndsPromptly) {
    REQUIRE_INETGET();
    ScriptedServer server;
    server.add_script({step::ReadRequest{}, step::Send{http_response(503, "busy")}, step::Close{}});
    TempDir dir("inetget-retrywait");
    fs::path out_dir = dir / "out";
    fs::create_directories(out_dir);
    // 100 retries: the waits add up to minutes, so only the signal can end this run.
    BackgroundInetget inetget({"--retries", "100", "-o", out_dir.string(), server.url("/w.bin")},
                              dir / "output.txt");
    ASSERT_TRUE(wait_until([&] { return server.wait_for_requests(1, 0ms); }, 10s));
    auto took = inetget.signal_and_wait(SIGINT, 10s);
    ASSERT_TRUE(took) << "inetget did not exit within 10 s of SIGINT\n" << inetget.output();
    EXPECT_LT(*took, 2s) << inetget.output();
    EXPECT_EQ(inetget.exit_code(), 130) << inetget.output();
    EXPECT_TRUE(files_in(out_dir).empty());
}

TEST(InetgetJobs, FewerWorkersThanUrlsStillFetchEverything) {
    REQUIRE_INETGET();
    auto& nginx = shared_nginx();
    std::vector<std::string> args = {"-j", "2", "-o"};
    TempDir dir("inetget-jobs");
    args.push_back(dir.path().string());
    std::vector<std::string> names;
    for (int i = 0; i < 7; ++i) {
        std::string path = "/inetget/jobs-" + unique_suffix() + ".bin";
        nginx.add_pattern_file(path, 10'000 + i);
        args.push_back(nginx.http_url(path));
        names.push_back(fs::path(path).filename().string());
    }
    auto result = run_inetget(args);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    std::sort(names.begin(), names.end());
    EXPECT_EQ(files_in(dir.path()), names);
    EXPECT_NE(result.output.find("7 of 7 downloads succeeded"), std::string::npos)
        << result.output;
}

std::string ftp_url(FtpServer& server, const std::string& remote_path, bool with_login) {
    std::string login;
    if (with_login) login = server.login_user() + ":" + server.login_password() + "@";
    return "ftp://" + login + "127.0.0.1:" + std::to_string(server.port()) + remote_path;
}

class InetgetFtp : public ::testing::TestWithParam<FtpDaemon> {};

TEST_P(InetgetFtp, DownloadsAndContinuesWithRest) {
    REQUIRE_INETGET();
    auto& server = shared_ftp_server(GetParam());
    const std::string name = "inetget-" + unique_suffix() + ".bin";
    const std::uint64_t size = 3 * 1024 * 1024 + 11;
    std::string remote = server.add_pattern_file(name, size);
    std::string original = read_file(server.local_path(remote));
    // vsftpd takes anonymous logins only; pure-ftpd its virtual user, given in the URL.
    const bool with_login = GetParam() == FtpDaemon::pure_ftpd;

    TempDir dir("inetget-ftp");
    auto fresh = run_inetget({"-o", dir.path().string(), ftp_url(server, remote, with_login)});
    EXPECT_EQ(fresh.exit_code, 0) << fresh.output << server.log();
    EXPECT_EQ(files_in(dir.path()), std::vector<std::string>{name});
    EXPECT_TRUE(read_file(dir / name) == original);
    EXPECT_NE(fresh.output.find("done      " + name + "  3.00 MiB in "), std::string::npos)
        << fresh.output;

    // The .part file holds marker bytes, not the file's start: only a transfer that really
    // began at its size (REST) yields markers + the rest of the file.
    TempDir resumed_dir("inetget-ftp-rest");
    const std::string markers(1'000'003, '#');
    write_file(resumed_dir / (name + ".part"), markers);
    auto resumed = run_inetget(
        {"-c", "-o", resumed_dir.path().string(), ftp_url(server, remote, with_login)});
    EXPECT_EQ(resumed.exit_code, 0) << resumed.output << server.log();
    EXPECT_EQ(files_in(resumed_dir.path()), std::vector<std::string>{name});
    EXPECT_TRUE(read_file(resumed_dir / name) == markers + original.substr(markers.size()));
    EXPECT_NE(resumed.output.find("continued after"), std::string::npos) << resumed.output;
}

TEST_P(InetgetFtp, MissingFileIsTheServersErrorAndLeavesNothing) {
    REQUIRE_INETGET();
    auto& server = shared_ftp_server(GetParam());
    const bool with_login = GetParam() == FtpDaemon::pure_ftpd;
    TempDir dir("inetget-ftp-missing");
    auto result = run_inetget(
        {"-o", dir.path().string(),
         ftp_url(server, server.writable_dir() + "/no-such-" + unique_suffix(), with_login)});
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find("12003 ERROR_INTERNET_EXTENDED_ERROR"), std::string::npos)
        << result.output;
    EXPECT_TRUE(files_in(dir.path()).empty());
}

TEST_P(InetgetFtp, RefusedLoginNamesTheError) {
    REQUIRE_INETGET();
    auto& server = shared_ftp_server(GetParam());
    TempDir dir("inetget-ftp-login");
    auto result = run_inetget({"-o", dir.path().string(),
                               "ftp://nobody:wrong@127.0.0.1:" + std::to_string(server.port()) +
                                   "/x.bin"});
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find("12015"), std::string::npos) << result.output;
    EXPECT_TRUE(files_in(dir.path()).empty());
}

INSTANTIATE_TEST_SUITE_P(Daemons, InetgetFtp,
                         ::testing::Values(FtpDaemon::vsftpd, FtpDaemon::pure_ftpd),
                         [](const auto& info) {
                             return info.param == FtpDaemon::vsftpd ? "vsftpd" : "pure_ftpd";
                         });

}  // namespace
}  // namespace openinet::test::inetget
