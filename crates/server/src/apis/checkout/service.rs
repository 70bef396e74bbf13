//! Checkout sessions: created and read here; paid through an ePayment
//! payment that carries the session from the moment the shopper proceeds
//! (docs/compatibility.md#checkout-v3-sessions). From then on every change
//! of that payment moves the session along inside the same write
//! (`epayment::Payment::checkout`), and the payment's persist owes the
//! session callback when the session ends ([`enqueue_callback`]).

use std::time::Duration;

use vipps_delivery::Call;
use vipps_domain::{
    checkout::{
        logistics::{offer, DynamicAnswer, LogisticsQuery, Offer},
        NewSession, Session, SessionError, SessionView, ShippingOption, ShopperChoice,
    },
    epayment::{Approval, Payment, Transition as PaymentTransition},
    ids::new_psp_reference,
    Millis, Msn,
};
use vipps_store::{
    checkout::{insert_session, update_session, StoredSession},
    deliveries::{enqueue_callback as enqueue, KIND_CHECKOUT_CALLBACK},
    random_hex, DueCursor, Stored, WriteSet,
};
use vipps_wire::checkout as wire;

use super::{problem::CheckoutProblem, render::session_json, request::new_option};
use crate::{
    apis::epayment::{
        problem::ApiProblem,
        render::redirect_url,
        service::{persist_new, Epayment},
    },
    kernel::{
        idempotency::{self, Decision, Operation},
        versioned::{settled, transact, Expiring, Family},
    },
    AppState,
};

/// The Checkout session family: rows in `checkout_sessions`, expired to
/// `SessionExpired` when nobody starts paying within the hour.
pub struct Checkout;

impl Family for Checkout {
    type Payment = Session;

    async fn read(
        st: &AppState,
        msn: &str,
        reference: &str,
    ) -> anyhow::Result<Option<StoredSession>> {
        st.db.checkout_session(msn, reference).await
    }

    fn key(s: &Session) -> (String, String) {
        (s.msn.clone(), s.reference.clone())
    }

    fn persist(t: &vipps_domain::checkout::Transition, version: i64) -> WriteSet {
        update_session(&t.session, version)
    }
}

impl Expiring for Checkout {
    async fn due_to_expire(
        st: &AppState,
        now: Millis,
        after: Option<&DueCursor>,
        limit: i64,
    ) -> anyhow::Result<Vec<(DueCursor, anyhow::Result<StoredSession>)>> {
        st.db
            .checkout_sessions_due_to_expire(now, after, limit)
            .await
    }
}

/// The path of the hosted checkout page; the token comes as `?token=`.
pub const FRONTEND_PATH: &str = "/checkout-frontend/v1/";

/// Creates a session (`POST /checkout/v3/session`), replaying the first
/// answer for a repeated `Idempotency-Key`.
pub async fn create(
    st: &AppState,
    msn: &Msn,
    new: NewSession,
    raw_body: &[u8],
    key: Option<String>,
) -> Result<axum::response::Response, CheckoutProblem> {
    let reference = new
        .transaction
        .as_ref()
        .and_then(|t| t.reference.clone())
        .unwrap_or_default();
    // A reference an ePayment payment already has cannot name a session:
    // the session's payment will take it.
    if vipps_domain::Reference::parse_new(&reference).is_some()
        && st.db.payment(msn, &reference).await?.is_some()
    {
        return Err(duplicate(&reference));
    }
    let info = new.merchant_info.as_ref();
    let strict = [
        (
            "merchantInfo.callbackUrl",
            info.and_then(|m| m.callback_url.as_deref()),
            true,
        ),
        (
            "merchantInfo.returnUrl",
            info.and_then(|m| m.return_url.as_deref()),
            false,
        ),
    ];
    if let Some((field, why)) =
        crate::kernel::strict_urls::refusal(st, msn.as_str(), &strict).await?
    {
        return Err(CheckoutProblem::bad_field(field, why));
    }
    let public = st.cfg.public_url.clone();
    let op = Operation {
        msn,
        method: "POST",
        path: "/checkout/v3/session",
        raw_body,
        id: &reference,
        key,
    };
    idempotency::run::<Checkout, CheckoutProblem>(st, op, |cur, now, _key| {
        let session = new
            .clone()
            .create(
                msn,
                vipps_domain::checkout::new_session_id(),
                vipps_domain::checkout::new_session_token(),
                now,
            )
            .map_err(|errors| CheckoutProblem::invalid(vipps_domain::receipt::group(&errors)))?;
        if cur.is_some() {
            return Err(duplicate(&reference));
        }
        let body = wire::InitiateSessionResponse {
            token: session.token.clone(),
            checkout_frontend_url: format!("{public}{FRONTEND_PATH}"),
            polling_url: format!("{public}{}", session.polling_path()),
        };
        Ok(Decision::ok(
            insert_session(&session),
            200,
            serde_json::to_string(&body).expect("serialises"),
        ))
    })
    .await
}

