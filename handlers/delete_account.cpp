#include "handlers/delete_account.hpp"

#include "core/auth/audit.hpp"
#include "core/base/clock.hpp"
#include "core/mail/mail.hpp"
#include "handlers/auth.hpp"
#include "handlers/reauthenticate.hpp"

namespace latchkey {

Outcome delete_account(Context& c, const AccountDeletion& deletion) {
    Services& services = c.services;
    const Account& caller = c.who().account;
    if (auto refused = reauthenticate(c, deletion.password, "account.delete.failure")) {
        return std::move(*refused);
    }
    if (auto erased = erase_account(services, c.request, caller); !erased) return erased.error();
    return deletion.answer();
}

Result<void> erase_account(Services& services, const Request& request, const Account& caller) {
    bool notice_queued = false;
    {
        auto tx = services.store->begin();
        if (!tx) return tx.error();
        auto accounts = services.accounts();
        auto before = still_the_callers(*services.store, accounts, caller);
        if (!before) return before.error();
        const Account& account = *before;
        if (auto r =
                Outbox(*services.store, services.keys).drop_unsent(account.site, account.email);
            !r) {
            return r.error();
        }
        // Queued after the drop, so it is the mail that survives it.
        auto queued = queue_notice(*services.store, services.keys, services.config,
                                   NoticeKind::account_deleted, notice_facts(request, account),
                                   link_send_policy(services.config));
        if (!queued) return queued.error();
        notice_queued = *queued;
        AuditLog log(*services.store);
        if (auto r = log.forget(account.site, account.id, account.email); !r) return r.error();
        if (auto r = accounts.remove(account.id); !r) return r.error();
        // The tombstone: which account id went, when, of which type; nothing that names a person.
        AuditEvent tombstone{.at = unix_now(),
                             .site = account.site,
                             .event = "account.delete",
                             .account_id = account.id,
                             .email = "",
                             .ip = "",
                             .user_agent = "",
                             .detail = account.kind};
        if (auto r = log.record(tombstone, services.config.audit_retention_days); !r) {
            return r.error();
        }
        if (auto r = tx->commit(); !r) return r.error();
    }
    if (notice_queued) services.mail_queued();
    return {};
}

}  // namespace latchkey
