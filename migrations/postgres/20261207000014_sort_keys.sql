-- Sort keys of names (src/domain/collation.rs: pinyin order, ordinals and digits by value), so
-- that the lists of party orgs and instructors sort as users expect in the database, at any
-- size. Written with every name by the registry's writes; filled for existing rows by migrate
-- (setting sort_keys.version, src/db/sort_keys.rs).
-- PostgreSQL compares the keys byte by byte (COLLATE "C"), as SQLite does: a language's collation
-- would weigh their separators otherwise.
ALTER TABLE party_orgs ADD COLUMN sort_key TEXT COLLATE "C";
ALTER TABLE instructors ADD COLUMN sort_key TEXT COLLATE "C";
CREATE INDEX party_orgs_sort ON party_orgs (sort_key COLLATE "C", id);
CREATE INDEX instructors_sort ON instructors (sort_key COLLATE "C", id);
