// `latchkey --version`: what this binary is, and what it runs on.
#include <cbor.h>
#include <cjson/cJSON.h>
#include <gnu/libc-version.h>
#include <openssl/crypto.h>
#include <sodium.h>
#include <sqlite3.h>

#include <iostream>

#include "build_commit.hpp"
#include "build_info.hpp"
#include "cli/commands.hpp"

namespace latchkey {

int version_command() {
    // Linked in: the versions those libraries report themselves (the ones actually running),
    // except libfcgi, libxcrypt and libcbor, which have no such call: their versions at build
    // time.
    const char* linked = LATCHKEY_LINKAGE;
    std::cout << "latchkey " << LATCHKEY_VERSION << "\n"
              << "commit " << LATCHKEY_COMMIT << "\n"
              << "libraries:\n"
              << "  libfcgi " << LATCHKEY_FCGI_VERSION << " (" << linked << ")\n"
              << "  libsodium " << sodium_version_string() << " (" << linked << ")\n"
              << "  sqlite " << sqlite3_libversion() << " (" << linked << ")\n"
              << "  libcrypto " << OpenSSL_version(OPENSSL_VERSION_STRING) << " (" << linked
              << ")\n"
              << "  libxcrypt " << LATCHKEY_XCRYPT_VERSION << " (" << linked << ")\n"
              << "  libstdc++ " << _GLIBCXX_RELEASE << " (" << __GLIBCXX__ << ", " << linked
              << ")\n"
              << "  cJSON " << cJSON_Version() << " (shared)\n"
              << "  libcbor " << CBOR_MAJOR_VERSION << "." << CBOR_MINOR_VERSION << "."
              << CBOR_PATCH_VERSION << " (shared)\n"
              << "  glibc " << gnu_get_libc_version() << " (shared)\n"
              << "  libcurl: libcurl.so.4 loaded at run time, for smtp:// mail only\n"
              << "  libpq: libpq.so.5 loaded at run time, for a postgresql:// database only\n";
    return 0;
}

}  // namespace latchkey
