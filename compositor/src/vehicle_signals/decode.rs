//! Decode plans: each DBC message compiled once into what decoding a frame needs (which bytes,
//! which shift and mask, signedness, float, conversion, value labels, multiplexing), so that
//! decoding allocates nothing and touches only the bytes of each signal.
//!
//! The results match cantools, the reference decoder, bit for bit (tests/can_crosscheck.rs):
//! the same integer-or-float outcome of factor and offset, the same labels, the same
//! multiplexer rules, and the same signals missing from frames shorter than the DBC says.

use std::collections::HashMap;

/// A CAN identifier with its format: 0x123 standard and 0x123 extended are different frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FrameId {
    pub id: u32,
    pub extended: bool,
}

impl std::fmt::Display for FrameId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.extended {
            write!(f, "{:08X}", self.id)
        } else {
            write!(f, "{:03X}", self.id)
        }
    }
}

/// A decoded number: an integer where the DBC's factor and offset keep it one (as cantools
/// keeps Python ints), a float otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Integer(i128),
    Float(f64),
}

impl Number {
    pub fn as_f64(self) -> f64 {
        match self {
            // Through i64 where it fits: the same value, without the 128-bit conversion.
            Number::Integer(value) => match i64::try_from(value) {
                Ok(small) => small as f64,
                Err(_) => value as f64,
            },
            Number::Float(value) => value,
        }
    }
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Number::Integer(value) => write!(f, "{value}"),
            Number::Float(value) => write!(f, "{value:?}"),
        }
    }
}

/// One signal of one frame: its physical value, and its label when the DBC names that raw
/// value (an index into the signal's labels, see [`SignalPlan::label`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Value {
    pub number: Number,
    pub label: Option<u32>,
}

/// Why a frame could not be decoded as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A multiplexer holds a value that selects none of its signals.
    #[error("multiplexer {signal} holds {value}, which selects no signal")]
    UnknownMultiplexerValue { signal: usize, value: i128 },
    /// A float signal with value labels holds NaN or infinity, which names no label.
    #[error("signal {signal} holds a non-finite float")]
    NonFiniteLabelled { signal: usize },
}

/// Where a signal's bits are: bytes `first..first + count`, shifted right by `shift` after
/// reading them in the signal's byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BitField {
    first: u8,
    count: u8,
    shift: u8,
    length: u8,
    big_endian: bool,
    /// One past the last bit in frame order: a frame shorter than this lacks the signal.
    end_bit: u16,
}

impl BitField {
    /// The field of a DBC signal (start bit in DBC numbering: the least significant bit for
    /// Intel order, the most significant in the sawtooth numbering for Motorola order), or
    /// `None` when it is empty, wider than 64 bits or outside a 64-byte frame.
    pub(crate) fn new(start: u64, length: u64, big_endian: bool) -> Option<BitField> {
        if length == 0 || length > 64 || start >= 512 {
            return None;
        }
        let (begin, shift_base) = if big_endian {
            // The most significant bit's position counted from the first byte's top bit.
            ((start / 8) * 8 + 7 - start % 8, 0)
        } else {
            (start, start % 8)
        };
        let end_bit = begin + length;
        if end_bit > 512 {
            return None;
        }
        let first = begin / 8;
        let last = (end_bit - 1) / 8;
        let count = last - first + 1;
        let shift = if big_endian {
            (last + 1) * 8 - end_bit
        } else {
            shift_base
        };
        Some(BitField {
            first: first as u8,
            count: count as u8,
            shift: shift as u8,
            length: length as u8,
            big_endian,
            end_bit: end_bit as u16,
        })
    }

    fn fits(&self, data: &[u8]) -> bool {
        usize::from(self.end_bit) <= data.len() * 8
    }

