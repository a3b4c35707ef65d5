//! The configuration's errors as a user reads them: the key, the line and the column.

use super::load::line_and_column;
use super::*;

fn error(text: &str) -> ConfigError {
    parse(text, "test.toml").expect_err("the configuration must be rejected")
}

#[test]
fn the_built_in_configuration_is_valid() {
    let config = parse(BUILT_IN, "built-in").expect("valid");
    assert!(config.output("HEADLESS-1").is_some());
    assert!(
        config
            .apps
            .iter()
            .any(|app| app.id.get_ref() == "org.cowl.Navigation")
    );
}

#[test]
fn an_unknown_key_is_named_with_its_line_and_column() {
    let err = error("[keyboard]\nlayout = \"de\"\nlayuot = \"us\"\n");
    assert_eq!((err.line, err.column), (3, 1), "{err}");
    assert!(err.message.contains("unknown field `layuot`"), "{err}");
    assert!(err.to_string().starts_with("test.toml:3:1: "), "{err}");
}

#[test]
fn a_bad_value_names_its_key() {
    let err = error("[[apps]]\nid = \"a\"\nname = \"A\"\nrestart = \"sometimes\"\n");
    assert_eq!((err.line, err.column), (4, 11), "{err}");
    assert_eq!(err.key, "apps[0].restart");
    assert!(err.message.contains("sometimes"), "{err}");
}

#[test]
fn a_syntax_error_has_a_position() {
    let err = error("[keyboard\nlayout = \"de\"\n");
    assert_eq!(err.line, 1, "{err}");
    assert!(err.key.is_empty());
}

#[test]
fn a_duplicate_app_id_points_at_the_second() {
    let err =
        error("[[apps]]\nid = \"org.x\"\nname = \"X\"\n\n[[apps]]\nid = \"org.x\"\nname = \"Y\"\n");
    assert_eq!((err.line, err.column), (6, 6), "{err}");
    assert_eq!(err.key, "apps[1].id");
    assert!(err.message.contains("declared twice"), "{err}");
}

#[test]
fn an_output_scale_out_of_range_is_refused_and_a_transform_is_read() {
    let err = error("[[outputs]]\nname = \"A\"\nscale = 8.0\n");
    assert_eq!(
        (err.key.as_str(), err.line, err.column),
        ("outputs[0].scale", 3, 9)
    );
    let err = error("[[outputs]]\nname = \"A\"\nscale = nan\n");
    assert_eq!(err.key, "outputs[0].scale");
    let err = error("[[outputs]]\nname = \"A\"\ntransform = \"45\"\n");
    assert_eq!(err.key, "outputs[0].transform");

    let config = parse(
        "[[outputs]]\nname = \"A\"\nscale = 1.25\ntransform = \"flipped-270\"\n",
        "test.toml",
    )
    .expect("valid");
    let output = config.output("A").expect("configured");
    assert_eq!(output.scale(), 1.25);
    assert_eq!(output.transform, OutputTransform::Flipped270);
    let defaults = parse("[[outputs]]\nname = \"B\"\n", "test.toml").expect("valid");
    let output = defaults.output("B").expect("configured");
    assert_eq!(
        (output.scale(), output.transform),
        (1.0, OutputTransform::Normal)
    );
}

#[test]
fn vehicle_mistakes_are_named_with_their_place() {
    let err = error("[vehicle.restrictions]\nmoving = [\"no_video\", \"no_radio\"]\n");
    assert_eq!(
        (err.key.as_str(), err.line),
        ("vehicle.restrictions.moving[1]", 2)
    );
    let err = error("[vehicle]\nreplay_speed = 0.0\n");
    assert_eq!(err.key, "vehicle.replay_speed");
    let err = error("[vehicle]\nsource = \"radio\"\n");
    assert_eq!(err.key, "vehicle.source");
    let config = parse(
        "[vehicle.restrictions]\nidling = [\"no_video\", \"no_keyboard\"]\n",
        "test.toml",
    )
    .expect("valid");
    let map = config.vehicle.restrictions.map();
    // A state not listed keeps its default: moving stays fully restricted.
    assert_eq!((map.parked, map.idling, map.moving), (0, 24, 511));
}

