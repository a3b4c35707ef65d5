//! Vehicle properties, named after COVESA VSS (`Vehicle.Speed`,
//! `Vehicle.Powertrain.Transmission.CurrentGear`, ...), from DBC signals. A mapping file per
//! DBC says which signal feeds which property and how: an optional expression on the
//! signal's physical value (`value / 3.6`), then an optional table from the signal's label
//! or number to the property's value (`values = { P = "P", R = "R" }`).
//!
//! ```toml
//! [[property]]
//! name = "Vehicle.Speed"
//! signal = "ESC_WheelSpeeds.VehicleSpeed"   # MESSAGE.SIGNAL in the DBC
//! type = "double"                            # double, int, bool or string
//! stale_after_ms = 500                       # unknown when not refreshed for this long
//! ```
//!
//! A mapping is checked against its DBC when it is loaded: every error names the file, line,
//! column and key.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::time::Duration;

use exmex::{Express, FlatEx};
use serde::Deserialize;
use toml::Spanned;

use super::decode::{Database, FrameId, Number, SignalPlan, Value};

/// How long a property stays valid without a new frame, unless its mapping says otherwise.
pub const DEFAULT_STALE_AFTER: Duration = Duration::from_millis(1000);

/// A property's value, with the D-Bus type of each kind.
#[derive(Debug, Clone, PartialEq)]
pub enum PropertyValue {
    Bool(bool),
    Int(i64),
    Double(f64),
    String(String),
}

impl std::fmt::Display for PropertyValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PropertyValue::Bool(value) => write!(f, "{value}"),
            PropertyValue::Int(value) => write!(f, "{value}"),
            PropertyValue::Double(value) => write!(f, "{value}"),
            PropertyValue::String(value) => f.write_str(value),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PropertyType {
    Double,
    Int,
    Bool,
    String,
}

impl PropertyType {
    /// Parses a value of this type from text (`cowlctl vehicle set`).
    pub fn parse(self, text: &str) -> Option<PropertyValue> {
        match self {
            PropertyType::Double => text
                .parse::<f64>()
                .ok()
                .filter(|value| value.is_finite())
                .map(PropertyValue::Double),
            PropertyType::Int => text.parse().ok().map(PropertyValue::Int),
            PropertyType::Bool => match text {
                "true" | "1" => Some(PropertyValue::Bool(true)),
                "false" | "0" => Some(PropertyValue::Bool(false)),
                _ => None,
            },
            PropertyType::String => Some(PropertyValue::String(text.to_string())),
        }
    }

