//! The report page: one self-contained HTML file (inline SVG, a small stylesheet with the
//! system font stack, no scripts, nothing fetched), a table of contents, and sections of
//! tables, short lists and charts. Each chart links to its standalone copy in the report's
//! folder.

use super::svg::Chart;
pub use super::svg::esc;
use std::fmt::Write;

/// A page of sections.
#[derive(Debug, Default)]
pub struct Page {
    pub title: String,
    /// Facts shown under the title: (label, value).
    pub facts: Vec<(String, String)>,
    /// Things the reader must know (missing bands, omitted charts).
    pub notes: Vec<String>,
    pub sections: Vec<Section>,
}

/// A section of the page, listed in the table of contents.
#[derive(Debug, Default)]
pub struct Section {
    pub id: String,
    pub title: String,
    /// A sentence or two of plain text under the heading.
    pub intro: String,
    pub groups: Vec<Group>,
    /// Consecutive sections with the same non-empty `toc_group` share one line of the
    /// table of contents, each named by its `toc_label`.
    pub toc_group: &'static str,
    pub toc_label: String,
}

/// Tables, a list and charts under one sub-heading (none: directly under the section), in
/// that order.
#[derive(Debug, Default)]
pub struct Group {
    pub id: String,
    pub title: String,
    pub intro: String,
    /// Plain sentences shown as a bulleted list.
    pub items: Vec<String>,
    pub tables: Vec<Table>,
    pub charts: Vec<Chart>,
    /// Wide charts (box plots, events): two to a row on a wide screen, not three.
    pub wide: bool,
}

