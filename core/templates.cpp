#include "core/templates.hpp"

#include <fstream>
#include <optional>
#include <sstream>

namespace latchkey {
namespace {

struct Builtin {
    std::string_view kind, subject, text, html;
};

constexpr Builtin kBuiltins[] = {
    {"verify_email", "Confirm your email address",
     "Hello {{name}},\n\nPlease confirm your email address by opening this link:\n\n{{link}}\n\n"
     "The link works once and expires in 24 hours. If you did not create an account, ignore this "
     "message.\n",
     "<p>Hello {{name}},</p><p>Please confirm your email address:</p>"
     "<p><a href=\"{{link}}\">Confirm my email address</a></p>"
     "<p>The link works once and expires in 24 hours. If you did not create an account, ignore "
     "this message.</p>"},
    {"reset_password", "Reset your password",
     "Hello {{name}},\n\nSomeone asked to reset the password of your account. To choose a new "
     "password, open this link:\n\n{{link}}\n\nThe link works once and expires in 1 hour. If it "
     "was not you, ignore this message: your password stays as it is.\n",
     "<p>Hello {{name}},</p><p>Someone asked to reset the password of your account.</p>"
     "<p><a href=\"{{link}}\">Choose a new password</a></p><p>The link works once and expires in "
     "1 hour. If it was not you, ignore this message: your password stays as it is.</p>"},
    {"sign_in_code", "Your sign-in code",
     "Your sign-in code is {{code}}\n\nIt expires in 5 minutes. If you did not try to sign in, "
     "ignore this message.\n",
     "<p>Your sign-in code is <strong>{{code}}</strong></p><p>It expires in 5 minutes. If you did "
     "not try to sign in, ignore this message.</p>"},
};

// Site names come from nginx; only plain names may become a path component.
bool is_plain_name(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    for (char c : s) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string html_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string part(const std::string& dir, std::string_view site, std::string_view kind,
                 const char* extension, std::string_view builtin) {
    if (!dir.empty() && is_plain_name(kind)) {
        if (is_plain_name(site)) {
            if (auto t =
                    read_file(dir + "/" + std::string(site) + "/" + std::string(kind) + extension))
                return *t;
        }
        if (auto t = read_file(dir + "/" + std::string(kind) + extension)) return *t;
    }
    return std::string(builtin);
}

}  // namespace

std::string fill_template(std::string_view text, const TemplateVars& vars, bool html) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto open = text.find("{{", i);
        if (open == std::string_view::npos) break;
        const auto close = text.find("}}", open + 2);
        if (close == std::string_view::npos) break;
        out.append(text.substr(i, open - i));
        std::string name(text.substr(open + 2, close - open - 2));
        while (!name.empty() && name.front() == ' ') name.erase(0, 1);
        while (!name.empty() && name.back() == ' ') name.pop_back();
        auto it = vars.find(name);
        if (it != vars.end()) out += html ? html_escape(it->second) : it->second;
        i = close + 2;
    }
    out.append(text.substr(i));
    return out;
}

MailMessage compose_mail(const std::string& template_dir, std::string_view site,
                         std::string_view kind, std::string_view to, const TemplateVars& vars) {
    Builtin builtin{kind, "", "", ""};
    for (const auto& b : kBuiltins) {
        if (b.kind == kind) builtin = b;
    }
    MailMessage m;
    m.site = std::string(site);
    m.kind = std::string(kind);
    m.to = std::string(to);
    std::string subject =
        fill_template(part(template_dir, site, kind, ".subject", builtin.subject), vars, false);
    for (char& c : subject) {
        if (c == '\r' || c == '\n') c = ' ';  // a template file's trailing newline, or worse
    }
    while (!subject.empty() && subject.back() == ' ') subject.pop_back();
    m.subject = subject;
    m.text = fill_template(part(template_dir, site, kind, ".txt", builtin.text), vars, false);
    m.html = fill_template(part(template_dir, site, kind, ".html", builtin.html), vars, true);
    if (auto it = vars.find("link"); it != vars.end()) m.link = it->second;
    return m;
}

}  // namespace latchkey
