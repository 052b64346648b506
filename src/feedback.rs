//! Progress for long work (backfill versions, sync chunks, discover pages, status over many
//! trials), on stderr only — stdout (tables, JSON) is never touched.
//!
//! - On a terminal: a progress bar (indicatif) with what is being done, count of total,
//!   elapsed time and an estimate of the time left.
//! - Not on a terminal (piped, CI, the GitHub Action), or with `TERM=dumb` or `NO_COLOR`: no bar
//!   and no control characters; nothing for work done within 2 s, then a plain line at most
//!   every 10 s (or per step, for work done in a few large steps such as sync's chunks), and one
//!   when the work is done.
//! - `--quiet` (or `CTWATCH_PROGRESS=off`): nothing.
//!
//! Waiting on the registry (`Retry-After`, backoff) is said in words with the time of the next
//! attempt, so a wait never looks like a hang. `CTWATCH_PROGRESS=bar|plain|off` forces a mode
//! (tests use it to check the bar's output).

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A progress bar on a terminal.
    Bar,
    /// Plain lines, for logs.
    Plain,
    /// Nothing.
    Off,
}

static QUIET: Mutex<bool> = Mutex::new(false);
/// Plain progress lines start only after this long.
const QUIET_START: Duration = Duration::from_secs(2);
static CURRENT: Mutex<Option<Task>> = Mutex::new(None);

/// Silences progress for this process (`--quiet`).
pub fn set_quiet(quiet: bool) {
    *QUIET.lock().unwrap_or_else(|e| e.into_inner()) = quiet;
}

/// The mode for this process: forced by `CTWATCH_PROGRESS`, else from stderr and the
/// environment.
pub fn mode() -> Mode {
    match std::env::var("CTWATCH_PROGRESS").as_deref() {
        Ok("bar") => return Mode::Bar,
        Ok("plain") => return Mode::Plain,
        Ok("off") => return Mode::Off,
        _ => {}
    }
    if *QUIET.lock().unwrap_or_else(|e| e.into_inner()) {
        return Mode::Off;
    }
    use std::io::IsTerminal;
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if std::io::stderr().is_terminal() && !dumb && !no_color { Mode::Bar } else { Mode::Plain }
}

struct Task {
    label: String,
    unit: &'static str,
    total: u64,
    done: u64,
    started: Instant,
    last_line: Instant,
    per_step: bool,
    bar: Option<ProgressBar>,
}

/// Progress of one piece of work; dropping it ends it.
pub struct Progress {
    active: bool,
}

/// Starts showing progress of `total` steps of `unit` (e.g. "versions") for `label`.
/// `per_step`: in plain mode, print a line at every step (for work in a few large steps).
pub fn start(label: &str, total: u64, unit: &'static str, per_step: bool) -> Progress {
    let mode = mode();
    if mode == Mode::Off || total == 0 {
        return Progress { active: false };
    }
    let bar = (mode == Mode::Bar).then(|| {
        let target = if std::env::var("CTWATCH_PROGRESS").as_deref() == Ok("bar") {
            ProgressDrawTarget::term_like(Box::new(Stderr))
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(total), target);
        // The message gives way (`wide_msg` is cut to the terminal's width) so the line never
        // wraps; the time left is said only once a step is done and it can be estimated.
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{wide_msg}} [{{bar:20}}] {{pos}}/{{len}} {unit} · {{elapsed}} elapsed{{left}}"
            ))
            .expect("a valid template")
            .with_key("left", |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                if state.pos() > 0 && state.pos() < state.len().unwrap_or(0) {
                    let _ = write!(w, " · about {}s left", state.eta().as_secs());
                }
            })
            .progress_chars("=> "),
        );
        bar.set_message(label.to_string());
        bar.enable_steady_tick(Duration::from_millis(250));
        bar
    });
    let now = Instant::now();
    *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) =
        Some(Task { label: label.to_string(), unit, total, done: 0, started: now, last_line: now, per_step, bar });
    Progress { active: true }
}

