// The scripted server's FTP abilities (Answer, PassiveReply, ActiveTarget, DataScript,
// AwaitData), driven by a plain blocking socket client so they are proven independently of the
// FTP code they are meant to test.
#include "ftp_faults_helpers.hpp"

#include <boost/asio.hpp>

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/time.h>

namespace openinet::test {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

// Blocking reads bounded by SO_RCVTIMEO, so a broken script fails the test instead of hanging it.
class LineClient {
public:
    explicit LineClient(std::uint16_t port) : socket_(io_) {
        socket_.connect({asio::ip::make_address_v4("127.0.0.1"), port});
        bound(socket_);
    }
    static void bound(tcp::socket& socket) {
        timeval limit{5, 0};
        ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    }
    void send(const std::string& line) { asio::write(socket_, asio::buffer(line + "\r\n")); }
    std::string line() {
        boost::system::error_code ec;
        std::size_t n = asio::read_until(socket_, asio::dynamic_buffer(buffer_), "\r\n", ec);
        if (ec) return "<" + ec.message() + ">";
        std::string line = buffer_.substr(0, n - 2);
        buffer_.erase(0, n);
        return line;
    }
    asio::io_context& io() { return io_; }

private:
    asio::io_context io_;
    tcp::socket socket_;
    std::string buffer_;
};

std::string read_to_end(tcp::socket& socket) {
    std::string data;
    boost::system::error_code ec;
    asio::read(socket, asio::dynamic_buffer(data), ec);
    return data;
}

TEST(FtpFaultsScriptedServer, AnswerRepliesInAnyOrderUntilTheMarker) {
    ScriptedServer server;
    server.add_script(ftp_script::after_login("RETR", {step::SendLine{"550 not here"}}));
    LineClient client(server.port());
    EXPECT_EQ(client.line(), "220 scripted FTP server");
    client.send("TYPE I");
    EXPECT_EQ(client.line(), "200 type set");
    client.send("USER someone");
    EXPECT_EQ(client.line(), "331 password please");
    client.send("XYZZY");
    EXPECT_EQ(client.line(), "502 Command not scripted");
    client.send("RETR file");
    EXPECT_EQ(client.line(), "550 not here");
    ASSERT_TRUE(server.wait_until_finished());
    auto lines = server.connections().at(0).lines;
    EXPECT_EQ(lines, (std::vector<std::string>{"TYPE I", "USER someone", "XYZZY", "RETR file"}));
    EXPECT_EQ(server.connections()[0].error, "");
}

TEST(FtpFaultsScriptedServer, PassiveDownloadWaitsForTheDataBeforeTheFinalReply) {
    for (auto kind : {step::PassiveReply::epsv, step::PassiveReply::pasv}) {
        ScriptedServer server;
        server.add_script(Script{step::ExpectLine{"PASV"}, step::PassiveReply{kind}, step::ExpectLine{"RETR"},
                                 step::SendLine{"150 go"},
                                 step::DataScript{{step::Trickle{"0123456789", 3, 20ms}, step::Close{}}},
                                 step::AwaitData{}, step::SendLine{"226 done"}, step::ReadUntilClose{}});
        LineClient client(server.port());
        client.send("PASV");
        std::string reply = client.line();
        unsigned port = 0;
        if (kind == step::PassiveReply::epsv) {
            ASSERT_EQ(std::sscanf(reply.c_str(), "229 Entering Extended Passive Mode (|||%u|)", &port), 1) << reply;
        } else {
            unsigned h1, h2, h3, h4, p1, p2;
            ASSERT_EQ(std::sscanf(reply.c_str(), "227 Entering Passive Mode (%u,%u,%u,%u,%u,%u)", &h1, &h2, &h3, &h4,
                                  &p1, &p2),
                      6)
                << reply;
            EXPECT_EQ(h1 * 1000 + h4, 127001u);
            port = p1 * 256 + p2;
        }
        tcp::socket data(client.io());
        data.connect({asio::ip::make_address_v4("127.0.0.1"), static_cast<std::uint16_t>(port)});
        LineClient::bound(data);
        client.send("RETR f");
        EXPECT_EQ(client.line(), "150 go");
        EXPECT_EQ(read_to_end(data), "0123456789");
        EXPECT_EQ(client.line(), "226 done");
        ASSERT_TRUE(server.wait_for_data_connections(1));
        EXPECT_EQ(server.data_connections().size(), 1u);
    }
}

TEST(FtpFaultsScriptedServer, CustomPassiveTextAndUploadRecording) {
    ScriptedServer server;
    server.add_script(Script{step::ExpectLine{"PASV"}, step::PassiveReply{step::PassiveReply::pasv, "227 ={p1},{p2} port {port}"},
                             step::ExpectLine{"STOR"}, step::SendLine{"150 send it"},
                             step::DataScript{{step::ReadUntilClose{}}}, step::AwaitData{},
                             step::SendLine{"226 stored"}, step::ReadUntilClose{}});
    LineClient client(server.port());
    client.send("PASV");
    std::string reply = client.line();
    unsigned p1, p2, port;
    ASSERT_EQ(std::sscanf(reply.c_str(), "227 =%u,%u port %u", &p1, &p2, &port), 3) << reply;
    EXPECT_EQ(p1 * 256 + p2, port);
    tcp::socket data(client.io());
    data.connect({asio::ip::make_address_v4("127.0.0.1"), static_cast<std::uint16_t>(port)});
    client.send("STOR up");
    EXPECT_EQ(client.line(), "150 send it");
    std::string upload(100000, 'u');
    asio::write(data, asio::buffer(upload));
    data.shutdown(tcp::socket::shutdown_send);
    EXPECT_EQ(client.line(), "226 stored");
    ASSERT_TRUE(server.wait_for_data_connections(1));
    EXPECT_EQ(server.data_connections()[0].received, upload);
}

TEST(FtpFaultsScriptedServer, ActiveTargetConnectsToTheClientsListener) {
    for (bool extended : {false, true}) {
        ScriptedServer server;
        server.add_script(Script{step::ReadLine{}, step::ActiveTarget{}, step::SendLine{"200 ok"},
                                 step::ExpectLine{"RETR"}, step::SendLine{"150 go"},
                                 step::DataScript{{step::DropAfter{"abcdefgh", 5}}}, step::AwaitData{},
                                 step::SendLine{"426 cut"}, step::ReadUntilClose{}});
        LineClient client(server.port());
        tcp::acceptor listener(client.io(), {asio::ip::make_address_v4("127.0.0.1"), 0});
        std::uint16_t port = listener.local_endpoint().port();
        client.send(extended ? "EPRT |1|127.0.0.1|" + std::to_string(port) + "|"
                             : "PORT 127,0,0,1," + std::to_string(port / 256) + "," + std::to_string(port % 256));
        EXPECT_EQ(client.line(), "200 ok");
        client.send("RETR f");
        EXPECT_EQ(client.line(), "150 go");
        tcp::socket data = listener.accept();
        LineClient::bound(data);
        EXPECT_EQ(read_to_end(data), "abcde");
        EXPECT_EQ(client.line(), "426 cut");
    }
}

TEST(FtpFaultsScriptedServer, GatesPassOneReleaseEachAndKeepEarlyReleases) {
    ScriptedServer server;
    server.add_script({step::Gate{}, step::SendLine{"first"}, step::Gate{}, step::SendLine{"second"},
                       step::ReadUntilClose{}});
    server.release_gate();  // before the connection exists: kept for the first gate
    LineClient client(server.port());
    EXPECT_EQ(client.line(), "first");
    server.release_gate();
    EXPECT_EQ(client.line(), "second");
}

TEST(FtpFaultsScriptedServer, ActiveTargetRejectsOtherLinesAndStopEndsWaitingDataScripts) {
    ScriptedServer server;
    server.add_script(Script{step::ReadLine{}, step::ActiveTarget{}, step::SendLine{"200 unexpected"}});
    server.add_script(Script{step::PassiveReply{}, step::DataScript{{step::Send{"never"}}}, step::AwaitData{},
                             step::SendLine{"226 unexpected"}});
    {
        LineClient client(server.port());
        client.send("NOOP");
        ASSERT_TRUE(server.wait_for_connections(1));
        ASSERT_TRUE(server.wait_until_finished());
        EXPECT_NE(server.connections()[0].error.find("PORT/EPRT"), std::string::npos) << server.connections()[0].error;
    }
    LineClient client(server.port());
    EXPECT_EQ(client.line().substr(0, 4), "229 ");
    // Nobody connects to the data listener: the control script waits in AwaitData until stop().
    ASSERT_TRUE(server.wait_for_connections(2));
    auto stopping = std::chrono::steady_clock::now();
    server.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - stopping, 2s);
    EXPECT_EQ(server.data_connections().size(), 0u);
}

}  // namespace
}  // namespace openinet::test
