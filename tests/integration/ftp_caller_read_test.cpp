// Synchronous FTP reads that run on the caller's thread (docs/internals/ftp.md, "Reads on the
// caller's thread"): once a large InternetReadFile filled its buffer, the session lends the data
// connection to the caller, whose next reads take the bytes and wait (poll) on its own thread.
// These tests drive every way such a read can end against the scripted server: the file's end,
// a cut or reset data connection, a stall against the data timeout, a close of the file or of
// the connection from another thread while the read waits, a close between reads, and small
// reads that take the connection back. Each ends in the same outcome as a read on the engine
// would, and the control connection stays usable where it should.
#include "ftp_faults_helpers.hpp"

#include "ftp/session.hpp"

#include "core/engine.hpp"
#include "core/error.hpp"

#include <gtest/gtest.h>

#include <future>
#include <thread>

namespace openinet::test {
namespace {

using namespace std::chrono_literals;
using namespace ftp_script;
using Clock = std::chrono::steady_clock;

// Larger than the session's 64 KiB prefetch and FileHandle's 256 KiB read-ahead threshold: a
// read of this size goes straight to the data connection, and is lent it once filled.
constexpr std::size_t kLargeRead = 256 * 1024;
constexpr DWORD kShortTimeoutMs = 1500;
constexpr auto kPromptly = 2s;

Script download_script(Script rest) {
    return after_login("EPSV", Script{step::PassiveReply{}, step::ExpectLine{"RETR f"}} + rest);
}

class FtpCallerRead : public ::testing::Test {
protected:
    void SetUp() override {
        session_.reset(InternetOpenA("openinet-ftp-caller-read", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
        ASSERT_TRUE(session_);
        set_ftp_timeouts(session_, 10000);
    }

    HINTERNET connect(const ScriptedServer& server) {
        HINTERNET c = ftp_connect(session_, server);
        EXPECT_TRUE(c) << GetLastError() << " " << last_response_text();
        return c;
    }

    // One InternetReadFile of `size` bytes appended to `received`; false with `error` on failure.
    static bool read_once(HINTERNET file, std::size_t size, std::string& received, DWORD& got, DWORD& error) {
        std::vector<char> buffer(size);
        got = 0;
        if (!InternetReadFile(file, buffer.data(), static_cast<DWORD>(size), &got)) {
            error = GetLastError();
            return false;
        }
        received.append(buffer.data(), got);
        return true;
    }

    // Connects to `server` (the connection stays in c_) and opens "f" for reading.
    HINTERNET open_file(const ScriptedServer& server) {
        c_.reset(connect(server));
        if (!c_) return nullptr;
        HINTERNET file = FtpOpenFileA(c_, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0);
        EXPECT_TRUE(file) << GetLastError();
        return file;
    }

    static void expect_back_in_step(HINTERNET c) {
        char dir[MAX_PATH];
        DWORD length = sizeof dir;
        ASSERT_TRUE(FtpGetCurrentDirectoryA(c, dir, &length)) << GetLastError() << " " << last_response_text();
        EXPECT_STREQ(dir, "/after");
    }

    InetHandle session_;
    InetHandle c_;
};

TEST_F(FtpCallerRead, SmallReadsBetweenLargeOnesTakeTheConnectionBackInOrder) {
    const std::string payload = pattern_bytes(0, 6 * kLargeRead + 999);
    ScriptedServer server;
    server.add_script(download_script(serve_download(payload) + recovery_answers()));
    InetHandle file(open_file(server));
    ASSERT_TRUE(file);
    std::string received;
    DWORD got = 0, error = 0;
    // Large (lent), small (taken back), large, no-wait, large, … until the end.
    for (int i = 0; i < 100; ++i) {
        if (i % 4 == 3) {
            std::vector<char> buffer(3000);
            INTERNET_BUFFERSA buffers{};
            buffers.dwStructSize = sizeof buffers;
            buffers.lpvBuffer = buffer.data();
            buffers.dwBufferLength = static_cast<DWORD>(buffer.size());
            ASSERT_TRUE(InternetReadFileExA(file, &buffers, IRF_NO_WAIT, 0)) << GetLastError();
            received.append(buffer.data(), buffers.dwBufferLength);
            continue;
        }
        ASSERT_TRUE(read_once(file, i % 2 == 0 ? kLargeRead : 1000, received, got, error)) << error;
        if (got == 0) break;
    }
    EXPECT_TRUE(received == payload) << received.size() << " of " << payload.size() << " bytes";
    DWORD available = 1;
    EXPECT_TRUE(InternetQueryDataAvailable(file, &available, 0, 0)) << GetLastError();
    EXPECT_EQ(available, 0u);
    file.reset();
    expect_back_in_step(c_);
}

TEST_F(FtpCallerRead, DataCutAfterTheConnectionWasLentFailsWithTheServersReply) {
    const std::string payload = pattern_bytes(0, 4 * kLargeRead);
    const std::size_t cut_at = 2 * kLargeRead + 1234;
    ScriptedServer server;
    server.add_script(download_script({step::SendLine{"150 go"}, step::DataScript{{step::DropAfter{payload, cut_at}}},
                                       step::AwaitData{}, step::SendLine{"426 Connection closed; transfer aborted"},
                                       recovery_answers()}));
    InetHandle file(open_file(server));
    ASSERT_TRUE(file);
    std::string received;
    DWORD got = 0, error = 0;
    for (int guard = 0; guard < 100 && read_once(file, kLargeRead, received, got, error); ++guard)
        ASSERT_NE(got, 0u) << "a cut transfer reported as complete after " << received.size() << " bytes";
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_NE(last_response_text().find("426 Connection closed"), std::string::npos) << last_response_text();
    EXPECT_TRUE(received == payload.substr(0, cut_at)) << received.size() << " bytes";
    file.reset();
    expect_back_in_step(c_);
}

TEST_F(FtpCallerRead, DataResetAfterTheConnectionWasLentFailsTheRead) {
    const std::string payload = pattern_bytes(0, 4 * kLargeRead);
    ScriptedServer server;
    server.add_script(download_script({step::SendLine{"150 go"},
                                       step::DataScript{{step::DropAfter{payload, 2 * kLargeRead + 1234, /*reset=*/true}}},
                                       step::AwaitData{}, step::SendLine{"426 Connection reset"}, recovery_answers()}));
    InetHandle file(open_file(server));
    ASSERT_TRUE(file);
    DWORD error = 0;
    auto body = read_all(file, kLargeRead, &error);
    EXPECT_FALSE(body) << "a reset transfer reported as complete";
    EXPECT_TRUE(error == ERROR_INTERNET_CONNECTION_RESET || error == ERROR_INTERNET_CONNECTION_ABORTED ||
                error == ERROR_INTERNET_EXTENDED_ERROR)
        << error;
    file.reset();
    expect_back_in_step(c_);
}

// Large reads (straight into the caller's buffer) and small ones (through the read-ahead
// buffer, as WinInet samples read): both wait on the caller's thread once lent.
class FtpCallerReadSized : public FtpCallerRead, public ::testing::WithParamInterface<std::size_t> {};

std::string size_name(std::size_t read_size) { return read_size >= kLargeRead ? "Large" : "Small"; }

TEST_P(FtpCallerReadSized, AStallWhileWaitingOnTheCallersThreadTimesOut) {
    const std::size_t read_size = GetParam();
    set_ftp_timeouts(session_, kShortTimeoutMs);
    const std::size_t sent = kLargeRead + 5000;
    ScriptedServer server;
    server.add_script(download_script({step::SendLine{"150 go"},
                                       step::DataScript{{step::Send{pattern_bytes(0, sent)}, step::Stall{step::forever}}},
                                       recovery_answers()}));
    InetHandle file(open_file(server));
    ASSERT_TRUE(file);
    std::string received;
    DWORD got = 0, error = 0;
    const auto started = Clock::now();
    // The bytes that came before the stall first, then the timeout.
    for (int guard = 0; guard < 1000 && read_once(file, read_size, received, got, error); ++guard)
        ASSERT_NE(got, 0u) << "a stalled transfer reported as complete after " << received.size() << " bytes";
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_TIMEOUT));
    EXPECT_GE(Clock::now() - started, std::chrono::milliseconds(kShortTimeoutMs) - 100ms);
    EXPECT_TRUE(received == pattern_bytes(0, sent)) << received.size() << " bytes";
    file.reset();
    expect_back_in_step(c_);
}

TEST_P(FtpCallerReadSized, TheWholeFileItsEndAndTheConnectionUsableAfter) {
    const std::size_t read_size = GetParam();
    const std::string payload = pattern_bytes(0, 3 * kLargeRead + 777);
    ScriptedServer server;
    server.add_script(download_script(serve_download(payload) + recovery_answers()));
    InetHandle file(open_file(server));
    ASSERT_TRUE(file);
    DWORD error = 0;
    auto body = read_all(file, read_size, &error);
    ASSERT_TRUE(body) << error;
    EXPECT_TRUE(*body == payload) << body->size() << " of " << payload.size() << " bytes";
    // After the end, reads keep answering "nothing more".
    std::string more;
    DWORD got = 1;
    EXPECT_TRUE(read_once(file, read_size, more, got, error)) << error;
    EXPECT_EQ(got, 0u);
    file.reset();
    expect_back_in_step(c_);
}

INSTANTIATE_TEST_SUITE_P(ReadSize, FtpCallerReadSized, ::testing::Values(kLargeRead, std::size_t{4096}),
                         [](const auto& info) { return size_name(info.param); });

class FtpCallerReadClose : public FtpCallerRead,
                           public ::testing::WithParamInterface<std::tuple<bool, std::size_t>> {};

// The read waits in poll() on its own thread; the close comes from another thread.
TEST_P(FtpCallerReadClose, ClosingWhileTheReadWaitsOnItsThreadCancelsItPromptly) {
    const auto [close_connection, read_size] = GetParam();
    const std::size_t sent = kLargeRead + 5000;
    ScriptedServer server;
    server.add_script(download_script({step::SendLine{"150 go"},
                                       step::DataScript{{step::Send{pattern_bytes(0, sent)}, step::Stall{step::forever}}},
                                       recovery_answers()}));
    HINTERNET c = connect(server);
    ASSERT_TRUE(c);
    HINTERNET file = FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0);
    ASSERT_TRUE(file) << GetLastError();
    // Whole reads while the bytes last; the first read the data cannot fill waits.
    std::string received;
    DWORD got = 0, error = 0;
    while (received.size() + read_size <= sent) {
        ASSERT_TRUE(read_once(file, read_size, received, got, error)) << error;
        ASSERT_EQ(got, read_size);
    }
    std::vector<char> buffer(read_size);
    auto call = std::async(std::launch::async, [&]() -> std::pair<BOOL, DWORD> {
        DWORD n = 0;
        BOOL ok = InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &n);
        return {ok, GetLastError()};
    });
    ASSERT_EQ(call.wait_for(300ms), std::future_status::timeout) << "the read did not wait";
    const auto closing = Clock::now();
    ASSERT_TRUE(InternetCloseHandle(close_connection ? c : file)) << GetLastError();
    ASSERT_EQ(call.wait_for(kPromptly), std::future_status::ready) << "the close did not release the read";
    EXPECT_LT(Clock::now() - closing, kPromptly);
    auto [ok, call_error] = call.get();
    EXPECT_FALSE(ok);
    EXPECT_EQ(call_error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
    DWORD n = 0;
    EXPECT_FALSE(InternetReadFile(file, buffer.data(), 1, &n));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    if (close_connection) return;
    // The connection puts its control connection back in step and goes on.
    expect_back_in_step(c);
    EXPECT_TRUE(InternetCloseHandle(c));
}

INSTANTIATE_TEST_SUITE_P(CancelWhileLent, FtpCallerReadClose,
                         ::testing::Combine(::testing::Bool(), ::testing::Values(kLargeRead, std::size_t{4096})),
                         [](const auto& info) {
                             return std::string(std::get<0>(info.param) ? "Connection" : "File") +
                                    size_name(std::get<1>(info.param));
                         });

TEST_F(FtpCallerRead, ClosingTheFileBetweenLentReadsAbortsAndTheConnectionGoesOn) {
    ScriptedServer server;
    server.add_script(download_script({step::SendLine{"150 go"},
                                       step::DataScript{{step::Send{pattern_bytes(0, 3 * kLargeRead)},
                                                         step::Stall{step::forever}}},
                                       recovery_answers()}));
    InetHandle c(connect(server));
    ASSERT_TRUE(c);
    HINTERNET file = FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0);
    ASSERT_TRUE(file) << GetLastError();
    std::string received;
    DWORD got = 0, error = 0;
    for (int i = 0; i < 2; ++i) {
        ASSERT_TRUE(read_once(file, kLargeRead, received, got, error)) << error;
        ASSERT_EQ(got, kLargeRead);
    }
    EXPECT_TRUE(received == pattern_bytes(0, 2 * kLargeRead));
    ASSERT_TRUE(InternetCloseHandle(file)) << GetLastError();
    expect_back_in_step(c);
    // The next transfer is refused by the script, not by the session.
    EXPECT_EQ(FtpOpenFileA(c, "g", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, 0), nullptr);
    EXPECT_NE(GetLastError(), static_cast<DWORD>(ERROR_FTP_TRANSFER_IN_PROGRESS));
}

