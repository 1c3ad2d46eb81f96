// The FTP protocol session against real daemons (vsftpd, pure-ftpd; plain and explicit TLS;
// passive and active data connections).
#include "ftp/session.hpp"

#include "content.hpp"
#include "core/engine.hpp"
#include "core/error.hpp"
#include "ftp_server.hpp"
#include "net/stream.hpp"
#include "test_ca.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

namespace openinet::ftp {
namespace {

using namespace std::chrono_literals;
using test::FtpDaemon;
using test::FtpServer;

constexpr auto operation_limit = 120s;

// Runs one session operation and waits (bounded) for its handler.
template <class... Results, class Start>
std::tuple<std::error_code, Results...> wait_for(Start start) {
    auto promise = std::make_shared<std::promise<std::tuple<std::error_code, Results...>>>();
    auto future = promise->get_future();
    auto delivered = std::make_shared<std::atomic<int>>(0);
    start([promise, delivered](std::error_code ec, Results... results) {
        // A handler running twice would break the session's contract.
        EXPECT_EQ(delivered->fetch_add(1), 0);
        if (*delivered == 1) promise->set_value({ec, std::move(results)...});
    });
    if (future.wait_for(operation_limit) != std::future_status::ready) {
        ADD_FAILURE() << "operation did not complete";
        return {make_error(ERROR_INTERNET_TIMEOUT), Results{}...};
    }
    return future.get();
}

std::error_code run(const std::function<void(Session::Handler)>& start) {
    return std::get<0>(wait_for<>([&](auto done) { start([done](std::error_code ec) { done(ec); }); }));
}

struct Config {
    FtpDaemon daemon;
    bool tls;
    bool passive;
};

std::string name_of(const Config& c) {
    return std::string(c.daemon == FtpDaemon::vsftpd ? "vsftpd" : "pure_ftpd") + (c.tls ? "_tls" : "") +
           (c.passive ? "_passive" : "_active");
}

class FtpSessionTest : public ::testing::TestWithParam<Config> {
protected:
    void SetUp() override {
        server_ = &test::shared_ftp_server(GetParam().daemon, GetParam().tls);
        net::set_extra_trust_file(test::TestCa::instance().ca_cert().string());
        prefix_ = std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
        for (char& c : prefix_)
            if (c == '/') c = '_';
        session_ = Session::create(core::Engine::instance().executor());
    }
    void TearDown() override { session_.reset(); }

    SessionOptions options() const {
        SessionOptions o;
        o.host = "127.0.0.1";
        o.port = server_->port();
        o.user = server_->login_user();
        o.password = server_->login_password();
        o.explicit_tls = GetParam().tls;
        o.passive = GetParam().passive;
        o.connect_timeout = 10s;
        o.reply_timeout = 30s;
        o.data_timeout = 30s;
        return o;
    }

    void connect() {
        auto ec = run([&](auto done) { session_->connect(options(), {}, done); });
        ASSERT_FALSE(ec) << ec.message() << " " << session_->last_reply().text();
        ASSERT_FALSE(run([&](auto done) { session_->change_directory(server_->writable_dir(), done); }));
    }

    std::string remote(std::string_view name) const {
        std::string dir = server_->writable_dir();
        if (dir.back() != '/') dir += '/';
        return dir + prefix_ + "-" + std::string(name);
    }

    std::string download(const std::string& path, TransferType type, std::uint64_t offset = 0) {
        EXPECT_FALSE(run([&](auto done) { session_->open_download(path, type, offset, done); }));
        std::string received;
        std::vector<char> buffer(65536);
        for (int guard = 0; guard < 1000000; ++guard) {
            auto [ec, n] = wait_for<std::size_t>([&](auto done) {
                session_->read(boost::asio::buffer(buffer), done);
            });
            EXPECT_FALSE(ec) << ec.message();
            if (ec || n == 0) break;
            received.append(buffer.data(), n);
        }
        EXPECT_FALSE(session_->transfer_open());
        return received;
    }

