#pragma once
// Which of a site's signing keys signs new tokens and which still verify: the current version
// signs; a retired version keeps verifying until every token it could have signed has expired.
// Rotation (a new version) is an admin action; a change of a site's configured algorithm rotates
// by itself on first use. The versions live in the database so every process and host agrees.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/config.hpp"
#include "core/base/result.hpp"
#include "core/crypto/keys.hpp"
#include "core/store/store.hpp"

namespace latchkey {

struct KeyVersion {
    std::string site;
    std::int64_t version = 0;
    SigningAlg alg = SigningAlg::hs256;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> retired_at;  // empty: the current version
};

struct SigningPolicy {
    std::set<std::string, std::less<>> eddsa_sites;  // every other site signs HS256
    std::int64_t max_token_lifetime = 0;             // how long a retired version keeps verifying

    SigningAlg alg_for(std::string_view site) const {
        return eddsa_sites.contains(site) ? SigningAlg::eddsa : SigningAlg::hs256;
    }
    bool verifies(const KeyVersion& v, std::int64_t now) const {
        return !v.retired_at || now < *v.retired_at + max_token_lifetime;
    }
};

SigningPolicy signing_policy(const Config& config);

class SigningKeys {
  public:
    SigningKeys(const KeyRing& ring, SigningPolicy policy);

    // The key new tokens of `site` are signed with.
    Result<const SigningKey*> current(Store& store, std::string_view site, std::int64_t now);
    // The key a token's kid names, if it is one of the site's and still verifies; else null.
    Result<const SigningKey*> find(Store& store, std::string_view site, std::string_view kid,
                                   std::int64_t now);
    // Every key of the site that still verifies, the current one first (for a JWKS).
    Result<std::vector<const SigningKey*>> verifying(Store& store, std::string_view site,
                                                     std::int64_t now);

    // A new current version for `site` with its configured algorithm; the previous one retires.
    Result<KeyVersion> rotate(Store& store, std::string_view site, std::int64_t now);
    // All versions (of one site, or of all when `site` is empty), newest first per site.
    static Result<std::vector<KeyVersion>> list(Store& store, std::string_view site);

    const SigningPolicy& policy() const { return policy_; }
    const SigningKey& key_of(const KeyVersion& v) const {
        return ring_.signing_key(v.site, v.version, v.alg);
    }

  private:
    using Clock = std::chrono::steady_clock;
    // A version with its key, derived once per load: verification on the request path is a
    // comparison of kids, not a derivation-cache lookup.
    struct LoadedVersion {
        KeyVersion version;
        const SigningKey* key;
    };
    struct SiteVersions {
        std::vector<LoadedVersion> versions;  // newest first; versions[0] is current
        Clock::time_point loaded;
    };
    // The site's versions from this process's cache, reloaded when older than a few seconds (so
    // a rotation by the CLI or another host is seen soon) or when `refresh` asks (a token names a
    // version newer than the cache knows).
    Result<std::shared_ptr<const SiteVersions>> versions(Store& store, std::string_view site,
                                                         std::int64_t now, bool refresh);
    Result<std::vector<KeyVersion>> load_or_start(Store& store, std::string_view site,
                                                  std::int64_t now);

    const KeyRing& ring_;
    SigningPolicy policy_;
    std::shared_mutex mutex_;
    std::map<std::string, std::shared_ptr<const SiteVersions>, std::less<>> cache_;
};

}  // namespace latchkey
