#include "core/crypto/password.hpp"

#include <crypt.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <latch>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace latchkey {
namespace {

const auto* const kSodium = ::testing::AddGlobalTestEnvironment(new testing::SodiumEnvironment);

const HashParams kFast{1, 8 * 1024 * 1024};

std::string bcrypt(const char* prefix, const char* password) {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    EXPECT_NE(crypt_gensalt_rn(prefix, 4, nullptr, 0, salt, sizeof salt), nullptr);
    crypt_data data{};
    const char* hash = crypt_r(password, salt, &data);
    return hash ? hash : "";
}

// Releases `callers` threads at the same instant, each hashing once with `hasher`: how many
// computed and how many were refused as busy.
struct Outcomes {
    int computed = 0;
    int busy = 0;
};
Outcomes hash_all_at_once(const PasswordHasher& hasher, int callers) {
    std::latch go(callers);
    std::atomic<int> computed{0}, busy{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < callers; ++i) {
        threads.emplace_back([&] {
            go.arrive_and_wait();
            auto r = hasher.hash("pw");
            if (r.ok()) ++computed;
            if (!r.ok() && r.error().code == Errc::busy) ++busy;
        });
    }
    for (auto& t : threads) t.join();
    return {computed.load(), busy.load()};
}

TEST(PasswordHasher, HashesWithArgon2idAndVerifies) {
    PasswordHasher hasher(kFast, 2, std::chrono::seconds(5));
    auto hash = hasher.hash("correct horse");
    ASSERT_TRUE(hash.ok());
    EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
    EXPECT_TRUE(*hasher.verify(*hash, "correct horse"));
    EXPECT_FALSE(*hasher.verify(*hash, "correct horse "));
    EXPECT_FALSE(*hasher.verify(*hash, ""));
    EXPECT_FALSE(hasher.needs_rehash(*hash));
}

TEST(PasswordHasher, WeakerOrForeignHashesNeedARehash) {
    PasswordHasher weak(HashParams{1, 8 * 1024 * 1024}, 1, std::chrono::seconds(5));
    PasswordHasher strong(HashParams{2, 8 * 1024 * 1024}, 1, std::chrono::seconds(5));
    auto old = weak.hash("pw");
    ASSERT_TRUE(old.ok());
    EXPECT_TRUE(strong.needs_rehash(*old));
    EXPECT_TRUE(strong.needs_rehash(bcrypt("$2b$", "pw")));
}

TEST(PasswordHasher, VerifiesImportedBcryptHashes) {
    PasswordHasher hasher(kFast, 1, std::chrono::seconds(5));
    for (const char* prefix : {"$2b$", "$2y$", "$2a$"}) {
        const std::string hash = bcrypt(prefix, "securePassword123");
        ASSERT_EQ(hash.rfind(prefix, 0), 0u) << prefix;
        EXPECT_TRUE(*hasher.verify(hash, "securePassword123")) << prefix;
        EXPECT_FALSE(*hasher.verify(hash, "securePassword124")) << prefix;
    }
}

TEST(PasswordHasher, UnknownFormatsNeverMatch) {
    PasswordHasher hasher(kFast, 1, std::chrono::seconds(5));
    for (const char* stored :
         {"", "plaintext", "$1$abc$def", "$argon2id$garbage", "$2b$04$short"}) {
        auto r = hasher.verify(stored, "plaintext");
        ASSERT_TRUE(r.ok()) << stored;
        EXPECT_FALSE(*r) << stored;
    }
}

TEST(PasswordHasher, TheDummyHashIsAWellFormedHashWithTheRealParameters) {
    // A malformed dummy would fail verification at once: an unknown email would answer faster
    // than a wrong password.
    PasswordHasher hasher(kFast, 1, std::chrono::seconds(5));
    EXPECT_EQ(crypto_pwhash_str_needs_rehash(hasher.dummy_hash().c_str(), kFast.opslimit,
                                             kFast.memlimit_bytes),
              0)
        << hasher.dummy_hash();
    EXPECT_TRUE(hasher.verify_dummy("any password").ok());
    auto matched = hasher.verify(hasher.dummy_hash(), "");
    ASSERT_TRUE(matched.ok());
    EXPECT_FALSE(*matched);
    PasswordHasher other(kFast, 1, std::chrono::seconds(5));
    EXPECT_NE(hasher.dummy_hash(), other.dummy_hash()) << "random salt and digest";
}

TEST(PasswordHasher, AnIdleHashingThreadTakesAJobEvenWithNoQueueTime) {
    PasswordHasher hasher(kFast, 2, std::chrono::milliseconds(0));
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(hasher.hash("pw").ok());
}

TEST(PasswordHasher, AFullQueueRefusesAtOnce) {
    // One hashing thread, one waiter allowed: of five callers released together, the ones that
    // find the thread and the queue taken are refused without waiting the queue time.
    PasswordHasher hasher(HashParams{3, 32 * 1024 * 1024}, 1, std::chrono::seconds(30), 1);
    constexpr int kCallers = 5;
    const auto start = std::chrono::steady_clock::now();
    const Outcomes o = hash_all_at_once(hasher, kCallers);
    EXPECT_GE(o.busy, 1);
    EXPECT_GE(o.computed, 1);
    EXPECT_EQ(o.computed + o.busy, kCallers);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(25))
        << "refusals do not wait out the 30 s queue time";
}

TEST(PasswordHasher, ABurstUpToThreadsPlusWaitersIsAllServed) {
    // Two threads and two waiters: four callers released together all hash, however the threads
    // and callers interleave. Jobs queued for threads that are idle but not yet awake are not
    // waiters; counting them refused such a burst when the callers outran the threads.
    for (int round = 0; round < 20; ++round) {
        PasswordHasher hasher(kFast, 2, std::chrono::seconds(30), 2);
        const Outcomes o = hash_all_at_once(hasher, 4);
        ASSERT_EQ(o.computed, 4) << "round " << round << ": " << o.busy << " refused";
    }
}

TEST(PasswordHasher, AFullPoolAnswersBusyAfterTheQueueTime) {
    // One slot and no queueing: of several callers released at the same instant, each hash
    // taking far longer than the release, one computes and the others are refused at once.
    PasswordHasher hasher(HashParams{3, 32 * 1024 * 1024}, 1, std::chrono::milliseconds(0));
    constexpr int kCallers = 4;
    const Outcomes o = hash_all_at_once(hasher, kCallers);
    EXPECT_GE(o.computed, 1);
    EXPECT_GE(o.busy, 1);
    EXPECT_EQ(o.computed + o.busy, kCallers);
    EXPECT_TRUE(hasher.hash("after").ok()) << "the slot comes back";
}

TEST(PasswordHasher, WaitersGetTheSlotWithinTheQueueTime) {
    PasswordHasher hasher(kFast, 1, std::chrono::seconds(30));
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] { ok += hasher.hash("pw").ok() ? 1 : 0; });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 4);
}

}  // namespace
}  // namespace latchkey
