#pragma once
// Field rules shared by every contract, over the body the pipeline has read (fcgi/body.hpp). They
// report FieldIssues; each contract's renderer words them.
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/base/json.hpp"
#include "core/base/result.hpp"
#include "fcgi/body.hpp"
#include "fcgi/problem.hpp"
#include "fcgi/request.hpp"

namespace latchkey {

enum class FieldKind {
    text,      // trimmed; control characters refused
    email,     // trimmed; must be a valid address (core/email)
    password,  // never trimmed; at most 1024 bytes; with a min_length, a new password (below)
    choice,    // trimmed; one of `choices`
};

struct FieldRule {
    const char* name;
    FieldKind kind = FieldKind::text;
    bool required = true;
    std::int64_t min_length = 0;    // characters (code points), after trimming
    std::int64_t max_length = 0;    // 0 = no limit
    bool blank_is_missing = false;  // "" (after trimming) counts as absent
    std::span<const char* const> choices = {};
    // Must equal this other field exactly (confirmPassword): a mismatch is reported whenever both
    // are present, beside any other issue of the field it repeats.
    const char* same_as = nullptr;
};
// A password rule with a min_length is a new password's (register, reset, change): one that is
// long enough is also refused (Issue::common_password) when it is among the most common
// passwords or in the breached-password store. Sign-in rules have no min_length, so an account
// keeps signing in with whatever password it has.

// What the rules check against beyond the body: the configured breached-password store.
struct FieldPolicy {
    std::string_view breached_passwords_dir = {};  // empty: none
};

constexpr std::int64_t kMaxPasswordBytes = 1024;

using FieldValues = std::map<std::string, std::string, std::less<>>;

// Checks `object` against `rules` in order: every bad field gets one issue. Valid values land in
// `values` (absent optional fields do not).
std::vector<FieldIssue> validate_fields(const cJSON* object, std::span<const FieldRule> rules,
                                        FieldValues& values, const FieldPolicy& policy = {});

// The same rules over already-decoded string pairs (form posts); later duplicates are ignored.
std::vector<FieldIssue> validate_pairs(
    const std::vector<std::pair<std::string, std::string>>& pairs, std::span<const FieldRule> rules,
    FieldValues& values, const FieldPolicy& policy = {});

}  // namespace latchkey
