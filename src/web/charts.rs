//! Charts as inline SVG, rendered on the server so that pages need no JavaScript and print
//! exactly as they show.
//!
//! Each function returns the markup of one `<svg>` element; the page inserts it with askama's
//! `|safe` filter, which is sound because every piece of text here goes through [`escape`].
//! The drawings use a `viewBox` (they scale to the width of `.chart`), carry `role="img"` and a
//! `<title>` for screen readers, and write every value as text next to its mark so that a
//! black-and-white print still reads: colour is never the only carrier of meaning.

use std::fmt::Write;

/// One horizontal bar: a region and its figure.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    /// The length of the bar, in the units of `max`.
    pub value: f64,
    /// The value as the page formats it (decimals and `%` from the rule table), written at the
    /// end of the bar.
    pub display: String,
    /// The records behind the figure; the whole row becomes a link.
    pub href: Option<String>,
}

/// One point of a trend: a period label such as `2019Q1` and its value.
#[derive(Debug, Clone)]
pub struct Point {
    pub label: String,
    pub value: f64,
}

/// One line of a trend chart. `dashed` tells two series apart in black and white.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub points: Vec<Point>,
    pub dashed: bool,
}

/// Width of every chart's coordinate system; the browser scales it to the container.
const WIDTH: f64 = 640.0;
/// Bar chart geometry: the label column, the space for the value text, one row.
const LABEL_W: f64 = 132.0;
const VALUE_W: f64 = 84.0;
const ROW_H: f64 = 28.0;
const BAR_H: f64 = 18.0;
const TOP: f64 = 30.0;
/// Line chart geometry: the plot area inside the drawing.
const LINE_H: f64 = 300.0;
const PLOT_LEFT: f64 = 52.0;
const PLOT_RIGHT: f64 = 20.0;
const PLOT_TOP: f64 = 62.0;
const PLOT_BOTTOM: f64 = 36.0;
/// About how wide an x label like `2019Q1` is at 12px, with a gap.
const X_LABEL_W: f64 = 54.0;

const BAR_FILL: &str = "#3a6ea5";
const TRACK: &str = "#e3e6ea";
const GRID: &str = "#d9dde2";
const AXIS: &str = "#8a9099";
const TEXT: &str = "#333";
/// Series colours; the dash pattern, not the colour, is what tells them apart in print.
const PALETTE: [&str; 4] = ["#1f5fa8", "#555b63", "#2e7d32", "#9a5b00"];

/// Escapes text for XML content and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A finite value within `[lo, hi]`; NaN counts as `lo`.
fn clamp(v: f64, lo: f64, hi: f64) -> f64 {
    if v.is_nan() { lo } else { v.clamp(lo, hi) }
}

/// A number for an axis or point label: whole numbers without decimals, others with one.
fn fmt_num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The top of a count axis from zero: the smallest four whole, round steps (1, 2, 2.5 or 5 times
/// a power of ten, at least 1) reaching `max`, so that the five gridlines are whole numbers.
pub fn count_axis_max(max: f64) -> f64 {
    let raw = if max.is_finite() {
        max.max(0.0) / 4.0
    } else {
        0.0
    };
    if raw <= 1.0 {
        return 4.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|step| *step >= raw && step.fract() == 0.0)
        .unwrap_or(10.0 * power);
    4.0 * step
}

/// The `%` sign follows a number directly; other units are named once in the caption.
fn with_unit(v: f64, unit: &str) -> String {
    if unit == "%" {
        format!("{}%", fmt_num(v))
    } else {
        fmt_num(v)
    }
}

/// The opening tag, accessible title and optional unit caption shared by both charts.
fn open_svg(out: &mut String, title: &str, height: f64, unit: &str) {
    let t = escape(title);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:.0} {height:.0}" role="img" aria-label="{t}" font-size="12" fill="{TEXT}"><title>{t}</title><text x="4" y="15" font-size="13" font-weight="bold" class="chart-title">{t}</text>"#
    );
    if !unit.is_empty() {
        let _ = write!(
            out,
            r#"<text x="{:.0}" y="14" text-anchor="end" class="chart-unit">单位：{}</text>"#,
            WIDTH - 4.0,
            escape(unit)
        );
    }
}

/// The drawing for no data, so that the page keeps its shape and says so.
fn empty_svg(title: &str) -> String {
    let mut out = String::new();
    open_svg(&mut out, title, 80.0, "");
    let _ = write!(
        out,
        r#"<text x="{:.0}" y="44" text-anchor="middle" class="chart-empty">暂无数据</text></svg>"#,
        WIDTH / 2.0
    );
    out
}

