//! The guarded stream: an accepted TCP connection whose reads and writes are timed.
//!
//! It sits below TLS, so it sees the handshake and ciphertext; that is enough, since it only
//! asks "has anything come?" (a request head began) and "can the client take more?". The
//! common path is one atomic load and the inner call; clocks and timers are touched only when
//! a read or write has to wait.

use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use actix_web::rt::net::ActixStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf, Ready};

use super::addresses::Slot;
use super::rate::RateWindow;
use super::{cut_error, Phase, Shared, Timer};

/// A connection with time limits (see the [module](super) documentation).
pub struct Guarded<IO> {
    io: IO,
    shared: Arc<Shared>,
    peer: Option<SocketAddr>,
    /// The connection's place in its address's count, given back when it is dropped.
    _slot: Option<Slot>,
    read_timer: Timer,
    write_timer: Timer,
    /// The minimum answer rate, when there is one.
    writes: Option<RateWindow>,
    /// The last write had to wait (the client is not taking what it was sent).
    write_blocked: bool,
    /// When a write that had waited last went through: the connection is not idle before.
    unblocked_at: Option<Instant>,
}

impl<IO> Guarded<IO> {
    pub(super) fn new(
        io: IO,
        peer: Option<SocketAddr>,
        slot: Option<Slot>,
        shared: Arc<Shared>,
    ) -> Guarded<IO> {
        let writes = shared.policy.response_rate.map(RateWindow::new);
        Guarded {
            io,
            shared,
            peer,
            _slot: slot,
            read_timer: Timer::default(),
            write_timer: Timer::default(),
            writes,
            write_blocked: false,
            unblocked_at: None,
        }
    }

    /// The stream this guards.
    pub fn get_ref(&self) -> &IO {
        &self.io
    }

    /// The client's address, as accepted.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }

    pub(super) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The time limit on reads in the current phase, if it has one, and its name.
    fn read_limit(&self) -> Option<(Instant, &'static str)> {
        let policy = &self.shared.policy;
        let (phase, since) = self.shared.phase();
        match phase {
            Phase::Head => Some((since + policy.header, "header_timeout")),
            // A client still taking the answer is not idle: the answer rate applies instead.
            Phase::Idle if self.write_blocked => None,
            Phase::Idle => policy.keep_alive.map(|keep_alive| {
                let since = self.unblocked_at.map_or(since, |at| at.max(since));
                (since + keep_alive, "idle")
            }),
            Phase::Handshake | Phase::Request => None,
        }
    }

    /// A read has to wait: the limit of the phase, if it has one, is armed (or has passed).
    fn read_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.read_limit() {
            Some((deadline, reason)) if self.read_timer.poll_until(deadline, cx).is_ready() => {
                Poll::Ready(Err(self.shared.cut(reason)))
            }
            _ => Poll::Pending,
        }
    }

    /// Arms the idle limit once an answer is done. actix-http usually reads nothing after an
    /// answer until the client sends again, but it flushes after every answer: the timer is
    /// armed then, and wakes the connection's task when it runs out.
    fn arm_idle(&mut self, cx: &mut Context<'_>) {
        if !self.shared.is_idle() {
            return;
        }
        if let Some((deadline, _)) = self.read_limit() {
            // Ready (already past) or not, the next read decides.
            let _ = self.read_timer.poll_until(deadline, cx);
        }
    }

    /// A write went through.
    fn wrote(&mut self, n: usize) {
        if self.write_blocked {
            self.write_blocked = false;
            self.unblocked_at = Some(Instant::now());
        }
        if let Some(writes) = &mut self.writes {
            writes.progress(n);
        }
    }

    /// A write has to wait: the client must take the minimum rate of each window.
    fn write_pending<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        self.write_blocked = true;
        let Some(writes) = &mut self.writes else {
            return Poll::Pending;
        };
        loop {
            match writes.waiting(Instant::now()) {
                Err(_) => return Poll::Ready(Err(self.shared.cut("response_rate"))),
                Ok(deadline) => {
                    if self.write_timer.poll_until(deadline, cx).is_pending() {
                        return Poll::Pending;
                    }
                }
            }
        }
    }

    /// Every read and write of a cut connection fails.
    fn check(&self) -> io::Result<()> {
        match self.shared.is_cut() {
            true => Err(cut_error()),
            false => Ok(()),
        }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Guarded<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Pending => this.read_pending(cx),
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.shared.read_some();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
        }
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Guarded<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check()?;
        match Pin::new(&mut this.io).poll_write(cx, buf) {
            Poll::Pending => this.write_pending(cx),
            Poll::Ready(Ok(n)) => {
                this.wrote(n);
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check()?;
        match Pin::new(&mut this.io).poll_write_vectored(cx, bufs) {
            Poll::Pending => this.write_pending(cx),
            Poll::Ready(Ok(n)) => {
                this.wrote(n);
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        this.arm_idle(cx);
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

/// What the TLS acceptor needs of a stream: readiness, passed through.
impl<IO: ActixStream> ActixStream for Guarded<IO> {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<Ready>> {
        self.io.poll_read_ready(cx)
    }

    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<Ready>> {
        self.io.poll_write_ready(cx)
    }
}
