#include "handlers/auth.hpp"

#include "core/auth/audit.hpp"
#include "core/auth/devices.hpp"
#include "core/base/clock.hpp"
#include "core/base/log.hpp"
#include "core/base/network.hpp"
#include "core/crypto/jwt.hpp"
#include "core/mail/locale.hpp"
#include "core/mail/templates.hpp"

namespace latchkey {

std::variant<Caller, AuthFailure, Error> authenticate(Services& services, const Request& request,
                                                      std::string_view kind,
                                                      std::string_view cookie_name) {
    std::string token;
    bool from_cookie = false;
    if (const auto header = request.header("Authorization")) {
        if (auto bearer = bearer_token(*header)) token = std::string(*bearer);
    }
    if (token.empty() && !cookie_name.empty()) {
        token = request.cookie(cookie_name).value_or("");
        from_cookie = !token.empty();
    }
    if (token.empty()) return AuthFailure::missing;
    auto who = authenticate_token(services, site_of(request), token, kind);
    if (auto* caller = std::get_if<Caller>(&who)) caller->from_cookie = from_cookie;
    return who;
}

std::variant<Caller, AuthFailure, Error> authenticate_token(Services& services,
                                                            std::string_view site,
                                                            std::string_view token,
                                                            std::string_view kind) {
    if (token.empty()) return AuthFailure::missing;
    const std::int64_t now = unix_now();
    // One read transaction for the revocation, session and account checks (per request, the
    // shared WAL lock was where workers queued).
    const auto snapshot = services.store->read_snapshot();
    auto checked = verify_site_token(services.site_tokens(site), token, now);
    if (!checked) {
        if (checked.error().code != Errc::invalid_token) return checked.error();
        return AuthFailure::invalid;
    }
    if (json_string(checked->claims.get(), "use").value_or("access") != "access") {
        return AuthFailure::invalid;
    }
    // A token issued from a refresh family (storefront's `fam`, Cognito's `origin_jti`) ends with
    // it: logout, reuse detection, sign-out or an operator's revoke refuse it at once.
    auto family = json_string(checked->claims.get(), "fam");
    if (!family) family = json_string(checked->claims.get(), "origin_jti");
    if (family) {
        auto alive = Sessions(*services.store, services.keys).use(site, *family, now);
        if (!alive) return alive.error();
        if (!*alive) return AuthFailure::invalid;
    }
    std::string account_kind(kind);
    if (account_kind.empty()) {
        const auto type = json_string(checked->claims.get(), "type");
        if (!type || type->empty()) return AuthFailure::invalid;
        account_kind = std::string(*type);
    }
    auto account = services.accounts().find_by_public_id(site, account_kind, checked->subject);
    if (!account) {
        if (account.error().code != Errc::not_found) return account.error();
        return AuthFailure::invalid;
    }
    if (account->disabled) return AuthFailure::invalid;
    if (json_integer(checked->claims.get(), "sv") != account->session_version) {
        return AuthFailure::invalid;  // issued before a password reset or change
    }
    return Caller{std::move(*account), std::move(*checked), false};
}

Result<IssuedToken> issue_token_for(Services& services, const Request& request,
                                    const Account& account, std::int64_t ttl, const cJSON* extra,
                                    std::int64_t now) {
    Json claims = extra != nullptr ? Json(cJSON_Duplicate(extra, true)) : json_object();
    json_put(claims.get(), "sv", account.session_version);
    return issue_access_token(services.site_tokens(site_of(request)), account.public_id, ttl,
                              claims.get(), now);
}

Result<std::string> sign_refresh_token(Services& services, const Request& request,
                                       const Account& account, const RefreshGrant& grant) {
    Json claims = json_object();
    json_put(claims.get(), "iss", services.config.issuer);
    json_put(claims.get(), "aud", site_of(request));
    json_put(claims.get(), "sub", account.public_id);
    json_put(claims.get(), "iat", grant.issued_at);
    json_put(claims.get(), "exp", grant.expires_at);
    json_put(claims.get(), "jti", grant.jti);
    json_put(claims.get(), "fam", grant.family_id);
    json_put(claims.get(), "use", "refresh");
    json_put(claims.get(), "type", account.kind);
    return sign_for_site(services.site_tokens(site_of(request)), claims.get(), grant.issued_at);
}

std::optional<PresentedRefresh> read_refresh_token(Services& services, const Request& request,
                                                   std::string_view token) {
    if (token.empty()) return std::nullopt;
    auto checked = verify_site_token(services.site_tokens(site_of(request)), token, unix_now());
    if (!checked) return std::nullopt;
    const cJSON* c = checked->claims.get();
    const auto family = json_string(c, "fam");
    if (json_string(c, "use") != std::string_view("refresh") || !family || family->empty()) {
        return std::nullopt;
    }
    return PresentedRefresh{std::string(*family), checked->jti};
}

namespace {

// scheme://host[:port] of the request as nginx received it. Debian's fastcgi_params passes
// HTTP_HOST as nginx's $host, which has no port: the port comes from SERVER_PORT, left out when it
// is the scheme's default (RFC 6454 section 6.2).
std::optional<std::string> own_origin(const Request& request) {
    const auto host = request.header("Host");
    if (!host) return std::nullopt;
    const auto https = request.param("HTTPS");
    const std::string scheme = std::string(
        request.param("REQUEST_SCHEME").value_or(https && *https == "on" ? "https" : "http"));
    std::string own = scheme + "://" + std::string(*host);
    const std::string port(request.param("SERVER_PORT").value_or(""));
    const bool default_port =
        port.empty() || (scheme == "http" && port == "80") || (scheme == "https" && port == "443");
    if (!default_port && host->find(':') == std::string_view::npos) own += ":" + port;
    return own;
}

}  // namespace

Result<std::string> public_url(const Services& services, const Request& request) {
    std::optional<std::string> url;
    if (auto param = request.param("LATCHKEY_PUBLIC_URL"); param && !param->empty()) {
        url = std::string(*param);
    } else {
        url = public_url_for(services.config, site_of(request));
    }
    // Never the Host header: a client could aim the link (and its token) at a host of its own.
    if (!url) {
        return make_error(Errc::config, "no base URL for mail links of site '" +
                                            std::string(site_of(request)) +
                                            "': set public_url or nginx's LATCHKEY_PUBLIC_URL");
    }
    while (!url->empty() && url->back() == '/') url->pop_back();
    return *url;
}

bool same_origin_or_trusted(const Request& request) {
    const auto origin = request.header("Origin");
    if (!origin) {
        // No Origin: not a browser's cross-origin request, unless Fetch Metadata says otherwise.
        const auto fetch_site = request.header("Sec-Fetch-Site");
        return !fetch_site || *fetch_site == "same-origin" || *fetch_site == "none";
    }
    if (auto trusted = request.param("LATCHKEY_TRUSTED_ORIGIN");
        trusted && !trusted->empty() && *trusted == *origin) {
        return true;
    }
    const auto own = own_origin(request);
    return own && *origin == *own;
}

void audit(Services& services, const Request& request, std::string_view event,
           std::int64_t account_id, std::string_view email, std::string_view detail) {
    const std::int64_t now = unix_now();
    AuditEvent e{now,
                 std::string(site_of(request)),
                 std::string(event),
                 account_id,
                 std::string(email),
                 std::string(request.param("REMOTE_ADDR").value_or("")),
                 std::string(request.header("User-Agent").value_or("")),
                 std::string(detail)};
    auto recorded = AuditLog(*services.store).record(e, services.config.audit_retention_days);
    if (!recorded) {
        log_event(LogLevel::warn, "audit event not recorded",
                  {{"event", event}, {"error", recorded.error().detail}});
    }
}

std::string request_locale(const Request& request) {
    return std::string(negotiate_locale(request.header("Accept-Language").value_or("")));
}

std::string client_network_of(const Request& request) {
    return client_network(request.param("REMOTE_ADDR").value_or(""));
}

void remember_network(Services& services, const Request& request, std::int64_t account_id) {
    auto remembered =
        services.send_limits().remember(account_id, client_network_of(request), unix_now());
    if (!remembered) {
        log_event(LogLevel::warn, "client network not remembered",
                  {{"error", remembered.error().detail}});
    }
}

NoticeFacts notice_facts(const Request& request, const Account& account) {
    auto first = account.profile.find("firstName");
    return NoticeFacts{.site = account.site,
                       .email = account.email,
                       .name = first == account.profile.end() ? "" : name_for_mail(first->second),
                       .locale = account.locale,
                       .account_id = account.id,
                       .network = client_network_of(request),
                       .address = std::string(request.param("REMOTE_ADDR").value_or("")),
                       .user_agent = std::string(request.header("User-Agent").value_or("")),
                       .when = unix_now(),
                       .new_email = {}};
}

void notify(Services& services, const Request& request, const Account& account, NoticeKind kind) {
    const NoticeFacts facts = notice_facts(request, account);
    auto queued = queue_notice(*services.store, services.keys, services.config, kind, facts,
                               link_send_policy(services.config));
    if (!queued) {
        log_event(LogLevel::warn, "notice not queued", {{"error", queued.error().detail}});
        return;
    }
    if (*queued) services.mail_queued();
}

void note_sign_in(Services& services, const Request& request, const Account& account) {
    remember_network(services, request, account.id);
    auto seen = KnownDevices(*services.store, services.keys)
                    .signed_in(account.id, client_network_of(request),
                               request.header("User-Agent").value_or(""), unix_now());
    if (!seen) {
        log_event(LogLevel::warn, "device not recorded", {{"error", seen.error().detail}});
        return;
    }
    if (*seen == DeviceSeen::new_device)
        notify(services, request, account, NoticeKind::new_sign_in);
}

SendPolicy link_send_policy(const Config& c) {
    return SendPolicy{static_cast<int>(c.mail_per_window), c.mail_window,
                      static_cast<int>(c.mail_per_address_window),
                      static_cast<int>(c.mail_per_address_day),
                      static_cast<int>(c.mail_per_network_window)};
}

SendPolicy code_send_policy(const Config& c) {
    return SendPolicy{static_cast<int>(c.otp_per_window), c.otp_window,
                      static_cast<int>(c.otp_per_address_window), static_cast<int>(c.otp_per_day),
                      static_cast<int>(c.otp_per_network_window)};
}

}  // namespace latchkey
