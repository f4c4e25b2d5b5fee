-- Census campaigns (拉网式摸排) and their returns (四清), spec/domain.md §4.3. A campaign covers
-- the orgs of a region and its descendants that are in scope at its reference date; each of
-- them gets at most one return, filled by the org, its instructor or its responsible unit and
-- confirmed by the responsible unit. A confirmed return's formal party members become the org's
-- count from the reference date on (statistics.md §3; kept in coverage_spans).
CREATE TABLE census_campaigns (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    reference_date TEXT NOT NULL,
    end_date       TEXT NOT NULL,
    region_code    TEXT NOT NULL REFERENCES regions (code),
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);

CREATE TABLE census_returns (
    id                   INTEGER PRIMARY KEY,
    campaign_id          INTEGER NOT NULL REFERENCES census_campaigns (id),
    org_id               INTEGER NOT NULL REFERENCES social_orgs (id),
    operating_state      TEXT NOT NULL,
    staff_count          INTEGER,
    member_count         INTEGER,
    formal_members       INTEGER NOT NULL,
    probationary_members INTEGER NOT NULL,
    party_org_status     TEXT NOT NULL,
    note                 TEXT,
    filled_by            TEXT NOT NULL,
    filled_at            TEXT NOT NULL,
    -- NULL until the responsible unit confirms; any later change of the return clears it.
    confirmed_by         TEXT,
    confirmed_at         TEXT,
    UNIQUE (campaign_id, org_id)
);
CREATE INDEX census_returns_org ON census_returns (org_id);

-- A census_missing item belongs to the campaign whose return it waits for.
ALTER TABLE ledger_items ADD COLUMN campaign_id INTEGER REFERENCES census_campaigns (id);
