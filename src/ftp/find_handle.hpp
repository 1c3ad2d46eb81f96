// The FTP find handle (INTERNET_HANDLE_TYPE_FTP_FIND) of FtpFindFirstFile / InternetFindNextFile.
#pragma once

#include "ftp/connection_handle.hpp"
#include "ftp/listing.hpp"

#include <mutex>
#include <string>
#include <vector>

namespace openinet::ftp {

// How FtpFindFirstFile's search string is served: the directory to list (as the server names
// it, "" = current) and the name pattern matched against the entries on our side ('*' and
// '?'), so every server, MLSD or LIST, gives the same answer.
struct SearchSpec {
    std::string directory;
    std::string pattern;   // "*" = everything
};
// NULL/""/"*"/"*.*" → the current directory; "dir/" → dir; "dir/name*" → dir filtered;
// "name" → the current directory, that name only. false: a wildcard in the directory part.
bool parse_search(const std::string& search, SearchSpec& out);
bool matches_pattern(std::string_view pattern, std::string_view name);

class FindHandle : public ChildHandle {
public:
    using Ptr = std::shared_ptr<FindHandle>;

    FindHandle(const ConnectionHandle::Ptr& connection, DWORD_PTR context);

    // FtpFindFirstFile after publication: lists, keeps the matching entries and fills
    // `first` (WIN32_FIND_DATAA or W) with the first; no entry → ERROR_NO_MORE_FILES.
    // InternetOpenUrl of a directory passes no `first` (InternetFindNextFile then starts at
    // the first entry; an empty directory is no error) and logs in first.
    core::CallResult list(SearchSpec spec, void* first, bool wide, DWORD_PTR success_result,
                          bool login_first = false);

    std::error_code find_next(void* find_data, bool wide) override;

protected:
    void wind_down() override;

private:
    std::mutex entries_mutex_;
    std::vector<ListEntry> entries_;
    std::size_t next_ = 0;
};

}  // namespace openinet::ftp
