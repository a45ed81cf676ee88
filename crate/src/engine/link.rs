//! Shareable links: the page's configuration, and optionally trained weights, packed
//! into a string that can stand after the `#` of the page's address.
//!
//! A link is `v1.` followed by the base64url encoding (RFC 4648 section 5, without
//! padding) of the UTF-8 JSON text `{"config": {...}, "model": "..." or null}`, where
//! `config` is a [`SessionConfig`] and `model` the text of a model file as written by
//! [`Model::to_json`]. The alphabet `A-Z a-z 0-9 - _` needs no escaping in an address.
//!
//! A link may also carry the page's view settings (a `view` section inside `config`,
//! read by the same settings table) and a `classroom` object ([`Classroom`]): the
//! teacher's note, the panels and controls to hide, the architecture lock and the
//! embedded layout. [`read`] and [`write`] handle the whole link; [`decode`] and
//! [`encode`] its configuration and model alone.
//!
//! [`decode`] never panics: it checks the size before allocating, refuses anything
//! that is not exactly such a string, and validates the embedded model file with
//! [`Model::from_json`], so a link that decodes can be loaded.

use super::error::{EngineError, Result};
use super::limits;
use super::model_json::Model;
use super::session::SessionConfig;
use super::settings::{Mode, Settings, TABLE};
use serde_json::{json, Map, Value};

/// The panels a classroom link can hide by name; any setting's path (or its
/// `section.key` with the dot) hides that one control.
pub const PANELS: &[&str] = &[
    "data",
    "network",
    "output",
    "inspect",
    "timeline",
    "charts",
    "io",
    "layers",
    "features",
    "transport",
];

/// Longest teacher's note a link carries, in characters.
pub const MAX_NOTE: usize = 280;

/// What a teacher's link changes about the page (all off by default: an ordinary link).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Classroom {
    /// Panels ([`PANELS`]) and controls (setting paths) to hide, each at most once.
    pub hide: Vec<String>,
    /// A short note shown as a banner above the lab (plain text).
    pub note: String,
    /// The hidden layers cannot be changed (the editor is disabled, and says why).
    pub lock: bool,
    /// Drop the page's title and chrome, for an iframe in a course page.
    pub embed: bool,
}

impl Classroom {
    /// True when the link changes nothing about the page.
    pub fn is_plain(&self) -> bool {
        *self == Classroom::default()
    }

    /// The classroom object as links and the page write it (only what is set).
    pub fn to_value(&self) -> Value {
        let mut o = Map::new();
        if !self.hide.is_empty() {
            o.insert("hide".into(), json!(self.hide));
        }
        if !self.note.is_empty() {
            o.insert("note".into(), json!(self.note));
        }
        if self.lock {
            o.insert("lock".into(), json!(true));
        }
        if self.embed {
            o.insert("embed".into(), json!(true));
        }
        Value::Object(o)
    }

    /// Reads a classroom object. A name to hide that is neither a panel nor a setting,
    /// and an unknown key, are notes (ignored); a value of the wrong kind or a note
    /// over [`MAX_NOTE`] characters is an error naming it.
    pub fn from_value(v: &Value, notes: &mut Vec<String>) -> Result<Self> {
        let Value::Object(o) = v else {
            return Err(damaged("classroom must be an object".into()));
        };
        let mut c = Classroom::default();
        for (key, value) in o {
            match key.as_str() {
                "hide" => {
                    let list = value
                        .as_array()
                        .filter(|l| l.len() <= PANELS.len() + TABLE.len())
                        .ok_or_else(|| damaged("classroom.hide must be a list of names".into()))?;
                    for item in list {
                        let name = item.as_str().ok_or_else(|| {
                            damaged("classroom.hide must be a list of names".into())
                        })?;
                        let known = PANELS.contains(&name) || TABLE.iter().any(|r| r.path == name);
                        if !known {
                            notes.push(format!(
                                "classroom.hide: \"{}\" is not a panel or setting this page knows; ignored",
                                name.chars().take(40).collect::<String>()
                            ));
                        } else if !c.hide.iter().any(|h| h == name) {
                            c.hide.push(name.into());
                        }
                    }
                }
                "note" => {
                    let text = value
                        .as_str()
                        .ok_or_else(|| damaged("classroom.note must be text".into()))?;
                    let n = text.chars().count();
                    if n > MAX_NOTE {
                        return Err(damaged(format!(
                            "the teacher's note has {n} characters; at most {MAX_NOTE}"
                        )));
                    }
                    c.note = text.into();
                }
                "lock" | "embed" => {
                    let on = value
                        .as_bool()
                        .ok_or_else(|| damaged(format!("classroom.{key} must be true or false")))?;
                    if key == "lock" {
                        c.lock = on;
                    } else {
                        c.embed = on;
                    }
                }
                other => notes.push(format!(
                    "classroom.{} is not a classroom option this page knows; it is ignored",
                    other.chars().take(40).collect::<String>()
                )),
            }
        }
        Ok(c)
    }
}

