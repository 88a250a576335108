// Which language a request asks its mail in, and which template answers for a locale.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/mail/locale.hpp"
#include "core/mail/templates.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

TEST(Locale, AcceptLanguagePicksTheBestSupportedLocale) {
    struct Case {
        std::string header;
        const char* locale;
    } cases[] = {
        {"", "en"},
        {"es", "es"},
        {"ES-mx", "es"},
        {"es_AR", "es"},
        {"en-US,en;q=0.9", "en"},
        {"fr-CH, fr;q=0.9, es;q=0.8, en;q=0.7", "es"},
        {"en;q=0.5, es;q=0.6", "es"},
        {"es;q=0.5, en;q=0.5", "es"},  // a tie: the earlier
        {"es;q=0", "en"},              // not acceptable
        {"es;q=1.5", "en"},            // malformed q: not acceptable
        {"es;q=abc", "en"},
        {"*", "en"},
        {"fr, de", "en"},
        {" es ; q=0.9 ", "es"},
        {std::string(600, ' ') + "es", "en"},  // past the first 512 bytes: not read
        {std::string(40, ',') + "es", "en"},   // past 32 entries: not read
    };
    for (const auto& c : cases) {
        EXPECT_EQ(negotiate_locale(c.header), c.locale) << "'" << c.header << "'";
    }
}

TEST(Locale, EachBuiltInKindSpeaksEveryLocale) {
    for (const auto locale : kMailLocales) {
        for (const char* kind : {"verify_email", "reset_password", "sign_in_code",
                                 "email_change_code", "notice_account_deleted"}) {
            bool found = false;
            for (const auto& t : builtin_templates()) {
                found |= t.locale == locale && t.kind == kind;
            }
            EXPECT_TRUE(found) << kind << " in " << locale;
        }
    }
}

TEST(Locale, TemplatesComeFromTheLocalesFilesThenItsBuiltIns) {
    testing::TempDir dir;
    std::filesystem::create_directories(dir.file("es"));
    std::ofstream(dir.file("es/sign_in_code.subject")) << "Código para {{name}}\n";
    std::ofstream(dir.file("sign_in_code.txt")) << "English file {{code}}\n";
    const TemplateVars vars = {{"name", "Ana"}, {"code", "123"}};
    const MailMessage es = compose_mail(dir.path(), "shop", "sign_in_code", "es", "a@b.c", vars);
    EXPECT_EQ(es.subject, "Código para Ana");
    EXPECT_EQ(es.text.rfind("Tu código de acceso es 123", 0), 0u) << "the built-in Spanish body";
    const MailMessage en = compose_mail(dir.path(), "shop", "sign_in_code", "en", "a@b.c", vars);
    EXPECT_EQ(en.subject, "Your sign-in code");
    EXPECT_EQ(en.text, "English file 123\n");
    const MailMessage other = compose_mail("", "shop", "sign_in_code", "de", "a@b.c", vars);
    EXPECT_EQ(other.subject, "Your sign-in code") << "an unknown locale is en";
    const MailMessage odd =
        compose_mail(dir.path(), "shop", "sign_in_code", "../es", "a@b.c", vars);
    EXPECT_EQ(odd.subject, "Your sign-in code") << "only a known locale becomes a directory";
}

}  // namespace
}  // namespace latchkey
