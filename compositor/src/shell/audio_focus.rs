//! Audio focus among the head unit's own apps: who must be heard over the media player now.
//! An app asks for a kind of focus over Shell1 (`RequestAudioFocus`: the navigation app for
//! each spoken prompt, a phone app for a call) and gives it back (`AbandonAudioFocus`, or by
//! leaving the bus: a crashed app never leaves the music ducked). Shell1's `AudioFocus`
//! property is the strongest focus held; the media app follows it as it follows the phone's
//! focus (Projection1's, which Cowl grants on the phone's own requests).
//!
//! Strongest first: a call (media pauses, and resumes after), media of another app (media
//! pauses for good), guidance (media ducks).

use std::collections::BTreeMap;

use cowl_sdk::projection::AudioFocus;
use tracing::{info, warn};

/// Every app's held focus, by its unique bus name.
#[derive(Debug, Default)]
pub struct AudioFocusHolders {
    held: BTreeMap<String, AudioFocus>,
}

fn strength(focus: AudioFocus) -> u8 {
    match focus {
        AudioFocus::None => 0,
        AudioFocus::Guidance => 1,
        AudioFocus::Media => 2,
        AudioFocus::Call => 3,
    }
}

impl AudioFocusHolders {
    /// `holder` now holds `focus` (replacing what it held); `AudioFocus::None` gives it back.
    pub fn hold(&mut self, holder: &str, focus: AudioFocus) {
        if focus == AudioFocus::None {
            self.held.remove(holder);
        } else {
            self.held.insert(holder.to_owned(), focus);
        }
    }

    /// `holder` left the bus: what it held is given back. Returns whether it held any.
    pub fn forget(&mut self, holder: &str) -> bool {
        self.held.remove(holder).is_some()
    }

    /// The focus the media player must yield to now.
    pub fn strongest(&self) -> AudioFocus {
        self.held
            .values()
            .copied()
            .max_by_key(|focus| strength(*focus))
            .unwrap_or(AudioFocus::None)
    }
}

impl crate::state::State {
    /// Shell1.RequestAudioFocus and AbandonAudioFocus: `holder` (a unique bus name) holds
    /// `focus` now. The call's focus is refused to a caller that is no phone app
    /// (`identity.rs`); the message says why.
    pub fn audio_focus_request(
        &mut self,
        holder: &str,
        focus: AudioFocus,
        caller: Option<&crate::identity::Caller>,
    ) -> Result<(), String> {
        if let Some(caller) = caller
            && !self.may_hold_call_focus(caller)
        {
            warn!(holder, ?caller, "refused the call audio focus");
            return Err(format!(
                "user {} may not hold the call audio focus: only the phone apps \
                 (`telephony = true`), root and Cowl's user",
                caller.uid.map_or("unknown".into(), |uid| uid.to_string())
            ));
        }
        self.audio_focus.hold(holder, focus);
        info!(
            holder,
            focus = focus.as_str(),
            now = self.audio_focus.strongest().as_str(),
            "audio focus"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strongest_held_focus_wins_until_given_back() {
        let mut holders = AudioFocusHolders::default();
        assert_eq!(holders.strongest(), AudioFocus::None);
        holders.hold(":1.7", AudioFocus::Guidance);
        assert_eq!(holders.strongest(), AudioFocus::Guidance);
        holders.hold(":1.9", AudioFocus::Call);
        assert_eq!(holders.strongest(), AudioFocus::Call);
        // A prompt during the call: the call still wins.
        holders.hold(":1.7", AudioFocus::Guidance);
        assert_eq!(holders.strongest(), AudioFocus::Call);
        assert!(holders.forget(":1.9"));
        assert_eq!(holders.strongest(), AudioFocus::Guidance);
        holders.hold(":1.7", AudioFocus::None);
        assert_eq!(holders.strongest(), AudioFocus::None);
        assert!(!holders.forget(":1.7"), "nothing left to forget");
    }

    #[test]
    fn a_holder_asking_again_replaces_what_it_held() {
        let mut holders = AudioFocusHolders::default();
        holders.hold(":1.3", AudioFocus::Call);
        holders.hold(":1.3", AudioFocus::Guidance);
        assert_eq!(holders.strongest(), AudioFocus::Guidance);
        holders.hold(":1.4", AudioFocus::Media);
        assert_eq!(holders.strongest(), AudioFocus::Media);
    }
}
