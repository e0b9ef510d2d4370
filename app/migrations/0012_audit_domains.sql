-- The domain an audit entry concerns, so that a domain admin can read the history of their
-- own domains. No foreign key: the history of a deleted domain stays for master admins.
ALTER TABLE audit_log ADD COLUMN domain_id INTEGER;
CREATE INDEX audit_log_domain ON audit_log (domain_id, id);
