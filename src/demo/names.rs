//! Word lists and the builders of plausible Chinese names: organizations, people, addresses, and
//! Chinese numerals for numbered party branches.

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use super::sectors::{AGRI, BUILD, CIVIL, COMMERCE, CULTURE, EDU, HEALTH, HR, SCIENCE, SPORTS};

/// Prefix of an organization's name by region index (see [`super::DEMO_REGIONS`]).
pub(super) const ORG_PREFIX: [&str; 7] = [
    "阳泉市",
    "阳泉市城区",
    "阳泉市矿区",
    "阳泉市郊区",
    "平定县",
    "盂县",
    "阳泉经济开发区",
];

/// Short region name used in the names of joint party branches.
pub(super) const SHORT: [&str; 7] = [
    "阳泉市",
    "城区",
    "矿区",
    "郊区",
    "平定县",
    "盂县",
    "阳泉经济开发区",
];

const XH: &[&str] = &["协会"];
const XH_CJ: &[&str] = &["协会", "协会", "促进会"];
const XUE: &[&str] = &["学会", "学会", "研究会"];
const SH: &[&str] = &["商会"];

/// Fields of associations: (word, possible suffixes, sector, eligible for direct registration).
const ASSOC_FIELDS: &[(&str, &[&str], u8, bool)] = &[
    ("书法家", XH, CULTURE, false),
    ("美术家", XH, CULTURE, false),
    ("摄影家", XH, CULTURE, false),
    ("作家", XH, CULTURE, false),
    ("音乐家", XH, CULTURE, false),
    ("舞蹈家", XH, CULTURE, false),
    ("戏剧家", XH, CULTURE, false),
    ("曲艺家", XH, CULTURE, false),
    ("收藏家", XH, CULTURE, false),
    ("集邮", XH, CULTURE, false),
    ("剪纸艺术", XH, CULTURE, false),
    ("民间文艺家", XH, CULTURE, false),
    ("诗词", XUE, CULTURE, true),
    ("红色文化", XUE, CULTURE, true),
    ("全民阅读", XH_CJ, CULTURE, true),
    ("旅游行业", XH, CULTURE, true),
    ("老年体育", XH, SPORTS, false),
    ("篮球", XH, SPORTS, false),
    ("足球", XH, SPORTS, false),
    ("乒乓球", XH, SPORTS, false),
    ("羽毛球", XH, SPORTS, false),
    ("太极拳", XH, SPORTS, false),
    ("围棋", XH, SPORTS, false),
    ("象棋", XH, SPORTS, false),
    ("门球", XH, SPORTS, false),
    ("登山", XH, SPORTS, false),
    ("自行车", XH, SPORTS, false),
    ("钓鱼", XH, SPORTS, false),
    ("武术", XH, SPORTS, false),
    ("健身气功", XH, SPORTS, false),
    ("计算机", XUE, SCIENCE, true),
    ("会计", XUE, SCIENCE, true),
    ("中医药", XUE, HEALTH, true),
    ("护理", XUE, HEALTH, true),
    ("心理", XUE, HEALTH, true),
    ("教育", XUE, EDU, true),
    ("历史文化", XUE, SCIENCE, true),
    ("地方志", XUE, SCIENCE, true),
    ("法学", XUE, SCIENCE, true),
    ("煤炭科技", XUE, SCIENCE, true),
    ("机械工程", XUE, SCIENCE, true),
    ("电力", XUE, SCIENCE, true),
    ("园艺", XUE, AGRI, true),
    ("餐饮行业", XH, COMMERCE, true),
    ("物流行业", XH, COMMERCE, true),
    ("煤炭行业", XH, COMMERCE, true),
    ("汽车维修行业", XH, COMMERCE, true),
    ("美容美发行业", XH, COMMERCE, true),
    ("酒店行业", XH, COMMERCE, true),
    ("电子商务", XH, COMMERCE, true),
    ("个体劳动者", XH, COMMERCE, true),
    ("私营企业", XH, COMMERCE, true),
    ("广告行业", XH, COMMERCE, true),
    ("建筑业", XH, BUILD, true),
    ("房地产业", XH, BUILD, true),
    ("物业管理", XH, BUILD, true),
    ("装饰装修行业", XH, BUILD, true),
    ("浙江", SH, COMMERCE, true),
    ("河南", SH, COMMERCE, true),
    ("河北", SH, COMMERCE, true),
    ("福建", SH, COMMERCE, true),
    ("江苏", SH, COMMERCE, true),
    ("温州", SH, COMMERCE, true),
    ("青年企业家", SH, COMMERCE, true),
    ("女企业家", SH, COMMERCE, true),
    ("志愿者", XH, CIVIL, true),
    ("慈善", XH, CIVIL, true),
    ("青年创业", XH_CJ, HR, true),
    ("老龄事业", XH_CJ, CIVIL, true),
    ("家庭教育", XH_CJ, EDU, true),
    ("乡村振兴", XH_CJ, AGRI, true),
    ("社区发展", XH_CJ, CIVIL, true),
    ("爱心助学", XH, EDU, true),
    ("残疾人康复", XH, HEALTH, true),
    ("婚姻家庭", XH, CIVIL, true),
    ("社会工作", XH, CIVIL, true),
    ("养老服务", XH, CIVIL, true),
    ("家政服务业", XH, CIVIL, true),
    ("种植业", XH, AGRI, true),
    ("养殖业", XH, AGRI, true),
    ("果业", XH, AGRI, true),
];

