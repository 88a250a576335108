#include "handlers/passkeys.hpp"

#include <limits>

#include "core/auth/passkeys.hpp"
#include "core/base/json.hpp"
#include "core/crypto/jwt.hpp"
#include "handlers/auth.hpp"
#include "handlers/reauthenticate.hpp"
#include "handlers/throttle.hpp"

namespace latchkey {
namespace {

// COSE algorithms offered, in the order the authenticator should prefer them: Ed25519, P-256,
// RSA (what Windows Hello still makes).
constexpr std::int64_t kAlgorithms[] = {-8, -7, -257};

Passkeys passkeys(Services& services) {
    return Passkeys(*services.store, services.keys);
}

// scheme://host[:port] of a URL, and its host.
std::string origin_of(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return std::string(url);
    const auto path = url.find('/', scheme_end + 3);
    return std::string(url.substr(0, path));
}
std::string host_of(std::string_view origin) {
    const auto scheme_end = origin.find("://");
    std::string_view rest =
        scheme_end == std::string_view::npos ? origin : origin.substr(scheme_end + 3);
    if (!rest.empty() && rest.front() == '[')
        return std::string(rest.substr(0, rest.find(']') + 1));
    return std::string(rest.substr(0, rest.find(':')));
}

std::optional<std::string> decoded(const cJSON* object, const char* key, std::size_t max_bytes) {
    const auto text = json_string(object, key);
    if (!text || text->size() > (max_bytes * 4) / 3 + 4) return std::nullopt;
    auto bytes = jwt::base64url_decode(*text);
    if (!bytes || bytes->size() > max_bytes) return std::nullopt;
    return bytes;
}

Json passkey_json(const PasskeySummary& p, const PasskeyNames& names) {
    Json out = json_object();
    json_put(out.get(), "id", std::to_string(p.id));
    json_put(out.get(), "name", p.name);
    json_put(out.get(), names.created_at, p.created_at);
    if (p.last_used_at) {
        json_put(out.get(), names.last_used_at, *p.last_used_at);
    } else {
        cJSON_AddNullToObject(out.get(), names.last_used_at);
    }
    json_put(out.get(), names.backed_up, p.backup_state);
    return out;
}

Json descriptor(std::string_view credential_id) {
    Json out = json_object();
    json_put(out.get(), "type", "public-key");
    json_put(out.get(), "id", credential_id);
    return out;
}

constexpr FieldRule kNameRule{.name = "name", .required = false, .max_length = 64};

}  // namespace

Result<webauthn::RelyingParty> relying_party(const Services& services, const Request& request) {
    webauthn::RelyingParty rp;
    if (auto listed = request.param("LATCHKEY_PASSKEY_ORIGINS"); listed && !listed->empty()) {
        std::string_view rest = *listed;
        while (!rest.empty()) {
            const auto space = rest.find(' ');
            const std::string_view origin = rest.substr(0, space);
            if (!origin.empty()) rp.origins.push_back(origin_of(origin));
            if (space == std::string_view::npos) break;
            rest.remove_prefix(space + 1);
        }
    }
    if (rp.origins.empty()) {
        auto url = public_url(services, request);
        if (!url) return url.error();
        rp.origins.push_back(origin_of(*url));
    }
    if (auto id = request.param("LATCHKEY_PASSKEY_RP_ID"); id && !id->empty()) {
        rp.id = std::string(*id);
    } else {
        rp.id = host_of(rp.origins.front());
    }
    if (rp.id.empty()) return make_error(Errc::config, "no passkey RP ID for this site");
    return rp;
}

std::optional<PresentedCredential> read_credential(const cJSON* credential, bool registration) {
    if (!cJSON_IsObject(credential)) return std::nullopt;
    const auto type = json_string(credential, "type");
    if (type && *type != "public-key") return std::nullopt;
    const cJSON* response = cJSON_GetObjectItemCaseSensitive(credential, "response");
    if (!cJSON_IsObject(response)) return std::nullopt;
    PresentedCredential out;
    auto id = decoded(credential, "rawId", webauthn::kMaxCredentialIdBytes);
    if (!id) id = decoded(credential, "id", webauthn::kMaxCredentialIdBytes);
    auto client_data = decoded(response, "clientDataJSON", webauthn::kMaxClientDataBytes);
    if (!id || id->empty() || !client_data) return std::nullopt;
    out.id = std::move(*id);
    out.client_data_json = std::move(*client_data);
    if (registration) {
        auto attestation =
            decoded(response, "attestationObject", webauthn::kMaxAttestationObjectBytes);
        if (!attestation) return std::nullopt;
        out.attestation_object = std::move(*attestation);
    } else {
        auto data = decoded(response, "authenticatorData", webauthn::kMaxAuthenticatorDataBytes);
        auto signature = decoded(response, "signature", webauthn::kMaxSignatureBytes);
        if (!data || !signature) return std::nullopt;
        out.authenticator_data = std::move(*data);
        out.signature = std::move(*signature);
        if (cJSON_GetObjectItemCaseSensitive(response, "userHandle") != nullptr &&
            !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(response, "userHandle"))) {
            auto handle = decoded(response, "userHandle", 64);
            if (!handle) return std::nullopt;
            out.user_handle = std::move(*handle);
        }
    }
    // The challenge is read here only to find the ceremony; verify_* checks clientDataJSON whole.
    auto client = parse_json_strict(out.client_data_json);
    auto* parsed = std::get_if<Json>(&client);
    if (parsed == nullptr) return std::nullopt;
    const auto challenge = json_string(parsed->get(), "challenge");
    if (!challenge || challenge->empty() || challenge->size() > 256) return std::nullopt;
    out.challenge = std::string(*challenge);
    return out;
}