    void upload(const std::string& path, std::string_view content, TransferType type) {
        ASSERT_FALSE(run([&](auto done) { session_->open_upload(path, type, done); }));
        for (std::size_t at = 0; at < content.size();) {
            std::size_t piece = std::min<std::size_t>(65536, content.size() - at);
            auto [ec, n] = wait_for<std::size_t>([&](auto done) {
                session_->write(boost::asio::buffer(content.data() + at, piece), done);
            });
            ASSERT_FALSE(ec) << ec.message();
            ASSERT_EQ(n, piece);
            at += n;
        }
        auto ec = run([&](auto done) { session_->finish_upload(done); });
        ASSERT_FALSE(ec) << ec.message() << " " << session_->last_reply().text();
    }

    FtpServer* server_ = nullptr;
    std::string prefix_;
    std::shared_ptr<Session> session_;
};

TEST_P(FtpSessionTest, LoginAndWorkingDirectory) {
    connect();
    auto [ec, path] = wait_for<std::string>([&](auto done) { session_->print_working_directory(done); });
    ASSERT_FALSE(ec);
    EXPECT_EQ(path, server_->writable_dir());
    EXPECT_EQ(session_->last_reply().code, 257);
    EXPECT_TRUE(session_->features().size);
    EXPECT_EQ(session_->features().mlsd, GetParam().daemon == FtpDaemon::pure_ftpd);
}

TEST_P(FtpSessionTest, BadLoginIsLoginFailure) {
    auto o = options();
    if (GetParam().daemon == FtpDaemon::vsftpd) o.user = "openinet";   // anonymous only
    else o.password = "wrong-password";
    auto ec = run([&](auto done) { session_->connect(o, {}, done); });
    EXPECT_EQ(ec, make_error(ERROR_INTERNET_LOGIN_FAILURE));
    EXPECT_EQ(session_->last_reply().code, 530);
    // The session is finished: later operations fail without a server.
    EXPECT_EQ(run([&](auto done) { session_->change_directory("/", done); }),
              make_error(ERROR_INTERNET_LOGIN_FAILURE));
}

TEST_P(FtpSessionTest, ServerRefusalKeepsReplyText) {
    connect();
    auto ec = run([&](auto done) { session_->change_directory("/does-not-exist-" + prefix_, done); });
    EXPECT_EQ(ec, make_error(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_EQ(session_->last_reply().code, 550);
    EXPECT_FALSE(session_->last_reply().text().empty());
    // A refusal does not end the session.
    EXPECT_FALSE(run([&](auto done) { session_->change_directory(server_->writable_dir(), done); }));
}

TEST_P(FtpSessionTest, ListingMatchesFiles) {
    server_->add_file(prefix_ + "-dir/a.txt", "hello");
    server_->add_file(prefix_ + "-dir/with space.bin", std::string(12345, 'x'));
    std::string dir = remote("dir");
    // 2024-03-05 10:20:30 UTC: older than six months, so LIST shows the year form.
    server_->set_mtime(dir + "/a.txt", 1709634030);
    server_->set_mtime(dir + "/with space.bin", 1709634030);
    std::filesystem::create_directory(server_->local_path(dir + "/sub"));
    connect();
    auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    auto [ec, entries] = wait_for<std::vector<ListEntry>>([&](auto done) { session_->list(dir, now, done); });
    ASSERT_FALSE(ec) << ec.message() << session_->last_reply().text();
    ASSERT_EQ(entries.size(), 3u);
    std::sort(entries.begin(), entries.end(), [](auto& a, auto& b) { return a.name < b.name; });
    EXPECT_EQ(entries[0].name, "a.txt");
    EXPECT_EQ(entries[0].size, 5u);
    EXPECT_EQ(entries[1].name, "sub");
    EXPECT_TRUE(entries[1].is_directory);
    EXPECT_EQ(entries[2].name, "with space.bin");
    EXPECT_EQ(entries[2].size, 12345u);
    EXPECT_FALSE(entries[2].is_directory);
    using namespace std::chrono;
    FileTime expected{seconds{1709634030}};
    ASSERT_TRUE(entries[0].modified.has_value());
    if (session_->features().mlsd) EXPECT_EQ(*entries[0].modified, expected);
    else EXPECT_EQ(floor<days>(*entries[0].modified), floor<days>(expected));   // LIST: the day only
    // The session is free again after a listing.
    EXPECT_FALSE(session_->transfer_open());
    EXPECT_FALSE(run([&](auto done) { session_->change_directory(dir, done); }));
}

TEST_P(FtpSessionTest, BinaryAndTextRoundTrips) {
    connect();
    std::string binary = test::pattern_bytes(0, 3 * 65536 + 17);
    std::string text = test::text_bytes(0, 100000);
    upload(remote("up.bin"), binary, TransferType::binary);
    upload(remote("up.txt"), text, TransferType::ascii);
    EXPECT_TRUE(test::read_file(server_->local_path(remote("up.bin"))) == binary);
    std::string stored_text = test::read_file(server_->local_path(remote("up.txt")));
    EXPECT_EQ(stored_text.size(), text.size());
    EXPECT_TRUE(stored_text == text) << stored_text.substr(0, 200);
    EXPECT_TRUE(download(remote("up.bin"), TransferType::binary) == binary);
    // TYPE A data is passed on as the server sends it: pure-ftpd sends network ASCII (CRLF),
    // vsftpd (ascii_download_enable=NO, its default) the stored bytes.
    std::string text_as_sent = text;
    if (GetParam().daemon == FtpDaemon::pure_ftpd) {
        text_as_sent.clear();
        for (char c : text) {
            if (c == '\n') text_as_sent += '\r';
            text_as_sent += c;
        }
    }
    EXPECT_TRUE(download(remote("up.txt"), TransferType::ascii) == text_as_sent);
    auto [ec, size] = wait_for<std::uint64_t>([&](auto done) { session_->file_size(remote("up.bin"), done); });
    EXPECT_FALSE(ec);
    EXPECT_EQ(size, binary.size());
    // An empty file.
    upload(remote("empty"), "", TransferType::binary);
    EXPECT_EQ(download(remote("empty"), TransferType::binary), "");
}

TEST_P(FtpSessionTest, RenameDeleteAndDirectories) {
    connect();
    server_->add_file(prefix_ + "-old", "content");
    EXPECT_FALSE(run([&](auto done) { session_->rename(remote("old"), remote("new"), done); }));
    EXPECT_FALSE(std::filesystem::exists(server_->local_path(remote("old"))));
    EXPECT_EQ(test::read_file(server_->local_path(remote("new"))), "content");
    EXPECT_FALSE(run([&](auto done) { session_->delete_file(remote("new"), done); }));
    EXPECT_FALSE(std::filesystem::exists(server_->local_path(remote("new"))));
    EXPECT_EQ(run([&](auto done) { session_->delete_file(remote("new"), done); }),
              make_error(ERROR_INTERNET_EXTENDED_ERROR));
    EXPECT_EQ(run([&](auto done) { session_->rename(remote("missing"), remote("x"), done); }),
              make_error(ERROR_INTERNET_EXTENDED_ERROR));

    EXPECT_FALSE(run([&](auto done) { session_->make_directory(remote("made"), done); }));
    EXPECT_TRUE(std::filesystem::is_directory(server_->local_path(remote("made"))));
    EXPECT_FALSE(run([&](auto done) { session_->change_directory(remote("made"), done); }));
    auto [ec, path] = wait_for<std::string>([&](auto done) { session_->print_working_directory(done); });
    EXPECT_FALSE(ec);
    EXPECT_EQ(path, remote("made"));
    EXPECT_FALSE(run([&](auto done) { session_->change_directory("..", done); }));
    EXPECT_FALSE(run([&](auto done) { session_->remove_directory(remote("made"), done); }));
    EXPECT_FALSE(std::filesystem::exists(server_->local_path(remote("made"))));
}

TEST_P(FtpSessionTest, ResumeAtOffset) {
    std::string path = server_->add_pattern_file(prefix_ + "-resume.bin", 1000000);
    connect();
    std::string tail = download(path, TransferType::binary, 654321);
    ASSERT_EQ(tail.size(), 1000000u - 654321u);
    EXPECT_EQ(test::first_pattern_mismatch(654321, tail), std::nullopt);
    auto [ec, modified] = wait_for<FileTime>([&](auto done) { session_->modification_time(path, done); });
    EXPECT_FALSE(ec);
}

TEST_P(FtpSessionTest, CommandsRefusedWhileTransferOpen) {
    constexpr std::uint64_t size = 64 * 1024 * 1024;   // more than socket buffers hold
    std::string path = server_->add_pattern_file(prefix_ + "-busy.bin", size);
    connect();
    ASSERT_FALSE(run([&](auto done) { session_->open_download(path, TransferType::binary, 0, done); }));
    EXPECT_TRUE(session_->transfer_open());
    std::vector<char> buffer(4096);
    auto [read_ec, n] = wait_for<std::size_t>([&](auto done) { session_->read(boost::asio::buffer(buffer), done); });
    EXPECT_FALSE(read_ec);
    EXPECT_GT(n, 0u);
    EXPECT_EQ(run([&](auto done) { session_->change_directory("/", done); }),
              make_error(ERROR_FTP_TRANSFER_IN_PROGRESS));
    // Ending the transfer early leaves the session usable.
    EXPECT_FALSE(run([&](auto done) { session_->abort_transfer(done); }));
    EXPECT_FALSE(session_->transfer_open());
    EXPECT_FALSE(run([&](auto done) { session_->change_directory(server_->writable_dir(), done); }));
    EXPECT_EQ(download(path, TransferType::binary, size - 1000).size(), 1000u);
}

TEST_P(FtpSessionTest, CancelMidTransferIsPrompt) {
    std::string path = server_->add_pattern_file(prefix_ + "-cancel.bin", 64 * 1024 * 1024);
    connect();
    ASSERT_FALSE(run([&](auto done) { session_->open_download(path, TransferType::binary, 0, done); }));
    std::vector<char> buffer(4096);
    std::uint64_t total = 0;
    std::error_code failure;
    std::thread canceller;
    auto started = std::chrono::steady_clock::now();
    for (int guard = 0; guard < 100000 && !failure; ++guard) {
        auto [ec, n] = wait_for<std::size_t>([&](auto done) { session_->read(boost::asio::buffer(buffer), done); });
        if (ec) {
            failure = ec;
            break;
        }
        ASSERT_NE(n, 0u) << "the whole file arrived before the cancel";
        total += n;
        if (total >= 1024 * 1024 && !canceller.joinable()) {
            started = std::chrono::steady_clock::now();
            canceller = std::thread([s = session_] { s->cancel(); });
        }
    }
    canceller.join();
    EXPECT_EQ(failure, make_error(ERROR_INTERNET_OPERATION_CANCELLED));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    EXPECT_EQ(run([&](auto done) { session_->change_directory("/", done); }),
              make_error(ERROR_INTERNET_OPERATION_CANCELLED));
}

const Config all_configs[] = {
    {FtpDaemon::vsftpd, false, true},     {FtpDaemon::vsftpd, false, false},
    {FtpDaemon::pure_ftpd, false, true},  {FtpDaemon::pure_ftpd, false, false},
    {FtpDaemon::vsftpd, true, true},      {FtpDaemon::pure_ftpd, true, true},
    {FtpDaemon::vsftpd, true, false},     {FtpDaemon::pure_ftpd, true, false},
};

INSTANTIATE_TEST_SUITE_P(FtpSession, FtpSessionTest, ::testing::ValuesIn(all_configs),
                         [](const auto& info) { return name_of(info.param); });

// ---- behaviour that needs a misbehaving server: a socket that accepts but never greets ------

class SilentListener {
public:
    SilentListener() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd_, 4) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
            throw std::runtime_error("listen failed");
        port_ = ntohs(address.sin_port);
    }
    ~SilentListener() { ::close(fd_); }
    std::uint16_t port() const { return port_; }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

TEST(FtpSessionFailures, NoGreetingTimesOut) {
    SilentListener listener;
    auto session = Session::create(core::Engine::instance().executor());
    SessionOptions o;
    o.host = "127.0.0.1";
    o.port = listener.port();
    o.reply_timeout = 300ms;
    auto started = std::chrono::steady_clock::now();
    auto ec = run([&](auto done) { session->connect(o, {}, done); });
    EXPECT_EQ(ec, make_error(ERROR_INTERNET_TIMEOUT));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(FtpSessionFailures, CancelWhileWaitingForGreeting) {
    SilentListener listener;
    auto session = Session::create(core::Engine::instance().executor());
    SessionOptions o;
    o.host = "127.0.0.1";
    o.port = listener.port();
    std::promise<std::error_code> result;
    session->connect(o, {}, [&](std::error_code ec) { result.set_value(ec); });
    std::this_thread::sleep_for(200ms);
    auto started = std::chrono::steady_clock::now();
    session->cancel();
    auto future = result.get_future();
    ASSERT_EQ(future.wait_for(2s), std::future_status::ready);
    EXPECT_EQ(future.get(), make_error(ERROR_INTERNET_OPERATION_CANCELLED));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST(FtpSessionFailures, ConnectionRefused) {
    std::uint16_t port = test::pick_free_port();
    auto session = Session::create(core::Engine::instance().executor());
    SessionOptions o;
    o.host = "127.0.0.1";
    o.port = port;
    EXPECT_EQ(run([&](auto done) { session->connect(o, {}, done); }), make_error(ERROR_INTERNET_CANNOT_CONNECT));
}

TEST(FtpSessionFailures, ControlConnectionLostIsDropped) {
    FtpServer& server = test::shared_ftp_server(FtpDaemon::pure_ftpd);
    auto session = Session::create(core::Engine::instance().executor());
    SessionOptions o;
    o.host = "127.0.0.1";
    o.port = server.port();
    o.user = server.login_user();
    o.password = server.login_password();
    ASSERT_FALSE(run([&](auto done) { session->connect(o, {}, done); }));
    // QUIT behind the session's back: the server answers 221 and closes the connection.
    auto [ec, reply] = wait_for<Reply>([&](auto done) { session->raw_command("QUIT", done); });
    ASSERT_FALSE(ec);
    EXPECT_EQ(reply.code, 221);
    EXPECT_EQ(run([&](auto done) { session->change_directory("/", done); }), make_error(ERROR_FTP_DROPPED));
    EXPECT_EQ(run([&](auto done) { session->change_directory("/", done); }), make_error(ERROR_FTP_DROPPED));
}

TEST(FtpSessionTls, CertificateCheckedAndWaivable) {
    FtpServer& server = test::shared_ftp_server(FtpDaemon::vsftpd, true);
    SessionOptions o;
    o.host = "127.0.0.1";
    o.port = server.port();
    o.user = server.login_user();
    o.password = server.login_password();
    o.explicit_tls = true;
    net::set_extra_trust_file("");   // the test CA is not trusted now
    auto refused = Session::create(core::Engine::instance().executor());
    EXPECT_EQ(run([&](auto done) { refused->connect(o, {}, done); }), make_error(ERROR_INTERNET_INVALID_CA));

    o.security_flags = SECURITY_FLAG_IGNORE_UNKNOWN_CA;
    auto waived = Session::create(core::Engine::instance().executor());
    auto ec = run([&](auto done) { waived->connect(o, {}, done); });
    net::set_extra_trust_file(test::TestCa::instance().ca_cert().string());
    EXPECT_FALSE(ec) << ec.message();
}

// ---- a large transfer keeps memory flat ---------------------------------------------------

long max_rss_kib() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

TEST(FtpSessionLarge, QuarterGigabyteDownloadWithoutMemoryGrowth) {
    constexpr std::uint64_t size = 256ull * 1024 * 1024;
    FtpServer& server = test::shared_ftp_server(FtpDaemon::vsftpd);
    std::string path = server.add_pattern_file("large-256m.bin", size);
    auto session = Session::create(core::Engine::instance().executor());
    SessionOptions o;
    o.host = "127.0.0.1";
    o.port = server.port();
    o.user = server.login_user();
    o.password = server.login_password();
    ASSERT_FALSE(run([&](auto done) { session->connect(o, {}, done); }));
    long rss_before = max_rss_kib();
    ASSERT_FALSE(run([&](auto done) { session->open_download(path, TransferType::binary, 0, done); }));
    std::vector<char> buffer(256 * 1024);
    std::uint64_t total = 0;
    bool content_ok = true;
    for (int guard = 0; guard < 10000000; ++guard) {
        auto [ec, n] = wait_for<std::size_t>([&](auto done) { session->read(boost::asio::buffer(buffer), done); });
        ASSERT_FALSE(ec) << ec.message();
        if (n == 0) break;
        if (content_ok && test::first_pattern_mismatch(total, std::string_view(buffer.data(), n))) content_ok = false;
        total += n;
    }
    EXPECT_EQ(total, size);
    EXPECT_TRUE(content_ok);
    // No whole-file buffering: the peak grows by far less than the file.
    EXPECT_LT(max_rss_kib() - rss_before, 32 * 1024);
    std::filesystem::remove(server.local_path(path));
}

}  // namespace
}  // namespace openinet::ftp
