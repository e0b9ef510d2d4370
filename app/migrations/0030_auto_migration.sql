-- Auto migration: a hosted domain's old IMAP server, and each user's copy from it.
--
-- The old server of a domain. `server` is `host:port` (model::route::Destination);
-- `security` is tls, starttls or plain. Users may sign up while `enabled`.
CREATE TABLE migration_sources (
    domain_id   INTEGER PRIMARY KEY REFERENCES domains (id) ON DELETE CASCADE,
    server      TEXT    NOT NULL,
    security    TEXT    NOT NULL CHECK (security IN ('tls', 'starttls', 'plain')),
    enabled     BOOLEAN NOT NULL,
    updated_at  BIGINT  NOT NULL
);

-- One user's copy. The server and security are those the password was checked against,
-- kept with the copy so that a later change of the domain's source does not send the
-- password elsewhere. `secret` is the old password sealed with the server key; it is
-- cleared when the copy ends (done or cancelled). A copy is worked on by the instance
-- holding its lease (`lease_owner` until `lease_until`); a waiting one starts at
-- `next_try_at`. `weak_password`: the password brought over breaks the rules for new
-- ones (too short, common, the address itself); the user is advised to change it.
CREATE TABLE migrations (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
    domain_id       INTEGER NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    server          TEXT    NOT NULL,
    security        TEXT    NOT NULL CHECK (security IN ('tls', 'starttls', 'plain')),
    login           TEXT    NOT NULL,
    weak_password   BOOLEAN NOT NULL DEFAULT FALSE,
    secret          BLOB,
    state           TEXT    NOT NULL
                    CHECK (state IN ('queued', 'copying', 'done', 'failed', 'cancelled')),
    folders_total   BIGINT  NOT NULL DEFAULT 0,
    folders_done    BIGINT  NOT NULL DEFAULT 0,
    messages_total  BIGINT  NOT NULL DEFAULT 0,
    messages_done   BIGINT  NOT NULL DEFAULT 0,
    bytes_done      BIGINT  NOT NULL DEFAULT 0,
    errors          BIGINT  NOT NULL DEFAULT 0,
    last_error      TEXT,
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_try_at     BIGINT  NOT NULL,
    lease_owner     TEXT,
    lease_until     BIGINT,
    created_at      BIGINT  NOT NULL,
    started_at      BIGINT,
    finished_at     BIGINT,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX migrations_domain ON migrations (domain_id);
CREATE INDEX migrations_due ON migrations (state, next_try_at);

-- A folder of a copy, by its name on the old server (IMAP's modified UTF-7). Every
-- message up to `last_uid` under `uid_validity` is copied: the copy resumes after it.
-- `target` is the Maildir++ folder ('' for INBOX).
CREATE TABLE migration_folders (
    id              INTEGER PRIMARY KEY,
    migration_id    INTEGER NOT NULL REFERENCES migrations (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    target          TEXT    NOT NULL,
    position        BIGINT  NOT NULL,
    uid_validity    BIGINT  NOT NULL DEFAULT 0,
    last_uid        BIGINT  NOT NULL DEFAULT 0,
    messages_total  BIGINT  NOT NULL DEFAULT 0,
    messages_done   BIGINT  NOT NULL DEFAULT 0,
    done            BOOLEAN NOT NULL DEFAULT FALSE,
    error           TEXT,
    UNIQUE (migration_id, name)
);
