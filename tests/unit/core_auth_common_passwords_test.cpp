// The common-password list as built in, its lookup, SHA-1, and the local breached-password store
// in the HIBP range format.
#include "core/auth/common_passwords.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/crypto/sha1.hpp"
#include "test_support.hpp"

namespace latchkey {
namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        lines.push_back(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    }
    return lines;
}

TEST(CommonPasswords, TheBuiltInListIsTenThousandLowerCaseLinesInByteOrder) {
    const std::string_view text = common_password_list();
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    const auto lines = lines_of(text);
    EXPECT_EQ(lines.size(), 10000u);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        ASSERT_FALSE(lines[i].empty()) << "line " << i;
        if (i > 0) {
            ASSERT_LT(lines[i - 1], lines[i]) << "sorted and unique, line " << i;
        }
        for (char c : lines[i]) {
            ASSERT_FALSE(c >= 'A' && c <= 'Z') << lines[i];
            ASSERT_TRUE(c > 0x20 && c < 0x7F) << lines[i];
        }
    }
}

TEST(CommonPasswords, EveryListedPasswordIsFoundInAnyCaseAndNothingElse) {
    for (std::string_view line : lines_of(common_password_list())) {
        ASSERT_TRUE(is_common_password(line)) << line;
        std::string upper(line);
        for (char& c : upper) {
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        }
        ASSERT_TRUE(is_common_password(upper)) << upper;
        // The neighbours of a listed word, one byte longer or shorter, are not listed by virtue
        // of it (the search compares whole lines).
        const std::string longer = std::string(line) + "\x7f";
        ASSERT_FALSE(is_common_password(longer)) << line;
    }
    EXPECT_TRUE(is_common_password("password"));
    EXPECT_TRUE(is_common_password("PassWord1"));
    EXPECT_TRUE(is_common_password("123456"));
    EXPECT_TRUE(is_common_password("!qaz2wsx"));  // the first line
    EXPECT_FALSE(is_common_password(""));
    EXPECT_FALSE(is_common_password("Horse-Battery-Staple-42"));
    EXPECT_FALSE(is_common_password("password "));  // never trimmed
    EXPECT_FALSE(is_common_password("pass\nword"));
    EXPECT_FALSE(is_common_password("\n"));
    EXPECT_FALSE(is_common_password(std::string(2000, 'a')));
    EXPECT_FALSE(is_common_password("\xff\xfe"));
}

TEST(Sha1, KnownDigests) {
    EXPECT_EQ(sha1_hex_upper(""), "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709");
    EXPECT_EQ(sha1_hex_upper("abc"), "A9993E364706816ABA3E25717850C26C9CD0D89D");
    EXPECT_EQ(sha1_hex_upper("password"), "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8");
    EXPECT_EQ(sha1_hex_upper("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "84983E441C3BD26EBAAE4AA1F95129E5E54670F1");  // 56 bytes: the length needs a block
    EXPECT_EQ(sha1_hex_upper(std::string(1000000, 'a')),
              "34AA973CD4C4DAA4F61EEB2BDBAD27316534016F");
    EXPECT_EQ(sha1_hex_upper(std::string(64, 'a')), "0098BA824B5C16427BD7A1122A5A442A25EC644D");
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

// "correct horse battery staple": SHA-1 ABF7AAD6438836DBE526AA231ABDE2D0EEF74D42.
constexpr const char* kPassword = "correct horse battery staple";
constexpr const char* kPrefix = "ABF7A";
constexpr const char* kSuffix = "AD6438836DBE526AA231ABDE2D0EEF74D42";

TEST(BreachedPasswords, AListedSuffixWithACountIsBreached) {
    ASSERT_EQ(sha1_hex_upper(kPassword), std::string(kPrefix) + kSuffix);
    testing::TempDir dir;
    EXPECT_FALSE(is_breached_password("", kPassword)) << "no store: nothing is breached";
    EXPECT_FALSE(is_breached_password(dir.path(), kPassword)) << "no file for the prefix";
    write_file(dir.file(kPrefix), "0000000000000000000000000000000000A:1\r\n" +
                                      std::string(kSuffix) +
                                      ":42\r\nFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:7\r\n");
    EXPECT_TRUE(is_breached_password(dir.path(), kPassword));
    EXPECT_FALSE(is_breached_password(dir.path(), "correct horse battery staplf"));
}

TEST(BreachedPasswords, TheFileIsReadAsTheRangeFormatAllowsAndNoFurther) {
    testing::TempDir dir;
    std::string lower = kSuffix;
    for (char& c : lower) c = static_cast<char>(std::tolower(c));
    write_file(dir.file(std::string(kPrefix) + ".txt"), lower + ":3\n");  // the downloader's name
    EXPECT_TRUE(is_breached_password(dir.path(), kPassword)) << "file.txt, lower-case hex, \\n";
    write_file(dir.file(kPrefix), std::string(kSuffix) + ":0\n");  // padding, not a breach
    EXPECT_FALSE(is_breached_password(dir.path(), kPassword)) << "the bare name wins; count 0";
    write_file(dir.file(kPrefix), std::string(kSuffix) + ":x\n" + kSuffix + "\n");
    EXPECT_FALSE(is_breached_password(dir.path(), kPassword)) << "malformed lines";
    write_file(dir.file(kPrefix), std::string(kSuffix) + ":12");  // no final newline
    EXPECT_TRUE(is_breached_password(dir.path(), kPassword));
    // A huge file: what lies beyond the read cap is not read, and the line the cap cuts is not
    // trusted.
    const std::string junk_line = "0000000000000000000000000000000000A:1\n";
    std::string huge;
    while (huge.size() + junk_line.size() <= kMaxBreachedFileBytes - 10) huge += junk_line;
    // Whole lines up to 10 bytes short of the cap, then ours: its count lies past the cap.
    write_file(dir.file(kPrefix), huge + kSuffix + ":5\n");
    EXPECT_FALSE(is_breached_password(dir.path(), kPassword));
    write_file(dir.file(kPrefix), huge + huge + kSuffix + ":5\n");
    EXPECT_FALSE(is_breached_password(dir.path(), kPassword));
    write_file(dir.file(kPrefix), std::string(kSuffix) + ":5\n" + huge + huge);
    EXPECT_TRUE(is_breached_password(dir.path(), kPassword)) << "within the cap: found";
}

TEST(BreachedPasswords, AStoreThatCannotBeReadIsNoBreach) {
    testing::TempDir dir;
    std::filesystem::create_directory(dir.file(kPrefix));  // a directory where a file should be
    EXPECT_FALSE(is_breached_password(dir.path(), kPassword));
    EXPECT_FALSE(is_breached_password(dir.file("absent"), kPassword));
    testing::TempDir fifo_dir;  // a FIFO no one writes to: the check must not wait on it
    ASSERT_EQ(::mkfifo(fifo_dir.file(kPrefix).c_str(), 0600), 0);
    EXPECT_FALSE(is_breached_password(fifo_dir.path(), kPassword));
}

}  // namespace
}  // namespace latchkey
