//! The request side of the connection limits: a request is busy from its parsed head until
//! its answer's body is done, and its body must arrive at the minimum rate while the handler
//! waits for it.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::HttpMessage;
use futures_util::Stream;
use pin_project_lite::pin_project;

use super::rate::RateWindow;
use super::{Connection, Phase, Shared, Timer};

/// Middleware, outermost: marks the connection busy while a request is handled (reads then
/// have no time limit: a handler may work long without reading), times its body, and marks
/// the connection idle when the answer's body is done. Requests that did not come through a
/// [`super::Guarded`] connection (tests' in-process services) pass untouched.
pub async fn track(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<Answer<impl MessageBody>>, actix_web::Error> {
    let Some(Connection(shared)) = req.conn_data::<Connection>().cloned() else {
        return Ok(next
            .call(req)
            .await?
            .map_body(|_, body| Answer { body, done: None }));
    };
    shared.enter(Phase::Request);
    let done = Done(shared.clone());
    if let Some(rate) = shared.policy.body_rate {
        let payload = req.take_payload();
        if !matches!(payload, Payload::None) {
            req.set_payload(Payload::Stream {
                payload: Box::pin(TimedBody {
                    inner: payload,
                    rate: RateWindow::new(rate),
                    timer: Timer::default(),
                    shared,
                }),
            });
        }
    }
    let response = next.call(req).await?;
    Ok(response.map_body(|_, body| Answer {
        body,
        done: Some(done),
    }))
}

/// Marks the answer done when dropped: actix-http drops an answer's body once it has written
/// all of it (or at once, for an answer without a body).
struct Done(Arc<Shared>);

impl Drop for Done {
    fn drop(&mut self) {
        self.0.answered();
    }
}

pin_project! {
    /// An answer's body, unchanged, that marks the connection idle when it is dropped.
    pub struct Answer<B> {
        #[pin]
        body: B,
        done: Option<Done>,
    }
}

impl<B: MessageBody> MessageBody for Answer<B> {
    type Error = B::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        self.project().body.poll_next(cx)
    }
}

/// A request body held to the minimum rate: only the time the handler spends waiting for it
/// counts. Too slow, and the handler gets an error while the connection is cut.
struct TimedBody {
    inner: Payload,
    rate: RateWindow,
    timer: Timer,
    shared: Arc<Shared>,
}

impl Stream for TimedBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                this.rate.progress(bytes.len());
                Poll::Ready(Some(Ok(bytes)))
            }
            Poll::Pending => loop {
                match this.rate.waiting(Instant::now()) {
                    Ok(deadline) => {
                        if this.timer.poll_until(deadline, cx).is_pending() {
                            return Poll::Pending;
                        }
                    }
                    Err(_) => {
                        let error = this.shared.cut("body_rate");
                        // The stream fails its next read or write: have it polled.
                        cx.waker().wake_by_ref();
                        return Poll::Ready(Some(Err(PayloadError::Io(error))));
                    }
                }
            },
            done => done,
        }
    }
}
