#pragma once
// RAII and strict parsing around cJSON. Strict means: valid UTF-8, no NUL characters in strings,
// no key repeated within one object (RFC 8259 leaves that open; we refuse so no two parsers
// disagree).
#include <cjson/cJSON.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace latchkey {

struct CjsonDeleter {
    void operator()(cJSON* p) const { cJSON_Delete(p); }
};
using Json = std::unique_ptr<cJSON, CjsonDeleter>;

struct JsonSyntaxError {
    std::size_t offset;   // byte offset of the first unexpected character
    std::string message;  // e.g. "Expecting value"
};
struct JsonDuplicateKey {
    std::string key;
};
using JsonParseError = std::variant<JsonSyntaxError, JsonDuplicateKey>;

// Parses `text` strictly. On failure returns the reason; on success the document.
std::variant<Json, JsonParseError> parse_json_strict(std::string_view text);

// The offset of the first byte that does not start a well-formed UTF-8 sequence (overlong forms,
// surrogates and code points past U+10FFFF refused), in one pass; nullopt when all of `s` is valid.
std::optional<std::size_t> first_invalid_utf8(std::string_view s);
bool is_valid_utf8(std::string_view s);
std::size_t utf8_length(std::string_view s);  // code points; s must be valid UTF-8

Json json_object();
// Adds to an object; the returned pointer is owned by `obj`.
void json_put(cJSON* obj, const char* key, std::string_view value);
void json_put(cJSON* obj, const char* key, const char* value);  // else a literal would pick bool
void json_put(cJSON* obj, const char* key, std::int64_t value);
void json_put(cJSON* obj, const char* key, bool value);
void json_put(cJSON* obj, const char* key, Json value);
std::string json_render(const cJSON* value);

// Accessors that never throw: nullopt when absent or of another type.
std::optional<std::string_view> json_string(const cJSON* obj, const char* key);
std::optional<std::int64_t> json_integer(const cJSON* obj, const char* key);

// Escapes `s` as the inside of a JSON string literal (for log lines written by hand).
std::string json_escape(std::string_view s);

}  // namespace latchkey
