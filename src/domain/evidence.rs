//! Evidence files (佐证材料): which files are accepted, recognised by their content rather than
//! their name, with a size limit.

/// The largest evidence file accepted, in bytes (10 MB).
pub const MAX_EVIDENCE_BYTES: usize = 10 * 1024 * 1024;

/// The content type of an accepted evidence file, recognised by its first bytes (PDF, PNG, JPEG,
/// Office documents), or the reason (in Chinese) it is refused.
pub fn evidence_type(file_name: &str, bytes: &[u8]) -> Result<&'static str, String> {
    if bytes.is_empty() {
        return Err("文件为空".into());
    }
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(format!(
            "文件过大（{:.1} MB），上限为 10 MB",
            bytes.len() as f64 / 1_048_576.0
        ));
    }
    let lower = file_name.to_lowercase();
    let ends = |exts: &[&str]| exts.iter().any(|e| lower.ends_with(e));
    let kind = if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"PK\x03\x04") && ends(&[".docx"]) {
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    } else if bytes.starts_with(b"PK\x03\x04") && ends(&[".xlsx"]) {
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) && ends(&[".doc", ".xls"]) {
        Some("application/octet-stream")
    } else {
        None
    };
    kind.ok_or_else(|| "只接受 PDF、图片（PNG、JPEG）或 Word、Excel 文件".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_recognised_by_content_not_name() {
        assert_eq!(
            evidence_type("批复.pdf", b"%PDF-1.7 ...").unwrap(),
            "application/pdf"
        );
        assert_eq!(
            evidence_type("照片.jpg", &[0xFF, 0xD8, 0xFF, 0xE0, 1]).unwrap(),
            "image/jpeg"
        );
        assert_eq!(
            evidence_type("x.png", &[0x89, b'P', b'N', b'G', 0x0D]).unwrap(),
            "image/png"
        );
        assert!(evidence_type("会议记录.docx", b"PK\x03\x04rest").is_ok());
        // A script renamed to .pdf is refused; so is a zip that is not an Office file.
        assert!(evidence_type("evil.pdf", b"<script>alert(1)</script>").is_err());
        assert!(evidence_type("archive.zip", b"PK\x03\x04rest").is_err());
        assert!(
            evidence_type("empty.pdf", b"")
                .unwrap_err()
                .contains("为空")
        );
        let big = vec![b'%'; MAX_EVIDENCE_BYTES + 1];
        assert!(evidence_type("big.pdf", &big).unwrap_err().contains("过大"));
    }
}
