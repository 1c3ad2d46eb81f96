// The prefetch after a download opened (docs/internals/ftp.md, "Prefetch"): the session reads
// up to 64 KiB of the file, its end and the server's final reply on its own, and reads take
// them without a hop to the engine. What must hold whatever the timing:
//   - the bytes arrive whole, in order, once (small files, files larger than the prefetch,
//     every read size, InternetQueryDataAvailable);
//   - 0 bytes only after the server confirmed the file: a 426/451 after the data, a data
//     connection cut mid-file or a final reply that never comes is an error after the bytes;
//   - closing (the file handle from another thread, the connection) releases a waiting call
//     promptly and leaves the connection usable, also while the prefetch runs.
// The scripted server sends data, end and final reply right after the 150, so the prefetch
// usually has all of it before the first read; the tests do not depend on that.
#include "ftp/session.hpp"

#include "core/engine.hpp"
#include "core/error.hpp"
#include "ftp_faults_helpers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace openinet::test {
namespace {

using namespace std::chrono_literals;
using namespace ftp_script;
using Clock = std::chrono::steady_clock;

constexpr auto kPromptly = 2s;   // far above a close, far below the timeouts in play

// RETR <name> answered: 150, the data (then FIN), then `final_reply` after the data ended.
std::vector<Step> serve(std::string name, std::string payload, std::string final_reply = "226 Transfer complete",
                        std::string opening = "150 Opening BINARY mode data connection") {
    return {step::PassiveReply{}, step::ExpectLine{"RETR " + name}, step::SendLine{std::move(opening)},
            step::DataScript{{step::Send{std::move(payload)}, step::Close{}}}, step::AwaitData{},
            step::SendLine{std::move(final_reply)}};
}

std::vector<Step> next_passive() { return {step::ExpectLine{"EPSV"}}; }

std::string response_info() {
    DWORD error = 0;
    char text[4096];
    DWORD length = sizeof text;
    if (!InternetGetLastResponseInfoA(&error, text, &length)) return "<none>";
    return std::string(text, length);
}

class FtpPrefetch : public ::testing::Test {
protected:
    void SetUp() override {
        session_.reset(InternetOpenA("openinet-ftp-prefetch", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
        ASSERT_TRUE(session_);
        set_ftp_timeouts(session_, 10000);
    }

    HINTERNET open(HINTERNET connection, const char* name) {
        HINTERNET file = FtpOpenFileA(connection, name, GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0);
        EXPECT_TRUE(file) << GetLastError() << " " << response_info();
        return file;
    }

    // The whole file with InternetQueryDataAvailable + InternetReadFile of what it announced.
    static std::optional<std::string> read_announced(HINTERNET file, DWORD* error) {
        std::string out;
        std::vector<char> buffer;
        for (int guard = 0; guard < 100000; ++guard) {
            DWORD available = 0;
            if (!InternetQueryDataAvailable(file, &available, 0, 0)) {
                *error = GetLastError();
                return std::nullopt;
            }
            if (available == 0) return out;
            buffer.resize(available);
            DWORD got = 0;
            if (!InternetReadFile(file, buffer.data(), available, &got)) {
                *error = GetLastError();
                return std::nullopt;
            }
            if (got == 0 || got > available) {
                *error = 0xFFFFFFFF;
                return std::nullopt;
            }
            out.append(buffer.data(), got);
        }
        *error = 0xFFFFFFFE;
        return std::nullopt;
    }

    InetHandle session_;
};

TEST_F(FtpPrefetch, SmallFilesArriveWholeWithTheOpeningReplyKept) {
    const std::string a = pattern_bytes(0, 16384), b = pattern_bytes(7, 16384), c = pattern_bytes(3, 1);
    ScriptedServer server;
    server.add_script(after_login("EPSV", serve("a", a, "226 Transfer complete",
                                                "150 Opening BINARY mode data connection for a (16384 bytes).")) +
                      next_passive() + serve("b", b) + next_passive() + serve("c", c) + next_passive() +
                      serve("d", "") + answer_until_close());
    InetHandle connection(ftp_connect(session_, server));
    ASSERT_TRUE(connection) << GetLastError();

    // One 1 MiB read gets it all (a short count: the end), then 0 bytes.
    InetHandle file(open(connection, "a"));
    ASSERT_TRUE(file);
    // The open's answer is the 150, also when the prefetch has read the 226 already.
    EXPECT_EQ(response_info().rfind("150 Opening", 0), 0u) << response_info();
    EXPECT_EQ(FtpGetFileSize(file, nullptr), 16384u);
    std::vector<char> buffer(1 << 20);
    DWORD got = 0;
    ASSERT_TRUE(InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &got)) << GetLastError();
    ASSERT_EQ(got, a.size());
    EXPECT_TRUE(std::string(buffer.data(), got) == a);
    ASSERT_TRUE(InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &got));
    EXPECT_EQ(got, 0u);
    ASSERT_TRUE(InternetCloseHandle(file.release()));

