//! What GStreamer's Discoverer says about one file: tags, length, whether it has a picture,
//! an embedded cover, or why it cannot be played. One Discoverer serves a whole scan.

use std::path::Path;
use std::time::Duration;

use gstreamer as gst;
use gstreamer_pbutils::prelude::*;
use gstreamer_pbutils::{Discoverer, DiscovererInfo, DiscovererResult};

use super::{Cover, Track, title_from_file_name};

/// How long one file may take. A healthy file takes milliseconds; this bounds a file on a
/// failing USB stick or one that sends a demuxer into a long search.
const PER_FILE: gst::ClockTime = gst::ClockTime::from_seconds(5);

pub struct Discovery {
    discoverer: Discoverer,
}

/// A discovered file, with its embedded cover image (kept by the store, not in the track).
pub struct Examined {
    pub track: Track,
    pub embedded_cover: Option<Vec<u8>>,
}

impl Discovery {
    pub fn new() -> Result<Discovery, String> {
        gst::init().map_err(|err| format!("GStreamer is not available: {err}"))?;
        let discoverer = Discoverer::new(PER_FILE)
            .map_err(|err| format!("GStreamer's Discoverer is not available: {err}"))?;
        Ok(Discovery { discoverer })
    }

    pub fn examine(&mut self, path: &Path) -> Examined {
        let problem = |why: String| Examined {
            track: Track::with_problem(path, why),
            embedded_cover: None,
        };
        let uri = match gst::glib::filename_to_uri(path, None) {
            Ok(uri) => uri,
            Err(err) => return problem(format!("not a usable file name: {err}")),
        };
        let info = match self.discoverer.discover_uri(&uri) {
            Ok(info) => info,
            Err(err) => return problem(describe_failure(err.message())),
        };
        match info.result() {
            DiscovererResult::Ok => {}
            DiscovererResult::MissingPlugins => {
                let missing = info.missing_elements_installer_details();
                return problem(if missing.is_empty() {
                    "unsupported format".to_string()
                } else {
                    format!("unsupported format (no decoder installed for it: {})", {
                        let names: Vec<&str> =
                            missing.iter().map(|detail| detail.as_str()).collect();
                        names.join(", ")
                    })
                });
            }
            DiscovererResult::Timeout => return problem("took too long to open".to_string()),
            other => return problem(format!("cannot be read ({other:?})")),
        }
        let audio = !info.audio_streams().is_empty();
        let has_video = info.video_streams().iter().any(|video| !video.is_image());
        if !audio && !has_video {
            return problem("has neither sound nor picture".to_string());
        }
        let tags = Tags::of(&info);
        let embedded_cover = tags.cover;
        Examined {
            track: Track {
                path: path.to_path_buf(),
                title: tags.title.unwrap_or_else(|| title_from_file_name(path)),
                artist: tags.artist,
                album: tags.album,
                track_number: tags.track_number,
                duration: info
                    .duration()
                    .map(|duration| Duration::from_nanos(duration.nseconds())),
                has_video,
                cover: embedded_cover.as_ref().map(|_| Cover::Embedded),
                problem: None,
            },
            embedded_cover,
        }
    }
}

/// The Discoverer's errors name GStreamer internals; say what it means for the file.
fn describe_failure(message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    if lower.contains("could not determine type") || lower.contains("not a") {
        "corrupt or not a media file".to_string()
    } else {
        format!("cannot be read: {message}")
    }
}

/// Tags from all of the file's streams: the first stream that has a tag gives it.
#[derive(Default)]
struct Tags {
    title: Option<String>,
    artist: Option<String>,
    album: Option<String>,
    track_number: Option<u32>,
    cover: Option<Vec<u8>>,
}

impl Tags {
    fn of(info: &DiscovererInfo) -> Tags {
        let mut tags = Tags::default();
        for stream in info.stream_list() {
            if let Some(list) = stream.tags() {
                tags.fill_from(&list);
            }
        }
        tags
    }

    fn fill_from(&mut self, list: &gst::TagList) {
        let text = |value: Option<gst::tags::TagValue<&str>>| {
            value
                .map(|value| value.get().trim().to_string())
                .filter(|text| !text.is_empty())
        };
        if self.title.is_none() {
            self.title = text(list.get::<gst::tags::Title>());
        }
        if self.artist.is_none() {
            self.artist = text(list.get::<gst::tags::Artist>());
        }
        if self.album.is_none() {
            self.album = text(list.get::<gst::tags::Album>());
        }
        if self.track_number.is_none() {
            self.track_number = list
                .get::<gst::tags::TrackNumber>()
                .map(|value| value.get());
        }
        if self.cover.is_none() {
            let image = list
                .get::<gst::tags::Image>()
                .or_else(|| list.get::<gst::tags::PreviewImage>());
            self.cover = image.and_then(|sample| {
                let sample = sample.get();
                let map = sample.buffer()?.map_readable().ok()?;
                Some(map.as_slice().to_vec())
            });
        }
    }
}
