#include "core/mail/notices.hpp"

#include <arpa/inet.h>

#include <array>

#include "core/base/clock.hpp"
#include "core/mail/mail.hpp"
#include "core/mail/templates.hpp"

namespace latchkey {
namespace {

const char* kind_name(NoticeKind kind) {
    switch (kind) {
        case NoticeKind::new_sign_in:
            return "notice_new_sign_in";
        case NoticeKind::password_changed:
            return "notice_password_changed";
        case NoticeKind::account_deleted:
            return "notice_account_deleted";
        case NoticeKind::email_changed:
            return "notice_email_changed";
        case NoticeKind::email_change_attempt:
            return "notice_email_change_attempt";
        case NoticeKind::second_factor_enabled:
            return "notice_second_factor_enabled";
        case NoticeKind::second_factor_disabled:
            return "notice_second_factor_disabled";
        case NoticeKind::recovery_code_used:
            return "notice_recovery_code_used";
        case NoticeKind::recovery_codes_replaced:
            return "notice_recovery_codes_replaced";
        case NoticeKind::passkey_added:
            return "notice_passkey_added";
        case NoticeKind::passkey_removed:
            return "notice_passkey_removed";
    }
    return "notice";
}

bool switched_on(const Config& config, NoticeKind kind) {
    switch (kind) {
        case NoticeKind::new_sign_in:
            return config.notify_new_sign_in != 0;
        case NoticeKind::password_changed:
            return config.notify_password_changed != 0;
        case NoticeKind::account_deleted:
            return config.notify_account_deleted != 0;
        case NoticeKind::email_changed:
            return config.notify_email_changed != 0;
        case NoticeKind::email_change_attempt:
            return config.notify_email_change_attempt != 0;
        case NoticeKind::second_factor_enabled:
        case NoticeKind::second_factor_disabled:
        case NoticeKind::recovery_code_used:
        case NoticeKind::recovery_codes_replaced:
        case NoticeKind::passkey_added:
        case NoticeKind::passkey_removed:
            return config.notify_second_factor != 0;
    }
    return false;
}

// REMOTE_ADDR only when it is an address: anything else is nginx's to explain, not the mail's.
std::string shown_address(const std::string& address) {
    unsigned char buf[16];
    if (inet_pton(AF_INET, address.c_str(), buf) == 1 ||
        inet_pton(AF_INET6, address.c_str(), buf) == 1) {
        return address;
    }
    return "unknown";
}

}  // namespace

std::string device_summary(std::string_view ua) {
    ua = ua.substr(0, 512);
    auto has = [&](std::string_view token) { return ua.find(token) != std::string_view::npos; };
    // Order matters: Edge and Opera say Chrome too, Chrome says Safari.
    static constexpr std::array<std::pair<std::string_view, const char*>, 7> kBrowsers = {{
        {"Edg/", "Edge"},
        {"OPR/", "Opera"},
        {"Firefox/", "Firefox"},
        {"Chrome/", "Chrome"},
        {"Safari/", "Safari"},
        {"curl/", "curl"},
        {"node", "a Node.js program"},
    }};
    static constexpr std::array<std::pair<std::string_view, const char*>, 6> kSystems = {{
        {"Android", "Android"},
        {"iPhone", "iOS"},
        {"iPad", "iPadOS"},
        {"Windows", "Windows"},
        {"Mac OS X", "macOS"},
        {"Linux", "Linux"},
    }};
    const char* browser = nullptr;
    for (const auto& [token, name] : kBrowsers) {
        if (has(token)) {
            browser = name;
            break;
        }
    }
    const char* system = nullptr;
    for (const auto& [token, name] : kSystems) {
        if (has(token)) {
            system = name;
            break;
        }
    }
    std::string out = browser != nullptr ? browser : "an unknown browser";
    if (system != nullptr) out += std::string(" on ") + system;
    return out;
}

Result<bool> queue_notice(Store& store, const KeyRing& keys, const Config& config, NoticeKind kind,
                          const NoticeFacts& facts, const SendPolicy& policy) {
    if (!switched_on(config, kind)) return false;
    const char* name = kind_name(kind);
    auto tx = store.begin();
    if (!tx) return tx.error();
    auto allowed = SendLimits(store, keys)
                       .allow(facts.site, name, facts.email, facts.account_id, facts.network,
                              policy, facts.when);
    if (!allowed) {
        if (allowed.error().code == Errc::rate_limited) return false;
        return allowed.error();
    }
    const MailMessage mail =
        compose_mail(config.template_dir, facts.site, name, facts.locale, facts.email,
                     {{"name", facts.name.empty() ? facts.email : facts.name},
                      {"email", facts.email},
                      {"site", facts.site},
                      {"when", iso8601_utc(facts.when)},
                      {"address", shown_address(facts.address)},
                      {"device", device_summary(facts.user_agent)},
                      {"new_email", facts.new_email}});
    if (auto queued = Outbox(store, keys).enqueue(mail, facts.when); !queued) {
        return queued.error();
    }
    if (auto r = tx->commit(); !r) return r.error();
    return true;
}

Result<bool> notify_email_changed(Store& store, const KeyRing& keys, const Config& config,
                                  NoticeFacts old_address, std::string_view new_email,
                                  const SendPolicy& policy) {
    old_address.new_email = std::string(new_email);
    return queue_notice(store, keys, config, NoticeKind::email_changed, old_address, policy);
}

}  // namespace latchkey
