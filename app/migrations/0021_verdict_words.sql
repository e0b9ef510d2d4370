-- Verdicts people can read: the pipeline writes each message's verdict in plain words with
-- its log row, and whether the sender failed SPF, so that allowing that sender asks first.
ALTER TABLE mail_log ADD COLUMN summary TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_log ADD COLUMN spf_failed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE quarantine ADD COLUMN spf_failed BOOLEAN NOT NULL DEFAULT FALSE;

-- A person's own whitelist and blacklist: senders they allowed or blocked for themselves
-- (from the quarantine or the log). For mail to that person they override the domain's
-- and the global lists. Kept apart from `sender_list_entries` so that no query of the
-- domain's lists can ever read a personal entry as a global one.
CREATE TABLE personal_sender_entries (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    list        TEXT    NOT NULL CHECK (list IN ('whitelist', 'blacklist')),
    kind        TEXT    NOT NULL CHECK (kind IN ('address', 'domain')),
    pattern     TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    CONSTRAINT personal_sender_entries_key UNIQUE (account_id, pattern)
);
CREATE INDEX personal_sender_pattern_idx ON personal_sender_entries (pattern);