/// Brand words of service institutions.
const BRANDS: &[&str] = &[
    "阳光",
    "育才",
    "启明",
    "新星",
    "蓝天",
    "博雅",
    "康乐",
    "福寿",
    "安康",
    "仁爱",
    "同心",
    "晨曦",
    "智慧树",
    "博文",
    "明德",
    "乐龄",
    "颐和",
    "众合",
    "益民",
    "和谐",
    "春晖",
    "晋阳",
    "桃河",
    "狮城",
    "娘子关",
    "藏山",
    "冠山",
    "南山",
    "文昌",
    "德馨",
    "惠民",
    "启航",
    "未来星",
    "童心",
    "嘉禾",
    "康宁",
    "泰和",
    "金桥",
    "育英",
    "华夏",
    "新希望",
    "爱心",
    "馨悦",
    "聚贤",
    "东方",
    "北斗",
    "小太阳",
    "金色童年",
];

/// Types of service institutions: (word, sector, weight, eligible for direct registration).
const SERVICE_TYPES: &[(&str, u8, u32, bool)] = &[
    ("幼儿园", EDU, 22, false),
    ("培训学校", EDU, 16, false),
    ("职业培训学校", HR, 10, false),
    ("艺术培训学校", CULTURE, 6, false),
    ("养老院", CIVIL, 6, true),
    ("老年公寓", CIVIL, 3, true),
    ("居家养老服务中心", CIVIL, 5, true),
    ("社会工作服务中心", CIVIL, 6, true),
    ("家庭服务中心", CIVIL, 2, true),
    ("残疾人托养中心", CIVIL, 2, true),
    ("康复中心", HEALTH, 4, false),
    ("医院", HEALTH, 4, false),
    ("中医门诊部", HEALTH, 2, false),
    ("托育中心", HEALTH, 3, false),
    ("心理咨询服务中心", HEALTH, 2, true),
    ("文化艺术中心", CULTURE, 2, true),
    ("民俗博物馆", CULTURE, 1, false),
    ("足球俱乐部", SPORTS, 1, false),
    ("健身服务中心", SPORTS, 2, false),
    ("科技服务中心", SCIENCE, 1, true),
    ("农业技术服务中心", AGRI, 1, true),
];

const FOUNDATION_FIELDS: &[(&str, u8)] = &[
    ("慈善", CIVIL),
    ("教育发展", EDU),
    ("见义勇为", CIVIL),
    ("青少年发展", CIVIL),
    ("文化发展", CULTURE),
    ("乡村振兴", AGRI),
    ("扶贫济困", CIVIL),
    ("助学", EDU),
    ("老区建设", CIVIL),
];

