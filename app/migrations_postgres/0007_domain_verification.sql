-- Domain ownership: a domain is unverified until the DNS TXT record
-- `mailportal-verification=<token>` is found at its name. Domains made before this
-- migration get their token when first shown.
-- PostgreSQL form of the SQLite migration of the same name (migrations/0007_domain_verification.sql).
-- Nothing here is SQLite-specific: the statements are the same.

ALTER TABLE domains ADD COLUMN verification_token TEXT;
ALTER TABLE domains ADD COLUMN verified_at BIGINT;
