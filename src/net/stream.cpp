#include "net/streams.hpp"

#include <boost/asio/write.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <climits>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace openinet::net {

bool is_end_of_stream(const std::error_code& ec) noexcept {
    return ec == std::error_code(boost::system::error_code(boost::asio::error::eof));
}

bool is_operation_aborted(const std::error_code& ec) noexcept {
    return ec == std::error_code(boost::system::error_code(boost::asio::error::operation_aborted));
}

bool is_would_block(const std::error_code& ec) noexcept {
    return ec == std::errc::operation_would_block || ec == std::errc::resource_unavailable_try_again;
}

std::size_t Stream::try_read_some(boost::asio::mutable_buffer, std::error_code& ec) {
    ec = std::make_error_code(std::errc::operation_would_block);
    return 0;
}

std::size_t Stream::try_write_some(const std::vector<boost::asio::const_buffer>&, std::error_code& ec) {
    ec = std::make_error_code(std::errc::operation_would_block);
    return 0;
}

Stream::WaitOutcome Stream::wait_readable(std::optional<std::chrono::milliseconds>) {
    return WaitOutcome::unsupported;
}

namespace detail {
namespace {

// TLS records are the unit of sending: a request head split over several small buffers would
// otherwise go out as several records (and packets). Up to this size they are joined first.
constexpr std::size_t coalesce_limit = 16 * 1024;

class TcpStream final : public Stream {
public:
    TcpStream(boost::asio::ip::tcp::socket socket, std::string peer_address, std::uint16_t peer_port)
        : socket_(std::move(socket)),
          descriptor_(socket_.native_handle()),
          peer_address_(std::move(peer_address)),
          peer_port_(peer_port) {}
    ~TcpStream() override {
        if (!in_reactor_ && !descriptor_closed_) ::close(descriptor_);
    }
    TcpStream(const TcpStream&) = delete;
    TcpStream& operator=(const TcpStream&) = delete;

    boost::asio::any_io_executor executor() override { return socket_.get_executor(); }

    void async_read_some(boost::asio::mutable_buffer buffer, IoHandler handler) override {
        if (!rejoin_reactor()) return fail_later(std::move(handler));
        // A wait must be woken by the first byte (the receive timeout counts from there).
        // Lowering the mark also signals bytes that came in while it was high.
        if (quiet_) set_receive_low_watermark(1);
        socket_.async_read_some(buffer, [handler = std::move(handler)](boost::system::error_code ec,
                                                                        std::size_t n) { handler(ec, n); });
    }

    void async_write_all(std::vector<boost::asio::const_buffer> buffers, IoHandler handler) override {
        if (!rejoin_reactor()) return fail_later(std::move(handler));
        boost::asio::async_write(socket_, std::move(buffers),
                                 [handler = std::move(handler)](boost::system::error_code ec, std::size_t n) {
                                     handler(ec, n);
                                 });
    }

    std::size_t try_read_some(boost::asio::mutable_buffer buffer, std::error_code& ec) override {
        if (!in_reactor_) return receive_directly(buffer, ec);
        if (!begin_attempt(ec)) return 0;
        boost::system::error_code error;
        const std::size_t n = socket_.read_some(buffer, error);
        ec = error;
        return n;
    }

    std::size_t try_write_some(const std::vector<boost::asio::const_buffer>& buffers, std::error_code& ec) override {
        if (!in_reactor_) return send_directly(buffers, ec);
        if (!begin_attempt(ec)) return 0;
        boost::system::error_code error;
        const std::size_t n = socket_.write_some(buffers, error);
        ec = error;
        return n;
    }

    void quiet_between_waits() noexcept override { quiet_between_waits_ = true; }

