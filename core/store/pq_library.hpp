#pragma once
// libpq, mapped on first use. Only the PostgreSQL store needs it, and it pulls in TLS, Kerberos
// and LDAP libraries (some thirty shared objects) worth about 5 MiB of every process's memory and
// half of its start-up time, which the default SQLite store should not pay.
#include <libpq-fe.h>

#include <string>

namespace latchkey {

// The libpq functions the store calls, typed by libpq's own declarations.
struct PqLibrary {
    decltype(&PQconnectdbParams) connectdb_params;
    decltype(&PQfinish) finish;
    decltype(&PQstatus) status;
    decltype(&PQtransactionStatus) transaction_status;
    decltype(&PQerrorMessage) error_message;
    decltype(&PQconsumeInput) consume_input;
    decltype(&PQexec) exec;
    decltype(&PQexecParams) exec_params;
    decltype(&PQprepare) prepare;
    decltype(&PQexecPrepared) exec_prepared;
    decltype(&PQresultStatus) result_status;
    decltype(&PQresultErrorMessage) result_error_message;
    decltype(&PQresultErrorField) result_error_field;
    decltype(&PQclear) clear;
    decltype(&PQntuples) ntuples;
    decltype(&PQcmdTuples) cmd_tuples;
    decltype(&PQgetvalue) getvalue;
    decltype(&PQgetlength) getlength;
    decltype(&PQgetisnull) getisnull;
    decltype(&PQftype) ftype;
    decltype(&PQunescapeBytea) unescape_bytea;
    decltype(&PQfreemem) freemem;
    // Pipeline mode (libpq 14 and later), or nullptr with an older libpq: a transaction's BEGIN
    // then travels with its first statement instead of in a round trip of its own.
    decltype(&PQenterPipelineMode) enter_pipeline_mode;
    decltype(&PQexitPipelineMode) exit_pipeline_mode;
    decltype(&PQpipelineSync) pipeline_sync;
    decltype(&PQsendQueryParams) send_query_params;
    decltype(&PQsendPrepare) send_prepare;
    decltype(&PQsendQueryPrepared) send_query_prepared;
    decltype(&PQgetResult) get_result;
    bool pipelines() const { return enter_pipeline_mode != nullptr; }
};

// libpq loaded (once per process), or nullptr with the reason in `error`.
const PqLibrary* load_pq(std::string& error);

}  // namespace latchkey
