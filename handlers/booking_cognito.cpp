// The Cognito user-pool endpoint of the booking contract: the subset of the AWS JSON 1.1 API that
// AWS Amplify v6 and the AWS SDK use for passwordless EMAIL_OTP sign-up and sign-in, token
// refresh and sign-out (docs/contracts.md, booking); the signed-in user's own account operations
// are in booking_cognito_account.cpp, passkeys in booking_cognito_passkeys.cpp. Accounts are this
// site's; codes go out by mail.
#include <string>

#include "core/auth/end_sessions.hpp"
#include "core/base/clock.hpp"
#include "core/base/email.hpp"
#include "core/base/log.hpp"
#include "core/crypto/ids.hpp"
#include "core/crypto/jwt.hpp"
#include "core/mail/templates.hpp"
#include "handlers/booking.hpp"
#include "handlers/cognito.hpp"
#include "handlers/context.hpp"
#include "handlers/throttle.hpp"
#include "handlers/validation.hpp"

namespace latchkey::cognito {

constexpr std::string_view kTargetPrefix = "AWSCognitoIdentityProviderService.";
constexpr const char* kConfirmSignUp = "confirm_sign_up";
constexpr const char* kSignInCode = "sign_in_code";
constexpr const char* kSelectChallenge = "select_challenge";
constexpr const char* kAutoSignIn = "auto_sign_in";
constexpr std::int64_t kStepTtl = 180;  // choosing a challenge, signing in after confirming

// --- answers -----------------------------------------------------------------------------------

// An error this operation words itself: Cognito's messages depend on the operation, not only on
// the kind of failure (the wording table covers what does not).
Problem fail(const char* type, std::string message, int status) {
    return Problem{.status = status, .message = std::move(message), .code = type};
}

Response answer(Json body) {
    Response r = Response::json(200, body.get());
    r.with_header("Content-Type", "application/x-amz-json-1.1");
    return r;
}

Json empty_object() {
    return json_object();
}

std::string text(const cJSON* obj, const char* key) {
    return std::string(json_string(obj, key).value_or(""));
}

const cJSON* object(const cJSON* obj, const char* key) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsObject(item) ? item : nullptr;
}

// "alice@example.com" -> "a***@e***", as Cognito shows where a code went.
std::string masked(std::string_view email) {
    const auto at = email.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= email.size()) return "***";
    return std::string(1, email[0]) + "***@" + std::string(1, email[at + 1]) + "***";
}

Json delivery_details(std::string_view email) {
    Json d = json_object();
    json_put(d.get(), "AttributeName", "email");
    json_put(d.get(), "DeliveryMedium", "EMAIL");
    json_put(d.get(), "Destination", masked(email));
    return d;
}

// --- accounts, codes, tokens -------------------------------------------------------------------

// The username is the email, trimmed; anything else names no user.
std::string username_of(std::string_view raw) {
    std::string_view u = raw;
    while (!u.empty() && u.front() == ' ') u.remove_prefix(1);
    while (!u.empty() && u.back() == ' ') u.remove_suffix(1);
    return std::string(u);
}

Result<std::optional<Account>> find_user(Call& c, std::string_view username) {
    if (!is_valid_utf8(username) || !is_valid_email(username)) return std::optional<Account>();
    return c.services.accounts().find_by_email(c.site, "user", username);
}

Challenges challenges(Call& c) {
    const Config& k = c.services.config;
    return Challenges(*c.services.store, c.services.keys,
                      CodePolicy{static_cast<int>(k.otp_length), k.otp_ttl,
                                 static_cast<int>(k.otp_max_attempts)});
}

// Counts a guess at one of the account's codes before it is checked, or the throttled answer.
std::variant<GuessPass, Outcome> count_guess(Call& c, const Account& account) {
    auto pass = c.services.guesses.reserve("user:" + email_key(account.email), c.now);
    if (pass) return std::move(*pass);
    if (pass.error().code == Errc::rate_limited) {
        return guess_refusal(c.services, c.request);
    }
    return pass.error();
}

