// `latchkey import FILE --site SITE`: users from another system, with the password hashes it kept
// (bcrypt or argon2id; upgraded at each user's first login). Streams JSON Lines or CSV one record
// at a time (memory does not grow with the file), commits in batches (a running service waits at
// most one batch for the write lock), shows progress, and ends with what was skipped and why.
// Re-running a file is safe: accounts already there are skipped as "email taken".
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "cli/admin_support.hpp"
#include "core/auth/accounts.hpp"
#include "core/base/clock.hpp"
#include "core/base/email.hpp"
#include "core/base/json.hpp"
#include "core/crypto/password.hpp"
#include "core/store/store.hpp"

namespace latchkey {
namespace {

constexpr std::size_t kMaxRecordBytes = 64 * 1024;
constexpr std::size_t kMaxFieldBytes = 1024;
constexpr std::size_t kLinesKeptPerReason = 10;

// One record of the file: its fields by name, or why it could not be read.
struct Record {
    std::size_t line = 0;  // where it starts, 1-based
    std::map<std::string, std::string> fields;
    std::string error;
};

// Counts what it reads, so progress can be told as a share of the file.
class Source {
  public:
    explicit Source(std::istream& in) : in_(in) {}
    int get() {
        const int c = in_.get();
        if (c != EOF) ++consumed_;
        if (c == '\n') ++line_;
        return c;
    }
    int peek() { return in_.peek(); }
    std::size_t line() const { return line_; }
    std::uint64_t consumed() const { return consumed_; }

