#pragma once
// A Problem is an HTTP error before it has a body. It names what went wrong (`kind`); the
// contract's wording table (fcgi/wording.hpp) gives it a status, message and code, and the
// contract's renderer its shape. fcgi/ makes the protocol-level ones (404, 405, 413, 415, 500);
// the application the rest, mostly as core Errors the pipeline turns into Problems.
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/base/result.hpp"

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
    // A new password among the most common ones or in the breached-password store.
    common_password,
    // A new value equal to the one it replaces (an email change to the current address).
    unchanged,
    // Not what a browser's PublicKeyCredential.toJSON() gives (a passkey's registration or
    // assertion): a field missing, not base64url, or over WebAuthn's bounds.
    not_credential,
};

struct FieldIssue {
    FieldIssue(std::string field_name, Issue what, std::int64_t limit_value = 0)
        : field(std::move(field_name)), issue(what), limit(limit_value) {}

    std::string field;  // empty for the body as a whole
    Issue issue;
    std::int64_t limit = 0;
    bool in_bytes = false;   // `limit` counts bytes (a password), not characters
    std::size_t offset = 0;  // for `malformed`: byte offset, and its 1-based line and column
    std::size_t line = 0;
    std::size_t column = 0;
    std::string detail;  // for `malformed`: the parser's message; for `invalid_choice`: the value
    std::span<const char* const> choices = {};  // for `invalid_choice`: what is permitted
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Problem {
    int status = 0;                       // 0 until worded: then the contract's status for `kind`
    std::string message = {};             // the contract's wording
    std::vector<FieldIssue> issues = {};  // for validation problems (kind invalid_argument)
    Headers headers = {};                 // e.g. Allow, WWW-Authenticate, Retry-After
    std::string code = {};  // a machine-readable error name, for contracts that have them
    Errc kind = Errc::internal;
};

// A problem of `kind`, for the contract's wording table to word.
inline Problem problem_of(Errc kind, Headers headers = {}) {
    return Problem{.headers = std::move(headers), .kind = kind};
}

// Field issues of a request body: a validation problem (worded as `invalid_argument`).
inline Problem invalid_fields(std::vector<FieldIssue> issues) {
    return Problem{.issues = std::move(issues), .kind = Errc::invalid_argument};
}

// The reason phrase of a status code, e.g. 404 -> "Not Found".
const char* status_reason(int status);

}  // namespace latchkey
