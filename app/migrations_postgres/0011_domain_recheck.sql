-- Verified domains and domain aliases are looked up again every day. When the TXT record is
-- gone, this holds since when (and the admins were told once); nothing is suspended.
-- PostgreSQL form of the SQLite migration of the same name (migrations/0011_domain_recheck.sql).
-- Nothing here is SQLite-specific: the statements are the same.
ALTER TABLE domains ADD COLUMN record_missing_since BIGINT;