/// Everything a link carries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Link {
    /// The page's settings: the session's and the view's.
    pub settings: Settings,
    /// A model file's text, when the link carries weights.
    pub model: Option<String>,
    /// The teacher's changes to the page.
    pub classroom: Classroom,
}

/// The version tag every link this engine writes starts with.
pub const PREFIX: &str = "v1.";

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/// 255 marks a byte outside the alphabet.
const INVALID: u8 = 255;
const DECODE_TABLE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Packs a configuration and, optionally, a model file's text into a link (without
/// the leading `#`). Non-finite numbers in the configuration are written as `null`,
/// which [`decode`] refuses; use [`encode_json`] to check the inputs first.
pub fn encode(config: &SessionConfig, model_json: Option<&str>) -> String {
    // Through a JSON value, as decode_json writes it, so that the module holds one
    // serialiser for configurations.
    let text = serde_json::json!({ "config": config, "model": model_json }).to_string();
    pack(&text)
}

/// Packs a whole link: the settings with their view, the model, and the classroom
/// object when it changes anything.
pub fn write(link: &Link) -> String {
    let mut obj = Map::new();
    obj.insert("config".into(), link.settings.to_value());
    obj.insert("model".into(), json!(link.model));
    if !link.classroom.is_plain() {
        obj.insert("classroom".into(), link.classroom.to_value());
    }
    pack(&Value::Object(obj).to_string())
}

fn pack(text: &str) -> String {
    let mut link = String::with_capacity(PREFIX.len() + base64url_len(text.len()));
    link.push_str(PREFIX);
    link.push_str(&base64url_encode(text.as_bytes()));
    link
}

/// Unpacks a link made by [`encode`]: the configuration, and the model file's text if
/// the link carries weights (already validated by [`Model::from_json`]).
///
/// Accepts the link alone, the address's hash (`#v1....`) or a whole address; surrounding
/// whitespace is ignored. Errors: "the link is not a Backprop Lab link", "the link is
/// damaged: ..." naming what is wrong, or a size limit.
pub fn decode(link: &str) -> Result<(SessionConfig, Option<String>)> {
    decode_noted(link).map(|(config, model, _)| (config, model))
}

/// [`decode`], with a note for each key of the configuration this engine does not know
/// (a link from a newer page, or edited by hand): they are ignored, and said so.
pub fn decode_noted(link: &str) -> Result<(SessionConfig, Option<String>, Vec<String>)> {
    read(link).map(|(l, notes)| (l.settings.session, l.model, notes))
}