  private:
    std::istream& in_;
    std::size_t line_ = 1;
    std::uint64_t consumed_ = 0;
};

// JSON Lines: one object per line; blank lines are skipped.
bool next_jsonl(Source& src, Record& record) {
    std::string text;
    record = Record{};
    for (;;) {
        record.line = src.line();
        text.clear();
        bool too_long = false;
        int c = src.get();
        if (c == EOF) return false;
        for (; c != EOF && c != '\n'; c = src.get()) {
            if (text.size() < kMaxRecordBytes) {
                text.push_back(static_cast<char>(c));
            } else {
                too_long = true;
            }
        }
        if (!text.empty() && text.back() == '\r') text.pop_back();
        if (text.find_first_not_of(" \t") == std::string::npos) continue;
        if (too_long) {
            record.error = "record too long";
            return true;
        }
        auto parsed = parse_json_strict(text);
        auto* object = std::get_if<Json>(&parsed);
        if (object == nullptr || !cJSON_IsObject(object->get())) {
            record.error = "not a JSON object";
            return true;
        }
        const cJSON* item = nullptr;
        cJSON_ArrayForEach(item, object->get()) {
            if (cJSON_IsString(item)) {
                record.fields[item->string] = item->valuestring;
            } else if (cJSON_IsBool(item)) {
                record.fields[item->string] = cJSON_IsTrue(item) ? "true" : "false";
            } else if (cJSON_IsObject(item) && std::string_view(item->string) == "profile") {
                const cJSON* field = nullptr;
                cJSON_ArrayForEach(field, item) {
                    if (!cJSON_IsString(field)) {
                        record.error = "profile values must be strings";
                        return true;
                    }
                    record.fields[field->string] = field->valuestring;
                }
            } else if (!cJSON_IsNull(item)) {
                record.error = std::string("field '") + item->string + "' is not a string";
                return true;
            }
        }
        return true;
    }
}

// One CSV row (RFC 4180: quoted fields may hold commas, quotes as "" and line breaks).
bool next_csv_row(Source& src, std::vector<std::string>& row, std::string& error,
                  std::size_t& line) {
    row.clear();
    error.clear();
    line = src.line();
    if (src.peek() == EOF) return false;
    std::string field;
    std::size_t bytes = 0;
    bool quoted = false, was_quoted = false;
    for (;;) {
        const int c = src.get();
        if (++bytes > kMaxRecordBytes && error.empty()) error = "record too long";
        if (quoted) {
            if (c == EOF) {
                error = "unterminated quoted field";
                row.push_back(std::move(field));
                return true;
            }
            if (c == '"') {
                if (src.peek() == '"') {
                    src.get();
                    field.push_back('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push_back(static_cast<char>(c));
            }
            continue;
        }
        if (c == '"' && field.empty() && !was_quoted) {
            quoted = was_quoted = true;
        } else if (c == ',') {
            row.push_back(std::move(field));
            field.clear();
            was_quoted = false;
        } else if (c == '\n' || c == EOF) {
            if (!field.empty() && field.back() == '\r' && !was_quoted) field.pop_back();
            row.push_back(std::move(field));
            return true;
        } else if (c == '\r' && was_quoted) {
            // the CR of a CRLF after a closing quote
        } else if (was_quoted) {
            error = "text after a closing quote";
        } else {
            field.push_back(static_cast<char>(c));
        }
    }
}

class CsvReader {
  public:
    explicit CsvReader(Source& src) : src_(src) {}

    // Reads the header row; false with `error` set when there is none usable.
    bool start(std::string& error) {
        std::size_t line = 0;
        if (!next_csv_row(src_, header_, error, line)) {
            error = "the file is empty";
            return false;
        }
        if (!error.empty()) return false;
        if (!header_.empty() && header_[0].rfind("\xEF\xBB\xBF", 0) == 0)
            header_[0].erase(0, 3);  // a UTF-8 byte order mark
        return true;
    }
    bool next(Record& record) {
        std::vector<std::string> row;
        record = Record{};
        do {
            if (!next_csv_row(src_, row, record.error, record.line)) return false;
        } while (record.error.empty() && row.size() == 1 && row[0].empty());
        if (record.error.empty() && row.size() != header_.size())
            record.error = "expected " + std::to_string(header_.size()) + " columns, found " +
                           std::to_string(row.size());
        if (!record.error.empty()) return true;
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (!row[i].empty()) record.fields[header_[i]] = std::move(row[i]);
        }
        return true;
    }
    const std::vector<std::string>& header() const { return header_; }

  private:
    Source& src_;
    std::vector<std::string> header_;
};

std::optional<bool> truth(const std::string& text) {
    if (text == "true" || text == "1" || text == "yes") return true;
    if (text == "false" || text == "0" || text == "no" || text.empty()) return false;
    return std::nullopt;
}

// A record as an account to import, or why it is not one. Fields other than the known ones are
// the account's profile (firstName, storeName, ...), as the contracts keep them.
std::variant<ImportedAccount, std::string> to_account(Record& r, const AdminArgs& args) {
    ImportedAccount a;
    NewAccount& n = a.account;
    n.site = *option(args, "site");
    n.kind = option(args, "kind").value_or("user");
    n.id_style = option(args, "id-style").value_or("uuid") == "hex24" ? PublicIdStyle::hex24
                                                                      : PublicIdStyle::uuid;
    for (auto& [name, value] : r.fields) {
        if (!is_valid_utf8(value) || value.find('\0') != std::string::npos)
            return "field '" + name + "' is not UTF-8 text";
        if (value.size() > kMaxFieldBytes) return "field '" + name + "' is too long";
        if (name == "email") {
            n.email = value;
        } else if (name == "password_hash") {
            a.password_hash = value;
        } else if (name == "username") {
            n.username = value;
        } else if (name == "kind") {
            n.kind = value;
        } else if (name == "id") {
            a.public_id = value;
        } else if (name == "verified" || name == "email_verified") {
            auto yes = truth(value);
            if (!yes) return "'" + name + "' is not true or false";
            n.email_verified = *yes;
        } else {
            n.profile[name] = value;
        }
    }
    if (n.email.empty()) return std::string("missing email");
    if (!is_valid_email(n.email)) return std::string("invalid email");
    if (n.kind.empty() || n.kind.size() > 32) return std::string("invalid kind");
    if (n.username && n.username->empty()) n.username.reset();
    if (!a.password_hash) n.passwordless = true;
    return a;
}

std::string reason_of(const Error& error) {
    switch (error.code) {
        case Errc::email_taken:
            return "email taken";
        case Errc::username_taken:
            return "username taken";
        default:
            return error.detail;
    }
}

struct Summary {
    std::uint64_t read = 0, imported = 0, skipped = 0;
    struct Reason {
        std::uint64_t count = 0;
        std::vector<std::size_t> lines;  // the first few
    };
    std::map<std::string, Reason> reasons;

    void skip(const std::string& why, std::size_t line) {
        ++skipped;
        auto& r = reasons[why];
        ++r.count;
        if (r.lines.size() < kLinesKeptPerReason) r.lines.push_back(line);
    }
};

// A bar redrawn in place on a terminal; a plain line every few seconds otherwise (logs, CI).
class Progress {
  public:
    explicit Progress(std::uint64_t total_bytes)
        : total_(total_bytes), tty_(::isatty(STDERR_FILENO) == 1), start_(Clock::now()) {}

    void show(const Summary& s, std::uint64_t consumed, bool last) {
        const auto now = Clock::now();
        if (!last &&
            now - shown_ < (tty_ ? std::chrono::milliseconds(100) : std::chrono::seconds(2)))
            return;
        shown_ = now;
        const double seconds = std::chrono::duration<double>(now - start_).count();
        const double rate = seconds > 0 ? static_cast<double>(s.read) / seconds : 0;
        char counts[160];
        std::snprintf(counts, sizeof counts, "%llu read, %llu imported, %llu skipped, %.0f/s",
                      static_cast<unsigned long long>(s.read),
                      static_cast<unsigned long long>(s.imported),
                      static_cast<unsigned long long>(s.skipped), rate);
        const int percent =
            total_ > 0 ? static_cast<int>(std::min<std::uint64_t>(100, consumed * 100 / total_))
                       : -1;
        if (tty_) {
            std::string bar;
            if (percent >= 0) {
                const int filled = percent * 30 / 100;
                bar.append(1, '[').append(filled, '#').append(30 - filled, '.');
                bar.append("] ").append(std::to_string(percent)).append("%  ");
            }
            std::cerr << "\r\033[K" << bar << counts << (last ? "\n" : "") << std::flush;
        } else {
            std::cerr << "latchkey: import: ";
            if (percent >= 0) std::cerr << percent << "%, ";
            std::cerr << counts << "\n";
        }
    }

  private:
    using Clock = std::chrono::steady_clock;
    std::uint64_t total_;
    bool tty_;
    Clock::time_point start_;
    Clock::time_point shown_{};
};

void print_summary(const Summary& s, bool json) {
    if (json) {
        Json out = json_object();
        json_put(out.get(), "read", static_cast<std::int64_t>(s.read));
        json_put(out.get(), "imported", static_cast<std::int64_t>(s.imported));
        json_put(out.get(), "skipped", static_cast<std::int64_t>(s.skipped));
        Json reasons = json_object();
        for (const auto& [why, r] : s.reasons) {
            Json reason = json_object();
            json_put(reason.get(), "count", static_cast<std::int64_t>(r.count));
            Json lines(cJSON_CreateArray());
            for (auto line : r.lines)
                cJSON_AddItemToArray(lines.get(), cJSON_CreateNumber(static_cast<double>(line)));
            json_put(reason.get(), "lines", std::move(lines));
            json_put(reasons.get(), why.c_str(), std::move(reason));
        }
        json_put(out.get(), "reasons", std::move(reasons));
        std::cout << json_render(out.get()) << "\n";
        return;
    }
    std::cout << "imported " << s.imported << " of " << s.read << " record(s); skipped "
              << s.skipped << "\n";
    if (s.reasons.empty()) return;
    Table t{{"skipped because", "count", "first lines"}, {}};
    for (const auto& [why, r] : s.reasons) {
        std::string lines;
        for (auto line : r.lines) lines += (lines.empty() ? "" : ", ") + std::to_string(line);
        if (r.count > r.lines.size()) lines += ", ...";
        t.rows.push_back({why, std::to_string(r.count), lines});
    }
    t.print(false);
}

}  // namespace

// The largest batch on PostgreSQL (see import_command).
constexpr long kKeyedBatchMax = 500;

int import_command(const Config& config, Store& store, const PasswordHasher& hasher,
                   const AdminArgs& args) {
    if (args.operands.size() != 1) return usage("import needs one FILE (or - for standard input)");
    const auto site = option(args, "site");
    if (!site || site->empty()) return usage("import needs --site SITE");
    const std::string path = args.operands[0];
    std::string format = option(args, "format").value_or("");
    if (format.empty())
        format = path.size() > 4 && path.compare(path.size() - 4, 4, ".csv") == 0 ? "csv" : "jsonl";
    if (format != "csv" && format != "jsonl") return usage("--format is jsonl or csv");
    const long asked_batch = std::stol(option(args, "batch").value_or("1000"));
    if (asked_batch < 1 || asked_batch > 100000) return usage("--batch needs 1..100000");
    // On PostgreSQL a batch holds two advisory keys per account until it commits, in the server's
    // shared lock table (max_locks_per_transaction x max_connections: 6,400 on a stock server).
    const long batch_size =
        store.locks_rows() ? std::min(asked_batch, kKeyedBatchMax) : asked_batch;

    std::ifstream file;
    std::uint64_t total = 0;
    if (path != "-") {
        file.open(path, std::ios::binary);
        if (!file) return fail("cannot read " + path);
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode))
            total = static_cast<std::uint64_t>(st.st_size);
    }
    std::istream& in = path == "-" ? std::cin : file;
    Source src(in);
    CsvReader csv(src);
    if (format == "csv") {
        std::string error;
        if (!csv.start(error)) return fail(path + ": header: " + error);
        if (std::find(csv.header().begin(), csv.header().end(), "email") == csv.header().end())
            return fail(path + ": the header has no 'email' column");
    }

