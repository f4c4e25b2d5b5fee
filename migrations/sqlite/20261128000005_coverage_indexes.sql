-- Performance of the as-of coverage query at a million orgs (docs/benchmarks.md).
-- Covering indexes let the query read links, stations and orgs from their indexes alone; they
-- replace the single-column indexes they start with. (Identical for both backends.)
DROP INDEX coverage_links_org;
DROP INDEX stations_org;
CREATE INDEX coverage_links_cover ON coverage_links (org_id, valid_from, valid_to, party_org_id);
CREATE INDEX stations_cover ON stations (org_id, valid_from, valid_to);
CREATE INDEX social_orgs_cover ON social_orgs (region_code, registered_on, terminated_on, status, kind, formal_members);

-- The committee of each region computed once per query (an aggregate over the small regions and
-- units tables) instead of a correlated subquery per org row. Same result as before: the unit of
-- kind 社会组织党委 (root) or 县区工委 (other regions) in the org's region, the first created.
DROP VIEW org_responsible_units;
DROP VIEW region_committees;
CREATE VIEW region_committees AS
SELECT r.code AS region_code, MIN(u.id) AS unit_id
FROM regions r
JOIN units u ON u.region_code = r.code
    AND u.kind = CASE WHEN r.parent_code IS NULL THEN 'city_committee' ELSE 'county_committee' END
GROUP BY r.code;

CREATE VIEW org_responsible_units AS
SELECT o.id AS org_id,
       CASE WHEN su.carries_party_building = 1 THEN su.id ELSE rc.unit_id END AS unit_id
FROM social_orgs o
LEFT JOIN units su ON su.id = o.supervising_unit_id
LEFT JOIN region_committees rc ON rc.region_code = o.region_code;
