//! One module per subcommand: each turns validated inputs into store updates and output.

pub mod backfill;
pub mod check;
pub mod diff;
pub mod history;
pub mod report;
pub mod sync;
pub mod verify;