// ---- the session level: when the connection is lent --------------------------------------

std::shared_ptr<ftp::Session> connected_session(const ScriptedServer& control,
                                                std::chrono::milliseconds data_timeout = 10s) {
    auto session = ftp::Session::create(core::Engine::instance().executor());
    ftp::SessionOptions options;
    options.host = "127.0.0.1";
    options.port = control.port();
    options.reply_timeout = 5s;
    options.data_timeout = data_timeout;
    std::promise<std::error_code> connected;
    session->connect(options, {}, [&](std::error_code ec) { connected.set_value(ec); });
    EXPECT_FALSE(connected.get_future().get());
    return session;
}

// RETR f, as FtpOpenFile does it (SIZE first, the prefetch after), waited for.
std::error_code open_download(ftp::Session& session) {
    std::promise<std::error_code> opened;
    session.open_sized_download("f", ftp::TransferType::binary, 0,
                                [&](std::error_code ec, std::optional<std::uint64_t>) { opened.set_value(ec); });
    return opened.get_future().get();
}

struct ReadOutcome {
    std::error_code ec;
    std::size_t bytes = 0;
    std::thread::id thread;
};

ReadOutcome fill(ftp::Session& session, char* out, std::size_t size, bool lend) {
    std::promise<ReadOutcome> promise;
    session.read_fill(boost::asio::buffer(out, size), [&](std::error_code ec, std::size_t n) {
        promise.set_value({ec, n, std::this_thread::get_id()});
    }, lend);
    return promise.get_future().get();
}