/// Unpacks a whole link (see [`decode`] for what it accepts and refuses): settings
/// with their view (missing keys take their defaults), model and classroom, with a
/// note for each key that was ignored.
pub fn read(link: &str) -> Result<(Link, Vec<String>)> {
    let link = link.trim();
    // The alphabet has no '#', so whatever follows the last one is the link.
    let body = link.rfind('#').map_or(link, |i| &link[i + 1..]);
    let Some(data) = body.strip_prefix(PREFIX) else {
        return Err(unknown_link(body));
    };
    let size = base64url_decoded_len(data.len()).unwrap_or(data.len());
    limits::check_file_size("link", size)?;
    let bytes = base64url_decode(data)?;
    let text =
        std::str::from_utf8(&bytes).map_err(|_| damaged("its contents are not text".into()))?;
    let value: Value = serde_json::from_str(text)
        .map_err(|e| damaged(format!("its contents are not valid JSON ({e})")))?;
    let Value::Object(mut obj) = value else {
        return Err(damaged("its contents are not a JSON object".into()));
    };
    let config = obj
        .remove("config")
        .ok_or_else(|| damaged("the configuration is missing".into()))?;
    if !config.is_object() {
        return Err(damaged("the configuration is not a JSON object".into()));
    }
    // Through the settings table, as SessionConfig::parse reads it: one checker.
    let checked = Settings::check(&config, Mode::Strict).map_err(|e| {
        let e = e.to_string();
        let e = e.strip_prefix("model: ").unwrap_or(&e).to_string();
        damaged(format!("the configuration is invalid: {e}"))
    })?;
    let mut notes: Vec<String> = checked.notes.into_iter().map(|n| n.message).collect();
    let classroom = match obj.remove("classroom") {
        None | Some(Value::Null) => Classroom::default(),
        Some(c) => Classroom::from_value(&c, &mut notes)?,
    };
    let model = match obj.remove("model") {
        None | Some(Value::Null) => None,
        Some(Value::String(model)) => {
            Model::from_json(&model).map_err(|e| {
                let e = e.to_string();
                let e = e.strip_prefix("model: ").unwrap_or(&e).to_string();
                damaged(format!("the model file is invalid: {e}"))
            })?;
            Some(model)
        }
        Some(_) => {
            return Err(damaged(
                "the model must be a model file's text or null".into(),
            ))
        }
    };
    let link = Link {
        settings: checked.settings,
        model,
        classroom,
    };
    Ok((link, notes))
}

/// The text-in form the page calls: the configuration's JSON (missing keys take their
/// defaults) and optionally a model file, both checked, to a link.
pub fn encode_json(config_json: &str, model_json: Option<&str>) -> Result<String> {
    encode_page(config_json, model_json, None)
}

/// [`encode_json`] for the page's whole state: `settings_json` may hold a `view`
/// section, and `classroom_json` a classroom object. Every part is checked strictly:
/// an unknown key or a bad value is an error naming it.
pub fn encode_page(
    settings_json: &str,
    model_json: Option<&str>,
    classroom_json: Option<&str>,
) -> Result<String> {
    limits::check_file_size("configuration", settings_json.len())?;
    let value: Value = serde_json::from_str(settings_json)
        .map_err(|e| EngineError::Model(format!("configuration: {e}")))?;
    let checked = Settings::check(&value, Mode::Strict).map_err(|e| {
        let e = e.to_string();
        EngineError::Model(format!(
            "configuration: {}",
            e.strip_prefix("model: ").unwrap_or(&e)
        ))
    })?;
    if let Some(n) = checked.notes.first() {
        return Err(EngineError::Model(n.message.clone()));
    }
    if let Some(model) = model_json {
        Model::from_json(model)?;
    }
    let classroom = match classroom_json {
        None => Classroom::default(),
        Some(text) => {
            let v: Value = serde_json::from_str(text)
                .map_err(|e| EngineError::Model(format!("classroom: {e}")))?;
            let mut notes = Vec::new();
            let c = Classroom::from_value(&v, &mut notes)?;
            if let Some(n) = notes.first() {
                return Err(EngineError::Model(n.clone()));
            }
            c
        }
    };
    let link = write(&Link {
        settings: checked.settings,
        model: model_json.map(str::to_string),
        classroom,
    });
    // A configuration with a number JSON cannot hold (inf, NaN) would make a link that
    // does not decode; refuse it here rather than hand it out.
    decode(&link).map_err(|e| EngineError::Model(format!("cannot make a link: {e}")))?;
    Ok(link)
}

