-- What learning needs of a message after its body is gone: the hashed tokens the
-- classifier reads (`mail::bayes::tokens`, at most a few hundred, 8 bytes each, never a
-- word) and the message's learning digest, so that "report as spam" and "not spam" work
-- from the mail log. Kept for a week (`learning::SAMPLE_DAYS`), not the log's days: a
-- person notices spam in their inbox within days, and a week bounds the space.
-- PostgreSQL form of the SQLite migration of the same name (migrations/0023_learning_samples.sql).
-- Spelt for PostgreSQL: INTEGER is BIGINT (the store decodes every integer as i64); BLOB
-- is BYTEA.
-- mail_log_samples.log_id is a rowid alias in SQLite, but the application always
-- supplies it (the log row it belongs to): here it is a plain BIGINT PRIMARY KEY,
-- without an identity that nothing would use.
CREATE TABLE mail_log_samples (
    log_id  BIGINT  PRIMARY KEY REFERENCES mail_log (id) ON DELETE CASCADE,
    at      BIGINT  NOT NULL,
    digest  TEXT    NOT NULL,
    tokens  BYTEA   NOT NULL
);
CREATE INDEX mail_log_samples_at_idx ON mail_log_samples (at);

-- Reports are limited per person and hour (`learning::REPORTS_PER_HOUR`).
CREATE INDEX bayes_messages_learned_by_idx ON bayes_messages (learned_by, learned_at);
