//! Which format a file is, from its first bytes (and, for a zip, its member names): never from
//! its name.
//!
//! | format | how it is told |
//! | --- | --- |
//! | HDF5 (Keras `.h5`) | the 8-byte signature `\x89HDF\r\n\x1a\n` at byte 0, 512, 1024 or 2048 (HDF5 allows a user block before it) |
//! | GGUF | `GGUF` at byte 0 |
//! | safetensors | a little-endian u64 header length ≥ 2, then `{` at byte 8 followed by `"`, `}` or JSON whitespace |
//! | ONNX | protobuf has no magic: field 1 (`ir_version`, varint 3–100) first, as every protobuf writer orders fields, then a tag of another `ModelProto` field with its wire type |
//! | Keras `.keras` | a zip with `config.json` and `metadata.json`, `model.weights.h5` or `model.weights.npz` (the scan also takes a zip whose only marker is a `config.json` holding a Keras object: Keras deserialises it before looking for weights) |
//! | pickle family | `\x80` + protocol 2–5, the `.npy` magic, a zip with `*.pkl` members or only `*.npy` members |
//!
//! A file that passes one of these tests but fails its full read is unreadable, not unknown:
//! the scan fails closed.

use crate::Format;

/// The HDF5 format signature.
pub(crate) const HDF5_SIGNATURE: &[u8; 8] = b"\x89HDF\r\n\x1a\n";

/// The offsets at which [`detect`] looks for the HDF5 signature.
const HDF5_PROBES: [usize; 4] = [0, 512, 1024, 2048];

/// How many leading bytes [`detect`] can use (more are ignored).
pub const HEAD_BYTES: usize = 4096;

/// Says which format a file is from its first bytes (up to [`HEAD_BYTES`]) and, when it is a
/// zip archive, its member names. A zip passed without members is [`Format::Unknown`]: only
/// the members tell a Keras archive from a PyTorch one.
///
/// ```
/// use palisade_modelfmt::{Format, detect};
///
/// assert_eq!(detect(b"GGUF\x03\x00\x00\x00", None), Format::Gguf);
/// assert_eq!(detect(b"\x80\x04\x95", None), Format::Pickle);
/// let members = ["metadata.json", "config.json", "model.weights.h5"];
/// assert_eq!(detect(b"PK\x03\x04", Some(&members)), Format::Keras);
/// assert_eq!(detect(b"hello", None), Format::Unknown);
/// ```
pub fn detect(head: &[u8], zip_members: Option<&[&str]>) -> Format {
    let head = &head[..head.len().min(HEAD_BYTES)];
    if HDF5_PROBES
        .iter()
        .any(|&at| head.get(at..at + 8) == Some(HDF5_SIGNATURE))
    {
        return Format::Hdf5;
    }
    if head.starts_with(b"GGUF") {
        return Format::Gguf;
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return zip_members.map_or(Format::Unknown, zip_format);
    }
    if head.starts_with(b"\x93NUMPY") || matches!(head, [0x80, 2..=5, ..]) {
        return Format::Pickle;
    }
    if is_safetensors(head) {
        return Format::Safetensors;
    }
    if is_onnx(head) {
        return Format::Onnx;
    }
    Format::Unknown
}

fn zip_format(members: &[&str]) -> Format {
    let has = |name: &str| members.contains(&name);
    if has("config.json")
        && (has("metadata.json") || has("model.weights.h5") || has("model.weights.npz"))
    {
        return Format::Keras;
    }
    let lower: Vec<String> = members.iter().map(|m| m.to_ascii_lowercase()).collect();
    let files: Vec<&String> = lower.iter().filter(|m| !m.ends_with('/')).collect();
    if files
        .iter()
        .any(|m| m.ends_with(".pkl") || m.ends_with(".pickle"))
        || (!files.is_empty() && files.iter().all(|m| m.ends_with(".npy")))
    {
        return Format::Pickle;
    }
    Format::Unknown
}

