-- Accounts, domains, sessions, sign-in throttling, one-time links, login events, audit log.
-- Times are whole seconds since 1970 (UTC). Constraint names are stable: the store maps
-- them to form fields (backend::store::constraint_field).

CREATE TABLE domains (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    CONSTRAINT domains_name_key UNIQUE (name)
);

CREATE TABLE accounts (
    id                   INTEGER PRIMARY KEY,
    email                TEXT    NOT NULL,
    role                 TEXT    NOT NULL CHECK (role IN ('mailuser', 'domainadmin', 'masteradmin')),
    -- The domain a mailbox belongs to; NULL for a master admin without a mailbox here.
    domain_id            INTEGER REFERENCES domains (id) ON DELETE RESTRICT,
    password_hash        TEXT    NOT NULL,
    password_changed_at  BIGINT  NOT NULL,
    recovery_email       TEXT,
    enabled              BOOLEAN NOT NULL DEFAULT TRUE,
    created_at           BIGINT  NOT NULL,
    CONSTRAINT accounts_email_key UNIQUE (email)
);

-- Which domains a domain admin administers.
CREATE TABLE domain_admins (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    domain_id   INTEGER NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, domain_id)
);

-- Web sessions. Only the SHA-256 of the cookie's token is stored.
CREATE TABLE sessions (
    id                INTEGER PRIMARY KEY,
    token_hash        TEXT    NOT NULL,
    account_id        INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at        BIGINT  NOT NULL,
    last_seen_at      BIGINT  NOT NULL,
    -- When the person last proved their password (re-authentication window).
    authenticated_at  BIGINT  NOT NULL,
    ip                TEXT    NOT NULL,
    user_agent        TEXT    NOT NULL,
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX sessions_account_idx ON sessions (account_id);

-- Failed sign-in counters, keyed "account:<email>" or "ip:<address>" so that unknown and
-- known addresses are throttled alike.
CREATE TABLE login_throttle (
    key               TEXT    PRIMARY KEY,
    failures          INTEGER NOT NULL,
    window_started_at BIGINT  NOT NULL,
    last_failure_at   BIGINT  NOT NULL
);

-- Single-use links: first-start setup and password reset. Only the token's hash is stored.
CREATE TABLE one_time_links (
    token_hash  TEXT    PRIMARY KEY,
    purpose     TEXT    NOT NULL CHECK (purpose IN ('setup', 'password_reset')),
    account_id  INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    used_at     BIGINT
);

-- Every sign-in attempt, on every protocol.
CREATE TABLE login_events (
    id          INTEGER PRIMARY KEY,
    at          BIGINT  NOT NULL,
    account_id  INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    email       TEXT    NOT NULL,
    ip          TEXT    NOT NULL,
    protocol    TEXT    NOT NULL,
    result      TEXT    NOT NULL,
    user_agent  TEXT    NOT NULL
);
CREATE INDEX login_events_account_idx ON login_events (account_id, at);

-- Security-relevant changes and refusals, kept after the account is gone.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        BIGINT  NOT NULL,
    actor_id  INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    actor     TEXT,
    action    TEXT    NOT NULL,
    detail    TEXT    NOT NULL,
    ip        TEXT
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
