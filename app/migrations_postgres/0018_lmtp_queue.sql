-- Local mailboxes may be delivered over LMTP to a mail store (`delivery.lmtp`): such copies
-- wait in the queue like any other, as via 'lmtp'. SQLite cannot change a CHECK
-- constraint, so the table is rebuilt with the same rows.
-- PostgreSQL form of the SQLite migration of the same name (migrations/0018_lmtp_queue.sql).
-- PostgreSQL can change a CHECK constraint in place, so instead of the rebuild the
-- constraint on `via` (named by PostgreSQL after table and column in 0013) is replaced.
-- Rows, ids, the identity, the foreign key and the indexes mail_queue_due_idx and
-- mail_queue_queue_id_idx stay as they are: the resulting table is the rebuilt one.
-- via: routes | sdr | mx | lmtp (a mailbox here, handed to the configured LMTP server)
ALTER TABLE mail_queue DROP CONSTRAINT mail_queue_via_check;
ALTER TABLE mail_queue ADD CONSTRAINT mail_queue_via_check
    CHECK (via IN ('routes', 'sdr', 'mx', 'lmtp'));
