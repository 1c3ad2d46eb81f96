// Closing FTP handles while a call waits, at every stage: before the greeting, after USER,
// waiting for RETR's reply, in a directory listing whose data connection stalls, mid-download
// (InternetReadFile, FtpGetFile) and mid-upload (FtpPutFile, InternetWriteFile).
//   Synchronous sessions: another thread closes; the blocked call returns FALSE/NULL with
//   ERROR_INTERNET_OPERATION_CANCELLED promptly (generous bound, not a speed check).
//   Asynchronous sessions: the pending call completes with REQUEST_COMPLETE {0, 12017}, then
//   the handle gets exactly one HANDLE_CLOSING, and nothing after it.
// Closing the connection handle closes its find/file handles too.
#include "ftp_faults_helpers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>

namespace openinet::test {
namespace {

using namespace std::chrono_literals;
using namespace ftp_script;
using Clock = std::chrono::steady_clock;

// "Promptly": far above what a close takes, far below any timeout in play (60 s).
constexpr auto kPromptly = 2s;
constexpr DWORD kLongTimeoutMs = 60000;
constexpr DWORD_PTR kConnectContext = 0x10;
constexpr DWORD_PTR kChildContext = 0x20;
constexpr DWORD_PTR kCallContext = 0x30;

enum class Stage { greeting, after_user, retr_reply, listing, read, get_file, put_file, write };

const char* stage_name(Stage s) {
    switch (s) {
    case Stage::greeting: return "BeforeGreeting";
    case Stage::after_user: return "AfterUser";
    case Stage::retr_reply: return "WaitingForRetrReply";
    case Stage::listing: return "ListingDataStalls";
    case Stage::read: return "MidRead";
    case Stage::get_file: return "MidGetFile";
    case Stage::put_file: return "MidPutFile";
    case Stage::write: return "MidWrite";
    }
    return "?";
}

bool is_login_stage(Stage s) { return s == Stage::greeting || s == Stage::after_user; }

// A server that takes the call to `stage` and then never moves again.
Script stalling_script(Stage stage) {
    auto never_again = answer_until_close();  // answers ABOR/PWD a wind-down may send
    switch (stage) {
    case Stage::greeting: return {step::ReadUntilClose{}};
    case Stage::after_user: return {step::SendLine{"220 hi"}, step::ExpectLine{"USER"}, step::ReadUntilClose{}};
    case Stage::retr_reply:
        return after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::ReadUntilClose{}});
    case Stage::listing:
        return after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"LIST"}, step::SendLine{"150 here"},
                                    step::DataScript{{step::Send{"-rw-r--r-- 1 u g 5 Jan 01  2020 a\r\n"},
                                                      step::Stall{step::forever}}},
                                    never_again});
    case Stage::read:
    case Stage::get_file:
        return after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::SendLine{"150 go"},
                                    step::DataScript{{step::Send{pattern_bytes(0, 5000)}, step::Stall{step::forever}}},
                                    never_again});
    case Stage::put_file:
    case Stage::write:
        // The data connection reads nothing: the socket buffers fill and the upload blocks.
        return after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"STOR up"}, step::SendLine{"150 ok"},
                                    step::DataScript{{step::Stall{step::forever}}}, never_again});
    }
    return {};
}

// Waits (bounded) until the server shows the call has reached its stage.
bool reached(const ScriptedServer& server, Stage stage) {
    switch (stage) {
    case Stage::greeting: return server.wait_for_connections(1, 10s);
    case Stage::after_user: return server.wait_for_line("USER", 10s);
    case Stage::retr_reply: return server.wait_for_line("RETR", 10s);
    case Stage::listing: return server.wait_for_line("LIST", 10s) && server.wait_for_data_connections(1, 10s);
    case Stage::read:
    case Stage::get_file: return server.wait_for_line("RETR", 10s) && server.wait_for_data_connections(1, 10s);
    case Stage::put_file:
    case Stage::write: return server.wait_for_line("STOR", 10s) && server.wait_for_data_connections(1, 10s);
    }
    return false;
}

constexpr std::size_t kUploadSize = 48u << 20;  // well beyond what loopback socket buffers hold

// ---- synchronous ---------------------------------------------------------------------------

