//! What a program writes (an app's log on its standard error, what a listener prints on its
//! standard output) as it comes, line by line, for tests that wait for what it says.

use std::io::BufRead;
use std::process::Child;
use std::sync::mpsc;

pub struct LogLines(mpsc::Receiver<String>);

impl LogLines {
    /// Reads `child`'s piped standard error on a thread of its own.
    pub fn of(child: &mut Child) -> LogLines {
        LogLines::reading(child.stderr.take().expect("the app's stderr is piped"))
    }

    /// Reads `child`'s piped standard output on a thread of its own.
    pub fn of_stdout(child: &mut Child) -> LogLines {
        LogLines::reading(child.stdout.take().expect("the program's stdout is piped"))
    }

    fn reading(output: impl std::io::Read + Send + 'static) -> LogLines {
        let (lines, log) = mpsc::channel();
        std::thread::spawn(move || {
            // Read to the end even when nobody listens: a full pipe would stall the program.
            for line in std::io::BufReader::new(output)
                .lines()
                .map_while(Result::ok)
            {
                let _ = lines.send(line);
            }
        });
        LogLines(log)
    }

    /// Waits for a line that `matches` (`what` names it in the failure); returns the lines
    /// before it.
    pub fn wait_for(&self, what: &str, matches: impl Fn(&str) -> bool) -> Vec<String> {
        let deadline = std::time::Instant::now() + super::DEADLINE;
        let mut before = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.0.recv_timeout(left) {
                Ok(line) if matches(&line) => return before,
                Ok(line) => before.push(line),
                Err(_) => panic!("timed out waiting for {what}: {before:#?}"),
            }
        }
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
        let found = std::cell::RefCell::new(String::new());
        let before = self.wait_for(&format!("the app to log {text:?}"), |line| {
            let says = line.contains(text);
            if says {
                *found.borrow_mut() = line.to_string();
            }
            says
        });
        (before, found.into_inner())
    }
}
