//! Reading Checkout requests: the session request and a dynamic-options
//! answer, as the domain takes them.

use vipps_domain::checkout::{
    logistics::{
        NewHelthjem, NewIntegrations, NewOriginAddress, NewPorterbuddy, NewPorterbuddyOrigin,
        NewShippingOption,
    },
    ExternalPaymentMethod, NewAmount, NewConfiguration, NewCountries, NewCustomConsent,
    NewLogistics, NewMerchantInfo, NewPrefill, NewSession, NewTransaction,
};
use vipps_domain::receipt::NewReceipt;
use vipps_wire::checkout as wire;

use crate::apis::order_management::request::{new_bottom_line, new_receipt};

pub fn new_session(r: wire::InitiateSessionRequest) -> NewSession {
    NewSession {
        merchant_info: r.merchant_info.map(|m| NewMerchantInfo {
            callback_url: m.callback_url,
            return_url: m.return_url,
            callback_authorization_token: m.callback_authorization_token,
            terms_and_conditions_url: m.terms_and_conditions_url,
        }),
        transaction: r.transaction.map(|t| NewTransaction {
            amount: t.amount.map(new_amount),
            reference: t.reference,
            payment_description: t.payment_description,
            order_summary: t.order_summary.map(|s| NewReceipt {
                bottom_line: s.order_bottom_line.map(new_bottom_line),
                ..new_receipt(vipps_wire::receipt::Receipt {
                    order_lines: s.order_lines,
                    bottom_line: None,
                })
            }),
        }),
        logistics: r.logistics.map(|l| NewLogistics {
            dynamic_options_callback: l.dynamic_options_callback,
            fixed_options: l
                .fixed_options
                .map(|options| options.into_iter().map(new_option).collect()),
            integrations: l.integrations.map(new_integrations),
        }),
        prefill_customer: r.prefill_customer.map(|p| NewPrefill {
            first_name: p.first_name,
            last_name: p.last_name,
            email: p.email,
            phone_number: p.phone_number,
            street_address: p.street_address,
            city: p.city,
            postal_code: p.postal_code,
            country: p.country,
        }),
        configuration: r.configuration.map(|c| NewConfiguration {
            customer_interaction: c.customer_interaction,
            elements: c.elements,
            countries: c.countries.map(|c| NewCountries {
                supported: c.supported,
            }),
            user_flow: c.user_flow,
            require_user_info: c.require_user_info,
            custom_consent: c.custom_consent.map(|c| NewCustomConsent {
                text: c.text,
                required: c.required,
            }),
            show_order_summary: c.show_order_summary,
            external_payment_methods: c.external_payment_methods.map(|methods| {
                methods
                    .into_iter()
                    .map(|m| ExternalPaymentMethod {
                        payment_method: m.payment_method,
                        redirect_url: m.redirect_url,
                    })
                    .collect()
            }),
        }),
        kind: r.kind,
    }
}

fn new_amount(a: wire::Amount) -> NewAmount {
    NewAmount {
        value: a.value,
        currency: a.currency,
    }
}

/// A shipping option, fixed or from a dynamic-options answer.
pub fn new_option(o: wire::LogisticsOption) -> NewShippingOption {
    use wire::LogisticsOption as L;
    let (brand, c) = match o {
        L::Other(o) => {
            return NewShippingOption {
                brand: "OTHER".to_owned(),
                id: o.id,
                priority: o.priority,
                is_default: o.is_default,
                description: o.description,
                amount: o.amount.map(new_amount),
                title: o.title,
                tax_rate: o.tax_rate,
                ..NewShippingOption::default()
            }
        }
        L::Posten(c) => ("POSTEN", c),
        L::Postnord(c) => ("POSTNORD", c),
        L::Porterbuddy(c) => ("PORTERBUDDY", c),
        L::Helthjem(c) => ("HELTHJEM", c),
        L::Posti(c) => ("POSTI", c),
        L::Gls(c) => ("GLS", c),
        L::Dao(c) => ("DAO", c),
    };
    NewShippingOption {
        brand: brand.to_owned(),
        id: c.id,
        priority: c.priority,
        is_default: c.is_default,
        description: c.description,
        amount: c.amount.map(new_amount),
        kind: c.kind,
        custom_type: c.custom_type,
        title: None,
        tax_rate: c.tax_rate,
    }
}

fn new_integrations(i: wire::Integrations) -> NewIntegrations {
    NewIntegrations {
        porterbuddy: i.porterbuddy.map(|p| NewPorterbuddy {
            public_token: p.public_token,
            api_key: p.api_key,
            origin: p.origin.map(|o| NewPorterbuddyOrigin {
                name: o.name,
                email: o.email,
                phone_number: o.phone_number,
                address: o.address.map(|a| NewOriginAddress {
                    street_address: a.street_address,
                    postal_code: a.postal_code,
                    city: a.city,
                    country: a.country,
                }),
            }),
        }),
        helthjem: i.helthjem.map(|h| NewHelthjem {
            username: h.username,
            password: h.password,
            shop_id: h.shop_id,
        }),
    }
}
