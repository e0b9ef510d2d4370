-- Second factors: TOTP, recovery codes, the half-finished sign-in between password and
-- code, and portal-wide settings (the admin 2FA requirement).

-- One TOTP factor per account. While `enabled_at` is NULL the secret is only offered (the
-- person has not yet proved their app has it). The secret is sealed with the server key
-- (ChaCha20-Poly1305, see backend::keys) and never stored in clear.
CREATE TABLE totp_factors (
    account_id     INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    secret_sealed  BLOB    NOT NULL,
    created_at     BIGINT  NOT NULL,
    enabled_at     BIGINT,
    -- The last accepted time step: a code is good once (conditional UPDATE).
    last_step      BIGINT,
    -- Wrong codes in a row; at 100 the codes are locked until a recovery code or an admin
    -- unlocks them.
    failures       INTEGER NOT NULL DEFAULT 0,
    locked_at      BIGINT
);

-- Single-use recovery codes, argon2id-hashed. Regenerating deletes the old set.
CREATE TABLE recovery_codes (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash   TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    used_at     BIGINT
);
CREATE INDEX recovery_codes_account_idx ON recovery_codes (account_id);

-- A password that was right, waiting for the second factor. No session exists yet; the
-- browser holds the ticket in a short-lived cookie, only its hash is here.
CREATE TABLE pending_sign_ins (
    token_hash  TEXT    PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);

-- Portal-wide switches a master admin sets in the portal.
CREATE TABLE portal_settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
