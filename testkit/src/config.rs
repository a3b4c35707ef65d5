//! The pieces of the tests' configurations, in Cowl's TOML: a head-unit layout on an output
//! and declared apps. The in-process fixture and the process tests build their screens from
//! the same pieces, so that one layout means the same rectangles in both.

/// An `[[outputs]]` table for `output` with a status bar along the top and a dock along the
/// bottom, each `size` logical pixels thick (0: none).
pub fn layout(output: &str, status_bar: u32, dock: u32) -> String {
    let mut text = format!("[[outputs]]\nname = \"{output}\"\n[outputs.layout]\n");
    if status_bar > 0 {
        text.push_str(&format!(
            "status_bar = {{ edge = \"top\", size = {status_bar} }}\n"
        ));
    }
    if dock > 0 {
        text.push_str(&format!("dock = {{ edge = \"bottom\", size = {dock} }}\n"));
    }
    text.push('\n');
    text
}

/// An `[[apps]]` table declaring `id`, shown as `name`, with `extra` TOML lines (a role,
/// `video = true`, a fallback...).
pub fn app(id: &str, name: &str, extra: &[&str]) -> String {
    let mut text = format!("[[apps]]\nid = \"{id}\"\nname = \"{name}\"\n");
    for line in extra {
        text.push_str(line);
        text.push('\n');
    }
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pieces_are_the_tables_they_name() {
        assert_eq!(
            layout("HEADLESS-1", 40, 0),
            "[[outputs]]\nname = \"HEADLESS-1\"\n[outputs.layout]\n\
             status_bar = { edge = \"top\", size = 40 }\n\n"
        );
        assert_eq!(
            app("org.test.Blue", "Blue", &["role = \"split\""]),
            "[[apps]]\nid = \"org.test.Blue\"\nname = \"Blue\"\nrole = \"split\"\n\n"
        );
    }
}
