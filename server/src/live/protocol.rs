//! The live stream itself. Every message out waits at most the answer deadline for room in the
//! bounded channel, so a client that stops reading cannot hold a session; every answer in is
//! awaited with the deadline, and only the answer to the chunk just sent is accepted.

use std::fmt;
use std::time::Duration;

use arena_challenge::live::{Chunk, LiveTrial};
use arena_proto::v1 as pb;
use tokio::sync::mpsc;
use tonic::{Status, Streaming};

use super::Failure;
use crate::convert::ChunkAnswer;

/// Messages the session sends to the client.
pub type Outbound = mpsc::Sender<Result<pb::LiveServerMessage, Status>>;

/// The chunk a session waits for, as reasons name it.
#[derive(Clone, Debug)]
pub struct Awaited {
    trial: String,
    index: u32,
}

impl Awaited {
    /// The answer to `chunk` of `trial`.
    pub fn of(trial: &LiveTrial, chunk: Chunk) -> Awaited {
        Awaited {
            trial: trial.id.clone(),
            index: chunk.index,
        }
    }
}

impl fmt::Display for Awaited {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "trial {:?} chunk {}", self.trial, self.index)
    }
}

/// The sending half, cloned into the tasks that send running scores.
#[derive(Clone)]
pub struct Sender {
    out: Outbound,
    deadline: Duration,
}

impl Sender {
    /// Sends one message.
    ///
    /// # Errors
    /// [`Failure::NotReading`] if no room frees within the deadline, [`Failure::Disconnected`]
    /// if the client is gone.
    pub async fn send(&self, message: impl Into<pb::LiveServerMessage>) -> Result<(), Failure> {
        match tokio::time::timeout(self.deadline, self.out.send(Ok(message.into()))).await {
            Err(_) => Err(Failure::NotReading {
                deadline_s: self.deadline.as_secs_f64(),
            }),
            Ok(Err(_)) => Err(Failure::Disconnected),
            Ok(Ok(())) => Ok(()),
        }
    }
}

/// Both halves of a session's stream.
pub struct Link {
    inbound: Streaming<pb::LiveClientMessage>,
    sender: Sender,
}

impl Link {
    /// A link whose waits, both ways, last at most `deadline`.
    pub fn new(
        inbound: Streaming<pb::LiveClientMessage>,
        out: Outbound,
        deadline: Duration,
    ) -> Link {
        Link {
            inbound,
            sender: Sender { out, deadline },
        }
    }

    /// The sending half.
    pub fn sender(&self) -> &Sender {
        &self.sender
    }

    /// The next message, which must be the answer to `awaited`.
    ///
    /// # Errors
    /// A [`Failure`] for every other way the client can go on: no answer within the deadline,
    /// a broken or closed stream, an abort, another message.
    pub async fn answer(&mut self, awaited: Awaited) -> Result<ChunkAnswer, Failure> {
        let deadline = self.sender.deadline;
        let message = match tokio::time::timeout(deadline, self.inbound.message()).await {
            Err(_) => {
                return Err(Failure::NoAnswer {
                    awaited,
                    deadline_s: deadline.as_secs_f64(),
                });
            }
            Ok(Err(status)) => {
                return Err(Failure::StreamBroke {
                    awaited,
                    message: status.message().to_string(),
                });
            }
            Ok(Ok(None)) => return Err(Failure::ClosedEarly { awaited }),
            Ok(Ok(Some(m))) => m,
        };
        match message.msg {
            Some(pb::live_client_message::Msg::Answer(a)) => Ok(a.into()),
            Some(pb::live_client_message::Msg::Abort(abort)) => Err(Failure::Aborted {
                awaited,
                reason: abort.reason,
            }),
            _ => Err(Failure::Unexpected { awaited }),
        }
    }
}
