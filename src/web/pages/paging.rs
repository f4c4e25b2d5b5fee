//! Paging and sorting as every list shows them: a row count, 序号, pages of 20, 50 or 100
//! rows (first, previous, next, last), and column headers that sort (a second click reverses).
//! The list's own filters travel in `query` (the query string without `page`, `per_page`,
//! `sort` and `order`), so that a page link or a sort link keeps them.

use serde::Deserialize;

use super::count;
use crate::web::auth::url_encode;

/// Rows per page a user may choose; the first is the default.
pub const PER_PAGE: [i64; 3] = [20, 50, 100];

/// The paging and sorting part of a list's query string.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    pub page: Option<String>,
    #[serde(default)]
    pub per_page: Option<String>,
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub order: Option<String>,
}

impl PageQuery {
    /// Rows per page: one of [`PER_PAGE`] (anything else is the default).
    pub fn per_page(&self) -> i64 {
        self.per_page
            .as_deref()
            .and_then(|p| p.parse().ok())
            .filter(|p| PER_PAGE.contains(p))
            .unwrap_or(PER_PAGE[0])
    }

    /// The page asked for, from 1.
    pub fn page(&self) -> i64 {
        self.page
            .as_deref()
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(1)
            .clamp(1, 1_000_000)
    }

    pub fn offset(&self) -> i64 {
        (self.page() - 1) * self.per_page()
    }

    pub fn descending(&self) -> bool {
        self.order.as_deref() == Some("desc")
    }

    /// The sort key asked for if it is one of `keys`, else `default`.
    pub fn sort_key<'a>(&self, keys: &[&'a str], default: &'a str) -> &'a str {
        self.sort
            .as_deref()
            .and_then(|s| keys.iter().find(|k| **k == s).copied())
            .unwrap_or(default)
    }
}

/// A list's pager: the count, the page, and the links.
#[derive(Debug, Clone)]
pub struct Pager {
    pub total: String,
    pub page: i64,
    pub pages: i64,
    /// 序号 of the page's first row, less one.
    pub offset: i64,
    pub first_href: Option<String>,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub last_href: Option<String>,
    /// (rows per page, link, chosen).
    pub sizes: Vec<(i64, String, bool)>,
}

/// Joins a path and query parts, leaving out empty ones.
pub fn href(path: &str, parts: &[&str]) -> String {
    let parts: Vec<&str> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", parts.join("&"))
    }
}

/// The sort part of a query string.
fn sort_part(p: &PageQuery) -> String {
    let mut out = Vec::new();
    if let Some(s) = p.sort.as_deref().filter(|s| !s.is_empty()) {
        out.push(format!("sort={}", url_encode(s)));
    }
    if p.descending() {
        out.push("order=desc".into());
    }
    out.join("&")
}

impl Pager {
    /// The pager of a list at `path` whose filters are `query`, `total` rows in all.
    pub fn new(path: &str, query: &str, p: &PageQuery, total: i64) -> Pager {
        let per_page = p.per_page();
        let pages = ((total + per_page - 1) / per_page).max(1);
        let page = p.page().min(pages);
        let sort = sort_part(p);
        let size = if per_page == PER_PAGE[0] {
            String::new()
        } else {
            format!("per_page={per_page}")
        };
        let link = |n: i64| href(path, &[query, &sort, &size, &format!("page={n}")]);
        Pager {
            total: count(total),
            page,
            pages,
            offset: (page - 1) * per_page,
            first_href: (page > 2).then(|| link(1)),
            prev_href: (page > 1).then(|| link(page - 1)),
            next_href: (page < pages).then(|| link(page + 1)),
            last_href: (page + 1 < pages).then(|| link(pages)),
            sizes: PER_PAGE
                .iter()
                .map(|&n| {
                    let size = if n == PER_PAGE[0] {
                        String::new()
                    } else {
                        format!("per_page={n}")
                    };
                    (n, href(path, &[query, &sort, &size]), n == per_page)
                })
                .collect(),
        }
    }
}