    /// The raw bits from a frame copied into a zero-padded [`Padded`] buffer; the caller
    /// has checked `fits` on the frame itself.
    fn read(&self, frame: &Padded) -> u64 {
        let first = usize::from(self.first);
        let mask = if self.length == 64 {
            u64::MAX
        } else {
            (1u64 << self.length) - 1
        };
        if self.count <= 8 {
            // One 64-bit load from the field's first byte: bytes past the field fall
            // outside the mask (little-endian) or are shifted out (big-endian).
            let mut window = [0u8; 8];
            window.copy_from_slice(&frame.0[first..first + 8]);
            let word = if self.big_endian {
                u64::from_be_bytes(window) >> (64 - 8 * u32::from(self.count))
            } else {
                u64::from_le_bytes(window)
            };
            return (word >> self.shift) & mask;
        }
        // A 64-bit field not aligned to a byte spans nine bytes.
        let bytes = &frame.0[first..first + usize::from(self.count)];
        let word = if self.big_endian {
            bytes
                .iter()
                .fold(0u128, |word, &byte| (word << 8) | u128::from(byte))
        } else {
            bytes
                .iter()
                .rev()
                .fold(0u128, |word, &byte| (word << 8) | u128::from(byte))
        };
        (word >> self.shift) as u64 & mask
    }
}

/// A frame's bytes followed by zeros, so that a field's bits are read with one 64-bit load
/// wherever it lies: 64 bytes (CAN FD's largest frame) and room for a load from the last.
pub(crate) struct Padded([u8; 64 + 9]);

impl Padded {
    fn of(data: &[u8]) -> Padded {
        let mut padded = Padded([0; 64 + 9]);
        match <&[u8; 8]>::try_from(data) {
            // A classic frame: a fixed-size copy, no call.
            Ok(classic) => padded.0[..8].copy_from_slice(classic),
            Err(_) => {
                let length = data.len().min(64);
                padded.0[..length].copy_from_slice(&data[..length]);
            }
        }
        padded
    }
}

/// How the raw bits are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawKind {
    Unsigned,
    Signed,
    Float32,
    Float64,
}

/// Raw to physical: `raw * factor + offset`, kept integer exactly when cantools keeps it so.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Conversion {
    Identity,
    Integer { factor: i128, offset: i128 },
    Linear { factor: f64, offset: f64 },
}

impl Conversion {
    pub(crate) fn new(factor: f64, offset: f64, float: bool) -> Conversion {
        let integral = |value: f64| value.fract() == 0.0 && value.abs() < 1e30;
        if factor == 1.0 && offset == 0.0 {
            Conversion::Identity
        } else if !float && integral(factor) && integral(offset) {
            Conversion::Integer {
                factor: factor as i128,
                offset: offset as i128,
            }
        } else {
            Conversion::Linear { factor, offset }
        }
    }

    fn apply(self, raw: Number) -> Number {
        match (self, raw) {
            (Conversion::Identity, raw) => raw,
            (Conversion::Integer { factor, offset }, Number::Integer(raw)) => {
                // 64-bit arithmetic where everything fits (nearly always), 128-bit else.
                let narrow = match (
                    i64::try_from(raw),
                    i64::try_from(factor),
                    i64::try_from(offset),
                ) {
                    (Ok(raw), Ok(factor), Ok(offset)) => raw
                        .checked_mul(factor)
                        .and_then(|v| v.checked_add(offset))
                        .map(i128::from),
                    _ => None,
                };
                let exact =
                    narrow.or_else(|| raw.checked_mul(factor).and_then(|v| v.checked_add(offset)));
                match exact {
                    Some(value) => Number::Integer(value),
                    None => Number::Float(raw as f64 * factor as f64 + offset as f64),
                }
            }
            (Conversion::Integer { factor, offset }, Number::Float(raw)) => {
                Number::Float(raw * factor as f64 + offset as f64)
            }
            (Conversion::Linear { factor, offset }, raw) => {
                Number::Float(raw.as_f64() * factor + offset)
            }
        }
    }
}

/// The multiplexer a signal depends on, and the multiplexer values that select it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MuxCondition {
    pub(crate) multiplexer: usize,
    /// Inclusive ranges of selecting values.
    pub(crate) ranges: Vec<(u64, u64)>,
}

