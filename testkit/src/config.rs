//! The tests' configurations, in Cowl's TOML, built from named pieces: one output's
//! head-unit layout, sections, declared apps. The in-process fixture and the process tests
//! build their screens the same way, so that one layout means the same rectangles in both.
//!
//! ```
//! let config = cowl_testkit::config::screen("HEADLESS-1")
//!     .status_bar(40)
//!     .dock(80)
//!     .app("org.test.Red", "Red", &[])
//!     .app("org.test.Blue", "Blue", &["role = \"split\""])
//!     .toml();
//! assert!(config.contains("dock = { edge = \"bottom\", size = 80 }"));
//! ```

/// A camera pipeline whose frames are plain green (0x00c000), 160x120 at 30 fps: what the
/// tests' camera shows.
pub const GREEN_CAMERA: &str = "videotestsrc is-live=true pattern=solid-color \
     foreground-color=0xff00c000 ! video/x-raw,format=BGRx,width=160,height=120,\
     framerate=30/1 ! appsink name=camera";

/// A configuration under construction: one output, then sections and apps.
#[derive(Debug, Clone)]
pub struct TestConfig {
    output: String,
    output_keys: Vec<String>,
    layout: Vec<String>,
    rest: String,
}

/// A configuration for the output named `output` (its layout empty until said).
pub fn screen(output: &str) -> TestConfig {
    TestConfig {
        output: output.to_string(),
        output_keys: Vec::new(),
        layout: Vec::new(),
        rest: String::new(),
    }
}

impl TestConfig {
    /// A status bar along the top, `size` logical pixels high.
    pub fn status_bar(mut self, size: u32) -> TestConfig {
        self.layout
            .push(format!("status_bar = {{ edge = \"top\", size = {size} }}"));
        self
    }

    /// A dock along the bottom, `size` logical pixels high.
    pub fn dock(mut self, size: u32) -> TestConfig {
        self.layout
            .push(format!("dock = {{ edge = \"bottom\", size = {size} }}"));
        self
    }

    /// The app area's background colour ("#rrggbb").
    pub fn background(mut self, colour: &str) -> TestConfig {
        self.layout.push(format!("background = \"{colour}\""));
        self
    }

    /// A key of the output itself (`scale = 1.25`, `transform = "90"`).
    pub fn output_key(mut self, line: &str) -> TestConfig {
        self.output_keys.push(line.to_string());
        self
    }

    /// A section of its own, as written (`"[shell]\nsplit_ratio = 0.6"`).
    pub fn section(mut self, text: &str) -> TestConfig {
        self.rest.push_str(text.trim());
        self.rest.push_str("\n\n");
        self
    }

    /// The camera, running `pipeline`.
    pub fn camera(self, pipeline: &str) -> TestConfig {
        self.section(&format!("[camera]\npipeline = {pipeline:?}"))
    }

    /// A declared app `id`, shown as `name`, with `extra` lines of its table (a role,
    /// `video = true`, a fallback...).
    pub fn app(mut self, id: &str, name: &str, extra: &[&str]) -> TestConfig {
        self.rest
            .push_str(&format!("[[apps]]\nid = \"{id}\"\nname = \"{name}\"\n"));
        for line in extra {
            self.rest.push_str(line);
            self.rest.push('\n');
        }
        self.rest.push('\n');
        self
    }

    /// The configuration's text.
    pub fn toml(&self) -> String {
        let mut text = format!("[[outputs]]\nname = \"{}\"\n", self.output);
        for line in &self.output_keys {
            text.push_str(line);
            text.push('\n');
        }
        text.push_str("[outputs.layout]\n");
        for line in &self.layout {
            text.push_str(line);
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&self.rest);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pieces_land_in_their_tables() {
        let text = screen("HEADLESS-1")
            .output_key("scale = 1.25")
            .status_bar(40)
            .section("[shell]\nsplit_ratio = 0.6")
            .app("org.test.Blue", "Blue", &["role = \"split\""])
            .toml();
        assert_eq!(
            text,
            "[[outputs]]\nname = \"HEADLESS-1\"\nscale = 1.25\n[outputs.layout]\n\
             status_bar = { edge = \"top\", size = 40 }\n\n[shell]\nsplit_ratio = 0.6\n\n\
             [[apps]]\nid = \"org.test.Blue\"\nname = \"Blue\"\nrole = \"split\"\n\n"
        );
    }
}
