use super::*;

fn regions() -> Vec<Region> {
    let r = |code: &str, name: &str, parent: Option<&str>| Region {
        code: RegionCode::parse(code).unwrap(),
        name: name.into(),
        parent: parent.map(|p| RegionCode::parse(p).unwrap()),
    };
    vec![
        r("140300", "阳泉市", None),
        r("140302", "城区", Some("140300")),
        r("140322", "盂县", Some("140300")),
    ]
}

/// A workbook of a 社会组织 sheet with only a code column (its missing columns are its own
/// errors) and a 党组织 sheet of one row (row 2).
fn party_workbook(headers: &[&str], row: &[&str]) -> Workbook {
    let text = |s: &&str| Cell::Text(s.to_string());
    Workbook {
        sheets: vec![
            Sheet {
                name: "社会组织".into(),
                header: vec![text(&"统一社会信用代码")],
                rows: Vec::new(),
            },
            Sheet {
                name: "党组织".into(),
                header: headers.iter().map(text).collect(),
                rows: vec![Row {
                    number: 2,
                    cells: row.iter().map(text).collect(),
                }],
            },
        ],
    }
}

#[test]
fn an_unknown_parent_is_an_error_unless_the_system_stored_it_so() {
    let code = CreditCode::from_body("51140300MJY000010").unwrap();
    let date = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    let known = Known {
        regions: regions(),
        units: HashSet::new(),
        orgs: HashMap::from([(code.as_str().to_string(), (date, None))]),
        party_orgs: HashSet::from(["甲协会党支部".to_string()]),
        party_org_parents: HashMap::from([("甲协会党支部".to_string(), "旧上级".to_string())]),
        org_places: HashMap::new(),
        campaigns: HashMap::new(),
        ..Known::default()
    };
    let workbook = |name: &str, parent: &str| {
        party_workbook(
            &[
                "党组织名称",
                "组织类别",
                "组建方式",
                "上级党组织",
                "成立日期",
                "覆盖社会组织",
            ],
            &[
                name,
                "党支部",
                "单独组建",
                parent,
                "2020-01-01",
                code.as_str(),
            ],
        )
    };
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let parent_problems = |name: &str, parent: &str| {
        let (_, report) = validate(&workbook(name, parent), &known, today);
        report
            .problems
            .into_iter()
            .filter(|p| p.header == "上级党组织")
            .map(|p| p.severity)
            .collect::<Vec<_>>()
    };
    // The parent the system stored for this party org: a warning only.
    assert_eq!(
        parent_problems("甲协会党支部", "旧上级"),
        [Severity::Warning]
    );
    // Changed to another unknown name, or given to another party org: an error.
    assert_eq!(parent_problems("甲协会党支部", "新上级"), [Severity::Error]);
    assert_eq!(parent_problems("乙协会党支部", "旧上级"), [Severity::Error]);
}

#[test]
fn a_dissolved_party_orgs_links_end_with_it() {
    let old = CreditCode::from_body("51140300MJY000010").unwrap();
    let young = CreditCode::from_body("51140300MJY000020").unwrap();
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let known = Known {
        regions: regions(),
        orgs: HashMap::from([
            (old.as_str().to_string(), (d(2015, 1, 1), None)),
            (young.as_str().to_string(), (d(2020, 1, 1), None)),
        ]),
        ..Known::default()
    };
    // A joint branch founded 2018-03-01 and dissolved 2019-06-30.
    let workbook = |covers: &str| {
        party_workbook(
            &[
                "党组织名称",
                "组织类别",
                "组建方式",
                "成立日期",
                "撤销日期",
                "覆盖社会组织",
            ],
            &[
                "联合党支部",
                "联合党支部",
                "联合组建",
                "2018-03-01",
                "2019-06-30",
                covers,
            ],
        )
    };
    let today = d(2026, 11, 28);
    // The org registered 2015: covered from the founding 2018-03-01 until the dissolution.
    // (The 社会组织 sheet here has only a code column: its missing columns are its errors.)
    let (data, report) = validate(&workbook(old.as_str()), &known, today);
    assert!(
        report.problems.iter().all(|p| p.sheet != "党组织"),
        "{:?}",
        report.problems
    );
    let covers = &data.party_orgs[0].covers;
    assert_eq!(covers.len(), 1);
    assert_eq!(
        (covers[0].from, covers[0].to),
        (d(2018, 3, 1), Some(d(2019, 6, 30)))
    );
    // The org registered 2020, after the dissolution, cannot have been covered by it: asked
    // about and left out, the party org kept.
    let (data, report) = validate(&workbook(young.as_str()), &known, today);
    assert_eq!(data.party_orgs.len(), 1);
    assert!(data.party_orgs[0].covers.is_empty());
    let p = report
        .problems
        .iter()
        .find(|p| p.header == "覆盖社会组织")
        .expect("an error on the list");
    assert_eq!(p.severity, Severity::Warning);
    assert_eq!(p.value, young.as_str());
    assert!(p.message.contains("2019-06-30"), "{}", p.message);
}

