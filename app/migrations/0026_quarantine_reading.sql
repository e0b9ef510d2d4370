-- The digests read each person's kept mail of the last day or week: by time, and by the
-- recipient's address (a mail user's digest and Quarantine screen), without a table scan.
CREATE INDEX quarantine_at_idx ON quarantine (at);
CREATE INDEX quarantine_recipients_address_idx ON quarantine_recipients (address, quarantine_id);
