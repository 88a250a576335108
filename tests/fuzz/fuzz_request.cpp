// libFuzzer target: a request as nginx passes it (FastCGI params, then a body) through the router
// to every contract's handlers, on an in-memory database. Input: one byte choosing the site (the
// LATCHKEY_* params nginx sets, which a client cannot): byte % N is the contract, in the order
// all_contracts() lists the N (site: the contract's name), and (byte / N) % 2 whether tokens travel
// in the body or a cookie (gateway's two sites); then `NAME=VALUE` lines, an empty line, the body.
// Any 5xx other than 503 (busy) is a finding: only clients write these inputs.
#include <sodium.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/config.hpp"
#include "core/base/log.hpp"
#include "core/crypto/keys.hpp"
#include "core/crypto/password.hpp"
#include "core/store/store.hpp"
#include "fcgi/pipeline.hpp"
#include "handlers/context.hpp"
#include "handlers/contracts.hpp"
#include "handlers/services.hpp"

namespace latchkey {
namespace {

Config fuzz_config() {
    Config c;
    c.database = ":memory:";
    c.argon2_opslimit = 1;
    c.argon2_memlimit_kib = 8;
    c.otp_per_window = 1000000;  // the limits would stop exploration, not find bugs
    c.otp_per_day = 1000000;
    c.otp_per_address_window = 1000000;
    c.otp_per_network_window = 1000000;
    c.mail_per_window = 1000000;
    c.mail_per_address_window = 1000000;
    c.mail_per_address_day = 1000000;
    c.mail_per_network_window = 1000000;
    return c;
}

// One service instance for the whole run, as one worker thread of the real process has.
struct World {
    Config config = fuzz_config();
    std::unique_ptr<KeyRing> keys = KeyRing::from_master(std::array<unsigned char, 32>{7});
    SigningKeys signing_keys{*keys, signing_policy(config)};
    PasswordHasher hasher{HashParams{1, 8 * 1024}, 1, std::chrono::seconds(5)};
    std::vector<Contract> contracts = all_contracts();
    Router router{contracts, run_route};
    std::shared_ptr<Services> services;

    World() {
        set_log_level(LogLevel::error);
        auto store = Store::open(StoreOptions{config.database, 0, 256});
        if (!store || !(*store)->migrate()) __builtin_trap();
        services = std::make_shared<Services>(
            Services{config, *keys, signing_keys, hasher, std::move(*store)});
    }
};

Request request_from(const std::vector<Contract>& contracts, std::string_view input) {
    Request r;
    const std::size_t choice = input.empty() ? 0 : static_cast<unsigned char>(input[0]);
    const std::string site(contracts[choice % contracts.size()].name);
    const bool cookie = (choice / contracts.size()) % 2 == 1;
    if (!input.empty()) input.remove_prefix(1);
    while (!input.empty()) {
        const auto end = input.find('\n');
        const std::string_view line = input.substr(0, end);
        input = end == std::string_view::npos ? std::string_view{} : input.substr(end + 1);
        if (line.empty()) break;
        const auto eq = line.find('=');
        if (eq == std::string_view::npos || line.rfind("LATCHKEY_", 0) == 0) continue;
        r.params[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
    }
    r.params["LATCHKEY_CONTRACT"] = site;
    r.params["LATCHKEY_SITE"] = site;
    if (cookie) r.params["LATCHKEY_TOKEN_DELIVERY"] = "cookie";
    r.params["LATCHKEY_TRUSTED_ORIGIN"] = "http://127.0.0.1:5173";
    r.params["LATCHKEY_PUBLIC_URL"] = "https://" + site + ".example.com";
    r.body = std::string(input);
    r.method = std::string(r.param("REQUEST_METHOD").value_or("GET"));
    r.path = std::string(r.param("DOCUMENT_URI").value_or("/"));
    r.query_string = std::string(r.param("QUERY_STRING").value_or(""));
    return r;
}

}  // namespace
}  // namespace latchkey

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (sodium_init() < 0) __builtin_trap();
    static latchkey::World world;
    const auto request = latchkey::request_from(
        world.contracts, std::string_view(reinterpret_cast<const char*>(data), size));
    const latchkey::Response response =
        latchkey::process_request(world.router, *world.services, request);
    if (response.status >= 500 && response.status != 503)
        __builtin_trap();  // a client caused a 5xx
    return 0;
}