    fn of(value: &PropertyValue) -> PropertyType {
        match value {
            PropertyValue::Bool(_) => PropertyType::Bool,
            PropertyValue::Int(_) => PropertyType::Int,
            PropertyValue::Double(_) => PropertyType::Double,
            PropertyValue::String(_) => PropertyType::String,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[serde(default, rename = "property")]
    properties: Vec<RawProperty>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProperty {
    name: Spanned<String>,
    signal: Spanned<String>,
    #[serde(rename = "type")]
    kind: PropertyType,
    #[serde(default)]
    expression: Option<Spanned<String>>,
    #[serde(default)]
    values: Option<Spanned<BTreeMap<String, toml::Value>>>,
    #[serde(default)]
    stale_after_ms: Option<Spanned<u64>>,
}

/// One property and where its value comes from.
#[derive(Debug, Clone)]
pub struct PropertySpec {
    pub name: String,
    pub kind: PropertyType,
    pub stale_after: Duration,
    signal: usize,
    expression: Option<FlatEx<f64>>,
    values: Option<HashMap<String, PropertyValue>>,
}

/// Every property of one DBC, indexed by the frames that feed them.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    pub properties: Vec<PropertySpec>,
    by_frame: HashMap<FrameId, Vec<usize>>,
}

/// A mapping that cannot be used, located in its file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {key}: {message}")]
pub struct MappingError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub key: String,
    pub message: String,
}

impl Mapping {
    /// Parses a mapping file and checks it against `database`; `file` names it in errors.
    pub fn parse(text: &str, file: &str, database: &Database) -> Result<Mapping, MappingError> {
        let error = |span: Range<usize>, key: String, message: String| {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let line_start = before.rfind('\n').map_or(0, |at| at + 1);
            MappingError {
                file: file.to_string(),
                line,
                column: before[line_start..].chars().count() + 1,
                key,
                message,
            }
        };
        let deserializer = toml::Deserializer::parse(text).map_err(|err| {
            error(
                err.span().unwrap_or(0..0),
                String::new(),
                err.message().to_string(),
            )
        })?;
        let raw: MappingFile = serde_path_to_error::deserialize(deserializer).map_err(|err| {
            let key = err.path().to_string();
            let inner = err.into_inner();
            error(
                inner.span().unwrap_or(0..0),
                key,
                inner.message().to_string(),
            )
        })?;

        let mut mapping = Mapping::default();
        for (index, raw) in raw.properties.into_iter().enumerate() {
            let key = |field: &str| format!("property[{index}].{field}");
            let name = raw.name.get_ref();
            let valid_name = name.starts_with("Vehicle.")
                && name.split('.').all(|part| {
                    !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric())
                });
            if !valid_name {
                return Err(error(
                    raw.name.span(),
                    key("name"),
                    "a VSS path like Vehicle.Speed: dot-separated letters and digits".into(),
                ));
            }
            if mapping.properties.iter().any(|p| &p.name == name) {
                return Err(error(
                    raw.name.span(),
                    key("name"),
                    format!("{name} is mapped twice"),
                ));
            }
            let (message_name, signal_name) =
                raw.signal.get_ref().split_once('.').ok_or_else(|| {
                    error(raw.signal.span(), key("signal"), "MESSAGE.SIGNAL".into())
                })?;
            let message = database.message_by_name(message_name).ok_or_else(|| {
                error(
                    raw.signal.span(),
                    key("signal"),
                    format!("the DBC has no message {message_name}"),
                )
            })?;
            let signal = message
                .signals
                .iter()
                .position(|signal| signal.name == signal_name)
                .ok_or_else(|| {
                    error(
                        raw.signal.span(),
                        key("signal"),
                        format!("message {message_name} has no signal {signal_name}"),
                    )
                })?;
            let expression = match &raw.expression {
                None => None,
                Some(text) => {
                    let parsed = exmex::parse::<f64>(text.get_ref())
                        .map_err(|err| error(text.span(), key("expression"), err.to_string()))?;
                    if parsed.var_names().iter().any(|var| var != "value") {
                        return Err(error(
                            text.span(),
                            key("expression"),
                            "the only variable is `value`, the signal's physical value".into(),
                        ));
                    }
                    Some(parsed)
                }
            };
            let values = match &raw.values {
                None => None,
                Some(table) => {
                    let mut values = HashMap::new();
                    for (from, to) in table.get_ref() {
                        let value = match (raw.kind, to) {
                            (PropertyType::Bool, toml::Value::Boolean(b)) => {
                                PropertyValue::Bool(*b)
                            }
                            (PropertyType::Int, toml::Value::Integer(i)) => PropertyValue::Int(*i),
                            (PropertyType::Double, toml::Value::Float(f)) => {
                                PropertyValue::Double(*f)
                            }
                            (PropertyType::Double, toml::Value::Integer(i)) => {
                                PropertyValue::Double(*i as f64)
                            }
                            (PropertyType::String, toml::Value::String(s)) => {
                                PropertyValue::String(s.clone())
                            }
                            _ => {
                                return Err(error(
                                    table.span(),
                                    format!("{}.{from}", key("values")),
                                    format!("a {:?} value, as `type` says", raw.kind)
                                        .to_lowercase(),
                                ));
                            }
                        };
                        values.insert(from.clone(), value);
                    }
                    Some(values)
                }
            };
            let stale_after = raw
                .stale_after_ms
                .as_ref()
                .map_or(DEFAULT_STALE_AFTER, |ms| {
                    Duration::from_millis(*ms.get_ref())
                });
            if stale_after.is_zero() {
                return Err(error(
                    raw.stale_after_ms.as_ref().map_or(0..0, Spanned::span),
                    key("stale_after_ms"),
                    "at least 1 millisecond".into(),
                ));
            }
            mapping
                .by_frame
                .entry(message.id)
                .or_default()
                .push(mapping.properties.len());
            mapping.properties.push(PropertySpec {
                name: name.clone(),
                kind: raw.kind,
                stale_after,
                signal,
                expression,
                values,
            });
        }
        Ok(mapping)
    }

