#include "output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <map>

namespace inetget {

namespace {

constexpr std::string_view fallback_name = "index.html";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            int high = hex_value(text[i + 1]);
            int low = hex_value(text[i + 2]);
            if (high >= 0 && low >= 0) {
                out.push_back(static_cast<char>(high * 16 + low));
                i += 2;
                continue;
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

std::error_code last_system_error() {
    return {errno, std::system_category()};
}

}  // namespace

std::string file_name_for_url(std::string_view url) {
    std::string_view rest = url;
    if (auto end = rest.find_first_of("?#"); end != std::string_view::npos) {
        rest = rest.substr(0, end);
    }
    // Skip "scheme://authority" so a URL without a path does not name the file after its host.
    if (auto scheme_end = rest.find("://"); scheme_end != std::string_view::npos) {
        rest = rest.substr(scheme_end + 3);
        auto path_start = rest.find('/');
        rest = path_start == std::string_view::npos ? std::string_view{} : rest.substr(path_start);
    }
    auto last_slash = rest.rfind('/');
    std::string_view segment =
        last_slash == std::string_view::npos ? rest : rest.substr(last_slash + 1);
    std::string name = percent_decode(segment);
    if (name.empty() || name == "." || name == ".." ||
        name.find_first_of(std::string_view("/\0", 2)) != std::string::npos) {
        return std::string(fallback_name);
    }
    return name;
}

std::vector<std::string> unique_file_names(const std::vector<std::string>& urls) {
    std::vector<std::string> names;
    names.reserve(urls.size());
    std::map<std::string, unsigned> seen;
    for (const auto& url : urls) {
        std::string base = file_name_for_url(url);
        std::string name = base;
        // A generated "x.1" may itself be a later URL's name; keep counting until it is free.
        while (seen.contains(name)) {
            name = base + "." + std::to_string(++seen[base]);
        }
        seen.emplace(name, 0);
        names.push_back(std::move(name));
    }
    return names;
}

PartFile::PartFile(std::filesystem::path final_path)
    : final_path_(std::move(final_path)), part_path_(final_path_) {
    part_path_ += suffix;
}

PartFile::~PartFile() {
    discard();
}

std::error_code PartFile::open() {
    if (fd_ >= 0) return std::make_error_code(std::errc::device_or_resource_busy);
    fd_ = ::open(part_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) return last_system_error();
    created_ = true;
    size_ = 0;
    return {};
}

std::error_code PartFile::open_for_resume() {
    if (fd_ >= 0) return std::make_error_code(std::errc::device_or_resource_busy);
    fd_ = ::open(part_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) return last_system_error();
    created_ = true;
    struct stat status {};
    if (::fstat(fd_, &status) != 0) return last_system_error();
    size_ = static_cast<std::uint64_t>(status.st_size);
    return {};
}

std::error_code PartFile::truncate() {
    if (fd_ < 0) return std::make_error_code(std::errc::bad_file_descriptor);
    if (::ftruncate(fd_, 0) != 0) return last_system_error();
    // A file from open() has no O_APPEND: its offset must go back to the start as well.
    if (::lseek(fd_, 0, SEEK_SET) < 0) return last_system_error();
    size_ = 0;
    return {};
}

std::error_code PartFile::write(const char* data, std::size_t size) {
    if (fd_ < 0) return std::make_error_code(std::errc::bad_file_descriptor);
    while (size > 0) {
        ssize_t written = ::write(fd_, data, size);
        if (written < 0) {
            if (errno == EINTR) continue;
            return last_system_error();
        }
        data += written;
        size -= static_cast<std::size_t>(written);
        size_ += static_cast<std::uint64_t>(written);
    }
    return {};
}

std::error_code PartFile::commit() {
    if (fd_ < 0) return std::make_error_code(std::errc::bad_file_descriptor);
    // No fsync: like other downloaders we promise "complete when renamed", not durability
    // across a power loss, and an fsync per file would stall large downloads.
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return last_system_error();
    if (std::rename(part_path_.c_str(), final_path_.c_str()) != 0) return last_system_error();
    committed_ = true;
    return {};
}

void PartFile::discard() noexcept {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    if (created_ && !committed_ && !keep_when_incomplete_) {
        ::unlink(part_path_.c_str());
        created_ = false;
    }
}

}  // namespace inetget
