// INTERNET_FLAG_ASYNC FTP: the callback sequences of InternetConnect (login), FtpOpenFile +
// InternetReadFile + close, FtpFindFirstFile + InternetFindNextFile, the threads and contexts
// they come with, and how failures complete (login refused, a cut transfer, a timeout). Plus
// the synchronous session's notifications delivered inside the call.
//
// Wine's FTP tests do not pin an asynchronous sequence; what is checked here is WinInet's
// documented contract as the HTTP suites check it: HANDLE_CREATED on the caller's thread inside
// the call, progress and REQUEST_COMPLETE (dwResult = the new handle for handle-returning
// calls, TRUE for BOOL calls) later on an engine thread with the call's context, exactly one
// REQUEST_COMPLETE per pending call, and HANDLE_CLOSING last, exactly once.
#include "ftp_faults_helpers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

namespace openinet::test {
namespace {

using namespace std::chrono_literals;
using namespace ftp_script;

constexpr DWORD_PTR kConnectContext = 0x1111;
constexpr DWORD_PTR kFileContext = 0x2222;
constexpr DWORD_PTR kCallContext = 0x3333;

// The statuses of one handle without the optional ones: name resolution (skipped for literal
// addresses and cached names) and the per-command request/response progress Windows sends for
// FTP commands (an implementation may or may not).
std::vector<DWORD> core_sequence(const std::vector<Notification>& events, HINTERNET handle) {
    std::vector<DWORD> out;
    for (const auto& e : events) {
        if (e.handle != handle) continue;
        switch (e.status) {
        case INTERNET_STATUS_RESOLVING_NAME:
        case INTERNET_STATUS_NAME_RESOLVED:
        case INTERNET_STATUS_SENDING_REQUEST:
        case INTERNET_STATUS_REQUEST_SENT:
        case INTERNET_STATUS_RECEIVING_RESPONSE:
        case INTERNET_STATUS_RESPONSE_RECEIVED:
        case INTERNET_STATUS_DETECTING_PROXY:
            continue;
        default:
            out.push_back(e.status);
        }
    }
    return out;
}

std::size_t count_of(const std::vector<DWORD>& statuses, DWORD status) {
    return static_cast<std::size_t>(std::count(statuses.begin(), statuses.end(), status));
}

class AsyncFtp : public ::testing::Test {
protected:
    void SetUp() override {
        caller_ = std::this_thread::get_id();
        session_.reset(InternetOpenA("openinet-ftp-async", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr,
                                     INTERNET_FLAG_ASYNC));
        ASSERT_TRUE(session_);
        set_ftp_timeouts(session_, 10000);
        ASSERT_NE(InternetSetStatusCallbackA(session_, &Recorder::callback), INTERNET_INVALID_STATUS_CALLBACK);
    }
    void TearDown() override {
        if (connect_) InternetCloseHandle(connect_);
        session_.reset();
    }

    // Asynchronous InternetConnect: pends, completes with the handle. Returns it (null on failure).
    HINTERNET connect_async(const ScriptedServer& server) {
        SetLastError(0);
        EXPECT_EQ(ftp_connect(session_, server, INTERNET_FLAG_PASSIVE, kConnectContext), nullptr);
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
        auto done = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE);
        EXPECT_TRUE(done);
        if (!done) return nullptr;
        EXPECT_EQ(done->error, 0u);
        connect_ = reinterpret_cast<HINTERNET>(done->result);
        return connect_;
    }

    // The handle a pending call created, from its HANDLE_CREATED (sent inside the call).
    HINTERNET created_handle(DWORD_PTR context) {
        for (const auto& e : recorder_.events())
            if (e.status == INTERNET_STATUS_HANDLE_CREATED && e.context == context)
                return reinterpret_cast<HINTERNET>(e.result);
        return nullptr;
    }

    // Waits for the next REQUEST_COMPLETE of `handle` after the `seen` ones already counted.
    std::optional<Notification> next_completion(HINTERNET handle, std::size_t seen) {
        return recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, handle, 10s, seen + 1);
    }

    std::size_t completions(HINTERNET handle) const {
        return count_of(recorder_.statuses(handle), INTERNET_STATUS_REQUEST_COMPLETE);
    }