// The handle a call created, from its HANDLE_CREATED (sent inside the call); null if none.
HINTERNET created_with(const Recorder& recorder, DWORD_PTR context) {
    for (const auto& e : recorder.events())
        if (e.status == INTERNET_STATUS_HANDLE_CREATED && e.context == context) return reinterpret_cast<HINTERNET>(e.result);
    return nullptr;
}

class CancelFtpSyncFixture : public ::testing::Test {
protected:
    void SetUp() override {
        session_.reset(InternetOpenA("openinet-ftp-cancel", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
        ASSERT_TRUE(session_);
        set_ftp_timeouts(session_, kLongTimeoutMs);  // the close, not a timeout, must end the call
        InternetSetStatusCallbackA(session_, &Recorder::callback);
    }
    Recorder recorder_;
    InetHandle session_;
    TempDir scratch_{"ftp-cancel"};
};

class CancelFtpSync : public CancelFtpSyncFixture, public ::testing::WithParamInterface<Stage> {};
using CancelFtpSyncChildren = CancelFtpSyncFixture;

TEST_P(CancelFtpSync, CloseFromAnotherThreadReleasesTheCall) {
    const Stage stage = GetParam();
    ScriptedServer server;
    server.add_script(stalling_script(stage));
    auto upload_source = scratch_.path() / "upload.bin";
    if (stage == Stage::put_file) write_local(upload_source, std::string(kUploadSize, 'u'));
    auto download_target = scratch_.path() / "download.bin";

    HINTERNET c = nullptr;
    HINTERNET file = nullptr;
    if (!is_login_stage(stage)) {
        c = ftp_connect(session_, server, INTERNET_FLAG_PASSIVE, kConnectContext);
        ASSERT_TRUE(c) << GetLastError();
        if (stage == Stage::read || stage == Stage::write) {
            file = FtpOpenFileA(c, stage == Stage::read ? "f" : "up",
                                stage == Stage::read ? GENERIC_READ : GENERIC_WRITE, FTP_TRANSFER_TYPE_BINARY,
                                kChildContext);
            ASSERT_TRUE(file) << GetLastError();
        }
    }
    std::string upload(stage == Stage::write ? kUploadSize : 0, 'w');
    std::vector<char> download(1 << 20);

    auto call = std::async(std::launch::async, [&]() -> std::pair<bool, DWORD> {
        bool ok = false;
        switch (stage) {
        case Stage::greeting:
        case Stage::after_user: {
            HINTERNET h = ftp_connect(session_, server, INTERNET_FLAG_PASSIVE, kConnectContext);
            ok = h != nullptr;
            break;
        }
        case Stage::retr_reply:
            ok = FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, kChildContext) != nullptr;
            break;
        case Stage::listing: {
            WIN32_FIND_DATAA data{};
            ok = FtpFindFirstFileA(c, "*", &data, 0, kChildContext) != nullptr;
            break;
        }
        case Stage::read: {
            // Asks for more than will come: waits in the stalled data connection.
            DWORD got = 0;
            ok = InternetReadFile(file, download.data(), static_cast<DWORD>(download.size()), &got);
            break;
        }
        case Stage::get_file:
            ok = FtpGetFileA(c, "f", download_target.c_str(), FALSE, FILE_ATTRIBUTE_NORMAL, FTP_TRANSFER_TYPE_BINARY,
                             kCallContext);
            break;
        case Stage::put_file:
            ok = FtpPutFileA(c, upload_source.c_str(), "up", FTP_TRANSFER_TYPE_BINARY, kCallContext);
            break;
        case Stage::write: {
            DWORD written = 0;
            ok = InternetWriteFile(file, upload.data(), static_cast<DWORD>(upload.size()), &written);
            break;
        }
        }
        return {ok, GetLastError()};
    });
    ASSERT_TRUE(reached(server, stage)) << "the call never reached its stage";
    if (is_login_stage(stage)) {
        // The connection handle exists from HANDLE_CREATED on, sent inside InternetConnect.
        auto created = recorder_.wait_for(INTERNET_STATUS_HANDLE_CREATED, nullptr, 10s);
        ASSERT_TRUE(created);
        c = reinterpret_cast<HINTERNET>(created->result);
    }
    ASSERT_EQ(call.wait_for(200ms), std::future_status::timeout) << "the call did not block";

    // Reads and writes are ended by closing their own handle; everything else by closing the
    // connection, which also closes the find/file handle the call is making.
    HINTERNET target = (stage == Stage::read || stage == Stage::write) ? file : c;
    auto closing = Clock::now();
    ASSERT_TRUE(InternetCloseHandle(target)) << GetLastError();
    ASSERT_EQ(call.wait_for(kPromptly), std::future_status::ready) << "the call was not released by the close";
    EXPECT_LT(Clock::now() - closing, kPromptly);
    auto [ok, error] = call.get();
    EXPECT_FALSE(ok);
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));

    // Closed means gone: the handle (and the children of a closed connection) are invalid.
    EXPECT_FALSE(InternetCloseHandle(target));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    if (target == c) {
        // The find/file handle the call was making was closed with its connection.
        if (HINTERNET child = created_with(recorder_, kChildContext)) {
            EXPECT_FALSE(InternetCloseHandle(child));
            EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
        }
    } else {
        InternetCloseHandle(c);
    }
    EXPECT_FALSE(std::filesystem::exists(download_target));
}

