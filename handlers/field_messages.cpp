#include "handlers/field_messages.hpp"

#include <string_view>

namespace latchkey {
namespace {

// The fields the contracts' forms have, as their pages name them.
std::string label(std::string_view field) {
    struct Label {
        std::string_view field, text;
    };
    static constexpr Label kLabels[] = {
        {"firstName", "First name"},
        {"lastName", "Last name"},
        {"email", "Email"},
        {"password", "Password"},
        {"confirmPassword", "Password confirmation"},
        {"currentPassword", "Current password"},
        {"newPassword", "New password"},
        {"token", "Token"},
        {"newEmail", "New email"},
        {"storeName", "Store name"},
        {"code", "Code"},
        {"mfaToken", "Sign-in challenge"},
        {"credential", "Credential"},
        {"id", "Passkey id"},
        {"name", "Name"},
    };
    for (const auto& l : kLabels) {
        if (l.field == field) return std::string(l.text);
    }
    return std::string(field);
}

std::string sentence(const FieldIssue& issue, const FieldWording& wording) {
    const std::string name = label(issue.field);
    switch (issue.issue) {
        case Issue::missing:
            return name + " is required";
        case Issue::wrong_type:
            return name + " must be a string";
        case Issue::invalid_email:
            return wording.invalid_email;
        case Issue::too_short:
            return name + " must be at least " + std::to_string(issue.limit) + " characters";
        case Issue::too_long:
            return name + " must be at most " + std::to_string(issue.limit) +
                   (issue.in_bytes ? " bytes" : " characters");
        case Issue::invalid_chars:
            return name + " must not contain control characters";
        case Issue::mismatch:
            return wording.mismatch != nullptr ? wording.mismatch : name + " does not match";
        case Issue::invalid_choice:
            return name + " has an unexpected value";
        case Issue::common_password:
            return name + " is too common; choose one that is harder to guess";
        case Issue::unchanged:
            return name + " is the same as the current one";
        case Issue::not_credential:
            return name +
                   " must be a WebAuthn credential, as PublicKeyCredential.toJSON() gives it";
        case Issue::not_object:
            return "Request body must be a JSON object";
        case Issue::malformed:
            return "Request body is not valid JSON (" + issue.detail + " at character " +
                   std::to_string(issue.offset) + ")";
        case Issue::duplicate_key:
            return wording.names_duplicates ? "Field '" + issue.field + "' appears more than once"
                                            : "Field appears more than once";
    }
    return name + " is invalid";
}

}  // namespace

std::string field_message(const FieldIssue& issue, const FieldWording& wording) {
    return sentence(issue, wording) + wording.end;
}

Json field_messages(const std::vector<FieldIssue>& issues, const FieldWording& wording) {
    Json fields = json_object();
    for (const auto& issue : issues) {
        const std::string key = issue.field.empty() ? "body" : issue.field;
        if (!cJSON_HasObjectItem(fields.get(), key.c_str())) {
            json_put(fields.get(), key.c_str(), field_message(issue, wording));
        }
    }
    return fields;
}

}  // namespace latchkey