    // Reads to the end in `chunk`-byte calls, pending or not; the error that ended it, if any.
    std::pair<std::string, DWORD> read_to_end(HINTERNET file, std::size_t chunk) {
        std::string out;
        std::vector<char> buffer(chunk);
        for (int guard = 0; guard < 10000; ++guard) {
            DWORD got = 0;
            std::size_t seen = completions(file);
            if (!InternetReadFile(file, buffer.data(), static_cast<DWORD>(chunk), &got)) {
                if (GetLastError() != ERROR_IO_PENDING) return {out, GetLastError()};
                auto done = next_completion(file, seen);
                if (!done) return {out, 0xFFFFFFFF};
                EXPECT_NE(done->thread, caller_);
                EXPECT_EQ(done->context, kFileContext);
                if (!done->result) return {out, done->error};
            }
            if (got == 0) return {out, 0};
            out.append(buffer.data(), got);
        }
        return {out, 0xFFFFFFFE};
    }

    Recorder recorder_;
    std::thread::id caller_;
    InetHandle session_;
    HINTERNET connect_ = nullptr;
    TempDir scratch_{"ftp-async"};
};

TEST_F(AsyncFtp, ConnectOpenReadCloseSequence) {
    std::string payload = pattern_bytes(0, 10000);
    ScriptedServer server;
    // The gate holds the data until the first InternetReadFile has pended.
    server.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::SendLine{"150 go"},
                                           step::DataScript{{step::Gate{}, step::Send{payload}, step::Close{}}},
                                           step::AwaitData{}, step::SendLine{"226 done"}, answer_until_close()}));

    // InternetConnect: pends; HANDLE_CREATED on this thread inside the call.
    SetLastError(0);
    ASSERT_EQ(ftp_connect(session_, server, INTERNET_FLAG_PASSIVE, kConnectContext), nullptr);
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    auto done = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE);
    ASSERT_TRUE(done);
    connect_ = reinterpret_cast<HINTERNET>(done->result);
    ASSERT_NE(connect_, nullptr);
    EXPECT_EQ(done->error, 0u);
    EXPECT_EQ(done->handle, connect_);
    EXPECT_EQ(done->length, sizeof(INTERNET_ASYNC_RESULT));
    auto events = recorder_.events();
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.front().status, static_cast<DWORD>(INTERNET_STATUS_HANDLE_CREATED));
    EXPECT_EQ(events.front().thread, caller_);
    EXPECT_EQ(reinterpret_cast<HINTERNET>(events.front().result), connect_);
    EXPECT_EQ(core_sequence(events, connect_),
              (std::vector<DWORD>{INTERNET_STATUS_HANDLE_CREATED, INTERNET_STATUS_CONNECTING_TO_SERVER,
                                  INTERNET_STATUS_CONNECTED_TO_SERVER, INTERNET_STATUS_REQUEST_COMPLETE}))
        << describe(core_sequence(events, connect_));
    for (const auto& e : events) {
        EXPECT_EQ(e.handle, connect_);
        EXPECT_EQ(e.context, kConnectContext);
        if (e.status == INTERNET_STATUS_CONNECTING_TO_SERVER || e.status == INTERNET_STATUS_CONNECTED_TO_SERVER) {
            EXPECT_EQ(e.text, "127.0.0.1");
            EXPECT_EQ(e.length, e.text.size() + 1);
        }
        if (e.status != INTERNET_STATUS_HANDLE_CREATED) EXPECT_NE(e.thread, caller_) << e.status;
    }

    // FtpOpenFile: pends; the file handle's HANDLE_CREATED inside the call, REQUEST_COMPLETE
    // with that handle as dwResult and the call's context.
    recorder_.clear();
    SetLastError(0);
    ASSERT_EQ(FtpOpenFileA(connect_, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, kFileContext), nullptr);
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    HINTERNET file = created_handle(kFileContext);
    ASSERT_NE(file, nullptr) << "no HANDLE_CREATED inside FtpOpenFile";
    auto opened = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, file);
    ASSERT_TRUE(opened);
    EXPECT_EQ(reinterpret_cast<HINTERNET>(opened->result), file);
    EXPECT_EQ(opened->error, 0u);
    EXPECT_EQ(opened->context, kFileContext);
    EXPECT_NE(opened->thread, caller_);
    events = recorder_.events();
    EXPECT_EQ(events.front().thread, caller_);
    EXPECT_EQ(core_sequence(events, file),
              (std::vector<DWORD>{INTERNET_STATUS_HANDLE_CREATED, INTERNET_STATUS_REQUEST_COMPLETE}))
        << describe(core_sequence(events, file));
    EXPECT_EQ(completions(connect_), 0u) << "FtpOpenFile completes on the file handle only";

    // InternetReadFile with nothing to read yet: pends; completes {TRUE, 0} with the count
    // written at completion.
    std::vector<char> buffer(payload.size());
    DWORD got = 77;
    std::size_t seen = completions(file);
    SetLastError(0);
    ASSERT_FALSE(InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &got));
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    server.release_gate();
    auto read = next_completion(file, seen);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->result, 1u);
    EXPECT_EQ(read->error, 0u);
    EXPECT_EQ(read->context, kFileContext);
    EXPECT_NE(read->thread, caller_);
    EXPECT_EQ(got, payload.size());
    EXPECT_TRUE(std::string(buffer.data(), got) == payload);
    auto [rest, error] = read_to_end(file, 4096);
    EXPECT_EQ(error, 0u);
    EXPECT_EQ(rest, "");
    // At the end: TRUE with 0 bytes at once, no notification.
    auto before = recorder_.events().size();
    got = 5;
    ASSERT_TRUE(InternetReadFile(file, buffer.data(), 1, &got));
    EXPECT_EQ(got, 0u);
    EXPECT_EQ(recorder_.events().size(), before);

    // Closing: exactly one HANDLE_CLOSING, the last notification of the handle.
    ASSERT_TRUE(InternetCloseHandle(file));
    ASSERT_TRUE(recorder_.wait_for(INTERNET_STATUS_HANDLE_CLOSING, file));
    ASSERT_TRUE(InternetCloseHandle(connect_));
    ASSERT_TRUE(recorder_.wait_for(INTERNET_STATUS_HANDLE_CLOSING, connect_));
    HINTERNET closed_connect = std::exchange(connect_, nullptr);
    std::this_thread::sleep_for(200ms);  // room for a wrong late notification to show up
    for (HINTERNET h : {file, closed_connect}) {
        auto statuses = recorder_.statuses(h);
        EXPECT_EQ(statuses.back(), static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING)) << describe(statuses);
        EXPECT_EQ(count_of(statuses, INTERNET_STATUS_HANDLE_CLOSING), 1u) << describe(statuses);
    }
}

