//! A minimum transfer rate, measured over windows of the time the server spends waiting.
//!
//! Only waiting counts: while a handler works on a chunk, or a file is read for an answer, the
//! client cannot be blamed for the silence. The first window opens when the server first
//! waits; each is `window` of accumulated waiting, and by its end at least
//! `bytes_per_sec × window` bytes must have moved since it opened, or the transfer is too
//! slow. A window that was met opens the next one empty, so a client cannot bank a fast start
//! and then trickle: a trickle is caught within two windows. A transfer that stops (or never
//! starts) is caught sooner: one uninterrupted wait as long as a window is too slow at once.

use std::time::{Duration, Instant};

/// A minimum rate: `bytes_per_sec`, judged every `window` of waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub bytes_per_sec: u64,
    pub window: Duration,
}

impl Rate {
    /// `None` when `bytes_per_sec` is 0: no minimum.
    pub fn new(bytes_per_sec: u64, window: Duration) -> Option<Rate> {
        (bytes_per_sec > 0).then_some(Rate {
            bytes_per_sec,
            window: window.max(Duration::from_millis(1)),
        })
    }
}

/// The transfer moved too few bytes in a window of waiting.
#[derive(Debug, PartialEq, Eq)]
pub struct TooSlow;

/// One transfer's progress against a [`Rate`].
#[derive(Debug)]
pub struct RateWindow {
    /// Bytes the current window needs.
    need: u64,
    window: Duration,
    /// Waiting in the current window, up to `counted_from`.
    waited: Duration,
    bytes: u64,
    /// Since when the server waits without a byte, if it does now.
    waiting_since: Option<Instant>,
    /// From when the wait in progress counts for the current window (its start, or when the
    /// window opened during it).
    counted_from: Option<Instant>,
    /// The first window has opened (bytes before it do not count).
    open: bool,
}

impl RateWindow {
    pub fn new(rate: Rate) -> RateWindow {
        let need = (u128::from(rate.bytes_per_sec) * rate.window.as_millis()).div_ceil(1000);
        RateWindow {
            need: u64::try_from(need).unwrap_or(u64::MAX),
            window: rate.window,
            waited: Duration::ZERO,
            bytes: 0,
            waiting_since: None,
            counted_from: None,
            open: false,
        }
    }

    /// `n` bytes moved; a wait in progress ends.
    pub fn progress(&mut self, n: usize) {
        self.moved(n, Instant::now);
    }

    /// [`Self::progress`] with the clock given (read only when a wait ends).
    fn moved(&mut self, n: usize, now: impl FnOnce() -> Instant) {
        self.waiting_since = None;
        if let Some(from) = self.counted_from.take() {
            self.waited += now().saturating_duration_since(from);
        }
        self.bytes = self.bytes.saturating_add(n as u64);
    }

    /// The server waits (still, or again) at `now`: when to ask again (the current window's
    /// end, or a window's length into this wait), or [`TooSlow`].
    pub fn waiting(&mut self, now: Instant) -> Result<Instant, TooSlow> {
        if !self.open {
            self.open = true;
            self.bytes = 0;
        }
        let since = *self.waiting_since.get_or_insert(now);
        if now.saturating_duration_since(since) >= self.window {
            return Err(TooSlow);
        }
        let from = *self.counted_from.get_or_insert(now);
        if self.waited + now.saturating_duration_since(from) >= self.window {
            if self.bytes < self.need {
                return Err(TooSlow);
            }
            self.waited = Duration::ZERO;
            self.bytes = 0;
            self.counted_from = Some(now);
        }
        let window_end = self.counted_from.unwrap_or(now) + (self.window - self.waited);
        Ok(window_end.min(since + self.window))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn second_window(bytes_per_sec: u64) -> RateWindow {
        RateWindow::new(Rate::new(bytes_per_sec, Duration::from_secs(1)).unwrap())
    }

    #[test]
    fn a_transfer_that_never_starts_fails_after_one_window() {
        let t0 = Instant::now();
        let mut w = second_window(100);
        assert_eq!(w.waiting(t0), Ok(t0 + Duration::from_secs(1)));
        assert_eq!(
            w.waiting(t0 + Duration::from_millis(500)),
            Ok(t0 + Duration::from_secs(1))
        );
        assert_eq!(w.waiting(t0 + Duration::from_secs(1)), Err(TooSlow));
    }

    #[test]
    fn bytes_before_the_first_wait_do_not_count() {
        let t0 = Instant::now();
        let mut w = second_window(100);
        w.progress(1_000_000);
        w.waiting(t0).unwrap();
        assert_eq!(w.waiting(t0 + Duration::from_secs(1)), Err(TooSlow));
    }

    #[test]
    fn only_waiting_counts_and_a_met_window_starts_the_next_empty() {
        let ms = Duration::from_millis;
        let t0 = Instant::now();
        let mut w = second_window(100);
        w.waiting(t0).unwrap();
        w.moved(100, || t0 + ms(500));
        // A long pause while the server was busy is not waiting: half the window is left.
        let later = t0 + Duration::from_secs(60);
        assert_eq!(w.waiting(later), Ok(later + ms(500)));
        // That window is met; the next starts empty, and 50 bytes are too few for it.
        assert_eq!(w.waiting(later + ms(500)), Ok(later + ms(1000)));
        w.moved(50, || later + ms(900));
        assert_eq!(w.waiting(later + ms(900)), Ok(later + ms(1500)));
        assert_eq!(w.waiting(later + ms(1500)), Err(TooSlow));
    }

    #[test]
    fn a_trickle_fails_though_bytes_keep_coming() {
        let t0 = Instant::now();
        let mut w = second_window(100);
        let mut now = t0;
        // One byte every tenth of a second, the server waiting in between.
        let outcome = loop {
            match w.waiting(now) {
                Ok(_) => {}
                fail => break fail,
            }
            now += Duration::from_millis(100);
            w.moved(1, || now);
        };
        assert_eq!(outcome, Err(TooSlow));
        assert_eq!(now - t0, Duration::from_secs(1));
    }

    #[test]
    fn a_transfer_that_stops_fails_one_window_into_its_silence() {
        let t0 = Instant::now();
        let mut w = second_window(100);
        w.waiting(t0).unwrap();
        // Plenty within the first window, then nothing more from 0.9 s on.
        let stop = t0 + Duration::from_millis(900);
        w.moved(10_000, || stop);
        assert_eq!(w.waiting(stop), Ok(t0 + Duration::from_secs(1)));
        // The first window was met: the next runs, but the silence is a window long first.
        let next = w.waiting(t0 + Duration::from_secs(1)).unwrap();
        assert_eq!(next, stop + Duration::from_secs(1));
        assert_eq!(w.waiting(next), Err(TooSlow));
    }

    #[test]
    fn zero_means_no_minimum_and_the_need_rounds_up() {
        assert_eq!(Rate::new(0, Duration::from_secs(10)), None);
        let w = RateWindow::new(Rate::new(3, Duration::from_millis(500)).unwrap());
        assert_eq!(w.need, 2);
    }
}
