//! The golden workbook: a small city whose figures are derived by hand below, written as a folder
//! of CSV files (and, shuffled, as .xlsx) with the forms users really type: mixed date formats,
//! lower-case codes, 社会服务机构 for 民办非企业单位, 是/Y/1, boundary dates.
//!
//! Orgs (region, responsible unit, formal members, history):
//! - A association, 140300, supervised by 阳泉市教育行业党委 (carries party building) → that
//!   committee; reg 2015-03-01; 4 members; own branch P1 from 2018-06-01.
//! - B service, 140302 城区, direct → 城区工委; reg 2016/5/6; 1 member; joint J1 from 2019年1月1日.
//! - C service, 140302, supervised by 阳泉市体育局 (does not carry) → 城区工委; reg 2017.2.3;
//!   ABNORMAL; 3 members; joint J1 only → should establish own.
//! - D association, 140303 矿区, direct → 矿区工委; reg 2020-01-01; 0 members; instructor
//!   张三 stationed from 2021-06-01 → work covered only.
//! - E foundation, 140303; reg 2019-01-01; deregistered 2021-06-30 → out of scope at 2021-12-31.
//! - F association, 140302; reg 2022-01-01 → not yet in scope at 2021-12-31.
//! - G 社会服务机构, 140300, direct → 阳泉市社会组织党委; reg 2021-12-31 (on the date: in scope);
//!   5 members; uncovered → should establish own AND should establish (has none).
//! - H association, 140302, direct; reg 2010-01-01; revoked 2021-12-31 (on the date: out).
//! - I association, 140303, direct → 矿区工委; reg 2018-01-01; 2 members; joint J2 founded
//!   2017-01-01 dissolved 2021-12-31 (on the date: inactive); liaison 李四 from 2020-01-01 to
//!   2021-12-31 (on the date: ended).

use dangjian::domain::codes::CreditCode;

/// The nine credit codes A–I, valid (check character computed).
pub fn codes() -> Vec<String> {
    [
        "51140300MJY00001",
        "52140302MJY00002",
        "52140302MJY00003",
        "51140303MJY00004",
        "53140303MJY00005",
        "51140302MJY00006",
        "52140300MJY00007",
        "51140302MJY00008",
        "51140303MJY00009",
    ]
    .iter()
    // Position 17 (the inner GB 11714 check) is a placeholder digit here: a warning, not an error.
    .map(|body| {
        CreditCode::from_body(&format!("{body}0"))
            .expect("valid body")
            .as_str()
            .to_string()
    })
    .collect()
}

/// The sheets as (file name, CSV text).
pub fn sheets() -> Vec<(&'static str, String)> {
    let c = codes();
    let (a, b, cc, d, e, f, g, h, i) = (
        &c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &c[7], &c[8],
    );
    let units = "单位名称,单位类别,所属区划,承担党建工作\n\
        阳泉市社会组织党委,社会组织党委,140300,\n\
        城区工委,县区工委,城区,\n\
        矿区工委,县区工委,140303,Y\n\
        阳泉市教育行业党委,行业党委,阳泉市,是\n\
        阳泉市体育局,行业主管部门,140300,\n"
        .to_string();
    // Columns in a different order from the template, one with a trailing * as the template
    // writes required headers.
    let orgs = format!(
        "名称,统一社会信用代码 *,类型,登记管理机关区划,业务主管单位,成立登记日期,登记状态,注销撤销日期,正式党员数,党建入章\n\
        甲协会,{a},社会团体,140300,阳泉市教育行业党委,2015-03-01,正常,,4,是\n\
        乙服务中心,{b},民办非企业单位,城区,,2016/5/6,正常,,1,1\n\
        丙培训学校,{lc},民办非企业单位,140302,阳泉市体育局,2017.2.3,异常,,3,否\n\
        丁研究会,{d},社会团体,140303,,2020-01-01,正常,,0,\n\
        戊基金会,{e},基金会,140303,,2019-01-01,注销,2021-06-30,0,\n\
        己商会,{f},社会团体,140302,,2022-01-01,正常,,0,\n\
        庚养老院,{g},社会服务机构,140300,,2021年12月31日,正常,,5,\n\
        辛学会,{h},社会团体,140302,,2010-01-01,撤销,2021-12-31,0,\n\
        壬促进会,{i},社会团体,矿区,,2018-01-01,正常,,2,\n",
        lc = cc.to_lowercase(),
    );
    let party = format!(
        "党组织名称,组织类别,组建方式,上级党组织,成立日期,撤销日期,覆盖社会组织,党员人数,书记姓名\n\
        甲协会党支部,党支部,单独组建,阳泉市教育行业党委,2018-06-01,,{a},4,赵一\n\
        城区第一联合党支部,联合党支部,联合组建,城区工委,2019年1月1日,,\"{b}、{lc}\",4,钱二\n\
        矿区联合党支部,联合党支部,联合组建,矿区工委,2017-01-01,2021-12-31,{i},2,\n",
        lc = cc.to_lowercase(),
    );
    let instructors = format!(
        "姓名,身份证号,手机号,派出单位,角色,指导社会组织,派驻日期,撤回日期\n\
        张三,11010519491231002X,13800001234,阳泉市总工会,指导员,{d},2021-06-01,\n\
        李四,,,阳泉市体育局,联络员,{i},2020-01-01,2021-12-31\n"
    );
    let positions = format!(
        "姓名,身份证号,是否党员,任职组织,职务,任职日期,离任日期\n\
        赵一,,是,{a},主要负责人,2016-01-01,\n\
        赵一,,是,甲协会党支部,书记,2018-06-01,\n\
        钱二,,是,{b},理事,2019-01-01,\n\
        钱二,,是,城区第一联合党支部,书记,2019-01-01,\n"
    );
    vec![
        ("单位.csv", units),
        ("社会组织.csv", orgs),
        ("党组织.csv", party),
        ("党建指导员.csv", instructors),
        ("任职.csv", positions),
    ]
}

/// Writes the golden workbook as a folder of CSV files.
pub fn write_csv_dir(dir: &std::path::Path) {
    for (name, text) in sheets() {
        std::fs::write(dir.join(name), text).expect("write csv");
    }
}
