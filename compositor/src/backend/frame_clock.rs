//! When the next frame of an output may be presented: on the output's refresh grid, never
//! more often than its refresh rate, and immediately after a long idle. A pure calculation,
//! so that headless and nested backends pace frames the same way and tests can check it.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct FrameClock {
    refresh_interval: Duration,
    last_presentation: Option<Duration>,
    presented_frames: u64,
}

impl FrameClock {
    pub fn new(refresh_millihertz: i32) -> FrameClock {
        let refresh_millihertz = refresh_millihertz.clamp(1_000, 1_000_000) as u64;
        FrameClock {
            refresh_interval: Duration::from_nanos(1_000_000_000_000 / refresh_millihertz),
            last_presentation: None,
            presented_frames: 0,
        }
    }

    pub fn refresh_interval(&self) -> Duration {
        self.refresh_interval
    }

    /// The sequence number of the next presentation (a vblank counter).
    pub fn sequence(&self) -> u64 {
        self.presented_frames
    }

    /// The next refresh at or after `now`, on the grid of the last presentation.
    pub fn next_presentation_time(&self, now: Duration) -> Duration {
        let Some(last) = self.last_presentation else {
            return now;
        };
        let earliest = last + self.refresh_interval;
        if now <= earliest {
            return earliest;
        }
        let interval = self.refresh_interval.as_nanos();
        let periods = (now - last).as_nanos().div_ceil(interval);
        last + Duration::from_nanos((periods * interval) as u64)
    }

    pub fn presented(&mut self, at: Duration) {
        self.last_presentation = Some(at);
        self.presented_frames += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn first_frame_is_immediate() {
        let clock = FrameClock::new(60_000);
        assert_eq!(clock.next_presentation_time(100 * MS), 100 * MS);
    }

    #[test]
    fn frames_never_come_faster_than_the_refresh_rate() {
        let mut clock = FrameClock::new(60_000);
        clock.presented(1000 * MS);
        let next = clock.next_presentation_time(1001 * MS);
        assert_eq!(next - 1000 * MS, clock.refresh_interval());
    }

    #[test]
    fn after_idle_the_next_frame_stays_on_the_grid() {
        let mut clock = FrameClock::new(50_000); // 20 ms
        clock.presented(Duration::ZERO);
        assert_eq!(clock.next_presentation_time(105 * MS), 120 * MS);
        assert_eq!(clock.next_presentation_time(120 * MS), 120 * MS);
    }

    #[test]
    fn sequence_counts_presentations() {
        let mut clock = FrameClock::new(60_000);
        clock.presented(Duration::ZERO);
        clock.presented(16 * MS);
        assert_eq!(clock.sequence(), 2);
    }
}
