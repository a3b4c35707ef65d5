//! The play queue: which library entries play, in what order, and what comes after the
//! current one under shuffle and repeat. Pure bookkeeping over library indices, so that
//! next/previous, the gapless hand-over and MPRIS's CanGoNext all ask the same place.

use serde::{Deserialize, Serialize};

/// What happens at the end of a track (MPRIS's LoopStatus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Repeat {
    /// Stop after the last track.
    #[default]
    Off,
    /// Play the current track again.
    Track,
    /// Start over after the last track.
    All,
}

impl Repeat {
    /// MPRIS's name for it.
    pub fn mpris_name(self) -> &'static str {
        match self {
            Repeat::Off => "None",
            Repeat::Track => "Track",
            Repeat::All => "Playlist",
        }
    }

    pub fn from_mpris_name(name: &str) -> Option<Repeat> {
        match name {
            "None" => Some(Repeat::Off),
            "Track" => Some(Repeat::Track),
            "Playlist" => Some(Repeat::All),
            _ => None,
        }
    }

    /// The next mode of the repeat button: off, all, one, off.
    pub fn cycled(self) -> Repeat {
        match self {
            Repeat::Off => Repeat::All,
            Repeat::All => Repeat::Track,
            Repeat::Track => Repeat::Off,
        }
    }
}

/// The playable entries in play order, and where playback is.
#[derive(Debug, Clone, Default)]
pub struct Queue {
    /// Library indices in the order they play (shuffled or not).
    order: Vec<usize>,
    /// The same entries in library order, kept for turning shuffle off.
    in_library_order: Vec<usize>,
    /// Position in `order` of the current entry.
    current: Option<usize>,
    shuffle: bool,
    repeat: Repeat,
}

impl Queue {
    /// A queue of `playable` library indices (library order), nothing current.
    pub fn new(playable: Vec<usize>) -> Queue {
        Queue {
            order: playable.clone(),
            in_library_order: playable,
            ..Queue::default()
        }
    }

    /// Replaces the entries (after a rescan), keeping the current one when it is still there.
    pub fn replace_entries(&mut self, playable: Vec<usize>, current_entry: Option<usize>) {
        self.in_library_order = playable;
        self.order = self.in_library_order.clone();
        self.current = None;
        if self.shuffle {
            self.shuffle_keeping(current_entry);
        }
        self.current = current_entry.and_then(|entry| self.position_of(entry));
    }

