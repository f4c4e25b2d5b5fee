-- Generations of the work ledger and of the census (see migration 0012): raised by every write
-- of ledger items (src/db/ledger.rs) and of census campaigns and returns (src/db/census.rs), so
-- that the figures a server keeps from them (src/db/derived.rs) are computed again.
-- (Identical for both backends.)
INSERT INTO generations (name, generation) VALUES ('ledger', 0);
INSERT INTO generations (name, generation) VALUES ('census', 0);