const LAW_BRANDS: &[&str] = &[
    "晋阳", "冠山", "桃河", "狮城", "汇鼎", "正和", "鼎诚", "明理", "泰森", "恒信", "德正", "正平",
    "君道", "鼎盛", "三晋", "太行", "中正", "信达", "天衡", "融耀",
];

const OTHER_TYPES: &[&str] = &["社区文体服务队", "邻里互助服务站", "社区服务站"];

/// What [`org_base_name`] drew: the base name (written into a buffer), the sector and whether
/// the kind of organization may register directly.
pub(super) struct Drawn {
    pub sector: u8,
    pub direct_ok: bool,
}

/// Writes a base name (without disambiguation) for an organization of `kind` into `buf`.
pub(super) fn org_base_name(
    rng: &mut ChaCha8Rng,
    kind: crate::domain::model::OrgKind,
    region: usize,
    buf: &mut String,
) -> Drawn {
    use crate::domain::model::OrgKind;
    buf.clear();
    let prefix = ORG_PREFIX[region];
    match kind {
        OrgKind::Association => {
            let &(field, suffixes, sector, direct_ok) = pick(rng, ASSOC_FIELDS);
            buf.push_str(prefix);
            buf.push_str(field);
            buf.push_str(word(rng, suffixes));
            Drawn { sector, direct_ok }
        }
        OrgKind::ServiceInstitution => {
            let total: u32 = SERVICE_TYPES.iter().map(|t| t.2).sum();
            let mut roll = rng.random_range(0..total);
            let mut chosen = SERVICE_TYPES[0];
            for t in SERVICE_TYPES {
                if roll < t.2 {
                    chosen = *t;
                    break;
                }
                roll -= t.2;
            }
            buf.push_str(prefix);
            buf.push_str(word(rng, BRANDS));
            buf.push_str(chosen.0);
            Drawn {
                sector: chosen.1,
                direct_ok: chosen.3,
            }
        }
        OrgKind::Foundation => {
            let &(field, sector) = pick(rng, FOUNDATION_FIELDS);
            buf.push_str(prefix);
            buf.push_str(field);
            buf.push_str("基金会");
            Drawn {
                sector,
                direct_ok: true,
            }
        }
        OrgKind::LawFirm => {
            buf.push_str("山西");
            buf.push_str(word(rng, LAW_BRANDS));
            buf.push_str("律师事务所");
            Drawn {
                sector: super::sectors::LAW,
                direct_ok: false,
            }
        }
        OrgKind::Other => {
            buf.push_str(prefix);
            buf.push_str(word(rng, BRANDS));
            buf.push_str(word(rng, OTHER_TYPES));
            Drawn {
                sector: CIVIL,
                direct_ok: true,
            }
        }
    }
}

