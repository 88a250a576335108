# Writes OUT: a C++ file holding IN (one password a line, sorted bytewise) as one string, so the
# installed binary needs no data file. The order is checked by the unit tests.
file(READ ${IN} text)
string(FIND "${text}" ")latchkey_pw\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw string's delimiter")
endif()
set(body "// Generated from ${NAME} at build time; do not edit.\n#include \"core/auth/common_passwords.hpp\"\n\nnamespace latchkey {\nstd::string_view common_password_list() {\n    static constexpr char text[] = R\"latchkey_pw(${text})latchkey_pw\";\n    return {text, sizeof text - 1};\n}\n}  // namespace latchkey\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