// Opens a step with a code and queues the code's mail, all in one transaction; the sending
// limits (per address and client network, core/mail/send_limits.hpp) are checked first, so a
// refused (and retried) call sends nothing. The step leaves the account's other open steps open: a
// stranger asking for a code for this address ends nothing the owner holds.
Result<std::string> send_code(Call& c, const Account& account, const char* purpose) {
    auto tx = c.services.store->begin();
    if (!tx) return tx.error();
    if (auto allowed = c.services.send_limits().allow(c.site, kCodeMail, account.email, account.id,
                                                      client_network_of(c.request),
                                                      code_send_policy(c.services.config), c.now);
        !allowed)
        return allowed.error();
    auto steps = challenges(c);
    auto opened = steps.open(c.site, account.id, purpose, true, c.services.config.otp_ttl, c.now);
    if (!opened) return opened.error();
    MailMessage mail = compose_mail(c.services.config.template_dir, c.site, kCodeMail,
                                    account.locale, account.email,
                                    {{"code", opened->code},
                                     {"email", account.email},
                                     {"name", account.email},
                                     {"site", std::string(c.site)}});
    if (auto queued = c.services.outbox().enqueue(mail, c.now); !queued) return queued.error();
    if (auto r = tx->commit(); !r) return r.error();
    c.services.mail_queued();
    return std::move(opened->session);
}

Result<std::string> open_step(Call& c, const Account& account, const char* purpose) {
    auto opened = challenges(c).open(c.site, account.id, purpose, false, kStepTtl, c.now);
    if (!opened) return opened.error();
    return std::move(opened->session);
}

Result<std::string> sign(Call& c, const Json& claims) {
    return sign_for_site(c.services.site_tokens(c.site), claims.get(), c.now);
}

// Cognito-shaped id and access tokens (the claims Amplify reads: docs/contracts.md, booking), tied
// to the refresh family by origin_jti, plus the session version so a global sign-out ends them.
Result<Json> authentication_result(Call& c, const Account& account, const RefreshGrant& family,
                                   bool with_refresh_token) {
    const std::int64_t ttl = c.services.config.id_token_ttl;
    const std::string client_id = text(c.body, "ClientId");
    auto base = [&](const char* use) {
        Json claims = json_object();
        json_put(claims.get(), "iss", c.services.config.issuer);
        json_put(claims.get(), "aud", c.site);
        json_put(claims.get(), "sub", account.public_id);
        json_put(claims.get(), "token_use", use);
        json_put(claims.get(), "origin_jti", family.family_id);
        json_put(claims.get(), "auth_time", c.now);
        json_put(claims.get(), "iat", c.now);
        json_put(claims.get(), "exp", c.now + ttl);
        json_put(claims.get(), "jti", new_hex_id(16));
        json_put(claims.get(), "sv", account.session_version);
        return claims;
    };
    Json id = base("id");
    json_put(id.get(), "email", account.email);
    json_put(id.get(), "email_verified", account.email_verified);
    json_put(id.get(), "cognito:username", account.public_id);
    Json access = base("access");
    json_put(access.get(), "client_id", client_id);
    json_put(access.get(), "scope", "aws.cognito.signin.user.admin");
    json_put(access.get(), "username", account.public_id);

    auto access_token = sign(c, access);
    if (!access_token) return access_token.error();
    auto id_token = sign(c, id);
    if (!id_token) return id_token.error();
    Json result = json_object();
    json_put(result.get(), "AccessToken", *access_token);
    json_put(result.get(), "ExpiresIn", ttl);
    json_put(result.get(), "IdToken", *id_token);
    if (with_refresh_token) {
        auto refresh_token = sign_refresh_token(c.services, c.request, account, family);
        if (!refresh_token) return refresh_token.error();
        json_put(result.get(), "RefreshToken", *refresh_token);
    }
    json_put(result.get(), "TokenType", "Bearer");
    return result;
}

Sessions sessions(Call& c) {
    return Sessions(
        *c.services.store, c.services.keys,
        SessionPolicy{c.services.config.refresh_lifetime, c.services.config.refresh_reuse_grace});
}

// A new sign-in: a refresh family and the three tokens. Signing in by emailed code proves the
// address, so the account's email counts as verified from here on (a passkey proves nothing about
// the mailbox).
Outcome signed_in(Call& c, std::int64_t account_id, bool by_passkey) {
    auto accounts = c.services.accounts();
    if (!by_passkey) {
        if (auto r = accounts.mark_email_verified(account_id, c.now); !r) return r.error();
    }
    auto account = accounts.find_by_id(account_id);
    if (!account) return account.error();
    if (account->disabled) return fail("NotAuthorizedException", "User is disabled.");
    note_sign_in(c.services, c.request, *account);
    auto family = sessions(c).start(c.site, account->id, c.now);
    if (!family) return family.error();
    audit(c.services, c.request, "login.success", account->id, account->email,
          by_passkey ? "passkey" : "email code");
    auto result = authentication_result(c, *account, *family, true);
    if (!result) return result.error();
    Json out = json_object();
    json_put(out.get(), "AuthenticationResult", std::move(*result));
    json_put(out.get(), "ChallengeParameters", empty_object());
    return answer(std::move(out));
}

