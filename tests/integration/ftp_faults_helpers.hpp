// Shared pieces of the FtpFaults*, AsyncFtp* and CancelFtp* suites: scripted FTP control
// dialogues (login, passive data connections) for the scripted server.
#pragma once

#include "scripted_server.hpp"

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