TEST_F(CancelFtpSyncChildren, ClosingTheConnectionReleasesAReadAndInvalidatesTheFile) {
    ScriptedServer server;
    server.add_script(stalling_script(Stage::read));
    HINTERNET c = ftp_connect(session_, server, INTERNET_FLAG_PASSIVE, kConnectContext);
    ASSERT_TRUE(c) << GetLastError();
    HINTERNET file = FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, kChildContext);
    ASSERT_TRUE(file) << GetLastError();
    std::vector<char> buffer(1 << 20);
    auto call = std::async(std::launch::async, [&]() -> std::pair<BOOL, DWORD> {
        DWORD got = 0;
        BOOL ok = InternetReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), &got);
        return {ok, GetLastError()};
    });
    ASSERT_TRUE(reached(server, Stage::read));
    ASSERT_EQ(call.wait_for(200ms), std::future_status::timeout) << "the read did not block";
    ASSERT_TRUE(InternetCloseHandle(c));
    ASSERT_EQ(call.wait_for(kPromptly), std::future_status::ready);
    auto [ok, error] = call.get();
    EXPECT_FALSE(ok);
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
    DWORD got = 0;
    EXPECT_FALSE(InternetReadFile(file, buffer.data(), 1, &got));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    EXPECT_FALSE(InternetCloseHandle(file));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
}

INSTANTIATE_TEST_SUITE_P(CancelFtpAt, CancelFtpSync,
                         ::testing::Values(Stage::greeting, Stage::after_user, Stage::retr_reply, Stage::listing,
                                           Stage::read, Stage::get_file, Stage::put_file, Stage::write),
                         [](const auto& info) { return std::string(stage_name(info.param)); });

// ---- asynchronous --------------------------------------------------------------------------

class CancelFtpAsync : public ::testing::TestWithParam<Stage> {
protected:
    void SetUp() override {
        session_.reset(InternetOpenA("openinet-ftp-cancel", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr,
                                     INTERNET_FLAG_ASYNC));
        ASSERT_TRUE(session_);
        set_ftp_timeouts(session_, kLongTimeoutMs);
        InternetSetStatusCallbackA(session_, &Recorder::callback);
    }

    HINTERNET created(DWORD_PTR context) const { return created_with(recorder_, context); }

