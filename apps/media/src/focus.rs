//! Audio focus: what the media app does while something else must be heard. Cowl grants
//! the phone its audio focus (org.cowl.Projection1's AudioFocus) and arbitrates the head
//! unit's own apps' (org.cowl.Shell1's AudioFocus); this app follows both, yielding to the
//! stronger:
//!
//! - guidance (spoken directions): keep playing, ducked, and come back to full volume after;
//! - a call: pause, and resume when the call ends if we were playing;
//! - the phone's own media: pause for good (the driver chose the phone's player), as
//!   Android's permanent focus loss does.

use cowl_sdk::projection::AudioFocus;

/// How loud ducked playback is, relative to normal: about -12 dB, the level Android's
/// automotive audio ducks media to under navigation prompts.
pub const DUCKED_VOLUME: f64 = 0.25;

/// What the app does for another's focus, weakest first (the stronger of two wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Interruption {
    /// Play on, quieter.
    Duck,
    /// Pause now; resume afterwards if it was playing.
    PauseTransient,
    /// Pause now and stay paused.
    PausePermanent,
}

impl Interruption {
    pub fn for_focus(focus: AudioFocus) -> Option<Interruption> {
        match focus {
            AudioFocus::None => None,
            AudioFocus::Guidance => Some(Interruption::Duck),
            AudioFocus::Call => Some(Interruption::PauseTransient),
            AudioFocus::Media => Some(Interruption::PausePermanent),
        }
    }

    /// What the status line says.
    pub fn describe(self) -> &'static str {
        match self {
            Interruption::Duck => "Quieter for directions",
            Interruption::PauseTransient => "Paused for a call",
            Interruption::PausePermanent => "The phone is playing",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guidance_ducks_a_call_pauses_and_phone_media_takes_over() {
        assert_eq!(Interruption::for_focus(AudioFocus::None), None);
        assert_eq!(
            Interruption::for_focus(AudioFocus::Guidance),
            Some(Interruption::Duck)
        );
        assert_eq!(
            Interruption::for_focus(AudioFocus::Call),
            Some(Interruption::PauseTransient)
        );
        assert_eq!(
            Interruption::for_focus(AudioFocus::Media),
            Some(Interruption::PausePermanent)
        );
    }

    #[test]
    fn the_stronger_of_two_focuses_wins() {
        let duck = Interruption::for_focus(AudioFocus::Guidance);
        let call = Interruption::for_focus(AudioFocus::Call);
        let media = Interruption::for_focus(AudioFocus::Media);
        assert_eq!(duck.max(None), duck);
        assert_eq!(duck.max(call), call);
        assert_eq!(call.max(media), media);
    }
}
