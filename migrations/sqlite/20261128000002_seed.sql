-- Shipped defaults, identical for both backends. Regions are the demo city Yangquan
-- (spec/rules.md §6), editable afterwards; the economic development zone's statistical code is
-- included because registrations there are reported under it. Rules are spec/rules.md §1–2 as
-- version 1, in force "since always" (1900-01-01) so that figures as of any past date use them
-- until a city admin adds a later version.

INSERT INTO regions (code, name, parent_code, sort_order) VALUES
    ('140300', '阳泉市', NULL, 0),
    ('140302', '城区', '140300', 1),
    ('140303', '矿区', '140300', 2),
    ('140311', '郊区', '140300', 3),
    ('140321', '平定县', '140300', 4),
    ('140322', '盂县', '140300', 5),
    ('140371', '阳泉经济开发区', '140300', 6);

INSERT INTO rules (key, value, source, effective_from, note) VALUES
    ('own_org_min_formal_members', '3', '党章第三十条 [N]', '1900-01-01', '单独组建党组织所需正式党员数（预备党员不计）'),
    ('max_orgs_per_joint_branch', '5', '中国共产党支部工作条例（试行）[N]', '1900-01-01', '一个联合党支部覆盖的单位一般不超过'),
    ('max_members_per_branch', '50', '中国共产党支部工作条例（试行）[N]', '1900-01-01', '一个党支部的党员一般不超过'),
    ('branch_committee_from', '7', '中国共产党支部工作条例（试行）[N]', '1900-01-01', '正式党员达到此数设支部委员会'),
    ('general_branch_from', '50', '中国共产党支部工作条例（试行）[N]', '1900-01-01', '党员达到此数可设党总支'),
    ('primary_committee_from', '100', '中国共产党基层组织选举工作条例 [N]', '1900-01-01', '党员达到此数可设基层党委'),
    ('branch_term_years', '3', '中国共产党支部工作条例（试行）[N]', '1900-01-01', '支部委员会任期（年）'),
    ('deadline_months.sync_with_registration', '3', '产品默认 [?]', '1900-01-01', '同步建立党组织时限（月）'),
    ('deadline_months.establish_party_org', '6', '产品默认', '1900-01-01', '建立党组织时限（月）'),
    ('deadline_months.establish_own_org', '6', '产品默认', '1900-01-01', '单独组建时限（月）'),
    ('deadline_months.dispatch_instructor', '1', '产品默认', '1900-01-01', '选派指导员时限（月）'),
    ('deadline_months.rectify_oversized_joint', '3', '产品默认', '1900-01-01', '整顿超大联合党组织时限（月）'),
    ('deadline_months.clean_dormant', '3', '产品默认', '1900-01-01', '清理僵尸组织时限（月）');

INSERT INTO settings (key, value) VALUES ('display.rate_decimals', '1');
