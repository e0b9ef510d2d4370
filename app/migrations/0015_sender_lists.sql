-- Antispam sender lists: whitelist and blacklist entries of a domain, or global ones
-- (domain_id NULL) that a master admin keeps. `pattern` is the normalised sender: an
-- address, a domain (its subdomains match too) or a network (`192.0.2.0/24`). A sender is
-- on one list of an owner at most: being on both would contradict itself.
CREATE TABLE sender_list_entries (
    id           INTEGER PRIMARY KEY,
    domain_id    INTEGER REFERENCES domains (id) ON DELETE CASCADE,
    list         TEXT    NOT NULL CHECK (list IN ('whitelist', 'blacklist')),
    kind         TEXT    NOT NULL CHECK (kind IN ('address', 'domain', 'network')),
    pattern      TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    added_by     TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    -- The entry stops matching at this instant; NULL: never.
    expires_at   BIGINT,
    -- Messages the entry decided, and when last: stale entries show.
    hits         BIGINT  NOT NULL DEFAULT 0,
    last_hit_at  BIGINT
);
-- One entry per sender and owner; the global owner is spelt 0 here.
CREATE UNIQUE INDEX sender_list_owner_pattern_idx
    ON sender_list_entries (COALESCE(domain_id, 0), pattern);
-- The pipeline looks senders up by pattern (addresses and domains) and reads an owner's
-- networks whole.
CREATE INDEX sender_list_pattern_idx ON sender_list_entries (pattern);
CREATE INDEX sender_list_kind_idx ON sender_list_entries (kind, domain_id);
