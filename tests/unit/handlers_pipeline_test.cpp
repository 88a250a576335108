// The pipeline as route rows declare it, over the real route tables and the real runner on an
// in-memory store: a route that is not open refuses a stranger before its handler runs, and the
// checks run in their stated order (route, size, body, throttle, caller, handler).
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "core/base/log.hpp"
#include "core/crypto/keys.hpp"
#include "core/crypto/password.hpp"
#include "core/store/store.hpp"
#include "fcgi/pipeline.hpp"
#include "handlers/context.hpp"
#include "handlers/contracts.hpp"
#include "handlers/services.hpp"
#include "handlers/throttle.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

const auto* const kSodium = ::testing::AddGlobalTestEnvironment(new testing::SodiumEnvironment);

Config test_config() {
    Config c;
    c.database = ":memory:";
    c.argon2_opslimit = 1;
    c.argon2_memlimit_kib = 8;
    c.throttle_pair_free = 1;
    c.throttle_network_free = 1;
    c.throttle_first_lock = 600;
    return c;
}

// One worker's services, as the serve command builds them.
struct World {
    Config config = test_config();
    std::unique_ptr<KeyRing> keys = KeyRing::from_master(std::array<unsigned char, 32>{9});
    SigningKeys signing_keys{*keys, signing_policy(config)};
    PasswordHasher hasher{HashParams{1, 8 * 1024}, 1, std::chrono::seconds(5)};
    std::unique_ptr<Services> services;

    World() {
        set_log_level(LogLevel::error);
        auto store = Store::open(StoreOptions{config.database, 0, 256});
        EXPECT_TRUE(store);
        EXPECT_TRUE((*store)->migrate());
        services = std::make_unique<Services>(
            Services{config, *keys, signing_keys, hasher, std::move(*store)});
    }
};

Request request_for(std::string_view contract, std::string_view site, const Route& route) {
    Request r;
    r.method = std::string(route.method);
    r.path = std::string(route.path);
    r.params = {{"LATCHKEY_CONTRACT", std::string(contract)},
                {"LATCHKEY_SITE", std::string(site)},
                {"REMOTE_ADDR", "192.0.2.7"}};
    switch (route.body) {
        case Body::none:
            break;
        case Body::aws_json:
            r.params["CONTENT_TYPE"] = "application/x-amz-json-1.1";
            r.body = "{}";
            break;
        default:
            r.params["CONTENT_TYPE"] = "application/json";
            r.body = "{}";
            break;
    }
    return r;
}

TEST(RouteTables, EveryRouteThatIsNotOpenRefusesAStrangerBeforeItsHandler) {
    World world;
    const std::vector<Contract> contracts = all_contracts();
    Router router(contracts, run_route);
    int guarded = 0;
    std::vector<std::string> optional_callers;
    for (const Contract& contract : contracts) {
        for (const Route& route : contract.routes) {
            const std::string where = std::string(contract.name) + " " + std::string(route.method) +
                                      " " + std::string(route.path);
            if (route.access == Access::caller_if_any) optional_callers.push_back(where);
            if (route.access != Access::caller) continue;
            ++guarded;
            Request stranger = request_for(contract.name, contract.name, route);
            const Response none = process_request(router, *world.services, stranger);
            const Response expected =
                render_failure(contract, problem_of(Errc::unauthenticated), route.path);
            EXPECT_EQ(none.status, expected.status) << where;
            EXPECT_EQ(none.body, expected.body) << where;
            EXPECT_TRUE(none.status == 401) << where << " answered " << none.status;

            Request forged = stranger;
            forged.params["HTTP_AUTHORIZATION"] = "Bearer eyJhbGciOiJIUzI1NiJ9.e30.forged";
            forged.params["HTTP_COOKIE"] = "token=eyJhbGciOiJIUzI1NiJ9.e30.forged";
            const Response bad = process_request(router, *world.services, forged);
            const Response refused =
                render_failure(contract, problem_of(Errc::invalid_token), route.path);
            EXPECT_EQ(bad.status, refused.status) << where;
            EXPECT_EQ(bad.body, refused.body) << where;
        }
    }
    EXPECT_GE(guarded, 6);
    // Routes that serve strangers too, knowing the caller when there is one: each is a decision.
    EXPECT_EQ(optional_callers, (std::vector<std::string>{"fastapi POST /api/auth/logout",
                                                          "gateway POST /api/auth/logout"}));
}