TEST(FtpSessionLend, AFilledReadLendsTheDataConnectionOnlyWhenAsked) {
    const std::string payload = pattern_bytes(0, 8 * kLargeRead);
    ScriptedServer server;
    server.add_script(download_script(serve_download(payload) + recovery_answers()));
    auto session = connected_session(server);
    ASSERT_FALSE(open_download(*session));
    std::string received(payload.size() + 1, '\0');   // room for the last read's "one more"
    std::size_t at = 0;
    auto here = [&](std::size_t size) {
        std::promise<ReadOutcome> promise;
        auto future = promise.get_future();
        const bool lent = session->read_fill_here(boost::asio::buffer(received.data() + at, size),
                                                  [&](std::error_code ec, std::size_t n) {
            promise.set_value({ec, n, std::this_thread::get_id()});
        });
        if (!lent) return std::optional<ReadOutcome>{};
        return std::optional(future.get());
    };

    // Not lent yet, and not after a read that did not ask for it.
    EXPECT_FALSE(here(kLargeRead));
    auto plain = fill(*session, received.data() + at, kLargeRead, false);
    ASSERT_FALSE(plain.ec);
    ASSERT_EQ(plain.bytes, kLargeRead);
    EXPECT_NE(plain.thread, std::this_thread::get_id());   // the strand's
    at += plain.bytes;
    EXPECT_FALSE(here(kLargeRead));

    // Asked for and filled: lent. The next reads run on this thread.
    auto lending = fill(*session, received.data() + at, kLargeRead, true);
    ASSERT_FALSE(lending.ec);
    at += lending.bytes;
    for (int i = 0; i < 2; ++i) {
        auto read_here = here(kLargeRead);
        ASSERT_TRUE(read_here) << "the connection was not lent";
        ASSERT_FALSE(read_here->ec) << read_here->ec.message();
        ASSERT_EQ(read_here->bytes, kLargeRead);
        EXPECT_EQ(read_here->thread, std::this_thread::get_id());
        at += read_here->bytes;
    }
    // A read on the strand takes it back.
    auto taken_back = fill(*session, received.data() + at, kLargeRead, false);
    ASSERT_FALSE(taken_back.ec);
    at += taken_back.bytes;
    EXPECT_FALSE(here(kLargeRead));

    // Lent again; the end of the file is handed back to the strand, which reads the 226.
    auto again = fill(*session, received.data() + at, kLargeRead, true);
    ASSERT_FALSE(again.ec);
    at += again.bytes;
    for (int guard = 0; guard < 10 && at < payload.size(); ++guard) {
        // One byte more than is left: the read meets the end of the data.
        auto read_here = here(payload.size() - at + 1);
        ASSERT_TRUE(read_here);
        ASSERT_FALSE(read_here->ec) << read_here->ec.message();
        at += read_here->bytes;
        if (at == payload.size()) EXPECT_NE(read_here->thread, std::this_thread::get_id());
    }
    received.resize(at);
    EXPECT_TRUE(received == payload);
    EXPECT_FALSE(session->transfer_open());
    EXPECT_FALSE(here(kLargeRead));
}

