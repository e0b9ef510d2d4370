-- Quarantine digests: a periodic message to each person listing their newly quarantined
-- mail, with one-time release and delete links (backend::digests).
-- PostgreSQL form of the SQLite migration of the same name (migrations/0025_quarantine_digests.sql).
-- Spelt for PostgreSQL: INTEGER is BIGINT (the store decodes every integer as i64).

-- How often the domain's people get a digest: 'off', 'daily' or 'weekly'.
ALTER TABLE filter_settings ADD COLUMN digest TEXT NOT NULL DEFAULT 'daily';

-- A person who wants no digest (My account).
ALTER TABLE accounts ADD COLUMN digest_opt_out BOOLEAN NOT NULL DEFAULT FALSE;

-- When each person last got the digest of a domain (a domain admin gets one per domain):
-- the next lists what was kept after it.
CREATE TABLE quarantine_digests (
    account_id  BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    domain_id   BIGINT  NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    sent_at     BIGINT  NOT NULL,
    PRIMARY KEY (account_id, domain_id)
);

-- The digest links used, by their nonce, so that each works once; kept until the link
-- would have expired anyway.
CREATE TABLE digest_links_used (
    nonce       TEXT    PRIMARY KEY,
    used_at     BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);
CREATE INDEX digest_links_used_expires_idx ON digest_links_used (expires_at);
