# LATCHKEY_DIST: the tarball's binary needs nothing of the host but glibc (and, when configured,
# the libcurl and libpq it loads at run time). libfcgi, libsodium, SQLite and libxcrypt are linked
# from their static archives (Debian's -dev packages ship them), as is libcrypto (SHA-1 for the
# breached-password store), and the C++ runtime too. Debian
# ships no static cJSON: the binary keeps it as a shared library, bundled beside it in lib/ and
# found there through an $ORIGIN-relative run path.
# The pkg-config targets keep their include directories; only what they link changes.
function(latchkey_static_archive target name)
  find_library(LATCHKEY_${name}_ARCHIVE NAMES lib${name}.a REQUIRED NO_CACHE)
  set_target_properties(${target} PROPERTIES
    INTERFACE_LINK_LIBRARIES "${LATCHKEY_${name}_ARCHIVE};${ARGN}"
    INTERFACE_LINK_DIRECTORIES ""
    INTERFACE_LINK_OPTIONS "")
endfunction()
latchkey_static_archive(PkgConfig::FCGI fcgi)
latchkey_static_archive(PkgConfig::SODIUM sodium Threads::Threads)
latchkey_static_archive(PkgConfig::SQLITE sqlite3 Threads::Threads m ${CMAKE_DL_LIBS})
latchkey_static_archive(PkgConfig::LIBCRYPTO crypto Threads::Threads ${CMAKE_DL_LIBS})
find_library(LATCHKEY_CRYPT_ARCHIVE NAMES libcrypt.a REQUIRED NO_CACHE)
set(CRYPT_LIBRARY ${LATCHKEY_CRYPT_ARCHIVE})

# cJSON: the file the link would use, and the name the binary asks the loader for.
find_library(LATCHKEY_CJSON_LINKED NAMES cjson REQUIRED NO_CACHE)
file(REAL_PATH ${LATCHKEY_CJSON_LINKED} LATCHKEY_CJSON_SHARED)
execute_process(COMMAND objdump -p ${LATCHKEY_CJSON_SHARED} OUTPUT_VARIABLE cjson_dynamic)
string(REGEX MATCH "SONAME +([^\n ]+)" _ "${cjson_dynamic}")
set(LATCHKEY_CJSON_SONAME ${CMAKE_MATCH_1})
if(NOT LATCHKEY_CJSON_SONAME)
  message(FATAL_ERROR "cannot read the SONAME of ${LATCHKEY_CJSON_SHARED}")
endif()

# The executable: the C++ runtime linked in, cJSON looked up in ../lib first.
function(latchkey_dist_link target)
  target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc -Wl,--as-needed)
  set_target_properties(${target} PROPERTIES
    INSTALL_RPATH "\$ORIGIN/../lib"
    BUILD_WITH_INSTALL_RPATH OFF)
endfunction()