TEST_F(AsyncFtp, FindFirstAndNextFile) {
    const std::string listing =
        "-rw-r--r--   1 ftp ftp      1234 Jan 01  2020 alpha.txt\r\n"
        "drwxr-xr-x   2 ftp ftp      4096 Feb 02  2021 beta\r\n";
    ScriptedServer server;
    server.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"LIST"}, step::SendLine{"150 here"},
                                           step::DataScript{{step::Send{listing}, step::Close{}}}, step::AwaitData{},
                                           step::SendLine{"226 done"}, answer_until_close()}));
    ASSERT_TRUE(connect_async(server));
    recorder_.clear();
    WIN32_FIND_DATAA data{};
    SetLastError(0);
    ASSERT_EQ(FtpFindFirstFileA(connect_, "*", &data, 0, kFileContext), nullptr);
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    HINTERNET find = created_handle(kFileContext);
    ASSERT_NE(find, nullptr);
    auto done = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, find);
    ASSERT_TRUE(done);
    EXPECT_EQ(reinterpret_cast<HINTERNET>(done->result), find);
    EXPECT_EQ(done->error, 0u);
    EXPECT_EQ(done->context, kFileContext);
    EXPECT_STREQ(data.cFileName, "alpha.txt");
    EXPECT_EQ(data.nFileSizeLow, 1234u);

    WIN32_FIND_DATAA next{};
    std::size_t seen = completions(find);
    if (!InternetFindNextFileA(find, &next)) {
        ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
        auto more = next_completion(find, seen);
        ASSERT_TRUE(more);
        EXPECT_EQ(more->result, 1u);
    }
    EXPECT_STREQ(next.cFileName, "beta");
    EXPECT_TRUE(next.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY);
    seen = completions(find);
    if (InternetFindNextFileA(find, &next)) {
        ADD_FAILURE() << "a third entry";
    } else if (GetLastError() == ERROR_IO_PENDING) {
        auto end = next_completion(find, seen);
        ASSERT_TRUE(end);
        EXPECT_EQ(end->result, 0u);
        EXPECT_EQ(end->error, static_cast<DWORD>(ERROR_NO_MORE_FILES));
    } else {
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NO_MORE_FILES));
    }
    ASSERT_TRUE(InternetCloseHandle(find));
    ASSERT_TRUE(recorder_.wait_for(INTERNET_STATUS_HANDLE_CLOSING, find));
    auto statuses = recorder_.statuses(find);
    EXPECT_EQ(statuses.front(), static_cast<DWORD>(INTERNET_STATUS_HANDLE_CREATED));
    EXPECT_EQ(statuses.back(), static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING));
    EXPECT_EQ(count_of(statuses, INTERNET_STATUS_HANDLE_CLOSING), 1u);
}

