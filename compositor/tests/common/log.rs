//! An app's log (its standard error) as it comes, line by line, for tests that wait for
//! what the app says it did.

use std::io::BufRead;
use std::process::Child;
use std::sync::mpsc;

pub struct LogLines(mpsc::Receiver<String>);

impl LogLines {
    /// Reads `child`'s piped standard error on a thread of its own.
    pub fn of(child: &mut Child) -> LogLines {
        let stderr = child.stderr.take().expect("the app's stderr is piped");
        let (lines, log) = mpsc::channel();
        std::thread::spawn(move || {
            // Read to the end even when nobody listens: a full pipe would stall the app.
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                let _ = lines.send(line);
            }
        });
        LogLines(log)
    }

    /// The lines logged since the last read, without waiting (for a failure's message).
    pub fn so_far(&self) -> Vec<String> {
        self.0.try_iter().collect()
    }

    /// Waits for a line that says `text`; returns the lines before it.
    pub fn shows(&self, text: &str) -> Vec<String> {
        self.until(text).0
    }

    /// Waits for a line that says `text`; returns that line.
    pub fn line_with(&self, text: &str) -> String {
        self.until(text).1
    }

    /// The lines before the first that says `text`, and that line.
    fn until(&self, text: &str) -> (Vec<String>, String) {
        let deadline = std::time::Instant::now() + super::DEADLINE;
        let mut before = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.0.recv_timeout(left) {
                Ok(line) if line.contains(text) => return (before, line),
                Ok(line) => before.push(line),
                Err(_) => panic!("timed out waiting for the app to log {text:?}: {before:#?}"),
            }
        }
    }
}