    // Small reads, then the announced-size loop, then a single byte and an empty file.
    file.reset(open(connection, "b"));
    ASSERT_TRUE(file);
    DWORD error = 0;
    auto body = read_all(file, 1000, &error);
    ASSERT_TRUE(body) << error;
    EXPECT_TRUE(*body == b);
    ASSERT_TRUE(InternetCloseHandle(file.release()));

    file.reset(open(connection, "c"));
    ASSERT_TRUE(file);
    body = read_announced(file, &error);
    ASSERT_TRUE(body) << error;
    EXPECT_EQ(*body, c);
    ASSERT_TRUE(InternetCloseHandle(file.release()));

    file.reset(open(connection, "d"));
    ASSERT_TRUE(file);
    body = read_all(file, 1 << 20, &error);
    ASSERT_TRUE(body) << error;
    EXPECT_EQ(*body, "");
    ASSERT_TRUE(InternetCloseHandle(file.release()));

    // The connection is in step: a command after four transfers.
    char dir[MAX_PATH];
    DWORD length = sizeof dir;
    EXPECT_TRUE(FtpGetCurrentDirectoryA(connection, dir, &length)) << GetLastError() << " " << response_info();
    EXPECT_EQ(server.connections().at(0).error, "");
}

// Larger than the prefetch: its 64 KiB first, the rest from the data connection, in order,
// with every kind of read.
TEST_F(FtpPrefetch, FilesLargerThanThePrefetchArriveInOrder) {
    const std::string big = pattern_bytes(11, 300000);
    ScriptedServer server;
    server.add_script(after_login("EPSV", serve("one", big)) + next_passive() + serve("two", big) + next_passive() +
                      serve("three", big) + next_passive() + serve("four", big) + answer_until_close());
    InetHandle connection(ftp_connect(session_, server));
    ASSERT_TRUE(connection) << GetLastError();
    DWORD error = 0;
    for (std::size_t chunk : {std::size_t{1} << 20, std::size_t{65536}, std::size_t{4096}}) {
        InetHandle file(open(connection, chunk == (1u << 20) ? "one" : chunk == 65536 ? "two" : "three"));
        ASSERT_TRUE(file);
        auto body = read_all(file, chunk, &error);
        ASSERT_TRUE(body) << chunk << ": " << error;
        EXPECT_EQ(body->size(), big.size()) << chunk;
        EXPECT_TRUE(*body == big) << chunk;
        ASSERT_TRUE(InternetCloseHandle(file.release()));
    }
    InetHandle file(open(connection, "four"));
    ASSERT_TRUE(file);
    auto body = read_announced(file, &error);
    ASSERT_TRUE(body) << error;
    EXPECT_TRUE(*body == big);
    ASSERT_TRUE(InternetCloseHandle(file.release()));
    EXPECT_EQ(server.connections().at(0).error, "");
}

// A refusal after the data (the server lost the file, its disk, the transfer): the bytes, then
// the error with the server's reply, never 0 bytes as if the file were complete.
TEST_F(FtpPrefetch, FailureReplyAfterTheDataIsAnErrorNotTheEnd) {
    const std::string payload = pattern_bytes(5, 16384);
    ScriptedServer server;
    server.add_script(after_login("EPSV", serve("f", payload, "426 Connection closed; transfer aborted.")) +
                      next_passive() + serve("g", payload, "451 Requested action aborted: local error.") +
                      next_passive() + serve("h", payload) + answer_until_close());
    InetHandle connection(ftp_connect(session_, server));
    ASSERT_TRUE(connection) << GetLastError();
    std::vector<char> buffer(1 << 20);
    for (const char* name : {"f", "g"}) {
        InetHandle file(open(connection, name));
        ASSERT_TRUE(file);
        DWORD got = 0;
        ASSERT_TRUE(InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &got)) << name;
        EXPECT_EQ(got, payload.size()) << name;
        EXPECT_TRUE(std::string(buffer.data(), got) == payload) << name;
        got = 99;
        EXPECT_FALSE(InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &got)) << name;
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR)) << name;
        EXPECT_NE(response_info().find(std::string(name) == "f" ? "426 " : "451 "), std::string::npos)
            << response_info();
        ASSERT_TRUE(InternetCloseHandle(file.release()));
    }
    // The same with small reads: the error comes, the end does not.
    InetHandle file(open(connection, "h"));
    ASSERT_TRUE(file);
    DWORD error = 0;
    auto body = read_all(file, 4096, &error);
    ASSERT_TRUE(body) << error;
    EXPECT_TRUE(*body == payload);
    ASSERT_TRUE(InternetCloseHandle(file.release()));
    EXPECT_EQ(server.connections().at(0).error, "");
}

