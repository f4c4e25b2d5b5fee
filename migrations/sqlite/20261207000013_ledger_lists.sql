-- The ledger read in pages at any size (src/db/ledger_list.rs): the day an item ended (closed
-- or cancelled; set by every such transition, filled here from the history), so that the
-- burn-down groups the items by the days they were raised and ended without reading their
-- history; and indexes for the task list (by deadline), the dashboard's figures (read from the
-- index alone), the tallies by unit (likewise), a county's items (by org) and the persons who
-- have items.
-- (Identical for both backends.)
ALTER TABLE ledger_items ADD COLUMN ended_on TEXT;
UPDATE ledger_items SET ended_on = (
    SELECT MIN(SUBSTR(h.at, 1, 10)) FROM ledger_history h
    WHERE h.item_id = ledger_items.id AND h.to_state IN ('closed', 'cancelled')
) WHERE state IN ('closed', 'cancelled');
CREATE INDEX ledger_items_deadline ON ledger_items (deadline, id, state);
CREATE INDEX ledger_items_figures ON ledger_items (state, deadline, condition_met, responsible_user_id);
CREATE INDEX ledger_items_org ON ledger_items (org_id);
CREATE INDEX ledger_items_tally ON ledger_items (responsible_unit_id, kind, state, deadline, responsible_user_id);
CREATE INDEX ledger_items_burn ON ledger_items (raised_on, ended_on);
CREATE INDEX ledger_items_user ON ledger_items (responsible_user_id) WHERE responsible_user_id IS NOT NULL;
