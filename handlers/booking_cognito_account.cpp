// The booking user's own account over the Cognito API (docs/contracts.md, booking, "The user's own
// account"): a change of email confirmed by a code mailed to the new address, the original kept
// until then (UpdateUserAttributes, GetUserAttributeVerificationCode, VerifyUserAttribute), and
// DeleteUser. Each is authorized by the caller's access token, as Cognito's are.
#include <string>

#include "core/auth/customers.hpp"
#include "core/auth/pending_emails.hpp"
#include "core/base/email.hpp"
#include "core/base/log.hpp"
#include "core/mail/notices.hpp"
#include "core/mail/templates.hpp"
#include "handlers/auth.hpp"
#include "handlers/cognito.hpp"
#include "handlers/delete_account.hpp"
#include "handlers/throttle.hpp"

namespace latchkey::cognito {
namespace {

constexpr const char* kVerifyEmail = "verify_email";  // a change of email waiting for its code
constexpr const char* kEmailChangeMail = "email_change_code";

Outcome limit_exceeded() {
    return fail("LimitExceededException", "Attempt limit exceeded, please try after some time.");
}

Outcome expired_code() {
    return fail("ExpiredCodeException", "Invalid code provided, please request a code again.");
}

// Opens the code step for a change of the account's address to `email` and records it as the
// account's pending change (replacing any earlier one, so an older code cannot apply a newer
// address); the code is mailed to `email` only when no other account holds it. A taken address
// gets the same answer, the same step (counting and closing on wrong codes alike) and the same
// sending limits, only no mail: the caller learns nothing of who holds it, its holder gets nothing
// to be bombed with, and VerifyUserAttribute has no code anyone knows. The limits count the
// address as a stranger's unless it is the account's own, so one account cannot spend the
// owner's allowance of another address.
Result<void> request_email_code(Call& c, const Account& account, const std::string& email) {
    auto holder = c.services.accounts().find_by_email(c.site, "user", email);
    if (!holder) return holder.error();
    const bool free = !*holder || (*holder)->id == account.id;
    const bool own = email_key(email) == email_key(account.email);
    auto tx = c.services.store->begin();
    if (!tx) return tx.error();
    // The account's row before the sending limits' keys (the lock order): one pending change
    // per account, whichever request comes last.
    if (auto r = lock_callers_account(*c.services.store, account.id); !r) return r.error();
    if (auto allowed = c.services.send_limits().allow(
            c.site, kCodeMail, email, own ? account.id : 0, client_network_of(c.request),
            code_send_policy(c.services.config), c.now);
        !allowed)
        return allowed.error();
    auto opened = challenges(c).open(c.site, account.id, kVerifyEmail, true,
                                     c.services.config.otp_ttl, c.now);
    if (!opened) return opened.error();
    if (free) {
        MailMessage mail = compose_mail(c.services.config.template_dir, c.site, kEmailChangeMail,
                                        account.locale, email,
                                        {{"code", opened->code},
                                         {"email", email},
                                         {"name", email},
                                         {"site", std::string(c.site)}});
        if (auto queued = c.services.outbox().enqueue(mail, c.now); !queued) return queued.error();
    }
    if (auto r =
            PendingEmails(*c.services.store).put(c.site, account.id, email, opened->session, c.now);
        !r)
        return r.error();
    if (auto r = tx->commit(); !r) return r.error();
    if (free) c.services.mail_queued();
    return {};
}

// Only email is an attribute a user changes here (sub and email_verified are the pool's own).
Outcome not_email() {
    return fail("InvalidParameterException",
                "Only the email attribute can be changed or verified.");
}

}  // namespace

Outcome update_user_attributes(Call& c) {
    auto who = access_caller(c);
    if (auto* r = std::get_if<Outcome>(&who)) return std::move(*r);
    const Account& account = std::get<Caller>(who).account;
    const cJSON* attrs = cJSON_GetObjectItemCaseSensitive(c.body, "UserAttributes");
    if (!cJSON_IsArray(attrs) || cJSON_GetArraySize(attrs) == 0) {
        return fail("InvalidParameterException",
                    "1 validation error detected: Value at 'userAttributes' failed to satisfy "
                    "constraint: Member must not be null");
    }
    std::string email;
    const cJSON* a = nullptr;
    cJSON_ArrayForEach(a, attrs) {
        if (!cJSON_IsObject(a) || text(a, "Name") != "email") return not_email();
        email = username_of(text(a, "Value"));
    }
    if (!is_valid_utf8(email) || !is_valid_email(email))
        return fail("InvalidParameterException", "Invalid email address format.");
    if (auto r = request_email_code(c, account, email); !r) {
        if (r.error().code == Errc::rate_limited) return limit_exceeded();
        return r.error();
    }
    audit(c.services, c.request, "email.change.request", account.id, account.email);
    Json list(cJSON_CreateArray());
    cJSON_AddItemToArray(list.get(), delivery_details(email).release());
    Json out = json_object();
    json_put(out.get(), "CodeDeliveryDetailsList", std::move(list));
    return answer(std::move(out));
}

Outcome get_user_attribute_verification_code(Call& c) {
    auto who = access_caller(c);
    if (auto* r = std::get_if<Outcome>(&who)) return std::move(*r);
    const Account& account = std::get<Caller>(who).account;
    if (text(c.body, "AttributeName") != "email") return not_email();
    auto pending = PendingEmails(*c.services.store).find(account.id);
    if (!pending) return pending.error();
    // A new code for the pending address; with none pending, for the current one (which the
    // code then confirms, changing nothing else).
    const std::string email = *pending ? (*pending)->email : account.email;
    if (auto r = request_email_code(c, account, email); !r) {
        if (r.error().code == Errc::rate_limited) return limit_exceeded();
        return r.error();
    }
    Json out = json_object();
    json_put(out.get(), "CodeDeliveryDetails", delivery_details(email));
    return answer(std::move(out));
}

namespace {

// The confirmed change, in one transaction: the account's address (checked free again: it may
// have been taken since the code went out), its customer profile's, the pending change gone.
Result<void> apply_email_change(Call& c, const Account& account, const std::string& email) {
    auto tx = c.services.store->begin();
    if (!tx) return tx.error();
    if (auto r = c.services.accounts().change_email(account, email, c.now); !r) return r.error();
    if (auto r = Customers(*c.services.store).set_email(account.id, email, c.now); !r)
        return r.error();
    if (auto r = PendingEmails(*c.services.store).remove(account.id); !r) return r.error();
    return tx->commit();
}

}  // namespace

Outcome verify_user_attribute(Call& c) {
    auto who = access_caller(c);
    if (auto* r = std::get_if<Outcome>(&who)) return std::move(*r);
    const Account& account = std::get<Caller>(who).account;
    if (text(c.body, "AttributeName") != "email") return not_email();
    const std::string code = text(c.body, "Code");
    if (code.empty()) {
        return fail("InvalidParameterException",
                    "1 validation error detected: Value at 'code' failed to satisfy constraint: "
                    "Member must not be null");
    }
    auto pending = PendingEmails(*c.services.store).find(account.id);
    if (!pending) return pending.error();
    if (!*pending) return expired_code();
    const PendingEmail change = **pending;
    // The code is checked before anything about the address is said, so only whoever reads the
    // new address's mail learns (AliasExists) that it was taken meanwhile.
    auto pass = count_guess(c, account);
    if (auto* refused = std::get_if<Outcome>(&pass)) return std::move(*refused);
    const GuessPass& counted = std::get<GuessPass>(pass);
    auto answered = challenges(c).answer(counted, c.site, account.id, kVerifyEmail, change.session,
                                         code, c.now);
    if (!answered) {
        if (!was_checked(answered.error().code)) (void)c.services.guesses.cancel(counted);
        audit(c.services, c.request, "email.change.failure", account.id, account.email);
        if (answered.error().code == Errc::invalid_token) return expired_code();
        return code_failure(answered.error());
    }
    if (auto r = c.services.guesses.succeeded(counted, c.now); !r) return r.error();
    if (auto r = apply_email_change(c, account, change.email); !r) {
        if (r.error().code != Errc::email_taken) return r.error();
        (void)PendingEmails(*c.services.store).remove(account.id);
        return fail("AliasExistsException", "An account with the given email already exists.");
    }
    audit(c.services, c.request, "email.change", account.id, change.email);
    // To the old address (`account` as it was), as the password contracts' confirm-email does:
    // best effort, as every notice.
    auto queued = notify_email_changed(*c.services.store, c.services.keys, c.services.config,
                                       notice_facts(c.request, account), change.email,
                                       link_send_policy(c.services.config));
    if (!queued) {
        log_event(LogLevel::warn, "notice not queued", {{"error", queued.error().detail}});
    } else if (*queued) {
        c.services.mail_queued();
    }
    return answer(empty_object());
}

// Cognito's DeleteUser: the access token is the proof (as Cognito, no password; booking users
// have none), and the account goes with everything it owns, its customer profile included, in
// the erase the password contracts use.
Outcome delete_user(Call& c) {
    auto who = access_caller(c);
    if (auto* r = std::get_if<Outcome>(&who)) return std::move(*r);
    const Account& account = std::get<Caller>(who).account;
    if (auto r = erase_account(c.services, c.request, account); !r) {
        if (r.error().code == Errc::invalid_token)
            return fail("NotAuthorizedException", "Invalid Access Token");
        return r.error();
    }
    return answer(empty_object());
}

}  // namespace latchkey::cognito
