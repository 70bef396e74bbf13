//! Checkout sessions: created and read here; paid through an ePayment
//! payment that carries the session from the moment the shopper proceeds
//! (docs/compatibility.md#checkout-v3-sessions). From then on every change
//! of that payment moves the session along inside the same write
//! (`epayment::Payment::checkout`), and the payment's persist owes the
//! session callback when the session ends ([`enqueue_callback`]).

use vipps_domain::{
    checkout::{logistics::offer, NewSession, Session, SessionError, SessionView, ShopperChoice},
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

use super::{problem::CheckoutProblem, render::session_json};
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
    let shopper = session
        .check_choice(choice, &offered.options)
        .map_err(|errors| shopper_refused(SessionError::Invalid(errors)))?;
    let proceeded = session.proceed(shopper, now).map_err(shopper_refused)?;
    let new = proceeded
        .session
        .new_payment()
        .expect("a session that proceeded has its payment amount");
    let mut created = new.create(msn, new_psp_reference(), random_hex(16), now)?;
    created.payment.redirect_url = redirect_url(public, &created.payment);
    created.payment.checkout = Some(Box::new(proceeded.session.clone()));
    let (approved, declined) = match created.payment.approve(phone, now)? {
        Approval::Approved(t) => (t, None),
        Approval::Declined(t, why) => (t, Some(why)),
    };
    let mut both = approved;
    let mut events = created.events;
    events.append(&mut both.events);
    both.events = events;
    let mut writes = update_session(&proceeded.session, s.version);
    writes.extend(persist_new(&both));
    Ok((writes, both.payment, declined))
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
