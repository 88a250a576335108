#pragma once
// Client libraries mapped on first use (core/mail/curl_library.cpp, core/store/pq_library.cpp):
// only the processes configured to use them pay their memory and start-up.
#include <dlfcn.h>

#include <optional>
#include <string>

namespace latchkey {

// A library's table of functions, or why there is none.
template <class Table>
struct LoadedLibrary {
    std::optional<Table> table;
    std::string failure;

    // The table, or nullptr with the failure in `error`.
    const Table* get(std::string& error) const {
        if (!table) error = failure;
        return table ? &*table : nullptr;
    }
};

// A function of an opened library, typed as the pointer it is stored in.
template <typename F>
bool bind_symbol(void* library, const char* name, F& out) {
    out = reinterpret_cast<F>(dlsym(library, name));
    return out != nullptr;
}

// Opens `soname` (from Debian's `package`) and fills a Table with `fill(library, table)`, which
// binds every function and says whether all were found. Never closed: the library lives as long
// as the process. Callers keep the answer in a function-local static, so this runs once.
template <class Table, class Fill>
LoadedLibrary<Table> open_library(const char* soname, const char* package, Fill fill) {
    LoadedLibrary<Table> loaded;
    void* library = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
        const char* why = dlerror();
        loaded.failure = std::string("cannot load ") + soname + " (install " + package +
                         "): " + (why ? why : "unknown error");
        return loaded;
    }
    Table table{};
    if (!fill(library, table)) {
        loaded.failure = std::string(soname) + " lacks a function Latchkey needs";
        return loaded;
    }
    loaded.table = table;
    return loaded;
}

}  // namespace latchkey
