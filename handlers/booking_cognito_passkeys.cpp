// Passkeys on booking's Cognito endpoint (docs/contracts.md, booking): the four operations a
// signed-in user manages its passkeys with (StartWebAuthnRegistration,
// CompleteWebAuthnRegistration, ListWebAuthnCredentials, DeleteWebAuthnCredential, each
// authorized by the access token in the body) and the WEB_AUTHN challenge of USER_AUTH. The
// WebAuthn side (options, credentials, verification, ceremonies) is the password contracts'
// (handlers/passkeys.cpp); only the wire shapes and error names are Cognito's.
#include <string>
#include <vector>

#include "core/auth/passkeys.hpp"
#include "core/auth/throttle.hpp"
#include "core/crypto/jwt.hpp"
#include "handlers/auth.hpp"
#include "handlers/cognito.hpp"
#include "handlers/passkeys.hpp"

namespace latchkey::cognito {
namespace {

// Cognito's page size for ListWebAuthnCredentials: 1 to 20 (an account holds at most 20).
constexpr std::int64_t kMaxListResults = 20;

Passkeys passkeys(Call& c) {
    return Passkeys(*c.services.store, c.services.keys);
}

const Caller* caller_of(const std::variant<Caller, Outcome>& who) {
    return std::get_if<Caller>(&who);
}

// What a registration that did not verify is called, by what webauthn::verify_registration
// found wrong.
Outcome registration_failure(const Error& error) {
    const std::string& why = error.detail;
    if (why.find("origin") != std::string::npos || why.find("crossOrigin") != std::string::npos) {
        return fail("WebAuthnOriginNotAllowedException",
                    "The passkey's origin is not allowed for this user pool.");
    }
    if (why.find("RP ID") != std::string::npos) {
        return fail("WebAuthnRelyingPartyMismatchException",
                    "The passkey was made for another relying party.");
    }
    if (why.find("attestation format") != std::string::npos ||
        why.find("alg") != std::string::npos || why.find("key") != std::string::npos) {
        return fail("WebAuthnCredentialNotSupportedException",
                    "This passkey's authenticator is not supported.");
    }
    return fail("InvalidParameterException", "The passkey credential could not be verified.");
}

Outcome challenge_not_found() {
    return fail("WebAuthnChallengeNotFoundException",
                "The registration challenge was not found or has expired: start again.");
}

}  // namespace

Result<bool> has_passkeys(Call& c, const Account& account) {
    auto ids = passkeys(c).of_account_credentials(c.site, account.id);
    if (!ids) return ids.error();
    return !ids->empty();
}

Outcome start_web_authn_registration(Call& c) {
    auto who = access_caller(c);
    if (auto* r = std::get_if<Outcome>(&who)) return std::move(*r);
    const Account& caller = caller_of(who)->account;
    auto rp = relying_party(c.services, c.request);
    if (!rp) return rp.error();
    Passkeys store = passkeys(c);
    auto existing = store.of_account_credentials(c.site, caller.id);
    if (!existing) return existing.error();
    if (existing->size() >= kMaxPasskeysPerAccount) {
        return fail("LimitExceededException", "The user has the most passkeys allowed.");
    }
    auto challenge =
        store.begin_ceremony(c.site, Ceremony::register_passkey, caller.id, kCeremonyTtl, c.now);
    if (!challenge) return challenge.error();
    audit(c.services, c.request, "passkey.register.begin", caller.id, caller.email, caller.kind);
    Json out = json_object();
    json_put(out.get(), "CredentialCreationOptions",
             creation_options(*rp, c.site, caller, *challenge, *existing));
    return answer(std::move(out));
}

Outcome complete_web_authn_registration(Call& c) {
    auto who = access_caller(c);
    if (auto* r = std::get_if<Outcome>(&who)) return std::move(*r);
    const Account& caller = caller_of(who)->account;
    const cJSON* raw = cJSON_GetObjectItemCaseSensitive(c.body, "Credential");
    if (raw == nullptr || cJSON_IsNull(raw)) {
        return fail("InvalidParameterException",
                    "1 validation error detected: Value at 'credential' failed to satisfy "
                    "constraint: Member must not be null");
    }
    auto credential = read_credential(raw, true);
    if (!credential) {
        return fail("InvalidParameterException", "Credential is not a RegistrationResponseJSON.");
    }
    auto verified = check_registration(c.services, c.request, c.site, caller, *credential, c.now);
    if (!verified) {
        if (verified.error().code == Errc::invalid_token) return challenge_not_found();
        if (verified.error().code == Errc::invalid_credentials) {
            return registration_failure(verified.error());
        }
        return verified.error();
    }
    Passkeys store = passkeys(c);
    auto id = store.add(c.site, caller.id, *verified, default_passkey_name(c.request), c.now);
    if (!id) {
        if (id.error().code == Errc::limit_reached) {
            return fail("LimitExceededException", "The user has the most passkeys allowed.");
        }
        if (id.error().code == Errc::credential_taken) {
            return fail("InvalidParameterException", "This passkey is registered already.");
        }
        return id.error();
    }
    audit(c.services, c.request, "passkey.register", caller.id, caller.email, caller.kind);
    notify(c.services, c.request, caller, NoticeKind::passkey_added);
    return answer(empty_object());
}

Outcome list_web_authn_credentials(Call& c) {
    auto who = access_caller(c);
    if (auto* r = std::get_if<Outcome>(&who)) return std::move(*r);
    const Account& caller = caller_of(who)->account;
    std::int64_t page = kMaxListResults;
    if (const cJSON* max = cJSON_GetObjectItemCaseSensitive(c.body, "MaxResults");
        max != nullptr && !cJSON_IsNull(max)) {
        if (!cJSON_IsNumber(max) || max->valuedouble < 1 || max->valuedouble > kMaxListResults ||
            max->valuedouble != static_cast<double>(static_cast<std::int64_t>(max->valuedouble))) {
            return fail("InvalidParameterException",
                        "1 validation error detected: Value at 'maxResults' failed to satisfy "
                        "constraint: Member must have value between 1 and 20");
        }
        page = static_cast<std::int64_t>(max->valuedouble);
    }
    // NextToken: the position of the next passkey, oldest first, as decimal digits.
    std::size_t from = 0;
    if (const cJSON* next = cJSON_GetObjectItemCaseSensitive(c.body, "NextToken");
        next != nullptr && !cJSON_IsNull(next)) {
        const std::string token = cJSON_IsString(next) ? std::string(next->valuestring) : "";
        if (token.empty() || token.size() > 2 ||
            token.find_first_not_of("0123456789") != std::string::npos) {
            return fail("InvalidParameterException", "Invalid NextToken.");
        }
        from = static_cast<std::size_t>(std::stoi(token));
    }
    auto rp = relying_party(c.services, c.request);
    if (!rp) return rp.error();
    auto list = passkeys(c).of_account(c.site, caller.id);
    if (!list) return list.error();
    Json items(cJSON_CreateArray());
    std::size_t i = from;
    for (; i < list->size() && i < from + static_cast<std::size_t>(page); ++i) {
        const PasskeySummary& p = (*list)[i];
        Json item = json_object();
        json_put(item.get(), "CredentialId", p.credential_id);
        json_put(item.get(), "FriendlyCredentialName", p.name);
        json_put(item.get(), "RelyingPartyId", rp->id);
        json_put(item.get(), "AuthenticatorTransports", Json(cJSON_CreateArray()));
        json_put(item.get(), "CreatedAt", p.created_at);
        cJSON_AddItemToArray(items.get(), item.release());
    }
    Json out = json_object();
    json_put(out.get(), "Credentials", std::move(items));
    if (i < list->size()) json_put(out.get(), "NextToken", std::to_string(i));
    return answer(std::move(out));
}

Outcome delete_web_authn_credential(Call& c) {
    auto who = access_caller(c);
    if (auto* r = std::get_if<Outcome>(&who)) return std::move(*r);
    const Account& caller = caller_of(who)->account;
    const std::string id = text(c.body, "CredentialId");
    if (id.empty()) {
        return fail("InvalidParameterException",
                    "1 validation error detected: Value at 'credentialId' failed to satisfy "
                    "constraint: Member must not be null");
    }
    auto not_found = [] {
        return fail("ResourceNotFoundException", "Passkey credential not found.");
    };
    auto raw =
        id.size() <= 2 * webauthn::kMaxCredentialIdBytes ? jwt::base64url_decode(id) : std::nullopt;
    if (!raw || raw->empty()) return not_found();
    Passkeys store = passkeys(c);
    auto record = store.find_by_credential(c.site, *raw);
    if (!record) {
        if (record.error().code == Errc::not_found) return not_found();
        return record.error();
    }
    if (record->account_id != caller.id) return not_found();
    auto removed = store.remove(c.site, caller.id, record->id);
    if (!removed) return removed.error();
    if (!*removed) return not_found();
    audit(c.services, c.request, "passkey.delete", caller.id, caller.email, caller.kind);
    notify(c.services, c.request, caller, NoticeKind::passkey_removed);
    return answer(empty_object());
}

Outcome web_authn_challenge(Call& c, const Account& account) {
    auto rp = relying_party(c.services, c.request);
    if (!rp) return rp.error();
    Passkeys store = passkeys(c);
    auto allow = store.of_account_credentials(c.site, account.id);
    if (!allow) return allow.error();
    auto challenge =
        store.begin_ceremony(c.site, Ceremony::authenticate, account.id, kCeremonyTtl, c.now);
    if (!challenge) return challenge.error();
    char* options = cJSON_PrintUnformatted(request_options(*rp, *challenge, *allow).get());
    if (options == nullptr) return make_error(Errc::internal, "printing the request options");
    Json params = json_object();
    json_put(params.get(), "CREDENTIAL_REQUEST_OPTIONS", std::string_view(options));
    cJSON_free(options);
    Json out = json_object();
    json_put(out.get(), "ChallengeName", "WEB_AUTHN");
    json_put(out.get(), "ChallengeParameters", std::move(params));
    // The session names the ceremony: its challenge, which the options hand out anyway.
    json_put(out.get(), "Session", *challenge);
    return answer(std::move(out));
}

Outcome answer_web_authn(Call& c, const Account& account, std::string_view session,
                         const cJSON* responses) {
    const std::string text_credential = text(responses, "CREDENTIAL");
    if (text_credential.empty()) {
        return fail("InvalidParameterException", "Missing required parameter CREDENTIAL");
    }
    auto parsed = parse_json_strict(text_credential);
    auto* json = std::get_if<Json>(&parsed);
    auto credential = json != nullptr ? read_credential(json->get(), false)
                                      : std::optional<PresentedCredential>();
    if (!credential) {
        return fail("InvalidParameterException",
                    "CREDENTIAL is not an AuthenticationResponseJSON.");
    }
    if (session.empty() || session != credential->challenge) {
        return fail("NotAuthorizedException", kSessionExpired);
    }
    auto pass = count_guess(c, account);
    if (auto* refused = std::get_if<Outcome>(&pass)) return std::move(*refused);
    const GuessPass& counted = std::get<GuessPass>(pass);
    auto checked = check_assertion(c.services, c.request, c.site, *credential, c.now);
    if (!checked.error && checked.account->id != account.id) {
        checked.error = make_error(Errc::invalid_credentials, "another user's passkey");
    }
    if (checked.error) {
        if (!was_checked(checked.error->code)) {
            (void)c.services.guesses.cancel(counted);
            return std::move(*checked.error);
        }
        audit(c.services, c.request, "passkey.login.failure", account.id, account.email,
              account.kind);
        return fail("NotAuthorizedException", "Incorrect passkey credential.");
    }
    if (auto r = c.services.guesses.succeeded(counted, c.now); !r) return r.error();
    return signed_in(c, account.id, true);
}

}  // namespace latchkey::cognito
