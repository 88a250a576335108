#pragma once
// Field issues in words, for the contracts whose validation bodies are human sentences keyed by
// field (gateway, verified, storefront). They differ only in small ways, which FieldWording names.
#include <string>
#include <vector>

#include "core/base/json.hpp"
#include "fcgi/problem.hpp"

namespace latchkey {

struct FieldWording {
    const char* end = "";  // what ends every sentence (gateway's ".")
    const char* invalid_email = "Email must be a valid email address";
    const char* mismatch = nullptr;  // nullptr: "<Field> does not match"
    bool names_duplicates = false;   // "Field 'x' appears more than once" rather than "Field ..."
};

// One issue as a sentence: "First name is required", "Password must be at least 8 characters".
std::string field_message(const FieldIssue& issue, const FieldWording& wording);

// {"field": message, ...}: the first issue of each field, the body's own under "body".
Json field_messages(const std::vector<FieldIssue>& issues, const FieldWording& wording);

}  // namespace latchkey
