-- Authenticated submission. Each message a person sent through the submission listener
-- (for the hourly sending limit and the messages-sent-in-24-hours count), kept two days.
CREATE TABLE sent_mail (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    at          BIGINT  NOT NULL,
    recipients  INTEGER NOT NULL
);
CREATE INDEX sent_mail_account_idx ON sent_mail (account_id, at);
CREATE INDEX sent_mail_at_idx ON sent_mail (at);

-- People blocked from sending for going over their domain's hourly limit, until an admin
-- unblocks them (Statistics → Blocked senders).
CREATE TABLE blocked_senders (
    account_id    INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    blocked_at    BIGINT  NOT NULL,
    -- The limit that was reached.
    hourly_limit  INTEGER NOT NULL
);

-- Messages a person of the domain may send an hour; NULL: the default (model::submission).
ALTER TABLE domains ADD COLUMN send_limit INTEGER;
