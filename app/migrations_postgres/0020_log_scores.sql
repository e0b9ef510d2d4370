-- The spam score each scored message got (NULL: not scored — whitelisted, blacklisted,
-- refused before scoring), so that the thresholds screen can show how the last days' mail
-- would have gone with other values.
-- PostgreSQL form of the SQLite migration of the same name (migrations/0020_log_scores.sql).
-- Spelt for PostgreSQL: REAL is DOUBLE PRECISION (decoded as f64).
ALTER TABLE mail_log ADD COLUMN score DOUBLE PRECISION;
