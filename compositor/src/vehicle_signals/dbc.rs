//! Reading a DBC file into decode plans. can-dbc parses; this module reads the file (UTF-8,
//! or Windows-1252 as many DBC tools write), reports a parse error as file:line:column, repairs
//! 29-bit ids that a DBC writes without bit 31 (can-dbc truncates them to standard ids), and
//! compiles every message into a [`MessagePlan`].

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use can_dbc::{
    ByteOrder, Dbc, MessageId, MultiplexIndicator, SignalExtendedValueType, ValueDescription,
    ValueType,
};

use super::decode::{
    BitField, Conversion, Database, FrameId, MessagePlan, MuxCondition, RawKind, SignalPlan,
};

/// A DBC file that cannot be used, with where it went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct DbcError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Reads and compiles the DBC file at `path`.
pub fn load(path: &Path) -> Result<Database, DbcError> {
    let bytes = std::fs::read(path).map_err(|err| DbcError {
        path: path.display().to_string(),
        line: 0,
        column: 0,
        message: err.to_string(),
    })?;
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => can_dbc::encodings::WINDOWS_1252.decode(&bytes).0,
    };
    parse(&text, &path.display().to_string())
}

/// Compiles DBC text; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<Database, DbcError> {
    let dbc = Dbc::try_from(text).map_err(|err| located(text, origin, &err))?;
    Ok(compile(&dbc, &long_ids(text)))
}