impl MuxCondition {
    fn selects(&self, value: i128) -> bool {
        self.ranges
            .iter()
            .any(|&(low, high)| i128::from(low) <= value && value <= i128::from(high))
    }
}

/// One signal's plan.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalPlan {
    pub name: String,
    pub unit: String,
    pub(crate) field: BitField,
    pub(crate) raw: RawKind,
    pub(crate) conversion: Conversion,
    /// Value labels by raw value, sorted by raw value.
    pub(crate) labels: Vec<(i128, String)>,
    pub(crate) multiplexed_by: Option<MuxCondition>,
}

impl SignalPlan {
    /// The text of a label a decoded value carries.
    pub fn label(&self, index: u32) -> Option<&str> {
        self.labels
            .get(index as usize)
            .map(|(_, label)| label.as_str())
    }

    /// The raw value of a label, for turning "R" into the gear's number.
    pub fn raw_of_label(&self, label: &str) -> Option<i128> {
        self.labels
            .iter()
            .find(|(_, text)| text == label)
            .map(|&(raw, _)| raw)
    }

    fn decode(&self, index: usize, frame: &Padded) -> Result<Value, DecodeError> {
        let bits = self.field.read(frame);
        let length = u32::from(self.field.length);
        let raw = match self.raw {
            RawKind::Unsigned => Number::Integer(i128::from(bits)),
            RawKind::Signed => {
                let value = if length < 64 && bits >> (length - 1) & 1 == 1 {
                    i128::from(bits) - (1i128 << length)
                } else {
                    i128::from(bits as i64)
                };
                Number::Integer(value)
            }
            RawKind::Float32 => Number::Float(f64::from(f32::from_bits(bits as u32))),
            RawKind::Float64 => Number::Float(f64::from_bits(bits)),
        };
        let label = if self.labels.is_empty() {
            None
        } else {
            let key = match raw {
                Number::Integer(value) => value,
                Number::Float(value) if value.is_finite() => value.trunc() as i128,
                Number::Float(_) => return Err(DecodeError::NonFiniteLabelled { signal: index }),
            };
            self.labels
                .binary_search_by_key(&key, |&(raw, _)| raw)
                .ok()
                .map(|at| at as u32)
        };
        Ok(Value {
            number: self.conversion.apply(raw),
            label,
        })
    }

    /// The number a multiplexer's value selects by: its label's raw value, else its physical
    /// value truncated to an integer (cantools' rule).
    fn selector(&self, value: &Value) -> i128 {
        if let Some(label) = value.label {
            return self.labels[label as usize].0;
        }
        match value.number {
            Number::Integer(number) => number,
            Number::Float(number) => number.trunc() as i128,
        }
    }
}

/// One message's plan.
#[derive(Debug, Clone, PartialEq)]
pub struct MessagePlan {
    pub id: FrameId,
    pub name: String,
    /// The length the DBC gives, in bytes.
    pub length: usize,
    pub signals: Vec<SignalPlan>,
    /// Signal indices, every multiplexer before the signals it selects.
    pub(crate) order: Vec<usize>,
    /// For each multiplexer that selects signals: its index and every value that selects one.
    pub(crate) multiplexers: Vec<(usize, Vec<(u64, u64)>)>,
}

impl MessagePlan {
    /// A buffer for [`MessagePlan::decode`], made once and reused for every frame.
    pub fn buffer(&self) -> Vec<Option<Value>> {
        vec![None; self.signals.len()]
    }