TEST_F(FtpPrefetch, FailureReplyAfterTheDataFailsSmallReadsToo) {
    const std::string payload = pattern_bytes(9, 20000);
    ScriptedServer server;
    server.add_script(after_login("EPSV", serve("f", payload, "426 Connection closed; transfer aborted.")) +
                      answer_until_close());
    InetHandle connection(ftp_connect(session_, server));
    ASSERT_TRUE(connection) << GetLastError();
    InetHandle file(open(connection, "f"));
    ASSERT_TRUE(file);
    DWORD error = 0;
    auto body = read_all(file, 4096, &error);
    EXPECT_FALSE(body) << "a refused transfer read as complete";
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
}

// The data connection is cut (RST) mid-file: an error after whatever arrived, never the end.
TEST_F(FtpPrefetch, DataConnectionDroppedMidFileIsAnError) {
    const std::string payload = pattern_bytes(2, 200000);
    ScriptedServer server;
    server.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::SendLine{"150 go"},
                                           step::DataScript{{step::DropAfter{payload, 30000, true}}},
                                           step::AwaitData{}, step::SendLine{"426 Connection reset."}}) +
                      answer_until_close());
    InetHandle connection(ftp_connect(session_, server));
    ASSERT_TRUE(connection) << GetLastError();
    for (std::size_t chunk : {std::size_t{1} << 20}) {
        InetHandle file(open(connection, "f"));
        ASSERT_TRUE(file);
        DWORD error = 0;
        auto body = read_all(file, chunk, &error);
        EXPECT_FALSE(body) << "a cut transfer read as complete (" << (body ? body->size() : 0) << " bytes)";
        EXPECT_NE(error, 0u);
    }
}

