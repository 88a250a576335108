#pragma once
// Request body checks shared by every contract: media type, strict JSON, and field rules. They
// report FieldIssues; each contract's renderer words them.
#include <map>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/base/json.hpp"
#include "core/base/result.hpp"
#include "fcgi/problem.hpp"
#include "fcgi/request.hpp"

namespace latchkey {

enum class FieldKind {
    text,      // trimmed; control characters refused
    email,     // trimmed; must be a valid address (core/email)
    password,  // never trimmed; at most 1024 bytes
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
};

constexpr std::int64_t kMaxPasswordBytes = 1024;

using FieldValues = std::map<std::string, std::string, std::less<>>;

// True for application/json and application/<anything>+json.
bool is_json_media_type(const std::string& media_type);

// The body as a JSON object, or the issues that stop it being one (empty body = `missing`).
std::variant<Json, std::vector<FieldIssue>> parse_json_object(std::string_view body);

// The JSON object body of a request that must send one: a 415 Problem for another media type,
// a validation Problem (issues) for anything that is not a JSON object.
std::variant<Json, Problem> read_json_body(const Request& request);

// Checks `object` against `rules` in order: every bad field gets one issue. Valid values land in
// `values` (absent optional fields do not).
std::vector<FieldIssue> validate_fields(const cJSON* object, std::span<const FieldRule> rules,
                                        FieldValues& values);

// The same rules over already-decoded string pairs (form posts); later duplicates are ignored.
std::vector<FieldIssue> validate_pairs(
    const std::vector<std::pair<std::string, std::string>>& pairs, std::span<const FieldRule> rules,
    FieldValues& values);

// Problem for an unexpected core failure: 503 + Retry-After when a resource was busy, 500 (and a
// log line) otherwise.
Problem problem_from_core(const Error& error);

}  // namespace latchkey
