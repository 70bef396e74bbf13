//! One test binary for the `vipps-sandbox` executable: real child processes
//! over a SQLite file, or a PostgreSQL schema when `DATABASE_URL` is set.

mod checklist;
mod commands;
mod common;
mod restart;
mod startup;