#[test]
fn autostart_needs_a_command() {
    let err = error("[[apps]]\nid = \"org.x\"\nname = \"X\"\nautostart = true\n");
    assert_eq!(err.key, "apps[0].exec");
}

#[test]
fn an_app_on_an_unknown_output_is_rejected() {
    let err = error("[[apps]]\nid = \"org.x\"\nname = \"X\"\noutput = \"HDMI-A-9\"\n");
    assert_eq!(err.key, "apps[0].output");
    assert_eq!(err.line, 4);
}

#[test]
fn panels_must_fit_and_not_share_an_edge() {
    let base = "[[outputs]]\nname = \"A\"\n[outputs.layout]\n";
    let err = error(&format!(
        "{base}status_bar = {{ edge = \"top\", size = 0 }}\n"
    ));
    assert_eq!(err.key, "outputs[0].layout.status_bar.size");
    let err = error(&format!(
        "{base}status_bar = {{ edge = \"top\", size = 40 }}\ndock = {{ edge = \"top\", size = 80 }}\n"
    ));
    assert_eq!(err.key, "outputs[0].layout.dock.edge");
    assert_eq!(err.line, 5);
}

#[test]
fn watchdog_times_are_checked() {
    let config = parse("", "empty").expect("empty config");
    assert_eq!(
        config.watchdog.hung_after(),
        std::time::Duration::from_secs(5)
    );
    let err = error("[watchdog]\nhung_after_ms = 10\n");
    assert_eq!((err.key.as_str(), err.line), ("watchdog.hung_after_ms", 2));
    let err = error("[watchdog]\nhung_after_ms = 5000\nkill_after_ms = 1000\n");
    assert_eq!(err.key, "watchdog.kill_after_ms");
    let never = parse("[watchdog]\nkill_after_ms = 0\n", "t").expect("valid");
    assert_eq!(never.watchdog.kill_after(), None);
}

#[test]
fn colours_are_hex_triplets() {
    assert_eq!(
        Colour::try_from("#0a0B0c".to_string()),
        Ok(Colour([10, 11, 12]))
    );
    let err = error("[[outputs]]\nname = \"A\"\n[outputs.layout]\nbackground = \"blue\"\n");
    assert_eq!(err.key, "outputs[0].layout.background");
    assert_eq!(err.line, 4);
}

#[test]
fn columns_count_characters_not_bytes() {
    assert_eq!(line_and_column("ä = 1\nb", 7), (2, 1));
    assert_eq!(line_and_column("äb", 2), (1, 2));
}

#[test]
fn output_modes_and_touchscreens_are_read_and_checked() {
    let config = parse(
        "[[outputs]]\nname = \"DSI-1\"\nmode = \"1280x800@60\"\n\
             [[touchscreens]]\nname = \"Goodix\"\noutput = \"DSI-1\"\n\
             calibration = [0.0, 1.0, 0.0, -1.0, 0.0, 1.0]\n",
        "test.toml",
    )
    .expect("valid");
    let mode = config.output("DSI-1").and_then(OutputConfig::mode);
    assert_eq!(
        mode,
        Some(ModeRequest {
            width: 1280,
            height: 800,
            refresh_hz: Some(60)
        })
    );
    assert_eq!(
        ModeRequest::parse("800x480").map(|m| m.refresh_hz),
        Some(None)
    );
    let err = error("[[outputs]]\nname = \"A\"\nmode = \"big\"\n");
    assert_eq!(
        (err.key.as_str(), err.line, err.column),
        ("outputs[0].mode", 3, 8)
    );
    let err = error("[[touchscreens]]\nname = \"T\"\ncalibration = [1.0, 0.0]\n");
    assert_eq!(err.key, "touchscreens[0].calibration");
    let err =
        error("[[touchscreens]]\nname = \"T\"\ncalibration = [nan, 0.0, 0.0, 0.0, 1.0, 0.0]\n");
    assert_eq!(err.key, "touchscreens[0].calibration");
}
