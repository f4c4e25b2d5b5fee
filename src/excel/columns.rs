//! The sheets and columns of the registry workbook (`import-format.md`), with the header aliases
//! users write in their own sheets. One table serves the importer, the exporter and the template.

/// A column: its header as the template writes it, whether it is required, accepted aliases, and
/// the line of the 填写说明 sheet that explains it.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    pub required: bool,
    pub aliases: &'static [&'static str],
    pub help: &'static str,
}

/// A sheet and its columns, in template order.
#[derive(Debug, Clone, Copy)]
pub struct SheetSpec {
    pub name: &'static str,
    pub required: bool,
    pub columns: &'static [Column],
}

const fn col(
    header: &'static str,
    required: bool,
    aliases: &'static [&'static str],
    help: &'static str,
) -> Column {
    Column {
        header,
        required,
        aliases,
        help,
    }
}

pub const ORGS: SheetSpec = SheetSpec {
    name: "社会组织",
    required: true,
    columns: &[
        col(
            "统一社会信用代码",
            true,
            &["社会信用代码", "信用代码"],
            "18位，GB 32100，校验位须正确；51社会团体、52民办非企业单位、53基金会、31律师事务所",
        ),
        col(
            "名称",
            true,
            &["社会组织名称", "组织名称", "单位名称"],
            "1–100个字符",
        ),
        col(
            "类型",
            true,
            &["组织类型", "社会组织类型", "类别"],
            "社会团体 / 民办非企业单位（社会服务机构）/ 基金会 / 律师事务所 / 其他，须与信用代码前两位一致",
        ),
        col(
            "登记管理机关区划",
            true,
            &["区划", "区划代码", "登记机关区划", "所属区划"],
            "区划代码（如140302）或名称（如城区）",
        ),
        col(
            "业务主管单位",
            false,
            &["主管单位"],
            "单位名称；空表示直接登记；未知名称将新建单位并提示",
        ),
        col(
            "成立登记日期",
            true,
            &["成立日期", "登记日期"],
            "日期，如 2022-06-02、2022/6/2、2022.6.2、2022年6月2日",
        ),
        col("登记状态", true, &["状态"], "正常 / 异常 / 注销 / 撤销"),
        col(
            "注销撤销日期",
            false,
            &["注销日期", "撤销日期", "注销/撤销日期"],
            "注销或撤销时必填，不得早于成立登记日期；正常、异常时须为空",
        ),
        col("住所", false, &["地址"], "文本"),
        col("法定代表人", false, &[], "文本"),
        col("从业人员数", false, &["从业人数"], "不小于0的整数"),
        col("会员数", false, &[], "不小于0的整数"),
        col(
            "正式党员数",
            true,
            &["正式党员人数"],
            "不小于0的整数（预备党员不计）",
        ),
        col("预备党员数", false, &["预备党员人数"], "不小于0的整数"),
        col("党建入章", false, &["党建工作写入章程"], "是/否"),
        col(
            "核心价值观入章",
            false,
            &["社会主义核心价值观入章"],
            "是/否",
        ),
        col(
            "填报日期",
            false,
            &["数据日期"],
            "人数的填报日期；空表示导入当日",
        ),
    ],
};

pub const PARTY_ORGS: SheetSpec = SheetSpec {
    name: "党组织",
    required: false,
    columns: &[
        col("党组织名称", true, &["名称"], "唯一"),
        col(
            "组织类别",
            true,
            &["类别"],
            "党委 / 党总支 / 党支部 / 联合党支部 / 临时党支部",
        ),
        col(
            "组建方式",
            true,
            &[],
            "单独组建 / 联合组建；联合党支部须为联合组建；单独组建须只覆盖一个社会组织",
        ),
        col("上级党组织", false, &[], "党组织或单位名称"),
        col("成立日期", true, &[], "日期"),
        col("撤销日期", false, &[], "日期，须晚于成立日期"),
        col(
            "覆盖社会组织",
            true,
            &["覆盖社会组织信用代码"],
            "统一社会信用代码，多个用逗号、顿号、分号或换行分隔",
        ),
        col("党员人数", false, &["党员数"], "不小于0的整数"),
        col("书记姓名", false, &["书记"], "文本"),
    ],
};