TEST(RouteTables, EveryFailureNginxAnswersIsWordedByEveryContract) {
    for (const Contract& contract : all_contracts()) {
        for (const auto& page : kNginxPages) {
            const Problem p = worded(contract.wording, problem_of(page.kind));
            EXPECT_EQ(p.status, page.status) << contract.name << " " << page.status;
            EXPECT_FALSE(p.message.empty()) << contract.name << " " << page.status;
        }
    }
}

// --- the order of the checks, on a contract of the test's own --------------------------------

int g_handled = 0;

// A guess that is always wrong: counted, so the network locks after test_config's one free.
Outcome wrong_guess(Context& c) {
    ++g_handled;
    auto pass = c.services.guesses.reserve("someone", c.now);
    if (!pass) return pass.error();
    return make_error(Errc::invalid_credentials);
}

Outcome answered(Context&) {
    ++g_handled;
    return Response::json(200, std::string("{}"));
}

constexpr Route kOrderRoutes[] = {
    {.method = "POST",
     .path = "/guess",
     .handler = wrong_guess,
     .access = Access::open,
     .body = Body::json,
     .throttle = kThrottleLogin},
    {.method = "POST",
     .path = "/guarded",
     .handler = answered,
     .body = Body::json,
     .throttle = kThrottleLogin},
    {.method = "POST", .path = "/private", .handler = answered, .body = Body::json},
};

constexpr Wording kOrderWording[] = {
    {Errc::invalid_credentials, 401, "wrong"},
    {Errc::unauthenticated, 401, "who are you"},
};

Response status_only(const Problem& p) {
    return Response::json(
        p.status, std::string("{\"kind\":") + std::to_string(static_cast<int>(p.kind)) + "}");
}

TEST(Pipeline, ChecksRunInOrderRouteSizeBodyThrottleCallerHandler) {
    World world;
    Router router({Contract{"order", kOrderRoutes, kOrderWording, status_only}}, run_route);
    auto send = [&](std::string path, std::string content_type, std::string body,
                    bool too_large = false) {
        Request r;
        r.method = "POST";
        r.path = std::move(path);
        r.params = {{"LATCHKEY_CONTRACT", "order"},
                    {"LATCHKEY_SITE", "order"},
                    {"REMOTE_ADDR", "198.51.100.9"},
                    {"CONTENT_TYPE", std::move(content_type)}};
        r.body = std::move(body);
        r.body_too_large = too_large;
        return process_request(router, *world.services, r).status;
    };
    g_handled = 0;
    // Lock the network for the login class: the one free wrong guess starts a lock.
    EXPECT_EQ(send("/guess", "application/json", "{}"), 401);
    EXPECT_EQ(g_handled, 1);
    EXPECT_EQ(send("/guess", "application/json", "{}"), 429) << "locked before the handler";
    EXPECT_EQ(g_handled, 1);

    struct Case {
        const char* what;
        const char* path;
        const char* content_type;
        const char* body;
        bool too_large;
        int status;
    } cases[] = {
        {"route before size", "/nowhere", "text/plain", "", true, 404},
        {"size before body", "/guarded", "text/plain", "", true, 413},
        {"body type before throttle", "/guarded", "text/plain", "{}", false, 415},
        {"body syntax before throttle", "/guarded", "application/json", "{", false, 400},
        {"throttle before caller", "/guarded", "application/json", "{}", false, 429},
        {"caller before handler", "/private", "application/json", "{}", false, 401},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(send(c.path, c.content_type, c.body, c.too_large), c.status) << c.what;
    }
    EXPECT_EQ(g_handled, 1) << "no handler ran for a refused request";
}

}  // namespace
}  // namespace latchkey
