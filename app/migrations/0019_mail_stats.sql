-- Messages and their bytes per domain, hour and verdict, for the Statistics screen. Kept
-- longer than the log, whose rows go after the domain's log days: a year and a month.
-- A message carries the recipients of one domain, so each counts in one domain (a domain
-- alias's mail in the domain it is an alias of); 0 holds mail with no domain of ours
-- (relaying refused), which only master admins' totals show.
CREATE TABLE mail_stats (
    domain_id  INTEGER NOT NULL,
    -- The hour's first second (Unix time).
    hour       BIGINT  NOT NULL,
    verdict    TEXT    NOT NULL,
    messages   INTEGER NOT NULL,
    bytes      BIGINT  NOT NULL,
    PRIMARY KEY (domain_id, hour, verdict)
) WITHOUT ROWID;

CREATE TRIGGER mail_stats_domain_deleted AFTER DELETE ON domains BEGIN
    DELETE FROM mail_stats WHERE domain_id = OLD.id;
END;

-- The log kept so far, counted.
INSERT INTO mail_stats (domain_id, hour, verdict, messages, bytes)
SELECT coalesce((SELECT coalesce(d.alias_of, d.id) FROM mail_log_recipients r
                 JOIN domains d ON d.id = r.domain_id WHERE r.log_id = l.id LIMIT 1),
                (SELECT coalesce(d.alias_of, d.id) FROM mail_log_recipients r
                 JOIN domains d ON d.name = substr(r.address, instr(r.address, '@') + 1)
                 WHERE r.log_id = l.id LIMIT 1), 0),
       l.at / 3600 * 3600, l.verdict, count(*), sum(l.size)
FROM mail_log l
GROUP BY 1, 2, 3;
