#include "handlers/second_factor.hpp"

#include "core/auth/challenges.hpp"
#include "core/auth/totp_factors.hpp"
#include "core/base/email.hpp"
#include "core/crypto/totp.hpp"
#include "handlers/auth.hpp"
#include "handlers/reauthenticate.hpp"
#include "handlers/throttle.hpp"

namespace latchkey {
namespace {

constexpr std::string_view kPurpose = kSecondFactorPurpose;

TotpFactors factors(Services& services) {
    return TotpFactors(*services.store, services.keys);
}

Challenges sign_in_steps(Services& services) {
    return Challenges(*services.store, services.keys,
                      CodePolicy{.ttl = kSecondFactorTtl, .max_attempts = kSecondFactorAttempts});
}

// A recovery code is never six digits, so one field carries either.
bool is_app_code(std::string_view code) {
    return totp::is_code(code);
}

Result<void> check_any_code(TotpFactors& totp, const GuessPass& counted, std::int64_t account_id,
                            std::string_view code, std::int64_t now) {
    if (is_app_code(code)) return totp.check_code(counted, account_id, code, now);
    return totp.use_recovery_code(counted, account_id, code, now);
}

// Counts a guess at the account's codes: the pass, or the throttled answer. Codes are counted
// under a name of their own, beside the password's: a right password (which clears the password's
// failures, and makes its network known) must not launder wrong codes, or whoever has the password
// could guess codes without end, five a challenge.
std::variant<GuessPass, Outcome> count_guess(Context& c, const Account& account) {
    auto pass = c.services.guesses.reserve(
        "second-factor:" + account.kind + ":" + email_key(account.email), c.now);
    if (pass) return std::move(*pass);
    if (pass.error().code == Errc::rate_limited) return guess_refusal(c.services, c.request);
    return pass.error();
}

// What a wrong or unchecked code leaves behind: the guess stays counted only if it was checked.
Error code_failure(Context& c, const GuessPass& counted, const Account& account, Error error,
                   std::string_view event) {
    if (!was_checked(error.code)) {
        (void)c.services.guesses.cancel(counted);  // best effort: the error is the answer
    } else {
        audit(c.services, c.request, event, account.id, account.email, account.kind);
    }
    return error;
}

// RFC 3986 unreserved characters stay; everything else is percent-encoded.
std::string uri_component(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char ch : text) {
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            out += static_cast<char>(ch);
        } else {
            out += '%';
            out += kHex[ch >> 4];
            out += kHex[ch & 0x0f];
        }
    }
    return out;
}

// The key URI format authenticator apps read (Google Authenticator's, which the others follow):
// the site names the issuer, the email the account.
std::string otpauth_uri(std::string_view site, std::string_view email, std::string_view secret) {
    const std::string issuer = uri_component(site);
    return "otpauth://totp/" + issuer + ":" + uri_component(email) +
           "?secret=" + totp::base32(secret) + "&issuer=" + issuer +
           "&algorithm=SHA1&digits=" + std::to_string(totp::kDigits) +
           "&period=" + std::to_string(totp::kPeriod);
}

// The routes' fields, as the contract treats empty strings.
FieldRule code_rule(const SecondFactorNames& names, bool required = true) {
    return {.name = "code",
            .required = required,
            .max_length = 32,
            .blank_is_missing = names.blank_is_missing};
}
FieldRule password_rule(const SecondFactorNames& names, bool required = true) {
    return {.name = "password",
            .kind = FieldKind::password,
            .required = required,
            .blank_is_missing = names.blank_is_missing};
}

// The request of a route whose body is {password}: the refusal to answer (a foreign origin, a bad
// body, a wrong or throttled password, audited as `failure_event`), or nothing when the caller
// proved the password.
std::optional<Outcome> password_refusal(Context& c, const SecondFactorNames& names,
                                        std::string_view failure_event) {
    if (auto refused = refused_cross_origin(c)) return refused;
    const FieldRule rules[] = {password_rule(names)};
    auto fields = read_fields(c, rules);
    if (auto* p = std::get_if<Problem>(&fields)) return Outcome(std::move(*p));
    return reauthenticate(c, std::get<FieldValues>(fields)["password"], failure_event);
}

