#pragma once
// One object per key for the whole process, shared by every thread's Store (the SQLite file's
// writer turn, the PostgreSQL URL's connection pool), alive while someone holds it.
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace latchkey {

// The T this process has for `key`, made with `make()` when none is held any more. Each T
// has a registry of its own.
template <class T, class Make>
std::shared_ptr<T> per_process(const std::string& key, Make make) {
    static std::mutex registry_mutex;
    static std::map<std::string, std::weak_ptr<T>> registry;
    std::lock_guard lock(registry_mutex);
    auto& slot = registry[key];
    auto held = slot.lock();
    if (!held) {
        held = make();
        slot = held;
    }
    return held;
}

}  // namespace latchkey
