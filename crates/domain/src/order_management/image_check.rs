//! Image uploads: base64 PNG or JPEG, judged by the bytes, not by any claim;
//! at most 2 MB decoded; at least 167 px high. The image is fully decoded
//! under limits (dimensions and memory), so a truncated file, a file whose
//! magic lies, or a decompression bomb is refused quickly without large
//! allocations.

use std::io::Cursor;

use base64::{engine::general_purpose::STANDARD, Engine};
use image::{ImageReader, Limits};

/// The largest decoded image.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;
/// The smallest height the app shows.
pub const MIN_IMAGE_HEIGHT: u32 = 167;
/// Larger dimensions are refused before decoding.
const MAX_SIDE: u32 = 8192;
/// Decoding may allocate at most this much.
const MAX_ALLOC: u64 = 48 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ImageFormat {
    Png,
    Jpeg,
}

impl ImageFormat {
    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
        }
    }
}

/// An image that passed: the decoded file and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedImage {
    pub bytes: Vec<u8>,
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
}

/// Checks `src` (base64) and answers why not, in words for `invalidParams`.
pub fn check_image(src: &str) -> Result<CheckedImage, String> {
    // Base64 of 2 MB is about 2.7 MB; anything much longer is too big anyway.
    if src.len() > MAX_IMAGE_BYTES / 3 * 4 + 8 {
        return Err("The image must be at most 2 MB.".into());
    }
    let bytes = STANDARD
        .decode(src.trim())
        .map_err(|_| "The src must be base64 data (not a URL).".to_owned())?;
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err("The image must be at most 2 MB.".into());
    }
    let format = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        ImageFormat::Png
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ImageFormat::Jpeg
    } else {
        return Err("The image must be a PNG or JPEG file.".into());
    };
    let unreadable = |e: image::ImageError| format!("The image could not be read: {e}");
    let mut reader = ImageReader::new(Cursor::new(&bytes));
    reader.set_format(match format {
        ImageFormat::Png => image::ImageFormat::Png,
        ImageFormat::Jpeg => image::ImageFormat::Jpeg,
    });
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let decoded = reader.decode().map_err(unreadable)?;
    let (width, height) = (decoded.width(), decoded.height());
    if height < MIN_IMAGE_HEIGHT {
        return Err(format!(
            "The image must be at least {MIN_IMAGE_HEIGHT} px high (it is {height} px)."
        ));
    }
    Ok(CheckedImage {
        bytes,
        format,
        width,
        height,
    })
}
