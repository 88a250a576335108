#pragma once
// libcurl, mapped on first use. Only SMTP delivery needs it, and it pulls in TLS, Kerberos and
// LDAP libraries worth about 5 MiB of every process's memory and part of its start-up, which
// the default `dir` transport and `sendmail` should not pay.
#include <curl/curl.h>

#include <string>

namespace latchkey {

struct CurlLibrary {
    CURL* (*easy_init)();
    void (*easy_cleanup)(CURL*);
    CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
    CURLcode (*easy_perform)(CURL*);
    CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
    const char* (*easy_strerror)(CURLcode);
    curl_slist* (*slist_append)(curl_slist*, const char*);
    void (*slist_free_all)(curl_slist*);
};

// libcurl loaded and initialised (once per process), or nullptr with the reason in `error`.
const CurlLibrary* load_curl(std::string& error);

}  // namespace latchkey
