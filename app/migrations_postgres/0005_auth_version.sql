-- A version number per account that every change to how it may log in bumps: password,
-- enabled, the mail-app switch, passkey-only, TOTP on/off, passkeys and device passwords
-- added or removed. The mail login check's success cache holds the version it saw and is
-- void as soon as the stored one differs, whichever instance or command made the change.
-- PostgreSQL form of the SQLite migration of the same name (migrations/0005_auth_version.sql).
-- PostgreSQL triggers call a function, so each SQLite trigger body is a plpgsql function
-- here; the triggers keep their SQLite names, tables, events and columns. Like SQLite's
-- `AFTER UPDATE OF`, PostgreSQL's fires when a listed column is in the UPDATE's SET list,
-- changed or not; the bump itself sets only auth_version, so it does not fire again.

ALTER TABLE accounts ADD COLUMN auth_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION accounts_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accounts SET auth_version = auth_version + 1 WHERE id = NEW.id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER accounts_auth_changed AFTER UPDATE OF password_hash, enabled, mail_access,
    password_sign_in, role, email ON accounts
    FOR EACH ROW EXECUTE FUNCTION accounts_auth_changed();

-- The account-owned credentials (totp_factors, passkeys, device_passwords) all bump their
-- account's version the same way: NEW's account on insert and update, OLD's on delete.
CREATE FUNCTION account_credentials_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE accounts SET auth_version = auth_version + 1 WHERE id = OLD.account_id;
    ELSE
        UPDATE accounts SET auth_version = auth_version + 1 WHERE id = NEW.account_id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER totp_added AFTER INSERT ON totp_factors
    FOR EACH ROW EXECUTE FUNCTION account_credentials_changed();
CREATE TRIGGER totp_switched AFTER UPDATE OF enabled_at ON totp_factors
    FOR EACH ROW EXECUTE FUNCTION account_credentials_changed();
CREATE TRIGGER totp_removed AFTER DELETE ON totp_factors
    FOR EACH ROW EXECUTE FUNCTION account_credentials_changed();

CREATE TRIGGER passkey_added AFTER INSERT ON passkeys
    FOR EACH ROW EXECUTE FUNCTION account_credentials_changed();
CREATE TRIGGER passkey_removed AFTER DELETE ON passkeys
    FOR EACH ROW EXECUTE FUNCTION account_credentials_changed();

CREATE TRIGGER device_password_added AFTER INSERT ON device_passwords
    FOR EACH ROW EXECUTE FUNCTION account_credentials_changed();
CREATE TRIGGER device_password_removed AFTER DELETE ON device_passwords
    FOR EACH ROW EXECUTE FUNCTION account_credentials_changed();
