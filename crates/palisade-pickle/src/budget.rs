//! Memory accounting: every scan reserves the bytes it holds (symbolic stack, memo, tracked
//! values, buffered frames, archive directories) from a [`MemoryBudget`] that concurrent scans
//! share, so eight models scanned on eight threads cannot hold more than one budget between
//! them, whatever their content.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// The budget [`MemoryBudget::process`] starts with: 2 GiB for all the scans of the process.
pub const DEFAULT_PROCESS_BUDGET: u64 = 2 << 30;

/// Reservations are taken from the shared budget in chunks of this size, so that concurrent
/// scans touch the shared counter rarely.
const CHUNK: u64 = 1 << 20;

/// A number of bytes that scans reserve from while they run and give back when they end.
///
/// Cloning shares the budget. Pass the same budget (or use [`MemoryBudget::process`], the
/// default of [`crate::Scanner`]) to scans that run in parallel: their combined estimated
/// memory then stays under one limit, and a scan that would exceed it fails with
/// [`crate::PickleError::LimitExceeded`] instead of growing.
///
/// ```
/// let budget = palisade_pickle::MemoryBudget::new(64 << 20);
/// let scanner = palisade_pickle::Scanner::new().with_budget(budget.clone());
/// scanner.scan_bytes(b"\x80\x04N.", "tiny.pkl").unwrap();
/// assert_eq!(budget.in_use(), 0); // given back when the scan ended
/// assert!(budget.peak() > 0);
/// ```
#[derive(Debug, Clone)]
pub struct MemoryBudget {
    inner: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    limit: u64,
    used: AtomicU64,
    peak: AtomicU64,
}

impl MemoryBudget {
    /// A new budget of `limit` bytes.
    pub fn new(limit: u64) -> Self {
        Self {
            inner: Arc::new(Shared {
                limit,
                used: AtomicU64::new(0),
                peak: AtomicU64::new(0),
            }),
        }
    }

    /// The budget every scan of this process shares unless it is given another one
    /// ([`DEFAULT_PROCESS_BUDGET`] bytes).
    pub fn process() -> Self {
        static PROCESS: OnceLock<MemoryBudget> = OnceLock::new();
        PROCESS
            .get_or_init(|| MemoryBudget::new(DEFAULT_PROCESS_BUDGET))
            .clone()
    }

    /// The limit, in bytes.
    pub fn limit(&self) -> u64 {
        self.inner.limit
    }

    /// Bytes reserved right now by running scans.
    pub fn in_use(&self) -> u64 {
        self.inner.used.load(Ordering::Relaxed)
    }

    /// The most bytes ever reserved at once.
    pub fn peak(&self) -> u64 {
        self.inner.peak.load(Ordering::Relaxed)
    }

    fn try_reserve(&self, bytes: u64) -> bool {
        let shared = &self.inner;
        let mut used = shared.used.load(Ordering::Relaxed);
        loop {
            let Some(next) = used.checked_add(bytes).filter(|&n| n <= shared.limit) else {
                return false;
            };
            match shared
                .used
                .compare_exchange_weak(used, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => {
                    shared.peak.fetch_max(next, Ordering::Relaxed);
                    return true;
                }
                Err(now) => used = now,
            }
        }
    }

    fn release(&self, bytes: u64) {
        self.inner.used.fetch_sub(bytes, Ordering::AcqRel);
    }
}

/// Why a reservation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OverBudget {
    /// The scan's own limit ([`crate::Limits::max_scan_memory`]).
    Scan(u64),
    /// The shared budget, held by this and concurrent scans.
    Shared(u64),
}

/// One scan's reservation. Estimates of what the scan holds are checked against it as they
/// grow; it is given back to the shared budget when dropped.
#[derive(Debug)]
pub(crate) struct Meter {
    budget: MemoryBudget,
    scan_limit: u64,
    reserved: u64,
    /// Bytes held outside the pickle machine (archive directories, import records, buffered
    /// frames); the machine adds its own live estimate when it checks.
    pub(crate) held: u64,
}

impl Meter {
    pub(crate) fn new(budget: MemoryBudget, scan_limit: u64) -> Self {
        Self {
            budget,
            scan_limit,
            reserved: 0,
            held: 0,
        }
    }

    /// Makes sure `held + live` bytes are reserved.
    pub(crate) fn check(&mut self, live: u64) -> Result<(), OverBudget> {
        let total = self.held.saturating_add(live);
        if total <= self.reserved {
            return Ok(());
        }
        if total > self.scan_limit {
            return Err(OverBudget::Scan(self.scan_limit));
        }
        let want = (total - self.reserved).div_ceil(CHUNK) * CHUNK;
        // The last chunk may overshoot the scan limit; reserve only what the limit allows.
        let want = want
            .min(self.scan_limit.saturating_sub(self.reserved))
            .max(1);
        if !self.budget.try_reserve(want) {
            return Err(OverBudget::Shared(self.budget.limit()));
        }
        self.reserved += want;
        Ok(())
    }

    /// Adds `bytes` to what the scan holds outside the machine, and checks.
    pub(crate) fn hold(&mut self, bytes: u64) -> Result<(), OverBudget> {
        self.held = self.held.saturating_add(bytes);
        self.check(0)
    }
}

impl Drop for Meter {
    fn drop(&mut self) {
        self.budget.release(self.reserved);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_are_shared_and_given_back() {
        let budget = MemoryBudget::new(3 * CHUNK);
        let mut a = Meter::new(budget.clone(), u64::MAX);
        let mut b = Meter::new(budget.clone(), u64::MAX);
        a.check(CHUNK + 1).unwrap();
        assert_eq!(budget.in_use(), 2 * CHUNK);
        assert_eq!(b.check(2 * CHUNK), Err(OverBudget::Shared(3 * CHUNK)));
        b.check(CHUNK).unwrap();
        assert_eq!(budget.in_use(), 3 * CHUNK);
        drop(a);
        assert_eq!(budget.in_use(), CHUNK);
        b.check(3 * CHUNK).unwrap();
        drop(b);
        assert_eq!(budget.in_use(), 0);
        assert_eq!(budget.peak(), 3 * CHUNK);
    }

    #[test]
    fn the_scan_limit_comes_first() {
        let budget = MemoryBudget::new(u64::MAX);
        let mut m = Meter::new(budget.clone(), 10);
        m.hold(6).unwrap();
        assert_eq!(m.check(5), Err(OverBudget::Scan(10)));
        m.check(4).unwrap();
        assert_eq!(budget.in_use(), 10);
    }
}
