-- Mailboxes as domain admins manage them (display name, quota), and aliases / forwards.

ALTER TABLE accounts ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
-- The most a mailbox may hold, in bytes; 0 is no limit. `used_bytes` is kept by delivery.
ALTER TABLE accounts ADD COLUMN quota_bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN used_bytes BIGINT NOT NULL DEFAULT 0;
CREATE INDEX accounts_domain_idx ON accounts (domain_id, email);

-- An address that hands its mail to one or more recipients, local or remote (a forward).
-- `address` is a full address, or `@domain` for the domain's catch-all, which receives
-- mail for every local part that is neither a mailbox nor an alias.
CREATE TABLE aliases (
    id          INTEGER PRIMARY KEY,
    domain_id   INTEGER NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    address     TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    CONSTRAINT aliases_address_key UNIQUE (address)
);
CREATE INDEX aliases_domain_idx ON aliases (domain_id, address);

CREATE TABLE alias_targets (
    alias_id  INTEGER NOT NULL REFERENCES aliases (id) ON DELETE CASCADE,
    target    TEXT    NOT NULL,
    PRIMARY KEY (alias_id, target)
);
CREATE INDEX alias_targets_target_idx ON alias_targets (target);