impl Progress {
    /// `n` more steps done; `what` says which (e.g. "version 3 (2025-06-17)").
    pub fn inc(&self, n: u64, what: &str) {
        if self.active {
            inc(n, what);
        }
    }
}

/// Advances the current task, if any (library code reports chunks through this).
pub fn inc(n: u64, what: &str) {
    let mut current = CURRENT.lock().unwrap_or_else(|e| e.into_inner());
    let Some(task) = current.as_mut() else { return };
    task.done = (task.done + n).min(task.total);
    if let Some(bar) = &task.bar {
        bar.set_position(task.done);
        if !what.is_empty() {
            bar.set_message(format!("{}: {}", task.label, crate::text::terminal_safe(what)));
        }
        return;
    }
    let now = Instant::now();
    // Work that is over within two seconds needs no progress lines at all.
    if now - task.started < QUIET_START {
        return;
    }
    if task.per_step || now - task.last_line >= Duration::from_secs(10) || task.done == task.total {
        task.last_line = now;
        let line = plain_line(task, what);
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

fn plain_line(task: &Task, what: &str) -> String {
    let elapsed = task.started.elapsed();
    let left = if task.done > 0 && task.done < task.total {
        let per = elapsed.as_secs_f64() / task.done as f64;
        format!(", about {} left", clock_text(Duration::from_secs_f64(per * (task.total - task.done) as f64)))
    } else {
        String::new()
    };
    let what = if what.is_empty() { String::new() } else { format!(" ({})", crate::text::terminal_safe(what)) };
    format!(
        "{}: {} of {} {}{what}, {} elapsed{left}",
        task.label,
        task.done,
        task.total,
        task.unit,
        clock_text(elapsed)
    )
}

/// `m:ss`.
fn clock_text(d: Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}", s / 60, s % 60)
}

impl Drop for Progress {
    fn drop(&mut self) {
        if !self.active {
            return;
        }
        if let Some(task) = CURRENT.lock().unwrap_or_else(|e| e.into_inner()).take()
            && let Some(bar) = task.bar
        {
            bar.finish_and_clear();
        }
    }
}

/// Says something above the bar (or as a plain line): waits, retries. Never on stdout.
pub fn note(line: &str) {
    if mode() == Mode::Off {
        return;
    }
    let line = crate::text::terminal_safe(line);
    let current = CURRENT.lock().unwrap_or_else(|e| e.into_inner());
    match current.as_ref().and_then(|t| t.bar.as_ref()) {
        Some(bar) => bar.println(line),
        None => {
            let _ = writeln!(std::io::stderr(), "{line}");
        }
    }
}

/// Says that the registry is being waited for, and until when.
pub fn waiting(why: &str, delay: Duration) {
    if delay < Duration::from_secs(2) {
        return;
    }
    let at = crate::clock::now() + chrono::Duration::from_std(delay).unwrap_or_default();
    note(&format!(
        "{why}: waiting {} s, retrying at {} UTC",
        delay.as_secs_f64().round() as u64,
        at.format("%H:%M:%S")
    ));
}

/// stderr as indicatif's terminal when the bar is forced (`CTWATCH_PROGRESS=bar`), so a test
/// can read what a person would see.
#[derive(Debug)]
struct Stderr;

impl TermLike for Stderr {
    /// `$COLUMNS` when it is set (shells export it), else 100.
    fn width(&self) -> u16 {
        std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).filter(|w| *w >= 20).unwrap_or(100)
    }
    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        write!(std::io::stderr(), "\x1b[{n}A")
    }
    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        write!(std::io::stderr(), "\x1b[{n}B")
    }
    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        write!(std::io::stderr(), "\x1b[{n}C")
    }
    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        write!(std::io::stderr(), "\x1b[{n}D")
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        writeln!(std::io::stderr(), "{s}")
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        write!(std::io::stderr(), "{s}")
    }
    fn clear_line(&self) -> std::io::Result<()> {
        write!(std::io::stderr(), "\r\x1b[2K")
    }
    fn flush(&self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