/// The text-out form the page calls: `{"config": {...}, "model": "..." or null,
/// "notes": [...]}`, the notes naming keys that were ignored.
pub fn decode_json(link: &str) -> Result<String> {
    let (link, notes) = read(link)?;
    let view = link.settings.to_value()["view"].clone();
    Ok(json!({
        "config": link.settings.session,
        "view": view,
        "model": link.model,
        "classroom": link.classroom.to_value(),
        "notes": notes,
    })
    .to_string())
}

fn damaged(what: String) -> EngineError {
    EngineError::Model(format!("the link is damaged: {what}"))
}

/// Names a link of another version if it looks like one (`v2.`), else refuses it.
fn unknown_link(body: &str) -> EngineError {
    let version = body
        .strip_prefix('v')
        .and_then(|rest| rest.split_once('.'))
        .map(|(digits, _)| digits)
        .filter(|d| !d.is_empty() && d.len() <= 9 && d.bytes().all(|b| b.is_ascii_digit()));
    match version {
        Some(v) => EngineError::Model(format!(
            "the link is in format v{v}, which this page cannot read (it reads {})",
            PREFIX.trim_end_matches('.')
        )),
        None => EngineError::Model("the link is not a Backprop Lab link".into()),
    }
}

/// Length of the base64url text (no padding) of `bytes` bytes.
pub fn base64url_len(bytes: usize) -> usize {
    bytes / 3 * 4 + [0, 2, 3][bytes % 3]
}

/// Number of bytes `chars` base64url characters (no padding) decode to, or None for a
/// length no encoding has (one character past a group of four).
pub fn base64url_decoded_len(chars: usize) -> Option<usize> {
    match chars % 4 {
        1 => None,
        rem => Some(chars / 4 * 3 + rem.saturating_sub(1)),
    }
}