/// A table of text cells: the first column is a label (left-aligned), the others figures
/// (right-aligned).
#[derive(Debug, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The table's markup.
    pub fn render(&self) -> String {
        let mut s = String::from("<div class=\"table\"><table>\n<tr>");
        for h in &self.header {
            let _ = write!(s, "<th>{}</th>", esc(h));
        }
        s.push_str("</tr>\n");
        for row in &self.rows {
            s.push_str("<tr>");
            for c in row {
                let _ = write!(s, "<td>{}</td>", esc(c));
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</table></div>\n");
        s
    }
}

/// The stylesheet of every page (the calibration report adds its tables' rules).
pub(super) const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;
 color:#222;margin:0;background:#f6f6f4;line-height:1.45}
main{max-width:1480px;margin:0 auto;padding:20px 28px 60px}
h1{font-size:24px;margin:8px 0 4px}h2{font-size:19px;margin:34px 0 6px;padding-top:10px;
 border-top:2px solid #ddd}h3{font-size:15px;margin:22px 0 6px;color:#333}
p{margin:4px 0 10px;max-width:980px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:10px 0;font-size:14px}
dl.facts dt{color:#666}dl.facts dd{margin:0}
.note{background:#fff7e0;border-left:4px solid #E69F00;padding:8px 12px;margin:8px 0;max-width:980px}
nav.toc{background:#fff;border:1px solid #ddd;padding:10px 16px;margin:14px 0;font-size:14px}
nav.toc ol{margin:4px 0;padding-left:20px}nav.toc li{margin:2px 0}
nav.toc span.sub a{margin-right:10px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:14px}
.wide{display:grid;grid-template-columns:repeat(auto-fill,minmax(680px,1fr));gap:14px}
figure{margin:0;background:#fff;border:1px solid #e2e2e2;padding:6px}
figure svg{width:100%;height:auto;display:block}
table{border-collapse:collapse;background:#fff;font-size:13px;margin:8px 0 14px;
 font-variant-numeric:tabular-nums}
th,td{padding:3px 10px;border-bottom:1px solid #e2e2e2;text-align:right;vertical-align:top}
th{background:#efefec;font-weight:600}
th:first-child,td:first-child,.text{text-align:left}
div.table td{white-space:nowrap}
div.table{overflow-x:auto;max-width:100%}
ul.story{margin:6px 0 12px;padding-left:22px;max-width:980px}ul.story li{margin:2px 0}
figcaption{font-size:11px;color:#888;text-align:right}
figcaption a{color:#888}
a{color:#0060a0}
";

impl Page {
    /// The whole document.
    pub fn render(&self, svg_dir: &str) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n",
            esc(&self.title),
            esc(&self.title)
        );
        s.push_str("<dl class=\"facts\">\n");
        for (k, v) in &self.facts {
            let _ = writeln!(s, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
        }
        s.push_str("</dl>\n");
        for n in &self.notes {
            let _ = writeln!(s, "<p class=\"note\">{}</p>", esc(n));
        }
        s.push_str("<nav class=\"toc\"><strong>Contents</strong>\n<ol>\n");
        for (i, sec) in self.sections.iter().enumerate() {
            if !sec.toc_group.is_empty() {
                let first = i == 0 || self.sections[i - 1].toc_group != sec.toc_group;
                let last = self
                    .sections
                    .get(i + 1)
                    .is_none_or(|n| n.toc_group != sec.toc_group);
                if first {
                    let _ = write!(s, "<li>{}: <span class=\"sub\">", esc(sec.toc_group));
                }
                let _ = write!(s, "<a href=\"#{}\">{}</a>", sec.id, esc(&sec.toc_label));
                if last {
                    s.push_str("</span></li>\n");
                }
                continue;
            }
            let _ = write!(s, "<li><a href=\"#{}\">{}</a>", sec.id, esc(&sec.title));
            let subs: Vec<&Group> = sec.groups.iter().filter(|g| !g.title.is_empty()).collect();
            if subs.len() > 1 {
                s.push_str(": <span class=\"sub\">");
                for g in subs {
                    let _ = write!(s, "<a href=\"#{}\">{}</a>", g.id, esc(&g.title));
                }
                s.push_str("</span>");
            }
            s.push_str("</li>\n");
        }
        s.push_str("</ol>\n</nav>\n");
        for sec in &self.sections {
            let _ = writeln!(
                s,
                "<section id=\"{}\">\n<h2>{}</h2>",
                sec.id,
                esc(&sec.title)
            );
            if !sec.intro.is_empty() {
                let _ = writeln!(s, "<p>{}</p>", esc(&sec.intro));
            }
            for g in &sec.groups {
                if !g.title.is_empty() {
                    let _ = writeln!(s, "<h3 id=\"{}\">{}</h3>", g.id, esc(&g.title));
                }
                if !g.intro.is_empty() {
                    let _ = writeln!(s, "<p>{}</p>", esc(&g.intro));
                }
                if !g.items.is_empty() {
                    s.push_str("<ul class=\"story\">\n");
                    for item in &g.items {
                        let _ = writeln!(s, "<li>{}</li>", esc(item));
                    }
                    s.push_str("</ul>\n");
                }
                for t in &g.tables {
                    s.push_str(&t.render());
                }
                if g.charts.is_empty() {
                    continue;
                }
                let class = if g.wide { "wide" } else { "grid" };
                let _ = writeln!(s, "<div class=\"{class}\">");
                for c in &g.charts {
                    let _ = writeln!(
                        s,
                        "<figure id=\"fig-{n}\">{svg}<figcaption><a href=\"{svg_dir}/{n}.svg\">{n}.svg</a></figcaption></figure>",
                        n = c.name,
                        svg = c.svg
                    );
                }
                s.push_str("</div>\n");
            }
            s.push_str("</section>\n");
        }
        s.push_str("</main>\n</body>\n</html>\n");
        s
    }

    /// Every chart of the page, in page order.
    pub fn charts(&self) -> impl Iterator<Item = &Chart> {
        self.sections
            .iter()
            .flat_map(|s| s.groups.iter())
            .flat_map(|g| g.charts.iter())
    }
}

/// A name safe for a file and an HTML id: letters, digits, `.`, `_` and `-`.
pub fn slug(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }

    #[test]
    fn slugs_keep_only_safe_characters() {
        assert_eq!(slug("gmv_usd-GB-tiktok vs a/b"), "gmv_usd-GB-tiktok_vs_a_b");
    }
}
