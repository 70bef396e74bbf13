//! What the process tests share.

pub const BIN: &str = env!("CARGO_BIN_EXE_vipps-sandbox");
