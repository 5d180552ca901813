//! The ranges a context size or a price must fall in to be believed, whoever gives it: the
//! reader's table or a server's answer.

/// The smallest context a reader may set: below it no digest request fits at all.
pub const MIN_CONTEXT_TOKENS: u64 = 1_000;
/// The largest context a reader may set (no model comes near it; past it the number is a typo).
pub const MAX_CONTEXT_TOKENS: u64 = 100_000_000;
/// The highest price per million tokens a reader may set, in US dollars.
pub const MAX_PRICE_PER_MTOK: f64 = 10_000.0;
