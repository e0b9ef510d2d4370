-- The domain an audit entry concerns, so that a domain admin can read the history of their
-- own domains. No foreign key: the history of a deleted domain stays for master admins.
-- PostgreSQL form of the SQLite migration of the same name (migrations/0012_audit_domains.sql).
-- Spelt for PostgreSQL: INTEGER is BIGINT (the store decodes every integer as i64).
ALTER TABLE audit_log ADD COLUMN domain_id BIGINT;
CREATE INDEX audit_log_domain ON audit_log (domain_id, id);
