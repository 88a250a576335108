#pragma once
// Refresh-token families: start at login, rotate on refresh, detect reuse, end at logout, at a
// password change, or at their absolute expiry. Only keyed hashes of token ids are stored, and,
// through the reuse grace, a spent token's successor sealed under the master key.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.hpp"
#include "core/crypto/keys.hpp"
#include "core/store/store.hpp"

namespace latchkey {

struct SessionPolicy {
    std::int64_t family_lifetime = 7 * 24 * 3600;  // absolute, from login
    std::int64_t reuse_grace = 10;                 // seconds a rotated token may be presented again
};

// What the caller turns into a signed refresh token (claims jti, fam, sub, exp).
struct RefreshGrant {
    std::string jti;
    std::string family_id;
    std::int64_t account_id;
    std::int64_t issued_at;
    std::int64_t expires_at;
};

enum class RotateOutcome {
    rotated,   // a fresh token; the presented one is spent
    replayed,  // the presented one was rotated moments ago (two tabs): the same successor again
};

// Where a session began, as its owner is later shown it: the sign-in's User-Agent and client
// address as nginx passed them (kept as printable ASCII, cut to a bounded length).
struct SessionOrigin {
    std::string user_agent;
    std::string address;
};

// One of an account's live sessions, as its owner sees it.
struct SessionInfo {
    std::string id;
    std::int64_t created_at = 0;
    std::int64_t last_used_at = 0;  // to within kLastUsedResolution
    std::int64_t expires_at = 0;
    std::string user_agent;
    std::string address;
};

// A session's last use is written at most this often (seconds): a session in use costs one write
// per this period, not one per request.
inline constexpr std::int64_t kLastUsedResolution = 300;

// A refresh family as an operator sees it (`latchkey session list`).
struct FamilyInfo {
    std::string id;
    std::string site;
    std::int64_t account_id = 0;
    std::string email;
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
    std::int64_t revoked_at = 0;  // 0: not revoked
    std::string revoked_reason;
};

class Sessions {
  public:
    Sessions(Store& store, const KeyRing& keys, SessionPolicy policy = {})
        : store_(store), keys_(keys), policy_(policy) {}

    // A new family and its first token.
    Result<RefreshGrant> start(std::string_view site, std::int64_t account_id, std::int64_t now,
                               const SessionOrigin& origin = {});

    // A session that hands out access tokens only (no refresh tokens): a family whose id the
    // access token carries as `fam`, so it ends when the family is revoked. Its id.
    Result<std::string> open(std::string_view site, std::int64_t account_id, std::int64_t now,
                             const SessionOrigin& origin);

    // Exchanges the token (`jti` of family `family_id`) for its successor, atomically. A token
    // presented again within the grace gets the successor it was rotated to, never a sibling, so
    // a family is one chain. Errc::invalid_token when unknown, expired or revoked;
    // Errc::refresh_reuse when reused after the grace window, the whole family revoked first.
    Result<std::pair<RefreshGrant, RotateOutcome>> rotate(std::string_view site,
                                                          std::string_view family_id,
                                                          std::string_view jti, std::int64_t now);

    // Checks the token without spending it (clients that keep their refresh token across
    // refreshes): current, or rotated within the grace window, in a live family. A spent token
    // after the grace revokes the family, as in rotate().
    Result<RefreshGrant> validate(std::string_view site, std::string_view family_id,
                                  std::string_view jti, std::int64_t now);

    // False once the family is revoked or past its absolute expiry.
    Result<bool> family_alive(std::string_view site, std::string_view family_id, std::int64_t now);

    // family_alive() for a request that uses the session: a live one's last use is recorded when
    // the recorded one is kLastUsedResolution old (best effort: a failed write is not an error).
    Result<bool> use(std::string_view site, std::string_view family_id, std::int64_t now);

    // The account's live sessions at `site`, newest first, at most `limit`.
    Result<std::vector<SessionInfo>> of_account(std::string_view site, std::int64_t account_id,
                                                int limit, std::int64_t now);

    // Ends one of the account's live sessions (its refresh tokens and the access tokens naming
    // it). False when `family_id` is not a live session of that account at that site.
    Result<bool> revoke_own(std::string_view site, std::int64_t account_id,
                            std::string_view family_id, std::string_view reason, std::int64_t now);

    // Ends one family (logout). Unknown families are not an error.
    Result<void> revoke_family(std::string_view site, std::string_view family_id,
                               std::string_view reason, std::int64_t now);
    // Administration: the site's families (of one account when account_id > 0), newest first;
    // live ones only unless `ended`. revoke_site ends every live family of a site.
    Result<std::vector<FamilyInfo>> list(std::string_view site, std::int64_t account_id, bool ended,
                                         int limit, std::int64_t now);
    Result<std::int64_t> revoke_site(std::string_view site, std::string_view reason,
                                     std::int64_t now);

  private:
    // validate()'s reading: the grant, Errc::invalid_token, or Errc::refresh_reuse.
    Result<RefreshGrant> check_unspent(std::string_view site, std::string_view family_id,
                                       std::string_view jti, std::int64_t now);
    std::string keyed_hash(std::string_view jti) const;
    // The family row, and a bounded purge of ended ones, in the caller's transaction.
    Result<void> insert_family(const std::string& family_id, std::string_view site,
                               std::int64_t account_id, std::int64_t expires_at,
                               const SessionOrigin& origin, std::int64_t now);
    Result<RefreshGrant> add_token(const std::string& family_id, std::int64_t account_id,
                                   std::int64_t family_expires_at, std::int64_t now);
    // The successor sealed in a spent token's row, as its grant.
    Result<RefreshGrant> successor(std::string_view family_id, std::int64_t account_id,
                                   const std::optional<std::string>& sealed);
    Result<void> forget_old_successors(std::int64_t now);
    // Forgets old successors when this rotation is the one in kForgetEvery that does.
    Result<void> forget_old_successors_at_times(std::int64_t now);
    // PostgreSQL: an unspent token of a live family rotated by one statement, or nullopt when
    // the token is anything else (rotate_once then tells what).
    Result<std::optional<RefreshGrant>> rotate_unspent(std::string_view site,
                                                       std::string_view family_id,
                                                       std::string_view jti, std::int64_t now);
    // One attempt of rotate(); `stale` when the token was spent by a rotation that committed after
    // this one's read (nothing of this attempt stays).
    Result<std::pair<RefreshGrant, RotateOutcome>> rotate_once(std::string_view site,
                                                               std::string_view family_id,
                                                               std::string_view jti,
                                                               std::int64_t now, bool& stale);

    Store& store_;
    const KeyRing& keys_;
    SessionPolicy policy_;
};

}  // namespace latchkey
