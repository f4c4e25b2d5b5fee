-- The history of an org's registration attributes (spec/domain.md §4.2): social_orgs holds the
-- current values; each row here holds values that were in force before valid_to, back to the
-- previous row's valid_to (or the beginning). A write that changes an org's region, kind,
-- status or supervising unit records the old values with valid_to = the date of the write.
CREATE TABLE org_history (
    id                  INTEGER PRIMARY KEY,
    org_id              INTEGER NOT NULL REFERENCES social_orgs (id),
    valid_to            TEXT NOT NULL,
    region_code         TEXT NOT NULL,
    kind                TEXT NOT NULL,
    status              TEXT NOT NULL,
    supervising_unit_id INTEGER REFERENCES units (id),
    recorded_by         TEXT NOT NULL,
    recorded_at         TEXT NOT NULL
);
CREATE INDEX org_history_org ON org_history (org_id, valid_to);

-- The spans carry the supervising unit in force too, so that the responsible unit of an org as
-- of a date follows its history (derived in the query, as the view org_responsible_units does).
ALTER TABLE coverage_spans ADD COLUMN supervising_unit_id INTEGER;