std::string user_handle(const Account& account) {
    return account.public_id;
}

std::string default_passkey_name(const Request& request) {
    const auto agent = request.header("User-Agent").value_or("");
    for (std::string_view known : {"iPhone", "iPad", "Android", "Macintosh", "Windows", "Linux"}) {
        if (agent.find(known) != std::string_view::npos) {
            return "Passkey on " + std::string(known == "Macintosh" ? "Mac" : known);
        }
    }
    return "Passkey";
}

Json creation_options(const webauthn::RelyingParty& rp, std::string_view site,
                      const Account& account, std::string_view challenge,
                      const std::vector<std::string>& exclude) {
    Json rp_json = json_object();
    json_put(rp_json.get(), "id", rp.id);
    json_put(rp_json.get(), "name", site);
    Json user = json_object();
    json_put(user.get(), "id", jwt::base64url_encode(user_handle(account)));
    json_put(user.get(), "name", account.email);
    json_put(user.get(), "displayName", account.email);
    Json params = Json(cJSON_CreateArray());
    for (std::int64_t alg : kAlgorithms) {
        Json param = json_object();
        json_put(param.get(), "type", "public-key");
        json_put(param.get(), "alg", alg);
        cJSON_AddItemToArray(params.get(), param.release());
    }
    Json excluded = Json(cJSON_CreateArray());
    for (const std::string& id : exclude) {
        cJSON_AddItemToArray(excluded.get(), descriptor(id).release());
    }
    Json selection = json_object();
    json_put(selection.get(), "residentKey", "required");
    json_put(selection.get(), "requireResidentKey", true);
    json_put(selection.get(), "userVerification", "preferred");
    Json out = json_object();
    json_put(out.get(), "challenge", challenge);
    json_put(out.get(), "rp", std::move(rp_json));
    json_put(out.get(), "user", std::move(user));
    json_put(out.get(), "pubKeyCredParams", std::move(params));
    json_put(out.get(), "timeout", kCeremonyTtl * 1000);
    json_put(out.get(), "excludeCredentials", std::move(excluded));
    json_put(out.get(), "authenticatorSelection", std::move(selection));
    json_put(out.get(), "attestation", "none");
    return out;
}

Json request_options(const webauthn::RelyingParty& rp, std::string_view challenge,
                     const std::vector<std::string>& allow) {
    Json allowed = Json(cJSON_CreateArray());
    for (const std::string& id : allow) {
        cJSON_AddItemToArray(allowed.get(), descriptor(id).release());
    }
    Json out = json_object();
    json_put(out.get(), "challenge", challenge);
    json_put(out.get(), "rpId", rp.id);
    json_put(out.get(), "timeout", kCeremonyTtl * 1000);
    json_put(out.get(), "userVerification", "preferred");
    json_put(out.get(), "allowCredentials", std::move(allowed));
    return out;
}

Result<webauthn::NewCredential> check_registration(Services& services, const Request& request,
                                                   std::string_view site, const Account& caller,
                                                   const PresentedCredential& credential,
                                                   std::int64_t now, webauthn::Refusal* why) {
    // The ceremony goes whatever follows: a response is checked once.
    auto bound = passkeys(services).take_ceremony(site, Ceremony::register_passkey,
                                                  credential.challenge, now);
    if (!bound) return bound.error();
    if (*bound != caller.id) return make_error(Errc::invalid_token, "another account's ceremony");
    auto rp = relying_party(services, request);
    if (!rp) return rp.error();
    auto verified =
        webauthn::verify_registration(*rp, credential.challenge, credential.client_data_json,
                                      credential.attestation_object, false, why);
    if (!verified) {
        audit(services, request, "passkey.register.failure", caller.id, caller.email, caller.kind);
        return make_error(Errc::invalid_credentials, verified.error().detail);
    }
    if (verified->credential_id != credential.id) {
        return make_error(Errc::invalid_credentials, "rawId differs from the attested id");
    }
    return verified;
}

