//! The one progress-bar factory: a hidden bar when stderr is not a terminal or `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::io::IsTerminal;

/// A bar over `runs` runs (trials × points of a sweep) with rate and ETA, drawn on stderr
/// only on a terminal.
pub fn bar(runs: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(runs), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(runs);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {rate}  ETA {eta}")
            .expect("valid template")
            .with_key(
                "rate",
                |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.1} runs/s", state.per_sec());
                },
            ),
    );
    bar
}
