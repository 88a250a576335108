#include "core/crypto/signing_keys.hpp"

#include <algorithm>

#include "core/crypto/jwt.hpp"

namespace latchkey {
namespace {

constexpr auto kReloadAfter = std::chrono::seconds(5);

// The version a kid ("<version>-<hex>") names, if it is shaped like ours.
std::optional<std::int64_t> version_of(std::string_view kid) {
    const auto dash = kid.find('-');
    if (dash == 0 || dash == std::string_view::npos || dash > 9) return std::nullopt;
    std::int64_t version = 0;
    for (char c : kid.substr(0, dash)) {
        if (c < '0' || c > '9') return std::nullopt;
        version = version * 10 + (c - '0');
    }
    return version;
}

KeyVersion read_version(const Statement& s) {
    KeyVersion v;
    v.site = s.column_text(0);
    v.version = s.column_int(1);
    v.alg = alg_from_name(s.column_text(2)).value_or(SigningAlg::hs256);
    v.created_at = s.column_int(3);
    v.retired_at = s.column_optional_int(4);
    return v;
}

Result<std::vector<KeyVersion>> select_site(Store& store, std::string_view site) {
    auto select = store.prepare(
        "SELECT site, version, alg, created_at, retired_at FROM signing_keys "
        "WHERE site = ?1 ORDER BY version DESC");
    if (!select) return select.error();
    select->bind(1, site);
    return select->collect(read_version);
}

Result<void> insert_version(Store& store, std::string_view site, std::int64_t version,
                            SigningAlg alg, std::int64_t now) {
    auto insert = store.prepare(
        "INSERT INTO signing_keys(site, version, alg, created_at) VALUES (?1, ?2, ?3, ?4)");
    if (!insert) return insert.error();
    insert->bind(1, site).bind(2, version).bind(3, alg_name(alg)).bind(4, now);
    return insert->run();
}

// Inside a transaction: gives the site its first version when it has none (HS256 version 1, the
// key every site signed with before versions existed, so tokens from then keep verifying), then
// adds a version when asked to or when the current one's algorithm is not the configured one.
Result<std::vector<KeyVersion>> settle(Store& store, std::string_view site, SigningAlg alg,
                                       std::int64_t now, bool new_version) {
    // Hosts starting together, and a rotation, settle one site's versions one at a time; the
    // read below comes after the lock, so it sees what the previous holder wrote.
    if (auto r = store.lock_keys({{LockClass::signing_site, std::string(site)}}); !r) {
        return r.error();
    }
    auto rows = select_site(store, site);
    if (!rows) return rows.error();
    std::int64_t newest = 0;
    SigningAlg newest_alg = SigningAlg::hs256;
    if (rows->empty()) {
        if (auto r = insert_version(store, site, 1, SigningAlg::hs256, now); !r) return r.error();
        newest = 1;
    } else {
        newest = rows->front().version;
        newest_alg = rows->front().alg;
    }
    if (new_version || newest_alg != alg) {
        auto retire = store.prepare(
            "UPDATE signing_keys SET retired_at = ?2 WHERE site = ?1 AND retired_at IS NULL");
        if (!retire) return retire.error();
        retire->bind(1, site).bind(2, now);
        if (auto r = retire->run(); !r) return r.error();
        if (auto r = insert_version(store, site, newest + 1, alg, now); !r) return r.error();
    }
    return select_site(store, site);
}

}  // namespace

SigningPolicy signing_policy(const Config& config) {
    SigningPolicy policy;
    for (auto& site : eddsa_site_list(config)) policy.eddsa_sites.insert(std::move(site));
    // The longest any token Latchkey signs can live, plus the leeway its verifier allows.
    policy.max_token_lifetime =
        std::max({config.access_token_ttl, config.refresh_lifetime, config.id_token_ttl}) +
        jwt::kClockSkew;
    return policy;
}

SigningKeys::SigningKeys(const KeyRing& ring, SigningPolicy policy)
    : ring_(ring), policy_(std::move(policy)) {}

Result<std::vector<KeyVersion>> SigningKeys::load_or_start(Store& store, std::string_view site,
                                                           std::int64_t now) {
    auto rows = select_site(store, site);
    if (!rows) return rows.error();
    const SigningAlg wanted = policy_.alg_for(site);
    if (!rows->empty() && rows->front().alg == wanted && !rows->front().retired_at) return rows;
    auto tx = store.begin();
    if (!tx) return tx.error();
    auto settled = settle(store, site, wanted, now, false);
    if (!settled) return settled.error();
    if (auto r = tx->commit(); !r) return r.error();
    return settled;
}

Result<std::shared_ptr<const SigningKeys::SiteVersions>> SigningKeys::versions(
    Store& store, std::string_view site, std::int64_t now, bool refresh) {
    const auto at = Clock::now();
    if (!refresh) {
        std::shared_lock lock(mutex_);
        if (auto it = cache_.find(site);
            it != cache_.end() && at - it->second->loaded < kReloadAfter)
            return it->second;
    }
    auto rows = load_or_start(store, site, now);
    if (!rows) return rows.error();
    SiteVersions loaded{{}, at};
    for (auto& v : *rows) {
        const SigningKey* key = &key_of(v);
        loaded.versions.push_back({std::move(v), key});
    }
    auto fresh = std::make_shared<const SiteVersions>(std::move(loaded));
    std::unique_lock lock(mutex_);
    cache_.insert_or_assign(std::string(site), fresh);
    return std::shared_ptr<const SiteVersions>(fresh);
}

Result<const SigningKey*> SigningKeys::current(Store& store, std::string_view site,
                                               std::int64_t now) {
    auto set = versions(store, site, now, false);
    if (!set) return set.error();
    return (*set)->versions.front().key;
}

Result<const SigningKey*> SigningKeys::find(Store& store, std::string_view site,
                                            std::string_view kid, std::int64_t now) {
    auto set = versions(store, site, now, false);
    if (!set) return set.error();
    // A kid newer than any version this process knows: another process or the CLI rotated.
    const auto named = version_of(kid);
    if (named && *named > (*set)->versions.front().version.version) {
        set = versions(store, site, now, true);
        if (!set) return set.error();
    }
    for (const auto& [version, key] : (*set)->versions) {
        if (version.version == named && key->kid == kid && policy_.verifies(version, now))
            return key;
    }
    return static_cast<const SigningKey*>(nullptr);
}

Result<std::vector<const SigningKey*>> SigningKeys::verifying(Store& store, std::string_view site,
                                                              std::int64_t now) {
    auto set = versions(store, site, now, false);
    if (!set) return set.error();
    std::vector<const SigningKey*> keys;
    for (const auto& [version, key] : (*set)->versions) {
        if (policy_.verifies(version, now)) keys.push_back(key);
    }
    return keys;
}

Result<KeyVersion> SigningKeys::rotate(Store& store, std::string_view site, std::int64_t now) {
    auto tx = store.begin();
    if (!tx) return tx.error();
    auto settled = settle(store, site, policy_.alg_for(site), now, true);
    if (!settled) return settled.error();
    if (auto r = tx->commit(); !r) return r.error();
    std::unique_lock lock(mutex_);
    cache_.erase(std::string(site));
    return settled->front();
}

Result<std::vector<KeyVersion>> SigningKeys::list(Store& store, std::string_view site) {
    if (!site.empty()) return select_site(store, site);
    auto select = store.prepare(
        "SELECT site, version, alg, created_at, retired_at FROM signing_keys "
        "ORDER BY site, version DESC");
    if (!select) return select.error();
    return select->collect(read_version);
}

}  // namespace latchkey