    /// The properties a frame with this id feeds.
    pub fn fed_by(&self, id: FrameId) -> &[usize] {
        self.by_frame.get(&id).map_or(&[], Vec::as_slice)
    }

    /// The value of property `index` from its signal's decoded value (`signals` are the
    /// message's plans, `values` its decode); `None` when the frame lacks the signal or the
    /// value has no mapping (a gear reported as "Invalid").
    pub fn value_of(
        &self,
        index: usize,
        signals: &[SignalPlan],
        values: &[Option<Value>],
    ) -> Option<PropertyValue> {
        let spec = &self.properties[index];
        let signal = signals.get(spec.signal)?;
        let value = values.get(spec.signal)?.as_ref()?;
        let label = value.label.and_then(|label| signal.label(label));
        let number = match &spec.expression {
            Some(expression) => expression.eval(&[value.number.as_f64()]).ok()?,
            None => value.number.as_f64(),
        };
        if !number.is_finite() {
            return None;
        }
        if let Some(table) = &spec.values {
            let key = match (label, spec.expression.is_some(), value.number) {
                (Some(label), false, _) => label.to_string(),
                (_, false, Number::Integer(integer)) => integer.to_string(),
                _ if number.fract() == 0.0 => format!("{}", number as i64),
                _ => format!("{number}"),
            };
            return table.get(&key).cloned();
        }
        Some(match spec.kind {
            PropertyType::Double => PropertyValue::Double(number),
            PropertyType::Int => PropertyValue::Int(number.round() as i64),
            PropertyType::Bool => PropertyValue::Bool(number != 0.0),
            PropertyType::String => {
                PropertyValue::String(label.map_or_else(|| format!("{number}"), str::to_string))
            }
        })
    }

    /// The spec of a property by name.
    pub fn property(&self, name: &str) -> Option<&PropertySpec> {
        self.properties.iter().find(|spec| spec.name == name)
    }
}

