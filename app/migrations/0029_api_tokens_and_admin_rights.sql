-- API tokens, and admins whose rights are a part of their role's.
--
-- A sub-admin's rights: the areas (a bit mask of model::grant::Area) and whether they may
-- change things. An admin without a row has every area of their role. The domains of a
-- sub-admin who is a domain admin stay in domain_admins.
CREATE TABLE admin_rights (
    account_id  INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    areas       BIGINT  NOT NULL,
    may_write   BOOLEAN NOT NULL
);

-- Tokens for scripts. Only the SHA-256 of the secret is stored; `prefix` is its first
-- characters, shown so that the owner can tell tokens apart. A token reaches at most what
-- its owner reaches, and within that its areas, write or not, its domains (every domain of
-- the owner's, or those in api_token_domains), its client addresses (none listed: any).
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    secret_hash   TEXT    NOT NULL UNIQUE,
    prefix        TEXT    NOT NULL,
    areas         BIGINT  NOT NULL,
    may_write     BOOLEAN NOT NULL,
    all_domains   BOOLEAN NOT NULL,
    allowed_ips   TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    expires_at    BIGINT,
    last_used_at  BIGINT,
    last_used_ip  TEXT,
    UNIQUE (account_id, name)
);

CREATE TABLE api_token_domains (
    token_id   INTEGER NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    domain_id  INTEGER NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    PRIMARY KEY (token_id, domain_id)
);
