#include "core/mail/templates.hpp"

#include <gtest/gtest.h>

namespace latchkey {
namespace {

TEST(NameForMail, KeepsLettersDigitsSpacesApostrophesAndHyphens) {
    EXPECT_EQ(name_for_mail("Ana"), "Ana");
    EXPECT_EQ(name_for_mail("  Jean-Luc   O'Neil 2 "), "Jean-Luc O'Neil 2");
    EXPECT_EQ(name_for_mail("José Müller Øster"), "José Müller Øster");
    EXPECT_EQ(name_for_mail("Σοφία 李小龍 محمد"), "Σοφία 李小龍 محمد");
}

TEST(NameForMail, NoLinkAddressMarkupOrHeaderLineCanForm) {
    EXPECT_EQ(name_for_mail("<a href=\"https://evil.example/x\">Win</a>"),
              "a hrefhttpsevilexamplexWina");
    EXPECT_EQ(name_for_mail("Ana\r\nBcc: x@evil.example"), "AnaBcc xevilexample");
    EXPECT_EQ(name_for_mail("www.evil.example"), "wwwevilexample");
    // Look-alikes of '.', '/', ':' and '@', invisible and bidi controls, emoji.
    EXPECT_EQ(name_for_mail("evil\u3002ex\uff0eam\u2024pl\ufe52e\u2215x\uff1ay\uff20z"),
              "evilexamplexyz");
    EXPECT_EQ(name_for_mail("A\u200bB\u202eC\u2066D\U0001F600"), "ABCD");
    EXPECT_EQ(name_for_mail("\xc0\xae\xff"), "");  // overlong '.', a stray byte
    // Punctuation of other scripts, modifier letters, digits and radicals that look like ':', '.'
    // or '/', and invisible marks.
    EXPECT_EQ(name_for_mail("a\ua789b\u02d0c\u0589d\u0387e\u16ebf\u0660g\u1735h\u2f03i"),
              "abcdefghi");
    EXPECT_EQ(name_for_mail("a\u061cb\ufeffc\u3164d\u115fe\u034ff\ufe0fg"), "abcdefg");
    EXPECT_EQ(name_for_mail("evil\ua4f8ex\u0903am\u1427ple"), "evilexample");
    // A mark is kept on a letter, never alone, on a space or on what was left out.
    EXPECT_EQ(name_for_mail("\u0323a \u0323b.\u0323"), "a b");
    EXPECT_EQ(name_for_mail("e\u0301 \u0928\u092e\u0938\u094d\u0924\u0947"),
              "e\u0301 \u0928\u092e\u0938\u094d\u0924\u0947");
    // Every space separator is a space.
    EXPECT_EQ(name_for_mail("Ana\u3000\u2003Li\u00a0Wu"), "Ana Li Wu");
    EXPECT_EQ(name_for_mail("<>:/@."), "");
}

TEST(NameForMail, IsCutToFortyCharacters) {
    EXPECT_EQ(name_for_mail(std::string(10000, 'a')), std::string(kMailNameMax, 'a'));
    std::string accented;
    for (int i = 0; i < 50; ++i) accented += "é";
    EXPECT_EQ(name_for_mail(accented).size(), kMailNameMax * 2);  // characters, not bytes
    EXPECT_EQ(name_for_mail(std::string(39, 'a') + " bcd"), std::string(39, 'a'));
}

}  // namespace
}  // namespace latchkey
