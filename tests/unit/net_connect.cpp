// Connector and TCP stream against local Asio acceptors on 127.0.0.1 (and ::1 when available).
// Names are resolved through the test hook (no DNS traffic), except one test that uses
// /etc/hosts' "localhost" and skips when that entry is missing.
#include "net_test_util.hpp"

#include "core/error.hpp"

#include <condition_variable>
#include <fstream>

namespace openinet::net {
namespace {

using namespace test_util;
using namespace std::chrono_literals;
using tcp = asio::ip::tcp;

// Accepts connections and, per mode, echoes what arrives, closes at once, or stays silent.
// Its state is shared with its handlers: a completion already on its way when the server is
// destroyed must still find it (and then only closes what it got).
class LocalServer {
public:
    enum class Mode { echo, close_at_once, silent };

    LocalServer(asio::io_context& io, Mode mode, asio::ip::address address = asio::ip::address_v4::loopback())
        : state_(std::make_shared<State>(io, mode)) {
        tcp::acceptor& acceptor = state_->acceptor;
        acceptor.open(address.is_v6() ? tcp::v6() : tcp::v4());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(tcp::endpoint(address, 0));
        acceptor.listen();
        port_ = acceptor.local_endpoint().port();
        asio::post(state_->strand, [state = state_] { State::accept(state); });
    }
    ~LocalServer() {
        auto closed = std::make_shared<Slot<bool>>();
        asio::post(state_->strand, [state = state_, closed] {
            state->closed = true;
            boost::system::error_code ignored;
            state->acceptor.close(ignored);
            for (auto& socket : state->sockets) socket->close(ignored);
            state->sockets.clear();
            closed->set(true);
        });
        closed->wait(5s);
    }
    std::uint16_t port() const { return port_; }

private:
    struct State {
        State(asio::io_context& io, Mode mode) : strand(asio::make_strand(io)), acceptor(strand), mode(mode) {}

        static void accept(const std::shared_ptr<State>& state) {
            state->acceptor.async_accept(state->strand, [state](boost::system::error_code ec, tcp::socket socket) {
                if (ec || state->closed) return;   // a late success: the socket closes as it goes
                auto shared = std::make_shared<tcp::socket>(std::move(socket));
                state->sockets.push_back(shared);
                if (state->mode == Mode::close_at_once) {
                    boost::system::error_code ignored;
                    shared->shutdown(tcp::socket::shutdown_both, ignored);
                    shared->close(ignored);
                } else if (state->mode == Mode::echo) {
                    echo(shared, std::make_shared<std::array<char, 4096>>());
                }
                accept(state);
            });
        }
        static void echo(std::shared_ptr<tcp::socket> socket, std::shared_ptr<std::array<char, 4096>> buffer) {
            socket->async_read_some(asio::buffer(*buffer), [socket, buffer](boost::system::error_code ec, std::size_t n) {
                if (ec) return;
                asio::async_write(*socket, asio::buffer(buffer->data(), n), [socket, buffer](boost::system::error_code ec, std::size_t) {
                    if (!ec) echo(socket, buffer);
                });
            });
        }

