-- Floor of benchmarks (b) and (d): coverage by region as of one date, as a single hand-written
-- query over the dangjian schema (migrations/*/..._registry.sql), following
-- shared/spec/statistics.md §1–2. Portable: runs unchanged on SQLite (sqlite3 shell) and
-- PostgreSQL (psql). The harness replaces @AS_OF@ with the date before running it.
--   in scope     registered_on <= D and (terminated_on is null or D < terminated_on)
--   covered      a coverage link active at D from a party org active at D
--   own_covered  covered by such a party org whose formation is 'own'
--   work_covered covered, or an instructor / liaison station active at D
--   abnormal     in scope with status 'abnormal'
WITH cov AS (
    SELECT l.org_id,
           MAX(CASE WHEN p.formation = 'own' THEN 1 ELSE 0 END) AS own
    FROM coverage_links l
    JOIN party_orgs p ON p.id = l.party_org_id
    WHERE l.valid_from <= '@AS_OF@' AND (l.valid_to IS NULL OR '@AS_OF@' < l.valid_to)
      AND p.founded_on <= '@AS_OF@' AND (p.dissolved_on IS NULL OR '@AS_OF@' < p.dissolved_on)
    GROUP BY l.org_id
),
st AS (
    SELECT DISTINCT org_id
    FROM stations
    WHERE valid_from <= '@AS_OF@' AND (valid_to IS NULL OR '@AS_OF@' < valid_to)
)
SELECT o.region_code,
       COUNT(*) AS in_scope,
       SUM(CASE WHEN o.status = 'abnormal' THEN 1 ELSE 0 END) AS abnormal,
       COUNT(c.org_id) AS covered,
       SUM(COALESCE(c.own, 0)) AS own_covered,
       SUM(CASE WHEN c.org_id IS NOT NULL OR s.org_id IS NOT NULL THEN 1 ELSE 0 END) AS work_covered
FROM social_orgs o
LEFT JOIN cov c ON c.org_id = o.id
LEFT JOIN st s ON s.org_id = o.id
WHERE o.registered_on <= '@AS_OF@' AND (o.terminated_on IS NULL OR '@AS_OF@' < o.terminated_on)
GROUP BY o.region_code
ORDER BY o.region_code;