Outcome email_otp_challenge(Call& c, const Account& account) {
    auto session = send_code(c, account, kSignInCode);
    if (!session) {
        if (session.error().code == Errc::rate_limited) {
            return fail("LimitExceededException",
                        "Attempt limit exceeded, please try after some time.");
        }
        return session.error();
    }
    Json params = json_object();
    json_put(params.get(), "CODE_DELIVERY_DELIVERY_MEDIUM", "EMAIL");
    json_put(params.get(), "CODE_DELIVERY_DESTINATION", masked(account.email));
    Json out = json_object();
    json_put(out.get(), "ChallengeName", "EMAIL_OTP");
    json_put(out.get(), "ChallengeParameters", std::move(params));
    json_put(out.get(), "Session", *session);
    return answer(std::move(out));
}

Outcome code_failure(const Error& error) {
    switch (error.code) {
        case Errc::code_mismatch:
            return fail("CodeMismatchException", "Invalid code or auth state for the user.");
        case Errc::expired:
            return fail("ExpiredCodeException",
                        "Invalid code provided, please request a code again.");
        case Errc::invalid_token:
            return fail("NotAuthorizedException", kSessionExpired);
        default:
            return error;
    }
}

// --- operations --------------------------------------------------------------------------------

Outcome sign_up(Call& c) {
    const std::string username = username_of(text(c.body, "Username"));
    if (username.empty())
        return fail("InvalidParameterException",
                    "1 validation error detected: Value at 'username' failed to satisfy "
                    "constraint: Member must not be null");
    std::string email = username;
    if (const cJSON* attrs = cJSON_GetObjectItemCaseSensitive(c.body, "UserAttributes");
        cJSON_IsArray(attrs)) {
        const cJSON* a = nullptr;
        cJSON_ArrayForEach(a, attrs) {
            if (text(a, "Name") == "email" && !text(a, "Value").empty())
                email = username_of(text(a, "Value"));
        }
    }
    if (!is_valid_utf8(username) || !is_valid_email(username) ||
        email_key(email) != email_key(username)) {
        return fail("InvalidParameterException", "Username should be an email.");
    }
    const NewAccount fresh{.site = std::string(c.site),
                           .email = username,
                           .passwordless = true,
                           .locale = request_locale(c.request)};
    auto created = c.services.accounts().create(fresh, c.now);
    if (!created) {
        if (created.error().code == Errc::email_taken) {
            return fail("UsernameExistsException",
                        "An account with the given email already exists.");
        }
        return created.error();
    }
    audit(c.services, c.request, "register", created->id, created->email);
    auto session = send_code(c, *created, kConfirmSignUp);
    if (!session) {
        if (session.error().code == Errc::rate_limited) {
            return fail("LimitExceededException",
                        "Attempt limit exceeded, please try after some time.");
        }
        return session.error();
    }
    Json out = json_object();
    json_put(out.get(), "CodeDeliveryDetails", delivery_details(created->email));
    json_put(out.get(), "UserConfirmed", false);
    json_put(out.get(), "UserSub", created->public_id);
    json_put(out.get(), "Session", *session);
    return answer(std::move(out));
}