    // The socket leaves the engine's epoll for as long as its owner keeps waiting on its own
    // thread (the owner's reads and writes then go straight to the descriptor), and comes back
    // with the next asynchronous operation. In the epoll, every arrival would also wake an
    // engine thread that has nothing to do with it, at the price of two thread switches (it
    // hands the reactor to the other engine thread first); and going in and out per wait cost
    // two epoll_ctl calls, an ioctl and two setsockopt calls (SO_RCVLOWAT, see quiet_) each time.
    WaitOutcome wait_readable(std::optional<std::chrono::milliseconds> timeout) override {
        if (!leave_reactor()) return WaitOutcome::readable;  // the read reports the problem
        return poll_readable(descriptor_, timeout);
    }

    void interrupt_wait() noexcept override {
        // Wakes a poll on the descriptor (POLLHUP), which close() would not do; the descriptor
        // number (taken at construction: the socket object lets go of it outside the reactor)
        // stays ours until the stream is closed.
        ::shutdown(descriptor_, SHUT_RDWR);
    }

    void cancel() noexcept override {
        if (!in_reactor_) return;  // nothing of the engine's is pending
        boost::system::error_code ignored;
        socket_.cancel(ignored);
    }
    void close() noexcept override {
        if (in_reactor_) {
            boost::system::error_code ignored;
            socket_.close(ignored);
        } else if (!descriptor_closed_) {
            ::close(descriptor_);
            descriptor_closed_ = true;
        }
    }
    bool is_open() const noexcept override { return in_reactor_ ? socket_.is_open() : !descriptor_closed_; }
    bool is_tls() const noexcept override { return false; }
    std::string peer_address() const override { return peer_address_; }
    std::uint16_t peer_port() const noexcept override { return peer_port_; }

private:
    // Before a non-blocking attempt (try_read_some / try_write_some). Whoever reads or writes
    // without waiting takes what arrives itself, until the next wait: arriving bytes (also an
    // answer to a request written this way, before its try_read_some) need not wake the
    // engine (see quiet_).
    bool begin_attempt(std::error_code& ec) {
        if (!make_non_blocking(ec)) return false;
        if (quiet_between_waits_ && !quiet_) set_receive_low_watermark(quiet_low_watermark);
        return true;
    }

    // Synchronous socket calls would otherwise block; Asio's own async operations are not
    // affected by this flag.
    bool make_non_blocking(std::error_code& ec) {
        if (non_blocking_) return true;
        boost::system::error_code error;
        socket_.non_blocking(true, error);
        if (error) {
            ec = error;
            return false;
        }
        non_blocking_ = true;
        return true;
    }

    bool leave_reactor() {
        if (!in_reactor_) return true;
        if (descriptor_closed_ || !socket_.is_open()) return false;
        // A poll must be woken by the first byte, and outside the reactor nothing raises the
        // mark again.
        if (quiet_) set_receive_low_watermark(1);
        boost::system::error_code error;
        socket_.release(error);  // nothing is pending: the owner waits itself
        if (error) return false;
        in_reactor_ = false;
        return true;
    }

    bool rejoin_reactor() {
        if (in_reactor_) return true;
        if (descriptor_closed_) return false;
        boost::system::error_code error;
        socket_.assign(descriptor_protocol(), descriptor_, error);
        if (error) return false;  // stays outside; close() or the destructor lets it go
        in_reactor_ = true;
        non_blocking_ = false;  // Asio forgot it with the release (the descriptor still is)
        return true;
    }

    void fail_later(IoHandler handler) {
        boost::asio::post(socket_.get_executor(), [handler = std::move(handler)] {
            handler(bad_descriptor(), 0);
        });
    }

    static std::error_code bad_descriptor() {
        return std::error_code(boost::system::error_code(boost::asio::error::bad_descriptor));
    }
    // errno of a failed non-blocking call; an interrupted one is simply tried again later.
    static std::error_code last_call_error() {
        return errno == EINTR ? std::make_error_code(std::errc::operation_would_block)
                              : std::error_code(errno, std::system_category());
    }

