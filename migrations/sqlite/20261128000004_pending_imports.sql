-- Uploaded workbooks between validation and the user's confirmation (数据导入): the file is kept
-- so that confirming re-validates and writes exactly what was checked, and the error workbook
-- can be downloaded. Rows are removed on confirmation and after a day.
CREATE TABLE pending_imports (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    file_name  TEXT NOT NULL,
    content    BLOB NOT NULL,
    created_at TEXT NOT NULL
);
