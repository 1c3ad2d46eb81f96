// InternetCanonicalizeUrl and InternetCombineUrl.
//
// Both work on a tolerant split of the URL into RFC 3986's five parts (see crack.cpp for
// why the split is our own rather than Boost.URL's parser: WinInet accepts raw spaces,
// backslashes and other characters RFC 3986 forbids, and keeps them under
// ICU_NO_ENCODE). Resolution follows RFC 3986 section 5.2 on that split.
#include "url/escaping.hpp"
#include "url/url.hpp"

#include <vector>

namespace openinet::url {
namespace {

struct Reference {
    std::optional<std::string> scheme;
    std::optional<std::string> authority; // without the leading "//"
    std::string path;
    std::optional<std::string> query;     // without the '?'
    std::optional<std::string> fragment;  // without the '#'
};

std::string_view trim_blanks(std::string_view text)
{
    auto blank = [](char c) { return static_cast<unsigned char>(c) <= 0x20; };
    while (!text.empty() && blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && blank(text.back())) text.remove_suffix(1);
    return text;
}

// Length of a "scheme:" prefix (without the colon), 0 if the text has none.
std::size_t scheme_length(std::string_view text)
{
    std::size_t colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0) return 0;
    for (std::size_t i = 0; i < colon; ++i)
        if (!detail::is_scheme_char(text[i])) return 0;
    return colon;
}

// Schemes whose paths treat '\' as '/', as browsers and WinInet do.
bool is_web_scheme(Scheme scheme) noexcept
{
    return scheme == Scheme::http || scheme == Scheme::https || scheme == Scheme::ftp ||
           scheme == Scheme::gopher;
}

Reference split_reference(std::string_view text)
{
    Reference ref;
    if (std::size_t length = scheme_length(text)) {
        ref.scheme = std::string(text.substr(0, length));
        text.remove_prefix(length + 1);
    }
    if (std::size_t hash = text.find('#'); hash != std::string_view::npos) {
        ref.fragment = std::string(text.substr(hash + 1));
        text = text.substr(0, hash);
    }
    if (std::size_t question = text.find('?'); question != std::string_view::npos) {
        ref.query = std::string(text.substr(question + 1));
        text = text.substr(0, question);
    }
    if (text.substr(0, 2) == "//") {
        text.remove_prefix(2);
        std::size_t slash = text.find('/');
        if (slash == std::string_view::npos) slash = text.size();
        ref.authority = std::string(text.substr(0, slash));
        text.remove_prefix(slash);
    }
    ref.path = std::string(text);
    return ref;
}

std::string recompose(const Reference& ref)
{
    std::string text;
    if (ref.scheme) {
        text += *ref.scheme;
        text += ':';
    }
    if (ref.authority) {
        text += "//";
        text += *ref.authority;
    } else if (ref.path.substr(0, 2) == "//") {
        // Without this a path like "//x" would read back as an authority (RFC 3986 5.2.2).
        text += "/.";
    }
    text += ref.path;
    if (ref.query) {
        text += '?';
        text += *ref.query;
    }
    if (ref.fragment) {
        text += '#';
        text += *ref.fragment;
    }
    return text;
}

// RFC 3986 section 5.2.4, on segments: "." disappears, ".." removes its predecessor,
// and a trailing "." or ".." leaves the path ending in '/'.
std::string remove_dot_segments(std::string_view path)
{
    if (path.empty()) return {};
    const bool absolute = path.front() == '/';
    std::vector<std::string_view> input;
    std::size_t start = absolute ? 1 : 0;
    while (true) {
        std::size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) {
            input.push_back(path.substr(start));
            break;
        }
        input.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }

    std::vector<std::string_view> output;
    bool ends_in_directory = false;
    for (std::size_t i = 0; i < input.size(); ++i) {
        const bool last = i + 1 == input.size();
        std::string_view segment = input[i];
        if (segment == ".") {
            ends_in_directory = last;
        } else if (segment == "..") {
            if (!output.empty()) output.pop_back();
            ends_in_directory = last;
        } else {
            output.push_back(segment);
            ends_in_directory = false;
        }
    }

    std::string result = absolute ? "/" : "";
    for (std::size_t i = 0; i < output.size(); ++i) {
        if (i > 0) result += '/';
        result += output[i];
    }
    if (ends_in_directory && !output.empty()) result += '/';
    return result;
}

Error canonicalize_reference(Reference ref, std::uint32_t flags, std::string& out)
{
    const Scheme scheme = ref.scheme ? scheme_from_name(*ref.scheme) : Scheme::unknown;
    if (ref.scheme) {
        for (char& c : *ref.scheme) c = detail::ascii_lower(c);
    }
    const bool opaque = ref.scheme && !ref.authority &&
                        (ref.path.empty() || ref.path.front() != '/');
    if (opaque) { // "mailto:a@b", "about:blank", "javascript:..." stay as written
        out = recompose(ref);
        return Error::none;
    }

    if (is_web_scheme(scheme)) {
        for (char& c : ref.path)
            if (c == '\\') c = '/';
    }
    if (ref.authority && ref.path.empty()) ref.path = "/";
    if (!(flags & flag::no_meta) && (ref.authority || (!ref.path.empty() && ref.path.front() == '/')))
        ref.path = remove_dot_segments(ref.path);
    ref.path = detail::escape(ref.path, detail::rules_for_canonicalize(flags));
    out = recompose(ref);
    return Error::none;
}

// RFC 3986 section 5.2.3.
std::string merge_paths(const Reference& base, std::string_view relative_path)
{
    if (base.authority && base.path.empty()) return "/" + std::string(relative_path);
    std::size_t last_slash = base.path.rfind('/');
    if (last_slash == std::string::npos) return std::string(relative_path);
    return base.path.substr(0, last_slash + 1) + std::string(relative_path);
}

} // namespace

Error canonicalize(std::string_view url, std::uint32_t flags, std::string& out)
{
    out.clear();
    std::string text(trim_blanks(url));
    if (flags & flag::decode) text = percent_decode(text);
    return canonicalize_reference(split_reference(text), flags, out);
}

Error combine(std::string_view base_text, std::string_view relative_text, std::uint32_t flags,
              std::string& out)
{
    out.clear();
    Reference base = split_reference(trim_blanks(base_text));
    Reference relative = split_reference(trim_blanks(relative_text));
    if (relative.scheme) return canonicalize_reference(std::move(relative), flags, out);
    if (!base.scheme) return Error::invalid_url;

    if (is_web_scheme(scheme_from_name(*base.scheme))) {
        for (char& c : relative.path)
            if (c == '\\') c = '/';
    }
    const bool simplify = !(flags & flag::no_meta);
    auto dots_removed = [&](std::string path) {
        return simplify ? remove_dot_segments(path) : path;
    };

    Reference target;
    target.scheme = base.scheme;
    if (relative.authority) {
        target.authority = relative.authority;
        target.path = dots_removed(relative.path);
        target.query = relative.query;
    } else {
        target.authority = base.authority;
        if (relative.path.empty()) {
            target.path = base.path;
            target.query = relative.query ? relative.query : base.query;
        } else {
            target.path = relative.path.front() == '/'
                              ? dots_removed(relative.path)
                              : dots_removed(merge_paths(base, relative.path));
            target.query = relative.query;
        }
    }
    target.fragment = relative.fragment;
    return canonicalize_reference(std::move(target), flags, out);
}

} // namespace openinet::url
