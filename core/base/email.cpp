#include "core/base/email.hpp"

#include <cctype>
#include <string_view>

namespace latchkey {
namespace {

bool is_atext(unsigned char c) {
    if (c >= 0x80) return true;  // UTF-8 (RFC 6531)
    if (std::isalnum(c)) return true;
    static constexpr std::string_view specials = "!#$%&'*+-/=?^_`{|}~";
    return specials.find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_valid_label(std::string_view label) {
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (unsigned char c : label) {
        if (!(std::isalnum(c) || c == '-' || c >= 0x80)) return false;
    }
    return true;
}

}  // namespace

bool is_valid_email(std::string_view email) {
    if (email.size() > 254) return false;
    const auto at = email.rfind('@');
    if (at == std::string_view::npos || at == 0 || at > 64) return false;
    const std::string_view local = email.substr(0, at);
    const std::string_view domain = email.substr(at + 1);
    if (local.front() == '.' || local.back() == '.') return false;
    for (std::size_t i = 0; i < local.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(local[i]);
        if (c == '.') {
            if (local[i + 1] == '.') return false;
        } else if (!is_atext(c)) {
            return false;
        }
    }
    if (domain.size() < 3 || domain.size() > 253) return false;
    std::size_t labels = 0;
    std::string_view last;
    for (std::size_t start = 0;;) {
        const auto dot = domain.find('.', start);
        last = domain.substr(start,
                             dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (!is_valid_label(last)) return false;
        ++labels;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    if (labels < 2) return false;
    // A TLD is letters (any length >= 2), an IDN A-label (xn--), or UTF-8; never all digits.
    if (last.size() < 2) return false;
    if (last.rfind("xn--", 0) == 0) return true;
    for (unsigned char c : last) {
        if (!(std::isalpha(c) || c >= 0x80)) return false;
    }
    return true;
}

std::string email_key(std::string_view email) {
    std::string key(email);
    for (char& c : key) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return key;
}

}  // namespace latchkey