/// A column header that sorts the list.
#[derive(Debug, Clone)]
pub struct SortHead {
    pub label: &'static str,
    pub href: String,
    /// ▲ or ▼ on the column the list is sorted by.
    pub mark: &'static str,
}

/// The sortable headers of a list: `columns` are (sort key, label); `current` the key in
/// force. A click on the sorted column reverses it; on another sorts by it, ascending.
pub fn sort_heads(
    path: &str,
    query: &str,
    p: &PageQuery,
    current: &str,
    columns: &[(&'static str, &'static str)],
) -> Vec<SortHead> {
    let size = if p.per_page() == PER_PAGE[0] {
        String::new()
    } else {
        format!("per_page={}", p.per_page())
    };
    columns
        .iter()
        .map(|&(key, label)| {
            let on = key == current;
            let desc = on && !p.descending();
            let order = if desc { "&order=desc" } else { "" };
            SortHead {
                label,
                href: href(path, &[query, &format!("sort={key}{order}"), &size]),
                mark: match (on, p.descending()) {
                    (false, _) => "",
                    (true, false) => "▲",
                    (true, true) => "▼",
                },
            }
        })
        .collect()
}

/// A query string of the given (name, value) pairs, the empty ones left out.
pub fn query_of(pairs: &[(&str, Option<&str>)]) -> String {
    pairs
        .iter()
        .filter_map(|(k, v)| {
            v.filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", url_encode(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(page: &str, per_page: &str, sort: &str, order: &str) -> PageQuery {
        let s = |v: &str| (!v.is_empty()).then(|| v.to_string());
        PageQuery {
            page: s(page),
            per_page: s(per_page),
            sort: s(sort),
            order: s(order),
        }
    }

    #[test]
    fn pages_keep_the_filters_the_sort_and_the_size() {
        // 230 rows by 50: pages 1..=5; page 3 links to 1, 2, 4 and 5.
        let p = Pager::new(
            "/party-orgs",
            "kind=branch",
            &q("3", "50", "name", "desc"),
            230,
        );
        assert_eq!((p.page, p.pages, p.offset), (3, 5, 100));
        assert_eq!(
            p.prev_href.as_deref(),
            Some("/party-orgs?kind=branch&sort=name&order=desc&per_page=50&page=2")
        );
        assert_eq!(
            p.last_href.as_deref(),
            Some("/party-orgs?kind=branch&sort=name&order=desc&per_page=50&page=5")
        );
        assert!(p.first_href.is_some() && p.next_href.is_some());
        assert_eq!(p.total, "230");
        // A page past the end shows the last one; a size not offered is the default.
        let p = Pager::new("/units", "", &q("99", "7", "", ""), 45);
        assert_eq!((p.page, p.pages, p.offset), (3, 3, 40));
        assert_eq!(p.next_href, None);
        assert_eq!(p.sizes[0], (20, "/units".to_string(), true));
    }

    #[test]
    fn a_sorted_column_reverses_on_a_second_click() {
        let cols = [("name", "名称"), ("founded", "成立日期")];
        let h = sort_heads(
            "/party-orgs",
            "q=%E5%85%9A",
            &q("2", "", "name", ""),
            "name",
            &cols,
        );
        assert_eq!(h[0].mark, "▲");
        assert_eq!(h[0].href, "/party-orgs?q=%E5%85%9A&sort=name&order=desc");
        assert_eq!(h[1].mark, "");
        assert_eq!(h[1].href, "/party-orgs?q=%E5%85%9A&sort=founded");
        let h = sort_heads(
            "/party-orgs",
            "",
            &q("", "100", "name", "desc"),
            "name",
            &cols,
        );
        assert_eq!(h[0].mark, "▼");
        assert_eq!(h[0].href, "/party-orgs?sort=name&per_page=100");
    }
}
