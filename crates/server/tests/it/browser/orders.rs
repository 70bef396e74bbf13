//! The payer's order history in a browser: a paid ePayment order with a
//! full receipt (quantities, a discount, a return, shipping, two VAT rates,
//! tip, barcode) and a ticket category with its image, and a second paid
//! order from a merchant with a long name that has only a plain category.

use base64::{engine::general_purpose::STANDARD, Engine};
use image::{ImageBuffer, Rgb};
use reqwest::Method;
use serde_json::{json, Value};
use vipps_store::merchants::NewCredentials;

use super::{open, WIDTHS};
use crate::common::{create_body, TestApp};

const PHONE: &str = "4712345678";
const LONG_MERCHANT: &str = "Nordlys Sykkelverksted og Kaffebar Aktieselskap, avdeling Tromsø";

fn png(width: u32, height: u32) -> String {
    let img = ImageBuffer::from_fn(width, height, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, 40])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    STANDARD.encode(out.into_inner())
}

/// An Order Management call as merchant `m`, which must succeed.
async fn om(app: &TestApp, m: &NewCredentials, method: Method, path: &str, body: Value) {
    let r = app
        .as_merchant(m, method, path)
        .await
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success(),
        "{path}: {}",
        r.text().await.unwrap()
    );
}

/// Creates an ePayment as merchant `m` and approves it with [`PHONE`].
async fn paid_epayment(app: &TestApp, m: &NewCredentials, body: Value) {
    let reference = body["reference"].as_str().unwrap().to_owned();
    let r = app
        .as_merchant(m, Method::POST, "/epayment/v1/payments")
        .await
        .header("Idempotency-Key", format!("create-{reference}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let r = app
        .as_merchant(
            m,
            Method::POST,
            &format!("/epayment/v1/test/payments/{reference}/approve"),
        )
        .await
        .header("Idempotency-Key", format!("approve-{reference}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

/// A receipt with every kind of line. Sums: lines 2 698.00 + 286.88 +
/// 11.50 − 499.00 (return) + shipping 99.00 = 2 596.38 NOK; VAT 25 % on
/// 1 838.40 is 459.60, VAT 15 % on 259.46 is 38.92.
fn rich_receipt() -> Value {
    json!({
        "orderLines": [
            {"name": "Ergonomic office chair with adjustable lumbar support, black mesh",
             "id": "chair", "totalAmount": 269_800, "totalAmountExcludingTax": 215_840,
             "totalTaxAmount": 53_960, "taxPercentage": 25,
             "unitInfo": {"unitPrice": 149_900, "quantity": "2", "quantityUnit": "PCS"},
             "discount": 30_000, "productUrl": "https://shop.example/chair"},
            {"name": "Coffee beans, Ethiopia Yirgacheffe", "id": "coffee",
             "totalAmount": 28_688, "totalAmountExcludingTax": 24_946, "totalTaxAmount": 3_742,
             "taxRate": 1500,
             "unitInfo": {"unitPrice": 34_900, "quantity": "0.822", "quantityUnit": "KG"}},
            {"name": "Oat milk", "id": "milk", "totalAmount": 1_150,
             "totalAmountExcludingTax": 1_000, "totalTaxAmount": 150, "taxPercentage": 15},
            {"name": "Desk lamp", "id": "lamp", "totalAmount": 49_900,
             "totalAmountExcludingTax": 39_920, "totalTaxAmount": 9_980, "taxPercentage": 25,
             "unitInfo": {"unitPrice": 49_900, "quantity": "1"}, "isReturn": true},
            {"name": "Home delivery, Posten", "id": "delivery", "totalAmount": 9_900,
             "totalAmountExcludingTax": 7_920, "totalTaxAmount": 1_980, "taxRate": 2500,
             "isShipping": true}
        ],
        "bottomLine": {"currency": "NOK", "tipAmount": 5_000, "posId": "pos_7",
            "barcode": {"format": "EAN-13", "data": "7038010069307"},
            "receiptNumber": "2024-000173"}
    })
}

#[tokio::test]
async fn the_order_history_shows_categories_and_receipts_like_an_app() {
    for size in WIDTHS {
        let app = TestApp::spawn().await;
        let shop = &app.merchant;
        let mut body = create_body(&format!("orders-rich-{}", size.0), 259_638);
        body["receipt"] = rich_receipt();
        body["paymentDescription"] = json!("Office chair, coffee and a returned lamp");
        paid_epayment(&app, shop, body).await;
        om(
            &app,
            shop,
            Method::POST,
            "/order-management/v1/images",
            json!({"imageId": "ticket-logo", "src": png(300, 200), "type": "base64"}),
        )
        .await;
        om(
            &app,
            shop,
            Method::PUT,
            &format!(
                "/order-management/v2/ecom/categories/orders-rich-{}",
                size.0
            ),
            json!({"category": "TICKET", "imageId": "ticket-logo",
                   "orderDetailsUrl": "https://shop.example/tickets/2024-000173"}),
        )
        .await;

        let cafe = app.new_merchant(LONG_MERCHANT).await;
        let plain = format!("orders-plain-{}", size.0);
        paid_epayment(&app, &cafe, create_body(&plain, 7_500)).await;
        om(
            &app,
            &cafe,
            Method::PUT,
            &format!("/order-management/v2/ecom/categories/{plain}"),
            json!({"category": "GENERAL",
                   "orderDetailsUrl": "https://cafe.example/orders/plain"}),
        )
        .await;

        let Some(b) = open("orders", size).await else {
            return;
        };
        b.goto(&app.url(&format!("/app/orders?phone={PHONE}")))
            .await;
        let orders = b
            .client
            .find_all(fantoccini::Locator::Css("section.order"))
            .await
            .unwrap();
        assert_eq!(orders.len(), 2);
        // Newest first: the plain order, then the one with the receipt.
        let plain_card = orders[0].text().await.unwrap();
        assert!(plain_card.contains(LONG_MERCHANT), "{plain_card}");
        assert!(plain_card.contains("75.00 NOK"), "{plain_card}");
        assert!(plain_card.contains("Order details"), "{plain_card}");
        assert!(!plain_card.contains("Receipt"), "{plain_card}");
        let rich = orders[1].text().await.unwrap();
        for text in [
            "Test Shop",
            "2596.38 NOK",
            "Ticket",
            "Ergonomic office chair with adjustable lumbar support, black mesh",
            "2 PCS × 1499.00 NOK",
            "Discount -300.00 NOK",
            "Discounts included",
            "2698.00 NOK",
            "0.822 KG × 349.00 NOK",
            "286.88 NOK",
            "Oat milk",
            "Desk lamp",
            "-499.00 NOK",
            "Home delivery, Posten",
            "99.00 NOK",
            "Total",
            "459.60 NOK",
            "38.92 NOK",
            "498.52 NOK",
            "Tip",
            "50.00 NOK",
            "25 %",
            "15 %",
            "1838.40 NOK",
            "259.46 NOK",
            "EAN-13",
            "7038010069307",
            "2024-000173",
        ] {
            assert!(rich.contains(text), "no {text:?} in {rich}");
        }
        let total = b.text("section.order .receipt tr.total").await;
        assert!(
            total.contains("Total") && total.contains("2596.38 NOK"),
            "{total}"
        );
        let ret = b.text("section.order .receipt tr.return").await;
        assert!(
            ret.contains("Desk lamp") && ret.contains("-499.00 NOK"),
            "{ret}"
        );
        assert!(b.text(".receipt .barcode").await.contains("7038010069307"));

        // The category links go to the merchants' pages; the ticket shows
        // the uploaded image, the plain one an icon.
        let ticket = b
            .find("a.category[href='https://shop.example/tickets/2024-000173']")
            .await;
        assert!(ticket.text().await.unwrap().contains("Ticket"));
        let src = b
            .find("a.category[href='https://shop.example/tickets/2024-000173'] img")
            .await
            .attr("src")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(src, format!("/app/images/{}/ticket-logo", shop.msn));
        let loaded = b
            .client
            .execute(
                "return [...document.querySelectorAll('a.category img')].every(i => i.complete && i.naturalWidth > 0);",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(loaded, json!(true), "the category image did not load");
        let general = b
            .find("a.category[href='https://cafe.example/orders/plain']")
            .await;
        assert!(general.text().await.unwrap().contains("Order details"));
        b.find("a.category[href='https://cafe.example/orders/plain'] .icon")
            .await;

        b.check_page("history").await;
        // The rest of the page, for people to look at: the receipt, and
        // its VAT table and barcode.
        for (css, page) in [
            (".receipt", "history-receipt"),
            (".receipt table.vat", "history-vat"),
        ] {
            b.client
                .execute(
                    "document.querySelector(arguments[0]).scrollIntoView({block: 'start'});",
                    vec![json!(css)],
                )
                .await
                .unwrap();
            b.check_page(page).await;
        }
        b.close().await;
    }
}
