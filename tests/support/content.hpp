// Deterministic file contents for download tests: generated quickly at any size and
// checkable at any offset without keeping a copy.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace openinet::test {

// "Pattern" content: pseudo-random bytes with a period of 65521 (a prime, so a block shifted by
// any amount that is not a multiple of it does not match). Incompressible by gzip.
std::uint8_t pattern_byte(std::uint64_t offset);
std::string pattern_bytes(std::uint64_t offset, std::size_t length);
// Offset (absolute) of the first byte of `data` that differs from the pattern starting at
// `offset`; nullopt when it all matches.
std::optional<std::uint64_t> first_pattern_mismatch(std::uint64_t offset, std::string_view data);

// "Text" content: numbered ASCII lines ("line 000042 of the OpenInet test text ...\n"),
// very compressible, cut to exactly `size` bytes.
std::string text_bytes(std::uint64_t offset, std::size_t length);

// Writes `size` bytes of pattern (or text) content in 1 MiB blocks (no sparse files).
void write_pattern_file(const std::filesystem::path& path, std::uint64_t size);
void write_text_file(const std::filesystem::path& path, std::uint64_t size);

}  // namespace openinet::test
