//! Wayland protocols that smithay 0.7 does not implement, written in-tree.

pub mod screencopy;
