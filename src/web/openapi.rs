//! The OpenAPI 3 document of `/api/v1`, generated from the route table so that it always matches
//! the routes; query parameters are declared here per path.

use serde_json::{Map, Value, json};

use super::routes;

/// Query parameters of each API path: (name, type, description).
fn query_params(path: &str) -> Vec<(&'static str, &'static str, &'static str)> {
    match path {
        "/api/v1/stats/coverage" => vec![
            ("as_of", "date", "统计日期 YYYY-MM-DD，默认今天"),
            (
                "by",
                "string",
                "region | responsible-unit | kind，默认 region",
            ),
        ],
        "/api/v1/stats/cross-appointment" => {
            vec![("as_of", "date", "统计日期 YYYY-MM-DD，默认今天")]
        }
        "/api/v1/orgs" => vec![
            (
                "as_of",
                "date",
                "统计日期；给出时列出该日纳入统计的组织（即统计数字的明细）",
            ),
            (
                "in_scope",
                "boolean",
                "是否只列纳入统计的组织；有 as_of 时默认 true",
            ),
            ("region", "string", "区划代码（含下级区划）"),
            ("region_own", "string", "区划代码（仅本级，如市本级）"),
            (
                "kind",
                "string",
                "association | service_institution | foundation | law_firm | other",
            ),
            (
                "status",
                "string",
                "normal | abnormal | deregistered | revoked",
            ),
            (
                "responsible_unit",
                "string",
                "责任单位名称；空字符串表示无法确定责任单位",
            ),
            ("covered", "boolean", "党的组织覆盖"),
            ("own_covered", "boolean", "单独组建覆盖"),
            ("work_covered", "boolean", "党的工作覆盖"),
            ("abnormal", "boolean", "活动异常"),
            ("should_establish_own", "boolean", "应单独组建未单独组建"),
            ("should_establish_none", "boolean", "应建未建"),
            (
                "cross",
                "string",
                "two_way（双向进入、交叉任职）| head_secretary（主要负责人兼任党组织书记）",
            ),
            ("q", "string", "名称或信用代码关键词"),
            (
                "sort",
                "string",
                "credit_code | name | registered_on | region",
            ),
            ("order", "string", "asc | desc"),
            ("page", "integer", "页码，从 1 开始"),
            ("per_page", "integer", "每页条数，1–1000，默认 50"),
        ],
        "/api/v1/party-orgs" => vec![
            ("q", "string", "名称关键词"),
            (
                "kind",
                "string",
                "committee | general_branch | branch | joint_branch | temporary_branch",
            ),
            ("formation", "string", "own | joint"),
            (
                "region",
                "string",
                "区划代码：现覆盖该区划（含下级）社会组织的党组织",
            ),
            ("active_on", "date", "该日存续（已成立、未撤销）"),
            (
                "oversized",
                "boolean",
                "true：今日超出规模（联合党支部覆盖单位或党员人数超过规则）",
            ),
            ("page", "integer", "页码，从 1 开始"),
            ("per_page", "integer", "每页条数，1–1000，默认 50"),
        ],
        "/api/v1/instructors" => vec![
            ("q", "string", "姓名关键词"),
            ("unit", "integer", "派出单位的 id"),
            ("role", "string", "instructor | liaison"),
            ("stationed_on", "date", "该日有派驻"),
            ("in_care", "boolean", "true / false：现有 / 没有派驻组织"),
            ("page", "integer", "页码，从 1 开始"),
            ("per_page", "integer", "每页条数，1–1000，默认 50"),
        ],
        "/api/v1/audit" => vec![("page", "integer", "页码，每页100条")],
        _ => Vec::new(),
    }
}

fn schema(kind: &str) -> Value {
    match kind {
        "date" => json!({"type": "string", "format": "date"}),
        other => json!({"type": other}),
    }
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for (spec, _) in routes() {
        if !spec.path.starts_with("/api/") {
            continue;
        }
        let mut parameters: Vec<Value> = spec
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        parameters.extend(
            query_params(spec.path)
                .into_iter()
                .map(|(name, kind, description)| json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema(kind)})),
        );
        let mut responses = json!({
            "200": {"description": "成功", "content": {"application/json": {"schema": {"type": "object"}}}},
            "401": {"description": "未登录或令牌无效"},
            "404": {"description": "未找到，或不在权限范围内"}
        });
        if !parameters.is_empty() {
            responses["400"] = json!({"description": "参数无效（中文说明）"});
        }
        let operation = json!({
            "summary": spec.summary,
            "operationId": format!("{}{}", spec.method.to_lowercase(), spec.path.replace(['/', '{', '}', '-', '.'], "_")),
            "parameters": parameters,
            "responses": responses,
            "security": [{"bearer": []}]
        });
        let entry = paths
            .entry(spec.path.to_string())
            .or_insert_with(|| json!({}));
        entry[spec.method.to_lowercase()] = operation;
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "社会组织党建工作管理平台 API", "version": env!("CARGO_PKG_VERSION")},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "dangjian user token NAME 生成的令牌"}}},
        "paths": paths
    })
}

pub async fn serve() -> axum::Json<Value> {
    axum::Json(document())
}
