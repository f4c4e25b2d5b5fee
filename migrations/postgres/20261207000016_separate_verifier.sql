-- A rule of the work ledger (issue 11): the one who submits an item for closing may not also
-- close it (提交人与核销人分离), on by default; a city admin may add a version with 0 from a date.
-- (Identical for both backends.)
INSERT INTO rules (key, value, source, effective_from, note) VALUES
    ('ledger.separate_submit_and_verify', '1', '产品默认（内部控制）', '1900-01-01', '提交销号的人不能自己核销（1 是，0 否）');
