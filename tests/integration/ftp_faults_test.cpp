// ftp::Session against scripted servers that misbehave on the control or the data connection:
// odd but legal replies, malformed replies, data connections cut mid-transfer, stalls, lost
// control connections. Every case ends in a clear error (or the right data), never a hang and
// never a short file reported as complete when the server said it was not.
//
// (ftp_session_scripted_test.cpp has the first cases: EPSV refused → PASV with the control
// peer's address, passive refused, garbage reply, 421, greeting refused, FEAT/PWD parsing.)
#include "ftp/session.hpp"

#include "content.hpp"
#include "core/engine.hpp"
#include "core/error.hpp"
#include "ftp_faults_helpers.hpp"

#include <gtest/gtest.h>

#include <future>

namespace openinet::ftp {
namespace {

using namespace std::chrono_literals;
using namespace openinet::test;
using namespace openinet::test::ftp_script;
using Clock = std::chrono::steady_clock;

// Far beyond any timeout a test sets: reaching it means a hang.
constexpr auto hang_limit = 20s;
// The reply/data timeout of the stall tests: long enough for a loaded machine to log in within
// it, short enough to keep the suite quick.
constexpr std::chrono::milliseconds short_timeout = 1500ms;
constexpr std::chrono::milliseconds timer_slack = 100ms;

std::error_code wait(const std::function<void(Session::Handler)>& start) {
    std::promise<std::error_code> promise;
    auto future = promise.get_future();
    start([&promise](std::error_code ec) { promise.set_value(ec); });
    if (future.wait_for(hang_limit) != std::future_status::ready) {
        ADD_FAILURE() << "operation did not complete";
        return make_error(ERROR_INTERNET_INTERNAL_ERROR);
    }
    return future.get();
}

SessionOptions options_for(const ScriptedServer& control, std::chrono::milliseconds timeout = 10s) {
    SessionOptions options;
    options.host = "127.0.0.1";
    options.port = control.port();
    options.reply_timeout = timeout;
    options.data_timeout = timeout;
    options.connect_timeout = 10s;
    return options;
}

std::shared_ptr<Session> connected(const ScriptedServer& control, std::chrono::milliseconds timeout = 10s,
                                   bool passive = true) {
    auto session = Session::create(core::Engine::instance().executor());
    auto options = options_for(control, timeout);
    options.passive = passive;
    EXPECT_FALSE(wait([&](auto done) { session->connect(options, {}, done); }));
    return session;
}

struct Download {
    std::string data;
    std::error_code error;  // of the read that ended it (empty: the whole file, confirmed)
};

// Reads until 0 bytes or an error.
Download read_download(Session& session, std::size_t chunk = 8192) {
    Download result;
    std::vector<char> buffer(chunk);
    for (int guard = 0; guard < 100000; ++guard) {
        std::promise<std::pair<std::error_code, std::size_t>> promise;
        auto future = promise.get_future();
        session.read(boost::asio::buffer(buffer), [&](std::error_code ec, std::size_t n) { promise.set_value({ec, n}); });
        if (future.wait_for(hang_limit) != std::future_status::ready) {
            ADD_FAILURE() << "read did not complete";
            result.error = make_error(ERROR_INTERNET_INTERNAL_ERROR);
            return result;
        }
        auto [ec, n] = future.get();
        if (ec) {
            result.error = ec;
            return result;
        }
        if (n == 0) return result;
        result.data.append(buffer.data(), n);
    }
    ADD_FAILURE() << "download never ended";
    return result;
}

std::pair<std::error_code, std::string> pwd(Session& session) {
    std::promise<std::pair<std::error_code, std::string>> promise;
    auto future = promise.get_future();
    session.print_working_directory([&](std::error_code ec, std::string path) { promise.set_value({ec, path}); });
    if (future.wait_for(hang_limit) != std::future_status::ready) {
        ADD_FAILURE() << "PWD did not complete";
        return {make_error(ERROR_INTERNET_INTERNAL_ERROR), {}};
    }
    return future.get();
}

std::error_code code(DWORD value) { return make_error(value); }

bool is_connection_loss(std::error_code ec) {
    return ec == code(ERROR_INTERNET_CONNECTION_ABORTED) || ec == code(ERROR_INTERNET_CONNECTION_RESET);
}

// ---- odd but legal replies --------------------------------------------------------------

TEST(FtpFaults, MultiLineRepliesWithCodeLikeLinesAndMultiLinePreliminary) {
    std::string payload = pattern_bytes(0, 5000);
    ScriptedServer control;
    control.add_script(Script{
        // RFC 959 multi-line: only "<same code><space>" ends it; other codes, the same code
        // with '-', and indented text inside do not.
        step::SendLine{"220-Welcome"}, step::SendLine{"  indented text"}, step::SendLine{"230 another code"},
        step::SendLine{"220-same code, dash"}, step::SendLine{"220"},  // bare code: the last line
        step::Answer{ftp_login_replies(), "EPSV"}, step::PassiveReply{}, step::ExpectLine{"RETR big"},
        step::Send{"125-Data connection already open;\r\n transfer starting\r\n125 go\r\n"},
        step::DataScript{{step::Send{payload}, step::Close{}}}, step::AwaitData{},
        step::Send{"226-Transfer complete\r\n226-5000 bytes\r\n226 bye\r\n"},
        answer_until_close({{"PWD", "257 \"/after\""}})});
    auto session = connected(control);
    ASSERT_FALSE(wait([&](auto done) { session->open_download("big", TransferType::binary, 0, done); }));
    auto download = read_download(*session);
    EXPECT_FALSE(download.error) << download.error.message();
    EXPECT_EQ(download.data, payload);
    auto last = session->last_reply();
    EXPECT_EQ(last.code, 226);
    EXPECT_EQ(last.lines.size(), 3u);
    // The stream is still in step: the next reply belongs to the next command.
    EXPECT_EQ(pwd(*session), std::make_pair(std::error_code{}, std::string("/after")));
}

TEST(FtpFaults, CompletionWithoutPreliminaryReply) {
    std::string payload = "no 150 came first\r\n";
    ScriptedServer control;
    control.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"},
                                            step::DataScript{{step::Send{payload}, step::Close{}}}, step::AwaitData{},
                                            step::SendLine{"226 done without 150"},
                                            answer_until_close({{"PWD", "257 \"/\""}})}));
    auto session = connected(control);
    ASSERT_FALSE(wait([&](auto done) { session->open_download("f", TransferType::binary, 0, done); }));
    auto download = read_download(*session);
    EXPECT_FALSE(download.error) << download.error.message();
    EXPECT_EQ(download.data, payload);
    EXPECT_FALSE(pwd(*session).first);
}

