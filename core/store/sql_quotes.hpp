#pragma once
// Where core's SQL text is quoted: the backends rewrite it (PostgreSQL's `$1`, SQLite's dropped
// row-locking clauses) only outside quoted strings ('...') and identifiers ("...").

namespace latchkey {

class SqlQuotes {
  public:
    // Feeds the text's next character: true when it is outside quotes. A doubled quote inside
    // ('it''s') closes and reopens: still inside. One kind of quote inside the other ("it's",
    // 'say "hi"') is a plain character. A quote character itself is never outside.
    bool outside(char c) {
        if (c == '\'' || c == '"') {
            if (open_ == 0) {
                open_ = c;
            } else if (open_ == c) {
                open_ = 0;
            }
            return false;
        }
        return open_ == 0;
    }

  private:
    char open_ = 0;  // the quote being read, or 0
};

}  // namespace latchkey
