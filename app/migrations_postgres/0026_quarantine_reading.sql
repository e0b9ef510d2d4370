-- The digests read each person's kept mail of the last day or week: by time, and by the
-- recipient's address (a mail user's digest and Quarantine screen), without a table scan.
-- PostgreSQL form of the SQLite migration of the same name (migrations/0026_quarantine_reading.sql).
-- Nothing here is SQLite-specific: the statements are the same.
CREATE INDEX quarantine_at_idx ON quarantine (at);
CREATE INDEX quarantine_recipients_address_idx ON quarantine_recipients (address, quarantine_id);
