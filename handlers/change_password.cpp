#include "handlers/change_password.hpp"

#include "handlers/auth.hpp"
#include "handlers/reauthenticate.hpp"

namespace latchkey {

Outcome change_password(Context& c, const PasswordChange& change) {
    Services& services = c.services;
    const Account& caller = c.who().account;
    if (auto refused = reauthenticate(c, change.current, "password.change.failure")) {
        return std::move(*refused);
    }
    auto hash = services.hasher.hash(change.replacement);  // before the write lock
    if (!hash) return hash.error();
    Account now_is;
    {
        auto tx = services.store->begin();
        if (!tx) return tx.error();
        auto accounts = services.accounts();
        auto before = still_the_callers(*services.store, accounts, caller);
        if (!before) return before.error();
        if (auto r = accounts.replace_password(caller.id, *hash, c.now, change.one_time_purpose);
            !r) {
            return r.error();
        }
        auto reread = accounts.find_by_id(caller.id);
        if (!reread) return reread.error();
        now_is = std::move(*reread);
        if (change.within) {
            if (auto r = change.within(now_is); !r) return r.error();
        }
        if (auto r = tx->commit(); !r) return r.error();
    }
    audit(services, c.request, "password.change", now_is.id, now_is.email, now_is.kind);
    notify(services, c.request, now_is, NoticeKind::password_changed);
    return change.answer(now_is);
}

}  // namespace latchkey
