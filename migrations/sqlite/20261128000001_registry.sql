-- The registry (spec/domain.md §3–4). Portable schema shared with migrations/postgres:
-- dates are ISO 'YYYY-MM-DD' TEXT (they compare correctly as strings and decode through sqlx's
-- Any driver, which has no date type), timestamps are RFC 3339 UTC TEXT, flags are 0/1 INTEGER.
-- Only the identity columns differ between the two backends.

CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    -- NULL for the root (the city); the tree is walked in Rust, it is small.
    parent_code TEXT REFERENCES regions (code),
    sort_order  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE units (
    id                     INTEGER PRIMARY KEY,
    name                   TEXT NOT NULL UNIQUE,
    kind                   TEXT NOT NULL,
    region_code            TEXT NOT NULL REFERENCES regions (code),
    carries_party_building INTEGER NOT NULL
);

CREATE TABLE social_orgs (
    id                     INTEGER PRIMARY KEY,
    credit_code            TEXT NOT NULL UNIQUE,
    name                   TEXT NOT NULL,
    kind                   TEXT NOT NULL,
    region_code            TEXT NOT NULL REFERENCES regions (code),
    -- NULL = registered directly (直接登记). The responsible unit is derived from this and the
    -- region (view org_responsible_units), never stored.
    supervising_unit_id    INTEGER REFERENCES units (id),
    registered_on          TEXT NOT NULL,
    status                 TEXT NOT NULL,
    terminated_on          TEXT,
    address                TEXT,
    legal_representative   TEXT,
    staff_count            INTEGER,
    member_count           INTEGER,
    formal_members         INTEGER NOT NULL,
    probationary_members   INTEGER,
    charter_party_building INTEGER,
    charter_core_values    INTEGER,
    counts_on              TEXT,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
);
CREATE INDEX social_orgs_region ON social_orgs (region_code);
CREATE INDEX social_orgs_registered ON social_orgs (registered_on);

CREATE TABLE party_orgs (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    kind                TEXT NOT NULL,
    formation           TEXT NOT NULL,
    -- The parent is another party org or a unit, by name as the workbook gives it; kept as text
    -- because it may name either and may be imported before its parent.
    parent_name         TEXT,
    founded_on          TEXT NOT NULL,
    dissolved_on        TEXT,
    member_count        INTEGER,
    secretary           TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

-- A party org covers a social org over [valid_from, valid_to). A link removed by a later import
-- is closed (valid_to set), not deleted, so that past figures stay reproducible.
CREATE TABLE coverage_links (
    id           INTEGER PRIMARY KEY,
    party_org_id INTEGER NOT NULL REFERENCES party_orgs (id),
    org_id       INTEGER NOT NULL REFERENCES social_orgs (id),
    valid_from   TEXT NOT NULL,
    valid_to     TEXT,
    UNIQUE (party_org_id, org_id, valid_from)
);
CREATE INDEX coverage_links_org ON coverage_links (org_id);

CREATE TABLE instructors (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    citizen_id   TEXT UNIQUE,
    phone        TEXT,
    home_unit_id INTEGER NOT NULL REFERENCES units (id),
    role         TEXT NOT NULL
);

CREATE TABLE stations (
    id            INTEGER PRIMARY KEY,
    instructor_id INTEGER NOT NULL REFERENCES instructors (id),
    org_id        INTEGER NOT NULL REFERENCES social_orgs (id),
    valid_from    TEXT NOT NULL,
    valid_to      TEXT,
    UNIQUE (instructor_id, org_id, valid_from)
);
CREATE INDEX stations_org ON stations (org_id);

CREATE TABLE persons (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    citizen_id      TEXT UNIQUE,
    is_party_member INTEGER
);

-- Exactly one of org_id / party_org_id is set.
CREATE TABLE positions (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons (id),
    org_id       INTEGER REFERENCES social_orgs (id),
    party_org_id INTEGER REFERENCES party_orgs (id),
    title        TEXT NOT NULL,
    valid_from   TEXT NOT NULL,
    valid_to     TEXT,
    CHECK ((org_id IS NULL) <> (party_org_id IS NULL))
);
CREATE INDEX positions_person ON positions (person_id);
CREATE INDEX positions_org ON positions (org_id);
CREATE INDEX positions_party_org ON positions (party_org_id);

-- The versioned rule table (spec/rules.md): one row per rule and version; the version in force
-- at a date is the one with the latest effective_from on or before it.
CREATE TABLE rules (
    id             INTEGER PRIMARY KEY,
    key            TEXT NOT NULL,
    value          TEXT NOT NULL,
    source         TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    note           TEXT,
    UNIQUE (key, effective_from)
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Every change to the registry, for an org's timeline and for audit: who, when, what, before and
-- after (JSON text, personal data masked).
CREATE TABLE change_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    action     TEXT NOT NULL,
    before     TEXT,
    after      TEXT
);
CREATE INDEX change_log_entity ON change_log (entity, entity_key);

-- The responsible unit (spec/domain.md §3): the supervising unit when it carries party building,
-- else the committee of the org's region (the city committee for the root region). Orgs for which
-- neither exists get NULL: a data-quality error.
CREATE VIEW region_committees AS
SELECT r.code AS region_code,
       (SELECT MIN(u.id) FROM units u
         WHERE u.region_code = r.code
           AND u.kind = CASE WHEN r.parent_code IS NULL THEN 'city_committee' ELSE 'county_committee' END
       ) AS unit_id
FROM regions r;

CREATE VIEW org_responsible_units AS
SELECT o.id AS org_id,
       CASE WHEN su.carries_party_building = 1 THEN su.id ELSE rc.unit_id END AS unit_id
FROM social_orgs o
LEFT JOIN units su ON su.id = o.supervising_unit_id
LEFT JOIN region_committees rc ON rc.region_code = o.region_code;