// The data ended but the final reply never comes: a timeout error after the bytes, no hang.
TEST_F(FtpPrefetch, FinalReplyThatNeverComesTimesOut) {
    set_ftp_timeouts(session_, 1500);
    const std::string payload = pattern_bytes(4, 16384);
    ScriptedServer server;
    server.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::SendLine{"150 go"},
                                           step::DataScript{{step::Send{payload}, step::Close{}}}, step::AwaitData{},
                                           step::ReadUntilClose{}}));
    InetHandle connection(ftp_connect(session_, server));
    ASSERT_TRUE(connection) << GetLastError();
    InetHandle file(open(connection, "f"));
    ASSERT_TRUE(file);
    std::string received;
    std::vector<char> buffer(1 << 20);
    DWORD error = 0;
    for (int guard = 0; guard < 10; ++guard) {
        DWORD got = 0;
        if (!InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &got)) {
            error = GetLastError();
            break;
        }
        ASSERT_NE(got, 0u) << "0 bytes (the end) without the server's confirmation";
        received.append(buffer.data(), got);
    }
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_TIMEOUT));
    EXPECT_TRUE(received == payload) << received.size();
}

// ---- the session underneath ------------------------------------------------------------

// Without any read, the prefetch takes a small file, its end and the 226 on its own; the
// bytes then come out of take_prefetched() alone, and the transfer is over.
TEST(FtpPrefetchSession, SmallFileIsTakenWholeFromThePrefetch) {
    const std::string payload = pattern_bytes(1, 16384);
    ScriptedServer server;
    server.add_script(Script{step::SendLine{"220 scripted"}, step::ExpectLine{"USER"}, step::SendLine{"331 pass"},
                             step::ExpectLine{"PASS"}, step::SendLine{"230 in"}, step::ExpectLine{"FEAT"},
                             step::SendLine{"211-Features:\r\n SIZE\r\n EPSV\r\n211 End"}, step::ExpectLine{"TYPE I"},
                             step::ExpectLine{"SIZE f"}, step::ExpectLine{"EPSV"}, step::SendLine{"200 binary"},
                             step::SendLine{"213 16384"}} +
                      serve("f", payload) + answer_until_close());
    auto session = ftp::Session::create(core::Engine::instance().executor());
    ftp::SessionOptions options;
    options.host = "127.0.0.1";
    options.port = server.port();
    options.reply_timeout = 10s;
    options.data_timeout = 10s;
    std::promise<std::error_code> connected;
    session->connect(options, {}, [&](std::error_code ec) { connected.set_value(ec); });
    auto connected_future = connected.get_future();
    ASSERT_EQ(connected_future.wait_for(20s), std::future_status::ready);
    ASSERT_FALSE(connected_future.get());

    std::promise<std::pair<std::error_code, std::optional<std::uint64_t>>> opened;
    session->open_sized_download("f", ftp::TransferType::binary, 0,
                                 [&](std::error_code ec, std::optional<std::uint64_t> size) {
                                     opened.set_value({ec, size});
                                 });
    auto opened_future = opened.get_future();
    ASSERT_EQ(opened_future.wait_for(20s), std::future_status::ready);
    auto [ec, size] = opened_future.get();
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(size, std::optional<std::uint64_t>(16384));
    EXPECT_EQ(session->opening_reply().code, 150);

    // Bounded polling, no read(): the prefetch has to finish the file by itself.
    std::string received;
    std::vector<char> buffer(1000);
    auto then = ftp::Session::Prefetched::Then::more;
    for (auto until = Clock::now() + 10s; Clock::now() < until;) {
        auto taken = session->take_prefetched(boost::asio::buffer(buffer));
        received.append(buffer.data(), taken.bytes);
        ASSERT_FALSE(taken.error) << taken.error.message();
        if (taken.then != ftp::Session::Prefetched::Then::more) {
            then = taken.then;
            break;
        }
        if (taken.bytes == 0) std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(then, ftp::Session::Prefetched::Then::end_of_file);
    EXPECT_TRUE(received == payload) << received.size();
    EXPECT_FALSE(session->transfer_open());
    EXPECT_EQ(session->last_reply().code, 226);

    // Nothing left behind: the session takes the next command.
    std::promise<std::pair<std::error_code, std::string>> pwd;
    session->print_working_directory([&](std::error_code ec, std::string path) { pwd.set_value({ec, path}); });
    auto pwd_future = pwd.get_future();
    ASSERT_EQ(pwd_future.wait_for(20s), std::future_status::ready);
    EXPECT_FALSE(pwd_future.get().first);
}

// ---- closing while the prefetch runs (TSan runs Cancel* and Async* suites) ---------------

class CancelFtpPrefetch : public FtpPrefetch {
protected:
    void SetUp() override {
        FtpPrefetch::SetUp();
        set_ftp_timeouts(session_, 60000);   // the close, not a timeout, must end the calls
    }

    // The connection answers PWD after the wind-down of a closed download (ABOR, PWD).
    static void expect_usable(HINTERNET connection) {
        char dir[MAX_PATH];
        DWORD length = sizeof dir;
        EXPECT_TRUE(FtpGetCurrentDirectoryA(connection, dir, &length)) << GetLastError() << " " << response_info();
    }
};

// 5000 bytes, then the data connection stalls: the prefetch holds them and waits for more.
Script stalling_download() {
    return after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::SendLine{"150 go"},
                                step::DataScript{{step::Send{pattern_bytes(0, 5000)}, step::Stall{step::forever}}},
                                answer_until_close()});
}

