#pragma once
// A function of a library opened with dlopen, typed as the pointer it is stored in
// (core/curl_library.cpp, core/pq_library.cpp).
#include <dlfcn.h>

namespace latchkey {

template <typename F>
bool bind_symbol(void* library, const char* name, F& out) {
    out = reinterpret_cast<F>(dlsym(library, name));
    return out != nullptr;
}

}  // namespace latchkey