/// A uniformly chosen word of a non-empty constant list.
pub(super) fn word(rng: &mut ChaCha8Rng, list: &[&'static str]) -> &'static str {
    list.choose(rng).copied().unwrap_or_default()
}

/// A uniformly chosen element of a non-empty constant list.
pub(super) fn pick<'a, T>(rng: &mut ChaCha8Rng, list: &'a [T]) -> &'a T {
    match list.choose(rng) {
        Some(x) => x,
        None => &list[0],
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "赵", "杨", "郭", "武", "高", "梁", "贾", "石", "孙", "任", "田", "白",
    "冯", "韩", "乔", "吕", "许", "段", "申", "郝", "史", "闫", "薛", "温", "常", "侯", "马", "陈",
    "周", "胡", "牛", "康", "宋", "程", "范", "曹", "魏", "董", "智", "荆", "卢",
];

const GIVEN: &[&str] = &[
    "建", "国", "志", "强", "海", "燕", "丽", "娟", "晓", "东", "伟", "芳", "军", "红", "明", "华",
    "平", "宏", "文", "俊", "磊", "静", "敏", "霞", "峰", "鹏", "涛", "瑞", "丹", "彬", "杰", "琳",
    "慧", "斌", "勇", "刚", "玲", "婷", "鑫", "宇", "昊", "婧", "晋", "泉", "亮", "雪", "梅", "英",
    "辉", "超", "利", "春", "秀", "云", "鹏", "凯", "佳", "欣", "卫", "忠",
];

/// A plausible Chinese personal name: a common surname and one or two given characters.
pub(super) fn person_name(rng: &mut ChaCha8Rng) -> String {
    let mut s = String::with_capacity(9);
    s.push_str(word(rng, SURNAMES));
    s.push_str(word(rng, GIVEN));
    if rng.random_bool(0.7) {
        s.push_str(word(rng, GIVEN));
    }
    s
}

/// Streets by district (districts: 城区, 矿区, 郊区, 平定县, 盂县, 开发区).
const STREETS: [(&str, &[&str]); 6] = [
    (
        "城区",
        &[
            "桃北中路",
            "桃北东街",
            "义井街",
            "南大街",
            "北大街",
            "德胜街",
            "小阳泉路",
            "新华街",
        ],
    ),
    (
        "矿区",
        &["桥头街", "赛鱼路", "平坦垴街", "沙坪街", "北山路"],
    ),
    (
        "郊区",
        &[
            "荫营镇荫营街",
            "河底镇中心街",
            "义井镇义东路",
            "平坦镇建设路",
        ],
    ),
    (
        "平定县",
        &[
            "冠山镇城关街",
            "冠山镇西关路",
            "娘子关镇兴关路",
            "张庄镇建设街",
        ],
    ),
    (
        "盂县",
        &[
            "秀水镇东大街",
            "秀水镇北环路",
            "秀水镇文化街",
            "西烟镇中心街",
        ],
    ),
    (
        "阳泉经济开发区",
        &["大连东路", "桃林沟路", "开发区南路", "德胜东街"],
    ),
];

/// A street address in the org's region (city-level orgs sit in one of the urban districts).
pub(super) fn address(rng: &mut ChaCha8Rng, region: usize) -> String {
    let district = match region {
        0 => *pick(rng, &[0usize, 0, 0, 1, 2, 5]),
        r => r - 1,
    };
    let (name, streets) = STREETS[district.min(5)];
    let mut s = String::with_capacity(48);
    s.push_str("山西省阳泉市");
    s.push_str(name);
    s.push_str(word(rng, streets));
    let n: u32 = rng.random_range(1..300);
    push_number(&mut s, n);
    s.push('号');
    s
}

/// Appends a decimal number without going through the formatting machinery.
pub(super) fn push_number(s: &mut String, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for d in digits[..len].iter().rev() {
        s.push(char::from(*d));
    }
}

/// Chinese numeral for 1..=99 999 (一, 十二, 一百零五, 三千零二十); larger numbers in digits.
pub(super) fn zh_num(n: u32) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    const U: [&str; 5] = ["万", "千", "百", "十", ""];
    let mut s = String::new();
    if n == 0 || n > 99_999 {
        push_number(&mut s, n);
        return s;
    }
    let parts = [
        n / 10_000,
        n / 1_000 % 10,
        n / 100 % 10,
        n / 10 % 10,
        n % 10,
    ];
    let mut started = false;
    let mut zero_pending = false;
    for (i, &d) in parts.iter().enumerate() {
        if d == 0 {
            if started {
                zero_pending = true;
            }
            continue;
        }
        if zero_pending {
            s.push_str(D[0]);
            zero_pending = false;
        }
        // 十二 rather than 一十二 when the number starts with the tens.
        if !(i == 3 && d == 1 && !started) {
            s.push_str(D[d as usize]);
        }
        s.push_str(U[i]);
        started = true;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::zh_num;

    #[test]
    fn chinese_numerals() {
        assert_eq!(zh_num(1), "一");
        assert_eq!(zh_num(10), "十");
        assert_eq!(zh_num(12), "十二");
        assert_eq!(zh_num(20), "二十");
        assert_eq!(zh_num(105), "一百零五");
        assert_eq!(zh_num(110), "一百一十");
        assert_eq!(zh_num(3020), "三千零二十");
        assert_eq!(zh_num(10_001), "一万零一");
        assert_eq!(zh_num(123_456), "123456");
    }
}