#[test]
fn a_second_org_of_the_same_name_is_asked_about() {
    let existing = CreditCode::from_body("51140300MJY000010").unwrap();
    let new = CreditCode::from_body("51140300MJY000020").unwrap();
    let date = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    let place = OrgPlace {
        name: "甲协会".into(),
        region: RegionCode::parse("140300").unwrap(),
        registered_on: date,
        terminated_on: None,
    };
    let known = Known {
        regions: regions(),
        units: HashSet::new(),
        orgs: HashMap::from([(existing.as_str().to_string(), (date, None))]),
        party_orgs: HashSet::new(),
        party_org_parents: HashMap::new(),
        org_places: HashMap::from([(existing.as_str().to_string(), place)]),
        campaigns: HashMap::new(),
        ..Known::default()
    };
    let text = |s: &str| Cell::Text(s.to_string());
    let row = |number: u32, code: &CreditCode| Row {
        number,
        cells: [
            "甲协会",
            code.as_str(),
            "社会团体",
            "140300",
            "2020-01-01",
            "正常",
            "0",
        ]
        .iter()
        .map(|v| text(v))
        .collect(),
    };
    let header = [
        "名称",
        "统一社会信用代码",
        "类型",
        "登记管理机关区划",
        "成立登记日期",
        "登记状态",
        "正式党员数",
    ]
    .iter()
    .map(|h| text(h))
    .collect::<Vec<_>>();
    let warnings = |rows: Vec<Row>| {
        let wb = Workbook {
            sheets: vec![Sheet {
                name: "社会组织".into(),
                header: header.clone(),
                rows,
            }],
        };
        let (_, report) = validate(&wb, &known, NaiveDate::from_ymd_opt(2026, 11, 28).unwrap());
        report
            .problems
            .into_iter()
            .filter(|p| p.header == "名称")
            .map(|p| (p.severity, p.message))
            .collect::<Vec<_>>()
    };
    // The registry's own org again: nothing to ask.
    assert!(warnings(vec![row(2, &existing)]).is_empty());
    // Another code under the same name: a warning, not naming the other org (a county's
    // form must not reveal orgs outside its scope).
    assert_eq!(
        warnings(vec![row(2, &new)]),
        [(
            Severity::Warning,
            "与系统或本表中的另一个社会组织同名，请核实是否重复登记".to_string()
        )]
    );
}

#[test]
fn regions_resolve_by_code_name_full_name_and_city_level() {
    let regions = regions();
    let resolve = |t: &str| Validator::resolve_region(&regions, t).map(|c| c.as_str().to_string());
    assert_eq!(resolve("140302").unwrap(), "140302");
    assert_eq!(
        resolve("１４０３２２").unwrap(),
        "140322",
        "full-width digits"
    );
    assert_eq!(resolve(" 城区 ").unwrap(), "140302");
    assert_eq!(resolve("阳泉市城区").unwrap(), "140302");
    assert_eq!(resolve("阳泉市").unwrap(), "140300");
    assert_eq!(resolve("市本级").unwrap(), "140300");
    assert_eq!(resolve("阳泉市本级").unwrap(), "140300");
    assert!(resolve("140399").is_err());
    assert!(resolve("太原市").is_err());
    assert!(resolve("阳泉市").is_ok());
}
