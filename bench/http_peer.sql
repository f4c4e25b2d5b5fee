-- The datasette peer of benchmark (e): the same page as dangjian's
--   GET /api/v1/orgs?region=@REGION@&covered=false&as_of=@AS_OF@&per_page=50
-- written by hand over the dangjian schema (migrations/sqlite/*.sql) following
-- shared/spec/statistics.md §1–2, in one statement (the total comes from a window count):
--   in scope   registered_on <= D and (terminated_on is null or D < terminated_on)
--   covered    a coverage link active at D from a party org active at D  (here: NOT covered)
--   work cov.  covered, or a station active at D (for uncovered orgs: a station)
-- Same columns as dangjian's items, ordered by credit code, first 50, plus the total.
-- The region has no child regions in the demo city, so "with descendants" is region_code = R.
-- bench/http.sh replaces @AS_OF@ and @REGION@, collapses whitespace and URL-encodes it.
SELECT o.credit_code, o.name, o.kind, o.region_code AS region, o.status, o.registered_on,
       o.terminated_on, o.formal_members,
       -- the responsible unit (view org_responsible_units, inlined for the 50 rows): the
       -- supervising unit when it carries party building, else the region's committee
       CASE WHEN su.carries_party_building = 1 THEN su.name
            ELSE (SELECT u.name FROM units u WHERE u.id =
                    (SELECT MIN(c.id) FROM units c JOIN regions r ON r.code = c.region_code
                     WHERE c.region_code = o.region_code
                       AND c.kind = CASE WHEN r.parent_code IS NULL THEN 'city_committee'
                                         ELSE 'county_committee' END)) END AS responsible_unit,
       0 AS covered, 0 AS own_covered,
       EXISTS (SELECT 1 FROM stations s
               WHERE s.org_id = o.id AND s.valid_from <= '@AS_OF@'
                 AND (s.valid_to IS NULL OR '@AS_OF@' < s.valid_to)) AS work_covered,
       COUNT(*) OVER () AS total
FROM social_orgs o
LEFT JOIN units su ON su.id = o.supervising_unit_id
WHERE o.region_code = '@REGION@'
  AND o.registered_on <= '@AS_OF@' AND (o.terminated_on IS NULL OR '@AS_OF@' < o.terminated_on)
  AND NOT EXISTS (SELECT 1 FROM coverage_links l JOIN party_orgs p ON p.id = l.party_org_id
                  WHERE l.org_id = o.id
                    AND l.valid_from <= '@AS_OF@' AND (l.valid_to IS NULL OR '@AS_OF@' < l.valid_to)
                    AND p.founded_on <= '@AS_OF@' AND (p.dissolved_on IS NULL OR '@AS_OF@' < p.dissolved_on))
ORDER BY o.credit_code
LIMIT 50