TEST(FtpFaults, EpsvRefusalIsRememberedAndPasvReplyWithoutParentheses) {
    ScriptedServer control;
    // RFC 1123 asks clients to find the numbers anywhere in the 227 text.
    step::PassiveReply bare{step::PassiveReply::pasv, "227 =127,0,0,1,{p1},{p2}"};
    control.add_script(after_login("EPSV", Script{step::SendLine{"500 EPSV not understood"}, step::ExpectLine{"PASV"},
                                                  bare, step::ExpectLine{"RETR a"}} +
                                               serve_download("first") +
                                               Script{step::ExpectLine{"PASV"}, bare, step::ExpectLine{"RETR b"}} +
                                               serve_download("second") + answer_until_close()));
    auto session = connected(control);
    for (std::string name : {"a", "b"}) {
        ASSERT_FALSE(wait([&](auto done) { session->open_download(name, TransferType::binary, 0, done); }));
        auto download = read_download(*session);
        EXPECT_FALSE(download.error) << download.error.message();
        EXPECT_EQ(download.data, name == "a" ? "first" : "second");
    }
    auto lines = control.connections().at(0).lines;
    EXPECT_EQ(std::count(lines.begin(), lines.end(), "EPSV"), 1);
}

TEST(FtpFaults, EpsvWithAnotherDelimiter) {
    ScriptedServer control;
    control.add_script(after_login("EPSV", Script{step::PassiveReply{step::PassiveReply::epsv,
                                                                     "229 Entering Extended Passive Mode (!!!{port}!)"},
                                                  step::ExpectLine{"RETR f"}} +
                                               serve_download("delimited") + answer_until_close()));
    auto session = connected(control);
    ASSERT_FALSE(wait([&](auto done) { session->open_download("f", TransferType::binary, 0, done); }));
    EXPECT_EQ(read_download(*session).data, "delimited");
}

