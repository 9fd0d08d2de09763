//! The `livemarket` binary: parse the command line and dispatch to the command's module.
//! Errors surface here, once, with the exit status that says whose they are.

mod check;
mod cli;
mod params;

use clap::Parser;
use cli::{Cli, Command};
use livemarket::error::UserError;
use livemarket::lock::{self, Access};
use livemarket::scenario::ScenarioError;
use livemarket::{compare, export, merge, pivot, report, run, sensitivity, summarize, targets};
use std::process::ExitCode;

fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Command::Run(args) => {
            let (html, xlsx, quiet) = (args.report, args.xlsx, args.quiet);
            args.command()
                .and_then(run::command)
                .and_then(|out| match out {
                    Some(dir) => {
                        let _lock = lock::hold(&dir, Access::Read)?;
                        report::write_and_say(&dir, html, xlsx, None, quiet)
                    }
                    None => Ok(()),
                })
        }
        Command::Check(args) => check::command(args),
        Command::Params(args) => params::command(args),
        Command::Compare(args) => {
            let c = args.command();
            compare::command(&c)
                .and_then(|done| report::comparison_files(&done, &c, args.xlsx, args.report))
        }
        Command::Sensitivity(a) => sensitivity::command(&a.dir, a.out, &a.metric, a.top, a.quiet),
        Command::Summarize(a) => summarize::command(&a.dir, a.quiet),
        Command::Merge(a) => merge::command(&a.shards, &a.out, a.force, a.quiet),
        Command::Report(a) => report::command(&a.dir, a.xlsx, a.point, a.quiet),
        Command::Targets(a) => targets::command(&a.dir, a.targets.as_deref(), a.point, a.markdown),
        Command::Table(a) => pivot::command(&a.dir, &a.measure, &a.market, a.out, a.quiet),
        Command::Export(a) => export::command(&a.dir, a.force, a.quiet),
        Command::Calibrate(args) => args
            .command()
            .and_then(|c| livemarket::calibrate::command(c, &mut report::calibration::write_page)),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // 2: the input needs fixing; 1: the program or the system failed; 130: a
            // signal stopped it (as a shell reports Ctrl-C).
            if e.downcast_ref::<livemarket::interrupt::Interrupted>()
                .is_some()
            {
                ExitCode::from(130)
            } else if e.downcast_ref::<ScenarioError>().is_some()
                || e.downcast_ref::<UserError>().is_some()
            {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
