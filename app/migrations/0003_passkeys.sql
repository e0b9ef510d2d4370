-- Passkeys (WebAuthn discoverable credentials), the server-side state of ceremonies under
-- way, and the switch that turns password sign-in off for an account.

-- The WebAuthn user handle: 16 random bytes, made when the first passkey is added. Not the
-- row id, so that a passkey does not reveal how many accounts there are.
ALTER TABLE accounts ADD COLUMN webauthn_handle BLOB;
-- False once the person chose passkey-only sign-in.
ALTER TABLE accounts ADD COLUMN password_sign_in BOOLEAN NOT NULL DEFAULT TRUE;
CREATE UNIQUE INDEX accounts_webauthn_handle_key ON accounts (webauthn_handle);

CREATE TABLE passkeys (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    credential_id  BLOB    NOT NULL,
    name           TEXT    NOT NULL,
    -- webauthn-rs's Passkey as JSON: public key and signature counter (nothing secret).
    passkey        TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    last_used_at   BIGINT,
    -- A credential belongs to one account only, across the whole portal.
    CONSTRAINT passkeys_credential_id_key UNIQUE (credential_id)
);
CREATE INDEX passkeys_account_idx ON passkeys (account_id);

-- A ceremony the browser is running: its state never leaves the server, is used once
-- (deleted when read) and expires. Only the hash of the ceremony's id is stored.
CREATE TABLE webauthn_ceremonies (
    id_hash     TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('register', 'sign_in', 'confirm')),
    -- The account registering or confirming; NULL for a passwordless sign-in.
    account_id  INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    -- The name chosen for a passkey being registered.
    name        TEXT,
    state       TEXT    NOT NULL,
    expires_at  BIGINT  NOT NULL
);