TEST(FtpFaults, ActiveModeEprtRefusedFallsBackToPort) {
    std::string payload = pattern_bytes(0, 70000);
    ScriptedServer control;
    control.add_script(after_login("EPRT", Script{step::SendLine{"500 EPRT not understood"}, step::ExpectLine{"PORT "},
                                                  step::ActiveTarget{}, step::SendLine{"200 PORT ok"},
                                                  step::ExpectLine{"RETR f"}} +
                                               serve_download(payload) + answer_until_close()));
    auto session = connected(control, 10s, /*passive=*/false);
    ASSERT_FALSE(wait([&](auto done) { session->open_download("f", TransferType::binary, 0, done); }));
    auto download = read_download(*session);
    EXPECT_FALSE(download.error) << download.error.message();
    EXPECT_EQ(download.data, payload);
}

// ---- malformed replies ------------------------------------------------------------------

TEST(FtpFaults, MalformedRepliesEndTheSessionWithExtendedError) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"overlong line", "250 " + std::string(9000, 'x') + "\r\n"},
        {"NUL byte", std::string("250 ok\0hidden\r\n", 15)},
        {"code out of range", "700 seven hundred\r\n"},
        {"two-digit code", "25 short\r\n"},
        {"four-digit code", "2500 long\r\n"},
    };
    for (const auto& [name, reply] : cases) {
        SCOPED_TRACE(name);
        ScriptedServer control;
        control.add_script(after_login("CWD x", {step::Send{reply}, step::ReadUntilClose{}}));
        auto session = connected(control);
        EXPECT_EQ(wait([&](auto done) { session->change_directory("x", done); }), code(ERROR_INTERNET_EXTENDED_ERROR));
        // The byte stream is out of step: the session is over and says so again.
        EXPECT_EQ(wait([&](auto done) { session->change_directory("y", done); }), code(ERROR_INTERNET_EXTENDED_ERROR));
        // ... and it closed the control connection.
        EXPECT_TRUE(control.wait_until_finished());
    }
}

