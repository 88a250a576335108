#include "core/base/json.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace latchkey {
namespace {

// Finds what cJSON lets through but we refuse inside string literals: raw control characters
// (RFC 8259 section 7) and the escape \u0000, which cJSON would silently truncate at.
std::optional<JsonSyntaxError> scan_strings(std::string_view text) {
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (!in_string) {
            if (c == '"') in_string = true;
            continue;
        }
        if (c == '"') {
            in_string = false;
        } else if (c < 0x20) {
            return JsonSyntaxError{i, "Invalid control character"};
        } else if (c == '\\' && i + 1 < text.size()) {
            if (text.substr(i + 1, 5) == "u0000") return JsonSyntaxError{i, "NUL character"};
            ++i;
        }
    }
    return std::nullopt;
}

// Sorting the keys, not hashing them: a hash set's cost depends on keys the client chose (crafted
// collisions make it quadratic), a sort's does not.
std::optional<std::string> find_duplicate_key(const cJSON* node) {
    std::vector<std::string_view> keys;
    for (; node != nullptr; node = node->next) {
        if (cJSON_IsObject(node)) {
            keys.clear();
            for (const cJSON* child = node->child; child != nullptr; child = child->next) {
                keys.emplace_back(child->string);
            }
            std::sort(keys.begin(), keys.end());
            if (auto dup = std::adjacent_find(keys.begin(), keys.end()); dup != keys.end()) {
                return std::string(*dup);
            }
        }
        if (node->child != nullptr) {
            if (auto dup = find_duplicate_key(node->child)) return dup;
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::size_t> first_invalid_utf8(std::string_view s) {
    const auto* begin = reinterpret_cast<const unsigned char*>(s.data());
    const auto* p = begin;
    const auto* end = p + s.size();
    while (p < end) {
        const unsigned char c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        const auto at = static_cast<std::size_t>(p - begin);
        int extra;
        std::uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return at;
        }
        if (end - p <= extra) return at;
        for (int k = 1; k <= extra; ++k) {
            if ((p[k] & 0xC0) != 0x80) return at;
            cp = (cp << 6) | (p[k] & 0x3F);
        }
        if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
            return at;
        }
        p += extra + 1;
    }
    return std::nullopt;
}

bool is_valid_utf8(std::string_view s) {
    return !first_invalid_utf8(s);
}

std::size_t utf8_length(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

std::variant<Json, JsonParseError> parse_json_strict(std::string_view text) {
    if (auto bad = first_invalid_utf8(text)) return JsonSyntaxError{*bad, "Invalid UTF-8"};
    if (auto bad = scan_strings(text)) return *bad;
    const char* end = nullptr;
    Json doc(cJSON_ParseWithLengthOpts(text.data(), text.size(), &end, false));
    const std::size_t stop = end != nullptr ? static_cast<std::size_t>(end - text.data()) : 0;
    if (!doc) {
        // cJSON reports running out of input as the offset of the last character. Parsing again
        // with one more (blank) character tells the two apart: out of input, the error moves to
        // the end, which is where Python's json (and so FastAPI) reports it.
        const std::string padded = std::string(text) + " ";
        const char* padded_end = nullptr;
        Json again(cJSON_ParseWithLengthOpts(padded.data(), padded.size(), &padded_end, false));
        std::size_t at = stop;
        if (!again && padded_end != nullptr && stop + 1 == text.size() &&
            static_cast<std::size_t>(padded_end - padded.data()) == text.size()) {
            at = text.size();
        }
        return JsonSyntaxError{std::min(at, text.size()), "Expecting value"};
    }
    std::size_t rest = stop;
    while (rest < text.size() &&
           (text[rest] == ' ' || text[rest] == '\t' || text[rest] == '\n' || text[rest] == '\r')) {
        ++rest;
    }
    if (rest != text.size()) return JsonSyntaxError{rest, "Extra data"};
    if (auto dup = find_duplicate_key(doc.get())) return JsonDuplicateKey{*dup};
    return doc;
}

Json json_object() {
    return Json(cJSON_CreateObject());
}

void json_put(cJSON* obj, const char* key, std::string_view value) {
    cJSON_AddItemToObject(obj, key, cJSON_CreateString(std::string(value).c_str()));
}

void json_put(cJSON* obj, const char* key, const char* value) {
    cJSON_AddItemToObject(obj, key, cJSON_CreateString(value));
}

void json_put(cJSON* obj, const char* key, std::int64_t value) {
    cJSON_AddItemToObject(obj, key, cJSON_CreateNumber(static_cast<double>(value)));
}

void json_put(cJSON* obj, const char* key, bool value) {
    cJSON_AddItemToObject(obj, key, cJSON_CreateBool(value));
}

void json_put(cJSON* obj, const char* key, Json value) {
    cJSON_AddItemToObject(obj, key, value.release());
}

std::string json_render(const cJSON* value) {
    std::unique_ptr<char, decltype(&cJSON_free)> text(cJSON_PrintUnformatted(value), &cJSON_free);
    return text ? std::string(text.get()) : std::string("null");
}

std::optional<std::string_view> json_string(const cJSON* obj, const char* key) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsString(item) || item->valuestring == nullptr) return std::nullopt;
    return std::string_view(item->valuestring);
}

std::optional<std::int64_t> json_integer(const cJSON* obj, const char* key) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(item)) return std::nullopt;
    const double v = item->valuedouble;
    // 2^53: beyond it a double no longer holds every integer exactly.
    if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9007199254740992.0) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(v);
}

std::string json_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    for (unsigned char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    static const char hex[] = "0123456789abcdef";
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 15];
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out;
}

}  // namespace latchkey