/// Horizontal bars, one per row: label on the left, the bar on a light track from 0 to `max`,
/// the `display` text after the bar's end. Values are clamped to `0..=max`; a `max` that is not
/// positive falls back to the largest value (or 1). The only `<rect>` elements are the bars.
pub fn bar_chart(title: &str, bars: &[Bar], max: f64, unit: &str) -> String {
    if bars.is_empty() {
        return empty_svg(title);
    }
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        let top = bars
            .iter()
            .map(|b| b.value)
            .filter(|v| v.is_finite())
            .fold(0.0_f64, f64::max);
        if top > 0.0 { top } else { 1.0 }
    };
    let track_w = WIDTH - LABEL_W - VALUE_W;
    let height = TOP + ROW_H * bars.len() as f64 + 8.0;
    let mut out = String::new();
    open_svg(&mut out, title, height, unit);
    for (i, bar) in bars.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        let bar_y = y + (ROW_H - BAR_H) / 2.0;
        let mid = y + ROW_H / 2.0 + 4.0;
        let w = clamp(bar.value, 0.0, max) / max * track_w;
        let label = escape(&bar.label);
        let display = escape(&bar.display);
        if let Some(href) = &bar.href {
            let _ = write!(out, r#"<a href="{}">"#, escape(href));
        }
        let _ = write!(
            out,
            r#"<g class="bar-row"><title>{label}：{display}</title><text x="{lx:.0}" y="{mid:.1}" text-anchor="end">{label}</text><line x1="{x0:.0}" y1="{ty:.1}" x2="{x1:.0}" y2="{ty:.1}" stroke="{TRACK}" stroke-width="{BAR_H:.0}"/><rect class="bar" x="{x0:.0}" y="{bar_y:.1}" width="{w:.1}" height="{BAR_H:.0}" fill="{BAR_FILL}"/><text class="bar-value" x="{vx:.1}" y="{mid:.1}">{display}</text></g>"#,
            lx = LABEL_W - 8.0,
            x0 = LABEL_W,
            x1 = LABEL_W + track_w,
            ty = bar_y + BAR_H / 2.0,
            vx = LABEL_W + w + 6.0,
        );
        if bar.href.is_some() {
            out.push_str("</a>");
        }
    }
    out.push_str("</svg>");
    out
}

/// The x categories of all series in order: a label missing from the list so far goes right
/// after the label that precedes it in its own series, so a series that starts later or ends
/// earlier still lines up with the others.
fn categories(series: &[Series]) -> Vec<&str> {
    let mut cats: Vec<&str> = Vec::new();
    for s in series {
        let mut next = 0;
        for p in &s.points {
            match cats.iter().position(|c| *c == p.label) {
                Some(i) => next = i + 1,
                None => {
                    cats.insert(next, &p.label);
                    next += 1;
                }
            }
        }
    }
    cats
}

/// Show every `step`-th x label so that labels never overlap; steps of 4 keep quarters aligned
/// on the year (`2019Q1`, `2020Q1` …).
fn label_step(n: usize, plot_w: f64) -> usize {
    let fit = ((plot_w / X_LABEL_W).floor() as usize).max(1);
    let min = n.div_ceil(fit).max(1);
    match min {
        1 | 2 => min,
        3 | 4 => 4,
        _ => min.div_ceil(4) * 4,
    }
}