/// Coverage links with their own dates (`import-format.md`, 覆盖关系): every link, open or closed;
/// a party org with rows here has exactly these links.
pub const LINKS: SheetSpec = SheetSpec {
    name: "覆盖关系",
    required: false,
    columns: &[
        col(
            "党组织名称",
            true,
            &["党组织"],
            "本工作簿“党组织”表或系统中的党组织；列在此表的党组织，其覆盖关系以此表为准（全部历史）",
        ),
        col(
            "统一社会信用代码",
            true,
            &["社会信用代码", "信用代码"],
            "本工作簿或系统中的社会组织",
        ),
        col(
            "起始日期",
            true,
            &["覆盖起始日期", "开始日期"],
            "日期，不早于党组织的成立日期和社会组织的成立登记日期",
        ),
        col(
            "终止日期",
            false,
            &["覆盖终止日期", "结束日期"],
            "日期，须晚于起始日期，不晚于党组织的撤销日期；空表示仍在覆盖。同一党组织与社会组织的覆盖期间不得重叠",
        ),
    ],
};

pub const INSTRUCTORS: SheetSpec = SheetSpec {
    name: "党建指导员",
    required: false,
    columns: &[
        col("姓名", true, &[], "文本"),
        col(
            "身份证号",
            false,
            &["公民身份号码", "身份证号码"],
            "18位，校验位须正确",
        ),
        col(
            "手机号",
            false,
            &["手机号码", "联系电话"],
            "以1开头的11位数字",
        ),
        col("派出单位", true, &[], "单位名称；未知名称将新建单位并提示"),
        col("角色", false, &[], "指导员（默认）/ 联络员"),
        col(
            "指导社会组织",
            true,
            &["派驻社会组织"],
            "统一社会信用代码，多个用逗号、顿号、分号或换行分隔",
        ),
        col("派驻日期", true, &[], "日期"),
        col("撤回日期", false, &[], "日期，须晚于派驻日期"),
    ],
};

/// Instructors' stations with their own dates (`import-format.md`, 派驻记录): every station; an
/// instructor with rows here has exactly these stations.
pub const STATIONS: SheetSpec = SheetSpec {
    name: "派驻记录",
    required: false,
    columns: &[
        col(
            "姓名",
            true,
            &[],
            "本工作簿“党建指导员”表或系统中的指导员（按身份证号，无身份证号时按姓名和派出单位对应）；列在此表的指导员，其派驻以此表为准（全部历史）",
        ),
        col(
            "身份证号",
            false,
            &["公民身份号码", "身份证号码"],
            "与“党建指导员”表相同",
        ),
        col("派出单位", true, &[], "单位名称，与“党建指导员”表相同"),
        col(
            "统一社会信用代码",
            true,
            &["社会信用代码", "信用代码"],
            "本工作簿或系统中的社会组织",
        ),
        col("派驻日期", true, &[], "日期"),
        col(
            "撤回日期",
            false,
            &[],
            "日期，须晚于派驻日期；空表示仍在派驻。同一指导员在同一社会组织的派驻期间不得重叠",
        ),
    ],
};

pub const UNITS: SheetSpec = SheetSpec {
    name: "单位",
    required: false,
    columns: &[
        col("单位名称", true, &["名称"], "唯一"),
        col(
            "单位类别",
            true,
            &["类别"],
            "社会组织党委 / 县区工委 / 行业党委 / 行业主管部门 / 其他委员单位",
        ),
        col("所属区划", true, &["区划"], "区划代码或名称"),
        col(
            "承担党建工作",
            false,
            &[],
            "是/否；社会组织党委、县区工委、行业党委默认是，其余默认否",
        ),
    ],
};