    // Exactly one HANDLE_CLOSING, the last notification of `handle`; a REQUEST_COMPLETE
    // {0, 12017} before it when `cancelled_call`.
    void expect_closed_once(HINTERNET handle, bool cancelled_call) {
        ASSERT_TRUE(recorder_.wait_for(INTERNET_STATUS_HANDLE_CLOSING, handle, 10s)) << "no HANDLE_CLOSING";
        auto statuses = recorder_.statuses(handle);
        EXPECT_EQ(std::count(statuses.begin(), statuses.end(), INTERNET_STATUS_HANDLE_CLOSING), 1) << describe(statuses);
        EXPECT_EQ(statuses.back(), static_cast<DWORD>(INTERNET_STATUS_HANDLE_CLOSING)) << describe(statuses);
        if (!cancelled_call) return;
        std::vector<Notification> completions;
        for (const auto& e : recorder_.events())
            if (e.handle == handle && e.status == INTERNET_STATUS_REQUEST_COMPLETE) completions.push_back(e);
        ASSERT_FALSE(completions.empty()) << "the cancelled call never completed";
        const auto& last = completions.back();
        EXPECT_EQ(last.result, 0u);
        EXPECT_EQ(last.error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
    }

    Recorder recorder_;
    InetHandle session_;
    TempDir scratch_{"ftp-cancel-async"};
};

TEST_P(CancelFtpAsync, ClosingCompletesTheCallWithCancelledThenHandleClosing) {
    const Stage stage = GetParam();
    ScriptedServer server;
    server.add_script(stalling_script(stage));
    auto upload_source = scratch_.path() / "upload.bin";
    if (stage == Stage::put_file) write_local(upload_source, std::string(kUploadSize, 'u'));
    auto download_target = scratch_.path() / "download.bin";
    std::vector<char> download(1 << 20);
    DWORD got = 0;

    HINTERNET c = nullptr;
    if (!is_login_stage(stage)) {
        ASSERT_EQ(ftp_connect(session_, server, INTERNET_FLAG_PASSIVE, kConnectContext), nullptr);
        ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
        auto connected = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, nullptr, 10s);
        ASSERT_TRUE(connected);
        ASSERT_EQ(connected->error, 0u);
        c = reinterpret_cast<HINTERNET>(connected->result);
    }
    HINTERNET file = nullptr;
    if (stage == Stage::read) {
        ASSERT_EQ(FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, kChildContext), nullptr);
        ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
        file = created(kChildContext);
        ASSERT_TRUE(file);
        auto opened = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, file, 10s);
        ASSERT_TRUE(opened);
        ASSERT_EQ(opened->error, 0u);
    }

    // Start the call: it pends.
    BOOL started = TRUE;
    WIN32_FIND_DATAA find_data{};
    switch (stage) {
    case Stage::greeting:
    case Stage::after_user:
        started = ftp_connect(session_, server, INTERNET_FLAG_PASSIVE, kConnectContext) != nullptr;
        break;
    case Stage::retr_reply:
        started = FtpOpenFileA(c, "f", GENERIC_READ, FTP_TRANSFER_TYPE_BINARY, kChildContext) != nullptr;
        break;
    case Stage::listing: started = FtpFindFirstFileA(c, "*", &find_data, 0, kChildContext) != nullptr; break;
    case Stage::read:
        started = InternetReadFile(file, download.data(), static_cast<DWORD>(download.size()), &got);
        break;
    case Stage::get_file:
        started = FtpGetFileA(c, "f", download_target.c_str(), FALSE, FILE_ATTRIBUTE_NORMAL, FTP_TRANSFER_TYPE_BINARY,
                              kCallContext);
        break;
    case Stage::put_file:
        started = FtpPutFileA(c, upload_source.c_str(), "up", FTP_TRANSFER_TYPE_BINARY, kCallContext);
        break;
    case Stage::write: GTEST_SKIP() << "InternetWriteFile never pends (it waits in the call, as for HTTP)";
    }
    ASSERT_FALSE(started);
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    ASSERT_TRUE(reached(server, stage)) << "the call never reached its stage";
    if (is_login_stage(stage)) c = created(kConnectContext);
    ASSERT_TRUE(c);
    HINTERNET child = (stage == Stage::retr_reply || stage == Stage::listing) ? created(kChildContext) : file;
    if (stage == Stage::retr_reply || stage == Stage::listing) ASSERT_TRUE(child);

    // The handle whose call pends, and the one closed: a child's own handle for listing and
    // read, the connection (closing its child too) for the others.
    HINTERNET pending_on = (stage == Stage::retr_reply || stage == Stage::listing || stage == Stage::read) ? child : c;
    HINTERNET target = (stage == Stage::listing || stage == Stage::read) ? child : c;
    auto statuses = recorder_.statuses(pending_on);
    const auto earlier = static_cast<std::size_t>(
        std::count(statuses.begin(), statuses.end(), INTERNET_STATUS_REQUEST_COMPLETE));
    auto closing = Clock::now();
    ASSERT_TRUE(InternetCloseHandle(target)) << GetLastError();
    auto completion =
        recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, pending_on, kPromptly, earlier + 1);
    ASSERT_TRUE(completion) << "no REQUEST_COMPLETE after the close";
    EXPECT_LT(Clock::now() - closing, kPromptly);
    EXPECT_EQ(completion->result, 0u);
    EXPECT_EQ(completion->error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
    if (target == c && child) {
        // Closing the connection closed the child as well.
        EXPECT_FALSE(InternetCloseHandle(child));
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    }
    if (target != c) ASSERT_TRUE(InternetCloseHandle(c));
    std::this_thread::sleep_for(200ms);  // room for a wrong late notification to show up
    expect_closed_once(pending_on, true);
    if (pending_on != c) expect_closed_once(c, false);
    EXPECT_FALSE(std::filesystem::exists(download_target));
}

