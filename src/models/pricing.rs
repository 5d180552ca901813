//! Token estimates turned into money, for models with a known list price.

use serde::{Deserialize, Serialize};

use crate::models::prices::list_price;
use crate::models::ModelTable;


/// What a request is expected to cost before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Estimate {
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Absent for models whose price is not known (local models cost nothing here anyway).
    pub cost_usd: Option<f64>,
}

impl Estimate {
    /// Priced from `table` (the list prices and the reader's own).
    pub fn new(table: &ModelTable, model: &str, input_tokens: u64, output_tokens: u64) -> Self {
        Estimate { input_tokens, output_tokens, cost_usd: table.cost(model, input_tokens, output_tokens) }
    }
}

/// What a section cost once it is done: tokens as the provider reported them, or estimated
/// (and marked so) where it reported none.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Spend {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub estimated: bool,
    pub cost_usd: Option<f64>,
}

impl Spend {
    /// Adds one call: reported counts where there are some, else the estimates.
    pub fn add(&mut self, reported: (Option<u64>, Option<u64>), estimate: (u64, u64)) {
        self.input_tokens += reported.0.unwrap_or(estimate.0);
        self.output_tokens += reported.1.unwrap_or(estimate.1);
        self.estimated |= reported.0.is_none() || reported.1.is_none();
    }

    /// The same, priced for `model` from `table`.
    pub fn priced(mut self, table: &ModelTable, model: &str) -> Self {
        self.cost_usd = table.cost(model, self.input_tokens, self.output_tokens);
        self
    }
}


/// The list price of a call, when the model is in the table.
pub fn cost(model: &str, input_tokens: u64, output_tokens: u64) -> Option<f64> {
    list_price(model).map(|p| p.cost(input_tokens, output_tokens))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spend_uses_reported_counts_and_marks_estimates() {
        let mut spend = Spend::default();
        spend.add((Some(100), Some(50)), (90, 40));
        assert!(!spend.estimated);
        spend.add((None, None), (10, 5));
        let priced = spend.priced(&ModelTable::default(), "gpt-4o-mini");
        assert_eq!((priced.input_tokens, priced.output_tokens, priced.estimated), (110, 55, true));
        assert!(priced.cost_usd.is_some_and(|c| c > 0.0));
    }

    #[test]
    fn known_models_have_a_cost_others_do_not() {
        assert_eq!(cost("claude-haiku-4-5", 1_000_000, 1_000_000), Some(6.0));
        assert_eq!(cost("openai/gpt-4o-mini", 2_000_000, 0), Some(0.3));
        assert_eq!(cost("llama3.2", 1_000, 1_000), None);
        assert_eq!(Estimate::new(&ModelTable::default(), "gpt-4o", 1000, 1000).cost_usd.map(|c| (c * 1e6).round()), Some(12_500.0));
    }

    #[test]
    fn the_readers_price_wins_over_the_list_price() {
        let mut spend = Spend::default();
        spend.add((Some(1_000_000), Some(1_000_000)), (0, 0));
        let table = ModelTable::new(&[crate::models::ModelOverride { model: "gpt-4o-mini".into(), input_per_mtok: Some(1.0), output_per_mtok: Some(3.0), context_tokens: None }]);
        assert_eq!(spend.priced(&ModelTable::default(), "gpt-4o-mini").cost_usd, Some(0.75));
        assert_eq!(spend.priced(&table, "gpt-4o-mini").cost_usd, Some(4.0));
        assert_eq!(Estimate::new(&table, "openai/gpt-4o-mini", 2_000_000, 0).cost_usd, Some(2.0));
    }
}
