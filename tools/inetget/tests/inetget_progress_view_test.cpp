#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "progress_view.hpp"

namespace inetget {
namespace {

TEST(InetgetFormat, Bytes) {
    EXPECT_EQ(format_bytes(0), "0 B");
    EXPECT_EQ(format_bytes(1023), "1023 B");
    EXPECT_EQ(format_bytes(1024), "1.00 KiB");
    EXPECT_EQ(format_bytes(1536), "1.50 KiB");
    EXPECT_EQ(format_bytes(1024 * 1024 - 1), "1023 KiB");  // truncated, never "1024 KiB"
    EXPECT_EQ(format_bytes(12 * 1024 * 1024 + 512 * 1024), "12.5 MiB");
    EXPECT_EQ(format_bytes(256ULL * 1024 * 1024), "256 MiB");
    EXPECT_EQ(format_bytes(5ULL * 1024 * 1024 * 1024), "5.00 GiB");
}

TEST(InetgetFormat, RateEtaPercent) {
    EXPECT_EQ(format_rate(-1), "-");
    EXPECT_EQ(format_rate(2.5 * 1024 * 1024), "2.50 MiB/s");
    EXPECT_EQ(format_eta(-1), "--:--");
    EXPECT_EQ(format_eta(0), "0:00");
    EXPECT_EQ(format_eta(6.2), "0:07");
    EXPECT_EQ(format_eta(754), "12:34");
    EXPECT_EQ(format_eta(3723), "1:02:03");
    EXPECT_EQ(format_eta(100.0 * 3600), "--:--");
    EXPECT_EQ(format_percent(5, std::nullopt), "");
    EXPECT_EQ(format_percent(0, 0), "");
    EXPECT_EQ(format_percent(50, 200), "25%");
    EXPECT_EQ(format_percent(999, 1000), "99%");
    EXPECT_EQ(format_percent(1000, 1000), "100%");
}

TEST(InetgetFormat, LiveLineFitsTheWidth) {
    TransferSnapshot t;
    t.name = "a-rather-long-file-name-that-goes-on.bin";
    t.state = TransferState::receiving;
    t.bytes = 3 * 1024 * 1024;
    t.total = 12 * 1024 * 1024;
    std::string line = format_live_line(t, 1024.0 * 1024, 12, 200);
    EXPECT_NE(line.find("a-rather-..."), std::string::npos) << line;
    EXPECT_NE(line.find("3.00 MiB"), std::string::npos) << line;
    EXPECT_NE(line.find("12.0 MiB"), std::string::npos) << line;
    EXPECT_NE(line.find("25%"), std::string::npos) << line;
    EXPECT_NE(line.find("1.00 MiB/s"), std::string::npos) << line;
    EXPECT_NE(line.find("ETA    0:09"), std::string::npos) << line;
    EXPECT_NE(line.find("receiving"), std::string::npos) << line;
    EXPECT_LE(format_live_line(t, 1, 12, 40).size(), 40u);

    t.state = TransferState::failed;
    t.error_message = "server answered HTTP status 404 Not Found";
    line = format_live_line(t, -1, 12, 200);
    EXPECT_NE(line.find("failed: server answered HTTP status 404"), std::string::npos) << line;
}

TEST(InetgetRateMeter, NeedsTimeThenMeasuresTheWindow) {
    RateMeter meter;
    auto start = RateMeter::Clock::time_point{} + std::chrono::hours(1);
    meter.add(start, 0);
    EXPECT_LT(meter.bytes_per_second(), 0);
    meter.add(start + std::chrono::milliseconds(100), 1000);
    EXPECT_LT(meter.bytes_per_second(), 0);  // too short to say
    meter.add(start + std::chrono::seconds(1), 10'000);
    EXPECT_DOUBLE_EQ(meter.bytes_per_second(), 10'000.0);
    // Old samples leave the window: the rate follows the recent speed.
    meter.add(start + std::chrono::seconds(10), 10'000);
    meter.add(start + std::chrono::seconds(11), 20'000);
    EXPECT_DOUBLE_EQ(meter.bytes_per_second(), 10'000.0);
}

// The view writes to a FILE*; a memory stream captures what it prints.
class Capture {
  public:
    Capture() : file_(open_memstream(&data_, &size_)) {}
    ~Capture() {
        std::fclose(file_);
        std::free(data_);
    }
    std::FILE* file() { return file_; }
    std::string text() {
        std::fflush(file_);
        return std::string(data_, size_);
    }

  private:
    char* data_ = nullptr;
    std::size_t size_ = 0;
    std::FILE* file_;
};

TransferSnapshot snapshot(std::string name, TransferState state, std::uint64_t bytes) {
    TransferSnapshot t;
    t.name = std::move(name);
    t.url = "http://127.0.0.1/" + t.name;
    t.state = state;
    t.bytes = bytes;
    t.total = 100;
    t.elapsed = std::chrono::seconds(2);
    return t;
}

TEST(InetgetProgressView, LinesModePrintsStartAndFinishOnce) {
    Capture out;
    ProgressView view(out.file(), ProgressView::Mode::lines);
    std::vector<TransferSnapshot> state{snapshot("a.bin", TransferState::connecting, 0),
                                        snapshot("b.bin", TransferState::waiting, 0)};
    view.update(state);
    view.update(state);
    state[0] = snapshot("a.bin", TransferState::succeeded, 100);
    state[1] = snapshot("b.bin", TransferState::failed, 0);
    state[1].error_message = "cannot connect";
    view.finish(state);
    view.update(state);  // after finish: nothing more
    EXPECT_EQ(out.text(),
              "start     a.bin  http://127.0.0.1/a.bin\n"
              "done      a.bin  100 B in 2.00 s (50 B/s)\n"
              "start     b.bin  http://127.0.0.1/b.bin\n"
              "failed    b.bin  cannot connect\n");
}

TEST(InetgetProgressView, QuietModePrintsNothing) {
    Capture out;
    ProgressView view(out.file(), ProgressView::Mode::quiet);
    std::vector<TransferSnapshot> state{snapshot("a.bin", TransferState::succeeded, 100)};
    view.update(state);
    view.finish(state);
    EXPECT_EQ(out.text(), "");
}

TEST(InetgetProgressView, LiveModeRedrawsInPlace) {
    Capture out;
    {
        ProgressView view(out.file(), ProgressView::Mode::live);
        std::vector<TransferSnapshot> state{snapshot("a.bin", TransferState::receiving, 10),
                                            snapshot("b.bin", TransferState::receiving, 20)};
        view.update(state);
        state[0].bytes = 50;
        view.update(state);
        state[0] = snapshot("a.bin", TransferState::succeeded, 100);
        state[1] = snapshot("b.bin", TransferState::succeeded, 100);
        view.finish(state);
    }
    std::string text = out.text();
    // Three lines per frame (two transfers and the total); later frames first move up three.
    EXPECT_NE(text.find("\x1b[3A"), std::string::npos);
    EXPECT_NE(text.find("total: 2/2 done"), std::string::npos);
    EXPECT_NE(text.find("\x1b[?25l"), std::string::npos);  // cursor hidden while drawing
    EXPECT_EQ(text.substr(text.size() - 6), "\x1b[?25h");  // and shown again at the end
}

}  // namespace
}  // namespace inetget
