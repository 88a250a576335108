#pragma once
// A Problem is an HTTP error before it has a body: each contract's renderer gives it that
// contract's shape. fcgi/ makes the protocol-level ones (404, 405, 413, 415, 500); handlers make
// the rest.
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace latchkey {

// What is wrong with one input field; contracts word it their own way.
enum class Issue {
    missing,     // absent (or, for contracts that say so, empty)
    wrong_type,  // not a string where a string is required
    invalid_email,
    too_short,       // limit = minimum length
    too_long,        // limit = maximum length
    mismatch,        // e.g. confirmPassword differs from password
    invalid_choice,  // not one of the allowed values
    invalid_chars,   // control characters where text is expected
    not_object,      // the body is JSON but not an object
    malformed,       // the body is not JSON; offset = where it stopped making sense
    duplicate_key,   // a key repeated in one object
};

struct FieldIssue {
    FieldIssue(std::string field_name, Issue what, std::int64_t limit_value = 0)
        : field(std::move(field_name)), issue(what), limit(limit_value) {}

    std::string field;  // empty for the body as a whole
    Issue issue;
    std::int64_t limit = 0;
    std::size_t offset = 0;  // for `malformed`: byte offset, and its 1-based line and column
    std::size_t line = 0;
    std::size_t column = 0;
    std::string detail;  // for `malformed`: the parser's message; for `invalid_choice`: the value
    std::span<const char* const> choices = {};  // for `invalid_choice`: what is permitted
};

struct Problem {
    int status;
    std::string message;             // the contract's wording when the handler knows it
    std::vector<FieldIssue> issues;  // for validation problems
    std::vector<std::pair<std::string, std::string>> headers;  // e.g. Allow, WWW-Authenticate
    std::string code = {};  // a machine-readable error name, for contracts that have them
};

// The reason phrase of a status code, e.g. 404 -> "Not Found".
const char* status_reason(int status);

}  // namespace latchkey