// The data ended, the final reply never comes (nor any other: ABOR goes unanswered too).
Script stalled_final_reply() {
    return after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::SendLine{"150 go"},
                                step::DataScript{{step::Send{pattern_bytes(0, 16384)}, step::Close{}}},
                                step::AwaitData{}, step::ReadUntilClose{}});
}

// A read from another thread that waits (for more data, or for the final reply) is released
// by closing its handle, whatever the prefetch is doing.
void close_releases_waiting_read(HINTERNET connection, HINTERNET file, HINTERNET target) {
    std::vector<char> buffer(1 << 20);
    auto call = std::async(std::launch::async, [&]() -> std::pair<BOOL, DWORD> {
        DWORD got = 0;
        BOOL ok = TRUE;
        // The first read may return bytes the prefetch already had; the next one waits.
        for (int guard = 0; guard < 4 && ok; ++guard)
            ok = InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &got);
        return {ok, GetLastError()};
    });
    ASSERT_EQ(call.wait_for(300ms), std::future_status::timeout) << "the read did not wait";
    const auto closing = Clock::now();
    ASSERT_TRUE(InternetCloseHandle(target)) << GetLastError();
    ASSERT_EQ(call.wait_for(kPromptly), std::future_status::ready) << "the close did not release the read";
    EXPECT_LT(Clock::now() - closing, kPromptly);
    auto [ok, error] = call.get();
    EXPECT_FALSE(ok);
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
    (void)connection;
}

TEST_F(CancelFtpPrefetch, ClosingTheFileReleasesAReadWaitingForData) {
    ScriptedServer server;
    server.add_script(stalling_download());
    InetHandle connection(ftp_connect(session_, server));
    ASSERT_TRUE(connection) << GetLastError();
    HINTERNET file = open(connection, "f");
    ASSERT_TRUE(file);
    close_releases_waiting_read(connection, file, file);
    expect_usable(connection);
}

TEST_F(CancelFtpPrefetch, ClosingTheFileReleasesAReadWaitingForTheFinalReply) {
    ScriptedServer server;
    server.add_script(stalled_final_reply());
    InetHandle connection(ftp_connect(session_, server));
    ASSERT_TRUE(connection) << GetLastError();
    HINTERNET file = open(connection, "f");
    ASSERT_TRUE(file);
    close_releases_waiting_read(connection, file, file);
}

TEST_F(CancelFtpPrefetch, ClosingTheConnectionReleasesAReadWaitingForTheFinalReply) {
    ScriptedServer server;
    server.add_script(stalled_final_reply());
    HINTERNET connection = ftp_connect(session_, server);
    ASSERT_TRUE(connection) << GetLastError();
    HINTERNET file = open(connection, "f");
    ASSERT_TRUE(file);
    close_releases_waiting_read(connection, file, connection);
    DWORD got = 0;
    char byte;
    EXPECT_FALSE(InternetReadFile(file, &byte, 1, &got));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
}

