#include "core/mail/locale.hpp"

#include <cctype>
#include <cstdlib>
#include <string>

namespace latchkey {
namespace {

constexpr std::size_t kMaxHeader = 512;
constexpr int kMaxEntries = 32;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

// A q-value ("q=0.8") as thousandths; a malformed one counts as 0 (not acceptable).
int quality(std::string_view params) {
    int q = 1000;
    while (!params.empty()) {
        const auto semi = params.find(';');
        const std::string_view param = trim(params.substr(0, semi));
        params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
        if (param.size() < 2 || (param[0] != 'q' && param[0] != 'Q') || param[1] != '=') continue;
        const std::string_view v = param.substr(2);
        if (v.empty() || v.size() > 5 || (v[0] != '0' && v[0] != '1')) return 0;
        q = (v[0] - '0') * 1000;
        if (v.size() > 1) {
            if (v[1] != '.') return 0;
            int scale = 100;
            for (std::size_t i = 2; i < v.size(); ++i, scale /= 10) {
                if (!std::isdigit(static_cast<unsigned char>(v[i]))) return 0;
                q += (v[i] - '0') * scale;
            }
        }
        if (q > 1000) return 0;
    }
    return q;
}

}  // namespace

std::string_view supported_locale(std::string_view value) {
    const std::string_view primary = value.substr(0, value.find_first_of("-_"));
    for (const auto locale : kMailLocales) {
        if (iequals(primary, locale)) return locale;
    }
    return {};
}

std::string_view negotiate_locale(std::string_view header) {
    header = header.substr(0, kMaxHeader);
    std::string_view best = kMailLocales[0];
    int best_q = 0;
    for (int entries = 0; !header.empty() && entries < kMaxEntries; ++entries) {
        const auto comma = header.find(',');
        const std::string_view entry = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
        const auto semi = entry.find(';');
        const std::string_view tag = trim(entry.substr(0, semi));
        const int q = semi == std::string_view::npos ? 1000 : quality(entry.substr(semi + 1));
        const std::string_view locale = supported_locale(tag);
        if (!locale.empty() && q > best_q) {
            best = locale;
            best_q = q;
        }
    }
    return best;
}

}  // namespace latchkey
