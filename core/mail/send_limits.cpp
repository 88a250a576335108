#include "core/mail/send_limits.hpp"

#include "core/base/email.hpp"

namespace latchkey {

std::string SendLimits::address_key(std::string_view site, std::string_view email,
                                    std::int64_t account_id) const {
    // Requests for addresses without an account are counted too (the same work and answer either
    // way), so the table holds a keyed hash, never an address. The account is part of the key:
    // what strangers asked for an address before anyone registered it (account 0) is not what the
    // account that registers it later is counted against.
    const std::string message =
        "send:" + std::string(site) + ":" + email_key(email) + ":" + std::to_string(account_id);
    return keys_.one_time_digest(message);
}

Result<bool> SendLimits::proven(std::int64_t account_id, std::string_view network,
                                std::int64_t now) {
    auto find = store_.prepare(
        "SELECT 1 FROM known_networks WHERE account_id = ?1 AND network = ?2 AND seen_at > ?3");
    if (!find) return find.error();
    find->bind(1, account_id).bind(2, network).bind(3, now - kProvenNetworkDays * 86400);
    return find->step();
}

Result<void> SendLimits::allow(std::string_view site, std::string_view kind, std::string_view email,
                               std::int64_t account_id, std::string_view network,
                               const SendPolicy& policy, std::int64_t now) {
    const std::string address = address_key(site, email, account_id);
    // Whether this send is over a limit, and whether the network is proven, as stored now.
    bool proven_network = false;
    const auto limited = [&]() -> Result<bool> {
        auto is_proven = proven(account_id, network, now);
        if (!is_proven) return is_proven.error();
        proven_network = *is_proven;
        auto count = store_.prepare(
            "SELECT count(*) FILTER (WHERE address = ?2 AND network = ?3 AND sent_at > ?5), "
            "count(*) FILTER (WHERE address = ?2 AND network = ?3), "
            "count(*) FILTER (WHERE address = ?2 AND proven = 0 AND sent_at > ?5), "
            "count(*) FILTER (WHERE address = ?2 AND proven = 0), "
            "count(*) FILTER (WHERE network = ?3 AND sent_at > ?5) "
            "FROM mail_sends WHERE site = ?1 AND kind = ?4 AND (address = ?2 OR network = ?3) "
            "AND sent_at > ?6");
        if (!count) return count.error();
        count->bind(1, site)
            .bind(2, address)
            .bind(3, network)
            .bind(4, kind)
            .bind(5, now - policy.window)
            .bind(6, now - 86400);
        auto row = count->step();
        if (!row) return row.error();
        const std::int64_t pair_window = count->column_int(0), pair_day = count->column_int(1),
                           address_window = count->column_int(2),
                           address_day = count->column_int(3),
                           network_window = count->column_int(4);
        // The per-address ceiling stops neither a proven network nor the first send of the day
        // from a network: strangers, however many networks they use, cannot keep the owner on a
        // new one from getting a message (each of their networks is held to its own limit).
        const bool first_today = pair_day == 0;
        return pair_window >= policy.per_pair || pair_day >= policy.per_address_day ||
               network_window >= policy.per_network ||
               (!proven_network && !first_today &&
                (address_window >= policy.per_address || address_day >= policy.per_address_day));
    };
    // A refusal is decided on a plain read, before any lock or write turn: requests over a limit
    // (a flood at one address from many networks) do not queue on its keys. (Inside a SQLite
    // transaction the turn is held already and the read below is the same.)
    if (store_.locks_rows() || !store_.in_transaction()) {
        auto over = limited();
        if (!over) return over.error();
        if (*over) return make_error(Errc::rate_limited, "mail sending limit");
    }
    auto tx = store_.begin();
    if (!tx) return tx.error();
    {  // sends to one address, and from one network, are counted one after another
        const std::string scope = std::string(site) + '\x1f' + std::string(kind) + '\x1f';
        if (auto r = store_.lock_keys({{LockClass::send_address, scope + address},
                                       {LockClass::send_network, scope + std::string(network)}});
            !r) {
            return r;
        }
    }
    auto over = limited();
    if (!over) return over.error();
    if (*over) return make_error(Errc::rate_limited, "mail sending limit");
    {
        auto record = store_.prepare(
            "INSERT INTO mail_sends(site, kind, address, network, proven, sent_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        if (!record) return record.error();
        record->bind(1, site)
            .bind(2, kind)
            .bind(3, address)
            .bind(4, network)
            .bind(5, std::int64_t{proven_network ? 1 : 0})
            .bind(6, now);
        if (auto r = record->run(); !r) return r.error();
    }
    auto purge = store_.prepare(
        "DELETE FROM mail_sends WHERE id IN (SELECT id FROM mail_sends WHERE sent_at <= ?1 "
        "ORDER BY sent_at LIMIT 50 FOR UPDATE SKIP LOCKED)");
    if (!purge) return purge.error();
    purge->bind(1, now - 86400);
    if (auto r = purge->run(); !r) return r;
    return tx->commit();
}

Result<void> SendLimits::remember(std::int64_t account_id, std::string_view network,
                                  std::int64_t now) {
    auto tx = store_.begin();
    if (!tx) return tx.error();
    {
        auto upsert = store_.prepare(
            "INSERT INTO known_networks(account_id, network, seen_at) VALUES (?1, ?2, ?3) "
            "ON CONFLICT (account_id, network) DO UPDATE SET seen_at = excluded.seen_at");
        if (!upsert) return upsert.error();
        upsert->bind(1, account_id).bind(2, network).bind(3, now);
        if (auto r = upsert->run(); !r) return r;
    }
    // Another transaction may be remembering this account's other networks: their rows are
    // skipped, not waited for (two such purges would wait on each other's upserts).
    auto purge = store_.prepare(
        "DELETE FROM known_networks WHERE (account_id, network) IN (SELECT account_id, network "
        "FROM known_networks WHERE account_id = ?1 AND seen_at <= ?2 FOR UPDATE SKIP LOCKED)");
    if (!purge) return purge.error();
    purge->bind(1, account_id).bind(2, now - kProvenNetworkDays * 86400);
    if (auto r = purge->run(); !r) return r;
    return tx->commit();
}

}  // namespace latchkey
