-- Generations of the data a server keeps or derives in memory (src/db/span_cache/,
-- src/db/derived.rs), and the change log of the coverage spans.
-- - 'coverage_spans': raised by every write of coverage_spans (src/db/spans.rs) in its
--   transaction — the row's lock orders concurrent writers, so generations commit in order —
--   which lists the orgs it rewrote under that generation in span_changes (org_id NULL: all of
--   them, a full rebuild). Old rows are pruned by the writes; a reader that finds a gap reloads
--   everything.
-- - 'registry': raised by every write of the registry (src/db/write/), so that figures derived
--   from positions, links and the orgs' own fields are computed again.
-- (Identical for both backends.)
CREATE TABLE generations (
    name       TEXT PRIMARY KEY,
    generation BIGINT NOT NULL
);
INSERT INTO generations (name, generation) VALUES ('coverage_spans', 0);
INSERT INTO generations (name, generation) VALUES ('registry', 0);
CREATE TABLE span_changes (
    generation BIGINT NOT NULL,
    org_id     BIGINT
);
CREATE INDEX span_changes_generation ON span_changes (generation);
