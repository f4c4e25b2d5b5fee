-- Issue 10 (trust).
--
-- API tokens expire: each gets a lifetime when it is issued (`user token --days`, 90 by
-- default); tokens issued before this migration get 90 days from their creation. A token whose
-- expires_at is empty or past is refused.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
UPDATE api_tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+90 days');

-- One active ledger item per kind and subject: the detection never raises a second one (it
-- checks in code), and now the database refuses it too.
CREATE UNIQUE INDEX ledger_items_one_active ON ledger_items (kind, subject)
    WHERE state NOT IN ('closed', 'cancelled');

-- State columns take only the codes the product knows (domain::model, domain::ledger,
-- domain::role). SQLite cannot add a CHECK constraint to a table that exists: a trigger refuses
-- the row instead, with the same message a CHECK gives (PostgreSQL has CHECK constraints).
CREATE TRIGGER ledger_items_state_insert BEFORE INSERT ON ledger_items
WHEN NEW.state NOT IN ('open', 'in_progress', 'submitted', 'closed', 'cancelled')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: ledger_items.state'); END;
CREATE TRIGGER ledger_items_state_update BEFORE UPDATE OF state ON ledger_items
WHEN NEW.state NOT IN ('open', 'in_progress', 'submitted', 'closed', 'cancelled')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: ledger_items.state'); END;
CREATE TRIGGER ledger_history_to_state_insert BEFORE INSERT ON ledger_history
WHEN NEW.to_state NOT IN ('open', 'in_progress', 'submitted', 'closed', 'cancelled')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: ledger_history.to_state'); END;
CREATE TRIGGER ledger_history_to_state_update BEFORE UPDATE OF to_state ON ledger_history
WHEN NEW.to_state NOT IN ('open', 'in_progress', 'submitted', 'closed', 'cancelled')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: ledger_history.to_state'); END;
CREATE TRIGGER social_orgs_status_insert BEFORE INSERT ON social_orgs
WHEN NEW.status NOT IN ('normal', 'abnormal', 'deregistered', 'revoked')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: social_orgs.status'); END;
CREATE TRIGGER social_orgs_status_update BEFORE UPDATE OF status ON social_orgs
WHEN NEW.status NOT IN ('normal', 'abnormal', 'deregistered', 'revoked')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: social_orgs.status'); END;
CREATE TRIGGER org_history_status_insert BEFORE INSERT ON org_history
WHEN NEW.status NOT IN ('normal', 'abnormal', 'deregistered', 'revoked')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: org_history.status'); END;
CREATE TRIGGER org_history_status_update BEFORE UPDATE OF status ON org_history
WHEN NEW.status NOT IN ('normal', 'abnormal', 'deregistered', 'revoked')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: org_history.status'); END;
CREATE TRIGGER census_returns_operating_state_insert BEFORE INSERT ON census_returns
WHEN NEW.operating_state NOT IN ('running', 'stopped', 'unreachable')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: census_returns.operating_state'); END;
CREATE TRIGGER census_returns_operating_state_update BEFORE UPDATE OF operating_state ON census_returns
WHEN NEW.operating_state NOT IN ('running', 'stopped', 'unreachable')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: census_returns.operating_state'); END;
CREATE TRIGGER census_returns_party_org_status_insert BEFORE INSERT ON census_returns
WHEN NEW.party_org_status NOT IN ('own', 'joint', 'none')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: census_returns.party_org_status'); END;
CREATE TRIGGER census_returns_party_org_status_update BEFORE UPDATE OF party_org_status ON census_returns
WHEN NEW.party_org_status NOT IN ('own', 'joint', 'none')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: census_returns.party_org_status'); END;
CREATE TRIGGER users_role_insert BEFORE INSERT ON users
WHEN NEW.role NOT IN ('city_admin', 'county_admin', 'department', 'instructor', 'org_user', 'leader', 'viewer')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: users.role'); END;
CREATE TRIGGER users_role_update BEFORE UPDATE OF role ON users
WHEN NEW.role NOT IN ('city_admin', 'county_admin', 'department', 'instructor', 'org_user', 'leader', 'viewer')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: users.role'); END;
CREATE TRIGGER ledger_history_from_state_insert BEFORE INSERT ON ledger_history
WHEN NEW.from_state IS NOT NULL AND NEW.from_state NOT IN ('open', 'in_progress', 'submitted', 'closed', 'cancelled')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: ledger_history.from_state'); END;
