#include "core/pq_library.hpp"

#include <dlfcn.h>

#include "core/dynamic_symbol.hpp"

#include <mutex>

namespace latchkey {

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
            bind_symbol(library, "PQconnectdbParams", pq.connectdb_params) &&
            bind_symbol(library, "PQfinish", pq.finish) &&
            bind_symbol(library, "PQstatus", pq.status) &&
            bind_symbol(library, "PQtransactionStatus", pq.transaction_status) &&
            bind_symbol(library, "PQerrorMessage", pq.error_message) &&
            bind_symbol(library, "PQconsumeInput", pq.consume_input) &&
            bind_symbol(library, "PQexec", pq.exec) &&
            bind_symbol(library, "PQexecParams", pq.exec_params) &&
            bind_symbol(library, "PQresultStatus", pq.result_status) &&
            bind_symbol(library, "PQresultErrorMessage", pq.result_error_message) &&
            bind_symbol(library, "PQresultErrorField", pq.result_error_field) &&
            bind_symbol(library, "PQclear", pq.clear) &&
            bind_symbol(library, "PQntuples", pq.ntuples) &&
            bind_symbol(library, "PQcmdTuples", pq.cmd_tuples) &&
            bind_symbol(library, "PQgetvalue", pq.getvalue) &&
            bind_symbol(library, "PQgetlength", pq.getlength) &&
            bind_symbol(library, "PQgetisnull", pq.getisnull) &&
            bind_symbol(library, "PQftype", pq.ftype) &&
            bind_symbol(library, "PQunescapeBytea", pq.unescape_bytea) &&
            bind_symbol(library, "PQfreemem", pq.freemem);
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
