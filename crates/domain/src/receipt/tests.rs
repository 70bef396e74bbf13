use super::*;

fn line(total: i64, excl: i64, tax: i64, rate: i64) -> NewOrderLine {
    NewOrderLine {
        name: Some("Socks".into()),
        id: Some("sock-1".into()),
        total_amount: Some(total),
        total_amount_excluding_tax: Some(excl),
        total_tax_amount: Some(tax),
        tax_rate: Some(rate),
        ..NewOrderLine::default()
    }
}

fn bottom() -> NewBottomLine {
    NewBottomLine {
        currency: Some("NOK".into()),
        ..NewBottomLine::default()
    }
}

fn receipt(lines: Vec<NewOrderLine>) -> NewReceipt {
    NewReceipt {
        order_lines: Some(lines),
        bottom_line: Some(bottom()),
    }
}

fn om(r: NewReceipt) -> Result<Receipt, Vec<FieldError>> {
    r.validate(&ReceiptPath::ORDER_MANAGEMENT)
}

/// The fields the errors of validating one line name, in order.
fn fields_of(l: NewOrderLine) -> Vec<String> {
    om(receipt(vec![l]))
        .unwrap_err()
        .into_iter()
        .map(|e| e.field)
        .collect()
}

fn refused(l: NewOrderLine, field: &str) {
    let fields = fields_of(l);
    assert!(
        fields.iter().any(|f| f == field),
        "{field} not in {fields:?}"
    );
}

fn bottom_fields(b: NewBottomLine) -> Vec<String> {
    let r = NewReceipt {
        order_lines: Some(vec![line(1000, 800, 200, 2500)]),
        bottom_line: Some(b),
    };
    om(r).unwrap_err().into_iter().map(|e| e.field).collect()
}

#[test]
fn the_spec_example_is_a_valid_receipt() {
    let l = NewOrderLine {
        tax_rate: None,
        tax_percentage: Some(25),
        unit_info: Some(NewUnitInfo {
            unit_price: Some(0),
            quantity: Some("0.822".into()),
            quantity_unit: Some("PCS".into()),
        }),
        discount: Some(0),
        product_url: Some("https://example.com/store/socks".into()),
        is_return: Some(false),
        is_shipping: Some(false),
        ..line(1000, 800, 200, 0)
    };
    let b = NewBottomLine {
        tip_amount: Some(0),
        pos_id: Some("string".into()),
        barcode: Some(NewBarcode {
            format: Some("EAN-13".into()),
            data: Some("123456".into()),
        }),
        receipt_number: Some("1234567".into()),
        ..bottom()
    };
    let r = om(NewReceipt {
        order_lines: Some(vec![l]),
        bottom_line: Some(b),
    })
    .unwrap();
    let l = &r.order_lines[0];
    assert_eq!(l.tax_rate, 2500);
    assert_eq!((l.sent_tax_rate, l.sent_tax_percentage), (None, Some(25)));
    assert_eq!(
        l.unit_info.as_ref().unwrap().quantity_unit,
        QuantityUnit::Pcs
    );
    assert_eq!(r.currency(), Currency::Nok);
    assert_eq!(
        r.bottom_line.barcode.as_ref().unwrap().format,
        BarcodeFormat::Ean13
    );
}

#[test]
fn an_empty_or_missing_line_list_is_an_error_naming_order_lines() {
    for lines in [None, Some(vec![])] {
        let errors = NewReceipt {
            order_lines: lines,
            bottom_line: Some(bottom()),
        }
        .validate(&ReceiptPath::EPAYMENT)
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "receipt.orderLines");
    }
}

#[test]
fn every_required_line_field_is_named_when_missing() {
    let fields = fields_of(NewOrderLine::default());
    assert_eq!(
        fields,
        [
            "orderLines[0].name",
            "orderLines[0].id",
            "orderLines[0].totalAmount",
            "orderLines[0].totalAmountExcludingTax",
            "orderLines[0].totalTaxAmount",
            "orderLines[0].taxRate",
        ]
    );
}

