#include "core/auth/common_passwords.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>
#include <system_error>

#include "core/base/log.hpp"
#include "core/crypto/sha1.hpp"

namespace latchkey {
namespace {

constexpr std::size_t kLongestCommon = 64;  // longer than any line of the list: never common

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// The line of `text` that holds byte `at` (its own '\n' counts as part of it).
std::string_view line_at(std::string_view text, std::size_t at) {
    // npos + 1 wraps to 0: the first line.
    const std::size_t start = at == 0 ? 0 : text.rfind('\n', at - 1) + 1;
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    return text.substr(start, end - start);
}

class OpenFile {  // RAII for the one descriptor a check opens
  public:
    explicit OpenFile(const std::string& path)
        : fd_(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)) {}
    ~OpenFile() {
        if (fd_ >= 0) ::close(fd_);
    }
    OpenFile(const OpenFile&) = delete;
    OpenFile& operator=(const OpenFile&) = delete;
    int fd() const { return fd_; }

  private:
    int fd_;
};

std::string errno_text(int error) {
    return std::error_code(error, std::generic_category()).message();
}

// Up to `cap` bytes of the regular file at `fd` (a FIFO or device is refused: O_NONBLOCK kept
// the open from waiting on one); `error` says why nothing could be read.
std::string read_capped(int fd, std::size_t cap, std::string& error) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        error = errno_text(errno);
        return {};
    }
    if (!S_ISREG(st.st_mode)) {
        error = "not a regular file";
        return {};
    }
    std::string text(cap, '\0');
    std::size_t got = 0;
    while (got < cap) {
        const ssize_t n = ::read(fd, text.data() + got, cap - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = errno_text(errno);
            return {};
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    text.resize(got);
    return text;
}

bool hex_equal(std::string_view a, std::string_view upper) {
    if (a.size() != upper.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char c = a[i];
        if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
        if (c != upper[i]) return false;
    }
    return true;
}

// Whether `text` (a range file's first bytes) lists `suffix` with a count above zero. A line cut
// off by the read cap is not trusted.
bool lists_suffix(std::string_view text, std::string_view suffix, bool cut) {
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        if (end == std::string_view::npos && cut) return false;
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || !hex_equal(line.substr(0, colon), suffix)) continue;
        const std::string_view count = line.substr(colon + 1);
        return count.find_first_not_of('0') != std::string_view::npos &&
               count.find_first_not_of("0123456789") == std::string_view::npos;
    }
    return false;
}

}  // namespace

bool is_common_password(std::string_view password) {
    if (password.empty() || password.size() > kLongestCommon) return false;
    std::string key(password);
    for (char& c : key) c = lower(c);
    const std::string_view text = common_password_list();
    // Binary search by byte offset: each probe compares the line around the middle byte.
    std::size_t lo = 0, hi = text.size();
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        const std::string_view line = line_at(text, mid);
        const std::size_t line_start = static_cast<std::size_t>(line.data() - text.data());
        const int order = std::string_view(key).compare(line);
        if (order == 0) return true;
        if (order < 0) {
            hi = line_start;
        } else {
            lo = line_start + line.size() + 1;
        }
    }
    return false;
}

bool is_breached_password(std::string_view dir, std::string_view password) {
    if (dir.empty()) return false;
    const std::string digest = sha1_hex_upper(password);
    const std::string base = std::string(dir) + "/" + digest.substr(0, 5);
    std::string path = base;
    std::optional<OpenFile> file(std::in_place, path);
    if (file->fd() < 0 && errno == ENOENT) {
        path = base + ".txt";
        file.emplace(path);
    }
    if (file->fd() < 0) {
        if (errno != ENOENT) {
            log_event(LogLevel::warn, "breached-password store unreadable",
                      {{"path", path}, {"error", errno_text(errno)}});
        }
        return false;
    }
    std::string error;
    const std::string text = read_capped(file->fd(), kMaxBreachedFileBytes, error);
    if (!error.empty()) {
        log_event(LogLevel::warn, "breached-password store unreadable",
                  {{"path", path}, {"error", error}});
        return false;
    }
    const bool cut = text.size() == kMaxBreachedFileBytes;
    if (cut) {
        log_event(LogLevel::warn, "breached-password file over the read cap", {{"path", path}});
    }
    return lists_suffix(text, std::string_view(digest).substr(5), cut);
}

}  // namespace latchkey
