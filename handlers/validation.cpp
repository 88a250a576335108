#include "handlers/validation.hpp"

#include <algorithm>

#include "core/base/email.hpp"

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
                FieldIssue issue{name, Issue::too_long, kMaxPasswordBytes};
                issue.in_bytes = true;
                return issue;
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

// A field that must repeat another (same_as): a mismatch once both are otherwise valid.
void check_repeats(std::span<const FieldRule> rules, FieldValues& values,
                   std::vector<FieldIssue>& issues) {
    for (const auto& rule : rules) {
        if (rule.same_as == nullptr) continue;
        const auto field = values.find(rule.name);
        const auto original = values.find(rule.same_as);
        if (field != values.end() && original != values.end() &&
            field->second != original->second) {
            issues.emplace_back(rule.name, Issue::mismatch);
        }
    }
}

}  // namespace

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
    check_repeats(rules, values, issues);
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
    check_repeats(rules, values, issues);
    return issues;
}

}  // namespace latchkey
