#include "content.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace openinet::test {
namespace {

constexpr std::size_t pattern_period = 65521;
constexpr std::size_t block_size = 1 << 20;

const std::array<std::uint8_t, pattern_period>& pattern_table() {
  static const auto table = [] {
    std::array<std::uint8_t, pattern_period> bytes{};
    std::uint32_t state = 0x2545F491u;
    for (auto& byte : bytes) {
      state = state * 1664525u + 1013904223u;  // a plain LCG: fixed, fast, good enough here
      byte = static_cast<std::uint8_t>(state >> 24);
    }
    return bytes;
  }();
  return table;
}

// Text lines all have the same length, so the byte at any offset is computable.
constexpr std::size_t text_line_length = 64;

std::string text_line(std::uint64_t number) {
  std::string line = "line " + std::to_string(number) + " of the OpenInet test text, compresses well ";
  line.resize(text_line_length - 1, '.');
  line += '\n';
  return line;
}

template <class Generate>
void write_generated_file(const std::filesystem::path& path, std::uint64_t size, Generate generate) {
  std::filesystem::create_directories(path.parent_path());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("open " + path.string() + ": " + std::strerror(errno));
  std::uint64_t written = 0;
  std::string block;
  while (written < size) {
    std::size_t length = static_cast<std::size_t>(std::min<std::uint64_t>(block_size, size - written));
    block = generate(written, length);
    std::size_t done = 0;
    while (done < length) {
      ssize_t result = ::write(fd, block.data() + done, length - done);
      if (result < 0 && errno == EINTR) continue;
      if (result <= 0) {
        int error = errno;
        ::close(fd);
        throw std::runtime_error("write " + path.string() + ": " + std::strerror(error));
      }
      done += static_cast<std::size_t>(result);
    }
    written += length;
  }
  ::close(fd);
}

}  // namespace

std::uint8_t pattern_byte(std::uint64_t offset) { return pattern_table()[offset % pattern_period]; }

std::string pattern_bytes(std::uint64_t offset, std::size_t length) {
  const auto& table = pattern_table();
  std::string bytes;
  bytes.reserve(length);
  std::size_t phase = static_cast<std::size_t>(offset % pattern_period);
  while (bytes.size() < length) {
    std::size_t take = std::min(length - bytes.size(), pattern_period - phase);
    bytes.append(reinterpret_cast<const char*>(table.data()) + phase, take);
    phase = 0;
  }
  return bytes;
}

std::optional<std::uint64_t> first_pattern_mismatch(std::uint64_t offset, std::string_view data) {
  const auto& table = pattern_table();
  std::size_t phase = static_cast<std::size_t>(offset % pattern_period);
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (static_cast<std::uint8_t>(data[i]) != table[phase]) return offset + i;
    if (++phase == pattern_period) phase = 0;
  }
  return std::nullopt;
}

std::string text_bytes(std::uint64_t offset, std::size_t length) {
  std::string bytes;
  bytes.reserve(length + text_line_length);
  std::uint64_t line = offset / text_line_length;
  std::size_t skip = static_cast<std::size_t>(offset % text_line_length);
  while (bytes.size() < length + skip) bytes += text_line(line++);
  return bytes.substr(skip, length);
}

void write_pattern_file(const std::filesystem::path& path, std::uint64_t size) {
  write_generated_file(path, size, pattern_bytes);
}

void write_text_file(const std::filesystem::path& path, std::uint64_t size) {
  write_generated_file(path, size, text_bytes);
}

}  // namespace openinet::test
