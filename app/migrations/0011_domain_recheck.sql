-- Verified domains and domain aliases are looked up again every day. When the TXT record is
-- gone, this holds since when (and the admins were told once); nothing is suspended.
ALTER TABLE domains ADD COLUMN record_missing_since BIGINT;