fn is_safetensors(head: &[u8]) -> bool {
    let Some(len) = head.get(..8) else {
        return false;
    };
    let mut le = [0u8; 8];
    le.copy_from_slice(len);
    if u64::from_le_bytes(le) < 2 || head.get(8) != Some(&b'{') {
        return false;
    }
    match head.get(9) {
        Some(next) => matches!(next, b'"' | b'}' | b' ' | b'\t' | b'\n' | b'\r'),
        None => true,
    }
}

/// A varint at the start of `bytes`: its value and length.
fn varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &b) in bytes.iter().take(10).enumerate() {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

fn is_onnx(head: &[u8]) -> bool {
    // onnx.proto ModelProto: the fields after ir_version and their wire types (2 =
    // length-delimited, 0 = varint).
    const NEXT: &[(u64, u64)] = &[
        (2, 2),  // producer_name
        (3, 2),  // producer_version
        (4, 2),  // domain
        (5, 0),  // model_version
        (6, 2),  // doc_string
        (7, 2),  // graph
        (8, 2),  // opset_import
        (14, 2), // metadata_props
        (20, 2), // training_info
        (25, 2), // functions
        (26, 2), // configuration
    ];
    let Some(rest) = head.strip_prefix(&[0x08]) else {
        return false;
    };
    let Some((ir_version, used)) = varint(rest) else {
        return false;
    };
    if !(3..=100).contains(&ir_version) {
        return false;
    }
    let Some((tag, _)) = varint(&rest[used..]) else {
        return false;
    };
    NEXT.contains(&(tag >> 3, tag & 7))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hdf5_with_a_user_block() {
        let mut head = vec![0u8; 512];
        head.extend_from_slice(HDF5_SIGNATURE);
        assert_eq!(detect(&head, None), Format::Hdf5);
        let mut head = vec![0u8; 100];
        head.extend_from_slice(HDF5_SIGNATURE);
        assert_eq!(detect(&head, None), Format::Unknown);
    }

    #[test]
    fn zips_by_their_members() {
        let zip = b"PK\x03\x04";
        assert_eq!(detect(zip, None), Format::Unknown);
        assert_eq!(
            detect(zip, Some(&["config.json", "model.weights.npz"])),
            Format::Keras
        );
        assert_eq!(detect(zip, Some(&["config.json"])), Format::Unknown);
        assert_eq!(
            detect(zip, Some(&["archive/data.pkl", "archive/version"])),
            Format::Pickle
        );
        assert_eq!(detect(zip, Some(&["a.npy", "b.NPY"])), Format::Pickle);
        assert_eq!(detect(zip, Some(&["a.npy", "readme"])), Format::Unknown);
        assert_eq!(detect(zip, Some(&[])), Format::Unknown);
    }

    #[test]
    fn safetensors_and_onnx_shapes() {
        let mut st = 2u64.to_le_bytes().to_vec();
        st.extend_from_slice(b"{}");
        assert_eq!(detect(&st, None), Format::Safetensors);
        let mut not = 2u64.to_le_bytes().to_vec();
        not.extend_from_slice(b"{x");
        assert_eq!(detect(&not, None), Format::Unknown);
        // ir_version 8, then graph (field 7, length-delimited).
        assert_eq!(detect(&[0x08, 0x08, 0x3a, 0x00], None), Format::Onnx);
        // A TensorFlow SavedModel starts with schema version 1: not ONNX.
        assert_eq!(detect(&[0x08, 0x01, 0x12, 0x00], None), Format::Unknown);
        // ir_version then a field ModelProto does not have.
        assert_eq!(detect(&[0x08, 0x08, 0x48, 0x00], None), Format::Unknown);
        assert_eq!(detect(&[0x08], None), Format::Unknown);
        assert_eq!(detect(&[], None), Format::Unknown);
    }
}
