-- Local mailboxes may be delivered over LMTP to a mail store (`delivery.lmtp`): such copies
-- wait in the queue like any other, as via 'lmtp'. SQLite cannot change a CHECK
-- constraint, so the table is rebuilt with the same rows.
CREATE TABLE mail_queue_next (
    id               INTEGER PRIMARY KEY,
    queue_id         TEXT    NOT NULL,
    sender           TEXT    NOT NULL,
    recipient        TEXT    NOT NULL,
    -- The domain whose routes, SDR destination or retry days apply; NULL for a forward or
    -- bounce.
    domain_id        INTEGER REFERENCES domains (id) ON DELETE SET NULL,
    -- routes | sdr | mx | lmtp (a mailbox here, handed to the configured LMTP server)
    via              TEXT    NOT NULL CHECK (via IN ('routes', 'sdr', 'mx', 'lmtp')),
    -- The SDR destination as it was when the message was accepted.
    destination      TEXT,
    created_at       BIGINT  NOT NULL,
    -- Bounced when still undelivered then (the domain's days to retry delivery).
    expires_at       BIGINT  NOT NULL,
    next_attempt_at  BIGINT  NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    -- A delivery under way holds the row until then (a crashed one lets it go).
    claimed_until    BIGINT  NOT NULL DEFAULT 0
);
INSERT INTO mail_queue_next SELECT id, queue_id, sender, recipient, domain_id, via, destination,
    created_at, expires_at, next_attempt_at, attempts, last_error, claimed_until FROM mail_queue;
DROP TABLE mail_queue;
ALTER TABLE mail_queue_next RENAME TO mail_queue;
CREATE INDEX mail_queue_due_idx ON mail_queue (next_attempt_at);
CREATE INDEX mail_queue_queue_id_idx ON mail_queue (queue_id);