#[test]
fn errors_are_named_under_each_apis_path() {
    let bad = || {
        receipt(vec![
            line(1000, 800, 200, 2500),
            line(1000, 800, 200, 10_001),
        ])
    };
    let field = |at: &ReceiptPath| bad().validate(at).unwrap_err()[0].field.clone();
    assert_eq!(
        field(&ReceiptPath::EPAYMENT),
        "receipt.orderLines[1].taxRate"
    );
    assert_eq!(
        field(&ReceiptPath::CHECKOUT),
        "transaction.orderSummary.orderLines[1].taxRate"
    );
    assert_eq!(
        field(&ReceiptPath::ORDER_MANAGEMENT),
        "orderLines[1].taxRate"
    );
    let no_bottom = NewReceipt {
        order_lines: Some(vec![line(1000, 800, 200, 2500)]),
        bottom_line: None,
    };
    assert_eq!(
        no_bottom
            .clone()
            .validate(&ReceiptPath::CHECKOUT)
            .unwrap_err()[0]
            .field,
        "transaction.orderSummary.orderBottomLine"
    );
    assert_eq!(
        no_bottom.validate(&ReceiptPath::EPAYMENT).unwrap_err()[0].field,
        "receipt.bottomLine"
    );
}

#[test]
fn every_invalid_field_is_reported_at_once() {
    let errors = om(NewReceipt {
        order_lines: Some(vec![
            NewOrderLine {
                name: Some(String::new()),
                ..line(1000, 800, 200, 2500)
            },
            line(-1, 800, 200, 2500),
        ]),
        bottom_line: Some(NewBottomLine {
            currency: Some("SEK".into()),
            ..bottom()
        }),
    })
    .unwrap_err();
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "orderLines[0].name",
            "orderLines[1].totalAmount",
            "bottomLine.currency"
        ]
    );
    let grouped = group(&errors);
    assert_eq!(grouped.len(), 3);
    assert_eq!(grouped["bottomLine.currency"].len(), 1);
}

#[test]
fn names_are_1_to_2048_characters_and_ids_1_to_255() {
    let named = |n: usize| NewOrderLine {
        name: Some("ø".repeat(n)),
        ..line(1000, 800, 200, 2500)
    };
    assert!(om(receipt(vec![named(2048)])).is_ok());
    refused(named(2049), "orderLines[0].name");
    refused(named(0), "orderLines[0].name");
    let with_id = |n: usize| NewOrderLine {
        id: Some("i".repeat(n)),
        ..line(1000, 800, 200, 2500)
    };
    assert!(om(receipt(vec![with_id(255)])).is_ok());
    refused(with_id(256), "orderLines[0].id");
    refused(with_id(0), "orderLines[0].id");
}

#[test]
fn tax_is_given_as_a_rate_or_a_percentage_in_range_and_both_agree() {
    let pct = |p: Option<i64>, r: Option<i64>| NewOrderLine {
        tax_percentage: p,
        tax_rate: r,
        ..line(1000, 800, 200, 0)
    };
    assert!(om(receipt(vec![pct(Some(25), None)])).is_ok());
    assert!(om(receipt(vec![pct(None, Some(2500))])).is_ok());
    assert!(om(receipt(vec![pct(Some(25), Some(2500))])).is_ok());
    refused(pct(None, None), "orderLines[0].taxRate");
    refused(pct(Some(20), Some(2500)), "orderLines[0].taxRate");
    refused(pct(None, Some(10_001)), "orderLines[0].taxRate");
    refused(pct(None, Some(-1)), "orderLines[0].taxRate");
    refused(pct(Some(101), None), "orderLines[0].taxPercentage");
    refused(pct(Some(-1), None), "orderLines[0].taxPercentage");
    refused(pct(Some(101), Some(2500)), "orderLines[0].taxPercentage");
    let zero = om(receipt(vec![line(800, 800, 0, 0)])).unwrap();
    assert_eq!(zero.order_lines[0].tax_rate, 0);
    let full = om(receipt(vec![line(2000, 1000, 1000, 10_000)])).unwrap();
    assert_eq!(full.order_lines[0].tax_rate, 10_000);
}

