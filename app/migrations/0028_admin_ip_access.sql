-- The admin IP access list: the addresses admins may sign in and work from once a master
-- admin restricts admin access to it (the switch is `restrict_admin_ips` in portal_settings).
CREATE TABLE admin_ip_access (
    id          INTEGER PRIMARY KEY,
    network     TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    created_by  TEXT    NOT NULL
);