// No call waits: the handle is closed while the prefetch still reads (the data stalls) or
// waits for the final reply. The close returns at once; the connection winds the transfer
// down and takes the next command.
TEST_F(CancelFtpPrefetch, ClosingTheFileWhileThePrefetchRunsKeepsTheConnectionUsable) {
    ScriptedServer server;
    server.add_script(stalling_download());
    InetHandle connection(ftp_connect(session_, server));
    ASSERT_TRUE(connection) << GetLastError();
    HINTERNET file = open(connection, "f");
    ASSERT_TRUE(file);
    ASSERT_TRUE(server.wait_for_data_connections(1, 10s));
    const auto closing = Clock::now();
    ASSERT_TRUE(InternetCloseHandle(file)) << GetLastError();
    EXPECT_LT(Clock::now() - closing, kPromptly);
    expect_usable(connection);
    EXPECT_LT(Clock::now() - closing, kPromptly);
}

TEST_F(CancelFtpPrefetch, ClosingTheConnectionWhileThePrefetchWaitsForTheFinalReplyIsPrompt) {
    ScriptedServer server;
    server.add_script(stalled_final_reply());
    HINTERNET connection = ftp_connect(session_, server);
    ASSERT_TRUE(connection) << GetLastError();
    HINTERNET file = open(connection, "f");
    ASSERT_TRUE(file);
    const auto closing = Clock::now();
    ASSERT_TRUE(InternetCloseHandle(connection)) << GetLastError();
    EXPECT_LT(Clock::now() - closing, kPromptly);
    EXPECT_FALSE(InternetCloseHandle(file));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
}

// Closing the connection from another thread while FtpOpenFile waits for its prefetch (data
// and final reply stalled) releases the open.
TEST_F(CancelFtpPrefetch, ClosingTheConnectionReleasesAnOpenWaitingForThePrefetch) {
    ScriptedServer server;
    server.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::SendLine{"150 go"},
                                           step::DataScript{{step::Stall{step::forever}}}, step::ReadUntilClose{}}));
    HINTERNET connection = ftp_connect(session_, server);
    ASSERT_TRUE(connection) << GetLastError();
    auto call = std::async(std::launch::async, [&]() -> std::pair<HINTERNET, DWORD> {
        HINTERNET file = FtpOpenFileA(connection, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0);
        return {file, GetLastError()};
    });
    ASSERT_TRUE(server.wait_for_data_connections(1, 10s));
    // The open completes (its grace is short) or is still waiting: either way closing the
    // connection ends everything promptly.
    const auto closing = Clock::now();
    ASSERT_TRUE(InternetCloseHandle(connection)) << GetLastError();
    ASSERT_EQ(call.wait_for(kPromptly), std::future_status::ready);
    EXPECT_LT(Clock::now() - closing, kPromptly);
    auto [file, error] = call.get();
    if (!file) {
        EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
    } else {
        EXPECT_FALSE(InternetCloseHandle(file));   // closed with its connection
    }
}

// ---- asynchronous sessions --------------------------------------------------------------

constexpr DWORD_PTR kConnectContext = 0x10;
constexpr DWORD_PTR kFileContext = 0x20;

class AsyncFtpPrefetch : public ::testing::Test {
protected:
    void SetUp() override {
        session_.reset(InternetOpenA("openinet-ftp-prefetch-async", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr,
                                     INTERNET_FLAG_ASYNC));
        ASSERT_TRUE(session_);
        set_ftp_timeouts(session_, 10000);
        ASSERT_NE(InternetSetStatusCallbackA(session_, &Recorder::callback), INTERNET_INVALID_STATUS_CALLBACK);
    }

    std::size_t completions(HINTERNET handle) const {
        auto statuses = recorder_.statuses(handle);
        return static_cast<std::size_t>(std::count(statuses.begin(), statuses.end(), INTERNET_STATUS_REQUEST_COMPLETE));
    }

