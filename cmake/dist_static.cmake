# LATCHKEY_DIST: the tarball's binary needs nothing of the host but glibc (and, when configured,
# the libcurl and libpq it loads at run time). libfcgi, libsodium, SQLite and libxcrypt are linked
# from their static archives (Debian's -dev packages ship them), as is libcrypto (SHA-1 for the
# breached-password store and passkeys), and the C++ runtime too. Debian ships no static cJSON
# or libcbor: the binary keeps them as shared libraries, bundled beside it in lib/ and found there
# through an $ORIGIN-relative run path.
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

# A bundled library: the file the link would use (LATCHKEY_<VAR>_SHARED), and the name the binary
# asks the loader for (LATCHKEY_<VAR>_SONAME), which is the name it gets in lib/.
function(latchkey_bundled_shared var name)
  find_library(LATCHKEY_${var}_LINKED NAMES ${name} REQUIRED NO_CACHE)
  file(REAL_PATH ${LATCHKEY_${var}_LINKED} shared)
  execute_process(COMMAND objdump -p ${shared} OUTPUT_VARIABLE dynamic)
  string(REGEX MATCH "SONAME +([^\n ]+)" _ "${dynamic}")
  if(NOT CMAKE_MATCH_1)
    message(FATAL_ERROR "cannot read the SONAME of ${shared}")
  endif()
  set(LATCHKEY_${var}_SHARED ${shared} PARENT_SCOPE)
  set(LATCHKEY_${var}_SONAME ${CMAKE_MATCH_1} PARENT_SCOPE)
endfunction()
latchkey_bundled_shared(CJSON cjson)
latchkey_bundled_shared(CBOR cbor)

# The executable: the C++ runtime linked in, cJSON and libcbor looked up in ../lib first.
function(latchkey_dist_link target)
  target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc -Wl,--as-needed)
  set_target_properties(${target} PROPERTIES
    INSTALL_RPATH "\$ORIGIN/../lib"
    BUILD_WITH_INSTALL_RPATH OFF)
endfunction()
