// Session behaviour real daemons cannot be made to show: EPSV refused, a PASV reply naming
// another address, passive mode refused, malformed replies, 421. The control connection is a
// scripted server speaking exact lines.
#include "ftp/session.hpp"

#include "core/engine.hpp"
#include "core/error.hpp"
#include "scripted_server.hpp"

#include <gtest/gtest.h>

#include <future>

namespace openinet::ftp {
namespace {

using namespace std::chrono_literals;
using namespace openinet::test;

// Login as the session does it against a server without FEAT.
Script login_steps() {
    return {step::SendLine{"220 scripted"}, step::ExpectLine{"USER anonymous"}, step::SendLine{"331 password"},
            step::ExpectLine{"PASS "},      step::SendLine{"230 in"},           step::ExpectLine{"FEAT"},
            step::SendLine{"502 no FEAT"}};
}

Script with(Script base, std::initializer_list<Step> more) {
    base.insert(base.end(), more.begin(), more.end());
    return base;
}

std::error_code wait(const std::function<void(Session::Handler)>& start) {
    std::promise<std::error_code> promise;
    auto future = promise.get_future();
    start([&promise](std::error_code ec) { promise.set_value(ec); });
    if (future.wait_for(20s) != std::future_status::ready) {
        ADD_FAILURE() << "operation did not complete";
        return make_error(ERROR_INTERNET_TIMEOUT);
    }
    return future.get();
}

std::shared_ptr<Session> connected_session(const ScriptedServer& control) {
    auto session = Session::create(core::Engine::instance().executor());
    SessionOptions options;
    options.host = "127.0.0.1";
    options.port = control.port();
    options.reply_timeout = 5s;
    EXPECT_FALSE(wait([&](auto done) { session->connect(options, {}, done); }));
    return session;
}

std::string pasv_reply(const std::string& address_commas, std::uint16_t port) {
    return "227 Entering Passive Mode (" + address_commas + "," + std::to_string(port / 256) + "," +
           std::to_string(port % 256) + ")";
}

TEST(FtpSessionScripted, EpsvRefusedFallsBackToPasvAndUsesControlPeer) {
    ScriptedServer data;
    data.add_script({step::Send{"scripted payload"}, step::Close{}});
    ScriptedServer control;
    // 127.0.0.2 is loopback too, but nothing listens there: following the reply would fail.
    control.add_script(with(login_steps(), {step::ExpectLine{"TYPE I"}, step::SendLine{"200 binary"},
                                            step::ExpectLine{"EPSV"}, step::SendLine{"500 EPSV unknown"},
                                            step::ExpectLine{"PASV"}, step::SendLine{pasv_reply("127,0,0,2", data.port())},
                                            step::ExpectLine{"RETR file"}, step::SendLine{"150 here it comes"},
                                            step::SendLine{"226 done"}, step::ReadUntilClose{}}));
    auto session = connected_session(control);
    ASSERT_FALSE(wait([&](auto done) { session->open_download("file", TransferType::binary, 0, done); }));
    std::string received;
    char buffer[64];
    for (int guard = 0; guard < 100; ++guard) {
        std::promise<std::pair<std::error_code, std::size_t>> promise;
        session->read(boost::asio::buffer(buffer), [&](std::error_code ec, std::size_t n) { promise.set_value({ec, n}); });
        auto [ec, n] = promise.get_future().get();
        ASSERT_FALSE(ec) << ec.message();
        if (n == 0) break;
        received.append(buffer, n);
    }
    EXPECT_EQ(received, "scripted payload");
    EXPECT_EQ(data.accepted_connections(), 1u);
}

TEST(FtpSessionScripted, PassiveRefusedEverywhere) {
    ScriptedServer control;
    control.add_script(with(login_steps(), {step::ExpectLine{"TYPE A"}, step::SendLine{"200 ascii"},
                                            step::ExpectLine{"EPSV"}, step::SendLine{"502 no"},
                                            step::ExpectLine{"PASV"}, step::SendLine{"502 no either"},
                                            step::ReadUntilClose{}}));
    auto session = connected_session(control);
    std::promise<std::error_code> promise;
    session->list("", FileTime{}, [&](std::error_code ec, std::vector<ListEntry>) { promise.set_value(ec); });
    EXPECT_EQ(promise.get_future().get(), make_error(ERROR_FTP_NO_PASSIVE_MODE));
}

TEST(FtpSessionScripted, MalformedReplyEndsSession) {
    ScriptedServer control;
    control.add_script(with(login_steps(), {step::ExpectLine{"CWD x"}, step::SendLine{"this is not FTP"},
                                            step::ReadUntilClose{}}));
    auto session = connected_session(control);
    EXPECT_EQ(wait([&](auto done) { session->change_directory("x", done); }),
              make_error(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_EQ(wait([&](auto done) { session->change_directory("y", done); }),
              make_error(ERROR_INTERNET_EXTENDED_ERROR));
}

TEST(FtpSessionScripted, ServiceClosingIsExtendedThenDropped) {
    ScriptedServer control;
    control.add_script(with(login_steps(), {step::ExpectLine{"MKD d"}, step::SendLine{"421 shutting down"},
                                            step::Close{}}));
    auto session = connected_session(control);
    EXPECT_EQ(wait([&](auto done) { session->make_directory("d", done); }),
              make_error(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_EQ(session->last_reply().code, 421);
    EXPECT_EQ(wait([&](auto done) { session->make_directory("e", done); }), make_error(ERROR_FTP_DROPPED));
}

TEST(FtpSessionScripted, GreetingRefused) {
    ScriptedServer control;
    control.add_script({step::SendLine{"530 go away"}, step::ReadUntilClose{}});
    auto session = Session::create(core::Engine::instance().executor());
    SessionOptions options;
    options.host = "127.0.0.1";
    options.port = control.port();
    EXPECT_EQ(wait([&](auto done) { session->connect(options, {}, done); }), make_error(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_EQ(session->last_reply().text(), "530 go away\r\n");
}

TEST(FtpSessionScripted, MultiLineRepliesAndPwdQuotes) {
    ScriptedServer control;
    control.add_script({step::SendLine{"220-first"}, step::SendLine{"220 second"}, step::ExpectLine{"USER"},
                        step::SendLine{"230-welcome"}, step::SendLine{"230 no password needed"},
                        step::ExpectLine{"FEAT"}, step::SendLine{"211-Features:"}, step::SendLine{" MLST type*;size*;"},
                        step::SendLine{" EPSV"}, step::SendLine{" REST STREAM"}, step::SendLine{"211 End"},
                        step::ExpectLine{"PWD"}, step::SendLine{"257 \"/a \"\"quoted\"\" dir\" is current"},
                        step::ReadUntilClose{}});
    auto session = connected_session(control);
    auto features = session->features();
    EXPECT_TRUE(features.mlsd);
    EXPECT_TRUE(features.epsv);
    EXPECT_TRUE(features.rest_stream);
    EXPECT_FALSE(features.utf8);
    std::promise<std::pair<std::error_code, std::string>> promise;
    session->print_working_directory([&](std::error_code ec, std::string path) { promise.set_value({ec, path}); });
    auto [ec, path] = promise.get_future().get();
    EXPECT_FALSE(ec);
    EXPECT_EQ(path, "/a \"quoted\" dir");
}

}  // namespace
}  // namespace openinet::ftp