fn duplicate(reference: &str) -> CheckoutProblem {
    CheckoutProblem::new(
        409,
        "DuplicateReference",
        "Conflict",
        format!("A session or payment with reference '{reference}' already exists"),
    )
}

/// The session `reference` as the merchant sees it now.
pub async fn view(
    st: &AppState,
    msn: &str,
    reference: &str,
) -> Result<SessionView, CheckoutProblem> {
    let now = st.clock.now();
    let s = settled::<Checkout, CheckoutProblem>(st, msn, reference, now)
        .await?
        .ok_or_else(|| CheckoutProblem::not_found(reference))?;
    if s.payment.shopper.is_none() {
        return Ok(s.payment.view(None, now));
    }
    // The shopper proceeded: the session lives on in its payment.
    let paid = settled::<Epayment, CheckoutProblem>(st, msn, reference, now).await?;
    Ok(
        match paid
            .as_ref()
            .map(|p| (&p.payment, p.payment.checkout.as_deref()))
        {
            Some((payment, Some(session))) => session.view(Some(payment), now),
            _ => s.payment.view(None, now),
        },
    )
}

/// Appends the session callback a payment change owes (`t.session_ended`):
/// the session as polled, POSTed to `callbackUrl` with the merchant's
/// `callbackAuthorizationToken` (read when sending).
pub fn enqueue_callback(w: &mut WriteSet, t: &PaymentTransition) {
    let (true, Some(session)) = (t.session_ended, t.payment.checkout.as_deref()) else {
        return;
    };
    let at = session
        .ended_at
        .or_else(|| t.events.last().map(|e| e.timestamp))
        .unwrap_or(t.payment.created_at);
    let body = session_json(session.view(Some(&t.payment), at));
    enqueue(
        w,
        KIND_CHECKOUT_CALLBACK,
        &t.payment.msn,
        &format!("checkout/{}", session.reference),
        1,
        &session.merchant.callback_url,
        &body,
        &session.reference,
        at,
    );
}

