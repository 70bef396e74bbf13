//! QR codes for the QR user flow: `/qr/{token}.svg` and `/qr/{token}.png`
//! encode the payment's landing URL, which is what the payer's camera opens.

use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use qrcode::{render::svg, Color, QrCode};

use super::{by_token, ErrorPage, Params};
use crate::AppState;

/// The PNG size when none is asked for (the ePayment default, in pixels).
pub const DEFAULT_PNG_SIZE: u32 = 1024;
/// The sizes ePayment accepts for `qrFormat.size`.
const PNG_SIZES: std::ops::RangeInclusive<u32> = 100..=2000;
/// Light modules around the code, as the QR standard asks of readers.
const QUIET_ZONE: u32 = 4;

pub(super) async fn image(
    State(st): State<AppState>,
    Path(file): Path<String>,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ErrorPage> {
    let (token, png) = if let Some(t) = file.strip_suffix(".svg") {
        (t, false)
    } else if let Some(t) = file.strip_suffix(".png") {
        (t, true)
    } else {
        return Err(ErrorPage::not_found());
    };
    // The payment's size is not stored, so 1024 px unless the link
    // asks for another one.
    let size = match Params::query(q)?.size.as_deref() {
        None => DEFAULT_PNG_SIZE,
        Some(s) => s
            .parse()
            .ok()
            .filter(|n| PNG_SIZES.contains(n))
            .ok_or_else(|| ErrorPage::bad_request("size must be 100-2000 pixels"))?,
    };
    let p = by_token(&st, token).await?;
    let url = format!("{}/landing?token={}", st.cfg.public_url, p.token());
    let code = QrCode::new(url.as_bytes())
        .map_err(|e| ErrorPage::from(anyhow::anyhow!("QR encoding failed: {e}")))?;
    let (content_type, body) = if png {
        let bytes = png_bytes(&code, size)
            .map_err(|e| ErrorPage::from(anyhow::anyhow!("PNG encoding failed: {e}")))?;
        ("image/png", bytes)
    } else {
        ("image/svg+xml", svg_string(&code).into_bytes())
    };
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            // A token's code never changes.
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        body,
    )
        .into_response())
}

pub fn svg_string(code: &QrCode) -> String {
    code.render::<svg::Color>().min_dimensions(256, 256).build()
}

/// An 8-bit grayscale PNG of `code`, `size` pixels square (more if the code
/// cannot fit one pixel per module). Modules are whole pixels, so the code
/// stays sharp; the pixels left over widen the quiet zone.
pub fn png_bytes(code: &QrCode, size: u32) -> Result<Vec<u8>, png::EncodingError> {
    let modules = code.width() as u32;
    let scale = (size / (modules + 2 * QUIET_ZONE)).max(1);
    let dim = size.max((modules + 2 * QUIET_ZONE) * scale);
    let offset = (dim - modules * scale) / 2;
    let colors = code.to_colors();
    let mut pixels = vec![255u8; (dim * dim) as usize];
    for y in 0..modules {
        for x in 0..modules {
            if colors[(y * modules + x) as usize] != Color::Dark {
                continue;
            }
            for dy in 0..scale {
                let row = ((offset + y * scale + dy) * dim + offset + x * scale) as usize;
                pixels[row..row + scale as usize].fill(0);
            }
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, dim, dim);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        (info, buf)
    }

    #[test]
    fn png_has_the_requested_size_and_a_quiet_zone() {
        let code = QrCode::new(b"http://127.0.0.1:8080/landing?token=abc").unwrap();
        let (info, pixels) = decode(&png_bytes(&code, 1024).unwrap());
        assert_eq!((info.width, info.height), (1024, 1024));
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        // Corners are quiet zone; the top-left finder pattern is dark.
        assert_eq!(pixels[0], 255);
        assert_eq!(*pixels.last().unwrap(), 255);
        let scale = 1024 / (code.width() + 8);
        let offset = (1024 - code.width() * scale) / 2;
        assert_eq!(pixels[offset * 1024 + offset], 0);
        assert_eq!(pixels[(offset - 1) * 1024 + offset - 1], 255);
    }

    #[test]
    fn png_never_goes_below_one_pixel_per_module() {
        let code = QrCode::new(b"x").unwrap();
        let (info, _) = decode(&png_bytes(&code, 10).unwrap());
        assert_eq!(info.width, code.width() as u32 + 8);
    }

    #[test]
    fn svg_is_an_svg_document() {
        let code = QrCode::new(b"x").unwrap();
        assert!(svg_string(&code).contains("<svg"));
    }
}
