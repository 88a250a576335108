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
inline constexpr const char* kSessionExpired = "Invalid session for the user, session is expired.";

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

// A new sign-in's answer: a refresh family and the AuthenticationResult. An emailed code proves
// the address (email_verified from then on); a passkey does not.
Outcome signed_in(Call& c, std::int64_t account_id, bool by_passkey);

// Passkeys (booking_cognito_passkeys.cpp): the user's own, by access token, and the WEB_AUTHN
// challenge of USER_AUTH.
Outcome start_web_authn_registration(Call& c);
Outcome complete_web_authn_registration(Call& c);
Outcome list_web_authn_credentials(Call& c);
Outcome delete_web_authn_credential(Call& c);
// Whether the account has a passkey here: what makes WEB_AUTHN one of its available challenges.
Result<bool> has_passkeys(Call& c, const Account& account);
// InitiateAuth's (or SELECT_CHALLENGE's) WEB_AUTHN challenge: CREDENTIAL_REQUEST_OPTIONS for the
// account's passkeys and a ceremony bound to it.
Outcome web_authn_challenge(Call& c, const Account& account);
// RespondToAuthChallenge WEB_AUTHN: the CREDENTIAL answering that challenge, counted as a guess.
Outcome answer_web_authn(Call& c, const Account& account, std::string_view session,
                         const cJSON* responses);

// The signed-in user's own account (booking_cognito_account.cpp).
Outcome update_user_attributes(Call& c);
Outcome get_user_attribute_verification_code(Call& c);
Outcome verify_user_attribute(Call& c);
Outcome delete_user(Call& c);

}  // namespace latchkey::cognito
