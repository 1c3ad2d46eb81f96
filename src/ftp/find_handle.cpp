#include "ftp/find_handle.hpp"

#include "core/error.hpp"

#include <chrono>

namespace openinet::ftp {

bool matches_pattern(std::string_view pattern, std::string_view name) {
    // Iterative wildcard match with one backtrack point: linear enough for file names and no
    // recursion a hostile listing could drive deep.
    std::size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
    while (n < name.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
            ++p;
            ++n;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = n;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            n = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

bool parse_search(const std::string& search, SearchSpec& out) {
    out = {};
    auto slash = search.rfind('/');
    std::string directory = slash == std::string::npos ? std::string() : search.substr(0, slash + 1);
    std::string name = slash == std::string::npos ? search : search.substr(slash + 1);
    if (directory.find_first_of("*?") != std::string::npos) return false;
    // "/" alone stays "/"; "dir/" is listed as "dir".
    if (directory.size() > 1 && directory.back() == '/') directory.pop_back();
    out.directory = std::move(directory);
    // Windows' "*.*" means every name, with or without a dot.
    out.pattern = (name.empty() || name == "*.*") ? "*" : std::move(name);
    return true;
}

FindHandle::FindHandle(const ConnectionHandle::Ptr& connection, DWORD_PTR context)
    : ChildHandle(INTERNET_HANDLE_TYPE_FTP_FIND, connection, context) {}

core::CallResult FindHandle::list(SearchSpec spec, void* first, bool wide, DWORD_PTR success_result,
                                  bool login_first) {
    auto me = std::static_pointer_cast<FindHandle>(shared_from_this());
    auto start = [me, spec = std::move(spec), first, wide, success_result](core::Done done) {
        const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
        me->connection()->session()->list(
            spec.directory, now,
            [me, spec, first, wide, success_result, done](std::error_code ec, std::vector<ListEntry> entries) {
                me->connection()->publish_response(ec);
                if (ec) return done(0, ec);
                std::vector<ListEntry> kept;
                for (auto& entry : entries)
                    if (spec.pattern == "*" || matches_pattern(spec.pattern, entry.name)) kept.push_back(std::move(entry));
                if (first) {
                    if (kept.empty()) return done(0, make_error(ERROR_NO_MORE_FILES));
                    if (wide) to_find_data(kept.front(), *static_cast<WIN32_FIND_DATAW*>(first));
                    else to_find_data(kept.front(), *static_cast<WIN32_FIND_DATAA*>(first));
                }
                {
                    std::lock_guard lock(me->entries_mutex_);
                    me->entries_ = std::move(kept);
                    me->next_ = first ? 1 : 0;
                }
                done(success_result, {});
            });
    };
    auto result = run(context(), [me, start, login_first](core::Done done) {
        if (!login_first) return me->connection()->when_idle([start, done] { start(done); });
        me->connection()->start_login([start, done](std::error_code ec) {
            if (ec) return done(0, ec);
            start(done);
        });
    });
    if (!is_pending(result.error)) connection()->publish_response(result.error);
    return result;
}

std::error_code FindHandle::find_next(void* find_data, bool wide) {
    std::lock_guard lock(entries_mutex_);
    if (next_ >= entries_.size()) return make_error(ERROR_NO_MORE_FILES);
    const ListEntry& entry = entries_[next_++];
    if (wide) to_find_data(entry, *static_cast<WIN32_FIND_DATAW*>(find_data));
    else to_find_data(entry, *static_cast<WIN32_FIND_DATAA*>(find_data));
    return {};
}

void FindHandle::wind_down() {
    // The listing is read whole inside FtpFindFirstFile: nothing is left on the connection.
    connection()->end_wind_down();
}

}  // namespace openinet::ftp
