// The operations "contract": endpoints for nginx and for operators, not for frontends. nginx
// exposes them only where nginx.conf says: /_latchkey/verify as an `internal` auth_request
// target inside a site, health and metrics on a loopback-only server.
#include <fstream>
#include <string>

#include "core/base/clock.hpp"
#include "core/base/log.hpp"
#include "core/base/metrics.hpp"
#include "core/crypto/jwt.hpp"
#include "handlers/auth.hpp"
#include "handlers/context.hpp"
#include "handlers/contracts.hpp"
#include "handlers/services.hpp"
#include "handlers/validation.hpp"

namespace latchkey {
namespace {

Outcome verify(Context&);
Outcome health(Context&);
Outcome metrics(Context&);
Outcome jwks(Context&);

// Where nginx may reach them is nginx.conf's to say; health and metrics answer anyone it lets in.
constexpr Route kRoutes[] = {
    {.method = "GET", .path = "/.well-known/jwks.json", .handler = jwks, .access = Access::open},
    // The account type is the one nginx names (LATCHKEY_ACCOUNT_KIND), else the token's own.
    {.method = "GET", .path = "/_latchkey/verify", .handler = verify},
    {.method = "GET", .path = "/_latchkey/health", .handler = health, .access = Access::open},
    {.method = "GET", .path = "/_latchkey/metrics", .handler = metrics, .access = Access::open},
};

constexpr Wording kWording[] = {
    {Errc::unauthenticated, 401, "Not authenticated"},
    {Errc::invalid_token, 401, "Not authenticated"},
};

Response render(const Problem& problem) {
    Json body = json_object();
    // A load balancer reads the same key from the health check's own 503.
    if (problem.status == 503) json_put(body.get(), "status", "unavailable");
    json_put(body.get(), "error", problem.message);
    Response r = Response::json(problem.status, body.get());
    for (const auto& [name, value] : problem.headers) r.with_header(name, value);
    return r;
}

// nginx's auth_request: 200 with who the caller is, for `auth_request_set`, or 401. The site is
// the protected server's LATCHKEY_SITE; LATCHKEY_ACCOUNT_KIND names the account type when the
// site's tokens carry none (storefront's do), LATCHKEY_AUTH_COOKIE a cookie to read the token from
// (both read by the pipeline's caller check).
Outcome verify(Context& c) {
    const Account& account = c.who().account;
    Response r = Response::json(200, std::string("{}"));
    r.with_header("X-User-Id", account.public_id)
        .with_header("X-User-Email", account.email)
        .with_header("X-Account-Type", account.kind);
    return r;
}

struct OutboxDepth {
    std::int64_t waiting = 0;
    std::int64_t failed = 0;
};

Result<OutboxDepth> outbox_depth(Store& store) {
    auto stmt = store.prepare(
        "SELECT COUNT(CASE WHEN status IN ('pending', 'sending') THEN 1 END), "
        "COUNT(CASE WHEN status = 'failed' THEN 1 END) FROM outbox");
    if (!stmt) return stmt.error();
    auto row = stmt->step();
    if (!row) return row.error();
    return OutboxDepth{stmt->column_int(0), stmt->column_int(1)};
}

// For load balancers: 200 while the database answers, 503 when it does not.
Outcome health(Context& c) {
    auto depth = outbox_depth(*c.services.store);
    Json body = json_object();
    if (!depth) {
        log_event(LogLevel::error, "health: database unreachable",
                  {{"error", depth.error().detail}});
        json_put(body.get(), "status", "unavailable");
        json_put(body.get(), "database", "error");
        return Response::json(503, body.get()).with_header("Retry-After", "5");
    }
    json_put(body.get(), "status", "ok");
    json_put(body.get(), "database", "ok");
    Json outbox = json_object();
    json_put(outbox.get(), "waiting", depth->waiting);
    json_put(outbox.get(), "failed", depth->failed);
    json_put(body.get(), "outbox", std::move(outbox));
    return Response::json(200, body.get());
}

double resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    long pages_total = 0, pages_resident = 0;
    statm >> pages_total >> pages_resident;
    return static_cast<double>(pages_resident) * 4096.0;
}

// Prometheus' text format; nginx serves it on the loopback-only ops server.
Outcome metrics(Context& c) {
    auto depth = outbox_depth(*c.services.store);
    const OutboxDepth d = depth ? *depth : OutboxDepth{-1, -1};
    Response r;
    r.status = 200;
    r.body = Metrics::process().render({
        {"latchkey_outbox_waiting", "Mails waiting to be sent (-1: database unreachable).",
         static_cast<double>(d.waiting)},
        {"latchkey_outbox_failed", "Mails that failed for good.", static_cast<double>(d.failed)},
        {"latchkey_resident_memory_bytes", "Resident set size of this process.", resident_bytes()},
    });
    r.with_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return r;
}

// RFC 7517 key set of the site's EdDSA keys that still verify (RFC 8037 OKP keys), so other
// services check tokens without a secret. HS256 keys are secret and never listed.
Outcome jwks(Context& c) {
    auto keys = c.services.signing_keys.verifying(*c.services.store, c.site, c.now);
    if (!keys) return keys.error();
    Json list(cJSON_CreateArray());
    for (const SigningKey* key : *keys) {
        if (key->alg != SigningAlg::eddsa) continue;
        Json jwk = json_object();
        json_put(jwk.get(), "kty", "OKP");
        json_put(jwk.get(), "crv", "Ed25519");
        json_put(jwk.get(), "x",
                 jwt::base64url_encode(
                     std::string_view(reinterpret_cast<const char*>(key->ed25519_public.data()),
                                      key->ed25519_public.size())));
        json_put(jwk.get(), "kid", key->kid);
        json_put(jwk.get(), "alg", "EdDSA");
        json_put(jwk.get(), "use", "sig");
        cJSON_AddItemToArray(list.get(), jwk.release());
    }
    Json body = json_object();
    json_put(body.get(), "keys", std::move(list));
    // Short enough that a rotation reaches verifiers soon; they refetch on an unknown kid anyway.
    return Response::json(200, body.get()).with_header("Cache-Control", "public, max-age=300");
}

}  // namespace

Contract ops_contract() {
    return Contract{"ops", kRoutes, kWording, render};
}

}  // namespace latchkey
