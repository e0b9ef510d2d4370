-- Where a domain's mail goes. A hosted domain's mailboxes are here; a domain alias hands
-- user@alias to user@main; a relay domain's mail all goes to its routes; a hosted domain
-- with split domain routing (SDR) relays the local parts that have no mailbox here.

ALTER TABLE domains ADD COLUMN kind TEXT NOT NULL DEFAULT 'hosted'
    CHECK (kind IN ('hosted', 'alias', 'relay'));
-- For a domain alias: the domain its mail goes to.
ALTER TABLE domains ADD COLUMN alias_of INTEGER REFERENCES domains (id) ON DELETE CASCADE;
ALTER TABLE domains ADD COLUMN sdr_enabled BOOLEAN NOT NULL DEFAULT FALSE;
-- `host:port` of the server that receives the local parts without a mailbox here.
ALTER TABLE domains ADD COLUMN sdr_destination TEXT;
CREATE INDEX domains_alias_of_idx ON domains (alias_of);

-- A relay domain's destination servers, tried in `position` order.
CREATE TABLE domain_routes (
    id           INTEGER PRIMARY KEY,
    domain_id    INTEGER NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    destination  TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    CONSTRAINT domain_routes_destination_key UNIQUE (domain_id, destination)
);
CREATE INDEX domain_routes_domain_idx ON domain_routes (domain_id, position);
