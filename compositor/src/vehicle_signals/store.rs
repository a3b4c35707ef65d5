//! The property store: each vehicle property's latest value and when it came. A value older
//! than its property's staleness timeout reads unknown, so that a silent bus or a dead ECU
//! shows as "unknown" (and restricts everything) instead of the last thing it said.
//!
//! Times are the caller's monotonic clock (`Duration` since some start), so that tests and
//! replays can step time exactly.

use std::collections::BTreeMap;
use std::time::Duration;

use super::properties::PropertyValue;

#[derive(Debug, Clone, PartialEq)]
struct Entry {
    value: PropertyValue,
    updated: Duration,
    /// `None`: never stale (the simulator's values).
    stale_after: Option<Duration>,
}

/// Values by property name.
#[derive(Debug, Clone, Default)]
pub struct Store {
    entries: BTreeMap<String, Entry>,
}

impl Store {
    /// Records a value; `None` makes the property unknown at once (its signal was missing or
    /// unmapped). Returns whether what a reader sees changed.
    pub fn set(
        &mut self,
        name: &str,
        value: Option<PropertyValue>,
        now: Duration,
        stale_after: Option<Duration>,
    ) -> bool {
        let before = self.get(name, now).cloned();
        match value {
            Some(value) => {
                let entry = Entry {
                    value,
                    updated: now,
                    stale_after,
                };
                match self.entries.get_mut(name) {
                    Some(existing) => *existing = entry,
                    None => {
                        self.entries.insert(name.to_string(), entry);
                    }
                }
            }
            None => {
                self.entries.remove(name);
            }
        }
        self.get(name, now) != before.as_ref()
    }

    /// The value, unless unknown or stale at `now`.
    pub fn get(&self, name: &str, now: Duration) -> Option<&PropertyValue> {
        let entry = self.entries.get(name)?;
        match entry.stale_after {
            Some(limit) if now.saturating_sub(entry.updated) >= limit => None,
            _ => Some(&entry.value),
        }
    }

    /// Every known, fresh value.
    pub fn snapshot(&self, now: Duration) -> BTreeMap<String, PropertyValue> {
        self.entries
            .keys()
            .filter_map(|name| Some((name.clone(), self.get(name, now)?.clone())))
            .collect()
    }

    /// When the next fresh value goes stale, for a timer that re-reads the store then.
    pub fn next_expiry(&self, now: Duration) -> Option<Duration> {
        self.entries
            .values()
            .filter_map(|entry| entry.updated.checked_add(entry.stale_after?))
            .filter(|&expiry| expiry > now)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_value_goes_stale_after_its_timeout_and_says_when() {
        let mut store = Store::default();
        let speed = PropertyValue::Double(50.0);
        assert!(store.set(
            "Vehicle.Speed",
            Some(speed.clone()),
            100 * MS,
            Some(500 * MS)
        ));
        assert_eq!(store.get("Vehicle.Speed", 599 * MS), Some(&speed));
        assert_eq!(store.next_expiry(599 * MS), Some(600 * MS));
        assert_eq!(store.get("Vehicle.Speed", 600 * MS), None);
        assert!(store.snapshot(600 * MS).is_empty());
        assert_eq!(store.next_expiry(600 * MS), None);
    }

    #[test]
    fn set_reports_only_changes_a_reader_would_see() {
        let mut store = Store::default();
        let gear = || Some(PropertyValue::String("D".into()));
        assert!(store.set("Gear", gear(), Duration::ZERO, Some(MS * 1000)));
        assert!(!store.set("Gear", gear(), 10 * MS, Some(MS * 1000)));
        assert!(store.set("Gear", None, 20 * MS, Some(MS * 1000)));
        assert!(!store.set("Gear", None, 30 * MS, Some(MS * 1000)));
        // A stale value refreshed with the same value is a change: it was unknown.
        assert!(store.set("Gear", gear(), 40 * MS, Some(MS * 10)));
        assert!(store.set("Gear", gear(), 60 * MS, Some(MS * 10)));
    }

    #[test]
    fn a_value_stamped_at_the_end_of_time_has_no_expiry_and_no_overflow() {
        let mut store = Store::default();
        let end = Duration::new(u64::MAX, 0);
        store.set(
            "Gear",
            Some(PropertyValue::String("R".into())),
            end,
            Some(MS * 1000),
        );
        assert_eq!(store.next_expiry(end), None);
        assert!(store.get("Gear", end).is_some());
    }

    #[test]
    fn simulator_values_never_go_stale() {
        let mut store = Store::default();
        store.set(
            "Vehicle.Speed",
            Some(PropertyValue::Double(0.0)),
            Duration::ZERO,
            None,
        );
        assert!(
            store
                .get("Vehicle.Speed", Duration::from_secs(3600))
                .is_some()
        );
        assert_eq!(store.next_expiry(Duration::ZERO), None);
    }
}
