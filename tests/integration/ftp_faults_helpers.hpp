// Shared pieces of the FtpFaults*, AsyncFtp* and CancelFtp* suites: scripted FTP control
// dialogues (login, passive data connections) for the scripted server, and WinInet sessions
// with short timeouts that talk to it.
#pragma once

#include "ftp_api_helpers.hpp"
#include "scripted_server.hpp"

#include <openinet/wininet.h>

#include <chrono>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace openinet::test::ftp_script {

using namespace std::chrono_literals;

// The "220" greeting, then a login answered whatever order the client sends USER/PASS/FEAT/
// TYPE/PWD/SYST/OPTS in, up to (and including) the first line that starts with `until`; then
// `rest`, which answers that line.
inline Script after_login(std::string until, Script rest) {
    Script script{step::SendLine{"220 scripted FTP server"}, step::Answer{ftp_login_replies(), std::move(until)}};
    script.insert(script.end(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
    return script;
}

// Replies to ABOR and PWD (and anything of the login set) until the client closes: what a
// client that cut a transfer short needs to get back in step.
inline step::Answer answer_until_close(std::vector<std::pair<std::string, std::string>> extra = {}) {
    auto replies = std::move(extra);
    replies.emplace_back("ABOR", "226 ABOR successful");
    for (auto& reply : ftp_login_replies()) replies.push_back(std::move(reply));
    return step::Answer{std::move(replies), ""};
}

// What a server answers after a transfer was cut short (ABOR: the transfer's 426, then ABOR's
// 226), and the PWD ("/after") that proves the control connection is back in step.
inline step::Answer recovery_answers() {
    return answer_until_close({{"ABOR", "426 Transfer aborted\r\n226 ABOR successful"}, {"PWD", "257 \"/after\""}});
}

// A complete passive download of `payload` answering the line already read (RETR/LIST/…):
// 150, the data connection sends everything and closes, then 226.
inline std::vector<Step> serve_download(std::string payload) {
    return {step::SendLine{"150 Opening BINARY mode data connection"},
            step::DataScript{{step::Send{std::move(payload)}, step::Close{}}}, step::AwaitData{},
            step::SendLine{"226 Transfer complete"}};
}

inline Script operator+(Script script, const std::vector<Step>& more) {
    script.insert(script.end(), more.begin(), more.end());
    return script;
}

inline Script operator+(Script script, Step more) {
    script.push_back(std::move(more));
    return script;
}

}  // namespace openinet::test::ftp_script

namespace openinet::test {

// Every timeout an FTP connection takes from its session: control replies (receive/send),
// data progress (data receive/send) and connects.
inline void set_ftp_timeouts(HINTERNET handle, DWORD milliseconds) {
    for (DWORD option : {INTERNET_OPTION_RECEIVE_TIMEOUT, INTERNET_OPTION_SEND_TIMEOUT,
                         INTERNET_OPTION_DATA_RECEIVE_TIMEOUT, INTERNET_OPTION_DATA_SEND_TIMEOUT,
                         INTERNET_OPTION_CONNECT_TIMEOUT})
        EXPECT_TRUE(InternetSetOptionA(handle, option, &milliseconds, sizeof milliseconds)) << option;
}

// Anonymous login to the scripted server (passive unless told otherwise).
inline HINTERNET ftp_connect(HINTERNET session, const ScriptedServer& server, DWORD flags = INTERNET_FLAG_PASSIVE,
                             DWORD_PTR context = 0) {
    return InternetConnectA(session, "127.0.0.1", server.port(), nullptr, nullptr, INTERNET_SERVICE_FTP, flags,
                            context);
}

}  // namespace openinet::test
