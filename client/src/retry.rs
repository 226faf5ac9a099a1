//! Retrying calls that are safe to repeat when the connection, not the server, failed.
//!
//! A call is repeated only when repeating it cannot change what the server stores: reads
//! (challenges, fetch, submission show, leaderboard, gauntlet), the state-setting
//! `submission select`/`unselect`, and `arena submit`, whose every upload carries an
//! idempotency key (the user's or one drawn per invocation), so the server stores it once
//! however often it arrives. `challenge create`, `challenge close` and `arena run` are not
//! repeated: a second attempt could create, fail or evaluate again.
//!
//! A transport failure is a call that never got a server's answer: `UNAVAILABLE` (connection
//! refused, the server shutting down) or a connection that broke mid-call (`UNKNOWN: transport
//! error`, reset, closed). A certificate the client does not trust and a server speaking
//! another protocol (plaintext to a TLS port: `INTERNAL: h2 protocol error`) are not transient
//! and fail at once. The schedule: [`ATTEMPTS`] attempts, the pause before the second
//! [`FIRST_PAUSE`], doubling, at most [`MAX_PAUSE`]: 0.2 + 0.4 + 0.8 + 1.6 = 3.0 s of pauses
//! in all, so a server restarted within about 3 s is reached. Each retry and the final give-up
//! are said on standard error.

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::connect::{Client, GrpcError, status_error};

/// Attempts of one call, the first included.
pub const ATTEMPTS: u32 = 5;
/// The pause before the second attempt; each later pause doubles it.
pub const FIRST_PAUSE: Duration = Duration::from_millis(200);
/// The longest pause between two attempts.
pub const MAX_PAUSE: Duration = Duration::from_secs(2);

/// Whether `status` says the call never reached the server or lost its connection (as opposed
/// to the server's answer).
pub fn is_transport(status: &tonic::Status) -> bool {
    let message = status.message().to_ascii_lowercase();
    match status.code() {
        tonic::Code::Unavailable => !message.contains("certificate"),
        tonic::Code::Unknown | tonic::Code::Cancelled => [
            "transport error",
            "connection reset",
            "connection refused",
            "connection closed",
            "broken pipe",
            "operation was canceled",
        ]
        .iter()
        .any(|m| message.contains(m)),
        _ => false,
    }
}

/// Whether `error` carries a transport failure (see [`is_transport`]) anywhere in its chain.
fn transport_failure(error: &anyhow::Error) -> bool {
    error.chain().any(|e| {
        e.downcast_ref::<GrpcError>()
            .is_some_and(|g| is_transport(&g.0))
    })
}

/// Runs `call`, repeating it on a transport failure per the schedule above; `what` names the
/// call in the messages. Any other error is returned at once.
///
/// # Errors
/// The call's error; after the last attempt, with how many were made.
pub async fn retrying<T, F, Fut>(what: &str, mut call: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let start = Instant::now();
    let mut pause = FIRST_PAUSE;
    let mut attempt = 1;
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(e) if !transport_failure(&e) => return Err(e),
            Err(e) if attempt == ATTEMPTS => {
                return Err(e.context(format!(
                    "{what}: gave up after {ATTEMPTS} attempts over {:.1} s",
                    start.elapsed().as_secs_f64()
                )));
            }
            Err(e) => {
                // Escaped like every printer's output: the error may quote the server.
                crate::output::say_err!(
                    "arena: {what}: attempt {attempt} of {ATTEMPTS} failed ({}); retrying in {:.1} s",
                    crate::connect::one_line(&e),
                    pause.as_secs_f64()
                );
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(MAX_PAUSE);
                attempt += 1;
            }
        }
    }
}

/// One unary call, `call(client, request)`, run by [`retrying`]: a copy of the client and of
/// the request for each attempt.
///
/// # Errors
/// As [`retrying`].
pub async fn unary<Req, Resp, F, Fut>(
    what: &str,
    client: &Client,
    request: Req,
    call: F,
) -> Result<Resp>
where
    Req: Clone,
    F: Fn(Client, Req) -> Fut,
    Fut: Future<Output = Result<tonic::Response<Resp>, tonic::Status>>,
{
    retrying(what, || {
        let answer = call(client.clone(), request.clone());
        async move { Ok(answer.await.map_err(status_error)?.into_inner()) }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn transport() -> anyhow::Error {
        status_error(tonic::Status::unknown("transport error"))
    }

    #[test]
    fn the_schedule_sums_to_three_seconds_of_pauses() {
        let mut pause = FIRST_PAUSE;
        let mut total = Duration::ZERO;
        for _ in 1..ATTEMPTS {
            total += pause;
            pause = (pause * 2).min(MAX_PAUSE);
        }
        assert_eq!(total, Duration::from_millis(3000));
    }

    #[test]
    fn transport_failures_are_told_from_answers() {
        assert!(is_transport(&tonic::Status::unavailable(
            "tcp connect error: Connection refused (os error 111)"
        )));
        assert!(is_transport(&tonic::Status::unknown("transport error")));
        assert!(is_transport(&tonic::Status::cancelled(
            "operation was canceled"
        )));
        assert!(!is_transport(&tonic::Status::unavailable(
            "invalid peer certificate: UnknownIssuer"
        )));
        assert!(!is_transport(&tonic::Status::internal(
            "h2 protocol error: http2 error"
        )));
        assert!(!is_transport(&tonic::Status::unknown(
            "a model answered garbage"
        )));
        assert!(!is_transport(&tonic::Status::invalid_argument(
            "transport error"
        )));
        assert!(!is_transport(&tonic::Status::resource_exhausted("limit")));
        // Wrapped in context, as the commands return it.
        assert!(transport_failure(&transport().context("fetching")));
        assert!(!transport_failure(&anyhow::anyhow!("transport error")));
    }

    #[tokio::test(start_paused = true)]
    async fn a_transport_failure_is_retried_until_it_succeeds() {
        let calls = AtomicU32::new(0);
        let got = retrying("test", || async {
            if calls.fetch_add(1, Ordering::SeqCst) < 3 {
                Err(transport())
            } else {
                Ok(7)
            }
        })
        .await
        .unwrap();
        assert_eq!((got, calls.load(Ordering::SeqCst)), (7, 4));
    }

    #[tokio::test(start_paused = true)]
    async fn the_client_gives_up_after_the_last_attempt_and_says_so() {
        let calls = AtomicU32::new(0);
        let start = tokio::time::Instant::now();
        let e = retrying("list challenges", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(transport())
        })
        .await
        .unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), ATTEMPTS);
        assert_eq!(start.elapsed(), Duration::from_millis(3000));
        let text = format!("{e:#}");
        assert!(
            text.starts_with("list challenges: gave up after 5 attempts"),
            "{text}"
        );
        assert!(text.ends_with("UNKNOWN: transport error"), "{text}");
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_of_the_server_is_not_retried() {
        let calls = AtomicU32::new(0);
        let e = retrying("submit", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(status_error(tonic::Status::resource_exhausted(
                "daily limit reached",
            )))
        })
        .await
        .unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(format!("{e:#}"), "RESOURCE_EXHAUSTED: daily limit reached");
    }
}
