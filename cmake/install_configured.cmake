# Install step for the files that name installed paths: the systemd units, the default
# configuration and nginx.conf. It runs at install time, so the paths follow the prefix actually
# installed to: /usr/local for `make install`, /usr for the .deb (CPack installs with that prefix
# into its staging DESTDIR), without a build tree of its own.
# Set before inclusion: LATCHKEY_SOURCE_DIR.
set(prefix "${CMAKE_INSTALL_PREFIX}")
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
set(root "$ENV{DESTDIR}")

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
