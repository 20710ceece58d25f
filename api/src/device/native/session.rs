//! One native boot, one history entry.
//!
//! A phone booting natively fetches several files (Aastra: `aastra.cfg`, `<model>.cfg`,
//! `<MAC>.cfg`, perhaps a logo and an image), over one connection or several. Each is a
//! contact, but staff think in boots: the history and the summary count one entry whose
//! detail lists the files. Files belong to the same boot while they follow each other within
//! [`GAP`]; the first file of a vendor's sequence (or a longer pause) begins a new one.
//!
//! The boot's key goes with every event to the recorder, which folds events that share it
//! into one row, its details joined with ` | `. Boots are tracked per node: a phone whose files of one boot land on two
//! nodes gets one entry per node, which only splits its detail.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rcs_shared::BootOutcome;

use super::plan::rank;
use crate::domain::Mac;

/// Longest pause between two files of one boot. A phone that fetched its image reboots
/// (a minute or more) and starts its sequence with the vendor's first file anyway.
pub const GAP: Duration = Duration::from_secs(90);
/// Most files one entry lists; a phone that keeps fetching (a loop) starts a new entry.
pub const MAX_FILES: u32 = 32;
/// Boots remembered before idle ones are dropped.
const MAX_TRACKED: usize = 100_000;

struct Boot {
    key: String,
    last: Instant,
    files: u32,
    outcome: BootOutcome,
    account: Option<i64>,
}

/// The boots in progress on this node.
pub struct Sessions {
    node: String,
    next: AtomicU64,
    boots: Mutex<HashMap<Mac, Boot>>,
}

/// The key of the boot a file belongs to, and the boot's outcome so far (this file included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InBoot {
    pub key: String,
    pub outcome: BootOutcome,
    /// This file began the boot (counted once in the metrics).
    pub new: bool,
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions::new()
    }
}

impl Sessions {
    pub fn new() -> Sessions {
        Sessions {
            // Unique per process start, so keys of two nodes (or two runs) never meet.
            node: format!("{:016x}", rand::random::<u64>()),
            next: AtomicU64::new(1),
            boots: Mutex::new(HashMap::new()),
        }
    }

    /// Files `mac` fetched for `account` (`None`: an unregistered MAC) with `outcome`;
    /// `starts_boot` for the first file of the vendor's sequence.
    pub fn file(
        &self,
        mac: &Mac,
        account: Option<i64>,
        starts_boot: bool,
        outcome: BootOutcome,
    ) -> InBoot {
        self.file_at(mac, account, starts_boot, outcome, Instant::now())
    }

    fn file_at(
        &self,
        mac: &Mac,
        account: Option<i64>,
        starts_boot: bool,
        outcome: BootOutcome,
        now: Instant,
    ) -> InBoot {
        let mut boots = self.boots.lock().unwrap_or_else(|e| e.into_inner());
        if boots.len() >= MAX_TRACKED && !boots.contains_key(mac) {
            boots.retain(|_, b| now.duration_since(b.last) < GAP);
        }
        let goes_on = boots.get(mac).is_some_and(|b| {
            !starts_boot
                && b.account == account
                && b.files < MAX_FILES
                && now.duration_since(b.last) < GAP
        });
        if goes_on {
            let boot = boots.get_mut(mac).expect("checked above");
            boot.last = now;
            boot.files += 1;
            if rank(outcome) > rank(boot.outcome) {
                boot.outcome = outcome;
            }
            return InBoot {
                key: boot.key.clone(),
                outcome: boot.outcome,
                new: false,
            };
        }
        let key = format!(
            "{}-{}",
            self.node,
            self.next.fetch_add(1, Ordering::Relaxed)
        );
        boots.insert(
            mac.clone(),
            Boot {
                key: key.clone(),
                last: now,
                files: 1,
                outcome,
                account,
            },
        );
        InBoot {
            key,
            outcome,
            new: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_of_one_boot_share_a_key_and_the_best_outcome() {
        let s = Sessions::new();
        let mac = Mac::parse("00085D1A2B3C").unwrap();
        let t = Instant::now();
        let a = s.file_at(&mac, Some(1), true, BootOutcome::Redirected, t);
        let b = s.file_at(
            &mac,
            Some(1),
            false,
            BootOutcome::FirmwareSent,
            t + Duration::from_secs(1),
        );
        let c = s.file_at(
            &mac,
            Some(1),
            false,
            BootOutcome::Redirected,
            t + Duration::from_secs(2),
        );
        assert_eq!(a.key, b.key);
        assert_eq!(b.key, c.key);
        assert_eq!(c.outcome, BootOutcome::FirmwareSent);

        // The reboot starts the sequence again: a new boot.
        let d = s.file_at(
            &mac,
            Some(1),
            true,
            BootOutcome::Redirected,
            t + Duration::from_secs(3),
        );
        assert_ne!(d.key, a.key);
        assert_eq!(d.outcome, BootOutcome::Redirected);

        // A pause longer than the gap, too.
        let e = s.file_at(
            &mac,
            Some(1),
            false,
            BootOutcome::Redirected,
            t + GAP + Duration::from_secs(4),
        );
        assert_ne!(e.key, d.key);

        // Another phone never shares a boot.
        let other = Mac::parse("00085D1A2B3D").unwrap();
        let f = s.file_at(
            &other,
            Some(1),
            false,
            BootOutcome::Redirected,
            t + GAP + Duration::from_secs(4),
        );
        assert_ne!(f.key, e.key);
    }

    #[test]
    fn a_phone_that_loops_starts_new_entries() {
        let s = Sessions::new();
        let mac = Mac::parse("00085D1A2B3C").unwrap();
        let t = Instant::now();
        let first = s.file_at(&mac, Some(1), true, BootOutcome::Redirected, t);
        let mut last = first.clone();
        for _ in 0..MAX_FILES {
            last = s.file_at(&mac, Some(1), false, BootOutcome::Redirected, t);
        }
        assert_ne!(first.key, last.key);
    }
}
