-- The incoming mail log: one row per message the SMTP listener took or refused after
-- DATA, and one per transaction whose every recipient was refused, with each stage's
-- evidence (JSON: [{"stage": …, "detail": …}]). Kept the domain's log days.
CREATE TABLE mail_log (
    id          INTEGER PRIMARY KEY,
    at          BIGINT  NOT NULL,
    queue_id    TEXT    NOT NULL,
    client_ip   TEXT    NOT NULL,
    helo        TEXT    NOT NULL,
    -- The envelope sender; empty for the null sender of bounces.
    sender      TEXT    NOT NULL,
    -- The MIME From and Subject, as far as they could be read.
    from_header TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    size        BIGINT  NOT NULL,
    -- delivered, queued, tagged, greylisted, quarantined, rejected, …
    verdict     TEXT    NOT NULL,
    -- The SMTP reply the client got.
    reply       TEXT    NOT NULL,
    evidence    TEXT    NOT NULL
);
CREATE INDEX mail_log_at_idx ON mail_log (at);

-- Each recipient of a logged message and the domain it belongs to (for the domain
-- admins' view); `accepted` is false for one refused at RCPT.
CREATE TABLE mail_log_recipients (
    log_id     INTEGER NOT NULL REFERENCES mail_log (id) ON DELETE CASCADE,
    address    TEXT    NOT NULL,
    domain_id  INTEGER REFERENCES domains (id) ON DELETE SET NULL,
    accepted   BOOLEAN NOT NULL,
    PRIMARY KEY (log_id, address)
);
CREATE INDEX mail_log_recipients_domain_idx ON mail_log_recipients (domain_id, log_id);

-- Mail accepted for another server (relay domains, SDR, forwards) and bounces, one row per
-- recipient, until delivered or bounced. The message itself is the spool file
-- `<data>/spool/<queue_id>`, written and flushed before the 250; it goes when no row
-- names it any more.
CREATE TABLE mail_queue (
    id               INTEGER PRIMARY KEY,
    queue_id         TEXT    NOT NULL,
    sender           TEXT    NOT NULL,
    recipient        TEXT    NOT NULL,
    -- The domain whose routes or SDR destination carry it; NULL for a forward or bounce.
    domain_id        INTEGER REFERENCES domains (id) ON DELETE SET NULL,
    -- routes | sdr | mx
    via              TEXT    NOT NULL CHECK (via IN ('routes', 'sdr', 'mx')),
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
CREATE INDEX mail_queue_due_idx ON mail_queue (next_attempt_at);
CREATE INDEX mail_queue_queue_id_idx ON mail_queue (queue_id);
