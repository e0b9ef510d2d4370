-- Sender addresses (an address that chosen mailboxes may send as) and per-domain settings.

CREATE TABLE sender_addresses (
    id          INTEGER PRIMARY KEY,
    domain_id   INTEGER NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    address     TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    CONSTRAINT sender_addresses_address_key UNIQUE (address)
);
CREATE INDEX sender_addresses_domain_idx ON sender_addresses (domain_id, address);

CREATE TABLE sender_address_users (
    sender_id   INTEGER NOT NULL REFERENCES sender_addresses (id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (sender_id, account_id)
);
CREATE INDEX sender_address_users_account_idx ON sender_address_users (account_id);

-- A domain's settings; NULL means the default (model::domain_settings::DEFAULTS).
ALTER TABLE domains ADD COLUMN contact_email TEXT;
ALTER TABLE domains ADD COLUMN notify_from TEXT;
ALTER TABLE domains ADD COLUMN timezone TEXT;
ALTER TABLE domains ADD COLUMN log_days INTEGER;
ALTER TABLE domains ADD COLUMN retry_days INTEGER;
ALTER TABLE domains ADD COLUMN rejected_local_chars TEXT;