/// Encodes bytes as base64url (RFC 4648 section 5) without padding.
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(base64url_len(bytes.len()));
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let group = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        // n bytes carry 8n bits: n + 1 characters of 6 bits.
        for i in 0..=chunk.len() {
            let index = (group >> (18 - 6 * i)) & 63;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

/// Decodes base64url without padding. Refuses any character outside the alphabet, a
/// length no encoding has, and unused low bits that are not zero (so each byte string
/// has exactly one text). Errors read "the link is damaged: ...".
pub fn base64url_decode(text: &str) -> Result<Vec<u8>> {
    let bytes = text.as_bytes();
    let len = base64url_decoded_len(bytes.len())
        .ok_or_else(|| damaged("it is cut short (its length is not possible)".into()))?;
    let mut out = Vec::with_capacity(len);
    for (c, chunk) in bytes.chunks(4).enumerate() {
        let mut group = 0u32;
        for (i, &ch) in chunk.iter().enumerate() {
            let v = DECODE_TABLE[usize::from(ch)];
            if v == INVALID {
                let at = c * 4 + i;
                // Name the character, not a byte that may be half of one.
                let shown = text
                    .get(at..)
                    .and_then(|s| s.chars().next())
                    .map_or_else(|| format!("byte {ch:#04x}"), |ch| format!("{ch:?}"));
                return Err(damaged(format!(
                    "character {} ({shown}) cannot appear in a link",
                    at + 1
                )));
            }
            group |= u32::from(v) << (18 - 6 * i);
        }
        let n = chunk.len() - 1;
        let full = [(group >> 16) as u8, (group >> 8) as u8, group as u8];
        if n < 3 && full[n..].iter().any(|&b| b != 0) {
            return Err(damaged("its last character is wrong".into()));
        }
        out.extend_from_slice(&full[..n]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::activation::Activation;
    use crate::engine::dataset::features::Derived;
    use crate::engine::limits::MAX_FILE_BYTES;
    use crate::engine::network::LayerSpec;
    use crate::engine::session::DatasetKind;

    const MODEL: &str = r#"{"format": "backprop-lab.model", "version": 1, "input_dim": 2,
 "layers": [{"units": 2, "activation": "relu", "weights": [[0.18, 0.1], [0.04, 0.22]], "biases": [0, 0]},
            {"units": 1, "activation": "identity", "weights": [[1e-300, -2.5]], "biases": [0.5]}],
 "loss": "sigmoid_cross_entropy", "reduction": "mean", "l2": 0.0, "class_names": ["é", "\"q\""]}"#;

    fn err(link: &str) -> String {
        decode(link).unwrap_err().to_string()
    }

    fn link_of(payload: &str) -> String {
        format!("{PREFIX}{}", base64url_encode(payload.as_bytes()))
    }

    fn custom_config() -> SessionConfig {
        let mut c = SessionConfig::default();
        c.data.kind = DatasetKind::Spirals;
        c.data.noise = 0.123456789012345;
        c.data.seed = u64::MAX;
        c.network.hidden = vec![LayerSpec::dense(7, Activation::Swish)];
        c.training.learning_rate = 3e-5;
        c.training.shuffle = false;
        c.features.derived = vec![Derived::X1X2];
        c
    }

    #[test]
    fn base64url_matches_the_rfc_vectors() {
        // RFC 4648 section 10, without padding.
        let vectors = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, coded) in vectors {
            assert_eq!(base64url_encode(plain.as_bytes()), coded);
            assert_eq!(base64url_decode(coded).unwrap(), plain.as_bytes());
        }
        // The two characters that differ from standard base64 ('+' and '/').
        assert_eq!(base64url_encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url_decode("-_8").unwrap(), [0xfb, 0xff]);
    }

    #[test]
    fn base64url_round_trips_every_byte_and_length() {
        let all: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        for n in 0..all.len() {
            let coded = base64url_encode(&all[..n]);
            assert_eq!(coded.len(), base64url_len(n));
            assert_eq!(base64url_decoded_len(coded.len()), Some(n));
            assert!(coded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            assert_eq!(base64url_decode(&coded).unwrap(), &all[..n]);
        }
    }

    #[test]
    fn base64url_refuses_what_no_encoder_writes() {
        for (text, want) in [
            ("Zm9vY", "cut short"),
            ("Zm9v=", "cut short"),
            ("Zm8=", "character 4 ('=')"),
            ("Zm+v", "character 3 ('+')"),
            ("Zm/v", "character 3 ('/')"),
            ("Zm v", "character 3 (' ')"),
            ("Zmé", "character 3 ('é')"),
            ("Zh", "last character"),
            ("Zm9", "last character"),
        ] {
            let e = base64url_decode(text).unwrap_err().to_string();
            assert!(
                e.contains("the link is damaged") && e.contains(want),
                "{text}: {e}"
            );
        }
    }

    #[test]
    fn a_link_carries_the_configuration_and_the_model_exactly() {
        let config = custom_config();
        let link = encode(&config, Some(MODEL));
        assert!(link.starts_with("v1."));
        assert!(link[3..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(
            decode(&link).unwrap(),
            (config.clone(), Some(MODEL.to_string()))
        );
        let bare = encode(&config, None);
        assert_eq!(decode(&bare).unwrap(), (config, None));
        let default = encode(&SessionConfig::default(), None);
        assert_eq!(decode(&default).unwrap().0, SessionConfig::default());
        let mut conv = SessionConfig::default();
        conv.data.kind = DatasetKind::Digits;
        conv.network.hidden = vec![
            LayerSpec::Conv2d {
                filters: 6,
                kernel: (5, 3),
                stride: 1,
                pad: 2,
                activation: Activation::LeakyRelu,
            },
            LayerSpec::BatchNorm {
                momentum: 0.8,
                eps: 1e-3,
            },
            LayerSpec::MaxPool2d { size: 2, stride: 2 },
            LayerSpec::Flatten,
            LayerSpec::Dropout { p: 0.1 },
            LayerSpec::dense(12, Activation::Relu),
        ];
        assert_eq!(decode(&encode(&conv, None)).unwrap().0, conv);
    }

    #[test]
    fn the_hash_or_a_whole_address_is_accepted() {
        let link = encode(&custom_config(), None);
        let want = decode(&link).unwrap();
        for form in [
            format!("#{link}"),
            format!("  {link}\n"),
            format!("http://127.0.0.1:8000/index.html#{link}"),
        ] {
            assert_eq!(decode(&form).unwrap(), want, "{form}");
        }
    }

    #[test]
    fn missing_keys_take_their_defaults() {
        let (config, model) = decode(&link_of(r#"{"config": {"data": {"kind": "xor"}}}"#)).unwrap();
        assert_eq!(config.data.kind, DatasetKind::Xor);
        assert_eq!(config.data.points, SessionConfig::default().data.points);
        assert_eq!(config.network, SessionConfig::default().network);
        assert_eq!(model, None);
    }

    #[test]
    fn foreign_and_damaged_links_are_named() {
        let not_ours = "model: the link is not a Backprop Lab link";
        for s in [
            "",
            "#",
            "hello",
            "v1",
            "V1.Zm9v",
            "https://example.org/#top",
            "vx.abc",
        ] {
            assert_eq!(err(s), not_ours, "{s:?}");
        }
        assert_eq!(
            err("v2.Zm9v"),
            "model: the link is in format v2, which this page cannot read (it reads v1)"
        );
        let cases = [
            (link_of("not json"), "its contents are not valid JSON"),
            (link_of("[1, 2]"), "its contents are not a JSON object"),
            (link_of("{}"), "the configuration is missing"),
            (
                link_of(r#"{"config": 3}"#),
                "the configuration is not a JSON object",
            ),
            (
                link_of(r#"{"config": {"data": {"points": -4}}}"#),
                "the configuration is invalid: invalid value: integer `-4`",
            ),
            (
                link_of(r#"{"config": {}, "model": {"format": 1}}"#),
                "the model must be a model file's text or null",
            ),
            (
                link_of(r#"{"config": {}, "model": "{}"}"#),
                "the model file is invalid: format is \"\"",
            ),
            (
                format!("{PREFIX}{}", base64url_encode(&[0xff, 0xfe])),
                "its contents are not text",
            ),
            ("v1.abc!".to_string(), "character 4 ('!')"),
            ("v1.abcde".to_string(), "cut short"),
        ];
        for (link, want) in cases {
            let e = err(&link);
            assert!(
                e.starts_with("model: the link is damaged: ") && e.contains(want),
                "{want}: {e}"
            );
        }
    }

    #[test]
    fn a_model_with_a_wrong_shape_is_refused_with_its_problem() {
        let bad = MODEL.replace("[[0.18, 0.1], [0.04, 0.22]]", "[[0.18, 0.1]]");
        let e = err(&encode(&SessionConfig::default(), Some(&bad)));
        assert_eq!(
            e,
            "model: the link is damaged: the model file is invalid: layer 1: weights has 1 rows but units is 2"
        );
    }

    #[test]
    fn an_oversized_link_is_refused_before_decoding() {
        let long = format!("{PREFIX}{}", "A".repeat(base64url_len(MAX_FILE_BYTES) + 4));
        let e = err(&long);
        assert!(e.starts_with("too large: the link is 32.0 MB"), "{e}");
        // An impossible length is measured too, not decoded.
        let long = format!("{PREFIX}{}", "A".repeat(base64url_len(MAX_FILE_BYTES) + 2));
        assert_eq!(base64url_decoded_len(long.len() - PREFIX.len()), None);
        assert!(err(&long).starts_with("too large: the link"));
    }

    #[test]
    fn every_cut_and_every_changed_character_is_refused_or_decodes_without_panic() {
        let link = encode(&custom_config(), Some(MODEL));
        for end in 0..link.len() {
            assert!(decode(&link[..end]).is_err(), "a link cut at {end} decoded");
        }
        let replacements = [b'A', b'z', b'-', b'_', b'0', b'%'];
        for at in 0..link.len() {
            for &r in &replacements {
                let mut bytes = link.clone().into_bytes();
                bytes[at] = r;
                if let Ok(s) = String::from_utf8(bytes) {
                    if let Err(e) = decode(&s) {
                        assert!(!e.to_string().is_empty());
                    }
                }
            }
        }
    }

    #[test]
    fn the_text_forms_check_their_inputs() {
        let link = encode_json(r#"{"data": {"kind": "moons"}}"#, Some(MODEL)).unwrap();
        let v: Value = serde_json::from_str(&decode_json(&link).unwrap()).unwrap();
        assert_eq!(v["config"]["data"]["kind"], "moons");
        assert_eq!(v["model"], MODEL);
        let v: Value =
            serde_json::from_str(&decode_json(&encode_json("{}", None).unwrap()).unwrap()).unwrap();
        assert!(v["model"].is_null());
        assert_eq!(
            SessionConfig::from_json(&v["config"].to_string()).unwrap(),
            SessionConfig::default()
        );
        assert!(encode_json("{\"data\": 1}", None)
            .unwrap_err()
            .to_string()
            .starts_with("model: configuration:"));
        assert!(encode_json("{}", Some("{}"))
            .unwrap_err()
            .to_string()
            .contains("format"));
    }

    #[test]
    fn a_non_finite_setting_cannot_make_a_link() {
        let mut c = SessionConfig::default();
        c.training.learning_rate = f64::INFINITY;
        assert!(decode(&encode(&c, None)).is_err());
    }

    #[test]
    fn a_classroom_link_round_trips_its_view_note_hidden_panels_lock_and_embed() {
        let mut link = Link {
            model: Some(MODEL.into()),
            ..Link::default()
        };
        link.settings.session = custom_config();
        link.settings.view.discretize = true;
        link.settings.view.show_validation = false;
        link.classroom = Classroom {
            hide: vec!["inspect".into(), "training.learning_rate".into()],
            note: "Make the loss go below 0.1 — with 2 units.".into(),
            lock: true,
            embed: true,
        };
        let text = write(&link);
        let (back, notes) = read(&text).unwrap();
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(back, link);
        // The settings-and-model forms still read it (and ignore the rest).
        assert_eq!(
            decode(&text).unwrap(),
            (custom_config(), Some(MODEL.into()))
        );
        let page: Value = serde_json::from_str(&decode_json(&text).unwrap()).unwrap();
        assert_eq!(
            page["classroom"]["hide"],
            json!(["inspect", "training.learning_rate"])
        );
        assert_eq!(page["classroom"]["lock"], true);
        assert_eq!(page["view"]["discretize"], true);
        // A plain link writes no classroom object.
        let plain = write(&Link::default());
        let payload = base64url_decode(plain.strip_prefix(PREFIX).unwrap()).unwrap();
        assert!(!String::from_utf8(payload).unwrap().contains("classroom"));
    }

    #[test]
    fn classroom_options_are_checked_by_name() {
        let with = |c: Value| link_of(&json!({"config": {}, "classroom": c}).to_string());
        let (l, notes) = read(&with(
            json!({"hide": ["data", "wings", "data"], "colour": 1}),
        ))
        .unwrap();
        assert_eq!(l.classroom.hide, ["data"]);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("classroom.colour"), "{notes:?}");
        assert!(
            notes[1].contains("\"wings\" is not a panel or setting"),
            "{notes:?}"
        );
        let long = "x".repeat(MAX_NOTE + 1);
        let e = read(&with(json!({ "note": long })))
            .unwrap_err()
            .to_string();
        assert!(e.contains("281 characters; at most 280"), "{e}");
        let e = read(&with(json!({"lock": "yes"}))).unwrap_err().to_string();
        assert!(e.contains("classroom.lock must be true or false"), "{e}");
        let e = read(&with(json!([1]))).unwrap_err().to_string();
        assert!(e.contains("classroom must be an object"), "{e}");
        let made = encode_page(
            r#"{"data": {"kind": "xor"}, "view": {"discretize": true}}"#,
            None,
            Some(r#"{"note": "hi", "hide": ["charts"]}"#),
        )
        .unwrap();
        let (l, _) = read(&made).unwrap();
        assert!(l.settings.view.discretize && l.classroom.note == "hi");
        let e = encode_page("{}", None, Some(r#"{"hide": ["wings"]}"#)).unwrap_err();
        assert!(e.to_string().contains("wings"), "{e}");
        assert!(encode_page(r#"{"view": {"pace": 99}}"#, None, None).is_err());
    }
}
