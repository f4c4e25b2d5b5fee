-- Each org's coverage state over time (src/domain/spans.rs): spans that partition time, each
-- with the state in force over [valid_from, valid_to). Derived data: recomputed from the
-- registration dates, coverage links, party orgs and stations whenever a write changes them
-- (src/db/spans.rs), and rebuilt whole when the setting coverage_spans.version is missing or
-- older than the code's. The org's credit code (never changes: a page of a county's orgs sorts
-- by it before reading any org row), region, kind and status are copied in, and its formal party
-- members in force over the span (the imported count, or a confirmed census return's from its
-- reference date on: statistics.md §3), so that counting as of a date reads this table alone.
-- valid_from '0000-01-01' is the beginning of time and valid_to '9999-12-31' the open future (not
-- NULL: "D < valid_to" is then one range an index can serve, and the spans ending after a recent
-- date are few, so the indexes lead with valid_to).
-- Flags are INTEGER so that their SUM is a BIGINT on PostgreSQL (the Any driver has no NUMERIC).
-- (Identical for both backends.)
CREATE TABLE coverage_spans (
    org_id         BIGINT NOT NULL,
    credit_code    TEXT NOT NULL,
    valid_from     TEXT NOT NULL,
    valid_to       TEXT NOT NULL,
    region_code    TEXT NOT NULL,
    kind           TEXT NOT NULL,
    status         TEXT NOT NULL,
    formal_members BIGINT NOT NULL,
    in_scope       INTEGER NOT NULL,
    covered        INTEGER NOT NULL,
    own_covered    INTEGER NOT NULL,
    stationed      INTEGER NOT NULL,
    PRIMARY KEY (org_id, valid_from)
);
-- Counting as of a date: the in-scope spans, read from the index alone, region by region in
-- index order, so that counting by region needs no sort (at a million orgs this beat an index
-- leading with valid_to, which reads fewer entries but must sort them by region).
CREATE INDEX coverage_spans_count ON coverage_spans
    (in_scope, region_code, valid_to, valid_from, kind, status, formal_members, covered, own_covered, stationed);
-- Lists of a region (a county's drill-downs), narrowed further by the coverage state.
CREATE INDEX coverage_spans_region ON coverage_spans
    (region_code, in_scope, covered, valid_to, valid_from, own_covered, stationed, org_id, credit_code);
