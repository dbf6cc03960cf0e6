//! Progress on a terminal: while a long step runs, a line on stderr shows what runs and for how
//! long. Nothing is printed when stderr is not a terminal (pipes, files, tests) or when the step
//! ends within half a second, so output stays byte-for-byte deterministic where it is captured.

use std::io::{IsTerminal, Write};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A progress line that lives as long as the step; dropping it clears the line.
pub struct Progress {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

const DELAY: Duration = Duration::from_millis(500);
const TICK: Duration = Duration::from_millis(100);

impl Progress {
    /// Starts showing `what` (only on a terminal).
    pub fn start(what: impl Into<String>) -> Self {
        if !std::io::stderr().is_terminal() {
            return Progress {
                stop: None,
                thread: None,
            };
        }
        let what = what.into();
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let start = Instant::now();
            let mut wait = DELAY;
            let mut shown = false;
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(wait) {
                let mut err = std::io::stderr().lock();
                let _ = write!(
                    err,
                    "\r\x1b[2K{what} … {:.1} s",
                    start.elapsed().as_secs_f64()
                );
                let _ = err.flush();
                shown = true;
                wait = TICK;
            }
            if shown {
                let _ = write!(std::io::stderr(), "\r\x1b[2K");
            }
        });
        Progress {
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
