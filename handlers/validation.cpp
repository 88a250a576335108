#include "handlers/validation.hpp"

#include <algorithm>

#include "core/base/email.hpp"
#include "core/base/log.hpp"

namespace latchkey {
namespace {

std::string_view trim(std::string_view s) {
    auto space = [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    };
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return s;
}

bool has_control_chars(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7F; });
}

// One field's value (nullopt = absent), checked against its rule.
std::optional<FieldIssue> check(const FieldRule& rule, std::optional<std::string_view> raw,
                                FieldValues& values) {
    const std::string name = rule.name;
    if (!raw) {
        if (rule.required) return FieldIssue{name, Issue::missing};
        return std::nullopt;
    }
    std::string_view value = rule.kind == FieldKind::password ? *raw : trim(*raw);
    if (value.empty() && rule.blank_is_missing) {
        if (rule.required) return FieldIssue{name, Issue::missing};
        return std::nullopt;
    }
    const auto length = static_cast<std::int64_t>(utf8_length(value));
    switch (rule.kind) {
        case FieldKind::password:
            if (static_cast<std::int64_t>(value.size()) > kMaxPasswordBytes) {
                return FieldIssue{name, Issue::too_long, kMaxPasswordBytes};
            }
            break;
        case FieldKind::email:
            if (!is_valid_email(value)) return FieldIssue{name, Issue::invalid_email};
            break;
        case FieldKind::choice:
            if (std::find(rule.choices.begin(), rule.choices.end(), value) == rule.choices.end()) {
                FieldIssue issue{name, Issue::invalid_choice};
                issue.detail = std::string(value);
                issue.choices = rule.choices;
                return issue;
            }
            break;
        case FieldKind::text:
            if (has_control_chars(value)) return FieldIssue{name, Issue::invalid_chars};
            break;
    }
    if (rule.min_length > 0 && length < rule.min_length) {
        return FieldIssue{name, Issue::too_short, rule.min_length};
    }
    if (rule.max_length > 0 && length > rule.max_length) {
        return FieldIssue{name, Issue::too_long, rule.max_length};
    }
    values[name] = std::string(value);
    return std::nullopt;
}

}  // namespace

bool is_json_media_type(const std::string& media_type) {
    if (media_type == "application/json") return true;
    return media_type.rfind("application/", 0) == 0 && media_type.size() > 17 &&
           media_type.compare(media_type.size() - 5, 5, "+json") == 0;
}

std::variant<Json, std::vector<FieldIssue>> parse_json_object(std::string_view body) {
    if (trim(body).empty()) return std::vector<FieldIssue>{{"", Issue::missing}};
    auto parsed = parse_json_strict(body);
    if (auto* syntax = std::get_if<JsonParseError>(&parsed)) {
        if (auto* dup = std::get_if<JsonDuplicateKey>(syntax)) {
            return std::vector<FieldIssue>{{dup->key, Issue::duplicate_key}};
        }
        const auto& bad = std::get<JsonSyntaxError>(*syntax);
        FieldIssue issue{"", Issue::malformed};
        issue.offset = bad.offset;
        issue.detail = bad.message;
        issue.line =
            1 + static_cast<std::size_t>(std::count(
                    body.begin(), body.begin() + static_cast<std::ptrdiff_t>(bad.offset), '\n'));
        const auto last_newline = body.rfind('\n', bad.offset == 0 ? 0 : bad.offset - 1);
        issue.column = last_newline == std::string_view::npos || bad.offset == 0
                           ? bad.offset + 1
                           : bad.offset - last_newline;
        return std::vector<FieldIssue>{issue};
    }
    Json doc = std::move(std::get<Json>(parsed));
    if (!cJSON_IsObject(doc.get())) return std::vector<FieldIssue>{{"", Issue::not_object}};
    return doc;
}

std::variant<Json, Problem> read_json_body(const Request& request) {
    if (!is_json_media_type(request.media_type())) {
        return Problem{415, "Unsupported Media Type: send Content-Type: application/json", {}, {}};
    }
    auto parsed = parse_json_object(request.body);
    if (auto* issues = std::get_if<std::vector<FieldIssue>>(&parsed)) {
        return Problem{400, "Validation failed", std::move(*issues), {}};
    }
    return std::move(std::get<Json>(parsed));
}

std::vector<FieldIssue> validate_fields(const cJSON* object, std::span<const FieldRule> rules,
                                        FieldValues& values) {
    std::vector<FieldIssue> issues;
    for (const auto& rule : rules) {
        const cJSON* item = cJSON_GetObjectItemCaseSensitive(object, rule.name);
        std::optional<FieldIssue> issue;
        if (item == nullptr || cJSON_IsNull(item)) {
            issue = check(rule, std::nullopt, values);
        } else if (!cJSON_IsString(item)) {
            issue = FieldIssue{rule.name, Issue::wrong_type};
        } else {
            issue = check(rule, std::string_view(item->valuestring), values);
        }
        if (issue) issues.push_back(std::move(*issue));
    }
    return issues;
}

std::vector<FieldIssue> validate_pairs(
    const std::vector<std::pair<std::string, std::string>>& pairs, std::span<const FieldRule> rules,
    FieldValues& values) {
    std::vector<FieldIssue> issues;
    for (const auto& rule : rules) {
        std::optional<std::string_view> raw;
        for (const auto& [key, value] : pairs) {
            if (key == rule.name) {
                raw = value;
                break;
            }
        }
        if (raw && !is_valid_utf8(*raw)) {
            issues.push_back(FieldIssue{rule.name, Issue::wrong_type});
            continue;
        }
        if (auto issue = check(rule, raw, values)) issues.push_back(std::move(*issue));
    }
    return issues;
}

Problem problem_from_core(const Error& error) {
    if (error.code == Errc::busy) {
        log_event(LogLevel::warn, "busy: answering 503", {{"error", error.detail}});
        return Problem{
            503, "Service temporarily unavailable, try again shortly", {}, {{"Retry-After", "1"}}};
    }
    if (error.code == Errc::unavailable) {
        log_event(LogLevel::error,
                  "database unavailable (unreachable, read-only, full or failing): answering 503",
                  {{"error", error.detail}});
        return Problem{
            503, "Service temporarily unavailable, try again shortly", {}, {{"Retry-After", "30"}}};
    }
    log_event(LogLevel::error, "internal failure", {{"error", error.detail}});
    return Problem{500, "Internal server error", {}, {}};
}

}  // namespace latchkey
