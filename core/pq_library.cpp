#include "core/pq_library.hpp"

#include <dlfcn.h>

#include <mutex>

namespace latchkey {
namespace {

template <typename F>
bool bind(void* library, const char* name, F& out) {
    out = reinterpret_cast<F>(dlsym(library, name));
    return out != nullptr;
}

}  // namespace

const PqLibrary* load_pq(std::string& error) {
    static std::once_flag once;
    static PqLibrary pq;
    static const PqLibrary* loaded = nullptr;
    static std::string failure;
    std::call_once(once, [] {
        // Never closed: the library lives as long as the process.
        void* library = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
        if (library == nullptr) {
            const char* why = dlerror();
            failure = std::string("cannot load libpq.so.5 (install libpq5): ") +
                      (why ? why : "unknown error");
            return;
        }
        const bool complete =
            bind(library, "PQconnectdbParams", pq.connectdb_params) &&
            bind(library, "PQfinish", pq.finish) && bind(library, "PQstatus", pq.status) &&
            bind(library, "PQtransactionStatus", pq.transaction_status) &&
            bind(library, "PQerrorMessage", pq.error_message) &&
            bind(library, "PQconsumeInput", pq.consume_input) && bind(library, "PQexec", pq.exec) &&
            bind(library, "PQexecParams", pq.exec_params) &&
            bind(library, "PQresultStatus", pq.result_status) &&
            bind(library, "PQresultErrorMessage", pq.result_error_message) &&
            bind(library, "PQresultErrorField", pq.result_error_field) &&
            bind(library, "PQclear", pq.clear) && bind(library, "PQntuples", pq.ntuples) &&
            bind(library, "PQcmdTuples", pq.cmd_tuples) &&
            bind(library, "PQgetvalue", pq.getvalue) &&
            bind(library, "PQgetlength", pq.getlength) &&
            bind(library, "PQgetisnull", pq.getisnull) && bind(library, "PQftype", pq.ftype) &&
            bind(library, "PQunescapeBytea", pq.unescape_bytea) &&
            bind(library, "PQfreemem", pq.freemem);
        if (!complete) {
            failure = "libpq.so.5 lacks a function Latchkey needs";
            return;
        }
        loaded = &pq;
    });
    if (loaded == nullptr) error = failure;
    return loaded;
}

}  // namespace latchkey
