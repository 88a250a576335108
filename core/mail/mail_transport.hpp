#pragma once
// How a rendered message leaves the process, chosen by the `mail_transport` setting:
//   dir                 write an .eml file into mail_dir and log its link (the embedded default)
//   sendmail            pipe to `<sendmail_path> -t -i` (the shared-hosting convention)
//   smtp://host:port    SMTP through libcurl; STARTTLS when offered (required with
//   mail_require_tls) smtps://host:port   SMTP over TLS; user:password@ in the URL for AUTH
#include <memory>
#include <string>

#include "core/base/config.hpp"
#include "core/base/result.hpp"
#include "core/mail/mail.hpp"

namespace latchkey {

struct SendOutcome {
    bool delivered;
    bool permanent;  // retrying cannot help (e.g. SMTP 5xx)
    std::string error;
};

class MailTransport {
  public:
    virtual ~MailTransport() = default;
    virtual SendOutcome send(const MailMessage& message, const std::string& mime) = 0;
};

Result<std::unique_ptr<MailTransport>> make_mail_transport(const Config& config);

}  // namespace latchkey
