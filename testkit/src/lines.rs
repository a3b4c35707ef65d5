//! What a program writes (an app's log on its standard error, what a listener prints on its
//! standard output) as it comes, line by line, for tests that wait for what it says. Every
//! line read is also kept, for a failure's message.

use std::io::BufRead;
use std::process::Child;
use std::sync::{Arc, Mutex, mpsc};

pub struct LogLines {
    lines: mpsc::Receiver<String>,
    all: Arc<Mutex<Vec<String>>>,
}

impl LogLines {
    /// Reads `child`'s piped standard error on a thread of its own.
    pub fn of(child: &mut Child) -> LogLines {
        LogLines::reading(child.stderr.take().expect("the program's stderr is piped"))
    }

    /// Reads `child`'s piped standard output on a thread of its own.
    pub fn of_stdout(child: &mut Child) -> LogLines {
        LogLines::reading(child.stdout.take().expect("the program's stdout is piped"))
    }

    /// Reads any pipe on a thread of its own.
    pub fn reading(output: impl std::io::Read + Send + 'static) -> LogLines {
        let (sender, lines) = mpsc::channel();
        let all = Arc::new(Mutex::new(Vec::new()));
        let kept = all.clone();
        std::thread::spawn(move || {
            // Read to the end even when nobody listens: a full pipe would stall the program.
            for line in std::io::BufReader::new(output)
                .lines()
                .map_while(Result::ok)
            {
                if let Ok(mut kept) = kept.lock() {
                    kept.push(line.clone());
                }
                let _ = sender.send(line);
            }
        });
        LogLines { lines, all }
    }

    /// Waits for a line that `matches` (`what` names it in the failure); returns the lines
    /// before it.
    pub fn wait_for(&self, what: &str, matches: impl Fn(&str) -> bool) -> Vec<String> {
        let deadline = std::time::Instant::now() + crate::DEADLINE;
        let mut before = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if matches(&line) => return before,
                Ok(line) => before.push(line),
                Err(_) => panic!("timed out waiting for {what}: {before:#?}"),
            }
        }
    }

    /// Waits for the next line that `matches` and returns it; lines before it are passed
    /// over. On timeout the failure names `what` and adds `context()` (the app's log, say).
    pub fn next_matching(
        &self,
        what: &str,
        matches: impl Fn(&str) -> bool,
        context: impl FnOnce() -> String,
    ) -> String {
        let deadline = std::time::Instant::now() + crate::DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if matches(&line) => return line,
                Ok(_) => {}
                Err(_) => panic!("timed out waiting for {what}\n{}", context()),
            }
        }
    }

    /// The lines logged since the last read, without waiting (for a failure's message).
    pub fn so_far(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }

    /// Every line the program has written so far, read or not, one per line.
    pub fn whole(&self) -> String {
        self.all
            .lock()
            .map(|all| all.join("\n"))
            .unwrap_or_default()
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
        let before = self.wait_for(&format!("the program to write {text:?}"), |line| {
            let says = line.contains(text);
            if says {
                *found.borrow_mut() = line.to_string();
            }
            says
        });
        (before, found.into_inner())
    }
}
