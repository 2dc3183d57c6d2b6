//! Payment pages: start paying a dossier's fees, the test gateway's own checkout page, the
//! return page, the server-to-server callback (IPN) and the payment receipt.

use super::{Confirmation, confirm, signing, start, test_secret};
use crate::dossiers::policy::{DossierAction, checked, visible};
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use std::collections::BTreeMap;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::{AppError, PageResult};
use tinhso_kernel::extract::{Form, Json, Path, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::{Page, sv};

pub fn routes() -> Routes {
    Routes::new("onestop")
        .post("/dossiers/{id}/pay", Access::Entity("dossier"), pay)
        .get(
            "/dossiers/{id}/payments/{payment}/receipt.pdf",
            Access::Entity("dossier"),
            receipt,
        )
        .get("/payments/test-gateway", Access::Public, gateway_page)
        .post("/payments/test-gateway", Access::Public, gateway_decide)
        .get("/payments/return", Access::Public, return_page)
        .get("/api/v1/payments/test/ipn", Access::Public, ipn)
}

fn params(query: Option<String>) -> BTreeMap<String, String> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

async fn pay(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let user = page.require_user()?.clone();
    checked(&state, &page.principal(), &id, DossierAction::Pay).await?;
    let url = start(&state, &user.id, &id, &ip).await?;
    Ok(Redirect::to(&url).into_response())
}

fn bad_request() -> AppError {
    AppError::BadRequest("Yêu cầu thanh toán không hợp lệ (sai chữ ký).".into())
}

/// The test gateway's checkout: what a bank page would show, with pay and cancel.
async fn gateway_page(
    page: Page,
    State(state): State<Ctx>,
    RawQuery(query): RawQuery,
) -> PageResult<Response> {
    let p = params(query.clone());
    if !signing::verify(&p, &test_secret(&state)) {
        return Err(bad_request().into());
    }
    let amount: i64 = p
        .get("vnp_Amount")
        .and_then(|a| a.parse().ok())
        .unwrap_or(0)
        / 100;
    Ok(page
        .render(
            "payment_gateway.html",
            context! { amount => amount, info => p.get("vnp_OrderInfo").cloned(), request => query.unwrap_or_default() },
        )?
        .into_response())
}

#[derive(Deserialize)]
struct Decision {
    request: String,
    outcome: String,
}

/// The citizen paid or cancelled at the gateway: the gateway calls back (IPN), then sends the
/// browser to the merchant's return URL, both with signed parameters.
async fn gateway_decide(
    State(state): State<Ctx>,
    Form(decision): Form<Decision>,
) -> PageResult<Response> {
    let request = params(Some(decision.request));
    let secret = test_secret(&state);
    if !signing::verify(&request, &secret) {
        return Err(bad_request().into());
    }
    let paid = decision.outcome == "pay";
    let mut callback: BTreeMap<String, String> =
        ["vnp_Amount", "vnp_TxnRef", "vnp_OrderInfo", "vnp_TmnCode"]
            .iter()
            .filter_map(|k| request.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect();
    callback.insert(
        "vnp_ResponseCode".into(),
        if paid { "00" } else { "24" }.into(),
    );
    callback.insert(
        "vnp_TransactionStatus".into(),
        if paid { "00" } else { "02" }.into(),
    );
    callback.insert(
        "vnp_TransactionNo".into(),
        format!(
            "{}",
            tinhso_kernel::time::now().timestamp_micros() % 100_000_000
        ),
    );
    callback.insert("vnp_BankCode".into(), "NCB".into());
    callback.insert(
        "vnp_PayDate".into(),
        (tinhso_kernel::time::now() + chrono::Duration::hours(7))
            .format("%Y%m%d%H%M%S")
            .to_string(),
    );
    let query = signing::signed_query(callback, &secret);
    // The server-to-server notification comes first, as with the real gateway.
    confirm(&state, &params(Some(query.clone()))).await?;
    let return_url = request
        .get("vnp_ReturnUrl")
        .cloned()
        .unwrap_or_else(|| "/payments/return".into());
    let path = return_url
        .find("/payments/return")
        .map(|i| &return_url[i..])
        .unwrap_or("/payments/return");
    Ok(tinhso_kernel::web::redirect_local(&format!("{path}?{query}")).into_response())
}

async fn return_page(
    State(state): State<Ctx>,
    page: Page,
    RawQuery(query): RawQuery,
) -> PageResult<Response> {
    let (result, dossier) = confirm(&state, &params(query)).await?;
    match (result, dossier) {
        (Confirmation::Confirmed | Confirmation::AlreadyConfirmed, Some(id)) => {
            Ok(Redirect::to(&format!("/dossiers/{id}?paid=1")).into_response())
        }
        (Confirmation::Failed, Some(id)) => {
            Ok(Redirect::to(&format!("/dossiers/{id}?payment=failed")).into_response())
        }
        _ => {
            let _ = page;
            Err(bad_request().into())
        }
    }
}

/// The gateway's server-to-server callback, answered in its own format.
pub async fn ipn(State(state): State<Ctx>, RawQuery(query): RawQuery) -> Json<serde_json::Value> {
    let answer = match confirm(&state, &params(query)).await {
        Ok((result, _)) => result,
        Err(e) => {
            tracing::error!(error = %e, "payment callback failed");
            return Json(serde_json::json!({ "RspCode": "99", "Message": "Unknown error" }));
        }
    };
    let message = match answer {
        Confirmation::Confirmed | Confirmation::Failed => "Confirm Success",
        Confirmation::AlreadyConfirmed => "Order already confirmed",
        Confirmation::UnknownOrder => "Order not found",
        Confirmation::WrongAmount => "Invalid amount",
        Confirmation::BadSignature => "Invalid signature",
    };
    Json(serde_json::json!({ "RspCode": answer.code(), "Message": message }))
}

#[derive(Deserialize, Default)]
struct NoQuery {}

async fn receipt(
    State(state): State<Ctx>,
    page: Page,
    Path((id, payment_id)): Path<(String, String)>,
    Query(_): Query<NoQuery>,
) -> PageResult<Response> {
    page.require_user()?;
    let d = visible(&state, &page.principal(), &id).await?;
    let payment = super::of_dossier(&state, &d.id)
        .await?
        .into_iter()
        .find(|p| p.id == payment_id && p.status == "paid")
        .ok_or(AppError::NotFound)?;
    use tinhso_documents::{Block, FormDocument, Qr};
    let code = d.code.map(|c| c.to_string()).unwrap_or_default();
    let doc = FormDocument {
        form_number: "Biên lai điện tử".into(),
        issuer_parent: String::new(),
        issuer: d.agency_name.clone(),
        reference: format!("Mã hồ sơ: {code}"),
        place_date: payment
            .paid_at
            .as_deref()
            .map(tinhso_kernel::time::display)
            .unwrap_or_default(),
        title: "BIÊN LAI THU PHÍ, LỆ PHÍ".into(),
        blocks: vec![
            Block::Field {
                label: "Người nộp".into(),
                value: d.applicant_name.clone(),
            },
            Block::Field {
                label: "Thủ tục".into(),
                value: d.procedure_name.clone(),
            },
            Block::Field {
                label: "Số tiền".into(),
                value: tinhso_kernel::web::format::amount_on_paper(payment.amount_vnd),
            },
            Block::Field {
                label: "Hình thức".into(),
                value: "Thanh toán trực tuyến (cổng thanh toán thử nghiệm)".into(),
            },
            Block::Field {
                label: "Mã giao dịch".into(),
                value: format!(
                    "{} / {}",
                    payment.txn_ref,
                    payment.provider_txn.clone().unwrap_or_default()
                ),
            },
        ],
        signer: None,
        qr: Some(Qr {
            url: crate::dossiers::citizen::tracking_url(&state, &code),
            caption: "Tra cứu hồ sơ".into(),
        }),
    };
    let pdf = tinhso_documents::form_pdf(&doc)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("receipt: {e}")))?;
    let _ = sv(());
    Ok(tinhso_kernel::web::download(
        "application/pdf",
        &format!("bien-lai-{code}.pdf"),
        pdf,
    ))
}