        asio::strand<asio::io_context::executor_type> strand;
        tcp::acceptor acceptor;
        Mode mode;
        bool closed = false;
        std::vector<std::shared_ptr<tcp::socket>> sockets;
    };
    std::shared_ptr<State> state_;
    std::uint16_t port_ = 0;
};

// A resolver hook whose answers the test controls.
class ManualResolver {
public:
    using Answer = std::function<void(std::error_code, std::vector<asio::ip::address>)>;
    ResolverHook hook() {
        return ResolverHook{[this](const std::string& host, Answer answer) {
            std::lock_guard lock(mutex_);
            hosts_.push_back(host);
            pending_.push_back(std::move(answer));
            asked_.notify_all();
        }};
    }
    bool wait_asked(std::chrono::milliseconds limit = 5s) {
        std::unique_lock lock(mutex_);
        return asked_.wait_until(lock, deadline(limit), [this] { return !pending_.empty(); });
    }
    void answer(std::error_code ec, std::vector<asio::ip::address> addresses) {
        std::vector<Answer> pending;
        {
            std::lock_guard lock(mutex_);
            pending.swap(pending_);
        }
        for (auto& reply : pending) reply(ec, addresses);
    }
    std::vector<std::string> hosts() {
        std::lock_guard lock(mutex_);
        return hosts_;
    }

private:
    std::mutex mutex_;
    std::condition_variable asked_;
    std::vector<Answer> pending_;
    std::vector<std::string> hosts_;
};

// Maps every name to fixed addresses, answering at once from the calling thread.
ResolverHook map_to(std::vector<asio::ip::address> addresses) {
    return ResolverHook{[addresses](const std::string&, auto answer) { answer({}, addresses); }};
}

asio::ip::address v4(const char* text) { return asio::ip::make_address(text); }

class NetConnect : public ::testing::Test {
protected:
    void TearDown() override {
        set_resolver_hook(std::nullopt);
    }
    ConnectRequest request(std::string host, std::uint16_t port, std::chrono::milliseconds timeout = 10s) {
        ConnectRequest r;
        r.host = std::move(host);
        r.port = port;
        r.timeout = timeout;
        return r;
    }
    IoThreads threads_;
};

TEST_F(NetConnect, IpLiteralStatusOrderAndEcho) {
    LocalServer server(threads_.io(), LocalServer::Mode::echo);
    ConnectOutcome outcome = connect(threads_.strand(), request("127.0.0.1", server.port()));
    ASSERT_FALSE(outcome.ec) << outcome.ec.message();
    ASSERT_TRUE(outcome.stream);
    EXPECT_EQ(outcome.handler_calls, 1);
    const std::vector<Notification> expected = {
        {INTERNET_STATUS_RESOLVING_NAME, "127.0.0.1"},
        {INTERNET_STATUS_NAME_RESOLVED, "127.0.0.1"},
        {INTERNET_STATUS_CONNECTING_TO_SERVER, "127.0.0.1"},
        {INTERNET_STATUS_CONNECTED_TO_SERVER, "127.0.0.1"},
    };
    EXPECT_EQ(outcome.notifications, expected);

    Stream& stream = *outcome.stream;
    EXPECT_FALSE(stream.is_tls());
    EXPECT_TRUE(stream.is_open());
    EXPECT_EQ(stream.peer_address(), "127.0.0.1");
    EXPECT_EQ(stream.peer_port(), server.port());
    EXPECT_FALSE(stream.certificate().has_value());

    // Two buffers in one write, read back through the caller's buffer.
    std::string first = "hello, ", second = "stream";
    auto write_ec = on_strand<std::error_code>(stream, [&](Stream& s, auto done) {
        s.async_write_all({asio::buffer(first), asio::buffer(second)}, [done](std::error_code ec, std::size_t n) {
            EXPECT_EQ(n, 13u);
            done(ec);
        });
    });
    EXPECT_FALSE(write_ec);
    std::string echoed;
    char buffer[64];
    for (int round = 0; round < 100 && echoed.size() < 13; ++round) {
        auto [ec, n] = on_strand<std::pair<std::error_code, std::size_t>>(stream, [&](Stream& s, auto done) {
            s.async_read_some(asio::buffer(buffer), [done](std::error_code ec, std::size_t n) { done({ec, n}); });
        });
        ASSERT_FALSE(ec) << ec.message();
        echoed.append(buffer, n);
    }
    EXPECT_EQ(echoed, "hello, stream");
    on_strand<int>(stream, [](Stream& s, auto done) {
        s.close();
        done(0);
    });
    EXPECT_FALSE(stream.is_open());
}

TEST_F(NetConnect, HookNameIsReportedThenAddress) {
    LocalServer server(threads_.io(), LocalServer::Mode::echo);
    set_resolver_hook(map_to({v4("127.0.0.1")}));
    ConnectOutcome outcome = connect(threads_.strand(), request("server.test", server.port()));
    ASSERT_FALSE(outcome.ec) << outcome.ec.message();
    const std::vector<Notification> expected = {
        {INTERNET_STATUS_RESOLVING_NAME, "server.test"},
        {INTERNET_STATUS_NAME_RESOLVED, "127.0.0.1"},
        {INTERNET_STATUS_CONNECTING_TO_SERVER, "127.0.0.1"},
        {INTERNET_STATUS_CONNECTED_TO_SERVER, "127.0.0.1"},
    };
    EXPECT_EQ(outcome.notifications, expected);
}

TEST_F(NetConnect, RefusedPortIsCannotConnect) {
    std::uint16_t closed_port;
    {
        LocalServer server(threads_.io(), LocalServer::Mode::echo);
        closed_port = server.port();
    }
    ConnectOutcome outcome = connect(threads_.strand(), request("127.0.0.1", closed_port));
    EXPECT_EQ(outcome.ec, make_error(ERROR_INTERNET_CANNOT_CONNECT));
    EXPECT_FALSE(outcome.stream);
    EXPECT_EQ(outcome.handler_calls, 1);
    ASSERT_EQ(outcome.notifications.size(), 3u);   // no CONNECTED_TO_SERVER
    EXPECT_EQ(outcome.notifications.back().status, DWORD{INTERNET_STATUS_CONNECTING_TO_SERVER});
}

TEST_F(NetConnect, TriesEachAddressInTurn) {
    LocalServer server(threads_.io(), LocalServer::Mode::echo);   // listens on 127.0.0.1 only
    set_resolver_hook(map_to({v4("127.0.0.2"), v4("127.0.0.1")}));
    ConnectOutcome outcome = connect(threads_.strand(), request("multi.test", server.port()));
    ASSERT_FALSE(outcome.ec) << outcome.ec.message();
    const std::vector<Notification> expected = {
        {INTERNET_STATUS_RESOLVING_NAME, "multi.test"},
        {INTERNET_STATUS_NAME_RESOLVED, "127.0.0.2"},
        {INTERNET_STATUS_CONNECTING_TO_SERVER, "127.0.0.2"},
        {INTERNET_STATUS_CONNECTING_TO_SERVER, "127.0.0.1"},
        {INTERNET_STATUS_CONNECTED_TO_SERVER, "127.0.0.1"},
    };
    EXPECT_EQ(outcome.notifications, expected);
    EXPECT_EQ(outcome.stream->peer_address(), "127.0.0.1");
}

TEST_F(NetConnect, HookFailureIsNameNotResolved) {
    set_resolver_hook(ResolverHook{[](const std::string&, auto answer) {
        answer(std::make_error_code(std::errc::host_unreachable), {});
    }});
    ConnectOutcome outcome = connect(threads_.strand(), request("nowhere.test", 80));
    EXPECT_EQ(outcome.ec, make_error(ERROR_INTERNET_NAME_NOT_RESOLVED));
    ASSERT_EQ(outcome.notifications.size(), 1u);
    EXPECT_EQ(outcome.notifications[0], (Notification{INTERNET_STATUS_RESOLVING_NAME, "nowhere.test"}));

    set_resolver_hook(map_to({}));
    EXPECT_EQ(connect(threads_.strand(), request("empty.test", 80)).ec, make_error(ERROR_INTERNET_NAME_NOT_RESOLVED));

    // A WinInet error from the hook is passed through unchanged.
    set_resolver_hook(ResolverHook{[](const std::string&, auto answer) { answer(make_error(ERROR_INTERNET_TIMEOUT), {}); }});
    EXPECT_EQ(connect(threads_.strand(), request("slow.test", 80)).ec, make_error(ERROR_INTERNET_TIMEOUT));
}

TEST_F(NetConnect, HookAnsweringFromAnotherThreadLate) {
    LocalServer server(threads_.io(), LocalServer::Mode::echo);
    ManualResolver resolver;
    set_resolver_hook(resolver.hook());
    auto probe = std::make_shared<ConnectProbe>();
    auto started = std::chrono::steady_clock::now();
    auto connector = start_connect(threads_.strand(), request("late.test", server.port()), probe);
    ASSERT_TRUE(resolver.wait_asked());
    std::thread answering([&] {
        std::this_thread::sleep_for(50ms);
        resolver.answer({}, {v4("127.0.0.1")});
    });
    ConnectOutcome outcome = wait_connect(probe, started);
    answering.join();
    EXPECT_FALSE(outcome.ec) << outcome.ec.message();
    EXPECT_EQ(resolver.hosts(), std::vector<std::string>{"late.test"});
}

TEST_F(NetConnect, CancelDuringResolutionIsPrompt) {
    ManualResolver resolver;   // never answers until after the cancel
    set_resolver_hook(resolver.hook());
    auto probe = std::make_shared<ConnectProbe>();
    auto connector = start_connect(threads_.strand(), request("stall.test", 80, 60s), probe);
    ASSERT_TRUE(resolver.wait_asked());
    auto started = std::chrono::steady_clock::now();
    std::thread canceller([connector] { connector->cancel(); });   // from a foreign thread
    ConnectOutcome outcome = wait_connect(probe, started);
    canceller.join();
    EXPECT_EQ(outcome.ec, make_error(ERROR_INTERNET_OPERATION_CANCELLED));
    EXPECT_LT(outcome.elapsed, 2s);
    // The late answer and a second cancel change nothing: the handler ran exactly once.
    resolver.answer({}, {v4("127.0.0.1")});
    connector->cancel();
    std::this_thread::sleep_for(50ms);
    std::lock_guard lock(probe->mutex);
    EXPECT_EQ(probe->handler_calls, 1);
    ASSERT_EQ(probe->notifications.size(), 1u);
}

// Holds a strand busy until released, so that work posted meanwhile queues up behind it.
class StrandBlocker {
public:
    explicit StrandBlocker(asio::any_io_executor strand) {
        asio::post(strand, [this] {
            std::unique_lock lock(mutex_);
            running_ = true;
            changed_.notify_all();
            changed_.wait_until(lock, deadline(10s), [this] { return released_; });
            finished_ = true;
            changed_.notify_all();
        });
        std::unique_lock lock(mutex_);
        changed_.wait_until(lock, deadline(10s), [this] { return running_; });
    }
    // Waits until the blocking handler has let go of this object.
    ~StrandBlocker() {
        release();
        std::unique_lock lock(mutex_);
        changed_.wait_until(lock, deadline(10s), [this] { return finished_; });
    }
    void release() {
        std::lock_guard lock(mutex_);
        released_ = true;
        changed_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool running_ = false, released_ = false, finished_ = false;
};

TEST_F(NetConnect, CancelRightAfterStart) {
    LocalServer server(threads_.io(), LocalServer::Mode::echo);
    auto strand = threads_.strand();
    auto probe = std::make_shared<ConnectProbe>();
    auto started = std::chrono::steady_clock::now();
    StrandBlocker blocker(strand);   // start's work and the cancel queue up in that order
    auto connector = start_connect(strand, request("127.0.0.1", server.port()), probe);
    connector->cancel();
    blocker.release();
    ConnectOutcome outcome = wait_connect(probe, started);
    EXPECT_EQ(outcome.ec, make_error(ERROR_INTERNET_OPERATION_CANCELLED));
    EXPECT_FALSE(outcome.stream);
    // Only the resolving notification went out before the cancel took effect.
    ASSERT_EQ(outcome.notifications.size(), 1u);
    EXPECT_EQ(outcome.notifications[0].status, DWORD{INTERNET_STATUS_RESOLVING_NAME});
}

TEST_F(NetConnect, CancelAfterCompletionChangesNothing) {
    LocalServer server(threads_.io(), LocalServer::Mode::echo);
    auto probe = std::make_shared<ConnectProbe>();
    auto connector = start_connect(threads_.strand(), request("127.0.0.1", server.port()), probe);
    ConnectOutcome outcome = wait_connect(probe, std::chrono::steady_clock::now());
    ASSERT_FALSE(outcome.ec);
    connector->cancel();
    std::this_thread::sleep_for(50ms);
    std::lock_guard lock(probe->mutex);
    EXPECT_EQ(probe->handler_calls, 1);
    EXPECT_TRUE(outcome.stream->is_open());
}

TEST_F(NetConnect, ConnectTimeoutWhileResolverStalls) {
    ManualResolver resolver;
    set_resolver_hook(resolver.hook());
    ConnectOutcome outcome = connect(threads_.strand(), request("stall.test", 80, 300ms));
    EXPECT_EQ(outcome.ec, make_error(ERROR_INTERNET_TIMEOUT));
    EXPECT_GE(outcome.elapsed, 250ms);
    EXPECT_LT(outcome.elapsed, 5s);
    EXPECT_EQ(outcome.handler_calls, 1);
    resolver.answer({}, {v4("127.0.0.1")});   // too late: ignored
}

TEST_F(NetConnect, StatusCallbackMayCancel) {
    LocalServer server(threads_.io(), LocalServer::Mode::echo);
    auto probe = std::make_shared<ConnectProbe>();
    std::shared_ptr<Connector> connector;
    std::mutex connector_mutex;
    std::unique_lock hold(connector_mutex);
    connector = Connector::start(
        threads_.strand(), request("127.0.0.1", server.port()),
        [&, probe](DWORD status, std::string_view text) {
            {
                std::lock_guard lock(probe->mutex);
                probe->notifications.push_back({status, std::string(text)});
            }
            if (status == INTERNET_STATUS_NAME_RESOLVED) {
                std::lock_guard lock(connector_mutex);
                connector->cancel();
            }
        },
        [probe](std::error_code ec, std::unique_ptr<Stream> stream) {
            std::lock_guard lock(probe->mutex);
            if (++probe->handler_calls == 1) probe->result.set({ec, std::move(stream)});
        });
    hold.unlock();
    ConnectOutcome outcome = wait_connect(probe, std::chrono::steady_clock::now());
    EXPECT_EQ(outcome.ec, make_error(ERROR_INTERNET_OPERATION_CANCELLED));
    EXPECT_FALSE(outcome.stream);
}

TEST_F(NetConnect, StreamCancelAbortsPendingRead) {
    LocalServer server(threads_.io(), LocalServer::Mode::silent);
    ConnectOutcome outcome = connect(threads_.strand(), request("127.0.0.1", server.port()));
    ASSERT_FALSE(outcome.ec) << outcome.ec.message();
    Stream& stream = *outcome.stream;
    Slot<std::error_code> read_result;
    char buffer[16];
    asio::post(stream.executor(), [&] {
        stream.async_read_some(asio::buffer(buffer), [&](std::error_code ec, std::size_t) { read_result.set(ec); });
    });
    std::this_thread::sleep_for(50ms);
    asio::post(stream.executor(), [&] { stream.cancel(); });
    auto result = read_result.wait(2s);
    ASSERT_TRUE(result.has_value());
    std::error_code ec = *result;
    EXPECT_TRUE(is_operation_aborted(ec)) << ec.message();
    EXPECT_FALSE(is_end_of_stream(ec));
}

TEST_F(NetConnect, PeerCloseIsEndOfStream) {
    LocalServer server(threads_.io(), LocalServer::Mode::close_at_once);
    ConnectOutcome outcome = connect(threads_.strand(), request("127.0.0.1", server.port()));
    ASSERT_FALSE(outcome.ec) << outcome.ec.message();
    auto [data, ec] = read_to_end(*outcome.stream);
    EXPECT_TRUE(data.empty());
    EXPECT_TRUE(is_end_of_stream(ec)) << ec.message();
    EXPECT_FALSE(is_operation_aborted(ec));
}

TEST_F(NetConnect, Ipv6Loopback) {
    std::unique_ptr<LocalServer> server;
    try {
        server = std::make_unique<LocalServer>(threads_.io(), LocalServer::Mode::echo, asio::ip::address_v6::loopback());
    } catch (const boost::system::system_error&) {
        GTEST_SKIP() << "no IPv6 loopback here";
    }
    for (const char* host : {"::1", "[::1]"}) {
        SCOPED_TRACE(host);
        ConnectOutcome outcome = connect(threads_.strand(), request(host, server->port()));
        ASSERT_FALSE(outcome.ec) << outcome.ec.message();
        EXPECT_EQ(outcome.stream->peer_address(), "::1");
        ASSERT_EQ(outcome.notifications.size(), 4u);
        EXPECT_EQ(outcome.notifications[0].text, "::1");
        EXPECT_EQ(outcome.notifications[3], (Notification{INTERNET_STATUS_CONNECTED_TO_SERVER, "::1"}));
    }
}

// The real (system) resolver, for a name /etc/hosts answers: no DNS query leaves the machine.
TEST_F(NetConnect, SystemResolverWithHostsFileName) {
    std::ifstream hosts("/etc/hosts");
    std::string line;
    bool listed = false;
    while (std::getline(hosts, line)) {
        if (line.rfind("127.0.0.1", 0) == 0 && line.find("localhost") != std::string::npos) listed = true;
    }
    if (!listed) GTEST_SKIP() << "/etc/hosts has no 127.0.0.1 localhost entry";
    LocalServer server(threads_.io(), LocalServer::Mode::echo);
    ConnectOutcome outcome = connect(threads_.strand(), request("localhost", server.port()));
    ASSERT_FALSE(outcome.ec) << outcome.ec.message();
    EXPECT_EQ(outcome.stream->peer_address(), "127.0.0.1");   // ::1 (if listed first) is refused
    ASSERT_GE(outcome.notifications.size(), 4u);
    EXPECT_EQ(outcome.notifications[0], (Notification{INTERNET_STATUS_RESOLVING_NAME, "localhost"}));
    EXPECT_EQ(outcome.notifications.back(), (Notification{INTERNET_STATUS_CONNECTED_TO_SERVER, "127.0.0.1"}));
}

TEST_F(NetConnect, ManyConcurrentConnects) {
    LocalServer server(threads_.io(), LocalServer::Mode::echo);
    std::vector<std::shared_ptr<ConnectProbe>> probes;
    std::vector<std::shared_ptr<Connector>> connectors;
    auto started = std::chrono::steady_clock::now();
    auto shared_strand = threads_.strand();
    {
        // Half share one strand held busy while they start and every other one is cancelled;
        // the other half run freely on strands of their own.
        StrandBlocker blocker(shared_strand);
        for (int i = 0; i < 20; ++i) {
            probes.push_back(std::make_shared<ConnectProbe>());
            auto strand = i < 10 ? shared_strand : threads_.strand();
            connectors.push_back(start_connect(strand, request("127.0.0.1", server.port()), probes.back()));
        }
        for (int i = 0; i < 10; i += 2) connectors[static_cast<std::size_t>(i)]->cancel();
    }
    int connected = 0, cancelled = 0;
    for (std::size_t i = 0; i < probes.size(); ++i) {
        ConnectOutcome outcome = wait_connect(probes[i], started);
        EXPECT_EQ(outcome.handler_calls, 1);
        if (!outcome.ec) ++connected;
        else if (outcome.ec == make_error(ERROR_INTERNET_OPERATION_CANCELLED)) ++cancelled;
        else ADD_FAILURE() << outcome.ec.message();
        if (i < 10) EXPECT_EQ(bool(outcome.ec), i % 2 == 0) << i;
        else EXPECT_FALSE(outcome.ec) << i;
    }
    EXPECT_EQ(connected, 15);
    EXPECT_EQ(cancelled, 5);
}

// ---- waiting on the caller's thread (Stream::wait_readable) ------------------------------

// The stream is the caller's: nothing is pending on it, so the test thread uses it directly.
TEST_F(NetConnect, WaitReadableWakesOnDataAndTheEngineStillServesTheStreamAfterwards) {
    LocalServer server(threads_.io(), LocalServer::Mode::echo);
    ConnectOutcome outcome = connect(threads_.strand(), request("127.0.0.1", server.port()));
    ASSERT_TRUE(outcome.stream) << outcome.ec.message();
    Stream& stream = *outcome.stream;

    std::error_code ec;
    const std::string ping = "ping";
    ASSERT_EQ(stream.try_write_some({asio::buffer(ping)}, ec), ping.size()) << ec.message();
    std::string echoed;
    char buffer[64];
    for (int round = 0; round < 100 && echoed.size() < ping.size(); ++round) {
        ASSERT_EQ(stream.wait_readable(5s), Stream::WaitOutcome::readable);
        const std::size_t n = stream.try_read_some(asio::buffer(buffer), ec);
        if (is_would_block(ec)) continue;
        ASSERT_FALSE(ec) << ec.message();
        echoed.append(buffer, n);
    }
    EXPECT_EQ(echoed, ping);

    // The socket left the engine's reactor during the wait and is back: asynchronous
    // operations work as before.
    const std::string pong = "pong";
    auto write_ec = on_strand<std::error_code>(stream, [&](Stream& s, auto done) {
        s.async_write_all({asio::buffer(pong)}, [done](std::error_code ec, std::size_t) { done(ec); });
    });
    ASSERT_FALSE(write_ec) << write_ec.message();
    echoed.clear();
    for (int round = 0; round < 100 && echoed.size() < pong.size(); ++round) {
        auto [read_ec, n] = on_strand<std::pair<std::error_code, std::size_t>>(stream, [&](Stream& s, auto done) {
            s.async_read_some(asio::buffer(buffer), [done](std::error_code ec, std::size_t n) { done({ec, n}); });
        });
        ASSERT_FALSE(read_ec) << read_ec.message();
        echoed.append(buffer, n);
    }
    EXPECT_EQ(echoed, pong);
    on_strand<int>(stream, [](Stream& s, auto done) {
        s.close();
        done(0);
    });
}

TEST_F(NetConnect, WaitReadableTimesOutOnASilentServer) {
    LocalServer server(threads_.io(), LocalServer::Mode::silent);
    ConnectOutcome outcome = connect(threads_.strand(), request("127.0.0.1", server.port()));
    ASSERT_TRUE(outcome.stream) << outcome.ec.message();
    EXPECT_EQ(outcome.stream->wait_readable(150ms), Stream::WaitOutcome::timed_out);
    std::error_code ec;
    char byte;
    outcome.stream->try_read_some(asio::buffer(&byte, 1), ec);
    EXPECT_TRUE(is_would_block(ec)) << ec.message();  // still connected, nothing came
    outcome.stream->close();
}

TEST_F(NetConnect, WaitReadableReportsTheServerClosing) {
    LocalServer server(threads_.io(), LocalServer::Mode::close_at_once);
    ConnectOutcome outcome = connect(threads_.strand(), request("127.0.0.1", server.port()));
    ASSERT_TRUE(outcome.stream) << outcome.ec.message();
    ASSERT_EQ(outcome.stream->wait_readable(5s), Stream::WaitOutcome::readable);
    std::error_code ec;
    char byte;
    outcome.stream->try_read_some(asio::buffer(&byte, 1), ec);
    EXPECT_TRUE(ec && !is_would_block(ec)) << ec.message();  // end of stream (or reset)
    outcome.stream->close();
}

TEST_F(NetConnect, AStreamThatCannotWaitOnTheCallersThreadSaysSo) {
    // Stream's default (TLS streams keep it): `unsupported` instead of blocking.
    struct Plain : Stream {
        boost::asio::any_io_executor executor() override { return {}; }
        void async_read_some(boost::asio::mutable_buffer, IoHandler) override {}
        void async_write_all(std::vector<boost::asio::const_buffer>, IoHandler) override {}
        void cancel() noexcept override {}
        void close() noexcept override {}
        bool is_open() const noexcept override { return true; }
        bool is_tls() const noexcept override { return true; }
        std::string peer_address() const override { return {}; }
        std::uint16_t peer_port() const noexcept override { return 0; }
    } tls_like;
    EXPECT_EQ(tls_like.wait_readable(std::nullopt), Stream::WaitOutcome::unsupported);
}

// Suite name starting with "Cancel": runs under TSan too.
class CancelStreamWait : public NetConnect {};

TEST_F(CancelStreamWait, InterruptWaitFromAnotherThreadEndsAnUnlimitedWaitPromptly) {
    std::optional<LocalServer> server(std::in_place, threads_.io(), LocalServer::Mode::silent);
    ConnectOutcome outcome = connect(threads_.strand(), request("127.0.0.1", server->port()));
    ASSERT_TRUE(outcome.stream) << outcome.ec.message();
    Stream& stream = *outcome.stream;
    Slot<Stream::WaitOutcome> waited;
    std::thread waiter([&] { waited.set(stream.wait_readable(std::nullopt)); });
    std::this_thread::sleep_for(100ms);  // into the poll (an earlier interrupt must work too)
    stream.interrupt_wait();
    const auto outcome_of_wait = waited.wait(2s);
    if (!outcome_of_wait) {
        server.reset();  // not interrupted: the server closing ends the wait, so no hang
        waiter.join();
        FAIL() << "interrupt_wait did not end the wait";
    }
    waiter.join();
    EXPECT_EQ(*outcome_of_wait, Stream::WaitOutcome::readable);
    std::error_code ec;
    char byte;
    stream.try_read_some(asio::buffer(&byte, 1), ec);
    EXPECT_TRUE(ec && !is_would_block(ec)) << "reads fail after the interrupt: " << ec.message();
    stream.close();
    EXPECT_FALSE(stream.is_open());
}

}  // namespace
}  // namespace openinet::net
