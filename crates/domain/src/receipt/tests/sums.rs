//! Sums, VAT totals and shipping lines.

use proptest::prelude::*;

use super::*;

#[test]
fn returns_count_negative_and_shipping_lines_are_summed_apart() {
    let r = om(receipt(vec![
        NewOrderLine {
            discount: Some(100),
            ..line(1000, 800, 200, 2500)
        },
        NewOrderLine {
            is_return: Some(true),
            discount: Some(30),
            ..line(500, 400, 100, 2500)
        },
        NewOrderLine {
            is_shipping: Some(true),
            ..line(4900, 3920, 980, 2500)
        },
        line(1500, 1339, 161, 1200),
    ]))
    .unwrap();
    let r = Receipt {
        bottom_line: BottomLine {
            tip_amount: Some(300),
            ..r.bottom_line
        },
        ..r
    };
    assert_eq!(
        r.totals(),
        Totals {
            total: 1000 - 500 + 4900 + 1500,
            total_excluding_tax: 800 - 400 + 3920 + 1339,
            total_tax: 200 - 100 + 980 + 161,
            total_discount: 100 - 30,
            shipping: 4900,
            tip: 300,
        }
    );
    assert_eq!(r.shipping_lines().count(), 1);
    assert_eq!(
        r.vat(),
        [
            VatTotal {
                tax_rate: 1200,
                total_excluding_tax: 1339,
                total_tax: 161,
                total: 1500
            },
            VatTotal {
                tax_rate: 2500,
                total_excluding_tax: 800 - 400 + 3920,
                total_tax: 200 - 100 + 980,
                total: 1000 - 500 + 4900
            },
        ]
    );
}

#[test]
fn a_shipping_line_carries_its_vat_inside_the_price() {
    let l = OrderLine::shipping("posten-1", "Posten", 4900, 2500);
    assert_eq!(
        (
            l.total_amount,
            l.total_amount_excluding_tax,
            l.total_tax_amount
        ),
        (4900, 3920, 980)
    );
    assert!(l.is_shipping && !l.is_return);
    let free_of_vat = OrderLine::shipping("x", "x", 999, 0);
    assert_eq!(free_of_vat.total_tax_amount, 0);
}

prop_compose! {
    fn valid_line()(
        excl in 0i64..10_000_000,
        rate in prop::sample::select(vec![0i64, 1000, 1200, 1500, 2500, 2550, 10_000]),
        wobble in -1i64..=1,
        is_return in any::<bool>(),
        is_shipping in any::<bool>(),
        discount in prop::option::of(0i64..1000),
    ) -> NewOrderLine {
        // Any tax within one minor unit of the exact product is valid.
        let exact = excl as i128 * rate as i128;
        let rounded = tax_of(excl, rate);
        let wobbled = (rounded + wobble).max(0);
        let tax = if (wobbled as i128 * 10_000 - exact).abs() <= 10_000 { wobbled } else { rounded };
        NewOrderLine {
            is_return: Some(is_return),
            is_shipping: Some(is_shipping),
            discount,
            ..line(excl + tax, excl, tax, rate)
        }
    }
}

proptest! {
    /// Whatever valid lines a receipt has, its sums are the signed sums of
    /// the lines, they add up, and the VAT groups add up to them.
    #[test]
    fn sums_are_signed_line_sums(lines in prop::collection::vec(valid_line(), 1..12)) {
        let r = om(receipt(lines.clone())).unwrap();
        let t = r.totals();
        let signed = |f: fn(&NewOrderLine) -> i64| -> i64 {
            lines
                .iter()
                .map(|l| if l.is_return == Some(true) { -f(l) } else { f(l) })
                .sum()
        };
        prop_assert_eq!(t.total, signed(|l| l.total_amount.unwrap()));
        prop_assert_eq!(t.total_tax, signed(|l| l.total_tax_amount.unwrap()));
        prop_assert_eq!(t.total_discount, signed(|l| l.discount.unwrap_or(0)));
        prop_assert_eq!(t.total, t.total_excluding_tax + t.total_tax);
        let shipping: i64 = lines
            .iter()
            .filter(|l| l.is_shipping == Some(true))
            .map(|l| if l.is_return == Some(true) { -l.total_amount.unwrap() } else { l.total_amount.unwrap() })
            .sum();
        prop_assert_eq!(t.shipping, shipping);
        let vat = r.vat();
        prop_assert_eq!(vat.iter().map(|v| v.total).sum::<i64>(), t.total);
        prop_assert_eq!(vat.iter().map(|v| v.total_tax).sum::<i64>(), t.total_tax);
        prop_assert!(vat.windows(2).all(|w| w[0].tax_rate < w[1].tax_rate));
    }

    /// A shipping line the sandbox adds passes the checks merchants' lines must.
    #[test]
    fn added_shipping_lines_pass_validation(total in 0i64..100_000_000, rate in 0i64..=10_000) {
        let l = OrderLine::shipping("ship", "Shipping", total, rate);
        let again = NewOrderLine {
            is_shipping: Some(true),
            ..line(l.total_amount, l.total_amount_excluding_tax, l.total_tax_amount, rate)
        };
        prop_assert!(om(receipt(vec![again])).is_ok());
        prop_assert!(l.total_tax_amount >= 0 && l.total_amount_excluding_tax >= 0);
    }

    /// Lines whose tax is more than one minor unit off are refused.
    #[test]
    fn tax_off_by_more_than_one_unit_is_refused(excl in 0i64..10_000_000, rate in 1i64..=10_000, off in 2i64..1000) {
        let exact = excl as i128 * rate as i128;
        let tax = ((exact + 9_999) / 10_000) as i64 + off;
        let fields = fields_of(line(excl + tax, excl, tax, rate));
        prop_assert_eq!(fields, vec!["orderLines[0].totalTaxAmount".to_owned()]);
    }
}