// An operation that wants the transfer while the caller's thread reads (here an abort, as when
// a file handle is closed: its wind-down may reach the session before the interrupted read has
// been handed back) waits for that read to be finished instead of failing with
// ERROR_FTP_TRANSFER_IN_PROGRESS, and then finds the control connection in step.
TEST(FtpSessionLend, AnAbortWhileTheCallerReadsRunsOnceTheReadIsFinished) {
    ScriptedServer server;
    server.add_script(download_script({step::SendLine{"150 go"},
                                       step::DataScript{{step::Send{pattern_bytes(0, kLargeRead)},
                                                         step::Stall{step::forever}}},
                                       recovery_answers()}));
    auto session = connected_session(server, 1s);
    ASSERT_FALSE(open_download(*session));
    std::vector<char> buffer(2 * kLargeRead);
    auto first = fill(*session, buffer.data(), kLargeRead, true);
    ASSERT_FALSE(first.ec);

    std::promise<ReadOutcome> read_done;
    auto read_future = read_done.get_future();
    // std::async: a failed assertion below still waits for the reader (its wait is bounded by
    // the data timeout).
    auto reader = std::async(std::launch::async, [&] {
        const bool lent = session->read_fill_here(boost::asio::buffer(buffer.data(), kLargeRead),
                                                  [&](std::error_code ec, std::size_t n) {
            read_done.set_value({ec, n, std::this_thread::get_id()});
        });
        if (!lent) read_done.set_value({make_error(ERROR_INTERNET_INTERNAL_ERROR), 0, {}});
    });
    ASSERT_EQ(read_future.wait_for(200ms), std::future_status::timeout) << "the read did not wait";
    std::promise<std::error_code> aborted;
    auto abort_future = aborted.get_future();
    session->abort_transfer([&](std::error_code ec) { aborted.set_value(ec); });
    ASSERT_EQ(abort_future.wait_for(300ms), std::future_status::timeout) << "the abort did not wait for the read";
    ASSERT_EQ(read_future.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(read_future.get().ec, make_error(ERROR_INTERNET_TIMEOUT));
    ASSERT_EQ(abort_future.wait_for(10s), std::future_status::ready);
    EXPECT_FALSE(abort_future.get());
    EXPECT_FALSE(session->transfer_open());
    std::promise<std::pair<std::error_code, ftp::Reply>> pwd;
    session->raw_command("PWD", [&](std::error_code ec, ftp::Reply reply) { pwd.set_value({ec, reply}); });
    auto [ec, reply] = pwd.get_future().get();
    EXPECT_FALSE(ec);
    EXPECT_EQ(reply.code, 257);
}

// read() lends too, once it got bytes; read_here then answers on this thread without a
// handler, and hands the end of the data back to the strand.
TEST(FtpSessionLend, AReadThatGotBytesLendsAndReadHereAnswersInline) {
    const std::string payload = pattern_bytes(0, 3 * kLargeRead);
    ScriptedServer server;
    server.add_script(download_script(serve_download(payload) + recovery_answers()));
    auto session = connected_session(server);
    ASSERT_FALSE(open_download(*session));
    std::string received;
    std::vector<char> buffer(4096);
    // Reads on the strand until one lends: those served from the session's prefetch (64 KiB
    // read ahead after the open) do not, the first that reads the data connection does.
    int strand_reads = 0;
    for (;;) {
        std::promise<ReadOutcome> read;
        session->read(boost::asio::buffer(buffer), [&](std::error_code ec, std::size_t n) {
            read.set_value({ec, n, std::this_thread::get_id()});
        }, true);
        auto outcome = read.get_future().get();
        ASSERT_FALSE(outcome.ec);
        ASSERT_GT(outcome.bytes, 0u);
        received.append(buffer.data(), outcome.bytes);
        ++strand_reads;
        if (received.size() > 64 * 1024) break;
    }
    EXPECT_LE(strand_reads, 64 * 1024 / 4096 + 1);
    std::promise<ReadOutcome> end;
    auto end_future = end.get_future();
    bool ended = false;
    for (int guard = 0; guard < 10000 && !ended; ++guard) {
        auto result = session->read_here(boost::asio::buffer(buffer), [&](std::error_code ec, std::size_t n) {
            end.set_value({ec, n, std::this_thread::get_id()});
        });
        ASSERT_TRUE(result.lent) << "after " << received.size() << " bytes";
        ASSERT_FALSE(result.error);
        if (result.handed_back) {
            ended = true;
            break;
        }
        ASSERT_GT(result.bytes, 0u);
        received.append(buffer.data(), result.bytes);
    }
    ASSERT_TRUE(ended);
    auto outcome = end_future.get();
    EXPECT_FALSE(outcome.ec) << outcome.ec.message();
    EXPECT_EQ(outcome.bytes, 0u);   // read()'s "the file ended and the server confirmed it"
    EXPECT_NE(outcome.thread, std::this_thread::get_id());
    EXPECT_TRUE(received == payload) << received.size() << " bytes";
    EXPECT_FALSE(session->transfer_open());
    EXPECT_FALSE(session->read_here(boost::asio::buffer(buffer), [](std::error_code, std::size_t) {}).lent);
}

}  // namespace
}  // namespace openinet::test
