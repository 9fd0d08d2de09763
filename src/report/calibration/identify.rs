//! The calibration page's prior predictive check (its first section) and its
//! identification section: what the targets could inform before calibrating, and what they
//! pinned after. The numbers are the calibration's own ([`crate::calibrate::prior_check`],
//! [`crate::calibrate::identify`]); this file only draws them.

use super::super::html::esc;
use crate::calibrate::identify::{Identification, RIDGE, sig3};
use crate::calibrate::prior_check::TargetCheck;
use crate::format::{Unit, human};
use std::fmt::Write as _;

/// The prior predictive check: generation 0's draws judged against each target.
pub fn prior_check_section(s: &mut String, checks: &[TargetCheck], draws: usize) {
    s.push_str("<section id=\"prior-check\">\n<h2>Prior predictive check</h2>\n");
    if checks.is_empty() {
        s.push_str("<p>No generation 0: there are no prior draws to check.</p>\n</section>\n");
        return;
    }
    let _ = writeln!(
        s,
        "<p>Generation 0's {draws} draws from the prior (the same draws as `calibrate \
         --prior-check` with N = --population), each simulated once and judged as a run of one \
         trial by its target's check: each target's prior predictive range and the share of \
         draws that already meet it. A target that every draw meets cannot inform the \
         calibration (its distance is 0 whatever the parameters).</p>"
    );
    s.push_str(
        "<table>\n<tr><th>target</th><th>check</th><th>p05</th><th>median</th><th>p95</th>\
         <th>draws meeting it</th><th></th></tr>\n",
    );
    for c in checks {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(if c.label.is_empty() {
                &c.name
            } else {
                &c.label
            }),
            esc(&c.check),
            esc(&human(c.p05, c.unit)),
            esc(&human(c.median, c.unit)),
            esc(&human(c.p95, c.unit)),
            esc(&human(c.meets, Unit::Share)),
            esc(c.flag().unwrap_or("")),
        );
    }
    s.push_str("</table>\n</section>\n");
}

/// What the posterior pinned: widths, ridges, each target's share of the distance.
pub fn identification_section(s: &mut String, found: Option<&Identification>) {
    s.push_str("<section id=\"identification\">\n<h2>Identification</h2>\n");
    let Some(found) = found else {
        s.push_str("<p>No generations: nothing was identified.</p>\n</section>\n");
        return;
    };
    s.push_str(
        "<p>Per factor (its first parameter), the posterior's 90% interval (weighted quantiles) \
         over the prior's: near 1, the targets did not inform it. Written to \
         identification.csv.</p>\n<table>\n<tr><th>factor</th><th>prior 90%</th>\
         <th>posterior median</th><th>posterior 90%</th><th>width, posterior / prior</th></tr>\n",
    );
    for w in &found.widths {
        let _ = writeln!(
            s,
            "<tr><td>{}<br><small>{}</small></td><td>{} - {}</td><td>{}</td><td>{} - {}</td>\
             <td>{:.2}</td></tr>",
            esc(&w.factor),
            esc(&w.path),
            sig3(w.prior.0),
            sig3(w.prior.1),
            sig3(w.posterior.1),
            sig3(w.posterior.0),
            sig3(w.posterior.2),
            w.ratio
        );
    }
    s.push_str("</table>\n");
    let ridges: Vec<String> = found
        .ridges()
        .map(|&(a, b, r)| {
            format!(
                "<li>{} ~ {}: r = {:+.2}</li>",
                esc(&found.widths[a].factor),
                esc(&found.widths[b].factor),
                r
            )
        })
        .collect();
    let _ = writeln!(
        s,
        "<p>Ridges: posterior correlations of the factors' latent normals with |r| ≥ {RIDGE} \
         (the targets pin a combination better than either factor): {}</p>",
        if ridges.is_empty() { "none." } else { "" }
    );
    if !ridges.is_empty() {
        let _ = writeln!(s, "<ul>\n{}\n</ul>", ridges.join("\n"));
    }
    s.push_str(
        "<p>Each target's share of the last generation's summed squared distance (its squared \
         misses over all particles, in the scales that generation measured with): the targets \
         the posterior still misses most.</p>\n<table>\n<tr><th>target</th><th>share</th></tr>\n",
    );
    for (name, share) in &found.shares {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td></tr>",
            esc(name),
            esc(&human(*share, Unit::Share))
        );
    }
    s.push_str("</table>\n</section>\n");
}
