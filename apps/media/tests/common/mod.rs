//! Shared by the media app's tests: the generated media, and an engine with fakesinks whose
//! snapshots a test waits on.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use cowl_media::engine::{self, Command, EngineConfig, EngineHandle, Snapshot};
use cowl_media::player::Sinks;

/// How long a test waits for anything (the testkit's, shared by every crate's tests).
pub const DEADLINE: Duration = cowl_testkit::DEADLINE;

/// assets/media: made by assets/media/make-media.sh.
pub fn media_assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/media")
}

/// Copies the generated album and video into `dir` (test-tones/, video/).
pub fn copy_media(dir: &Path) {
    for folder in ["test-tones", "video"] {
        let from = media_assets().join(folder);
        let to = dir.join(folder);
        std::fs::create_dir_all(&to).unwrap();
        for entry in std::fs::read_dir(&from).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// Sinks that consume at the real rate and show nothing.
pub fn fake_sinks() -> Sinks {
    Sinks {
        audio: Some("fakesink sync=true".into()),
        video: Some("fakesink sync=true".into()),
    }
}

pub struct Harness {
    engine: Option<EngineHandle>,
    runtime: tokio::runtime::Runtime,
}

impl Drop for Harness {
    /// Waits for the engine to stop, so that a next one finds its store free.
    fn drop(&mut self) {
        if let Some(engine) = self.engine.take() {
            engine.shut_down();
        }
    }
}

impl Harness {
    /// An engine on `folder`, with its store in the folder's `.store/`.
    pub fn start(folder: &Path) -> Harness {
        let engine = engine::start(EngineConfig {
            folders: vec![folder.to_path_buf()],
            removable_roots: Vec::new(),
            store: Some(folder.join(".store/library.redb")),
            sinks: fake_sinks(),
        })
        .expect("the engine starts");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Harness {
            engine: Some(engine),
            runtime,
        }
    }

    fn engine(&self) -> &EngineHandle {
        self.engine
            .as_ref()
            .expect("the engine runs until the harness drops")
    }

    pub fn send(&self, command: Command) {
        self.engine()
            .commands
            .send(command)
            .expect("the engine runs");
    }

    pub fn snapshot(&self) -> Snapshot {
        self.engine().snapshots.borrow().clone()
    }

    /// Waits for a snapshot that satisfies `done`, and returns it.
    pub fn wait_for(&self, what: &str, done: impl Fn(&Snapshot) -> bool) -> Snapshot {
        let mut snapshots = self.engine().snapshots.clone();
        let waited = self.runtime.block_on(async {
            tokio::time::timeout(DEADLINE, snapshots.wait_for(|snapshot| done(snapshot)))
                .await
                .map(|result| result.map(|snapshot| snapshot.clone()))
        });
        match waited {
            Ok(Ok(snapshot)) => snapshot,
            Ok(Err(_)) => panic!("the engine stopped while waiting for {what}"),
            Err(_) => panic!("timed out waiting for {what}; last: {:#?}", self.snapshot()),
        }
    }
}