Outcome message(const char* text) {
    Json out = json_object();
    json_put(out.get(), "message", text);
    return Response::json(200, out.get());
}

// An answer carrying a key or recovery codes, which no cache on the way may keep.
Response secret_answer(const Json& body) {
    return Response::json(200, body.get()).with_header("Cache-Control", "no-store");
}

Json codes_json(const std::vector<std::string>& codes) {
    Json list = Json(cJSON_CreateArray());
    for (const std::string& code : codes) {
        cJSON_AddItemToArray(list.get(), cJSON_CreateString(code.c_str()));
    }
    return list;
}

}  // namespace

std::optional<Outcome> second_factor_challenge(Context& c, const Account& account,
                                               const SecondFactorNames& names) {
    auto state = factors(c.services).status(account.id);
    if (!state) return Outcome(state.error());
    if (!state->enabled) return std::nullopt;
    auto opened = sign_in_steps(c.services)
                      .open(c.site, account.id, kPurpose, false, kSecondFactorTtl, c.now);
    if (!opened) return Outcome(opened.error());
    audit(c.services, c.request, "login.second_factor", account.id, account.email, account.kind);
    Json methods = Json(cJSON_CreateArray());
    cJSON_AddItemToArray(methods.get(), cJSON_CreateString("totp"));
    cJSON_AddItemToArray(methods.get(), cJSON_CreateString("recovery_code"));
    Json out = json_object();
    json_put(out.get(), names.required, true);
    json_put(out.get(), names.challenge, opened->session);
    json_put(out.get(), names.methods, std::move(methods));
    json_put(out.get(), names.expires_in, kSecondFactorTtl);
    return Outcome(Response::json(200, out.get()));
}

Outcome second_factor_step(Context& c, const SecondFactorNames& names,
                           const std::function<Outcome(const Account&)>& signed_in) {
    const FieldRule rules[] = {
        {.name = names.challenge, .max_length = 256, .blank_is_missing = names.blank_is_missing},
        code_rule(names)};
    auto fields = read_fields(c, rules);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    const std::string& challenge = v[names.challenge];
    const std::string& code = v["code"];
    Services& services = c.services;
    Challenges steps = sign_in_steps(services);
    auto holder = steps.holder(c.site, kPurpose, challenge, c.now);
    if (!holder) return holder.error();
    auto account = services.accounts().find_by_id(*holder);
    if (!account) {
        if (account.error().code == Errc::not_found) return make_error(Errc::invalid_token);
        return account.error();
    }
    if (account->disabled) return make_error(Errc::invalid_token, "account disabled");
    auto counted = count_guess(c, *account);
    if (auto* refused = std::get_if<Outcome>(&counted)) return std::move(*refused);
    const GuessPass& pass = std::get<GuessPass>(counted);
    TotpFactors totp = factors(services);
    auto answered =
        steps.answer_with(pass, c.site, kPurpose, challenge, c.now, [&](std::int64_t account_id) {
            return check_any_code(totp, pass, account_id, code, c.now);
        });
    if (!answered) {
        return code_failure(c, pass, *account, answered.error(), "login.failure");
    }
    if (auto r = services.guesses.succeeded(pass, c.now); !r) return r.error();
    if (!is_app_code(code)) {
        audit(services, c.request, "recovery_code.use", account->id, account->email, account->kind);
        notify(services, c.request, *account, NoticeKind::recovery_code_used);
    }
    return signed_in(*account);
}

Outcome totp_status(Context& c, const SecondFactorNames& names) {
    auto state = factors(c.services).status(c.who().account.id);
    if (!state) return state.error();
    Json out = json_object();
    json_put(out.get(), names.enabled, state->enabled);
    json_put(out.get(), names.recovery_left, state->recovery_left);
    return Response::json(200, out.get());
}

