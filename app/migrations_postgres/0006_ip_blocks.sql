-- Client IPs blocked for a while after a burst of refused logins. A row outlives its block
-- (`until` in the past) so that admins can see what happened; a new burst renews it.
-- PostgreSQL form of the SQLite migration of the same name (migrations/0006_ip_blocks.sql).
-- Nothing here is SQLite-specific: the statements are the same.

CREATE TABLE ip_blocks (
    ip          TEXT    PRIMARY KEY,
    blocked_at  BIGINT  NOT NULL,
    until       BIGINT  NOT NULL,
    -- Refused attempts in the burst that caused the block.
    attempts    BIGINT  NOT NULL,
    reason      TEXT    NOT NULL
);
CREATE INDEX ip_blocks_until_idx ON ip_blocks (until);
