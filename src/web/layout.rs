//! What every page's frame shows: the user, the menu, the breadcrumbs, the CSRF token.

/// The frame of a page (`templates/base.html`). Every page template struct has a `layout` field.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// The page title (also the last breadcrumb).
    pub title: String,
    /// The signed-in user's name, role label and scope label; empty on the sign-in page.
    pub user_name: String,
    pub role_label: String,
    pub scope_label: String,
    /// The session's CSRF token, for every form.
    pub csrf: String,
    /// The menu key of the current page: dashboard, orgs, party_orgs, instructors, units, import,
    /// quality, users, audit, rules.
    pub active: &'static str,
    /// Breadcrumbs before the title: (label, link).
    pub crumbs: Vec<(String, String)>,
    /// Whether to show the 系统管理 menu group (city admins).
    pub is_admin: bool,
    /// Whether to show 数据导入 and the import buttons (city admins).
    pub may_edit: bool,
    /// Whether to show 新增 / 修改 for social orgs (roles that may edit the registry in scope).
    pub may_edit_orgs: bool,
    /// Whether to show 新增 / 修改 for party orgs and stations (city and county admins).
    pub may_keep: bool,
    /// Whether to show the overviews of many orgs (statistics, units, the responsibility list,
    /// the battle map, data quality): not to an org's own user or an instructor.
    pub overview: bool,
    /// A word after an action that landed here (已保存), chosen by the product from a code.
    pub flash: Option<&'static str>,
}

/// The code of a word after an action (`?notice=saved`): never text from the address.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Flash {
    #[serde(default)]
    pub notice: Option<String>,
}

impl Flash {
    /// The word for the code, if it is one of the product's.
    pub fn word(&self) -> Option<&'static str> {
        match self.notice.as_deref() {
            Some("saved") => Some("已保存"),
            _ => None,
        }
    }
}