Outcome confirm_sign_up(Call& c) {
    auto found = find_user(c, username_of(text(c.body, "Username")));
    if (!found) return found.error();
    if (!*found) return fail("UserNotFoundException", "Username/client id combination not found.");
    const Account& account = **found;
    if (account.email_verified) {
        return fail("NotAuthorizedException",
                    "User cannot be confirmed. Current status is CONFIRMED");
    }
    auto pass = count_guess(c, account);
    if (auto* refused = std::get_if<Outcome>(&pass)) return std::move(*refused);
    const GuessPass& counted = std::get<GuessPass>(pass);
    auto confirmed = challenges(c).answer_latest(counted, c.site, account.id, kConfirmSignUp,
                                                 text(c.body, "ConfirmationCode"), c.now);
    if (!confirmed) {
        if (!was_checked(confirmed.error().code)) (void)c.services.guesses.cancel(counted);
        if (confirmed.error().code == Errc::invalid_token) {
            return fail("ExpiredCodeException",
                        "Invalid code provided, please request a code again.");
        }
        return code_failure(confirmed.error());
    }
    if (auto r = c.services.guesses.succeeded(counted, c.now); !r) return r.error();
    if (auto r = c.services.accounts().mark_email_verified(account.id, c.now); !r) return r.error();
    remember_network(c.services, c.request, account.id);  // the code proved the mailbox
    // A session for autoSignIn, so the new user needs no second code.
    auto session = open_step(c, account, kAutoSignIn);
    if (!session) return session.error();
    Json out = json_object();
    json_put(out.get(), "Session", *session);
    return answer(std::move(out));
}

Outcome resend_confirmation_code(Call& c) {
    auto found = find_user(c, username_of(text(c.body, "Username")));
    if (!found) return found.error();
    if (!*found) return fail("UserNotFoundException", "Username/client id combination not found.");
    if ((*found)->email_verified)
        return fail("InvalidParameterException", "User is already confirmed.");
    auto session = send_code(c, **found, kConfirmSignUp);
    if (!session) {
        if (session.error().code == Errc::rate_limited) {
            return fail("LimitExceededException",
                        "Attempt limit exceeded, please try after some time.");
        }
        return session.error();
    }
    Json out = json_object();
    json_put(out.get(), "CodeDeliveryDetails", delivery_details((*found)->email));
    return answer(std::move(out));
}

Outcome refresh_tokens(Call& c, std::string_view token, bool rotate) {
    const auto presented = read_refresh_token(c.services, c.request, token);
    if (!presented) return fail("NotAuthorizedException", "Invalid Refresh Token");
    // Both paths keep one chain: a replay within the grace gets the same successor (rotate) or
    // the same family (validate), and a spent token after the grace revokes the family.
    Result<RefreshGrant> grant = make_error(Errc::invalid_token);
    if (rotate) {
        auto rotated = sessions(c).rotate(c.site, presented->family, presented->jti, c.now);
        if (rotated) {
            grant = std::move(rotated->first);
        } else {
            grant = rotated.error();
        }
    } else {
        grant = sessions(c).validate(c.site, presented->family, presented->jti, c.now);
    }
    if (!grant && grant.error().code == Errc::refresh_reuse) {
        audit(c.services, c.request, "refresh.reuse", 0, "", "family " + presented->family);
    }
    if (!grant) {
        if (grant.error().code == Errc::invalid_token || grant.error().code == Errc::refresh_reuse)
            return fail("NotAuthorizedException", "Invalid Refresh Token");
        return grant.error();
    }
    auto account = c.services.accounts().find_by_id(grant->account_id);
    if (!account) return account.error();
    if (account->disabled) return fail("NotAuthorizedException", "User is disabled.");
    auto result = authentication_result(c, *account, *grant, rotate);
    if (!result) return result.error();
    Json out = json_object();
    json_put(out.get(), "AuthenticationResult", std::move(*result));
    if (!rotate) json_put(out.get(), "ChallengeParameters", empty_object());
    return answer(std::move(out));
}

