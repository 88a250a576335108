#include "core/mail/mail_transport.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "core/base/clock.hpp"
#include "core/base/log.hpp"
#include "core/crypto/ids.hpp"
#include "core/mail/curl_library.hpp"

namespace latchkey {
namespace {

class DirTransport final : public MailTransport {
  public:
    explicit DirTransport(std::string dir) : dir_(std::move(dir)) {}

    SendOutcome send(const MailMessage& message, const std::string& mime) override {
        // Nanoseconds first: listing the folder in name order lists the mail in delivery order.
        timespec ts{};
        ::clock_gettime(CLOCK_REALTIME, &ts);
        char stamp[32];
        std::snprintf(stamp, sizeof stamp, "%lld%09ld", static_cast<long long>(ts.tv_sec),
                      ts.tv_nsec);
        const std::string name = std::string(stamp) + "-" + new_hex_id(4) + ".eml";
        const std::string tmp = dir_ + "/." + name + ".tmp";
        const std::string path = dir_ + "/" + name;
        {
            std::ofstream out(tmp, std::ios::binary);
            out << mime;
            if (!out.flush()) return {false, false, "cannot write " + tmp};
        }
        if (std::rename(tmp.c_str(), path.c_str()) != 0) {  // readers never see half a message
            return {false, false, "cannot rename " + tmp + ": " + std::strerror(errno)};
        }
        // The link carries a token: it is in the file (scripts/watch-mail shows it), never the log.
        log_event(LogLevel::info, "mail written",
                  {{"to", message.to}, {"kind", message.kind}, {"file", path}});
        return {true, false, {}};
    }

  private:
    std::string dir_;
};

class SendmailTransport final : public MailTransport {
  public:
    explicit SendmailTransport(std::string path) : path_(std::move(path)) {}

    SendOutcome send(const MailMessage&, const std::string& mime) override {
        int pipe_fds[2];
        if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return {false, false, "pipe failed"};
        const pid_t pid = ::fork();
        if (pid < 0) {
            ::close(pipe_fds[0]);
            ::close(pipe_fds[1]);
            return {false, false, "fork failed"};
        }
        if (pid == 0) {
            ::dup2(pipe_fds[0], STDIN_FILENO);
            const char* argv[] = {path_.c_str(), "-t", "-i", nullptr};
            ::execv(path_.c_str(), const_cast<char* const*>(argv));
            ::_exit(127);
        }
        ::close(pipe_fds[0]);
        std::size_t written = 0;
        while (written < mime.size()) {
            const ssize_t n = ::write(pipe_fds[1], mime.data() + written, mime.size() - written);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            written += static_cast<std::size_t>(n);
        }
        ::close(pipe_fds[1]);
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && written == mime.size()) {
            return {true, false, {}};
        }
        const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        // sysexits.h: 75 is "try again later"; 64-78 otherwise mean the message itself is wrong.
        const bool permanent = code >= 64 && code <= 78 && code != 75;
        return {false, permanent, path_ + " exited with " + std::to_string(code)};
    }

  private:
    std::string path_;
};

class SmtpTransport final : public MailTransport {
  public:
    SmtpTransport(const CurlLibrary& lib, std::string url, std::string from, bool require_tls)
        : lib_(lib), url_(std::move(url)), from_(std::move(from)), require_tls_(require_tls) {}

    SendOutcome send(const MailMessage& message, const std::string& mime) override {
        std::unique_ptr<CURL, void (*)(CURL*)> curl(lib_.easy_init(), lib_.easy_cleanup);
        if (!curl) return {false, false, "curl_easy_init failed"};
        struct Reader {
            const std::string* data;
            std::size_t offset;
        } reader{&mime, 0};
        auto read = +[](char* buffer, size_t size, size_t count, void* user) -> size_t {
            auto* r = static_cast<Reader*>(user);
            const std::size_t n = std::min(size * count, r->data->size() - r->offset);
            std::memcpy(buffer, r->data->data() + r->offset, n);
            r->offset += n;
            return n;
        };
        std::unique_ptr<curl_slist, void (*)(curl_slist*)> rcpt(
            lib_.slist_append(nullptr, ("<" + message.to + ">").c_str()), lib_.slist_free_all);
        // Appended, not `"<" + ... + ">"`: GCC 12 at -O3 warns falsely (-Wrestrict) on that.
        std::string from = "<";
        from += mail_address(from_);
        from += '>';
        char error[CURL_ERROR_SIZE] = "";
        lib_.easy_setopt(curl.get(), CURLOPT_URL, url_.c_str());
        lib_.easy_setopt(curl.get(), CURLOPT_MAIL_FROM, from.c_str());
        lib_.easy_setopt(curl.get(), CURLOPT_MAIL_RCPT, rcpt.get());
        lib_.easy_setopt(curl.get(), CURLOPT_READFUNCTION, read);
        lib_.easy_setopt(curl.get(), CURLOPT_READDATA, &reader);
        lib_.easy_setopt(curl.get(), CURLOPT_UPLOAD, 1L);
        lib_.easy_setopt(curl.get(), CURLOPT_USE_SSL,
                         require_tls_ ? CURLUSESSL_ALL : CURLUSESSL_TRY);
        lib_.easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 10L);
        lib_.easy_setopt(curl.get(), CURLOPT_TIMEOUT, 60L);
        lib_.easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
        lib_.easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
        const CURLcode rc = lib_.easy_perform(curl.get());
        if (rc == CURLE_OK) return {true, false, {}};
        long response = 0;
        lib_.easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &response);
        const std::string why =
            std::string(lib_.easy_strerror(rc)) + (error[0] ? ": " : "") + error;
        return {false, response >= 500 && response < 600, why};
    }

  private:
    const CurlLibrary& lib_;
    std::string url_;
    std::string from_;
    bool require_tls_;
};

}  // namespace

Result<std::unique_ptr<MailTransport>> make_mail_transport(const Config& config) {
    const std::string& t = config.mail_transport;
    if (t == "dir") {
        std::error_code ec;
        std::filesystem::create_directories(config.mail_dir, ec);
        if (ec) return make_error(Errc::config, "cannot create mail_dir " + config.mail_dir);
        return std::unique_ptr<MailTransport>(std::make_unique<DirTransport>(config.mail_dir));
    }
    if (t == "sendmail") {
        return std::unique_ptr<MailTransport>(
            std::make_unique<SendmailTransport>(config.sendmail_path));
    }
    if (t.rfind("smtp://", 0) == 0 || t.rfind("smtps://", 0) == 0) {
        std::string why;
        const CurlLibrary* curl = load_curl(why);
        if (curl == nullptr) return make_error(Errc::config, why);
        return std::unique_ptr<MailTransport>(std::make_unique<SmtpTransport>(
            *curl, t, config.mail_from, config.mail_require_tls != 0));
    }
    return make_error(Errc::config,
                      "mail_transport must be dir, sendmail, smtp://... or smtps://...");
}

}  // namespace latchkey