#[test]
fn the_total_is_exactly_excluding_tax_plus_tax() {
    refused(line(1001, 800, 200, 2500), "orderLines[0].totalAmount");
    refused(line(999, 800, 200, 2500), "orderLines[0].totalAmount");
    refused(line(i64::MAX, i64::MAX, 1, 0), "orderLines[0].totalAmount");
}

#[test]
fn the_tax_is_within_one_minor_unit_of_excluding_tax_times_rate() {
    // 801 × 25 % = 200.25
    assert!(om(receipt(vec![line(1001, 801, 200, 2500)])).is_ok());
    assert!(om(receipt(vec![line(1002, 801, 201, 2500)])).is_ok());
    refused(line(1000, 801, 199, 2500), "orderLines[0].totalTaxAmount");
    refused(line(1003, 801, 202, 2500), "orderLines[0].totalTaxAmount");
    // 15 % of 333 = 49.95
    assert!(om(receipt(vec![line(383, 333, 50, 1500)])).is_ok());
    assert!(om(receipt(vec![line(382, 333, 49, 1500)])).is_ok());
    refused(line(381, 333, 48, 1500), "orderLines[0].totalTaxAmount");
    let e = om(receipt(vec![line(1100, 800, 300, 2500)])).unwrap_err();
    assert!(e[0].reason.contains("25.00 %"), "{}", e[0].reason);
    assert!(e[0].reason.contains("(200)"), "{}", e[0].reason);
}

#[test]
fn amounts_discounts_tips_and_payment_sources_are_not_negative() {
    refused(line(1000, 800, -200, 2500), "orderLines[0].totalTaxAmount");
    refused(
        line(1000, -800, 200, 2500),
        "orderLines[0].totalAmountExcludingTax",
    );
    refused(
        NewOrderLine {
            discount: Some(-1),
            ..line(1000, 800, 200, 2500)
        },
        "orderLines[0].discount",
    );
    assert_eq!(
        bottom_fields(NewBottomLine {
            tip_amount: Some(-1),
            payment_sources: Some(PaymentSources {
                card: Some(-5),
                cash: Some(5),
                ..PaymentSources::default()
            }),
            ..bottom()
        }),
        ["bottomLine.tipAmount", "bottomLine.paymentSources.card"]
    );
}

#[test]
fn quantities_are_short_decimal_strings() {
    let q = |s: &str| NewOrderLine {
        unit_info: Some(NewUnitInfo {
            unit_price: Some(400),
            quantity: Some(s.into()),
            quantity_unit: None,
        }),
        ..line(1000, 800, 200, 2500)
    };
    for ok in ["2", "0.822", "1.12345678", "1234567890", "0"] {
        assert!(om(receipt(vec![q(ok)])).is_ok(), "{ok}");
    }
    for bad in [
        "12345678901",
        "1.",
        ".5",
        "1.123456789",
        "-1",
        "1e3",
        "1,5",
        "",
        " 1",
        "١",
    ] {
        refused(q(bad), "orderLines[0].unitInfo.quantity");
    }
}

#[test]
fn unit_info_needs_a_price_and_quantity_and_a_known_unit() {
    let u = |price: Option<i64>, quantity: Option<&str>, unit: Option<&str>| NewOrderLine {
        unit_info: Some(NewUnitInfo {
            unit_price: price,
            quantity: quantity.map(str::to_owned),
            quantity_unit: unit.map(str::to_owned),
        }),
        ..line(1000, 800, 200, 2500)
    };
    for unit in ["PCS", "KG", "KM", "MINUTE", "LITRE", "KWH"] {
        let r = om(receipt(vec![u(Some(1), Some("1"), Some(unit))])).unwrap();
        assert_eq!(
            r.order_lines[0]
                .unit_info
                .as_ref()
                .unwrap()
                .quantity_unit
                .as_str(),
            unit
        );
    }
    refused(
        u(Some(1), Some("1"), Some("pcs")),
        "orderLines[0].unitInfo.quantityUnit",
    );
    refused(
        u(Some(1), Some("1"), Some("HOURS")),
        "orderLines[0].unitInfo.quantityUnit",
    );
    refused(u(None, Some("1"), None), "orderLines[0].unitInfo.unitPrice");
    refused(
        u(Some(-1), Some("1"), None),
        "orderLines[0].unitInfo.unitPrice",
    );
    refused(u(Some(1), None, None), "orderLines[0].unitInfo.quantity");
}

