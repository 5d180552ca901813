//! The providers' list prices, and what a price makes of a token count.

/// A price: US dollars per million tokens, input and output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
}

impl Price {
    pub fn cost(self, input_tokens: u64, output_tokens: u64) -> f64 {
        (input_tokens as f64 * self.input_per_mtok + output_tokens as f64 * self.output_per_mtok) / 1_000_000.0
    }
}

/// US dollars per million tokens, input and output, as the providers list them.
pub(crate) const PRICES: &[(&str, f64, f64)] = &[
    ("claude-haiku-4-5", 1.0, 5.0),
    ("claude-sonnet-4-5", 3.0, 15.0),
    ("claude-opus-4-1", 15.0, 75.0),
    ("gpt-4o-mini", 0.15, 0.60),
    ("gpt-4o", 2.50, 10.0),
    ("gpt-4.1-mini", 0.40, 1.60),
    ("gpt-4.1", 2.0, 8.0),
    ("deepseek-chat", 0.27, 1.10),
    ("gemini-2.5-flash", 0.30, 2.50),
    ("llama-3.3-70b-versatile", 0.59, 0.79),
];

/// The list price of `model` (or of its provider-prefixed name), when it is in the table.
pub fn list_price(model: &str) -> Option<Price> {
    let name = model.rsplit('/').next().unwrap_or(model);
    let (_, input, output) = PRICES.iter().find(|(m, _, _)| *m == name)?;
    Some(Price { input_per_mtok: *input, output_per_mtok: *output })
}