/// Whether a value fits a property's type (the simulator's setter checks this).
pub fn fits(kind: PropertyType, value: &PropertyValue) -> bool {
    PropertyType::of(value) == kind
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vehicle_signals::dbc;

    fn demo() -> Database {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../assets/vehicle/cowl-demo.dbc");
        dbc::load(&path).expect("the demo DBC")
    }

    fn error(text: &str) -> MappingError {
        Mapping::parse(text, "map.toml", &demo()).expect_err("refused")
    }

    #[test]
    fn the_demo_mapping_turns_frames_into_properties() {
        let database = demo();
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../assets/vehicle/cowl-demo.toml"),
        )
        .expect("the demo mapping");
        let mapping = Mapping::parse(&text, "cowl-demo.toml", &database).expect("valid");
        let gear = database.message_by_name("TCM_Gear").expect("gear message");
        let mut values = gear.buffer();
        gear.decode(&[0x11, 0, 0, 0], &mut values).expect("decodes");
        let current = mapping
            .properties
            .iter()
            .position(|p| p.name == "Vehicle.Powertrain.Transmission.CurrentGear")
            .expect("mapped");
        assert!(mapping.fed_by(gear.id).contains(&current));
        assert_eq!(
            mapping.value_of(current, &gear.signals, &values),
            Some(PropertyValue::String("R".into()))
        );
        // "Invalid" has no mapping: the property becomes unknown, not "Invalid".
        gear.decode(&[0xFF, 0, 0, 0], &mut values).expect("decodes");
        assert_eq!(mapping.value_of(current, &gear.signals, &values), None);

        let lights = database.message_by_name("BCM_Lights").expect("lights");
        let mut values = lights.buffer();
        lights.decode(&[0x01, 0x02], &mut values).expect("decodes");
        let mode = mapping
            .properties
            .iter()
            .position(|p| p.name == "Vehicle.Cabin.Infotainment.HMI.DayNightMode")
            .expect("mapped");
        assert_eq!(
            mapping.value_of(mode, &lights.signals, &values),
            Some(PropertyValue::String("NIGHT".into()))
        );

        // Steering-wheel keys: page 0 (media) selects the media key and the volume steps.
        let keys = database.message_by_name("SWC_Keys").expect("keys");
        let mut values = keys.buffer();
        keys.decode(&[0x00, 0xE1], &mut values).expect("decodes");
        let property = |name: &str| {
            let index = mapping
                .properties
                .iter()
                .position(|p| p.name == name)
                .expect("mapped");
            mapping.value_of(index, &keys.signals, &values)
        };
        assert_eq!(
            property("Vehicle.Cabin.SteeringWheel.MediaKey"),
            Some(PropertyValue::String("Next".into()))
        );
        assert_eq!(
            property("Vehicle.Cabin.SteeringWheel.VolumeSteps"),
            Some(PropertyValue::Int(-2))
        );
    }

    #[test]
    fn an_expression_applies_to_the_physical_value() {
        let text = "[[property]]\nname = \"Vehicle.Speed\"\nsignal = \"ESC_WheelSpeeds.VehicleSpeed\"\ntype = \"double\"\nexpression = \"value / 3.6\"\n";
        let database = demo();
        let mapping = Mapping::parse(text, "map.toml", &database).expect("valid");
        let message = database.message_by_name("ESC_WheelSpeeds").expect("speed");
        let mut values = message.buffer();
        // 36.00 km/h in 0.01 steps: 3600 = 0x0E10.
        message
            .decode(&[0x10, 0x0E, 1, 0, 0, 0, 0, 0], &mut values)
            .expect("decodes");
        assert_eq!(
            mapping.value_of(0, &message.signals, &values),
            Some(PropertyValue::Double(10.0))
        );
    }

    #[test]
    fn mistakes_are_named_with_their_place() {
        let err = error(
            "[[property]]\nname = \"Vehicle.Speed\"\nsignal = \"Nope.VehicleSpeed\"\ntype = \"double\"\n",
        );
        assert_eq!(
            (err.line, err.key.as_str()),
            (3, "property[0].signal"),
            "{err}"
        );
        assert!(err.message.contains("no message Nope"), "{err}");
        let err = error(
            "[[property]]\nname = \"Speed\"\nsignal = \"ESC_WheelSpeeds.VehicleSpeed\"\ntype = \"double\"\n",
        );
        assert_eq!(err.key, "property[0].name", "{err}");
        let err = error(
            "[[property]]\nname = \"Vehicle.Speed\"\nsignal = \"ESC_WheelSpeeds.VehicleSpeed\"\ntype = \"double\"\nexpression = \"speed * 2\"\n",
        );
        assert_eq!(
            (err.line, err.key.as_str()),
            (5, "property[0].expression"),
            "{err}"
        );
        let err = error(
            "[[property]]\nname = \"Vehicle.Speed\"\nsignal = \"ESC_WheelSpeeds.VehicleSpeed\"\ntype = \"double\"\nunit = \"km/h\"\n",
        );
        assert_eq!(err.line, 5, "{err}");
        let err = error(
            "[[property]]\nname = \"Vehicle.X\"\nsignal = \"BCM_Lights.LowBeam\"\ntype = \"bool\"\nvalues = { 0 = \"off\" }\n",
        );
        assert_eq!(err.key, "property[0].values.0", "{err}");
    }
}