    // Outside the reactor: the descriptor is non-blocking (Asio made it so for its own
    // operations); the results are what Asio's read_some/write_some would report.
    std::size_t receive_directly(boost::asio::mutable_buffer buffer, std::error_code& ec) {
        if (descriptor_closed_) {
            ec = bad_descriptor();
            return 0;
        }
        const ssize_t n = ::recv(descriptor_, buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n > 0) {
            ec.clear();
            return static_cast<std::size_t>(n);
        }
        if (n == 0) {
            if (buffer.size() == 0) ec.clear();
            else ec = std::error_code(boost::system::error_code(boost::asio::error::eof));
            return 0;
        }
        ec = last_call_error();
        return 0;
    }

    std::size_t send_directly(const std::vector<boost::asio::const_buffer>& buffers, std::error_code& ec) {
        if (descriptor_closed_) {
            ec = bad_descriptor();
            return 0;
        }
        std::vector<iovec> pieces;
        pieces.reserve(buffers.size());
        for (const auto& buffer : buffers)
            if (buffer.size() > 0) pieces.push_back({const_cast<void*>(buffer.data()), buffer.size()});
        if (pieces.empty()) {
            ec.clear();
            return 0;
        }
        msghdr message{};
        message.msg_iov = pieces.data();
        message.msg_iovlen = std::min<std::size_t>(pieces.size(), IOV_MAX);
        const ssize_t n = ::sendmsg(descriptor_, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n >= 0) {
            ec.clear();
            return static_cast<std::size_t>(n);
        }
        ec = last_call_error();
        return 0;
    }

    boost::asio::ip::tcp descriptor_protocol() const {
        return peer_address_.find(':') == std::string::npos ? boost::asio::ip::tcp::v4() : boost::asio::ip::tcp::v6();
    }

    static WaitOutcome poll_readable(int descriptor, std::optional<std::chrono::milliseconds> timeout) {
        using clock = std::chrono::steady_clock;
        const auto deadline = timeout ? std::optional(clock::now() + *timeout) : std::nullopt;
        pollfd watched{descriptor, POLLIN, 0};
        for (;;) {
            int wait_ms = -1;
            if (deadline) {
                const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - clock::now());
                if (left.count() <= 0) return WaitOutcome::timed_out;
                wait_ms = static_cast<int>(std::min<std::chrono::milliseconds::rep>(left.count(), 1 << 30));
            }
            const int ready = ::poll(&watched, 1, wait_ms);
            if (ready > 0) return WaitOutcome::readable;        // also POLLHUP/POLLERR: the read tells
            if (ready < 0 && errno != EINTR) return WaitOutcome::readable;  // likewise
        }
    }

    void set_receive_low_watermark(int bytes) noexcept {
        boost::system::error_code ignored;  // only costs wake-ups if it fails
        socket_.set_option(boost::asio::socket_base::receive_low_watermark(bytes), ignored);
        quiet_ = bytes > 1;
    }

    boost::asio::ip::tcp::socket socket_;
    const int descriptor_;
    // False while the descriptor is outside the engine's reactor (see wait_readable): socket_
    // is then closed as far as Asio knows, and the descriptor is used directly.
    bool in_reactor_ = true;
    bool descriptor_closed_ = false;  // closed by close() while outside the reactor
    std::string peer_address_;
    std::uint16_t peer_port_;
    bool non_blocking_ = false;
    // Quiet between waits: the socket is registered with the engine's epoll for its whole
    // life, edge-triggered, so every arriving segment wakes an engine thread even when no
    // read waits for it. While a reader takes the bytes itself (try_read_some, e.g. a
    // synchronous InternetReadFile or HttpSendRequest on the caller's thread) each such
    // arrival cost two thread wake-ups (Asio hands the reactor on to the other, idle thread):
    // ~16,000 per GiB, and 2-3 per small request, more than the reads themselves. A high
    // SO_RCVLOWAT from a try_read_some or try_write_some to the next wait keeps the kernel
    // from signalling most arrivals (it still does once the buffer is nearly full); every wait
    // lowers it to 1 first, which also signals bytes that came meanwhile, so waits, timeouts
    // and end of stream behave exactly as without it (end of stream and errors are signalled
    // whatever the mark). Costs one setsockopt per switch, none while the state stays. (Linux
    // also lets the receive buffer grow to hold the mark: a limit, nothing is allocated.)
    static constexpr int quiet_low_watermark = 4 * 1024 * 1024;
    bool quiet_between_waits_ = false;  // asked for (quiet_between_waits())
    bool quiet_ = false;                // the mark is high now
};

class TlsStream final : public Stream {
public:
    TlsStream(std::unique_ptr<TlsSocket> socket, std::shared_ptr<boost::asio::ssl::context> context,
              std::string peer_address, std::uint16_t peer_port, CertificateInfo certificate)
        : context_(std::move(context)), socket_(std::move(socket)), peer_address_(std::move(peer_address)),
          peer_port_(peer_port), certificate_(std::move(certificate)) {}

