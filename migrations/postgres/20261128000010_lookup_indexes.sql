-- An import writes in parts and looks up only the rows each part touches: persons and
-- instructors without a citizen ID are matched by name (import-format.md), which needs an index
-- once the registry is large.
CREATE INDEX persons_name ON persons (name);
CREATE INDEX instructors_name ON instructors (name);
