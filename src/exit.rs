//! How a run ends: the exit status, as in diff(1), on the bottom floor so every command can
//! say it without reaching up to the dispatcher.

/// How a successful run ends, as in diff(1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Nothing to report (status 0).
    Clean,
    /// Changes found with `--exit-code`, or error-severity findings (status 1).
    Changes,
    /// At least one trial failed while others may have succeeded (status 2).
    Failed,
}

impl Exit {
    /// The process exit status.
    pub fn code(self) -> u8 {
        match self {
            Exit::Clean => 0,
            Exit::Changes => 1,
            Exit::Failed => 2,
        }
    }
}

/// True when the error is only that stdout was closed (`ctwatch … | head`).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().filter_map(|c| c.downcast_ref::<std::io::Error>()).any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
