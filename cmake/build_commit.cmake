# Writes OUT (a header defining LATCHKEY_COMMIT) from the source tree's git commit, with "-dirty"
# when the work tree has changes; "unknown" outside a git checkout. Runs at every build and
# rewrites OUT only when it changes, so only the version command recompiles, and only then.
# Set before running: SOURCE_DIR, OUT.
execute_process(COMMAND git -C "${SOURCE_DIR}" rev-parse --short=12 HEAD
                OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE failed ERROR_QUIET)
if(failed OR commit STREQUAL "")
  set(commit "unknown")
else()
  execute_process(COMMAND git -C "${SOURCE_DIR}" status --porcelain --untracked-files=no
                  OUTPUT_VARIABLE changes ERROR_QUIET)
  if(NOT changes STREQUAL "")
    string(APPEND commit "-dirty")
  endif()
endif()
file(CONFIGURE OUTPUT "${OUT}" CONTENT "#pragma once\n#define LATCHKEY_COMMIT \"${commit}\"\n")
