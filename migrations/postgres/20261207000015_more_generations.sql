-- Generations of the data a server keeps or derives in memory (src/db/span_cache/,
-- src/db/derived.rs), by name; they replace the single span_generation row of migration 0012
-- (its value carried over as 'coverage_spans').
-- - 'coverage_spans': raised by every write of coverage_spans (src/db/spans.rs) in its
--   transaction — the row's lock orders concurrent writers, so generations commit in order —
--   which lists the orgs it rewrote under that generation in span_changes (migration 0012).
-- - 'registry': raised by every write of the registry (src/db/write/), so that figures derived
--   from positions, links and the orgs' own fields are computed again.
-- - 'ledger' and 'census': raised by every write of ledger items (src/db/ledger.rs) and of
--   census campaigns and returns (src/db/census.rs).
-- (Identical for both backends.)
CREATE TABLE generations (
    name       TEXT PRIMARY KEY,
    generation BIGINT NOT NULL
);
INSERT INTO generations (name, generation)
    SELECT 'coverage_spans', generation FROM span_generation WHERE id = 1;
INSERT INTO generations (name, generation) VALUES ('registry', 0);
INSERT INTO generations (name, generation) VALUES ('ledger', 0);
INSERT INTO generations (name, generation) VALUES ('census', 0);
DROP TABLE span_generation;