    // Every read either completes at once or pends and completes through REQUEST_COMPLETE.
    std::pair<std::string, DWORD> read_to_end(HINTERNET file, std::size_t chunk) {
        std::string out;
        std::vector<char> buffer(chunk);
        for (int guard = 0; guard < 10000; ++guard) {
            DWORD got = 0;
            const std::size_t seen = completions(file);
            if (!InternetReadFile(file, buffer.data(), static_cast<DWORD>(chunk), &got)) {
                if (GetLastError() != ERROR_IO_PENDING) return {out, GetLastError()};
                auto done = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, file, 10s, seen + 1);
                if (!done) return {out, 0xFFFFFFFF};
                if (!done->result) return {out, done->error};
            }
            if (got == 0) return {out, 0};
            out.append(buffer.data(), got);
        }
        return {out, 0xFFFFFFFE};
    }

    Recorder recorder_;
    InetHandle session_;
};

TEST_F(AsyncFtpPrefetch, SmallAndLargeFilesThenOneHandleClosingEach) {
    const std::string small = pattern_bytes(6, 16384), large = pattern_bytes(8, 200000);
    ScriptedServer server;
    server.add_script(after_login("EPSV", serve("s", small)) + next_passive() + serve("l", large) + next_passive() +
                      serve("e", small, "426 Transfer aborted.") + answer_until_close());
    SetLastError(0);
    ASSERT_EQ(ftp_connect(session_, server, INTERNET_FLAG_PASSIVE, kConnectContext), nullptr);
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    auto connected = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE);
    ASSERT_TRUE(connected);
    ASSERT_EQ(connected->error, 0u);
    HINTERNET connection = reinterpret_cast<HINTERNET>(connected->result);

    struct Case {
        const char* name;
        const std::string* payload;
        std::size_t chunk;
        DWORD error;
    };
    DWORD_PTR context = kFileContext;
    for (const Case& c : {Case{"s", &small, 1u << 20, 0}, Case{"l", &large, 4096, 0},
                          Case{"e", &small, 1u << 20, ERROR_INTERNET_EXTENDED_ERROR}}) {
        ++context;
        SetLastError(0);
        HINTERNET file = FtpOpenFileA(connection, c.name, GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, context);
        ASSERT_EQ(file, nullptr) << "an asynchronous FtpOpenFile pends";
        ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING)) << c.name;
        // HANDLE_CREATED comes inside the call; REQUEST_COMPLETE carries the same handle.
        for (const auto& e : recorder_.events())
            if (e.status == INTERNET_STATUS_HANDLE_CREATED && e.context == context) file = reinterpret_cast<HINTERNET>(e.result);
        ASSERT_NE(file, nullptr) << c.name;
        auto opened = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, file);
        ASSERT_TRUE(opened) << c.name;
        ASSERT_EQ(opened->error, 0u) << c.name;
        ASSERT_EQ(reinterpret_cast<HINTERNET>(opened->result), file) << c.name;
        auto [body, error] = read_to_end(file, c.chunk);
        EXPECT_EQ(error, c.error) << c.name;
        EXPECT_TRUE(body == *c.payload) << c.name << " " << body.size();
        ASSERT_TRUE(InternetCloseHandle(file));
        ASSERT_TRUE(recorder_.wait_for(INTERNET_STATUS_HANDLE_CLOSING, file));
        auto statuses = recorder_.statuses(file);
        EXPECT_EQ(statuses.back(), static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING)) << describe(statuses);
        EXPECT_EQ(std::count(statuses.begin(), statuses.end(), INTERNET_STATUS_HANDLE_CLOSING), 1) << describe(statuses);
    }
    ASSERT_TRUE(InternetCloseHandle(connection));
    ASSERT_TRUE(recorder_.wait_for(INTERNET_STATUS_HANDLE_CLOSING, connection));
}

}  // namespace
}  // namespace openinet::test
