//! The heads of the 23 free lists, one per order, kept on the host.
//!
//! The lists themselves are intrusive: each free block's header holds the link to the next one,
//! in guest memory. Lists are LIFO: the block freed last is reused first.

use crate::header::Link;
use crate::order::{Order, N_ORDERS};

/// One list head per order.
#[derive(Clone, Debug)]
pub(crate) struct FreeLists {
    heads: [Link; N_ORDERS],
}

impl FreeLists {
    /// All lists empty.
    pub(crate) fn new() -> Self {
        Self {
            heads: [Link::NIL; N_ORDERS],
        }
    }

    /// The head of the list of `order`.
    #[inline]
    pub(crate) fn head(&self, order: Order) -> Link {
        self.heads[order.index()]
    }

    /// Makes `new` the head of the list of `order`; returns the previous head.
    #[inline]
    pub(crate) fn replace(&mut self, order: Order, new: Link) -> Link {
        std::mem::replace(&mut self.heads[order.index()], new)
    }
}
