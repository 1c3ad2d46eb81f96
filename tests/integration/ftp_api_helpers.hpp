// Shared pieces of the FtpApi* suites: a fixture logged in to a real daemon (vsftpd or
// pure-ftpd, passive or active), names unique to the test, and local scratch files.
#pragma once

#include "content.hpp"
#include "ftp_server.hpp"
#include "http_test_helpers.hpp"
#include "net/stream.hpp"
#include "process.hpp"
#include "test_ca.hpp"

#include <openinet/wininet.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace openinet::test {

struct FtpApiConfig {
    FtpDaemon daemon;
    bool passive;
    bool tls = false;
};

inline std::string ftp_config_name(const FtpApiConfig& c) {
    return std::string(c.daemon == FtpDaemon::vsftpd ? "vsftpd" : "pure_ftpd") + (c.tls ? "_tls" : "") +
           (c.passive ? "_passive" : "_active");
}

inline std::string read_local(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
}

inline void write_local(const std::filesystem::path& path, std::string_view content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

inline std::string last_response_text() {
    DWORD error = 0;
    char text[4096];
    DWORD length = sizeof text;
    if (!InternetGetLastResponseInfoA(&error, text, &length)) return "<no response info>";
    return std::string(text, length);
}

class FtpApiFixture : public ::testing::TestWithParam<FtpApiConfig> {
protected:
    void SetUp() override {
        server_ = &shared_ftp_server(GetParam().daemon, GetParam().tls);
        net::set_extra_trust_file(TestCa::instance().ca_cert().string());
        prefix_ = std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
        for (char& c : prefix_)
            if (c == '/') c = '_';
        session_.reset(InternetOpenA("openinet-ftp-test", INTERNET_OPEN_TYPE_DIRECT, nullptr, nullptr, 0));
        ASSERT_TRUE(session_);
    }

    DWORD connect_flags() const {
        return (GetParam().passive ? INTERNET_FLAG_PASSIVE : 0) | (GetParam().tls ? INTERNET_FLAG_SECURE : 0);
    }

    // Logs in and changes to the writable directory.
    HINTERNET connect() {
        HINTERNET h = InternetConnectA(session_, "127.0.0.1", server_->port(), server_->login_user().c_str(),
                                       server_->login_password().c_str(), INTERNET_SERVICE_FTP, connect_flags(), 0);
        EXPECT_TRUE(h) << GetLastError() << " " << last_response_text();
        if (h) EXPECT_TRUE(FtpSetCurrentDirectoryA(h, server_->writable_dir().c_str())) << GetLastError();
        return h;
    }

    // A name unique to this test (relative to the writable directory).
    std::string name(std::string_view suffix) const { return prefix_ + "-" + std::string(suffix); }
    // Its remote path and where the daemon keeps it on disk.
    std::string remote(std::string_view suffix) const {
        std::string dir = server_->writable_dir();
        if (dir.back() != '/') dir += '/';
        return dir + name(suffix);
    }
    std::filesystem::path on_server(std::string_view suffix) const { return server_->local_path(remote(suffix)); }
    std::filesystem::path local(std::string_view suffix) const { return scratch_.path() / name(suffix); }

    FtpServer* server_ = nullptr;
    std::string prefix_;
    InetHandle session_;
    TempDir scratch_{"ftp-api"};
};

inline const FtpApiConfig kFtpApiConfigs[] = {
    {FtpDaemon::vsftpd, true},
    {FtpDaemon::vsftpd, false},
    {FtpDaemon::pure_ftpd, true},
    {FtpDaemon::pure_ftpd, false},
};

}  // namespace openinet::test