Outcome initiate_auth(Call& c) {
    const std::string flow = text(c.body, "AuthFlow");
    const cJSON* params = object(c.body, "AuthParameters");
    if (flow == "REFRESH_TOKEN_AUTH" || flow == "REFRESH_TOKEN") {
        // Amplify 6.10 - 6.15 keeps its refresh token across refreshes: no rotation here.
        return refresh_tokens(c, text(params, "REFRESH_TOKEN"), false);
    }
    if (flow != "USER_AUTH") {
        return fail("InvalidParameterException",
                    "Only USER_AUTH (EMAIL_OTP) and REFRESH_TOKEN_AUTH are supported.");
    }
    auto found = find_user(c, username_of(text(params, "USERNAME")));
    if (!found) return found.error();
    if (!*found) return fail("UserNotFoundException", "User does not exist.");
    const Account& account = **found;
    if (account.disabled) return fail("NotAuthorizedException", "User is disabled.");
    if (const std::string session = text(c.body, "Session"); !session.empty()) {
        // autoSignIn after ConfirmSignUp.
        auto taken = challenges(c).take(c.site, kAutoSignIn, session, c.now);
        if (!taken || *taken != account.id) return fail("NotAuthorizedException", kSessionExpired);
        return signed_in(c, account.id, false);
    }
    if (!account.email_verified) return fail("UserNotConfirmedException", "User is not confirmed.");
    const std::string preferred = text(params, "PREFERRED_CHALLENGE");
    if (preferred == "EMAIL_OTP") return email_otp_challenge(c, account);
    auto with_passkeys = has_passkeys(c, account);
    if (!with_passkeys) return with_passkeys.error();
    // A user without passkeys who prefers WEB_AUTHN chooses among what there is, as Cognito does
    // when the preferred challenge is not available to the user.
    if (preferred == "WEB_AUTHN" && *with_passkeys) return web_authn_challenge(c, account);
    if (!preferred.empty() && preferred != "WEB_AUTHN")
        return fail("InvalidParameterException", "Only EMAIL_OTP and WEB_AUTHN are available.");
    auto session = open_step(c, account, kSelectChallenge);
    if (!session) return session.error();
    Json available(cJSON_CreateArray());
    cJSON_AddItemToArray(available.get(), cJSON_CreateString("EMAIL_OTP"));
    if (*with_passkeys) cJSON_AddItemToArray(available.get(), cJSON_CreateString("WEB_AUTHN"));
    Json out = json_object();
    json_put(out.get(), "ChallengeName", "SELECT_CHALLENGE");
    json_put(out.get(), "AvailableChallenges", std::move(available));
    json_put(out.get(), "ChallengeParameters", empty_object());
    json_put(out.get(), "Session", *session);
    return answer(std::move(out));
}

Outcome respond_to_auth_challenge(Call& c) {
    const std::string name = text(c.body, "ChallengeName");
    const cJSON* responses = object(c.body, "ChallengeResponses");
    const std::string session = text(c.body, "Session");
    auto found = find_user(c, username_of(text(responses, "USERNAME")));
    if (!found) return found.error();
    if (!*found) return fail("UserNotFoundException", "User does not exist.");
    const Account& account = **found;
    if (name == "SELECT_CHALLENGE") {
        const std::string chosen = text(responses, "ANSWER");
        if (chosen != "EMAIL_OTP" && chosen != "WEB_AUTHN") {
            return fail("InvalidParameterException", "Only EMAIL_OTP and WEB_AUTHN are available.");
        }
        if (chosen == "WEB_AUTHN") {
            // Only what AvailableChallenges offered: a user without passkeys has no ceremony.
            auto with_passkeys = has_passkeys(c, account);
            if (!with_passkeys) return with_passkeys.error();
            if (!*with_passkeys) {
                return fail("InvalidParameterException",
                            "WEB_AUTHN is not available for this user.");
            }
        }
        auto taken = challenges(c).take(c.site, kSelectChallenge, session, c.now);
        if (!taken || *taken != account.id) return fail("NotAuthorizedException", kSessionExpired);
        if (chosen == "WEB_AUTHN") return web_authn_challenge(c, account);
        return email_otp_challenge(c, account);
    }
    if (name == "WEB_AUTHN") return answer_web_authn(c, account, session, responses);
    if (name != "EMAIL_OTP")
        return fail("InvalidParameterException", "Unsupported challenge " + name + ".");
    auto pass = count_guess(c, account);
    if (auto* refused = std::get_if<Outcome>(&pass)) return std::move(*refused);
    const GuessPass& counted = std::get<GuessPass>(pass);
    auto answered = challenges(c).answer(counted, c.site, account.id, kSignInCode, session,
                                         text(responses, "EMAIL_OTP_CODE"), c.now);
    if (!answered) {
        if (!was_checked(answered.error().code)) (void)c.services.guesses.cancel(counted);
        audit(c.services, c.request, "login.failure", account.id, account.email, "email code");
        return code_failure(answered.error());
    }
    if (*answered != account.id) return fail("NotAuthorizedException", kSessionExpired);
    if (auto r = c.services.guesses.succeeded(counted, c.now); !r) return r.error();
    return signed_in(c, account.id, false);
}

Outcome get_tokens_from_refresh_token(Call& c) {
    return refresh_tokens(c, text(c.body, "RefreshToken"), true);
}

