-- The work ledger (台账, spec/domain.md §5). An item is about one social org or one party org;
-- `subject` repeats its credit code or name so that the item reads (and exports) on its own and
-- outlives a renamed party org. The responsible unit is derived when the item is raised.
CREATE TABLE ledger_items (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL,
    org_id              INTEGER REFERENCES social_orgs (id),
    party_org_id        INTEGER REFERENCES party_orgs (id),
    subject             TEXT NOT NULL,
    subject_name        TEXT NOT NULL,
    responsible_unit_id INTEGER REFERENCES units (id),
    responsible_user_id INTEGER REFERENCES users (id),
    gap                 TEXT NOT NULL,
    raised_on           TEXT NOT NULL,
    deadline            TEXT,
    state               TEXT NOT NULL,
    -- Whether the data satisfied the closing condition at the last detection.
    condition_met       INTEGER NOT NULL DEFAULT 0,
    evidence            TEXT,
    created_by          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX ledger_items_subject ON ledger_items (kind, subject);
CREATE INDEX ledger_items_unit ON ledger_items (responsible_unit_id);

-- Append-only: every transition, who, when, from → to, comment.
CREATE TABLE ledger_history (
    id         INTEGER PRIMARY KEY,
    item_id    INTEGER NOT NULL REFERENCES ledger_items (id),
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    from_state TEXT,
    to_state   TEXT NOT NULL,
    comment    TEXT NOT NULL
);
CREATE INDEX ledger_history_item ON ledger_history (item_id);

-- Evidence files, kept in the database (size and type checked before they get here).
CREATE TABLE ledger_attachments (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL REFERENCES ledger_items (id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    content      BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL,
    at           TEXT NOT NULL
);

-- The ledger's start date: orgs registered after it raise sync_with_registration (§5.3).
-- By default the day the database was created; the one statement that differs by backend.
INSERT INTO settings (key, value) VALUES ('ledger.start_date', date('now'));
