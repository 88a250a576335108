#pragma once
// Mail templates: a subject, a text body and an HTML body per message kind and locale, with
// {{name}} placeholders. Built in (en and es), and overridable per site or for all sites by files,
// without recompiling. For a locale other than en the first file found is
//   <template_dir>/<site>/<locale>/<kind>.EXT, then <template_dir>/<locale>/<kind>.EXT,
// else the built-in of that locale; files without a locale directory are the en ones:
//   <template_dir>/<site>/<kind>.EXT, then <template_dir>/<kind>.EXT (EXT: subject, txt, html).
#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "core/mail/mail.hpp"

namespace latchkey {

using TemplateVars = std::map<std::string, std::string>;

// Fills {{name}} placeholders; unknown names become empty. HTML-escapes values when `html`.
std::string fill_template(std::string_view text, const TemplateVars& vars, bool html);

// The longest name a mail shows, in characters (code points).
constexpr std::size_t kMailNameMax = 40;

// A name someone typed, as a mail may show it: only letters and marks (by Unicode category, less
// the look-alikes of punctuation and the invisible ones; a mark only on a letter), ASCII digits,
// spaces, apostrophes and hyphens survive (no dot, colon, slash, at sign or angle bracket, nor
// anything that looks like one, so no link, address, markup or header line can form); every
// space separator counts as a space, runs of spaces become one, and it is cut to kMailNameMax
// characters. Empty when nothing is left.
std::string name_for_mail(std::string_view typed);

// The message of `kind` in `locale` (one of kMailLocales; anything else is en) for `to`, from the
// templates in force. `vars["link"]`, if any, becomes the message's link.
MailMessage compose_mail(const std::string& template_dir, std::string_view site,
                         std::string_view kind, std::string_view locale, std::string_view to,
                         const TemplateVars& vars);

// One built-in message kind in one locale, as its files in template_dir would spell it.
struct BuiltinTemplate {
    std::string_view locale, kind, subject, text, html;
};

// The built-in templates: what `latchkey templates DIR` writes out as a starting point.
std::span<const BuiltinTemplate> builtin_templates();

}  // namespace latchkey
