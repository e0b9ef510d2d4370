-- The spam score each scored message got (NULL: not scored — whitelisted, blacklisted,
-- refused before scoring), so that the thresholds screen can show how the last days' mail
-- would have gone with other values.
ALTER TABLE mail_log ADD COLUMN score REAL;