TEST(FtpFaults, UnexpectedCodeIsARefusalAndTheSessionGoesOn) {
    ScriptedServer control;
    control.add_script(after_login("CWD x", {step::SendLine{"331 a password? for CWD?"},
                                             step::Answer{ftp_login_replies(), "EPSV"},
                                             step::PassiveReply{}, step::ExpectLine{"RETR missing"},
                                             step::SendLine{"550 missing: No such file"},
                                             answer_until_close({{"PWD", "257 \"/still\""}})}));
    auto session = connected(control);
    EXPECT_EQ(wait([&](auto done) { session->change_directory("x", done); }), code(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_EQ(session->last_reply().code, 331);
    EXPECT_EQ(wait([&](auto done) { session->open_download("missing", TransferType::binary, 0, done); }),
              code(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_EQ(session->last_reply().text(), "550 missing: No such file\r\n");
    EXPECT_FALSE(session->transfer_open());
    EXPECT_EQ(pwd(*session), std::make_pair(std::error_code{}, std::string("/still")));
}

// ---- the data connection ends early -----------------------------------------------------

TEST(FtpFaults, DataClosedEarlyAnd426FailsTheDownload) {
    std::string payload = pattern_bytes(0, 100000);
    ScriptedServer control;
    control.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::SendLine{"150 go"},
                                            step::DataScript{{step::DropAfter{payload, 30000}}}, step::AwaitData{},
                                            step::SendLine{"426 Connection closed; transfer aborted"},
                                            answer_until_close({{"PWD", "257 \"/\""}})}));
    auto session = connected(control);
    ASSERT_FALSE(wait([&](auto done) { session->open_download("f", TransferType::binary, 0, done); }));
    auto download = read_download(*session);
    // The bytes that came are delivered, but the end is an error, not "complete".
    EXPECT_EQ(download.data, payload.substr(0, 30000));
    EXPECT_EQ(download.error, code(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_EQ(session->last_reply().code, 426);
    EXPECT_FALSE(session->transfer_open());
    EXPECT_FALSE(pwd(*session).first);
}

TEST(FtpFaults, DataResetMidTransferFailsTheDownloadAndTheSessionRecovers) {
    std::string payload = pattern_bytes(0, 100000);
    ScriptedServer control;
    control.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::SendLine{"150 go"},
                                            step::DataScript{{step::DropAfter{payload, 30000, /*reset=*/true}}},
                                            step::AwaitData{}, step::SendLine{"426 Connection reset"},
                                            answer_until_close({{"PWD", "257 \"/\""}})}));
    auto session = connected(control);
    ASSERT_FALSE(wait([&](auto done) { session->open_download("f", TransferType::binary, 0, done); }));
    auto download = read_download(*session);
    EXPECT_TRUE(is_connection_loss(download.error)) << download.error.message();
    // An RST may discard bytes not yet read, never invent any.
    EXPECT_LE(download.data.size(), 30000u);
    EXPECT_EQ(download.data, payload.substr(0, download.data.size()));
    EXPECT_FALSE(session->transfer_open());
    EXPECT_EQ(pwd(*session), std::make_pair(std::error_code{}, std::string("/")));
}

// Stream mode marks the end of a file only by closing the data connection; when the server
// then confirms with 226, a cut is indistinguishable from the end (WinInet has the same limit).
// What must hold: exactly the bytes that came, nothing invented, no hang, the session in step.
TEST(FtpFaults, DataClosedEarlyButConfirmedBy226IsWhatTheServerSaid) {
    std::string payload = pattern_bytes(0, 100000);
    ScriptedServer control;
    control.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::SendLine{"150 go"},
                                            step::DataScript{{step::DropAfter{payload, 12345}}}, step::AwaitData{},
                                            step::SendLine{"226 Transfer complete"},
                                            answer_until_close({{"PWD", "257 \"/\""}})}));
    auto session = connected(control);
    ASSERT_FALSE(wait([&](auto done) { session->open_download("f", TransferType::binary, 0, done); }));
    auto download = read_download(*session);
    EXPECT_FALSE(download.error);
    EXPECT_EQ(download.data, payload.substr(0, 12345));
    EXPECT_FALSE(pwd(*session).first);
}

TEST(FtpFaults, DataEndsButNoFinalReplyTimesOut) {
    ScriptedServer control;
    control.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::SendLine{"150 go"},
                                            step::DataScript{{step::Send{"all of it"}, step::Close{}}},
                                            step::AwaitData{}, step::ReadUntilClose{}}));
    auto session = connected(control, short_timeout);
    ASSERT_FALSE(wait([&](auto done) { session->open_download("f", TransferType::binary, 0, done); }));
    auto started = Clock::now();
    auto download = read_download(*session);
    EXPECT_EQ(download.data, "all of it");
    EXPECT_EQ(download.error, code(ERROR_INTERNET_TIMEOUT));
    EXPECT_GE(Clock::now() - started, short_timeout - timer_slack);  // the reply timeout, not something quicker
    // A reply timeout ends the session.
    EXPECT_EQ(pwd(*session).first, code(ERROR_INTERNET_TIMEOUT));
}

// ---- stalls -----------------------------------------------------------------------------

TEST(FtpFaults, NoGreetingTimesOut) {
    ScriptedServer control;
    control.add_script({step::ReadUntilClose{}});
    auto session = Session::create(core::Engine::instance().executor());
    auto started = Clock::now();
    EXPECT_EQ(wait([&](auto done) { session->connect(options_for(control, short_timeout), {}, done); }),
              code(ERROR_INTERNET_TIMEOUT));
    EXPECT_GE(Clock::now() - started, short_timeout - timer_slack);
}

