//! The region tree (区划): a city and its counties, by GB/T 2260 code.

use serde::Serialize;

use super::codes::RegionCode;

/// A region of the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    pub parent: Option<RegionCode>,
}

/// A region and every region below it, the root first.
pub fn subtree(regions: &[Region], root: &RegionCode) -> Vec<RegionCode> {
    let mut out = vec![root.clone()];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i].clone();
        out.extend(
            regions
                .iter()
                .filter(|r| r.parent.as_ref() == Some(&parent))
                .map(|r| r.code.clone()),
        );
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subtree_holds_the_root_and_every_region_below() {
        let code = |c: &str| RegionCode::parse(c).expect("code");
        let r = |c: &str, p: Option<&str>| Region {
            code: code(c),
            name: c.into(),
            parent: p.map(code),
        };
        let tree = [
            r("140300", None),
            r("140302", Some("140300")),
            r("140303", Some("140300")),
        ];
        assert_eq!(
            subtree(&tree, &code("140300")),
            vec![code("140300"), code("140302"), code("140303")]
        );
        assert_eq!(subtree(&tree, &code("140302")), vec![code("140302")]);
    }
}
