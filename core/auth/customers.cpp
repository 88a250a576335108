#include "core/auth/customers.hpp"

#include "core/crypto/ids.hpp"

namespace latchkey {

Result<Customer> Customers::create(std::string_view site, std::int64_t account_id, Customer c,
                                   std::int64_t now) {
    c.customer_id = new_uuid_v4();
    c.created_at = c.updated_at = now;
    auto insert = store_.prepare(
        "INSERT INTO customers(customer_id, site, account_id, subject, email, email_verified, "
        "name, "
        "phone, preferred_language, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10) ON CONFLICT(account_id) DO NOTHING");
    if (!insert) return insert.error();
    insert->bind(1, c.customer_id)
        .bind(2, site)
        .bind(3, account_id)
        .bind(4, c.subject)
        .bind(5, c.email)
        .bind(6, std::int64_t{c.email_verified})
        .bind_optional(7, c.name)
        .bind_optional(8, c.phone)
        .bind(9, c.preferred_language)
        .bind(10, now);
    if (auto r = insert->run(); !r) return r.error();
    if (insert->changes() == 0) return make_error(Errc::email_taken, "profile exists");
    return c;
}

Result<Customer> Customers::find(std::string_view site, std::int64_t account_id) {
    auto stmt = store_.prepare(
        "SELECT customer_id, subject, email, email_verified, name, phone, preferred_language, "
        "created_at, updated_at FROM customers WHERE site = ?1 AND account_id = ?2");
    if (!stmt) return stmt.error();
    stmt->bind(1, site).bind(2, account_id);
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return make_error(Errc::not_found);
    Customer c;
    c.customer_id = stmt->column_text(0);
    c.subject = stmt->column_text(1);
    c.email = stmt->column_text(2);
    c.email_verified = stmt->column_int(3) != 0;
    c.name = stmt->column_optional_text(4);
    c.phone = stmt->column_optional_text(5);
    c.preferred_language = stmt->column_text(6);
    c.created_at = stmt->column_int(7);
    c.updated_at = stmt->column_int(8);
    return c;
}

Result<void> Customers::set_email(std::int64_t account_id, std::string_view email,
                                  std::int64_t now) {
    auto stmt = store_.prepare(
        "UPDATE customers SET email = ?2, email_verified = 1, updated_at = ?3 WHERE account_id = "
        "?1");
    if (!stmt) return stmt.error();
    stmt->bind(1, account_id).bind(2, email).bind(3, now);
    return stmt->run();
}

}  // namespace latchkey
