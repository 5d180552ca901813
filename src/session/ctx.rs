//! What a panel's flows work with while the core handles one event: the request pool, the
//! cache, the effects so far, the panel's Port and run, and the time.

use super::effect::{Effect, Frame};
use super::requests::{Owner, Pool};
use super::store::Store;

pub struct Ctx<'a> {
    pub pool: &'a mut Pool,
    pub store: &'a mut Store,
    pub out: &'a mut Vec<Effect>,
    pub owner: Owner,
    pub now: u64,
}

impl Ctx<'_> {
    pub fn post(&mut self, frame: Frame) {
        self.out.push(Effect::Post { port: self.owner.port, frame });
    }
}
