//! A provider-neutral prompt: what each wire module turns into its request body.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Prompt {
    pub system: String,
    pub user: String,
    pub max_tokens: u32,
}