/// What a test shopper's payment came to.
pub enum Paid {
    /// No session has this reference.
    NoSession,
    Approved(Payment),
    Declined(Payment, &'static str),
}

/// Acts as the shopper of session `reference` for the ePayment force-approve
/// endpoints: the prefilled or test details, the default shipping option
/// (and its first pickup point), consent given; proceeds to pay and
/// approves with `phone`, all in one write.
pub async fn pay_as_test_shopper(
    st: &AppState,
    msn: &Msn,
    reference: &str,
    phone: &str,
) -> Result<Paid, ApiProblem> {
    let public = st.cfg.public_url.clone();
    transact::<Checkout, ApiProblem, _>(st, msn, reference, |cur, now| {
        let Some(s) = cur else {
            return Ok((WriteSet::new(), Paid::NoSession));
        };
        let (writes, payment, declined) = pay(s, msn, phone, now, &public)?;
        Ok((
            writes,
            match declined {
                None => Paid::Approved(payment),
                Some(why) => Paid::Declined(payment, why),
            },
        ))
    })
    .await
}

type PaidWrites = (WriteSet, Payment, Option<&'static str>);

fn pay(
    s: &Stored<Session>,
    msn: &Msn,
    phone: &str,
    now: Millis,
    public: &str,
) -> Result<PaidWrites, ApiProblem> {
    let session = &s.payment;
    let offered = offer(&session.logistics, None, session.currency());
    let choice = test_choice(session, &offered.options, phone);
    let (writes, created) =
        start(s, msn, choice, &offered.options, now, public).map_err(|refused| match refused {
            Refused::Shopper(e) => shopper_refused(e),
            Refused::Payment(e) => e.into(),
        })?;
    let (approved, declined) = match created.payment.approve(phone, now)? {
        Approval::Approved(t) => (t, None),
        Approval::Declined(t, why) => (t, Some(why)),
    };
    // One new row in its final state, with both events.
    let mut both = approved;
    let mut events = created.events;
    events.append(&mut both.events);
    both.events = events;
    let mut writes = writes;
    writes.extend(persist_new(&both));
    Ok((writes, both.payment, declined))
}

/// Why the shopper could not go on to pay.
pub enum Refused {
    /// The session is over, or the form has errors.
    Shopper(SessionError),
    /// The payment could not be created.
    Payment(vipps_domain::epayment::PaymentError),
}

/// The shopper proceeds with `choice` among `offered`: the session's write
/// and the new payment carrying the session (its row not yet written).
fn start(
    s: &Stored<Session>,
    msn: &Msn,
    choice: ShopperChoice,
    offered: &[ShippingOption],
    now: Millis,
    public: &str,
) -> Result<(WriteSet, PaymentTransition), Refused> {
    let session = &s.payment;
    let shopper = session
        .check_choice(choice, offered)
        .map_err(|errors| Refused::Shopper(SessionError::Invalid(errors)))?;
    let proceeded = session.proceed(shopper, now).map_err(Refused::Shopper)?;
    let new = proceeded
        .session
        .new_payment()
        .expect("a session that proceeded has its payment amount");
    let mut created = new
        .create(msn, new_psp_reference(), random_hex(16), now)
        .map_err(Refused::Payment)?;
    created.payment.redirect_url = redirect_url(public, &created.payment);
    created.payment.checkout = Some(Box::new(proceeded.session.clone()));
    Ok((update_session(&proceeded.session, s.version), created))
}

/// The shopper pressed Pay on the hosted page: the session's payment is
/// created (state CREATED) and the shopper goes on to its landing page.
pub async fn start_payment(
    st: &AppState,
    msn: &Msn,
    reference: &str,
    choice: ShopperChoice,
    offered: &[ShippingOption],
) -> Result<Payment, Refused> {
    let public = st.cfg.public_url.clone();
    let outcome = transact::<Checkout, ApiProblem, _>(st, msn, reference, |cur, now| {
        let Some(s) = cur else {
            return Ok((
                WriteSet::new(),
                Err(Refused::Shopper(SessionError::Expired)),
            ));
        };
        Ok(match start(s, msn, choice.clone(), offered, now, &public) {
            Ok((mut writes, created)) => {
                writes.extend(persist_new(&created));
                (writes, Ok(created.payment))
            }
            Err(refused) => (WriteSet::new(), Err(refused)),
        })
    })
    .await;
    match outcome {
        Ok(result) => result,
        Err(problem) => Err(Refused::Payment(vipps_domain::epayment::PaymentError::bad(
            "Could not start the payment",
            problem.detail,
        ))),
    }
}

/// Kind of the recorded calls to a session's `dynamicOptionsCallback`.
pub const KIND_CHECKOUT_LOGISTICS: &str = "checkout_logistics";
/// How long the dynamic-options callback may take before the fixed options
/// are shown.
pub const LOGISTICS_TIMEOUT: Duration = Duration::from_secs(8);

/// The shipping options for the shopper's address: the merchant's dynamic
/// ones when it has a callback and the address is known (asked now, with the
/// callback's token, recorded as a delivery), else the fixed ones.
pub async fn shipping_offer(
    st: &AppState,
    session: &Session,
    address: Option<LogisticsQuery>,
) -> Offer {
    let currency = session.currency();
    let (Some(url), Some(address)) = (session.logistics.dynamic_options_callback.as_ref(), address)
    else {
        return offer(&session.logistics, None, currency);
    };
    let body = wire::MerchantLogisticsCallbackRequestBody {
        street_address: address.street_address,
        postal_code: address.postal_code,
        region: address.region,
        country: address.country,
    };
    let x = st
        .deliverer
        .call_now(Call {
            kind: KIND_CHECKOUT_LOGISTICS,
            msn: session.msn.clone(),
            method: reqwest::Method::POST,
            url: url.clone(),
            body: Some(serde_json::to_string(&body).expect("serialises")),
            auth_header: Some(session.merchant.callback_authorization_token.clone()),
            timeout: LOGISTICS_TIMEOUT,
            event_type: format!("dynamicOptions {}", session.reference),
            order_key: format!("checkout/{}", session.reference),
        })
        .await;
    offer(&session.logistics, Some(dynamic_answer(&x)), currency)
}

/// What the dynamic-options callback's answer counts as.
fn dynamic_answer(x: &vipps_delivery::http::Exchange) -> DynamicAnswer {
    match x.status {
        0 => DynamicAnswer::Failed(format!(
            "No answer: {}",
            x.error_kind.unwrap_or("no response")
        )),
        200 => match serde_json::from_slice::<Option<Vec<wire::LogisticsOption>>>(&x.body) {
            Ok(None) => DynamicAnswer::Empty,
            Ok(Some(options)) if options.is_empty() => DynamicAnswer::Empty,
            Ok(Some(options)) => {
                DynamicAnswer::Options(options.into_iter().map(new_option).collect())
            }
            Err(e) => DynamicAnswer::Failed(format!("Unreadable answer: {e}")),
        },
        status => DynamicAnswer::Failed(format!("The callback answered HTTP {status}")),
    }
}

fn shopper_refused(e: SessionError) -> ApiProblem {
    match e {
        SessionError::Expired => ApiProblem::new(400, "Approve failed", "The session has expired"),
        SessionError::NotOpen(state) => ApiProblem::new(
            409,
            "Approve failed",
            format!("The session is {}", state.as_str()),
        ),
        SessionError::Invalid(errors) => {
            let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
            ApiProblem::new(
                400,
                "Approve failed",
                format!(
                    "The test shopper cannot complete this session: {}",
                    all.join("; ")
                ),
            )
        }
    }
}

/// The hosted page's form as the test shopper fills it: prefilled values
/// where the merchant gave them, else the sandbox's test person; the
/// default shipping option with its first pickup point; consent given.
fn test_choice(
    session: &Session,
    offered: &[vipps_domain::checkout::ShippingOption],
    phone: &str,
) -> ShopperChoice {
    let p = &session.prefill;
    let country = session.pickup_country(None);
    let option = vipps_domain::checkout::logistics::default_option(offered);
    let pickup_point_id = option.filter(|o| o.needs_pickup_point()).and_then(|o| {
        vipps_domain::checkout::logistics::pickup_points(o.brand, &country)
            .first()
            .map(|pp| pp.id.clone())
    });
    let or =
        |given: &Option<String>, test: &str| Some(given.clone().unwrap_or_else(|| test.to_owned()));
    ShopperChoice {
        first_name: or(&p.first_name, "Ola"),
        last_name: or(&p.last_name, "Nordmann"),
        email: or(&p.email, "ola.nordmann@example.com"),
        phone_number: or(&p.phone_number, phone),
        street_address: or(&p.street_address, "Robert Levins gate 5"),
        postal_code: or(&p.postal_code, "0154"),
        city: or(&p.city, "Oslo"),
        country: Some(country),
        shipping_option_id: option.map(|o| o.id.clone()),
        pickup_point_id,
        custom_consent: true,
    }
}
