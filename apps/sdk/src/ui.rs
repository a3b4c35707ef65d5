//! What the head unit's apps share in how they look and are touched, so that they match each
//! other and Cowl's own chrome: the smallest touch target and the embedded typeface.

/// The smallest touch target, pixels: 9 mm on a 160 dpi head-unit panel (a 9 to 10 inch
/// 1280x720 screen) is 57 px; 9 mm at the smaller 133 dpi of a 7 inch 800x480 panel is 47 px.
pub const TOUCH_TARGET: f32 = 57.0;

/// The typeface's family name: DejaVu Sans, the same face as Cowl's chrome (assets/fonts).
pub const FONT_FAMILY: &str = "DejaVu Sans";
/// DejaVu Sans, regular, embedded (the repository's subset), so that an app looks the same
/// on every image, with or without system fonts.
pub const FONT_REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-subset.ttf");
/// DejaVu Sans, bold, embedded likewise.
pub const FONT_BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold-subset.ttf");
