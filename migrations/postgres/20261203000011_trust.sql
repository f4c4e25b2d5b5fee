-- Issue 10 (trust).
--
-- API tokens expire: each gets a lifetime when it is issued (`user token --days`, 90 by
-- default); tokens issued before this migration get 90 days from their creation. A token whose
-- expires_at is empty or past is refused.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
UPDATE api_tokens SET expires_at =
    to_char((created_at::timestamptz + INTERVAL '90 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');

-- One active ledger item per kind and subject: the detection never raises a second one (it
-- checks in code), and now the database refuses it too.
CREATE UNIQUE INDEX ledger_items_one_active ON ledger_items (kind, subject)
    WHERE state NOT IN ('closed', 'cancelled');

-- State columns take only the codes the product knows (domain::model, domain::ledger,
-- domain::role).
ALTER TABLE ledger_items ADD CONSTRAINT ledger_items_state_known CHECK (state IN ('open', 'in_progress', 'submitted', 'closed', 'cancelled'));
ALTER TABLE ledger_history ADD CONSTRAINT ledger_history_to_state_known CHECK (to_state IN ('open', 'in_progress', 'submitted', 'closed', 'cancelled'));
ALTER TABLE social_orgs ADD CONSTRAINT social_orgs_status_known CHECK (status IN ('normal', 'abnormal', 'deregistered', 'revoked'));
ALTER TABLE org_history ADD CONSTRAINT org_history_status_known CHECK (status IN ('normal', 'abnormal', 'deregistered', 'revoked'));
ALTER TABLE census_returns ADD CONSTRAINT census_returns_operating_state_known CHECK (operating_state IN ('running', 'stopped', 'unreachable'));
ALTER TABLE census_returns ADD CONSTRAINT census_returns_party_org_status_known CHECK (party_org_status IN ('own', 'joint', 'none'));
ALTER TABLE users ADD CONSTRAINT users_role_known CHECK (role IN ('city_admin', 'county_admin', 'department', 'instructor', 'org_user', 'leader', 'viewer'));
ALTER TABLE ledger_history ADD CONSTRAINT ledger_history_from_state_known CHECK (from_state IS NULL OR from_state IN ('open', 'in_progress', 'submitted', 'closed', 'cancelled'));
