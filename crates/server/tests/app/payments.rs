//! Fees through the test payment gateway (VNPAY protocol) on both databases: the redirect,
//! the signed callback checked for signature, amount and reference, applied once.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, text};
use serde_json::{Value, json};
use std::collections::BTreeMap;

on_both_databases!(a_fee_is_paid_once_through_the_signed_callback);

async fn a_fee_is_paid_once_through_the_signed_callback(app: TestApp) {
    // A dossier with an 8,000 đ fee (copy of a civil-status extract).
    let token = app.token("congdan@tinhso.local", &["dossiers"]).await;
    let body = json!({"procedure": "2.000635", "agency": "000.00.60.H56", "answers": {
        "ho_ten": "Nguyễn Văn An", "cccd": "038090000111", "dia_chi": "Phường Hạc Thành",
        "loai_trich_luc": "Khai sinh", "so_ban": "1"}});
    let req = Request::post("/api/v1/dossiers")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", "fee-1")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, created) = text(app.send(req).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = serde_json::from_str::<Value>(&created).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    app.login("congdan@tinhso.local", "TinhSo@2026").await;
    let page = format!("/dossiers/{id}");
    let (status, _, checkout) = app
        .post_form(&page, &format!("/dossiers/{id}/pay"), &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let checkout = checkout.unwrap();
    assert!(checkout.starts_with("/payments/test-gateway?"));
    let (status, html) = app.get(&checkout).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("8.000 đ"),
        "the amount grouped the Vietnamese way"
    );
    let request: BTreeMap<String, String> =
        form_urlencoded::parse(checkout.split_once('?').unwrap().1.as_bytes())
            .into_owned()
            .collect();
    assert_eq!(
        request["vnp_Amount"], "800000",
        "amounts travel in hundredths of a đồng"
    );

    // A forged callback: wrong signature, then a signed one with the wrong amount.
    let mut forged = request.clone();
    forged.insert("vnp_ResponseCode".into(), "00".into());
    forged.insert("vnp_TransactionStatus".into(), "00".into());
    let q = serde_urlencoded::to_string(&forged).unwrap();
    let (_, answer) = app
        .api("GET", &format!("/api/v1/payments/test/ipn?{q}"), None, None)
        .await;
    assert_eq!(answer["RspCode"], "97");
    let secret = tinhso::payments::test_secret(&app.state);
    let mut cheap = forged.clone();
    cheap.remove("vnp_SecureHash");
    cheap.insert("vnp_Amount".into(), "100".into());
    let q = tinhso::payments::signing::signed_query(cheap, &secret);
    let (_, answer) = app
        .api("GET", &format!("/api/v1/payments/test/ipn?{q}"), None, None)
        .await;
    assert_eq!(answer["RspCode"], "04");
    let mut unknown = forged.clone();
    unknown.remove("vnp_SecureHash");
    unknown.insert("vnp_TxnRef".into(), "nope".into());
    let q = tinhso::payments::signing::signed_query(unknown, &secret);
    let (_, answer) = app
        .api("GET", &format!("/api/v1/payments/test/ipn?{q}"), None, None)
        .await;
    assert_eq!(answer["RspCode"], "01");
    assert_eq!(
        app.count("SELECT fee_paid FROM dossiers").await,
        0,
        "nothing paid by forged callbacks"
    );

    // The citizen pays at the gateway: callback applied, browser sent back.
    let (status, _, back) = app
        .post_form(
            &checkout,
            "/payments/test-gateway",
            &[
                ("request", checkout.split_once('?').unwrap().1),
                ("outcome", "pay"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let back = back.unwrap();
    assert!(back.starts_with("/payments/return?"));
    let resp = app
        .send(Request::get(&back).body(Body::empty()).unwrap())
        .await;
    assert_eq!(
        resp.headers()[header::LOCATION],
        format!("/dossiers/{id}?paid=1")
    );
    // The provider repeats its callback: acknowledged, not counted twice.
    let (_, answer) = app
        .api(
            "GET",
            &format!(
                "/api/v1/payments/test/ipn?{}",
                back.split_once('?').unwrap().1
            ),
            None,
            None,
        )
        .await;
    assert_eq!(answer["RspCode"], "02");
    assert_eq!(app.count("SELECT fee_paid FROM dossiers").await, 8000);
    let (_, html) = app.get(&format!("/dossiers/{id}?paid=1")).await;
    assert!(html.contains("Đã thanh toán thành công") && html.contains("8.000 đ"));
    assert!(
        !html.contains(&format!("/dossiers/{id}/pay\"")),
        "nothing left to pay"
    );
    let start = html.find("/payments/").unwrap();
    let receipt = &html[html[..start].rfind("href=\"").unwrap() + 6..];
    let receipt = &receipt[..receipt.find('"').unwrap()];
    let resp = app
        .send(Request::get(receipt).body(Body::empty()).unwrap())
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'payment.paid'")
            .await,
        1
    );
    let (status, _, _) = app
        .post_form(&page, &format!("/dossiers/{id}/pay"), &[])
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "paying again is refused");
}
