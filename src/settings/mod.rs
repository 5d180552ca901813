//! The reader's settings as stored in `chrome.storage.local`: their fields and defaults
//! (`schema`), and how stored settings of any schema are brought up to date (`migrate`).

pub mod migrate;
pub mod schema;

pub use migrate::{Migrated, Reset, ResetReason};
pub use schema::{Settings, DEFAULT_FIRST_BYTE_TIMEOUT_MS, DEFAULT_PAGE_BUDGET_TOKENS, DEFAULT_STALL_TIMEOUT_MS, SETTINGS_SCHEMA_VERSION};
