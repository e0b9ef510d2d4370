-- The mail access gate: device passwords for mail apps, and the switch that closes
-- IMAP/POP3/SMTP (non-webmail access) for a mailbox.

-- False: IMAP, POP3 and SMTP logins are refused except from the configured webmail hosts.
ALTER TABLE accounts ADD COLUMN mail_access BOOLEAN NOT NULL DEFAULT TRUE;

-- Generated passwords for mail apps. Only an HMAC-SHA-256 under the server key is stored:
-- the secrets are random (140 bits), so a keyed fast hash is safe and a check costs
-- microseconds.
CREATE TABLE device_passwords (
    id                  INTEGER PRIMARY KEY,
    account_id          INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name                TEXT    NOT NULL,
    secret_mac          TEXT    NOT NULL,
    -- Space-separated protocols it may log in with: imap pop3 smtp.
    protocols           TEXT    NOT NULL,
    expires_at          BIGINT,
    created_at          BIGINT  NOT NULL,
    last_used_at        BIGINT,
    last_used_ip        TEXT,
    last_used_protocol  TEXT,
    CONSTRAINT device_passwords_secret_mac_key UNIQUE (secret_mac)
);
CREATE INDEX device_passwords_account_idx ON device_passwords (account_id);

-- Which credential a login used, or why it was refused ("device password", "wrong password", …).
ALTER TABLE login_events ADD COLUMN detail TEXT NOT NULL DEFAULT '';