    /// Decodes `data` into `out` (one slot per signal, in DBC order): `None` for a signal the
    /// frame lacks, because it is too short or the multiplexer selects another. `out` must be
    /// this message's buffer. Allocates nothing.
    pub fn decode(&self, data: &[u8], out: &mut [Option<Value>]) -> Result<(), DecodeError> {
        debug_assert_eq!(out.len(), self.signals.len());
        let frame = Padded::of(data);
        for &index in &self.order {
            let signal = &self.signals[index];
            out[index] = None;
            if let Some(condition) = &signal.multiplexed_by {
                let Some(selector) = out[condition.multiplexer].as_ref() else {
                    continue;
                };
                let selector = self.signals[condition.multiplexer].selector(selector);
                if !condition.selects(selector) {
                    continue;
                }
            }
            if signal.field.fits(data) {
                out[index] = Some(signal.decode(index, &frame)?);
            }
        }
        for (multiplexer, selecting) in &self.multiplexers {
            if let Some(value) = &out[*multiplexer] {
                let selector = self.signals[*multiplexer].selector(value);
                let known = selecting.iter().any(|&(low, high)| {
                    i128::from(low) <= selector && selector <= i128::from(high)
                });
                if !known {
                    return Err(DecodeError::UnknownMultiplexerValue {
                        signal: *multiplexer,
                        value: selector,
                    });
                }
            }
        }
        Ok(())
    }
}

/// Every message of a DBC file, by frame id.
#[derive(Debug, Clone, Default)]
pub struct Database {
    messages: Vec<MessagePlan>,
    by_id: HashMap<FrameId, usize>,
    /// What was odd but usable in the file: repaired ids, skipped signals.
    pub warnings: Vec<String>,
}

impl Database {
    pub(crate) fn new(messages: Vec<MessagePlan>, warnings: Vec<String>) -> Database {
        let by_id = messages
            .iter()
            .enumerate()
            .map(|(index, message)| (message.id, index))
            .collect();
        Database {
            messages,
            by_id,
            warnings,
        }
    }

    pub fn messages(&self) -> &[MessagePlan] {
        &self.messages
    }

    pub fn message(&self, id: FrameId) -> Option<&MessagePlan> {
        self.index_of(id).map(|index| &self.messages[index])
    }

    /// The position of a message in [`Database::messages`], for per-message state kept
    /// beside the database (decode buffers).
    pub fn index_of(&self, id: FrameId) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    pub fn message_by_name(&self, name: &str) -> Option<&MessagePlan> {
        self.messages.iter().find(|message| message.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intel_fields_read_from_the_least_significant_bit_up() {
        // 12 bits from bit 4: the high nibble of byte 0 and all of byte 1.
        let field = BitField::new(4, 12, false).expect("valid");
        assert_eq!(field.read(&Padded::of(&[0xA5, 0x3C])), 0x3CA);
        assert_eq!(field.end_bit, 16);
    }

    #[test]
    fn motorola_fields_read_from_the_most_significant_bit_down() {
        // Start bit 7 is the top bit of byte 0: 16 bits are bytes 0 and 1 in network order.
        let field = BitField::new(7, 16, true).expect("valid");
        assert_eq!(field.read(&Padded::of(&[0x12, 0x34])), 0x1234);
        // Start bit 3, 8 bits: the low nibble of byte 0, then the high nibble of byte 1.
        let field = BitField::new(3, 8, true).expect("valid");
        assert_eq!(field.read(&Padded::of(&[0xA5, 0x3C])), 0x53);
        assert_eq!(field.end_bit, 12);
    }

    #[test]
    fn a_64_bit_field_at_an_odd_offset_spans_nine_bytes() {
        let field = BitField::new(4, 64, false).expect("valid");
        let data = [0xF0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F];
        assert_eq!(field.read(&Padded::of(&data)), u64::MAX);
    }

    #[test]
    fn conversions_stay_integer_only_for_integral_factor_and_offset() {
        assert_eq!(Conversion::new(1.0, 0.0, false), Conversion::Identity);
        assert_eq!(
            Conversion::new(2.0, -40.0, false),
            Conversion::Integer {
                factor: 2,
                offset: -40
            }
        );
        assert!(matches!(
            Conversion::new(0.5, 0.0, false),
            Conversion::Linear { .. }
        ));
        assert!(matches!(
            Conversion::new(2.0, 0.0, true),
            Conversion::Linear { .. }
        ));
    }
}
