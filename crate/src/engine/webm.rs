//! Gives a browser-recorded WebM its duration. MediaRecorder streams a WebM whose
//! Segment Info has no Duration element (it cannot know the length while recording),
//! so players cannot seek it or show its length. This writes the Duration in.

use super::error::{EngineError, Result};

const EBML: u32 = 0x1A45_DFA3;
const SEGMENT: u32 = 0x1853_8067;
const INFO: u32 = 0x1549_A966;
const CLUSTER: u32 = 0x1F43_B675;
const DURATION: u32 = 0x4489;
/// A size field of all ones means "unknown size" (how live recordings end a Segment).
const UNKNOWN: u64 = u64::MAX;

fn bad(what: &str) -> EngineError {
    EngineError::Data(format!(
        "the recorded video is not a WebM file this page can finish: {what}"
    ))
}

/// An element's ID (1 to 4 bytes, kept with its marker bits) at `at`; returns it and
/// its length.
fn read_id(b: &[u8], at: usize) -> Result<(u32, usize)> {
    let first = *b
        .get(at)
        .ok_or_else(|| bad("it ends inside an element ID"))?;
    let len = first.leading_zeros() as usize + 1;
    if len > 4 || at + len > b.len() {
        return Err(bad("an element ID is malformed"));
    }
    let id = b[at..at + len]
        .iter()
        .fold(0u32, |v, &x| (v << 8) | u32::from(x));
    Ok((id, len))
}

/// A size field (a variable-length integer of 1 to 8 bytes) at `at`; returns the size
/// ([`UNKNOWN`] when all its value bits are set) and the field's length.
fn read_size(b: &[u8], at: usize) -> Result<(u64, usize)> {
    let first = *b
        .get(at)
        .ok_or_else(|| bad("it ends inside a size field"))?;
    if first == 0 {
        return Err(bad("a size field is malformed"));
    }
    let len = first.leading_zeros() as usize + 1;
    if at + len > b.len() {
        return Err(bad("it ends inside a size field"));
    }
    let mask = if len == 8 { 0 } else { 0xFFu8 >> len };
    let mut v = u64::from(first & mask);
    for &x in &b[at + 1..at + len] {
        v = (v << 8) | u64::from(x);
    }
    let all_ones = (1u64 << (7 * len)) - 1;
    Ok((if v == all_ones { UNKNOWN } else { v }, len))
}

/// `v` as a size field of exactly `len` bytes.
fn size_field(v: u64, len: usize) -> Vec<u8> {
    let mut out: Vec<u8> = (0..len).rev().map(|i| (v >> (8 * i)) as u8).collect();
    out[0] |= 0x80 >> (len - 1);
    out
}

/// An element header at `at`: (id, size, where the payload starts).
fn header(b: &[u8], at: usize) -> Result<(u32, u64, usize)> {
    let (id, id_len) = read_id(b, at)?;
    let (size, size_len) = read_size(b, at + id_len)?;
    Ok((id, size, at + id_len + size_len))
}

/// The file with its Segment Info's Duration set to `ms` milliseconds (in the default
/// timecode scale of one millisecond; a Duration already there is overwritten).
pub fn with_duration(webm: &[u8], ms: f64) -> Result<Vec<u8>> {
    if !(ms.is_finite() && ms >= 0.0) {
        return Err(bad("the duration is not a finite, non-negative number"));
    }
    let (id, size, body) = header(webm, 0)?;
    if id != EBML || size == UNKNOWN {
        return Err(bad("it does not start with an EBML header"));
    }
    let segment_at = body + size as usize;
    let (id, segment_size, mut at) = header(webm, segment_at)?;
    if id != SEGMENT {
        return Err(bad("there is no Segment after the header"));
    }
    loop {
        let (id, size, payload) = header(webm, at)?;
        if id == CLUSTER || size == UNKNOWN {
            return Err(bad("there is no Segment Info before the first Cluster"));
        }
        let end = payload
            .checked_add(size as usize)
            .filter(|&e| e <= webm.len())
            .ok_or_else(|| bad("an element runs past the end of the file"))?;
        if id == INFO {
            return Ok(set_duration(
                webm,
                segment_at,
                segment_size,
                at,
                payload,
                end,
                ms,
            ));
        }
        at = end;
    }
}