AssertionCheck check_assertion(Services& services, const Request& request, std::string_view site,
                               const PresentedCredential& credential, std::int64_t now) {
    AssertionCheck out;
    auto refuse = [&](Error error) {
        out.error = std::move(error);
        return std::move(out);
    };
    Passkeys store = passkeys(services);
    auto bound = store.take_ceremony(site, Ceremony::authenticate, credential.challenge, now);
    if (!bound) return refuse(bound.error());
    auto record = store.find_by_credential(site, credential.id);
    if (!record) {
        if (record.error().code != Errc::not_found) return refuse(record.error());
        return refuse(make_error(Errc::invalid_credentials, "unknown credential"));
    }
    if (*bound && **bound != record->account_id) {
        return refuse(make_error(Errc::invalid_credentials, "another account's ceremony"));
    }
    auto account = services.accounts().find_by_id(record->account_id);
    if (!account) {
        if (account.error().code != Errc::not_found) return refuse(account.error());
        return refuse(make_error(Errc::invalid_credentials, "the passkey's account is gone"));
    }
    out.account = *account;
    if (!credential.user_handle.empty() && credential.user_handle != user_handle(*account)) {
        return refuse(make_error(Errc::invalid_credentials, "user handle differs"));
    }
    auto rp = relying_party(services, request);
    if (!rp) return refuse(rp.error());
    auto verified = webauthn::verify_assertion(
        *rp, credential.challenge, record->credential, credential.client_data_json,
        credential.authenticator_data, credential.signature, false);
    if (!verified && verified.error().code == Errc::cloned_authenticator) {
        audit(services, request, "passkey.cloned", account->id, account->email, account->kind);
        return refuse(make_error(Errc::invalid_credentials, "signature counter went back"));
    }
    if (!verified) return refuse(make_error(Errc::invalid_credentials, verified.error().detail));
    auto recorded = store.record_use(record->id, verified->sign_count, verified->backup_state, now);
    if (!recorded) return refuse(recorded.error());
    if (!*recorded) {
        audit(services, request, "passkey.cloned", account->id, account->email, account->kind);
        return refuse(make_error(Errc::invalid_credentials, "a concurrent assertion won"));
    }
    if (account->disabled) return refuse(make_error(Errc::invalid_credentials, "account disabled"));
    out.user_verified = verified->user_verified;
    return out;
}

namespace {

// The body's `credential`, read as read_credential() reads it, or the validation problem.
std::variant<PresentedCredential, Problem> credential_field(const Context& c, bool registration) {
    const cJSON* raw = cJSON_GetObjectItemCaseSensitive(c.json(), "credential");
    if (raw == nullptr || cJSON_IsNull(raw)) {
        return invalid_fields({FieldIssue("credential", Issue::missing)});
    }
    auto credential = read_credential(raw, registration);
    if (!credential) return invalid_fields({FieldIssue("credential", Issue::not_credential)});
    return std::move(*credential);
}

}  // namespace

Outcome list_passkeys(Context& c, const PasskeyNames& names) {
    auto list = passkeys(c.services).of_account(c.site, c.who().account.id);
    if (!list) return list.error();
    Json items = Json(cJSON_CreateArray());
    for (const PasskeySummary& p : *list) {
        cJSON_AddItemToArray(items.get(), passkey_json(p, names).release());
    }
    Json out = json_object();
    json_put(out.get(), names.passkeys, std::move(items));
    return Response::json(200, out.get());
}

Outcome passkey_register_options(Context& c, const PasskeyNames& names) {
    if (auto refused = refused_cross_origin(c)) return std::move(*refused);
    const FieldRule rules[] = {{.name = "password",
                                .kind = FieldKind::password,
                                .blank_is_missing = names.blank_is_missing}};
    auto fields = read_fields(c, rules);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    if (auto refused = reauthenticate(c, std::get<FieldValues>(fields)["password"],
                                      "passkey.register.failure")) {
        return std::move(*refused);
    }
    auto rp = relying_party(c.services, c.request);
    if (!rp) return rp.error();
    const Account& caller = c.who().account;
    Passkeys store = passkeys(c.services);
    auto existing = store.of_account_credentials(c.site, caller.id);
    if (!existing) return existing.error();
    auto challenge =
        store.begin_ceremony(c.site, Ceremony::register_passkey, caller.id, kCeremonyTtl, c.now);
    if (!challenge) return challenge.error();

    Json out = creation_options(*rp, c.site, caller, *challenge, *existing);
    audit(c.services, c.request, "passkey.register.begin", caller.id, caller.email, caller.kind);
    return Response::json(200, out.get()).with_header("Cache-Control", "no-store");
}

