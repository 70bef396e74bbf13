use base64::{engine::general_purpose::STANDARD, Engine};
use image::{ImageBuffer, Rgb};

use super::*;

fn encoded(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
    let img = ImageBuffer::from_fn(width, height, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// CRC-32 as PNG chunks use it, to forge headers in tests.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A small real PNG whose header claims `width` × `height`.
fn forged_png(width: u32, height: u32) -> Vec<u8> {
    let mut png = encoded(200, 200, image::ImageFormat::Png);
    // Signature (8), then IHDR: length (4), "IHDR" (4), data (13), CRC (4).
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

#[test]
fn png_and_jpeg_pass_with_their_dimensions() {
    let png = check_image(&b64(&encoded(200, 180, image::ImageFormat::Png))).unwrap();
    assert_eq!(
        (png.format, png.width, png.height),
        (ImageFormat::Png, 200, 180)
    );
    let jpeg = check_image(&b64(&encoded(170, 170, image::ImageFormat::Jpeg))).unwrap();
    assert_eq!((jpeg.format, jpeg.height), (ImageFormat::Jpeg, 170));
}

#[test]
fn short_images_other_formats_and_non_base64_are_refused() {
    let short = check_image(&b64(&encoded(400, 166, image::ImageFormat::Png))).unwrap_err();
    assert!(short.contains("167"), "{short}");
    let gif = check_image(&b64(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")).unwrap_err();
    assert!(gif.contains("PNG or JPEG"), "{gif}");
    let url = check_image("https://example.com/socks.png").unwrap_err();
    assert!(url.contains("base64"), "{url}");
}

#[test]
fn truncated_and_lying_files_are_refused() {
    let png = encoded(200, 200, image::ImageFormat::Png);
    let cut = check_image(&b64(&png[..png.len() / 2])).unwrap_err();
    assert!(cut.contains("could not be read"), "{cut}");
    // JPEG magic in front of PNG data.
    let mut lying = vec![0xFF, 0xD8, 0xFF];
    lying.extend_from_slice(&png[3..]);
    assert!(check_image(&b64(&lying))
        .unwrap_err()
        .contains("could not be read"));
}

#[test]
fn huge_dimensions_and_decompression_bombs_are_refused_before_decoding() {
    // Both are refused by the decoder's limits, read from the header,
    // not by running out of data after allocating the image.
    let huge = check_image(&b64(&forged_png(100_000, 100_000))).unwrap_err();
    assert!(huge.contains("limit"), "{huge}");
    let bomb = check_image(&b64(&forged_png(8_000, 8_000))).unwrap_err();
    assert!(bomb.contains("limit"), "{bomb}");
}

#[test]
fn more_than_two_megabytes_is_refused() {
    let mut big = encoded(200, 200, image::ImageFormat::Png);
    big.resize(MAX_IMAGE_BYTES + 1, 0);
    assert!(check_image(&b64(&big)).unwrap_err().contains("2 MB"));
}

#[test]
fn an_upload_names_every_invalid_field() {
    let e = check_upload(Some("bad id!"), None, Some("url")).unwrap_err();
    let names: Vec<&str> = e.invalid.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["imageId", "type", "src"]);
    assert_eq!(e.status, 400);
}

#[test]
fn categories_need_a_known_type_and_an_absolute_url() {
    let c = Category::new(
        Some("TICKET"),
        Some("https://shop.example/o/1"),
        Some("img-1"),
    )
    .unwrap();
    assert_eq!(c.category, CategoryType::Ticket);
    let e = Category::new(Some("ticket"), Some("/relative"), Some("no spaces")).unwrap_err();
    let names: Vec<&str> = e.invalid.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["category", "orderDetailsUrl", "imageId"]);
    assert!(Category::new(Some("GENERAL"), None, None).is_err());
}

#[test]
fn payment_types_accept_any_case_and_ids_follow_the_pattern() {
    assert_eq!(PaymentType::parse("ecom"), Some(PaymentType::Ecom));
    assert_eq!(
        PaymentType::parse("Recurring"),
        Some(PaymentType::Recurring)
    );
    assert_eq!(PaymentType::parse("psp"), None);
    assert!(is_order_id("order-1_2.3"));
    assert!(!is_order_id("order 1"));
    assert!(!is_order_id(""));
    assert!(is_image_id(&"a".repeat(128)));
    assert!(!is_image_id(&"a".repeat(129)));
}

#[test]
fn v3_categories_are_checked_whole() {
    let ok = NewCategoryV3 {
        order_id: Some("PaymentReference123".into()),
        payment_type: Some("ECOM".into()),
        category: Some("RECEIPT".into()),
        url: Some("https://www.example.com".into()),
        image_id: None,
    }
    .check("id-1".into(), 5)
    .unwrap();
    assert_eq!(ok.category, CategoryType::Receipt);
    let e = NewCategoryV3::default()
        .check("id-2".into(), 5)
        .unwrap_err();
    assert_eq!(e.invalid.len(), 4);
}
