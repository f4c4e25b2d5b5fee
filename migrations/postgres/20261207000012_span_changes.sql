-- The coverage spans' generation and change log (src/db/span_cache.rs): a server keeps the spans
-- in memory for counting and follows the writes of every process through these. Every write of
-- coverage_spans (src/db/spans.rs) raises the generation by one in its transaction — the row's
-- lock orders concurrent writers, so generations commit in order — and lists the orgs it
-- rewrote under that generation (org_id NULL: all of them, a full rebuild). Old rows are pruned
-- by the writes; a reader that finds a gap reloads everything.
-- (Identical for both backends.)
CREATE TABLE span_generation (
    id         INTEGER PRIMARY KEY,
    generation BIGINT NOT NULL
);
INSERT INTO span_generation (id, generation) VALUES (1, 0);
CREATE TABLE span_changes (
    generation BIGINT NOT NULL,
    org_id     BIGINT
);
CREATE INDEX span_changes_generation ON span_changes (generation);
