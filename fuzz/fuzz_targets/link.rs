//! Link decoding on arbitrary bytes, read two ways: as the link itself, and as the
//! payload behind a well-formed `v1.` envelope (so that mutations reach the JSON,
//! configuration and model checks rather than dying in base64). It must never panic,
//! and a link that decodes must encode to one that decodes to the same, and so must a
//! whole link (view settings and classroom object included) through read and write.
#![no_main]

use backprop_lab::engine::link;
use libfuzzer_sys::fuzz_target;

fn check(text: &str) {
    if let Ok((config, model)) = link::decode(text) {
        let again = link::decode(&link::encode(&config, model.as_deref()))
            .expect("a re-encoded link decodes");
        assert_eq!(again, (config, model));
    }
    if let Ok((whole, _)) = link::read(text) {
        let (again, _) = link::read(&link::write(&whole)).expect("a re-written link reads");
        assert_eq!(again, whole);
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        check(text);
    }
    let mut wrapped = String::from(link::PREFIX);
    wrapped.push_str(&link::base64url_encode(data));
    check(&wrapped);
});
