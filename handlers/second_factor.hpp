#pragma once
// Authenticator apps (TOTP) as a second factor, the same on every password contract: enrolment
// while signed in (a new key, confirmed by its first code, which also hands out the recovery
// codes), disabling and new recovery codes, and the second step of a sign-in. A password that is
// right for an account with an authenticator yields no token: the answer is a challenge, a
// short-lived single-use token that only the second step accepts, with a code of the app or a
// recovery code. Every code checked is a guess at the account, throttled like its password.
#include <functional>
#include <optional>
#include <string_view>

#include "handlers/context.hpp"

namespace latchkey {

// The management routes, the same on every password contract.
inline constexpr std::string_view kTotpPath = "/api/auth/totp";
inline constexpr std::string_view kTotpEnrollPath = "/api/auth/totp/enroll";
inline constexpr std::string_view kTotpConfirmPath = "/api/auth/totp/confirm";
inline constexpr std::string_view kTotpDisablePath = "/api/auth/totp/disable";
inline constexpr std::string_view kRecoveryCodesPath = "/api/auth/totp/recovery-codes";
// The second step of gateway's, verified's and storefront's sign-ins (storefront's two login
// routes share it: the challenge knows its account); fastapi's follows its /api/auth/token.
inline constexpr std::string_view kSecondFactorPath = "/api/auth/login/second-factor";
inline constexpr std::string_view kTokenSecondFactorPath = "/api/auth/token/second-factor";

// How long a sign-in challenge lives, and the wrong codes that end it.
inline constexpr std::int64_t kSecondFactorTtl = 300;
inline constexpr int kSecondFactorAttempts = 5;

// The contract's messages for the routes above.
inline constexpr std::string_view kInvalidCode = "Invalid code";
inline constexpr std::string_view kInvalidChallenge = "Invalid or expired sign-in challenge";
inline constexpr std::string_view kTotpAlreadyEnabled =
    "Two-factor authentication is already enabled";
inline constexpr std::string_view kTotpNotEnabled = "Two-factor authentication is not enabled";
inline constexpr std::string_view kNothingToConfirm = "No authenticator enrolment to confirm";

// Each contract's names for the fields of these bodies.
struct SecondFactorNames {
    const char* required;   // the login answer's flag
    const char* challenge;  // the login answer's token, and the second step's field
    const char* methods;
    const char* expires_in;
    const char* secret;
    const char* uri;
    const char* recovery_codes;
    const char* enabled;
    const char* recovery_left;
    bool blank_is_missing;  // an empty field counts as absent (every contract but pydantic's)
};
inline constexpr SecondFactorNames kCamelCaseSecondFactor{
    "mfaRequired", "mfaToken",      "methods", "expiresIn",         "secret",
    "otpauthUri",  "recoveryCodes", "enabled", "recoveryCodesLeft", true};
inline constexpr SecondFactorNames kSnakeCaseSecondFactor{
    "mfa_required", "mfa_token",      "methods", "expires_in",          "secret",
    "otpauth_uri",  "recovery_codes", "enabled", "recovery_codes_left", false};

// A login whose password was right: when `account` has an authenticator, the challenge answer
// (200 {required: true, challenge, methods, expires_in}, audited as `login.second_factor`) to
// return instead of tokens; nullopt when it has none and the login goes on.
std::optional<Outcome> second_factor_challenge(Context& c, const Account& account,
                                               const SecondFactorNames& names);

// The second step, {challenge, code}: the challenge from the login answer and a code (the app's
// six digits, or a recovery code). Right, the challenge closes and `signed_in` answers as the
// login would have; wrong, the challenge counts it and ends after kSecondFactorAttempts
// (Errc::code_mismatch; Errc::invalid_token for an unknown, used or expired challenge).
Outcome second_factor_step(Context& c, const SecondFactorNames& names,
                           const std::function<Outcome(const Account&)>& signed_in);

// The management routes' handlers, each contract naming the fields its way.
// GET: 200 {enabled, recovery_left}.
Outcome totp_status(Context& c, const SecondFactorNames& names);
// {password}, then a new key: 200 {secret (base32), uri (otpauth://)}.
Outcome totp_enroll(Context& c, const SecondFactorNames& names);
// {code}, the key's first: 200 {enabled: true, recovery_codes: [ten]}.
Outcome totp_confirm(Context& c, const SecondFactorNames& names);
// {code} (the app's or a recovery code) or {password}; the code wins when both come. The
// authenticator and its recovery codes go: 200 {message}.
Outcome totp_disable(Context& c, const SecondFactorNames& names);
// {password}, then ten new recovery codes, the old ones void: 200 {recovery_codes}.
Outcome new_recovery_codes(Context& c, const SecondFactorNames& names);

}  // namespace latchkey
