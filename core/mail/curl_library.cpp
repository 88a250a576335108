#include "core/mail/curl_library.hpp"

#include "core/base/dynamic_library.hpp"

namespace latchkey {

const CurlLibrary* load_curl(std::string& error) {
    static const LoadedLibrary<CurlLibrary> curl = [] {
        CURLcode (*global_init)(long) = nullptr;
        auto loaded = open_library<CurlLibrary>(
            "libcurl.so.4", "libcurl4", [&](void* library, CurlLibrary& t) {
                return bind_symbol(library, "curl_global_init", global_init) &&
                       bind_symbol(library, "curl_easy_init", t.easy_init) &&
                       bind_symbol(library, "curl_easy_cleanup", t.easy_cleanup) &&
                       bind_symbol(library, "curl_easy_setopt", t.easy_setopt) &&
                       bind_symbol(library, "curl_easy_perform", t.easy_perform) &&
                       bind_symbol(library, "curl_easy_getinfo", t.easy_getinfo) &&
                       bind_symbol(library, "curl_easy_strerror", t.easy_strerror) &&
                       bind_symbol(library, "curl_slist_append", t.slist_append) &&
                       bind_symbol(library, "curl_slist_free_all", t.slist_free_all);
            });
        if (loaded.table && global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            loaded.table.reset();
            loaded.failure = "libcurl failed to initialise";
        }
        return loaded;
    }();
    return curl.get(error);
}

}  // namespace latchkey
