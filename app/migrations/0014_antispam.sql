-- Antispam thresholds: a domain's own (all three NULL: the global ones), and the global
-- ones a master admin sets (one row).
ALTER TABLE domains ADD COLUMN spam_defer REAL;
ALTER TABLE domains ADD COLUMN spam_tag REAL;
ALTER TABLE domains ADD COLUMN spam_reject REAL;

CREATE TABLE antispam_global (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    spam_defer   REAL NOT NULL,
    spam_tag     REAL NOT NULL,
    spam_reject  REAL NOT NULL
);
INSERT INTO antispam_global (id, spam_defer, spam_tag, spam_reject) VALUES (1, 4, 6, 15);

-- Greylisting: a (client network, sender, recipient) triplet first deferred at
-- `first_seen`, let through once it came back after the delay (`passed_at`).
CREATE TABLE greylist (
    client_net  TEXT    NOT NULL,
    sender      TEXT    NOT NULL,
    recipient   TEXT    NOT NULL,
    first_seen  BIGINT  NOT NULL,
    passed_at   BIGINT,
    last_seen   BIGINT  NOT NULL,
    PRIMARY KEY (client_net, sender, recipient)
);
CREATE INDEX greylist_last_seen_idx ON greylist (last_seen);
