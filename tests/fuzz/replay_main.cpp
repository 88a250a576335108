// Runs a fuzz target once over every file of the corpus directories (or files) it is given: the
// regression test CTest runs in every build, without libFuzzer. An input that takes longer than
// the bound fails the run as a crash would: the corpus holds the worst inputs found for each
// parser, and the bound is what catches super-linear work on them.
//
// The bound (kSlowMs, or LATCHKEY_FUZZ_SLOW_MS): every input is at most 64 KiB (nginx's body
// limit), which linear code handles in well under 10 ms even on the ASan+UBSan build; 500 ms
// leaves a factor of 50 for a busy 2-core machine running other suites beside this one. The
// quadratic UTF-8 check this guards against took 1.6 s on a 64 KiB body on the release build
// (several times that under ASan), so it fails here on every build.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

constexpr long kSlowMs = 500;

long slow_ms() {
    if (const char* env = std::getenv("LATCHKEY_FUZZ_SLOW_MS")) {
        const long v = std::strtol(env, nullptr, 10);
        if (v > 0) return v;
    }
    return kSlowMs;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::filesystem::path> inputs;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path p(argv[i]);
        if (std::filesystem::is_directory(p)) {
            for (const auto& entry : std::filesystem::directory_iterator(p))
                if (entry.is_regular_file()) inputs.push_back(entry.path());
        } else {
            inputs.push_back(p);
        }
    }
    // The first call builds the target's static state (keys, an in-memory database): not timed.
    LLVMFuzzerTestOneInput(nullptr, 0);
    const long bound = slow_ms();
    int slow = 0;
    double slowest = 0;
    for (const auto& path : inputs) {
        std::ifstream in(path, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
        const auto start = std::chrono::steady_clock::now();
        LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
        slowest = std::max(slowest, ms);
        if (ms > static_cast<double>(bound)) {
            std::fprintf(stderr, "slow input: %s took %.0f ms (bound %ld ms)\n",
                         path.string().c_str(), ms, bound);
            ++slow;
        }
    }
    std::printf("replayed %zu inputs, slowest %.1f ms (bound %ld ms)\n", inputs.size(), slowest,
                bound);
    if (slow > 0) return 1;
    return inputs.empty() ? 1 : 0;
}
