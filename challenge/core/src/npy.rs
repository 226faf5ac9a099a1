//! The NumPy `.npy` format (version 1.0), written and read without numpy.
//!
//! Contestants are mostly Python users: every trace we hand out must load with `numpy.load` and no
//! other package. The format is small enough to write by hand: a magic string, a little-endian
//! header length, a Python-literal header dict padded with spaces to a multiple of 64 bytes, then
//! the raw C-order data. Reference: NumPy Enhancement Proposal 1, "A simple file format for NumPy
//! arrays" (NEP 1), and `numpy.lib.format`.
//!
//! Ragged data (spike trains of different lengths) are stored as a 2-D float64 array padded with
//! NaN, one row per repeat: `[row[~np.isnan(row)] for row in np.load(path)]` recovers the trains.

use thiserror::Error;

const MAGIC: &[u8] = b"\x93NUMPY";

/// Element types this project writes and reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dtype {
    /// Little-endian IEEE 754 double (`<f8`).
    F64,
    /// Little-endian IEEE 754 single (`<f4`).
    F32,
}

impl Dtype {
    fn descr(self) -> &'static str {
        match self {
            Dtype::F64 => "<f8",
            Dtype::F32 => "<f4",
        }
    }
    fn size(self) -> usize {
        match self {
            Dtype::F64 => 8,
            Dtype::F32 => 4,
        }
    }
}

/// A decoded array: its shape and its values widened to f64, in C order.
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// Values in C (row-major) order.
    pub data: Vec<f64>,
}

impl Array {
    /// The rows of a 2-D array (a 1-D array is one row).
    pub fn rows(&self) -> Vec<&[f64]> {
        match self.shape.as_slice() {
            [_] => vec![&self.data[..]],
            [_, cols] if *cols > 0 => self.data.chunks(*cols).collect(),
            [rows, _] => vec![&[][..]; *rows],
            _ => Vec::new(),
        }
    }
}

/// Why a `.npy` file could not be read.
#[derive(Debug, Error, PartialEq)]
pub enum NpyError {
    /// The first bytes are not `\x93NUMPY` version 1.0.
    #[error("not a .npy version 1.0 file")]
    NotNpy,
    /// The header or data is shorter than declared.
    #[error("truncated .npy file: {0}")]
    Truncated(&'static str),
    /// The header dict is not one this reader understands.
    #[error("unsupported .npy header: {0}")]
    Header(String),
}

/// Encodes a C-order array of `shape` (product = `values.len()`) as `.npy` bytes.
///
/// # Panics
/// If `shape` does not match the number of values (a programming error, not input).
pub fn encode(dtype: Dtype, shape: &[usize], values: &[f64]) -> Vec<u8> {
    assert_eq!(
        shape.iter().product::<usize>(),
        values.len(),
        "npy shape does not match the data"
    );
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let shape_text = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
        dtype.descr(),
        shape_text
    );
    // magic (6) + version (2) + header length (2) + header + '\n' must be a multiple of 64.
    let unpadded = MAGIC.len() + 2 + 2 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + values.len() * dtype.size());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for &v in values {
        match dtype {
            Dtype::F64 => out.extend_from_slice(&v.to_le_bytes()),
            Dtype::F32 => out.extend_from_slice(&(v as f32).to_le_bytes()),
        }
    }
    out
}

/// Encodes ragged rows (spike trains) as a 2-D float64 array padded with NaN.
pub fn encode_ragged(rows: &[Vec<f64>]) -> Vec<u8> {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut values = Vec::with_capacity(rows.len() * cols);
    for row in rows {
        values.extend_from_slice(row);
        values.extend(std::iter::repeat_n(f64::NAN, cols - row.len()));
    }
    encode(Dtype::F64, &[rows.len(), cols], &values)
}

/// Decodes rows written by [`encode_ragged`]: each row without its NaN padding.
pub fn decode_ragged(bytes: &[u8]) -> Result<Vec<Vec<f64>>, NpyError> {
    let array = decode(bytes)?;
    Ok(array
        .rows()
        .into_iter()
        .map(|row| row.iter().copied().filter(|v| !v.is_nan()).collect())
        .collect())
}

/// Decodes a little-endian float `.npy` (version 1.0, C order) written by [`encode`] or by numpy.
pub fn decode(bytes: &[u8]) -> Result<Array, NpyError> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC || bytes[6] != 1 {
        return Err(NpyError::NotNpy);
    }
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = bytes
        .get(10..10 + header_len)
        .ok_or(NpyError::Truncated("header"))?;
    let header = std::str::from_utf8(header).map_err(|_| NpyError::Header("not ASCII".into()))?;
    let dtype = if header.contains("'descr': '<f8'") {
        Dtype::F64
    } else if header.contains("'descr': '<f4'") {
        Dtype::F32
    } else {
        return Err(NpyError::Header(format!("dtype in {header:?}")));
    };
    if !header.contains("'fortran_order': False") {
        return Err(NpyError::Header("Fortran order".into()));
    }
    let shape = parse_shape(header)?;
    let n: usize = shape.iter().product();
    let body = &bytes[10 + header_len..];
    if body.len() != n * dtype.size() {
        return Err(NpyError::Truncated("data"));
    }
    let data = match dtype {
        Dtype::F64 => body
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8-byte chunk")))
            .collect(),
        Dtype::F32 => body
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4-byte chunk")) as f64)
            .collect(),
    };
    Ok(Array { shape, data })
}

fn parse_shape(header: &str) -> Result<Vec<usize>, NpyError> {
    let bad = || NpyError::Header(format!("shape in {header:?}"));
    let start = header.find("'shape': (").ok_or_else(bad)? + "'shape': (".len();
    let end = start + header[start..].find(')').ok_or_else(bad)?;
    header[start..end]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|_| bad()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_padded_to_64_bytes_and_round_trips() {
        let bytes = encode(Dtype::F64, &[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + header_len) % 64, 0);
        assert_eq!(bytes[10 + header_len - 1], b'\n');
        assert_eq!(bytes.len(), 10 + header_len + 6 * 8);
        let a = decode(&bytes).unwrap();
        assert_eq!(a.shape, vec![2, 3]);
        assert_eq!(a.rows(), vec![&[1.0, 2.0, 3.0][..], &[4.0, 5.0, 6.0][..]]);
    }

    #[test]
    fn one_dimensional_shape_has_trailing_comma() {
        let bytes = encode(Dtype::F32, &[3], &[0.5, 1.5, -2.0]);
        let text = String::from_utf8_lossy(&bytes[10..]);
        assert!(text.contains("'shape': (3,)"), "{text}");
        assert!(text.contains("'descr': '<f4'"), "{text}");
        assert_eq!(decode(&bytes).unwrap().data, vec![0.5, 1.5, -2.0]);
    }

    #[test]
    fn ragged_rows_round_trip_through_nan_padding() {
        let rows = vec![vec![0.1, 0.2, 0.3], vec![], vec![0.5]];
        let back = decode_ragged(&encode_ragged(&rows)).unwrap();
        assert_eq!(back, rows);
        // All rows empty: a (3, 0) array.
        let empty = vec![vec![], vec![], vec![]];
        assert_eq!(decode_ragged(&encode_ragged(&empty)).unwrap(), empty);
    }

    #[test]
    fn rejects_other_files_and_truncation() {
        assert_eq!(decode(b"hello world"), Err(NpyError::NotNpy));
        let bytes = encode(Dtype::F64, &[4], &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(
            decode(&bytes[..bytes.len() - 1]),
            Err(NpyError::Truncated("data"))
        );
    }
}
