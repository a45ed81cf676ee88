//! The Lab's constructor on arbitrary configurations: the settings check in both modes
//! and, for what it accepts, the session built from it. It must never panic; a
//! configuration that parses must write back to JSON that parses to the same, and a
//! lenient check (the page's saved sessions) must always give settings that parse.
#![no_main]

use backprop_lab::engine::session::{Session, SessionConfig};
use backprop_lab::engine::settings::{Mode, Settings};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        if let Ok(lenient) = Settings::check(&value, Mode::Lenient) {
            let written = lenient.settings.session.to_value().to_string();
            SessionConfig::parse(&written).expect("a leniently checked configuration parses");
        }
    }
    if let Ok((config, _notes)) = SessionConfig::parse(text) {
        let again = SessionConfig::parse(&config.to_value().to_string())
            .expect("a written configuration parses");
        assert_eq!(again.0, config);
        let _ = Session::new(config, None);
    }
});