// The account behind an access token of this site, or the NotAuthorized answer.
std::variant<Caller, Outcome> access_caller(Call& c) {
    const std::string token = text(c.body, "AccessToken");
    auto who = authenticate_token(c.services, c.site, token, "user");
    if (auto* error = std::get_if<Error>(&who)) return *error;
    if (std::holds_alternative<AuthFailure>(who))
        return fail("NotAuthorizedException", "Invalid Access Token");
    auto& caller = std::get<Caller>(who);
    if (json_string(caller.token.claims.get(), "token_use") != std::string_view("access")) {
        return fail("NotAuthorizedException", "Invalid Access Token");
    }
    return std::move(caller);
}

Outcome get_user(Call& c) {
    auto who = access_caller(c);
    if (auto* r = std::get_if<Outcome>(&who)) return std::move(*r);
    const Account& a = std::get<Caller>(who).account;
    Json attributes(cJSON_CreateArray());
    auto attribute = [&](const char* name, const std::string& value) {
        Json item = json_object();
        json_put(item.get(), "Name", name);
        json_put(item.get(), "Value", value);
        cJSON_AddItemToArray(attributes.get(), item.release());
    };
    attribute("email", a.email);
    attribute("email_verified", a.email_verified ? "true" : "false");
    attribute("sub", a.public_id);
    Json out = json_object();
    json_put(out.get(), "Username", a.public_id);
    json_put(out.get(), "UserAttributes", std::move(attributes));
    return answer(std::move(out));
}

Outcome revoke_token(Call& c) {
    const auto presented = read_refresh_token(c.services, c.request, text(c.body, "Token"));
    if (!presented)
        return fail("UnsupportedTokenTypeException",
                    "The token is not a refresh token of this pool.");
    if (auto r = sessions(c).revoke_family(c.site, presented->family, "revoked", c.now); !r) {
        return r.error();
    }
    audit(c.services, c.request, "logout", 0, "", "family " + presented->family);
    return answer(empty_object());
}

Outcome global_sign_out(Call& c) {
    auto who = access_caller(c);
    if (auto* r = std::get_if<Outcome>(&who)) return std::move(*r);
    const Account& a = std::get<Caller>(who).account;
    if (auto r = end_sessions(*c.services.store, a.id, {"global_sign_out"}, c.now); !r) {
        return r.error();
    }
    return answer(empty_object());
}

struct Operation {
    std::string_view name;
    Outcome (*run)(Call&);
};

constexpr Operation kOperations[] = {
    {"SignUp", sign_up},
    {"ConfirmSignUp", confirm_sign_up},
    {"ResendConfirmationCode", resend_confirmation_code},
    {"InitiateAuth", initiate_auth},
    {"RespondToAuthChallenge", respond_to_auth_challenge},
    {"GetTokensFromRefreshToken", get_tokens_from_refresh_token},
    {"GetUser", get_user},
    {"RevokeToken", revoke_token},
    {"GlobalSignOut", global_sign_out},
    {"UpdateUserAttributes", update_user_attributes},
    {"VerifyUserAttribute", verify_user_attribute},
    {"GetUserAttributeVerificationCode", get_user_attribute_verification_code},
    {"DeleteUser", delete_user},
    {"StartWebAuthnRegistration", start_web_authn_registration},
    {"CompleteWebAuthnRegistration", complete_web_authn_registration},
    {"ListWebAuthnCredentials", list_web_authn_credentials},
    {"DeleteWebAuthnCredential", delete_web_authn_credential},
};

}  // namespace latchkey::cognito

namespace latchkey {

using cognito::Call;
using cognito::fail;
using cognito::kOperations;
using cognito::kTargetPrefix;
using cognito::Operation;

Outcome cognito_endpoint(Context& context) {
    const std::string target(context.request.header("X-Amz-Target").value_or(""));
    if (target.rfind(kTargetPrefix, 0) != 0) {
        return fail("UnknownOperationException", "Missing or unknown X-Amz-Target.");
    }
    const std::string_view name = std::string_view(target).substr(kTargetPrefix.size());
    const Operation* op = nullptr;
    for (const auto& candidate : kOperations) {
        if (candidate.name == name) op = &candidate;
    }
    if (op == nullptr)
        return fail("UnknownOperationException",
                    "Operation " + std::string(name) + " is not supported.");
    Call call{context.services, context.request, context.json(), context.site, context.now};
    return op->run(call);
}

}  // namespace latchkey
