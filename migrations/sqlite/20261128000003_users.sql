-- Users, sessions, API tokens, sign-in attempts and the audit log (issue 3).
-- A user has one role and its scope: a region (county admin, viewer), a unit (department,
-- viewer), an instructor (instructor) or an org (org user, viewer); none = the whole city.
CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE,
    role                 TEXT NOT NULL,
    scope_region         TEXT REFERENCES regions (code),
    scope_unit_id        INTEGER REFERENCES units (id),
    scope_instructor_id  INTEGER REFERENCES instructors (id),
    scope_org_id         INTEGER REFERENCES social_orgs (id),
    -- argon2id PHC string.
    password_hash        TEXT NOT NULL,
    must_change_password INTEGER NOT NULL,
    disabled             INTEGER NOT NULL DEFAULT 0,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);

-- The cookie carries a random token; only its SHA-256 is stored, so a copy of the database
-- cannot be used to sign in.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    created_at   TEXT NOT NULL,
    revoked      INTEGER NOT NULL DEFAULT 0
);

-- Failed sign-ins, for throttling per account and per client address.
CREATE TABLE login_failures (
    id       INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    client   TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX login_failures_username ON login_failures (username, at);
CREATE INDEX login_failures_client ON login_failures (client, at);

-- Sign-ins, failed sign-ins, user administration and every view of unmasked personal data.
-- Registry changes (before → after) are in change_log.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    username   TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    detail     TEXT NOT NULL,
    client     TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);

-- Security settings (issue 3), editable by city admins: sign-in throttling and session expiry.
INSERT INTO settings (key, value) VALUES
    ('security.max_failed_logins', '5'),
    ('security.lockout_minutes', '15'),
    ('security.session_idle_minutes', '30'),
    ('security.session_absolute_hours', '12'),
    ('security.cookie_secure', '0');
