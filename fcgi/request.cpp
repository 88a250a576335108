#include "fcgi/request.hpp"

#include <cctype>

namespace latchkey {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string_view trim_spaces(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::string url_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+' && plus_is_space) {
            out += ' ';
        } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
                   hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

std::optional<std::string_view> Request::param(std::string_view name) const {
    auto it = params.find(name);
    if (it == params.end()) return std::nullopt;
    return std::string_view(it->second);
}

std::optional<std::string_view> Request::header(std::string_view name) const {
    std::string key;
    for (char c : name) {
        key += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (key == "CONTENT_TYPE" || key == "CONTENT_LENGTH") {
        auto v = param(key);
        if (v && !v->empty()) return v;
    }
    return param("HTTP_" + key);
}

std::string Request::media_type() const {
    auto value = header("Content-Type");
    if (!value) return {};
    std::string_view v = *value;
    v = trim_spaces(v.substr(0, v.find(';')));
    std::string out(v);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::optional<std::string> Request::cookie(std::string_view name) const {
    auto header_value = header("Cookie");
    if (!header_value) return std::nullopt;
    std::string_view rest = *header_value;
    while (!rest.empty()) {
        const auto semi = rest.find(';');
        std::string_view pair = trim_spaces(rest.substr(0, semi));
        rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos) continue;
        if (trim_spaces(pair.substr(0, eq)) != name) continue;
        std::string_view value = trim_spaces(pair.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            value = value.substr(1, value.size() - 2);
        }
        return std::string(value);
    }
    return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> Request::parse_urlencoded(std::string_view text) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!text.empty()) {
        const auto amp = text.find('&');
        std::string_view pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        out.emplace_back(
            url_decode(pair.substr(0, eq), true),
            eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1), true));
    }
    return out;
}

std::optional<std::string> Request::query(std::string_view name) const {
    for (auto& [key, value] : parse_urlencoded(query_string)) {
        if (key == name) return value;
    }
    return std::nullopt;
}

}  // namespace latchkey
