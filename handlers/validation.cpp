#include "handlers/validation.hpp"

#include <algorithm>

#include "core/auth/common_passwords.hpp"
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

// One field's value (nullopt = absent), checked against its rule. A value that is present lands
// in `present` whatever its issue, for the repeats to compare.
std::optional<FieldIssue> check(const FieldRule& rule, std::optional<std::string_view> raw,
                                const FieldPolicy& policy, FieldValues& values,
                                FieldValues& present) {
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
    present[name] = std::string(value);
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
    if (rule.kind == FieldKind::password && rule.min_length > 0 &&
        (is_common_password(value) || is_breached_password(policy.breached_passwords_dir, value))) {
        return FieldIssue{name, Issue::common_password};
    }
    values[name] = std::string(value);
    return std::nullopt;
}

// A field that must repeat another (same_as): a mismatch whenever both are present and the repeat
// has no issue of its own, so a short password and a different confirmation are both reported.
void check_repeats(std::span<const FieldRule> rules, const FieldValues& values,
                   const FieldValues& present, std::vector<FieldIssue>& issues) {
    for (const auto& rule : rules) {
        if (rule.same_as == nullptr) continue;
        const auto field = values.find(rule.name);
        const auto original = present.find(rule.same_as);
        if (field != values.end() && original != present.end() &&
            field->second != original->second) {
            issues.emplace_back(rule.name, Issue::mismatch);
        }
    }
}

}  // namespace

std::vector<FieldIssue> validate_fields(const cJSON* object, std::span<const FieldRule> rules,
                                        FieldValues& values, const FieldPolicy& policy) {
    std::vector<FieldIssue> issues;
    FieldValues present;
    for (const auto& rule : rules) {
        const cJSON* item = cJSON_GetObjectItemCaseSensitive(object, rule.name);
        std::optional<FieldIssue> issue;
        if (item == nullptr || cJSON_IsNull(item)) {
            issue = check(rule, std::nullopt, policy, values, present);
        } else if (!cJSON_IsString(item)) {
            issue = FieldIssue{rule.name, Issue::wrong_type};
        } else {
            issue = check(rule, std::string_view(item->valuestring), policy, values, present);
        }
        if (issue) issues.push_back(std::move(*issue));
    }
    check_repeats(rules, values, present, issues);
    return issues;
}

std::vector<FieldIssue> validate_pairs(
    const std::vector<std::pair<std::string, std::string>>& pairs, std::span<const FieldRule> rules,
    FieldValues& values, const FieldPolicy& policy) {
    std::vector<FieldIssue> issues;
    FieldValues present;
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
        if (auto issue = check(rule, raw, policy, values, present))
            issues.push_back(std::move(*issue));
    }
    check_repeats(rules, values, present, issues);
    return issues;
}

}  // namespace latchkey