pub const POSITIONS: SheetSpec = SheetSpec {
    name: "任职",
    required: false,
    columns: &[
        col("姓名", true, &[], "文本"),
        col(
            "身份证号",
            false,
            &["公民身份号码", "身份证号码"],
            "18位，校验位须正确",
        ),
        col("是否党员", false, &[], "是/否"),
        col(
            "任职组织",
            true,
            &[],
            "社会组织的统一社会信用代码，或党组织名称",
        ),
        col(
            "职务",
            true,
            &[],
            "社会组织：主要负责人/法定代表人/理事长/会长/副会长/理事/监事/秘书长/副秘书长/其他；党组织：书记/副书记/委员",
        ),
        col("任职日期", true, &[], "日期"),
        col("离任日期", false, &[], "日期，须晚于任职日期"),
    ],
};

/// Census campaigns (摸排活动): written by every export, so that its 摸排 rows (the returns, whose
/// confirmed counts are part of the history) import into an empty registry too. Not part of
/// `import-format.md` (see docs/decisions.md).
pub const CAMPAIGNS: SheetSpec = SheetSpec {
    name: "摸排活动",
    required: false,
    columns: &[
        col(
            "摸排名称",
            true,
            &["名称"],
            "1–100个字符，唯一；系统中已有同名摸排时须与其基准日、区划一致",
        ),
        col(
            "摸排基准日",
            true,
            &["基准日"],
            "日期；摸排范围为基准日在册的社会组织",
        ),
        col("截止日期", true, &[], "日期，不早于摸排基准日"),
        col("区划", true, &["摸排区划"], "区划代码或名称；含其下级区划"),
    ],
};

/// Census returns (摸排, `domain.md` §4.3): one row per org and campaign. Not part of
/// `import-format.md`; its columns follow the return form (see docs/decisions.md).
pub const CENSUS: SheetSpec = SheetSpec {
    name: "摸排",
    required: false,
    columns: &[
        col(
            "摸排名称",
            true,
            &["摸排活动", "摸排任务"],
            "本工作簿“摸排活动”表或系统中的摸排的名称",
        ),
        col(
            "统一社会信用代码",
            true,
            &["社会信用代码", "信用代码"],
            "摸排范围内（基准日在册、所属区划内）的社会组织",
        ),
        col(
            "社会组织名称",
            false,
            &["名称", "组织名称"],
            "仅供核对，不导入",
        ),
        col(
            "运行状态",
            true,
            &["运营状态"],
            "正常运行 / 停止活动 / 无法联系",
        ),
        col("从业人员数", false, &["从业人数"], "不小于0的整数"),
        col("会员数", false, &[], "不小于0的整数"),
        col(
            "正式党员数",
            true,
            &["正式党员人数"],
            "在本组织从业的正式党员，不小于0的整数（预备党员不计）",
        ),
        col(
            "预备党员数",
            false,
            &["预备党员人数"],
            "不小于0的整数；空表示0",
        ),
        col(
            "党组织状况",
            true,
            &["党组织建立情况"],
            "已单独建立党组织 / 已纳入联合党组织 / 未建立党组织",
        ),
        col(
            "已确认",
            false,
            &["责任单位已确认"],
            "是/否；是：导入即由导入人（责任单位）确认，人数自摸排基准日起计入统计",
        ),
        col("备注", false, &["说明"], "不超过500个字符"),
    ],
};

/// Every sheet, in the order they are read and written (units first: others refer to them).
pub const SHEETS: &[SheetSpec] = &[
    UNITS,
    ORGS,
    PARTY_ORGS,
    LINKS,
    INSTRUCTORS,
    STATIONS,
    POSITIONS,
    CAMPAIGNS,
    CENSUS,
];

/// Sheets the importer passes over silently: the template's instructions, and the column an
/// error workbook adds.
pub const HELP_SHEET: &str = "填写说明";
pub const ERROR_COLUMN: &str = "错误说明";
