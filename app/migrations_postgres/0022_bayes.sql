-- Spam and not-spam learning. Per token (a 64-bit hash of a word or a feature such as a
-- link's host, never the word itself, so the store keeps nothing readable of anyone's
-- mail): how many learned spam and ham messages held it.
-- PostgreSQL form of the SQLite migration of the same name (migrations/0022_bayes.sql).
-- Spelt for PostgreSQL: INTEGER is BIGINT (the store decodes every integer as i64).
-- bayes_tokens.token is a rowid alias in SQLite, but the application always supplies it
-- (the token's 64-bit hash, stored signed): here it is a plain BIGINT PRIMARY KEY,
-- without an identity that nothing would use.
CREATE TABLE bayes_tokens (
    token  BIGINT  PRIMARY KEY,
    spam   BIGINT  NOT NULL DEFAULT 0 CHECK (spam >= 0),
    ham    BIGINT  NOT NULL DEFAULT 0 CHECK (ham >= 0)
);

-- Each learned message once, by the SHA-256 of its body: learning it again as the other
-- class moves its counts instead of adding them twice.
CREATE TABLE bayes_messages (
    digest      TEXT    PRIMARY KEY,
    class       TEXT    NOT NULL CHECK (class IN ('spam', 'ham')),
    learned_by  TEXT    NOT NULL,
    learned_at  BIGINT  NOT NULL
);