using CancelFtpAsyncCallbacks = CancelFtpAsync;

// A callback may close its own handle: closing the connection from inside CONNECTED_TO_SERVER
// cancels the login in progress.
TEST_F(CancelFtpAsyncCallbacks, ClosingFromInsideAConnectCallbackCancelsTheLogin) {
    ScriptedServer server;
    server.add_script(stalling_script(Stage::after_user));
    std::atomic<bool> closed_in_callback{false};
    recorder_.on_notification = [&](const Notification& n) {
        if (n.status == INTERNET_STATUS_CONNECTED_TO_SERVER && !closed_in_callback.exchange(true))
            InternetCloseHandle(n.handle);
    };
    ASSERT_EQ(ftp_connect(session_, server, INTERNET_FLAG_PASSIVE, kConnectContext), nullptr);
    ASSERT_EQ(GetLastError(), static_cast<DWORD>(ERROR_IO_PENDING));
    HINTERNET c = created(kConnectContext);
    ASSERT_TRUE(c);
    auto completion = recorder_.wait_for(INTERNET_STATUS_REQUEST_COMPLETE, c, 10s);
    ASSERT_TRUE(completion);
    EXPECT_TRUE(closed_in_callback);
    EXPECT_EQ(completion->result, 0u);
    EXPECT_EQ(completion->error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
    std::this_thread::sleep_for(200ms);  // room for a wrong late notification to show up
    expect_closed_once(c, true);
    recorder_.on_notification = nullptr;
}

// The same in a synchronous session, where the callback runs on the calling thread inside
// InternetConnect.
TEST_F(CancelFtpSyncChildren, ClosingFromInsideAConnectCallbackFailsTheConnect) {
    ScriptedServer server;
    server.add_script(stalling_script(Stage::after_user));
    std::atomic<bool> closed_in_callback{false};
    recorder_.on_notification = [&](const Notification& n) {
        if (n.status == INTERNET_STATUS_CONNECTED_TO_SERVER && !closed_in_callback.exchange(true))
            InternetCloseHandle(n.handle);
    };
    auto call = std::async(std::launch::async, [&]() -> std::pair<bool, DWORD> {
        HINTERNET h = ftp_connect(session_, server, INTERNET_FLAG_PASSIVE, kConnectContext);
        return {h != nullptr, GetLastError()};
    });
    ASSERT_EQ(call.wait_for(10s), std::future_status::ready) << "the close inside the callback did not end the call";
    auto [ok, error] = call.get();
    EXPECT_TRUE(closed_in_callback);
    EXPECT_FALSE(ok);
    EXPECT_EQ(error, static_cast<DWORD>(ERROR_INTERNET_OPERATION_CANCELLED));
    recorder_.on_notification = nullptr;
}

INSTANTIATE_TEST_SUITE_P(CancelFtpAsyncAt, CancelFtpAsync,
                         ::testing::Values(Stage::greeting, Stage::after_user, Stage::retr_reply, Stage::listing,
                                           Stage::read, Stage::get_file, Stage::put_file),
                         [](const auto& info) { return std::string(stage_name(info.param)); });

}  // namespace
}  // namespace openinet::test
