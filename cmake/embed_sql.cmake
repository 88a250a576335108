# Writes OUT: a C++ file holding the migrations of each dialect as (version, name, text), in
# order. SQL_DIR/NNN_name.sql serve both dialects; SQL_DIR/postgresql/NNN_name.sql, of the same
# name, replaces its twin for PostgreSQL, so both dialects have the same versions.
cmake_policy(SET CMP0057 NEW)  # if(... IN_LIST ...) in script mode

function(render_entry path f out_var)
  string(REGEX MATCH "^([0-9]+)_(.*)\\.sql$" m ${f})
  if(NOT m)
    message(FATAL_ERROR "${path}: migration names are NNN_name.sql")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  file(READ ${path} text)
  set(${out_var} "        {${version}, \"${CMAKE_MATCH_2}\", R\"latchkey_sql(${text})latchkey_sql\"},\n" PARENT_SCOPE)
endfunction()

file(GLOB files RELATIVE ${SQL_DIR} ${SQL_DIR}/*.sql)
list(SORT files)
file(GLOB postgresql_files RELATIVE ${SQL_DIR}/postgresql ${SQL_DIR}/postgresql/*.sql)
foreach(f ${postgresql_files})
  if(NOT f IN_LIST files)
    message(FATAL_ERROR "sql/postgresql/${f} replaces nothing: it needs a twin sql/${f}")
  endif()
endforeach()

set(sqlite_body "")
set(postgresql_body "")
foreach(f ${files})
  render_entry(${SQL_DIR}/${f} ${f} text)
  string(APPEND sqlite_body "${text}")
  if(f IN_LIST postgresql_files)
    render_entry(${SQL_DIR}/postgresql/${f} ${f} text)
  endif()
  string(APPEND postgresql_body "${text}")
endforeach()

set(body "// Generated from sql/*.sql and sql/postgresql/*.sql at build time; do not edit.\n#include \"core/store/migrations.hpp\"\n\nnamespace latchkey {\nconst std::vector<Migration>& migrations(Dialect dialect) {\n    static const std::vector<Migration> sqlite = {\n${sqlite_body}    };\n    static const std::vector<Migration> postgresql = {\n${postgresql_body}    };\n    return dialect == Dialect::postgresql ? postgresql : sqlite;\n}\n}  // namespace latchkey\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
