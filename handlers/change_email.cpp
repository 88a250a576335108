#include "handlers/change_email.hpp"

#include <optional>

#include "core/base/log.hpp"
#include "core/mail/templates.hpp"
#include "handlers/auth.hpp"
#include "handlers/reauthenticate.hpp"
#include "handlers/throttle.hpp"

namespace latchkey {
namespace {

// The link to the new address. Counted as mail to an address without an account (account 0):
// the address is nobody's here yet, so it gets a stranger's ceiling, whoever asks. False:
// limited, nothing sent (the answer is the same).
Result<bool> queue_confirmation(Context& c, const Account& account, const std::string& email) {
    Services& services = c.services;
    auto allowed = services.send_limits().allow(c.site, kChangeEmailPurpose, email, 0,
                                                client_network_of(c.request),
                                                link_send_policy(services.config), c.now);
    if (!allowed) {
        if (allowed.error().code == Errc::rate_limited) return false;
        return allowed.error();
    }
    const auto base = public_url(services, c.request);
    if (!base) return base.error();
    auto token = services.one_time_tokens().issue(account.id, kChangeEmailPurpose, kChangeEmailTtl,
                                                  c.now, email);
    if (!token) return token.error();
    const std::string link = *base + services.config.confirm_email_link_path + "?token=" + *token;
    const std::string name = notice_facts(c.request, account).name;
    const MailMessage mail = compose_mail(
        services.config.template_dir, c.site, kChangeEmailPurpose, account.locale, email,
        {{"link", link}, {"name", name.empty() ? email : name}, {"site", std::string(c.site)}});
    if (auto queued = services.outbox().enqueue(mail, c.now); !queued) return queued.error();
    return true;
}

// The notice to a taken address: greeted and worded as its own account would be (or, for an
// address a registration is still claiming, in the asker's language), under that account's
// sending limits, so asking again and again cannot flood its owner.
Result<bool> queue_attempt_notice(Context& c, const Account& account, const std::string& email) {
    Services& services = c.services;
    NoticeFacts facts = notice_facts(c.request, account);
    facts.email = email;
    facts.name.clear();
    facts.account_id = 0;
    auto holders = services.accounts().with_email(account.site, email);
    if (!holders) return holders.error();
    for (const Account& holder : *holders) {
        if (holder.kind != account.kind) continue;
        const NoticeFacts own = notice_facts(c.request, holder);
        facts.name = own.name;
        facts.locale = own.locale;
        facts.account_id = holder.id;
    }
    return queue_notice(*services.store, services.keys, services.config,
                        NoticeKind::email_change_attempt, facts, link_send_policy(services.config));
}

}  // namespace

Outcome request_email_change(Context& c, const EmailChangeRequest& request) {
    Services& services = c.services;
    const Account& caller = c.who().account;
    if (request.new_email == caller.email) {
        return invalid_fields({FieldIssue{request.email_field, Issue::unchanged}});
    }
    if (auto refused = reauthenticate(c, request.password, "email.change.failure")) {
        return std::move(*refused);
    }
    bool queued = false;
    {
        auto tx = services.store->begin();
        if (!tx) return tx.error();
        auto accounts = services.accounts();
        auto before = still_the_callers(*services.store, accounts, caller);
        if (!before) return before.error();
        // Whatever follows, the earlier pending change ends: were it kept only when the new
        // address is taken, its owner could tell taken addresses from free ones by it.
        if (auto r = services.one_time_tokens().revoke(before->id, kChangeEmailPurpose); !r) {
            return r.error();
        }
        auto free = accounts.email_free_for(*before, request.new_email, c.now);
        if (!free) return free.error();
        auto sent = *free ? queue_confirmation(c, *before, request.new_email)
                          : queue_attempt_notice(c, *before, request.new_email);
        if (!sent) return sent.error();
        queued = *sent;
        if (auto r = tx->commit(); !r) return r.error();
    }
    audit(services, c.request, "email.change.request", caller.id, caller.email, caller.kind);
    if (queued) services.mail_queued();
    return request.answer();
}

namespace {

// What following a link did: the account as it was before the change, and its new address; or
// the address was taken since the request (`taken`: nothing changed, the token stays unused).
struct EmailMove {
    Account moved;
    std::string new_email;
    std::optional<Error> taken;
};

// The change, in one transaction. Errc::invalid_token for a token that is not a live link to a
// change (a guess heard); any other error never got that far.
Result<EmailMove> move_email(Context& c, const EmailConfirmation& confirmation,
                             const GuessPass& pass) {
    Services& services = c.services;
    const Error invalid = make_error(Errc::invalid_token);
    EmailMove move;
    auto tx = services.store->begin();
    if (!tx) return tx.error();
    auto accounts = services.accounts();
    {  // the new address's key comes before the account's row (the lock order)
        auto seen =
            services.one_time_tokens().peek(pass, kChangeEmailPurpose, confirmation.token, c.now);
        if (!seen) {
            if (seen.error().code == Errc::invalid_token) return invalid;
            return seen.error();
        }
        auto holder = accounts.find_by_id(seen->account_id);
        if (!holder) {
            if (holder.error().code == Errc::not_found) return invalid;
            return holder.error();
        }
        if (!seen->new_email.empty()) {
            if (auto r = accounts.lock_names(holder->site, holder->kind, seen->new_email); !r)
                return r.error();
        }
    }
    auto redeemed =
        services.one_time_tokens().redeem(pass, kChangeEmailPurpose, confirmation.token, c.now);
    if (!redeemed) {
        if (redeemed.error().code == Errc::invalid_token) return invalid;
        return redeemed.error();
    }
    // Single use, like a reset link: a second click finds the change made, or superseded.
    if (redeemed->already_used || redeemed->new_email.empty()) return invalid;
    auto account = accounts.find_by_id(redeemed->account_id);
    if (!account) return account.error();
    if (account->disabled) return invalid;
    move.new_email = redeemed->new_email;
    if (auto r = accounts.change_email(*account, move.new_email, c.now); !r) {
        if (r.error().code != Errc::email_taken) return r.error();
        move.taken = r.error();  // returning undoes the transaction: the token stays unused
        return move;
    }
    if (!confirmation.one_time_purpose.empty()) {
        if (auto revoked =
                services.one_time_tokens().revoke(account->id, confirmation.one_time_purpose);
            !revoked) {
            return revoked.error();
        }
    }
    // The link reached the mailbox from here: the network is the owner's, as after a reset.
    if (auto remembered =
            services.send_limits().remember(account->id, client_network_of(c.request), c.now);
        !remembered) {
        return remembered.error();
    }
    if (auto committed = tx->commit(); !committed) return committed.error();
    move.moved = std::move(*account);
    return move;
}

}  // namespace

Outcome confirm_email_change(Context& c, const EmailConfirmation& confirmation) {
    Services& services = c.services;
    auto pass = services.guesses.reserve("", c.now);
    if (!pass) {
        if (pass.error().code == Errc::rate_limited) return guess_refusal(services, c.request);
        return pass.error();
    }
    auto move = move_email(c, confirmation, *pass);
    if (!move) {
        // A failure that never heard the token (a busy or failed store) counts nothing. Taken
        // back once the transaction has ended, so that its rollback cannot undo that too.
        if (!was_checked(move.error().code)) (void)services.guesses.cancel(*pass);
        return move.error();
    }
    const Account& moved = move->moved;
    const std::string& new_email = move->new_email;
    // The right token is a good guess, also for an address someone took since: recorded after the
    // transaction, which an address taken undoes (the token is kept in case it frees again).
    if (auto r = services.guesses.succeeded(*pass, c.now); !r) return r.error();
    if (move->taken) return *move->taken;
    audit(services, c.request, "email.change", moved.id, new_email, moved.kind);
    // To the old address (`moved` is the account as it was): best effort, as every notice.
    auto queued = notify_email_changed(*services.store, services.keys, services.config,
                                       notice_facts(c.request, moved), new_email,
                                       link_send_policy(services.config));
    if (!queued) {
        log_event(LogLevel::warn, "notice not queued", {{"error", queued.error().detail}});
    } else if (*queued) {
        services.mail_queued();
    }
    return confirmation.answer();
}

}  // namespace latchkey