/// Overwrites the Duration inside Info (`payload..end`), or inserts one and grows the
/// sizes of Info and (when known) of the Segment.
fn set_duration(
    webm: &[u8],
    segment_at: usize,
    segment_size: u64,
    info_at: usize,
    payload: usize,
    end: usize,
    ms: f64,
) -> Vec<u8> {
    let mut at = payload;
    while at < end {
        let Ok((id, size, value)) = header(webm, at) else {
            break;
        };
        if id == DURATION && (size == 4 || size == 8) {
            let mut out = webm.to_vec();
            if size == 8 {
                out[value..value + 8].copy_from_slice(&ms.to_be_bytes());
            } else {
                out[value..value + 4].copy_from_slice(&(ms as f32).to_be_bytes());
            }
            return out;
        }
        at = value + size as usize;
    }
    let mut element = vec![0x44, 0x89, 0x88];
    element.extend_from_slice(&ms.to_be_bytes());
    let (_, info_id_len) = read_id(webm, info_at).expect("Info's ID was read before");
    let info_size_at = info_at + info_id_len;
    let (_, old_info_len) = read_size(webm, info_size_at).expect("Info's size was read before");
    let (_, segment_id_len) = read_id(webm, segment_at).expect("the Segment's ID was read before");
    let segment_size_at = segment_at + segment_id_len;
    let (_, segment_size_len) =
        read_size(webm, segment_size_at).expect("the Segment's size was read before");
    // Both size fields are rewritten 8 bytes wide, which holds any size.
    let info_size = (end - payload + element.len()) as u64;
    let growth = element.len() + 8 - old_info_len;
    let mut out = Vec::with_capacity(webm.len() + growth + 8);
    out.extend_from_slice(&webm[..segment_size_at]);
    if segment_size == UNKNOWN {
        out.extend_from_slice(&webm[segment_size_at..segment_size_at + segment_size_len]);
    } else {
        out.extend(size_field(segment_size + growth as u64, 8));
    }
    out.extend_from_slice(&webm[segment_size_at + segment_size_len..info_size_at]);
    out.extend(size_field(info_size, 8));
    out.extend_from_slice(&webm[payload..end]);
    out.extend_from_slice(&element);
    out.extend_from_slice(&webm[end..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(id: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut e = id.to_vec();
        e.extend(size_field(
            payload.len() as u64,
            1 + usize::from(payload.len() > 126),
        ));
        e.extend_from_slice(payload);
        e
    }

    /// A WebM as MediaRecorder writes it: header, a Segment of unknown size, Info
    /// without Duration, a Cluster.
    fn recorded(segment_size: Option<u64>) -> Vec<u8> {
        let mut f = element(&[0x1A, 0x45, 0xDF, 0xA3], &element(&[0x42, 0x82], b"webm"));
        let info = element(
            &[0x15, 0x49, 0xA9, 0x66],
            &[
                element(&[0x2A, 0xD7, 0xB1], &[0x0F, 0x42, 0x40]),
                element(&[0x4D, 0x80], b"test"),
            ]
            .concat(),
        );
        let cluster = element(&[0x1F, 0x43, 0xB6, 0x75], &element(&[0xE7], &[0]));
        f.extend([0x18, 0x53, 0x80, 0x67]);
        match segment_size {
            None => f.extend([0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
            Some(_) => f.extend(size_field((info.len() + cluster.len()) as u64, 8)),
        }
        f.extend(info);
        f.extend(cluster);
        f
    }

    /// The Duration read back, and whether the Segment's size still spans the file.
    fn duration(f: &[u8]) -> (f64, bool) {
        let (_, size, body) = header(f, 0).unwrap();
        let seg = body + size as usize;
        let (_, seg_size, mut at) = header(f, seg).unwrap();
        let spans = seg_size == UNKNOWN || at + seg_size as usize == f.len();
        loop {
            let (id, size, payload) = header(f, at).unwrap();
            if id == INFO {
                let mut p = payload;
                while p < payload + size as usize {
                    let (id, size, value) = header(f, p).unwrap();
                    if id == DURATION {
                        let v = f64::from_be_bytes(f[value..value + 8].try_into().unwrap());
                        return (v, spans);
                    }
                    p = value + size as usize;
                }
                panic!("no Duration");
            }
            at = payload + size as usize;
        }
    }

    #[test]
    fn a_recording_gets_its_duration_and_keeps_everything_else() {
        for segment in [None, Some(0)] {
            let f = recorded(segment);
            let fixed = with_duration(&f, 4321.5).unwrap();
            assert_eq!(duration(&fixed), (4321.5, true));
            assert_eq!(
                &fixed[fixed.len() - 6..],
                &f[f.len() - 6..],
                "the Cluster is intact"
            );
            let again = with_duration(&fixed, 10.0).unwrap();
            assert_eq!(again.len(), fixed.len(), "a Duration there is overwritten");
            assert_eq!(duration(&again).0, 10.0);
        }
    }

    #[test]
    fn what_is_not_a_finishable_webm_is_refused() {
        let f = recorded(None);
        assert!(with_duration(&f[..30], 1.0).is_err());
        assert!(with_duration(b"not a video", 1.0).is_err());
        assert!(with_duration(&[], 1.0).is_err());
        assert!(with_duration(&f, f64::NAN).is_err());
    }
}