    pub fn current(&self) -> Option<usize> {
        self.current.map(|position| self.order[position])
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub fn shuffle(&self) -> bool {
        self.shuffle
    }

    pub fn repeat(&self) -> Repeat {
        self.repeat
    }

    pub fn set_repeat(&mut self, repeat: Repeat) {
        self.repeat = repeat;
    }

    /// Turns shuffle on (a new random order that starts with the current entry) or off
    /// (library order, still at the current entry).
    pub fn set_shuffle(&mut self, shuffle: bool) {
        if shuffle == self.shuffle {
            return;
        }
        let current = self.current();
        self.shuffle = shuffle;
        if shuffle {
            self.shuffle_keeping(current);
        } else {
            self.order = self.in_library_order.clone();
        }
        self.current = current.and_then(|entry| self.position_of(entry));
    }

    fn shuffle_keeping(&mut self, first: Option<usize>) {
        fastrand::shuffle(&mut self.order);
        if let Some(position) = first.and_then(|entry| self.position_of(entry)) {
            self.order.swap(0, position);
        }
    }

    fn position_of(&self, entry: usize) -> Option<usize> {
        self.order.iter().position(|&candidate| candidate == entry)
    }

    /// Makes `entry` current; false when it is not playable.
    pub fn select(&mut self, entry: usize) -> bool {
        match self.position_of(entry) {
            Some(position) => {
                self.current = Some(position);
                true
            }
            None => false,
        }
    }

    /// What plays when the current entry ends by itself (repeat-one repeats it).
    pub fn after_current(&self) -> Option<usize> {
        if self.repeat == Repeat::Track {
            return self.current();
        }
        self.following()
    }

    /// What the Next button goes to: the following entry (repeat-one does not hold it back).
    pub fn following(&self) -> Option<usize> {
        let len = self.order.len();
        match self.current {
            None => self.order.first().copied(),
            Some(position) if position + 1 < len => Some(self.order[position + 1]),
            Some(_) if self.repeat != Repeat::Off => self.order.first().copied(),
            Some(_) => None,
        }
    }

    /// What the Previous button goes to.
    pub fn preceding(&self) -> Option<usize> {
        match self.current {
            None => None,
            Some(0) if self.repeat != Repeat::Off => self.order.last().copied(),
            Some(0) => None,
            Some(position) => Some(self.order[position - 1]),
        }
    }

    /// Drops an entry that turned out unplayable, so that next and previous skip it.
    pub fn remove(&mut self, entry: usize) {
        let current = self.current();
        self.order.retain(|&candidate| candidate != entry);
        self.in_library_order
            .retain(|&candidate| candidate != entry);
        self.current = current
            .filter(|&current| current != entry)
            .and_then(|current| self.position_of(current));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(queue: &mut Queue, entry: usize) -> &mut Queue {
        assert!(queue.select(entry));
        queue
    }

    #[test]
    fn plays_in_order_and_stops_at_the_end_without_repeat() {
        let mut queue = Queue::new(vec![0, 2, 5]);
        assert_eq!(queue.following(), Some(0));
        assert_eq!(at(&mut queue, 2).following(), Some(5));
        assert_eq!(queue.preceding(), Some(0));
        assert_eq!(at(&mut queue, 5).after_current(), None);
        assert_eq!(at(&mut queue, 0).preceding(), None);
        assert!(!queue.select(1), "1 is not playable");
    }

    #[test]
    fn repeat_all_wraps_and_repeat_one_holds_only_the_natural_end() {
        let mut queue = Queue::new(vec![0, 1, 2]);
        queue.set_repeat(Repeat::All);
        assert_eq!(at(&mut queue, 2).after_current(), Some(0));
        assert_eq!(at(&mut queue, 0).preceding(), Some(2));
        queue.set_repeat(Repeat::Track);
        assert_eq!(at(&mut queue, 1).after_current(), Some(1));
        assert_eq!(queue.following(), Some(2));
    }

    #[test]
    fn shuffle_keeps_the_current_entry_first_and_every_entry_once() {
        let mut queue = Queue::new((0..50).collect());
        queue.select(17);
        queue.set_shuffle(true);
        assert_eq!(queue.current(), Some(17));
        assert_eq!(
            queue.preceding(),
            None,
            "the current entry leads the shuffle"
        );
        let mut seen = vec![17];
        while let Some(next) = queue.following() {
            queue.select(next);
            seen.push(next);
        }
        let last = queue.current();
        seen.sort_unstable();
        assert_eq!(seen, (0..50).collect::<Vec<_>>());
        queue.set_shuffle(false);
        assert_eq!(
            queue.current(),
            last,
            "turning shuffle off stays on the entry"
        );
        queue.select(10);
        assert_eq!(queue.following(), Some(11), "library order again");
    }

    #[test]
    fn removing_an_unplayable_entry_keeps_the_place() {
        let mut queue = Queue::new(vec![0, 1, 2, 3]);
        queue.select(2);
        queue.remove(1);
        assert_eq!(queue.preceding(), Some(0));
        queue.remove(2);
        assert_eq!(queue.current(), None);
        assert_eq!(queue.following(), Some(0));
    }

    #[test]
    fn mpris_loop_names_round_trip() {
        for repeat in [Repeat::Off, Repeat::Track, Repeat::All] {
            assert_eq!(Repeat::from_mpris_name(repeat.mpris_name()), Some(repeat));
        }
        assert_eq!(Repeat::from_mpris_name("Forever"), None);
    }
}