Outcome totp_enroll(Context& c, const SecondFactorNames& names) {
    if (auto refused = password_refusal(c, names, "totp.enroll.failure")) {
        return std::move(*refused);
    }
    const Account& caller = c.who().account;
    auto secret = factors(c.services).begin(caller.id, c.now);
    if (!secret) return secret.error();
    audit(c.services, c.request, "totp.enroll", caller.id, caller.email, caller.kind);
    Json out = json_object();
    json_put(out.get(), names.secret, totp::base32(*secret));
    json_put(out.get(), names.uri, otpauth_uri(c.site, caller.email, *secret));
    return secret_answer(out);
}

Outcome totp_confirm(Context& c, const SecondFactorNames& names) {
    if (auto refused = refused_cross_origin(c)) return std::move(*refused);
    const FieldRule rules[] = {code_rule(names)};
    auto fields = read_fields(c, rules);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    const std::string& code = std::get<FieldValues>(fields)["code"];
    const Account& caller = c.who().account;
    auto counted = count_guess(c, caller);
    if (auto* refused = std::get_if<Outcome>(&counted)) return std::move(*refused);
    const GuessPass& pass = std::get<GuessPass>(counted);
    auto codes = factors(c.services).confirm(pass, caller.id, code, c.now);
    if (!codes && codes.error().code == Errc::not_found) {
        (void)c.services.guesses.cancel(pass);  // nothing to confirm: no code was heard
        return codes.error();
    }
    if (!codes) return code_failure(c, pass, caller, codes.error(), "totp.confirm.failure");
    if (auto r = c.services.guesses.succeeded(pass, c.now); !r) return r.error();
    audit(c.services, c.request, "totp.enable", caller.id, caller.email, caller.kind);
    notify(c.services, c.request, caller, NoticeKind::second_factor_enabled);
    Json out = json_object();
    json_put(out.get(), names.enabled, true);
    json_put(out.get(), names.recovery_codes, codes_json(*codes));
    return secret_answer(out);
}

Outcome totp_disable(Context& c, const SecondFactorNames& names) {
    if (auto refused = refused_cross_origin(c)) return std::move(*refused);
    const FieldRule rules[] = {code_rule(names, false), password_rule(names, false)};
    auto fields = read_fields(c, rules);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    auto& v = std::get<FieldValues>(fields);
    const std::string& code = v["code"];
    const std::string& password = v["password"];
    if (code.empty() && password.empty()) {
        return invalid_fields({FieldIssue("code", Issue::missing)});
    }
    const Account& caller = c.who().account;
    TotpFactors totp = factors(c.services);
    auto state = totp.status(caller.id);
    if (!state) return state.error();
    if (!state->enabled) return make_error(Errc::not_found, "no authenticator");
    if (!code.empty()) {
        auto counted = count_guess(c, caller);
        if (auto* refused = std::get_if<Outcome>(&counted)) return std::move(*refused);
        const GuessPass& pass = std::get<GuessPass>(counted);
        if (auto r = check_any_code(totp, pass, caller.id, code, c.now); !r) {
            return code_failure(c, pass, caller, r.error(), "totp.disable.failure");
        }
        if (auto r = c.services.guesses.succeeded(pass, c.now); !r) return r.error();
    } else if (auto refused = reauthenticate(c, password, "totp.disable.failure")) {
        return std::move(*refused);
    }
    auto removed = totp.remove(caller.id);
    if (!removed) return removed.error();
    audit(c.services, c.request, "totp.disable", caller.id, caller.email, caller.kind);
    notify(c.services, c.request, caller, NoticeKind::second_factor_disabled);
    return message("Two-factor authentication disabled");
}

Outcome new_recovery_codes(Context& c, const SecondFactorNames& names) {
    if (auto refused = password_refusal(c, names, "recovery_codes.failure")) {
        return std::move(*refused);
    }
    const Account& caller = c.who().account;
    auto codes = factors(c.services).new_recovery_codes(caller.id, c.now);
    if (!codes) return codes.error();
    audit(c.services, c.request, "recovery_codes.new", caller.id, caller.email, caller.kind);
    notify(c.services, c.request, caller, NoticeKind::recovery_codes_replaced);
    Json out = json_object();
    json_put(out.get(), names.recovery_codes, codes_json(*codes));
    return secret_answer(out);
}

}  // namespace latchkey