    boost::asio::any_io_executor executor() override { return socket_->get_executor(); }

    void async_read_some(boost::asio::mutable_buffer buffer, IoHandler handler) override {
        socket_->async_read_some(buffer, [handler = std::move(handler)](boost::system::error_code ec,
                                                                         std::size_t n) {
            // Servers routinely close without close_notify; for HTTP framing that is the end.
            if (ec == boost::asio::ssl::error::stream_truncated) ec = boost::asio::error::eof;
            handler(ec, n);
        });
    }

    void async_write_all(std::vector<boost::asio::const_buffer> buffers, IoHandler handler) override {
        std::size_t total = boost::asio::buffer_size(buffers);
        if (buffers.size() > 1 && total <= coalesce_limit) {
            auto joined = std::make_shared<std::string>();
            joined->reserve(total);
            for (const auto& buffer : buffers) joined->append(static_cast<const char*>(buffer.data()), buffer.size());
            boost::asio::async_write(*socket_, boost::asio::buffer(*joined),
                                     [handler = std::move(handler), joined](boost::system::error_code ec,
                                                                            std::size_t n) { handler(ec, n); });
            return;
        }
        boost::asio::async_write(*socket_, std::move(buffers),
                                 [handler = std::move(handler)](boost::system::error_code ec, std::size_t n) {
                                     handler(ec, n);
                                 });
    }

    void cancel() noexcept override {
        boost::system::error_code ignored;
        socket_->lowest_layer().cancel(ignored);
    }
    void close() noexcept override {
        boost::system::error_code ignored;
        socket_->lowest_layer().close(ignored);
    }
    bool is_open() const noexcept override { return socket_->lowest_layer().is_open(); }
    bool is_tls() const noexcept override { return true; }
    std::string peer_address() const override { return peer_address_; }
    std::uint16_t peer_port() const noexcept override { return peer_port_; }
    std::optional<CertificateInfo> certificate() const override { return certificate_; }

private:
    std::shared_ptr<boost::asio::ssl::context> context_;   // declared first: outlives the SSL object
    std::unique_ptr<TlsSocket> socket_;
    std::string peer_address_;
    std::uint16_t peer_port_;
    CertificateInfo certificate_;
};

}  // namespace

std::unique_ptr<Stream> make_tcp_stream(boost::asio::ip::tcp::socket socket, std::string peer_address,
                                        std::uint16_t peer_port) {
    return std::make_unique<TcpStream>(std::move(socket), std::move(peer_address), peer_port);
}

std::unique_ptr<Stream> make_tls_stream(std::unique_ptr<TlsSocket> socket,
                                        std::shared_ptr<boost::asio::ssl::context> context,
                                        std::string peer_address, std::uint16_t peer_port,
                                        CertificateInfo certificate) {
    return std::make_unique<TlsStream>(std::move(socket), std::move(context), std::move(peer_address),
                                       peer_port, std::move(certificate));
}

}  // namespace detail
}  // namespace openinet::net
