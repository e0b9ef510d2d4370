-- A version number per account that every change to how it may log in bumps: password,
-- enabled, the mail-app switch, passkey-only, TOTP on/off, passkeys and device passwords
-- added or removed. The mail login check's success cache holds the version it saw and is
-- void as soon as the stored one differs, whichever instance or command made the change.

ALTER TABLE accounts ADD COLUMN auth_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER accounts_auth_changed AFTER UPDATE OF password_hash, enabled, mail_access,
    password_sign_in, role, email ON accounts
BEGIN
    UPDATE accounts SET auth_version = auth_version + 1 WHERE id = NEW.id;
END;

CREATE TRIGGER totp_added AFTER INSERT ON totp_factors
BEGIN
    UPDATE accounts SET auth_version = auth_version + 1 WHERE id = NEW.account_id;
END;
CREATE TRIGGER totp_switched AFTER UPDATE OF enabled_at ON totp_factors
BEGIN
    UPDATE accounts SET auth_version = auth_version + 1 WHERE id = NEW.account_id;
END;
CREATE TRIGGER totp_removed AFTER DELETE ON totp_factors
BEGIN
    UPDATE accounts SET auth_version = auth_version + 1 WHERE id = OLD.account_id;
END;

CREATE TRIGGER passkey_added AFTER INSERT ON passkeys
BEGIN
    UPDATE accounts SET auth_version = auth_version + 1 WHERE id = NEW.account_id;
END;
CREATE TRIGGER passkey_removed AFTER DELETE ON passkeys
BEGIN
    UPDATE accounts SET auth_version = auth_version + 1 WHERE id = OLD.account_id;
END;

CREATE TRIGGER device_password_added AFTER INSERT ON device_passwords
BEGIN
    UPDATE accounts SET auth_version = auth_version + 1 WHERE id = NEW.account_id;
END;
CREATE TRIGGER device_password_removed AFTER DELETE ON device_passwords
BEGIN
    UPDATE accounts SET auth_version = auth_version + 1 WHERE id = OLD.account_id;
END;