TEST(FtpFaults, NoReplyAfterUserTimesOut) {
    ScriptedServer control;
    control.add_script({step::SendLine{"220 hello"}, step::ExpectLine{"USER"}, step::ReadUntilClose{}});
    auto session = Session::create(core::Engine::instance().executor());
    EXPECT_EQ(wait([&](auto done) { session->connect(options_for(control, short_timeout), {}, done); }),
              code(ERROR_INTERNET_TIMEOUT));
}

TEST(FtpFaults, NoReplyAfterRetrTimesOutAndEndsTheSession) {
    ScriptedServer control;
    control.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::ReadUntilClose{}}));
    auto session = connected(control, short_timeout);
    auto started = Clock::now();
    EXPECT_EQ(wait([&](auto done) { session->open_download("f", TransferType::binary, 0, done); }),
              code(ERROR_INTERNET_TIMEOUT));
    EXPECT_GE(Clock::now() - started, short_timeout - timer_slack);
    EXPECT_EQ(pwd(*session).first, code(ERROR_INTERNET_TIMEOUT));
}

TEST(FtpFaults, DataStallMidTransferTimesOutAndTheSessionRecovers) {
    std::string payload = pattern_bytes(0, 4000);
    ScriptedServer control;
    control.add_script(after_login(
        "EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::SendLine{"150 go"},
                 step::DataScript{{step::Send{payload}, step::Stall{step::forever}}},
                 answer_until_close({{"ABOR", "426 Transfer aborted\r\n226 ABOR successful"}, {"PWD", "257 \"/\""}})}));
    auto session = connected(control, short_timeout);
    ASSERT_FALSE(wait([&](auto done) { session->open_download("f", TransferType::binary, 0, done); }));
    auto started = Clock::now();
    auto download = read_download(*session);
    EXPECT_EQ(download.data, payload);
    EXPECT_EQ(download.error, code(ERROR_INTERNET_TIMEOUT));
    EXPECT_GE(Clock::now() - started, short_timeout - timer_slack);
    // A data timeout is not fatal: ABOR put the control connection back in step.
    EXPECT_EQ(pwd(*session), std::make_pair(std::error_code{}, std::string("/")));
    auto lines = control.connections().at(0).lines;
    EXPECT_NE(std::find(lines.begin(), lines.end(), "ABOR"), lines.end());
}

TEST(FtpFaults, DataNeverSendsTimesOut) {
    ScriptedServer control;
    control.add_script(after_login(
        "EPSV", {step::PassiveReply{}, step::ExpectLine{"LIST"}, step::SendLine{"150 listing"},
                 step::DataScript{{step::Stall{step::forever}}},
                 answer_until_close({{"ABOR", "426 Transfer aborted\r\n226 ABOR successful"}})}));
    auto session = connected(control, short_timeout);
    std::promise<std::error_code> listed;
    session->list("", FileTime{}, [&](std::error_code ec, std::vector<ListEntry>) { listed.set_value(ec); });
    auto future = listed.get_future();
    ASSERT_EQ(future.wait_for(hang_limit), std::future_status::ready);
    EXPECT_EQ(future.get(), code(ERROR_INTERNET_TIMEOUT));
}

// ---- the control connection is lost ------------------------------------------------------

TEST(FtpFaults, ControlClosedBeforeTheFinalReplyIsDropped) {
    ScriptedServer control;
    control.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"}, step::SendLine{"150 go"},
                                            step::DataScript{{step::Send{"whole"}, step::Close{}}}, step::AwaitData{},
                                            step::Close{}}));
    auto session = connected(control);
    ASSERT_FALSE(wait([&](auto done) { session->open_download("f", TransferType::binary, 0, done); }));
    auto download = read_download(*session);
    EXPECT_EQ(download.data, "whole");
    EXPECT_EQ(download.error, code(ERROR_FTP_DROPPED));
    EXPECT_EQ(pwd(*session).first, code(ERROR_FTP_DROPPED));
}

