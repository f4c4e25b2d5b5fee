//! The registry's vocabulary (`spec/domain.md` §3–4): the closed sets of kinds and states, each
//! with its code name (stored, used in the API) and its Chinese label (shown, imported).

use super::vocab::vocabulary;

vocabulary! {
    /// The kind of a social organization.
    OrgKind {
        Association = "association", "社会团体";
        ServiceInstitution = "service_institution", "民办非企业单位" | "社会服务机构" | "民办非企业单位(社会服务机构)" | "民办非企业单位（社会服务机构）" | "社会服务机构(民办非企业单位)" | "社会服务机构（民办非企业单位）" | "民非";
        Foundation = "foundation", "基金会";
        LawFirm = "law_firm", "律师事务所";
        Other = "other", "其他";
    }
}

vocabulary! {
    /// Registration status of a social organization.
    OrgStatus {
        Normal = "normal", "正常" | "存续";
        Abnormal = "abnormal", "异常" | "活动异常" | "异常(活动异常名录)";
        Deregistered = "deregistered", "注销" | "已注销";
        Revoked = "revoked", "撤销" | "已撤销" | "撤销登记";
    }
}

impl OrgStatus {
    /// 注销 and 撤销 end an organization's life and need a termination date.
    pub fn is_terminated(self) -> bool {
        matches!(self, OrgStatus::Deregistered | OrgStatus::Revoked)
    }
}

vocabulary! {
    /// The kind of a unit (a committee, a department or another member unit).
    UnitKind {
        CityCommittee = "city_committee", "社会组织党委";
        CountyCommittee = "county_committee", "县区工委" | "县区非公和社会组织工委";
        IndustryCommittee = "industry_committee", "行业党委";
        Department = "department", "行业主管部门";
        MemberUnit = "member_unit", "其他委员单位";
    }
}

impl UnitKind {
    /// The import default for 承担党建工作 when the cell is empty (`import-format.md`).
    pub fn carries_party_building_by_default(self) -> bool {
        matches!(
            self,
            UnitKind::CityCommittee | UnitKind::CountyCommittee | UnitKind::IndustryCommittee
        )
    }
}

vocabulary! {
    /// The kind of a party organization.
    PartyOrgKind {
        Committee = "committee", "党委";
        GeneralBranch = "general_branch", "党总支";
        Branch = "branch", "党支部";
        JointBranch = "joint_branch", "联合党支部";
        TemporaryBranch = "temporary_branch", "临时党支部";
    }
}

vocabulary! {
    /// How a party organization was formed: for one organization, or jointly for several.
    Formation {
        Own = "own", "单独组建";
        Joint = "joint", "联合组建";
    }
}

vocabulary! {
    /// The role of a person stationed in an organization to carry party work there.
    StationRole {
        Instructor = "instructor", "指导员" | "党建指导员";
        Liaison = "liaison", "联络员";
    }
}

vocabulary! {
    /// An org's operating state as a census return reports it (`domain.md` §4.3).
    OperatingState {
        Running = "running", "正常运行" | "正常";
        Stopped = "stopped", "停止活动" | "停止运行";
        Unreachable = "unreachable", "无法联系" | "联系不上";
    }
}

impl OperatingState {
    /// 停止活动 and 无法联系 mark a dormant org (`clean_dormant`, `domain.md` §5.1).
    pub fn is_dormant(self) -> bool {
        self != OperatingState::Running
    }
}

vocabulary! {
    /// An org's party-organization status as a census return reports it.
    PartyOrgStatus {
        Own = "own", "已单独建立党组织" | "单独组建" | "已单独组建";
        Joint = "joint", "已纳入联合党组织" | "联合组建" | "已联合组建";
        None = "none", "未建立党组织" | "未建立" | "无";
    }
}

/// Position titles in a social organization (`import-format.md`, sheet 任职).
pub const ORG_TITLES: &[&str] = &[
    "主要负责人",
    "法定代表人",
    "理事长",
    "会长",
    "副会长",
    "理事",
    "监事",
    "秘书长",
    "副秘书长",
    "其他",
];

/// Position titles in a party organization's committee.
pub const PARTY_TITLES: &[&str] = &["书记", "副书记", "委员"];

/// The title whose holder is the organization's head (for 主要负责人兼任党组织书记).
pub const HEAD_TITLE: &str = "主要负责人";

/// The party title that makes a head a secretary.
pub const SECRETARY_TITLE: &str = "书记";

/// Titles that count as a management position for two-way entry (`statistics.md` §4): every
/// organization title but 其他.
pub fn is_management_title(title: &str) -> bool {
    ORG_TITLES.contains(&title) && title != "其他"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_labels_round_trip() {
        for kind in OrgKind::ALL {
            assert_eq!(OrgKind::from_code(kind.code()), Some(*kind));
            assert_eq!(OrgKind::from_label(kind.label()), Some(*kind));
        }
        for s in OrgStatus::ALL {
            assert_eq!(OrgStatus::from_label(s.label()), Some(*s));
        }
    }

    #[test]
    fn synonyms_are_accepted() {
        assert_eq!(
            OrgKind::from_label("社会服务机构"),
            Some(OrgKind::ServiceInstitution)
        );
        assert_eq!(OrgKind::from_label(" 基金会 "), Some(OrgKind::Foundation));
        assert_eq!(OrgKind::from_label("企业"), None);
        assert!(OrgStatus::Revoked.is_terminated());
        assert!(!OrgStatus::Abnormal.is_terminated());
    }

    #[test]
    fn committees_carry_party_building_by_default() {
        assert!(UnitKind::CountyCommittee.carries_party_building_by_default());
        assert!(!UnitKind::Department.carries_party_building_by_default());
        assert!(is_management_title("秘书长"));
        assert!(!is_management_title("其他"));
        assert!(!is_management_title("书记"));
    }
}
