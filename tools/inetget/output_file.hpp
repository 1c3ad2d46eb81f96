// Where a download lands: the file name taken from its URL, and the "<name>.part" file that
// becomes "<name>" only when the download completed (so a file of the final name is never a
// partial download). An incomplete .part file is removed, or kept for a later resume.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace inetget {

// The last segment of the URL's path, percent-decoded; "index.html" when the path is empty
// or ends in '/', or when the segment cannot be a file name ("." / ".." / contains '/' or NUL
// once decoded). The query and fragment are ignored.
std::string file_name_for_url(std::string_view url);

// The names for a list of URLs, made unique by appending ".1", ".2"... to repeated ones.
std::vector<std::string> unique_file_names(const std::vector<std::string>& urls);

class PartFile {
  public:
    static constexpr std::string_view suffix = ".part";

    explicit PartFile(std::filesystem::path final_path);
    ~PartFile();  // removes the .part file unless commit() succeeded
    PartFile(const PartFile&) = delete;
    PartFile& operator=(const PartFile&) = delete;

    // Creates (or truncates) "<final>.part".
    std::error_code open();
    // Opens "<final>.part" for appending, creating it when missing; size() tells how much of
    // the download an earlier run left there.
    std::error_code open_for_resume();
    // Empties the open file: the server could not continue where it ended.
    std::error_code truncate();
    // Bytes in the file so far.
    std::uint64_t size() const noexcept { return size_; }
    // Keep the .part file, instead of removing it, when the download does not complete
    // (`inetget --continue` picks it up later).
    void keep_when_incomplete(bool keep) noexcept { keep_when_incomplete_ = keep; }
    // Writes everything (retrying short writes and EINTR).
    std::error_code write(const char* data, std::size_t size);
    // Closes and renames "<final>.part" to "<final>", replacing an existing file.
    std::error_code commit();
    // Closes and removes "<final>.part" (closes only, when kept for resuming); safe to call
    // at any time, any number of times.
    void discard() noexcept;

    const std::filesystem::path& final_path() const noexcept { return final_path_; }
    const std::filesystem::path& part_path() const noexcept { return part_path_; }

  private:
    std::filesystem::path final_path_;
    std::filesystem::path part_path_;
    int fd_ = -1;
    std::uint64_t size_ = 0;
    bool keep_when_incomplete_ = false;
    bool created_ = false;
    bool committed_ = false;
};

}  // namespace inetget
