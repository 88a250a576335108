#include "core/store/pq_library.hpp"

#include "core/base/dynamic_library.hpp"

namespace latchkey {
namespace {

// All of pipeline mode or none of it.
bool optional_pipeline(void* library, PqLibrary& t) {
    const bool all = bind_symbol(library, "PQenterPipelineMode", t.enter_pipeline_mode) &&
                     bind_symbol(library, "PQexitPipelineMode", t.exit_pipeline_mode) &&
                     bind_symbol(library, "PQpipelineSync", t.pipeline_sync) &&
                     bind_symbol(library, "PQsendQueryParams", t.send_query_params) &&
                     bind_symbol(library, "PQsendPrepare", t.send_prepare) &&
                     bind_symbol(library, "PQsendQueryPrepared", t.send_query_prepared) &&
                     bind_symbol(library, "PQgetResult", t.get_result);
    if (!all) t.enter_pipeline_mode = nullptr;
    return true;
}

}  // namespace

const PqLibrary* load_pq(std::string& error) {
    static const LoadedLibrary<PqLibrary> pq =
        open_library<PqLibrary>("libpq.so.5", "libpq5", [](void* library, PqLibrary& t) {
            return bind_symbol(library, "PQconnectdbParams", t.connectdb_params) &&
                   bind_symbol(library, "PQfinish", t.finish) &&
                   bind_symbol(library, "PQstatus", t.status) &&
                   bind_symbol(library, "PQtransactionStatus", t.transaction_status) &&
                   bind_symbol(library, "PQerrorMessage", t.error_message) &&
                   bind_symbol(library, "PQconsumeInput", t.consume_input) &&
                   bind_symbol(library, "PQexec", t.exec) &&
                   bind_symbol(library, "PQexecParams", t.exec_params) &&
                   bind_symbol(library, "PQprepare", t.prepare) &&
                   bind_symbol(library, "PQexecPrepared", t.exec_prepared) &&
                   bind_symbol(library, "PQresultStatus", t.result_status) &&
                   bind_symbol(library, "PQresultErrorMessage", t.result_error_message) &&
                   bind_symbol(library, "PQresultErrorField", t.result_error_field) &&
                   bind_symbol(library, "PQclear", t.clear) &&
                   bind_symbol(library, "PQntuples", t.ntuples) &&
                   bind_symbol(library, "PQcmdTuples", t.cmd_tuples) &&
                   bind_symbol(library, "PQgetvalue", t.getvalue) &&
                   bind_symbol(library, "PQgetlength", t.getlength) &&
                   bind_symbol(library, "PQgetisnull", t.getisnull) &&
                   bind_symbol(library, "PQftype", t.ftype) &&
                   bind_symbol(library, "PQunescapeBytea", t.unescape_bytea) &&
                   bind_symbol(library, "PQfreemem", t.freemem) && optional_pipeline(library, t);
        });
    return pq.get(error);
}

}  // namespace latchkey