TEST(FtpFaults, ControlClosedOrResetInsteadOfAReply) {
    for (bool reset : {false, true}) {
        SCOPED_TRACE(reset ? "reset" : "closed");
        ScriptedServer control;
        control.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"RETR f"},
                                                reset ? Step{step::Reset{}} : Step{step::Close{}}}));
        auto session = connected(control);
        EXPECT_EQ(wait([&](auto done) { session->open_download("f", TransferType::binary, 0, done); }),
                  code(ERROR_FTP_DROPPED));
        EXPECT_FALSE(session->transfer_open());
    }
}

TEST(FtpFaults, ControlResetWhileIdleIsDroppedOnTheNextCommand) {
    ScriptedServer control;
    control.add_script({step::SendLine{"220 hi"}, step::Answer{ftp_login_replies(), "FEAT"},
                        step::SendLine{"502 no"}, step::Reset{}});
    auto session = connected(control);
    ASSERT_TRUE(control.wait_until_finished());
    EXPECT_EQ(wait([&](auto done) { session->change_directory("x", done); }), code(ERROR_FTP_DROPPED));
}

// ---- uploads ----------------------------------------------------------------------------

std::error_code write_all(Session& session, const std::string& data, std::size_t chunk) {
    for (std::size_t offset = 0; offset < data.size(); offset += chunk) {
        std::promise<std::error_code> promise;
        auto future = promise.get_future();
        std::size_t n = std::min(chunk, data.size() - offset);
        session.write(boost::asio::buffer(data.data() + offset, n), [&](std::error_code ec, std::size_t) {
            promise.set_value(ec);
        });
        if (future.wait_for(hang_limit) != std::future_status::ready) {
            ADD_FAILURE() << "write did not complete";
            return make_error(ERROR_INTERNET_INTERNAL_ERROR);
        }
        if (auto ec = future.get()) return ec;
    }
    return {};
}

TEST(FtpFaults, UploadArrivesWholeAndAFinalRefusalFailsIt) {
    std::string payload = pattern_bytes(0, 300000);
    ScriptedServer control;
    control.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"STOR up"}, step::SendLine{"150 ok"},
                                            step::DataScript{{step::ReadUntilClose{}}}, step::AwaitData{},
                                            step::SendLine{"452 Insufficient storage space"},
                                            answer_until_close({{"PWD", "257 \"/\""}})}));
    auto session = connected(control);
    ASSERT_FALSE(wait([&](auto done) { session->open_upload("up", TransferType::binary, done); }));
    ASSERT_FALSE(write_all(*session, payload, 65536));
    EXPECT_EQ(wait([&](auto done) { session->finish_upload(done); }), code(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_EQ(session->last_reply().code, 452);
    // The 452 came after the data script had read the upload to its end.
    ASSERT_EQ(control.data_connections().size(), 1u);
    EXPECT_TRUE(control.data_connections()[0].received == payload)
        << control.data_connections()[0].received.size() << " bytes arrived";
    EXPECT_FALSE(pwd(*session).first);
}

TEST(FtpFaults, UploadDataResetFailsAWrite) {
    std::string payload = pattern_bytes(0, 32 * 1024 * 1024);
    ScriptedServer control;
    control.add_script(after_login("EPSV", {step::PassiveReply{}, step::ExpectLine{"STOR up"}, step::SendLine{"150 ok"},
                                            step::DataScript{{step::ReadBytes{1000}, step::Reset{}}}, step::AwaitData{},
                                            step::SendLine{"426 Connection reset"},
                                            answer_until_close({{"PWD", "257 \"/\""}})}));
    auto session = connected(control);
    ASSERT_FALSE(wait([&](auto done) { session->open_upload("up", TransferType::binary, done); }));
    auto ec = write_all(*session, payload, 65536);
    EXPECT_TRUE(is_connection_loss(ec)) << ec.message();
    EXPECT_FALSE(session->transfer_open());
    EXPECT_EQ(pwd(*session), std::make_pair(std::error_code{}, std::string("/")));
}

}  // namespace
}  // namespace openinet::ftp
