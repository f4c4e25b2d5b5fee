//! Uploaded workbooks awaiting confirmation.

use super::{Db, DbResult};

impl Db {
    /// Keeps an uploaded file for the user; returns its id. Files older than a day are dropped.
    pub async fn add_pending_import(
        &self,
        user_id: i64,
        file_name: &str,
        content: &[u8],
    ) -> DbResult<i64> {
        let cutoff = crate::clock::stamp(self.clock.now() - chrono::Duration::days(1));
        sqlx::query("DELETE FROM pending_imports WHERE created_at < $1")
            .bind(cutoff)
            .execute(self.pool())
            .await?;
        Ok(sqlx::query_scalar(
            "INSERT INTO pending_imports (user_id, file_name, content, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(user_id)
        .bind(file_name.to_string())
        .bind(content.to_vec())
        .bind(self.clock.now_text())
        .fetch_one(self.pool())
        .await?)
    }

    /// A pending file of this user: (file name, content). Another user's file is not found.
    pub async fn pending_import(
        &self,
        user_id: i64,
        id: i64,
    ) -> DbResult<Option<(String, Vec<u8>)>> {
        Ok(sqlx::query_as(
            "SELECT file_name, content FROM pending_imports WHERE id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?)
    }

    pub async fn remove_pending_import(&self, id: i64) -> DbResult<()> {
        sqlx::query("DELETE FROM pending_imports WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
