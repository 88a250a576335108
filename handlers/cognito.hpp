#pragma once
// What the booking contract's Cognito operations share (handlers/booking_cognito.cpp: sign-up,
// sign-in, tokens, sign-out; handlers/booking_cognito_account.cpp: the signed-in user's own
// account): the call, AWS-shaped answers and errors, codes and the access-token caller.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "core/auth/challenges.hpp"
#include "core/base/json.hpp"
#include "handlers/context.hpp"

namespace latchkey::cognito {

// The mail kind of a code, and the sending limits every code counts against.
inline constexpr const char* kCodeMail = "sign_in_code";

struct Call {
    Services& services;
    const Request& request;
    const cJSON* body;
    std::string_view site;
    std::int64_t now;
};

// An error this operation words itself: Cognito's messages depend on the operation, not only on
// the kind of failure (the wording table covers what does not).
Problem fail(const char* type, std::string message, int status = 400);
Response answer(Json body);
Json empty_object();
std::string text(const cJSON* obj, const char* key);
// {"AttributeName": "email", "DeliveryMedium": "EMAIL", "Destination": "a***@e***"}
Json delivery_details(std::string_view email);
// The username (and an email attribute) trimmed of surrounding spaces.
std::string username_of(std::string_view raw);

Challenges challenges(Call& c);
// Counts a guess at one of the account's codes before it is checked, or the throttled answer.
std::variant<GuessPass, Outcome> count_guess(Call& c, const Account& account);
// CodeMismatch, ExpiredCode or NotAuthorized for a failed code check.
Outcome code_failure(const Error& error);
// The account behind the body's AccessToken (a live access token of this site), or the
// NotAuthorized answer.
std::variant<Caller, Outcome> access_caller(Call& c);

// The signed-in user's own account (booking_cognito_account.cpp).
Outcome update_user_attributes(Call& c);
Outcome get_user_attribute_verification_code(Call& c);
Outcome verify_user_attribute(Call& c);
Outcome delete_user(Call& c);

}  // namespace latchkey::cognito