TEST_F(AsyncFtp, LoginRefusedCompletesWithTheErrorThenClosesTheHandle) {
    ScriptedServer server;
    server.add_script({step::SendLine{"220 hi"}, step::ExpectLine{"USER"}, step::SendLine{"331 password"},
                       step::ExpectLine{"PASS"}, step::SendLine{"530 Login incorrect"}, step::ReadUntilClose{}});
    SetLastError(0);
    ASSERT_EQ(ftp_connect(session_, server, INTERNET_FLAG_PASSIVE, kConnectContext), nullptr);
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    HINTERNET c = created_handle(kConnectContext);
    ASSERT_NE(c, nullptr);
    auto done = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, c);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->result, 0u);
    EXPECT_EQ(done->error, static_cast<DWORD>(ERROR_INTERNET_LOGIN_FAILURE));
    // The program never received the handle: it is closed for it, HANDLE_CLOSING last.
    ASSERT_TRUE(recorder_.wait_for(INTERNET_STATUS_HANDLE_CLOSING, c));
    auto statuses = recorder_.statuses(c);
    EXPECT_EQ(count_of(statuses, INTERNET_STATUS_REQUEST_COMPLETE), 1u) << describe(statuses);
    EXPECT_EQ(count_of(statuses, INTERNET_STATUS_HANDLE_CLOSING), 1u) << describe(statuses);
    EXPECT_EQ(statuses.back(), static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING));
    EXPECT_FALSE(InternetCloseHandle(c));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
}

TEST_F(AsyncFtp, GetFileOfACutTransferCompletesWithTheErrorAndLeavesNoFile) {
    std::string payload = pattern_bytes(0, 400000);
    ScriptedServer server;
    server.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::SendLine{"150 go"},
                                           step::DataScript{{step::DropAfter{payload, 200000}}}, step::AwaitData{},
                                           step::SendLine{"426 Connection closed; transfer aborted"},
                                           answer_until_close()}));
    ASSERT_TRUE(connect_async(server));
    recorder_.clear();
    auto target = scratch_.path() / "cut.bin";
    SetLastError(0);
    ASSERT_FALSE(FtpGetFileA(connect_, "f", target.c_str(), FALSE, FILE_ATTRIBUTE_NORMAL, FTP_TRANSFER_TYPE_BINARY,
                             kCallContext));
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    auto done = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, connect_);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->result, 0u);
    EXPECT_EQ(done->error, static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_EQ(done->context, kCallContext);
    EXPECT_NE(done->thread, caller_);
    EXPECT_FALSE(std::filesystem::exists(target));
    EXPECT_EQ(completions(connect_), 1u);
}

TEST_F(AsyncFtp, ReadOfACutTransferReportsTheErrorAfterTheBytes) {
    std::string payload = pattern_bytes(0, 10000);
    ScriptedServer server;
    server.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::SendLine{"150 go"},
                                           step::DataScript{{step::Gate{}, step::DropAfter{payload, 3000}}},
                                           step::AwaitData{}, step::SendLine{"426 Connection closed"},
                                           answer_until_close()}));
    ASSERT_TRUE(connect_async(server));
    ASSERT_EQ(FtpOpenFileA(connect_, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, kFileContext), nullptr);
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    HINTERNET file = created_handle(kFileContext);
    ASSERT_NE(file, nullptr);
    auto opened = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, file);
    ASSERT_TRUE(opened);
    ASSERT_EQ(opened->error, 0u);
    server.release_gate();
    auto [data, error] = read_to_end(file, payload.size());
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_TRUE(data == payload.substr(0, 3000)) << data.size() << " bytes";
    ASSERT_TRUE(InternetCloseHandle(file));
    ASSERT_TRUE(recorder_.wait_for(INTERNET_STATUS_HANDLE_CLOSING, file));
    EXPECT_EQ(recorder_.statuses(file).back(), static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING));
}

TEST_F(AsyncFtp, OpenFileTimeoutCompletesWithTimeoutAndClosesTheFile) {
    set_ftp_timeouts(session_, 2000);
    ScriptedServer server;
    server.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::ReadUntilClose{}}));
    ASSERT_TRUE(connect_async(server));
    recorder_.clear();
    ASSERT_EQ(FtpOpenFileA(connect_, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, kFileContext), nullptr);
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    HINTERNET file = created_handle(kFileContext);
    ASSERT_NE(file, nullptr);
    auto done = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, file, 15s);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->result, 0u);
    EXPECT_EQ(done->error, static_cast<DWORD>(ERROR_INTERNET_TIMEOUT));
    ASSERT_TRUE(recorder_.wait_for(INTERNET_STATUS_HANDLE_CLOSING, file));
    auto statuses = recorder_.statuses(file);
    EXPECT_EQ(core_sequence(recorder_.events(), file),
              (std::vector<DWORD>{INTERNET_STATUS_HANDLE_CREATED, INTERNET_STATUS_REQUEST_COMPLETE,
                                  INTERNET_STATUS_HANDLE_CLOSING}))
        << describe(statuses);
}

