-- Messages and their bytes per domain, hour and verdict, for the Statistics screen. Kept
-- longer than the log, whose rows go after the domain's log days: a year and a month.
-- A message carries the recipients of one domain, so each counts in one domain (a domain
-- alias's mail in the domain it is an alias of); 0 holds mail with no domain of ours
-- (relaying refused), which only master admins' totals show.
-- PostgreSQL form of the SQLite migration of the same name (migrations/0019_mail_stats.sql).
-- WITHOUT ROWID is dropped (the composite primary key is all the table needs); the trigger
-- body is a plpgsql function; instr() is strpos(). domain_id has no foreign key on purpose
-- (0 is "no domain of ours"), hence the trigger.
CREATE TABLE mail_stats (
    domain_id  BIGINT  NOT NULL,
    -- The hour's first second (Unix time).
    hour       BIGINT  NOT NULL,
    verdict    TEXT    NOT NULL,
    messages   BIGINT  NOT NULL,
    bytes      BIGINT  NOT NULL,
    PRIMARY KEY (domain_id, hour, verdict)
);

CREATE FUNCTION mail_stats_domain_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM mail_stats WHERE domain_id = OLD.id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER mail_stats_domain_deleted AFTER DELETE ON domains
    FOR EACH ROW EXECUTE FUNCTION mail_stats_domain_deleted();

-- The log kept so far, counted. The recipient a message is counted by is taken in address
-- order (SQLite's LIMIT 1 reads the (log_id, address) key in that order), and PostgreSQL's
-- sum() of BIGINT is NUMERIC, hence the cast.
INSERT INTO mail_stats (domain_id, hour, verdict, messages, bytes)
SELECT COALESCE((SELECT COALESCE(d.alias_of, d.id) FROM mail_log_recipients r
                 JOIN domains d ON d.id = r.domain_id WHERE r.log_id = l.id
                 ORDER BY r.address LIMIT 1),
                (SELECT COALESCE(d.alias_of, d.id) FROM mail_log_recipients r
                 JOIN domains d ON d.name = substr(r.address, strpos(r.address, '@') + 1)
                 WHERE r.log_id = l.id ORDER BY r.address LIMIT 1), 0),
       l.at / 3600 * 3600, l.verdict, count(*), sum(l.size)::BIGINT
FROM mail_log l
GROUP BY 1, 2, 3;
