-- A domain's filter settings (model::filter_settings); no row: the defaults.
CREATE TABLE filter_settings (
    domain_id           INTEGER PRIMARY KEY REFERENCES domains (id) ON DELETE CASCADE,
    quarantine          BOOLEAN NOT NULL,
    quarantine_days     INTEGER NOT NULL,
    -- refuse (5xx) or accept (2xx) when a message goes to quarantine
    quarantine_reply    TEXT    NOT NULL,
    skip_spf            BOOLEAN NOT NULL,
    -- IP addresses and ranges separated by spaces
    spf_exempt          TEXT    NOT NULL,
    skip_line_length    BOOLEAN NOT NULL,
    subject_tag         TEXT    NOT NULL,
    -- bytes; 0: the server's own limit
    size_limit          BIGINT  NOT NULL,
    -- refuse or quarantine
    oversize            TEXT    NOT NULL,
    -- lower-case extensions separated by spaces
    blocked_extensions  TEXT    NOT NULL
);

-- Messages kept instead of delivered: spam at the reject level and oversize mail, per the
-- filter settings. The message is the file `<data>/quarantine/<queue_id>`, written and
-- flushed before the reply; the row goes after the domain's quarantine days.
CREATE TABLE quarantine (
    id           INTEGER PRIMARY KEY,
    queue_id     TEXT    NOT NULL UNIQUE,
    domain_id    INTEGER REFERENCES domains (id) ON DELETE CASCADE,
    at           BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    sender       TEXT    NOT NULL,
    from_header  TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    -- NULL when the message was kept before it was scored (oversize)
    score        REAL,
    reason       TEXT    NOT NULL,
    size         BIGINT  NOT NULL
);
CREATE INDEX quarantine_domain_idx ON quarantine (domain_id, at);
CREATE INDEX quarantine_expires_idx ON quarantine (expires_at);

CREATE TABLE quarantine_recipients (
    quarantine_id  INTEGER NOT NULL REFERENCES quarantine (id) ON DELETE CASCADE,
    address        TEXT    NOT NULL,
    PRIMARY KEY (quarantine_id, address)
);
