//! Where the head unit's shared files are (maps, spoken prompts, demo media): installed
//! under `/usr/share/cowl`, or, for an app run from a source checkout (`cargo run -p
//! cowl-nav`), in the checkout's `assets/` folder. The installed file wins; the checkout's
//! path is the one this crate was built in, so an image built elsewhere never finds one.

use std::path::{Path, PathBuf};

/// Where the image installs the shared files.
pub const INSTALLED: &str = "/usr/share/cowl";

/// The source checkout's assets folder, as it was when this crate was built.
const CHECKOUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets");

/// The places `relative` is looked for, in order: installed, then the checkout's.
pub fn candidates(relative: &str) -> [PathBuf; 2] {
    [
        Path::new(INSTALLED).join(relative),
        Path::new(CHECKOUT).join(relative),
    ]
}

/// The first of [`candidates`] that exists, or a one-line explanation naming both places
/// and how to get the file (`how`).
pub fn find(relative: &str, how: &str) -> Result<PathBuf, String> {
    let [installed, checkout] = candidates(relative);
    if installed.exists() {
        return Ok(installed);
    }
    if checkout.exists() {
        return Ok(checkout);
    }
    Err(format!(
        "no {} nor {}: {how}",
        installed.display(),
        checkout.display()
    ))
}

/// The checkout's copy of `relative`, when this program runs from a checkout that has it.
pub fn in_checkout(relative: &str) -> Option<PathBuf> {
    let path = Path::new(CHECKOUT).join(relative);
    path.exists().then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkout_finds_its_own_map_and_names_both_places_for_what_is_missing() {
        let map = find("map/helsinki.cowlmap", "make it").expect("the committed map");
        assert!(map.ends_with("map/helsinki.cowlmap"), "{}", map.display());
        let missing = find("map/nowhere.cowlmap", "make it with make-map.sh").unwrap_err();
        assert!(missing.starts_with("no /usr/share/cowl/map/nowhere.cowlmap nor "));
        assert!(missing.ends_with("assets/map/nowhere.cowlmap: make it with make-map.sh"));
    }
}