fn located(text: &str, origin: &str, err: &can_dbc::DbcError) -> DbcError {
    let (line, column, message) = match err {
        can_dbc::DbcError::Pest(pest) => {
            let (line, column) = match pest.line_col {
                pest::error::LineColLocation::Pos(at) => at,
                pest::error::LineColLocation::Span(at, _) => at,
            };
            (line, column, pest.variant.message().into_owned())
        }
        // Errors about a value name it: point at its first occurrence.
        can_dbc::DbcError::InvalidFloat(value)
        | can_dbc::DbcError::InvalidInt(value)
        | can_dbc::DbcError::InvalidUint(value)
        | can_dbc::DbcError::InvalidNumericValue(value)
        | can_dbc::DbcError::UnknownMultiplexIndicator(value) => {
            let (line, column) = text
                .find(value.as_str())
                .map_or((0, 0), |at| line_column(text, at));
            (line, column, err.to_string())
        }
        other => (0, 0, other.to_string()),
    };
    DbcError {
        path: origin.to_string(),
        line,
        column,
        message,
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The ids of `BO_` statements that are too long for a standard id yet lack bit 31, by the
/// value can-dbc truncates them to: such a message is an extended frame.
fn long_ids(text: &str) -> HashMap<u16, u32> {
    text.lines()
        .filter_map(|line| line.trim_start().strip_prefix("BO_ "))
        .filter_map(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
        .filter(|&id| id > 0x7FF && id <= 0x1FFF_FFFF)
        .map(|id| (id as u16, id as u32))
        .collect()
}

fn compile(dbc: &Dbc, long_ids: &HashMap<u16, u32>) -> Database {
    let mut warnings = Vec::new();
    let mut messages = Vec::new();
    for message in &dbc.messages {
        let id = match message.id {
            MessageId::Standard(truncated) => match long_ids.get(&truncated) {
                Some(&full) => {
                    warnings.push(format!(
                        "message {} has the 29-bit id {full:#X} without bit 31 set: \
                         read as an extended frame",
                        message.name
                    ));
                    FrameId {
                        id: full,
                        extended: true,
                    }
                }
                None if truncated <= 0x7FF => FrameId {
                    id: u32::from(truncated),
                    extended: false,
                },
                None => continue,
            },
            // Ids beyond 29 bits are the DBC's pseudo-messages (VECTOR__INDEPENDENT_SIG_MSG).
            MessageId::Extended(id) if id > 0x1FFF_FFFF => continue,
            MessageId::Extended(id) => FrameId { id, extended: true },
        };
        messages.push(compile_message(dbc, message, id, &mut warnings));
    }
    Database::new(messages, warnings)
}

fn compile_message(
    dbc: &Dbc,
    message: &can_dbc::Message,
    id: FrameId,
    warnings: &mut Vec<String>,
) -> MessagePlan {
    let mut signals = Vec::new();
    let mut sources = Vec::new();
    for signal in &message.signals {
        let big_endian = signal.byte_order == ByteOrder::BigEndian;
        let Some(field) = BitField::new(signal.start_bit, signal.size, big_endian) else {
            warnings.push(format!(
                "signal {}.{} ({} bits at bit {}) does not fit a CAN frame: skipped",
                message.name, signal.name, signal.size, signal.start_bit
            ));
            continue;
        };
        let float = dbc
            .signal_extended_value_type_list
            .iter()
            .rev()
            .find(|entry| entry.message_id == message.id && entry.signal_name == signal.name)
            .map(|entry| &entry.signal_extended_value_type);
        let raw = match float {
            Some(SignalExtendedValueType::IEEEfloat32Bit) => RawKind::Float32,
            Some(SignalExtendedValueType::IEEEdouble64bit) => RawKind::Float64,
            _ if signal.value_type == ValueType::Signed => RawKind::Signed,
            _ => RawKind::Unsigned,
        };
        let is_float = matches!(raw, RawKind::Float32 | RawKind::Float64);
        signals.push(SignalPlan {
            name: signal.name.clone(),
            unit: signal.unit.clone(),
            field,
            raw,
            conversion: Conversion::new(signal.factor, signal.offset, is_float),
            labels: labels(dbc, message.id, &signal.name),
            multiplexed_by: None,
        });
        sources.push(signal);
    }

    let index_of = |name: &str| signals.iter().position(|signal| signal.name == name);
    // Plain multiplexing: `mN` signals follow the message's `M` signal.
    let plain_multiplexer = sources.iter().position(|signal| {
        matches!(
            signal.multiplexer_indicator,
            MultiplexIndicator::Multiplexor
                | MultiplexIndicator::MultiplexorAndMultiplexedSignal(_)
        )
    });
    let mut conditions: Vec<Option<MuxCondition>> = vec![None; signals.len()];
    for (index, source) in sources.iter().enumerate() {
        let selected_by = match source.multiplexer_indicator {
            MultiplexIndicator::MultiplexedSignal(value)
            | MultiplexIndicator::MultiplexorAndMultiplexedSignal(value) => Some(value),
            _ => None,
        };
        // Extended multiplexing (SG_MUL_VAL_) names the multiplexer and value ranges.
        let extended: Vec<_> = dbc
            .extended_multiplex
            .iter()
            .filter(|entry| entry.message_id == message.id && entry.signal_name == source.name)
            .collect();
        if let Some(first) = extended.first() {
            let Some(multiplexer) = index_of(&first.multiplexor_signal_name) else {
                warnings.push(format!(
                    "signal {}.{} is multiplexed by {}, which the message lacks",
                    message.name, source.name, first.multiplexor_signal_name
                ));
                continue;
            };
            let flagged = matches!(
                sources[multiplexer].multiplexer_indicator,
                MultiplexIndicator::Multiplexor
                    | MultiplexIndicator::MultiplexorAndMultiplexedSignal(_)
            );
            // A multiplexer must be flagged `M`; like cantools, a signal selected by one that
            // is not is never decoded, rather than guessed.
            let ranges = if flagged {
                extended
                    .iter()
                    .filter(|entry| entry.multiplexor_signal_name == first.multiplexor_signal_name)
                    .flat_map(|entry| entry.mappings.iter())
                    .map(|mapping| (mapping.min_value, mapping.max_value))
                    .collect()
            } else {
                warnings.push(format!(
                    "signal {}.{} is multiplexed by {}, which is not flagged as a multiplexer: \
                     never decoded",
                    message.name, source.name, first.multiplexor_signal_name
                ));
                Vec::new()
            };
            conditions[index] = Some(MuxCondition {
                multiplexer,
                ranges,
            });
        } else if let (Some(value), Some(multiplexer)) = (selected_by, plain_multiplexer)
            && multiplexer != index
        {
            conditions[index] = Some(MuxCondition {
                multiplexer,
                ranges: vec![(value, value)],
            });
        }
    }
    for (signal, condition) in signals.iter_mut().zip(conditions) {
        signal.multiplexed_by = condition;
    }

    let order = decode_order(&signals, &message.name, warnings);
    let mut selecting: BTreeMap<usize, Vec<(u64, u64)>> = BTreeMap::new();
    for signal in &signals {
        if let Some(condition) = &signal.multiplexed_by
            && !condition.ranges.is_empty()
        {
            selecting
                .entry(condition.multiplexer)
                .or_default()
                .extend(condition.ranges.iter().copied());
        }
    }
    MessagePlan {
        id,
        name: message.name.clone(),
        length: message.size as usize,
        signals,
        order,
        multiplexers: selecting.into_iter().collect(),
    }
}

/// Signal indices with every multiplexer before the signals it selects. A signal caught in a
/// cycle of multiplexers is never decoded (and said so).
fn decode_order(signals: &[SignalPlan], message: &str, warnings: &mut Vec<String>) -> Vec<usize> {
    let depth = |mut index: usize| -> Option<usize> {
        let mut depth = 0;
        while let Some(condition) = &signals[index].multiplexed_by {
            depth += 1;
            if depth > signals.len() {
                return None;
            }
            index = condition.multiplexer;
        }
        Some(depth)
    };
    let mut order: Vec<(usize, usize)> = Vec::with_capacity(signals.len());
    for (index, signal) in signals.iter().enumerate() {
        match depth(index) {
            Some(depth) => order.push((depth, index)),
            None => warnings.push(format!(
                "signal {message}.{} is in a cycle of multiplexers: never decoded",
                signal.name
            )),
        }
    }
    order.sort();
    order.into_iter().map(|(_, index)| index).collect()
}

/// The value labels (VAL_) of a signal, sorted by raw value; a value labelled twice keeps
/// its last label.
fn labels(dbc: &Dbc, message: MessageId, signal: &str) -> Vec<(i128, String)> {
    let mut labels = BTreeMap::new();
    for description in &dbc.value_descriptions {
        if let ValueDescription::Signal {
            message_id,
            name,
            value_descriptions,
        } = description
            && *message_id == message
            && name == signal
        {
            for value in value_descriptions {
                labels.insert(i128::from(value.id), value.description.clone());
            }
        }
    }
    labels.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "VERSION \"\"\n\nNS_ :\n\nBS_:\n\nBU_: ECU\n\n";

    #[test]
    fn a_29_bit_id_without_bit_31_is_read_as_extended_with_a_warning() {
        let text = format!(
            "{HEADER}BO_ 419360256 Engine: 8 ECU\n SG_ Rpm : 0|16@1+ (0.25,0) [0|0] \"rpm\" ECU\n"
        );
        let database = parse(&text, "test.dbc").expect("valid");
        let message = &database.messages()[0];
        assert_eq!(
            message.id,
            FrameId {
                id: 419_360_256,
                extended: true
            }
        );
        assert!(
            database.warnings[0].contains("0x18FEEE00"),
            "{:?}",
            database.warnings
        );
    }

    #[test]
    fn a_syntax_error_names_its_line_and_column() {
        let text =
            format!("{HEADER}BO_ 100 Engine: 8 ECU\n SG_ Rpm : 0|16@1+ (0.25,0 [0|0] \"\" ECU\n");
        let err = parse(&text, "car.dbc").expect_err("broken");
        assert_eq!((err.path.as_str(), err.line), ("car.dbc", 10), "{err}");
        assert!(err.column > 1, "{err}");
        assert!(err.to_string().starts_with("car.dbc:10:"), "{err}");
    }
}
