-- A domain's local recipients: when a domain has any, mail it relays (a relay domain's, or
-- SDR's for addresses without a mailbox here) is taken only for these addresses; others
-- get 550 at RCPT instead of a bounce from the next server later.
CREATE TABLE local_recipients (
    id          INTEGER PRIMARY KEY,
    domain_id   INTEGER NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    address     TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    CONSTRAINT local_recipients_address_key UNIQUE (domain_id, address)
);

-- Recipient callouts: before taking relayed mail (a relay domain's, or SDR's) the
-- destination is asked with RCPT whether it knows the recipient; the answer is kept a while
-- (see backend::mail::callout) so that a burst of mail asks once.
ALTER TABLE domains ADD COLUMN recipient_callouts BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE callout_cache (
    domain_id   INTEGER NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    address     TEXT    NOT NULL,
    known       BOOLEAN NOT NULL,
    -- The destination's reply, for the log and the refusal.
    reply       TEXT    NOT NULL,
    checked_at  BIGINT  NOT NULL,
    PRIMARY KEY (domain_id, address)
);