    Accounts accounts(store, hasher);
    Summary summary;
    Progress progress(total);
    Record record;
    bool more = true;
    while (more) {
        // A batch is read first; then its accounts' address keys are taken at once, in the one
        // sorted order (Accounts::lock_names): other addresses' registrations on every host go
        // on, and a batch never waits in a cycle with a registration or another import.
        const std::uint64_t batch_start = summary.read;
        const Summary before = summary;
        std::vector<ImportedAccount> batch;
        std::vector<std::uint64_t> lines;
        while (summary.read - batch_start < static_cast<std::uint64_t>(batch_size)) {
            more = format == "csv" ? csv.next(record) : next_jsonl(src, record);
            if (!more) break;
            ++summary.read;
            if (!record.error.empty()) {
                summary.skip(record.error, record.line);
                continue;
            }
            auto account = to_account(record, args);
            if (auto* why = std::get_if<std::string>(&account)) {
                summary.skip(*why, record.line);
                continue;
            }
            batch.push_back(std::move(std::get<ImportedAccount>(account)));
            lines.push_back(record.line);
        }
        auto tx = store.begin();
        if (!tx) return fail("database: " + tx.error().detail);
        if (auto r = accounts.lock_names(batch); !r) {
            print_summary(before, args.json);
            return fail("database: " + r.error().detail +
                        " (this batch was rolled back, the ones before it are in: run the import "
                        "again to go on, imported accounts are skipped)");
        }
        for (std::size_t i = 0; i < batch.size(); ++i) {
            auto made = accounts.import(batch[i], unix_now());
            if (made) {
                ++summary.imported;
            } else if (made.error().code == Errc::storage ||
                       made.error().code == Errc::unavailable || made.error().code == Errc::busy) {
                print_summary(before, args.json);
                return fail("database: " + made.error().detail + " (line " +
                            std::to_string(lines[i]) +
                            "; this batch was rolled back, the ones before it are in: run the "
                            "import again to go on, imported accounts are skipped)");
            } else {
                summary.skip(reason_of(made.error()), lines[i]);
            }
        }
        if (auto r = tx->commit(); !r) {
            print_summary(before, args.json);
            return fail("database: " + r.error().detail);
        }
        progress.show(summary, src.consumed(), !more);
    }
    admin_audit(store, config, *site, "import", 0, "",
                std::to_string(summary.imported) + " imported, " + std::to_string(summary.skipped) +
                    " skipped from " + path);
    print_summary(summary, args.json);
    return 0;
}

}  // namespace latchkey