#[test]
fn product_urls_are_http_or_https() {
    let url = |s: &str| NewOrderLine {
        product_url: Some(s.into()),
        ..line(1000, 800, 200, 2500)
    };
    assert!(om(receipt(vec![url("https://shop.example/socks")])).is_ok());
    refused(url("shop.example/socks"), "orderLines[0].productUrl");
    refused(url("javascript:alert(1)"), "orderLines[0].productUrl");
}

#[test]
fn the_bottom_line_needs_a_supported_currency() {
    assert_eq!(
        bottom_fields(NewBottomLine::default()),
        ["bottomLine.currency"]
    );
    for c in ["NOK", "DKK", "EUR"] {
        let r = om(NewReceipt {
            order_lines: Some(vec![line(1000, 800, 200, 2500)]),
            bottom_line: Some(NewBottomLine {
                currency: Some(c.into()),
                ..NewBottomLine::default()
            }),
        })
        .unwrap();
        assert_eq!(r.currency().as_str(), c);
        assert!(
            r.expect_currency(Currency::Nok, &ReceiptPath::EPAYMENT)
                .is_some()
                == (c != "NOK")
        );
    }
    assert_eq!(
        bottom_fields(NewBottomLine {
            currency: Some("nok".into()),
            ..NewBottomLine::default()
        }),
        ["bottomLine.currency"]
    );
}

#[test]
fn barcodes_have_a_known_format_and_data_it_can_hold() {
    let bc = |format: Option<&str>, data: Option<&str>| NewBottomLine {
        barcode: Some(NewBarcode {
            format: format.map(str::to_owned),
            data: data.map(str::to_owned),
        }),
        ..bottom()
    };
    for (format, data) in [
        ("EAN-13", "5901234123457"),
        ("EAN-13", "123456"),
        ("CODE 39", "ABC-123 $/+%."),
        ("CODE 128", "Receipt #42 (a)"),
    ] {
        assert!(
            bottom_fields_ok(bc(Some(format), Some(data))),
            "{format} {data}"
        );
    }
    assert_eq!(
        bottom_fields(bc(Some("QR"), Some("x"))),
        ["bottomLine.barcode.format"]
    );
    assert_eq!(
        bottom_fields(bc(None, Some("1"))),
        ["bottomLine.barcode.format"]
    );
    assert_eq!(
        bottom_fields(bc(Some("EAN-13"), None)),
        ["bottomLine.barcode.data"]
    );
    assert_eq!(
        bottom_fields(bc(Some("EAN-13"), Some(""))),
        ["bottomLine.barcode.data"]
    );
    for (format, data) in [
        ("EAN-13", "59012341234570"),
        ("EAN-13", "59012A"),
        ("CODE 39", "abc"),
        ("CODE 128", "blåbær"),
        ("CODE 128", "tab\there"),
    ] {
        assert_eq!(
            bottom_fields(bc(Some(format), Some(data))),
            ["bottomLine.barcode.data"],
            "{format} {data}"
        );
    }
}

fn bottom_fields_ok(b: NewBottomLine) -> bool {
    om(NewReceipt {
        order_lines: Some(vec![line(1000, 800, 200, 2500)]),
        bottom_line: Some(b),
    })
    .is_ok()
}

#[test]
fn deprecated_bottom_line_fields_are_kept_and_never_summed() {
    let deprecated = DeprecatedTotals {
        total_amount: Some(-99),
        total_tax: Some(7),
        shipping_amount: Some(5),
        terminal_id: Some("t1".into()),
        ..DeprecatedTotals::default()
    };
    let r = om(NewReceipt {
        order_lines: Some(vec![line(1000, 800, 200, 2500)]),
        bottom_line: Some(NewBottomLine {
            deprecated: deprecated.clone(),
            ..bottom()
        }),
    })
    .unwrap();
    assert_eq!(r.bottom_line.deprecated, deprecated);
    assert_eq!(r.totals().total, 1000);
    assert_eq!(r.totals().shipping, 0);
}

mod sums;
