//! `cowlctl can decode`: a DBC file applied to a candump log or a single frame, offline (no
//! Cowl needed), with the very decoder Cowl runs. For integrators checking a DBC against a
//! recording, and for tests.

use std::io::{BufRead, Write};
use std::path::Path;

use cowl::vehicle_signals::candump::{self, FrameKind, LogFrame};
use cowl::vehicle_signals::dbc;
use cowl::vehicle_signals::decode::{Database, Number, Value};
use serde_json::{Map, Value as Json};

/// How many bad lines are described one by one before only being counted.
const DESCRIBED_BAD_LINES: usize = 5;

pub fn decode(
    dbc_path: &Path,
    log: Option<&Path>,
    frame: Option<&str>,
    json: bool,
) -> Result<(), String> {
    let database = dbc::load(dbc_path).map_err(|err| err.to_string())?;
    for warning in &database.warnings {
        eprintln!("cowlctl: {}: warning: {warning}", dbc_path.display());
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut printer = Printer {
        database: &database,
        json,
        unknown_ids: 0,
        undecodable: 0,
    };
    match (log, frame) {
        (_, Some(frame)) => {
            let frame = candump::parse_frame(frame).map_err(|err| format!("{frame}: {err}"))?;
            printer.print(&mut out, &frame)?;
        }
        (Some(log), None) => {
            let file =
                std::fs::File::open(log).map_err(|err| format!("{}: {err}", log.display()))?;
            let mut bad_lines = 0;
            for (index, line) in std::io::BufReader::new(file).lines().enumerate() {
                let line = line.map_err(|err| format!("{}: {err}", log.display()))?;
                if line.trim().is_empty() {
                    continue;
                }
                match candump::parse_line(&line) {
                    Ok(frame) => printer.print(&mut out, &frame)?,
                    Err(err) => {
                        bad_lines += 1;
                        if bad_lines <= DESCRIBED_BAD_LINES {
                            eprintln!("cowlctl: {}:{}: skipped: {err}", log.display(), index + 1);
                        }
                    }
                }
            }
            if bad_lines > 0 {
                eprintln!("cowlctl: {}: {bad_lines} lines skipped", log.display());
            }
        }
        (None, None) => return Err("give --log FILE or --frame ID#DATA".into()),
    }
    out.flush().map_err(|err| err.to_string())?;
    if printer.unknown_ids > 0 {
        eprintln!(
            "cowlctl: {} frames have ids the DBC does not describe",
            printer.unknown_ids
        );
    }
    if printer.undecodable > 0 {
        eprintln!(
            "cowlctl: {} frames could not be decoded",
            printer.undecodable
        );
    }
    Ok(())
}

struct Printer<'a> {
    database: &'a Database,
    json: bool,
    unknown_ids: usize,
    undecodable: usize,
}

impl Printer<'_> {
    fn print(&mut self, out: &mut impl Write, frame: &LogFrame<'_>) -> Result<(), String> {
        if frame.kind != FrameKind::Data {
            return Ok(());
        }
        let Some(message) = self.database.message(frame.id) else {
            self.unknown_ids += 1;
            return Ok(());
        };
        let mut values = message.buffer();
        if let Err(err) = message.decode(frame.data(), &mut values) {
            self.undecodable += 1;
            eprintln!("cowlctl: {} {}: {err}", frame.id, message.name);
            return Ok(());
        }
        let decoded = message
            .signals
            .iter()
            .zip(&values)
            .filter_map(|(signal, value)| Some((signal, value.as_ref()?)));
        let written = if self.json {
            let mut signals = Map::new();
            for (signal, value) in decoded {
                signals.insert(signal.name.clone(), json_value(signal, value));
            }
            let mut object = Map::new();
            object.insert("t".into(), Json::from(frame.timestamp.as_secs_f64()));
            object.insert("iface".into(), Json::from(frame.interface));
            object.insert("id".into(), Json::from(frame.id.id));
            object.insert("extended".into(), Json::from(frame.id.extended));
            object.insert("name".into(), Json::from(message.name.as_str()));
            object.insert("signals".into(), Json::Object(signals));
            writeln!(out, "{}", Json::Object(object))
        } else {
            let text: Vec<String> = decoded
                .map(|(signal, value)| {
                    let shown = match value.label.and_then(|label| signal.label(label)) {
                        Some(label) => format!("{label:?}"),
                        None if signal.unit.is_empty() => value.number.to_string(),
                        None => format!("{} {}", value.number, signal.unit),
                    };
                    format!("{}={shown}", signal.name)
                })
                .collect();
            writeln!(
                out,
                "({:.6}) {} {} {}: {}",
                frame.timestamp.as_secs_f64(),
                frame.interface,
                frame.id,
                message.name,
                text.join(", ")
            )
        };
        written.map_err(|err| err.to_string())
    }
}

/// A label as its text, like cantools; a number as a JSON number (non-finite ones as null).
fn json_value(signal: &cowl::vehicle_signals::decode::SignalPlan, value: &Value) -> Json {
    if let Some(label) = value.label.and_then(|label| signal.label(label)) {
        return Json::from(label);
    }
    match value.number {
        Number::Integer(number) => i64::try_from(number)
            .map(Json::from)
            .or_else(|_| u64::try_from(number).map(Json::from))
            .unwrap_or_else(|_| Json::from(number as f64)),
        Number::Float(number) => {
            serde_json::Number::from_f64(number).map_or(Json::Null, Json::Number)
        }
    }
}
