// libFuzzer target: the strict JSON reader every contract's validation starts from. Accepted
// text must render to JSON that reads back to the same rendering (no loss, no crash).
#include <cstdint>
#include <string_view>

#include "core/base/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace latchkey;
    auto parsed = parse_json_strict(std::string_view(reinterpret_cast<const char*>(data), size));
    if (auto* value = std::get_if<Json>(&parsed)) {
        const std::string once = json_render(value->get());
        auto again = parse_json_strict(once);
        auto* reread = std::get_if<Json>(&again);
        if (reread == nullptr || json_render(reread->get()) != once) __builtin_trap();
    }
    return 0;
}