TEST_F(AsyncFtp, ClosingTheConnectionClosesItsOpenFileHandle) {
    ScriptedServer server;
    server.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::SendLine{"150 go"},
                                           step::DataScript{{step::Send{"some"}, step::Stall{step::forever}}},
                                           answer_until_close()}));
    ASSERT_TRUE(connect_async(server));
    ASSERT_EQ(FtpOpenFileA(connect_, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, kFileContext), nullptr);
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    HINTERNET file = created_handle(kFileContext);
    ASSERT_NE(file, nullptr);
    auto opened = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, file);
    ASSERT_TRUE(opened);
    ASSERT_EQ(opened->error, 0u);
    HINTERNET c = std::exchange(connect_, nullptr);
    ASSERT_TRUE(InternetCloseHandle(c));
    ASSERT_TRUE(recorder_.wait_for(INTERNET_STATUS_HANDLE_CLOSING, file));
    ASSERT_TRUE(recorder_.wait_for(INTERNET_STATUS_HANDLE_CLOSING, c));
    DWORD got = 0;
    char byte;
    EXPECT_FALSE(InternetReadFile(file, &byte, 1, &got));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    std::this_thread::sleep_for(200ms);  // room for a wrong late notification to show up
    for (HINTERNET h : {file, c}) {
        auto statuses = recorder_.statuses(h);
        EXPECT_EQ(statuses.back(), static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING)) << describe(statuses);
        EXPECT_EQ(count_of(statuses, INTERNET_STATUS_HANDLE_CLOSING), 1u) << describe(statuses);
    }
}

TEST_F(AsyncFtp, PendingReadTimesOutWithTimeout) {
    set_ftp_timeouts(session_, 2000);
    ScriptedServer server;
    server.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::SendLine{"150 go"},
                                           step::DataScript{{step::Stall{step::forever}}},
                                           answer_until_close({{"ABOR", "426 aborted\r\n226 ABOR successful"}})}));
    ASSERT_TRUE(connect_async(server));
    ASSERT_EQ(FtpOpenFileA(connect_, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, kFileContext), nullptr);
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    HINTERNET file = created_handle(kFileContext);
    ASSERT_NE(file, nullptr);
    auto opened = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, file);
    ASSERT_TRUE(opened);
    ASSERT_EQ(opened->error, 0u);
    char buffer[100];
    DWORD got = 0;
    auto started = std::chrono::steady_clock::now();
    ASSERT_FALSE(InternetReadFile(file, buffer, sizeof buffer, &got));
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    auto done = next_completion(file, 1);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->result, 0u);
    EXPECT_EQ(done->error, static_cast<DWORD>(ERROR_INTERNET_TIMEOUT));
    EXPECT_GE(std::chrono::steady_clock::now() - started, 1900ms);
    ASSERT_TRUE(InternetCloseHandle(file));
    ASSERT_TRUE(recorder_.wait_for(INTERNET_STATUS_HANDLE_CLOSING, file));
}

// A synchronous session gets the same notifications, on its own thread, inside the call, and
// no REQUEST_COMPLETE.
TEST(AsyncFtpSyncSession, ConnectNotificationsArriveInsideTheCall) {
    Recorder recorder;
    ScriptedServer server;
    server.add_script(after_login("QUIT", {step::SendLine{"221 bye"}}));
    InetHandle session(InternetOpenA("openinet-ftp-sync", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
    ASSERT_TRUE(session);
    set_ftp_timeouts(session, 10000);
    InternetSetStatusCallbackA(session, &Recorder::callback);
    InetHandle c(ftp_connect(session, server, INTERNET_FLAG_PASSIVE, kConnectContext));
    ASSERT_TRUE(c) << GetLastError();
    auto events = recorder.events();
    EXPECT_EQ(core_sequence(events, c),
              (std::vector<DWORD>{INTERNET_STATUS_HANDLE_CREATED, INTERNET_STATUS_CONNECTING_TO_SERVER,
                                  INTERNET_STATUS_CONNECTED_TO_SERVER}))
        << describe(core_sequence(events, c));
    for (const auto& e : events) EXPECT_EQ(e.thread, std::this_thread::get_id()) << e.status;
}

}  // namespace
}  // namespace openinet::test