Outcome passkey_register(Context& c, const PasskeyNames& names) {
    if (auto refused = refused_cross_origin(c)) return std::move(*refused);
    const FieldRule rules[] = {kNameRule};
    auto fields = read_fields(c, rules);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    std::string name = std::get<FieldValues>(fields)["name"];
    auto read = credential_field(c, true);
    if (auto* p = std::get_if<Problem>(&read)) return std::move(*p);
    const auto* credential = &std::get<PresentedCredential>(read);
    if (name.empty()) name = default_passkey_name(c.request);
    const Account& caller = c.who().account;
    Passkeys store = passkeys(c.services);
    auto verified = check_registration(c.services, c.request, c.site, caller, *credential, c.now);
    if (!verified) return verified.error();
    auto id = store.add(c.site, caller.id, *verified, name, c.now);
    if (!id) return id.error();
    audit(c.services, c.request, "passkey.register", caller.id, caller.email, caller.kind);
    notify(c.services, c.request, caller, NoticeKind::passkey_added);
    PasskeySummary added{.id = *id,
                         .name = name,
                         .created_at = c.now,
                         .last_used_at = std::nullopt,
                         .backup_eligible = verified->backup_eligible,
                         .backup_state = verified->backup_state,
                         .credential_id = jwt::base64url_encode(verified->credential_id)};
    return Response::json(201, passkey_json(added, names).get());
}

Outcome passkey_delete(Context& c, const PasskeyNames& names) {
    if (auto refused = refused_cross_origin(c)) return std::move(*refused);
    const FieldRule rules[] = {{.name = "id",
                                .min_length = 1,
                                .max_length = 20,
                                .blank_is_missing = names.blank_is_missing}};
    auto fields = read_fields(c, rules);
    if (auto* p = std::get_if<Problem>(&fields)) return std::move(*p);
    const std::string& text = std::get<FieldValues>(fields)["id"];
    std::int64_t id = 0;
    for (char ch : text) {
        if (ch < '0' || ch > '9' || id > (std::numeric_limits<std::int64_t>::max() - 9) / 10) {
            return make_error(Errc::not_found, "not a passkey id");
        }
        id = id * 10 + (ch - '0');
    }
    const Account& caller = c.who().account;
    auto removed = passkeys(c.services).remove(c.site, caller.id, id);
    if (!removed) return removed.error();
    if (!*removed) return make_error(Errc::not_found, "no such passkey of the caller's");
    audit(c.services, c.request, "passkey.delete", caller.id, caller.email, caller.kind);
    notify(c.services, c.request, caller, NoticeKind::passkey_removed);
    Json out = json_object();
    json_put(out.get(), "message", "Passkey removed");
    return Response::json(200, out.get());
}

Outcome passkey_login_options(Context& c) {
    auto rp = relying_party(c.services, c.request);
    if (!rp) return rp.error();
    auto challenge =
        passkeys(c.services)
            .begin_ceremony(c.site, Ceremony::authenticate, std::nullopt, kCeremonyTtl, c.now);
    if (!challenge) return challenge.error();
    Json out = request_options(*rp, *challenge, {});
    return Response::json(200, out.get()).with_header("Cache-Control", "no-store");
}

Outcome passkey_login(Context& c, const std::function<Outcome(const Account&)>& signed_in,
                      const std::function<std::optional<Outcome>(const Account&)>& second_factor) {
    auto read = credential_field(c, false);
    if (auto* p = std::get_if<Problem>(&read)) return std::move(*p);
    const auto* credential = &std::get<PresentedCredential>(read);
    Services& services = c.services;
    // Each assertion checked is counted against the client's network: a signature cannot be
    // guessed, but checking one costs, and a network that sends nothing but failures is locked.
    auto counted = services.guesses.reserve("", c.now);
    if (!counted) {
        if (counted.error().code == Errc::rate_limited) return guess_refusal(services, c.request);
        return counted.error();
    }
    auto checked = check_assertion(services, c.request, c.site, *credential, c.now);
    if (checked.error) {
        if (!was_checked(checked.error->code)) {
            (void)services.guesses.cancel(*counted);
        } else {
            audit(services, c.request, "passkey.login.failure",
                  checked.account ? checked.account->id : 0,
                  checked.account ? std::string_view(checked.account->email) : std::string_view());
        }
        return Outcome(std::move(*checked.error));
    }
    if (auto r = services.guesses.succeeded(*counted, c.now); !r) return r.error();
    if (!checked.user_verified) {
        if (auto challenge = second_factor(*checked.account)) return std::move(*challenge);
    }
    return signed_in(*checked.account);
}

}  // namespace latchkey
