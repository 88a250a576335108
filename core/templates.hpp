#pragma once
// Mail templates: a subject, a text body and an HTML body per message kind, with {{name}}
// placeholders. Built in, and overridable per site or for all sites by files, without recompiling:
//   <template_dir>/<site>/<kind>.subject|.txt|.html, then <template_dir>/<kind>.subject|.txt|.html
#include <map>
#include <string>
#include <string_view>

#include "core/mail.hpp"

namespace latchkey {

using TemplateVars = std::map<std::string, std::string>;

// Fills {{name}} placeholders; unknown names become empty. HTML-escapes values when `html`.
std::string fill_template(std::string_view text, const TemplateVars& vars, bool html);

// The message of `kind` for `to`, from the templates in force. `vars["link"]`, if any, becomes the
// message's link.
MailMessage compose_mail(const std::string& template_dir, std::string_view site,
                         std::string_view kind, std::string_view to, const TemplateVars& vars);

}  // namespace latchkey
