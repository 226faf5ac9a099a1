//! Heavy CPU work (trial generation, reference simulation, scoring) off the async runtime, with a
//! bound on how much of it runs at once.
//!
//! `spawn_blocking` alone would start one thread per request: fifty live evaluations would then
//! simulate fifty ground truths at once on two cores and starve the runtime threads that relay
//! chunks, turning a 100 µs round trip into hundreds of milliseconds. A semaphore with one permit
//! per core but one keeps a core for the transport; the rest of the work queues.
//!
//! Two lanes. Simulations and scorings ([`Compute::run`]) can queue for seconds when many live
//! evaluations run; the checks a request waits for before it is answered ([`Compute::check`]:
//! a predictions file, at most 16 MiB) have a lane of their own, one at a time, so that no
//! amount of queued simulation delays another team's `Submit` by more than the checks queued
//! before it (issue 16 case 4).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use thiserror::Error;
use tokio::sync::Semaphore;
use tokio::task::{JoinError, JoinHandle};

/// A task on the pool that did not return: it panicked or the runtime cancelled it.
#[derive(Debug, Error)]
#[error("a task on the compute pool stopped: {0}")]
pub struct ComputeError(#[from] tokio::task::JoinError);

/// The pools of permits for heavy work and for request checks.
#[derive(Clone, Debug)]
pub struct Compute {
    permits: Arc<Semaphore>,
    checks: Arc<Semaphore>,
}

impl Compute {
    /// At most `threads` tasks at once (at least 1); 0 means one per core but one.
    pub fn new(threads: usize) -> Compute {
        let threads = match threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1)),
            n => n,
        };
        Compute {
            permits: Arc::new(Semaphore::new(threads.max(1))),
            checks: Arc::new(Semaphore::new(1)),
        }
    }

    /// Runs heavy `work` (a simulation, a scoring, a generation) on a blocking thread once a
    /// permit is free.
    ///
    /// # Errors
    /// [`ComputeError`] (with the panic message) if `work` panicked.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ComputeError> {
        run_on(&self.permits, work).await
    }

    /// Runs a request's check (bounded work a caller waits for, such as parsing an upload) on
    /// a blocking thread, in the checks' own lane: never queued behind [`Compute::run`].
    ///
    /// # Errors
    /// [`ComputeError`] (with the panic message) if `work` panicked.
    pub async fn check<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ComputeError> {
        run_on(&self.checks, work).await
    }
}

/// Runs `work` on a blocking thread once `lane` has a permit for it.
async fn run_on<T: Send + 'static>(
    lane: &Arc<Semaphore>,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ComputeError> {
    let permit = lane
        .clone()
        .acquire_owned()
        .await
        .expect("the semaphore is never closed");
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(ComputeError)
}

/// A spawned task that is aborted when its handle is dropped, so that work for a client that
/// has gone away stops with the session that wanted it: a task still waiting for a permit of
/// [`Compute`] never starts, and one whose blocking step already runs ends with that step.
#[derive(Debug)]
pub struct Scoped<T>(JoinHandle<T>);

impl<T: Send + 'static> Scoped<T> {
    /// Spawns `task` on the runtime.
    pub fn spawn(task: impl Future<Output = T> + Send + 'static) -> Scoped<T> {
        Scoped(tokio::spawn(task))
    }
}

impl<T> Future for Scoped<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl<T> Drop for Scoped<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn never_runs_more_than_its_permits() {
        let compute = Compute::new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (compute, running, peak) = (compute.clone(), running.clone(), peak.clone());
                tokio::spawn(async move {
                    compute
                        .run(move || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            peak.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(20));
                            running.fetch_sub(1, Ordering::SeqCst);
                        })
                        .await
                        .unwrap()
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }

    /// Issue 16 case 4: work queued for a session that ended (its handle dropped) never runs,
    /// so abandoned evaluations do not hold the pool.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_scoped_task_never_takes_its_permit() {
        let compute = Compute::new(1);
        let busy = {
            let compute = compute.clone();
            tokio::spawn(async move {
                compute
                    .run(|| std::thread::sleep(std::time::Duration::from_millis(100)))
                    .await
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let ran = Arc::new(AtomicUsize::new(0));
        // A scoped task that counts a run on the pool.
        let counting = || {
            let (compute, ran) = (compute.clone(), ran.clone());
            Scoped::spawn(async move {
                compute
                    .run(move || ran.fetch_add(1, Ordering::SeqCst))
                    .await
            })
        };
        drop(counting());
        busy.await.unwrap().unwrap();
        // The permit is free again and nothing else ran on it.
        compute.run(|| ()).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert_eq!(ran.load(Ordering::SeqCst), 0);
        // Awaited instead of dropped, a scoped task runs.
        counting().await.unwrap().unwrap();
        assert_eq!(ran.load(Ordering::SeqCst), 1);
    }

    /// Issue 16 case 4: a request's check runs while the heavy lane is busy and has work
    /// queued, instead of waiting behind it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_check_is_not_queued_behind_heavy_work() {
        let compute = Compute::new(1);
        let heavy: Vec<_> = (0..4)
            .map(|_| {
                let compute = compute.clone();
                tokio::spawn(async move {
                    compute
                        .run(|| std::thread::sleep(std::time::Duration::from_millis(300)))
                        .await
                })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let asked = std::time::Instant::now();
        compute.check(|| ()).await.unwrap();
        let waited = asked.elapsed();
        assert!(
            waited < std::time::Duration::from_millis(250),
            "the check waited {waited:?} behind 1.2 s of heavy work"
        );
        for h in heavy {
            h.await.unwrap().unwrap();
        }
    }

    #[tokio::test]
    async fn a_panic_is_an_error_not_a_crash() {
        let err = Compute::new(1).run(|| panic!("boom")).await.unwrap_err();
        assert!(err.to_string().contains("panic"), "{err}");
    }
}