/// A trend by period: 5 horizontal gridlines with tick labels from `min` to `max`, one polyline
/// per series (dashed for `dashed`), a point marker with a hover title at every value, value
/// labels at the labelled periods and the last one, and a legend above the plot. Values are
/// clamped to `min..=max`; a NaN value leaves a gap in its line.
pub fn line_chart(title: &str, series: &[Series], min: f64, max: f64, unit: &str) -> String {
    let cats = categories(series);
    if cats.is_empty() {
        return empty_svg(title);
    }
    let (min, max) = if min.is_finite() && max.is_finite() && max > min {
        (min, max)
    } else {
        let finite = || series.iter().flat_map(|s| &s.points).map(|p| p.value);
        let lo = finite()
            .filter(|v| v.is_finite())
            .fold(f64::INFINITY, f64::min);
        let hi = finite()
            .filter(|v| v.is_finite())
            .fold(f64::NEG_INFINITY, f64::max);
        if lo.is_finite() && hi > lo {
            (lo.min(0.0), hi)
        } else if hi.is_finite() {
            // One value only: a range from zero that contains it.
            (hi.min(0.0), hi.max(0.0) + 1.0)
        } else {
            (0.0, 1.0)
        }
    };
    let plot_w = WIDTH - PLOT_LEFT - PLOT_RIGHT;
    let plot_h = LINE_H - PLOT_TOP - PLOT_BOTTOM;
    let bottom = PLOT_TOP + plot_h;
    let n = cats.len();
    let x_of = |i: usize| {
        if n == 1 {
            PLOT_LEFT + plot_w / 2.0
        } else {
            PLOT_LEFT + plot_w * i as f64 / (n - 1) as f64
        }
    };
    let y_of = |v: f64| bottom - (clamp(v, min, max) - min) / (max - min) * plot_h;
    let step = label_step(n, plot_w);
    // The last period is labelled too when it is far enough from the last regular label.
    let spacing = if n > 1 {
        plot_w / (n - 1) as f64
    } else {
        plot_w
    };
    let shown = |i: usize| {
        i.is_multiple_of(step) || (i == n - 1 && ((n - 1) % step) as f64 * spacing >= X_LABEL_W)
    };

    let mut out = String::new();
    open_svg(&mut out, title, LINE_H, unit);

    // Gridlines and y ticks.
    for k in 0..5 {
        let v = min + (max - min) * k as f64 / 4.0;
        let y = y_of(v);
        let _ = write!(
            out,
            r#"<line x1="{PLOT_LEFT:.0}" y1="{y:.1}" x2="{x2:.0}" y2="{y:.1}" stroke="{stroke}" stroke-width="1"/><text x="{tx:.0}" y="{ty:.1}" text-anchor="end">{label}</text>"#,
            x2 = PLOT_LEFT + plot_w,
            stroke = if k == 0 { AXIS } else { GRID },
            tx = PLOT_LEFT - 6.0,
            ty = y + 4.0,
            label = escape(&with_unit(v, unit)),
        );
    }
    // The y axis and the x labels.
    let _ = write!(
        out,
        r#"<line x1="{PLOT_LEFT:.0}" y1="{PLOT_TOP:.0}" x2="{PLOT_LEFT:.0}" y2="{bottom:.0}" stroke="{AXIS}" stroke-width="1"/>"#
    );
    // The first and the last label are anchored inside the drawing, so that neither is cut.
    let anchor = |i: usize| {
        if n > 1 && i == 0 {
            "start"
        } else if n > 1 && i == n - 1 {
            "end"
        } else {
            "middle"
        }
    };
    for (i, cat) in cats.iter().enumerate() {
        if shown(i) {
            let x = x_of(i);
            let _ = write!(
                out,
                r#"<line x1="{x:.1}" y1="{bottom:.0}" x2="{x:.1}" y2="{t:.0}" stroke="{AXIS}"/><text x="{x:.1}" y="{ty:.0}" text-anchor="{a}">{}</text>"#,
                escape(cat),
                t = bottom + 4.0,
                ty = bottom + 18.0,
                a = anchor(i),
            );
        }
    }

    // Legend: a line sample in the series' style, then its name.
    let mut lx = PLOT_LEFT;
    for (si, s) in series.iter().enumerate() {
        let color = PALETTE[si % PALETTE.len()];
        let dash = if s.dashed {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let name = escape(&s.name);
        let _ = write!(
            out,
            r#"<g class="legend"><line x1="{lx:.0}" y1="36" x2="{x2:.0}" y2="36" stroke="{color}" stroke-width="2.5"{dash}/><text x="{tx:.0}" y="40">{name}</text></g>"#,
            x2 = lx + 28.0,
            tx = lx + 34.0,
        );
        lx += 34.0 + 13.0 * s.name.chars().count() as f64 + 24.0;
    }

    // The series: polylines split at NaN gaps, markers, value labels.
    for (si, s) in series.iter().enumerate() {
        let color = PALETTE[si % PALETTE.len()];
        let dash = if s.dashed {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let idx = |p: &Point| cats.iter().position(|c| *c == p.label).unwrap_or(0);
        let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for p in &s.points {
            if p.value.is_nan() {
                segments.push(Vec::new());
            } else if let Some(seg) = segments.last_mut() {
                seg.push((x_of(idx(p)), y_of(p.value)));
            }
        }
        for seg in segments.iter().filter(|s| s.len() > 1) {
            let pts: Vec<String> = seg.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
            let _ = write!(
                out,
                r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2"{dash}/>"#,
                pts.join(" ")
            );
        }
        let name = escape(&s.name);
        let last = s.points.iter().rposition(|p| !p.value.is_nan());
        for (pi, p) in s.points.iter().enumerate() {
            if p.value.is_nan() {
                continue;
            }
            let i = idx(p);
            let (x, y) = (x_of(i), y_of(p.value));
            let v = escape(&with_unit(clamp(p.value, min, max), unit));
            let _ = write!(
                out,
                r##"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="#fff" stroke="{color}" stroke-width="2"><title>{name} {}：{v}</title></circle>"##,
                escape(&p.label),
            );
            if shown(i) || Some(pi) == last {
                // Away from the other lines: the higher value's label above its point, a
                // lower one's below; a label that would run into the x labels, or into the
                // other series' label (values closer than a line of text), is left out — the
                // point's title still gives it.
                let others: Vec<f64> = series
                    .iter()
                    .enumerate()
                    .filter(|(oi, _)| *oi != si)
                    .flat_map(|(_, o)| o.points.iter())
                    .filter(|q| q.label == p.label && q.value.is_finite())
                    .map(|q| y_of(q.value))
                    .collect();
                let higher = others.iter().any(|oy| *oy < y);
                let ly = if higher { y + 16.0 } else { y - 8.0 };
                let crowded = others.iter().any(|oy| {
                    let other_label = if *oy < y { oy - 8.0 } else { oy + 16.0 };
                    (other_label - ly).abs() < 13.0
                });
                if (higher && ly > bottom - 4.0) || (crowded && (higher || si > 0)) {
                    continue;
                }
                let _ = write!(
                    out,
                    r#"<text class="point-value" x="{x:.1}" y="{ly:.1}" text-anchor="{a}">{v}</text>"#,
                    a = anchor(i),
                );
            }
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_axes_have_whole_round_gridlines() {
        // 725 open items: steps of 200 (181.25 would be the quarter); 1 item: steps of 1;
        // 10: 2.5 is not whole, so 5; 100: 25.
        for (max, top) in [
            (725.0, 800.0),
            (1.0, 4.0),
            (0.0, 4.0),
            (10.0, 20.0),
            (100.0, 100.0),
            (101.0, 200.0),
        ] {
            assert_eq!(count_axis_max(max), top, "{max}");
        }
    }

    fn bar(label: &str, value: f64, href: Option<&str>) -> Bar {
        Bar {
            label: label.to_string(),
            value,
            display: format!("{value}%"),
            href: href.map(str::to_string),
        }
    }

    fn quarters(from_year: i32, n: usize, f: impl Fn(usize) -> f64) -> Vec<Point> {
        (0..n)
            .map(|i| Point {
                label: format!("{}Q{}", from_year + (i / 4) as i32, i % 4 + 1),
                value: f(i),
            })
            .collect()
    }

    /// Every `<svg` is closed and the tags balance; a cheap well-formedness check.
    fn assert_svg(svg: &str) {
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title>"));
        assert!(!svg.contains("NaN"), "{svg}");
        assert!(!svg.contains("inf"), "{svg}");
        for tag in ["a", "g", "text", "title", "circle"] {
            let opens =
                svg.matches(&format!("<{tag}>")).count() + svg.matches(&format!("<{tag} ")).count();
            let closes = svg.matches(&format!("</{tag}>")).count();
            assert_eq!(opens, closes, "<{tag}> unbalanced in {svg}");
        }
    }

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn bar_labels_titles_and_links_are_escaped() {
        let bars = [bar(
            "<script>alert(1)</script>",
            50.0,
            Some("/orgs?a=1&b=\"2\""),
        )];
        let svg = bar_chart("覆盖率 <b>", &bars, 100.0, "%");
        assert_svg(&svg);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(svg.contains("<title>覆盖率 &lt;b&gt;</title>"));
        assert!(svg.contains(r#"<a href="/orgs?a=1&amp;b=&quot;2&quot;">"#));
    }

    #[test]
    fn one_rect_per_bar_and_links_where_given() {
        let bars = [
            bar("东城区", 92.5, Some("/orgs?region=110101")),
            bar("西城区", 80.0, None),
            bar("朝阳区", 71.3, Some("/orgs?region=110105")),
        ];
        let svg = bar_chart("党组织覆盖率", &bars, 100.0, "%");
        assert_svg(&svg);
        assert_eq!(svg.matches("<rect").count(), 3);
        assert_eq!(svg.matches("<a href=").count(), 2);
        assert!(svg.contains(r#"href="/orgs?region=110101""#));
        assert!(svg.contains(">92.5%</text>"));
        assert!(svg.contains("单位：%"));
        // 92.5 of 100 over a 424-wide track.
        assert!(svg.contains(r#"width="392.2""#), "{svg}");
    }

    #[test]
    fn bar_values_are_clamped() {
        let mut bars = [
            bar("负数", -5.0, None),
            bar("超限", 250.0, None),
            bar("缺失", f64::NAN, None),
            bar("无穷", f64::INFINITY, None),
        ];
        for b in &mut bars {
            b.display = "—".into();
        }
        let svg = bar_chart("t", &bars, 100.0, "");
        assert_svg(&svg);
        let track = WIDTH - LABEL_W - VALUE_W;
        assert_eq!(svg.matches(r#"width="0.0""#).count(), 2);
        assert_eq!(svg.matches(&format!(r#"width="{track:.1}""#)).count(), 2);
        // A bad max falls back to the data.
        let svg = bar_chart("t", &bars, f64::NAN, "");
        assert_svg(&svg);
        let svg = bar_chart("t", &[bar("零", 0.0, None)], 0.0, "");
        assert_svg(&svg);
    }

    #[test]
    fn empty_input_says_no_data() {
        for svg in [
            bar_chart("覆盖率", &[], 100.0, "%"),
            line_chart("趋势", &[], 0.0, 100.0, "%"),
            line_chart(
                "趋势",
                &[Series {
                    name: "a".into(),
                    points: vec![],
                    dashed: false,
                }],
                0.0,
                100.0,
                "%",
            ),
        ] {
            assert_svg(&svg);
            assert!(svg.contains(">暂无数据</text>"));
        }
    }

    #[test]
    fn line_chart_draws_series_grid_and_legend() {
        let series = [
            Series {
                name: "党组织覆盖率".into(),
                points: quarters(2019, 8, |i| 50.0 + 5.0 * i as f64),
                dashed: false,
            },
            Series {
                name: "<工作覆盖率>".into(),
                points: quarters(2019, 8, |i| 40.0 + 4.0 * i as f64),
                dashed: true,
            },
        ];
        let svg = line_chart("覆盖率趋势", &series, 0.0, 100.0, "%");
        assert_svg(&svg);
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("stroke-dasharray").count(), 2); // legend + line
        assert_eq!(svg.matches("<circle").count(), 16);
        assert!(svg.contains("&lt;工作覆盖率&gt;"));
        assert!(!svg.contains("<工作"));
        for tick in [">0%<", ">25%<", ">50%<", ">75%<", ">100%<"] {
            assert!(svg.contains(tick), "{tick}");
        }
        assert!(svg.contains(">2019Q1</text>"));
        assert!(svg.contains(">85%</text>")); // last value of the first series
    }

    #[test]
    fn many_points_thin_out_x_labels() {
        let series = [Series {
            name: "覆盖率".into(),
            points: quarters(2015, 40, |i| i as f64 * 2.5),
            dashed: false,
        }];
        let svg = line_chart("t", &series, 0.0, 100.0, "%");
        assert_svg(&svg);
        let shown = (2015..2025)
            .flat_map(|y| (1..=4).map(move |q| format!(">{y}Q{q}</text>")))
            .filter(|l| svg.contains(l.as_str()))
            .count();
        assert!((2..=11).contains(&shown), "{shown} labels shown");
        assert!(svg.contains(">2015Q1</text>"));
        assert!(!svg.contains(">2015Q2</text>"));
    }

    #[test]
    fn line_values_are_clamped_and_nan_leaves_a_gap() {
        let mut points = quarters(2020, 6, |i| i as f64 * 10.0);
        points[1].value = -20.0;
        points[2].value = f64::NAN;
        points[3].value = 1e9;
        let series = [Series {
            name: "a".into(),
            points,
            dashed: false,
        }];
        let svg = line_chart("t", &series, 0.0, 100.0, "");
        assert_svg(&svg);
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 5);
        let top = format!(r#"cy="{PLOT_TOP:.1}""#);
        let bottom = format!(r#"cy="{:.1}""#, LINE_H - PLOT_BOTTOM);
        assert!(svg.contains(&top) && svg.contains(&bottom), "{svg}");
        // A bad range falls back to the data.
        let svg = line_chart("t", &series, f64::NAN, 5.0, "");
        assert_svg(&svg);
        let svg = line_chart("t", &series, 3.0, 3.0, "");
        assert_svg(&svg);
    }

    #[test]
    fn series_with_different_spans_line_up() {
        let a = quarters(2019, 8, |_| 1.0);
        let b = quarters(2018, 6, |_| 2.0);
        let series = [
            Series {
                name: "a".into(),
                points: a,
                dashed: false,
            },
            Series {
                name: "b".into(),
                points: b,
                dashed: true,
            },
        ];
        let cats = categories(&series);
        assert_eq!(cats.len(), 12);
        assert_eq!(cats.first(), Some(&"2018Q1"));
        assert_eq!(cats.last(), Some(&"2020Q4"));
        let mut sorted = cats.clone();
        sorted.sort();
        assert_eq!(cats, sorted);
    }
}
