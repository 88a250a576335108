// `latchkey templates DIR`: the built-in mail templates as files, in template_dir's layout, to
// edit and point template_dir at.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "core/mail/locale.hpp"
#include "core/mail/templates.hpp"

namespace latchkey {

int templates_command(const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        std::cerr << "latchkey: cannot create " << dir << ": " << ec.message() << "\n";
        return 1;
    }
    for (const BuiltinTemplate& t : builtin_templates()) {
        // en at the top, as template_dir has always been laid out; other locales in their own.
        const std::string in =
            t.locale == kMailLocales[0] ? dir : dir + "/" + std::string(t.locale);
        std::filesystem::create_directories(in, ec);
        if (ec) {
            std::cerr << "latchkey: cannot create " << in << ": " << ec.message() << "\n";
            return 1;
        }
        for (const auto& [extension, text] :
             {std::pair{".subject", t.subject}, {".txt", t.text}, {".html", t.html}}) {
            const std::string path = in + "/" + std::string(t.kind) + extension;
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            out << text;
            if (!out.flush()) {
                std::cerr << "latchkey: cannot write " << path << ": " << std::strerror(errno)
                          << "\n";
                return 1;
            }
        }
    }
    return 0;
}

}  // namespace latchkey
