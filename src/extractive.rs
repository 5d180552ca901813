//! TEMPORARY stub until the extractive digest lands.
use crate::article::Block;
pub struct Sentence { pub text: String }
pub struct ExtractiveDigest { pub key_points: Vec<Sentence>, pub summary: Vec<Sentence> }
pub fn extractive_digest(_blocks: &[Block]) -> ExtractiveDigest { ExtractiveDigest { key_points: vec![], summary: vec![] } }
