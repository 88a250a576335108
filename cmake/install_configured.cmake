# Install step for the files that name installed paths: the systemd units, the default
# configuration and nginx.conf. It runs at install time, so the paths follow the prefix actually
# installed to: /usr/local for `make install`, /usr for the .deb (CPack installs with that prefix
# into its staging DESTDIR), without a build tree of its own.
#
# With LATCHKEY_DIST the tree installed is the tarball's (make dist): relative to wherever it is
# unpacked, so what names a path is a template that `latchkeyctl setup` fills in there.
# Set before inclusion: LATCHKEY_SOURCE_DIR, LATCHKEY_BIN (the built binary), LATCHKEY_DIST.
set(prefix "${CMAKE_INSTALL_PREFIX}")
set(root "$ENV{DESTDIR}")

# The built-in mail templates as files (both layouts): what template_dir overrides start from.
message(STATUS "Installing: ${root}${prefix}/share/latchkey/mail-templates")
execute_process(COMMAND "${LATCHKEY_BIN}" templates "${root}${prefix}/share/latchkey/mail-templates"
                RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "latchkey templates failed")
endif()

if(LATCHKEY_DIST)
  set(share "${root}${prefix}/share/latchkey")
  message(STATUS "Installing: ${share}/latchkey.conf.sample")
  file(COPY "${LATCHKEY_SOURCE_DIR}/packaging/dist/latchkey.conf.sample" DESTINATION "${share}")
  # One nginx include per site, from nginx.conf (the one source of the sites' configuration).
  message(STATUS "Installing: ${share}/nginx")
  file(REMOVE_RECURSE "${share}/nginx")
  execute_process(COMMAND "${LATCHKEY_SOURCE_DIR}/scripts/render-nginx-conf" --includes "${share}/nginx"
                          --home @LATCHKEY_HOME@
                  RESULT_VARIABLE failed)
  if(failed)
    message(FATAL_ERROR "render-nginx-conf --includes failed")
  endif()
  # The license of every library in the tarball: linked in, or bundled (cJSON, libcbor).
  set(licenses "${root}${prefix}/share/doc/latchkey/licenses")
  message(STATUS "Installing: ${licenses}")
  file(MAKE_DIRECTORY "${licenses}")
  foreach(package libfcgi0ldbl libsodium23 libsqlite3-0 libcrypt1 libssl3 libstdc++6 libgcc-s1
                  libcjson1 libcbor0.8)
    if(NOT EXISTS "/usr/share/doc/${package}/copyright")
      message(FATAL_ERROR "no license text for ${package} (/usr/share/doc/${package}/copyright)")
    endif()
    configure_file("/usr/share/doc/${package}/copyright" "${licenses}/${package}.copyright" COPYONLY)
  endforeach()
  return()
endif()

if(prefix STREQUAL "/usr")
  set(etc_dir "/etc")
  set(systemd_dir "/lib/systemd/system")  # Debian 12's unit directory
else()
  set(etc_dir "${prefix}/etc")
  set(systemd_dir "${prefix}/lib/systemd/system")
endif()
set(CMAKE_INSTALL_FULL_BINDIR "${prefix}/bin")
set(LATCHKEY_DOC_DIR "${prefix}/share/doc/latchkey")
set(LATCHKEY_CONFIG_FILE "${etc_dir}/latchkey/latchkey.conf")

function(put template target)
  message(STATUS "Installing: ${root}${target}")
  configure_file("${LATCHKEY_SOURCE_DIR}/${template}" "${root}${target}" @ONLY)
endfunction()

put(packaging/latchkey.service.in "${systemd_dir}/latchkey.service")
put(packaging/latchkey.socket.in "${systemd_dir}/latchkey.socket")
# The configuration is the operator's: never overwritten by `make install` (dpkg asks on upgrade).
if(NOT EXISTS "${root}${LATCHKEY_CONFIG_FILE}")
  message(STATUS "Installing: ${root}${LATCHKEY_CONFIG_FILE}")
  file(COPY "${LATCHKEY_SOURCE_DIR}/packaging/latchkey.conf" DESTINATION "${root}${etc_dir}/latchkey")
endif()
file(READ "${LATCHKEY_SOURCE_DIR}/nginx.conf" conf)
string(REPLACE "/usr/share/latchkey" "${prefix}/share/latchkey" conf "${conf}")
message(STATUS "Installing: ${root}${prefix}/share/latchkey/nginx.conf")
file(WRITE "${root}${prefix}/share/latchkey/nginx.conf" "${conf}")
