#include "core/curl_library.hpp"

#include <dlfcn.h>

#include "core/dynamic_symbol.hpp"

#include <mutex>

namespace latchkey {

const CurlLibrary* load_curl(std::string& error) {
    static std::once_flag once;
    static CurlLibrary curl;
    static const CurlLibrary* loaded = nullptr;
    static std::string failure;
    std::call_once(once, [] {
        // Never closed: the library lives as long as the process.
        void* library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
        if (library == nullptr) {
            const char* why = dlerror();
            failure = std::string("cannot load libcurl.so.4 (install libcurl4): ") +
                      (why ? why : "unknown error");
            return;
        }
        CURLcode (*global_init)(long) = nullptr;
        const bool complete = bind_symbol(library, "curl_global_init", global_init) &&
                              bind_symbol(library, "curl_easy_init", curl.easy_init) &&
                              bind_symbol(library, "curl_easy_cleanup", curl.easy_cleanup) &&
                              bind_symbol(library, "curl_easy_setopt", curl.easy_setopt) &&
                              bind_symbol(library, "curl_easy_perform", curl.easy_perform) &&
                              bind_symbol(library, "curl_easy_getinfo", curl.easy_getinfo) &&
                              bind_symbol(library, "curl_easy_strerror", curl.easy_strerror) &&
                              bind_symbol(library, "curl_slist_append", curl.slist_append) &&
                              bind_symbol(library, "curl_slist_free_all", curl.slist_free_all);
        if (!complete) {
            failure = "libcurl.so.4 lacks a function Latchkey needs";
            return;
        }
        if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            failure = "libcurl failed to initialise";
            return;
        }
        loaded = &curl;
    });
    if (loaded == nullptr) error = failure;
    return loaded;
}

}  // namespace latchkey
