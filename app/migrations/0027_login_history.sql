-- Login history: what each login proved itself with and the country its IP is in
-- (ISO 3166-1 alpha-2; empty when unknown). Rows from before say neither.
ALTER TABLE login_events ADD COLUMN credential TEXT NOT NULL DEFAULT '';
ALTER TABLE login_events ADD COLUMN country TEXT NOT NULL DEFAULT '';

-- Security incidents read every account's successful logins of the last day.
CREATE INDEX login_events_success_idx ON login_events (at) WHERE result = 'success';

-- The countries each account has signed in from, with the first time: a login from a
-- country not in here is news to its owner.
CREATE TABLE login_countries (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    country     TEXT    NOT NULL,
    first_at    BIGINT  NOT NULL,
    PRIMARY KEY (account_id, country)
) WITHOUT ROWID;

-- IP ranges an admin marked safe for one user: logins from them raise no incident.
CREATE TABLE trusted_login_ips (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    network     TEXT    NOT NULL,
    description TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    created_by  TEXT    NOT NULL,
    UNIQUE (account_id, network)
);

-- When each admin last opened the incident list: incidents with a login after it are new.
CREATE TABLE incident_views (
    account_id  INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    seen_at     BIGINT  NOT NULL
);

-- A person's Security page lists their own security changes from the audit log.
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id);
