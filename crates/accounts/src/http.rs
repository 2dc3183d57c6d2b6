//! Pages for registering, signing in and managing one's own account.

use super::{LoginOutcome, Registration};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use minijinja::context;
use serde::Deserialize;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::session::{self, Auth, SESSION_COOKIE};
use tinhso_kernel::error::{AppError, PageResult};
use tinhso_kernel::extract::{Form, Path, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::confirm::{self, Confirmation};
use tinhso_kernel::web::sv;
use tinhso_kernel::web::{Page, form_errors, form_errors_in};

pub fn routes() -> Routes {
    Routes::new("accounts")
        .get("/register", Access::Public, register_form)
        .post("/register", Access::Public, register)
        .get("/register/done", Access::Public, register_done)
        .get("/verify-email", Access::Public, verify_email)
        .get("/login", Access::Public, login_form)
        .post("/login", Access::Public, login)
        .get("/login/totp", Access::Public, totp_form)
        .post("/login/totp", Access::Public, totp_submit)
        .get("/login/oidc", Access::Public, oidc_start)
        .get("/login/oidc/callback", Access::Public, oidc_callback)
        .post("/logout", Access::SignedIn, logout)
        .get("/forgot-password", Access::Public, forgot_form)
        .post("/forgot-password", Access::Public, forgot)
        .get("/reset-password", Access::Public, reset_form)
        .post("/reset-password", Access::Public, reset)
        .get("/account", Access::SignedIn, account)
        .post("/account/password", Access::SignedIn, change_password)
        .post("/account/profile", Access::SignedIn, super::profile::save)
        .post("/account/totp/start", Access::SignedIn, totp_start)
        .post("/account/totp/confirm", Access::SignedIn, totp_confirm)
        .post("/account/tokens", Access::SignedIn, create_token)
        .post(
            "/account/tokens/{id}/revoke",
            Access::SignedIn,
            revoke_token,
        )
        .get("/lang/{code}", Access::Public, switch_lang)
}

/// The fields of each account form from top to bottom, which its error summary follows.
fn field_order(template: &str) -> &'static [&'static str] {
    match template {
        "register.html" => &[
            "kind",
            "full_name",
            "email",
            "phone",
            "citizen_id",
            "tax_code",
            "password",
            "password_confirm",
        ],
        "login.html" => &["identifier", "password"],
        "reset.html" => &["token", "password", "password_confirm"],
        _ => &[],
    }
}

/// The account page's forms (contact details, password, two-step code, tokens), top to bottom.
const ACCOUNT_ORDER: [&str; 9] = [
    "phone",
    "address",
    "admin_unit_code",
    "code",
    "current_password",
    "password",
    "password_confirm",
    "name",
    "token",
];

/// Renders a form again with the person's input and the errors, status 422, so nothing typed
/// is lost (passwords excepted).
fn form_again(
    page: &Page,
    template: &str,
    form: minijinja::Value,
    err: AppError,
) -> PageResult<Response> {
    match err {
        AppError::Validation(errors) => {
            let html = page.render(
                template,
                context! { form => form, errors => form_errors_in(&errors, field_order(template)) },
            )?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        other => Err(other.into()),
    }
}

async fn register_form(page: Page) -> PageResult<impl IntoResponse> {
    page.render(
        "register.html",
        context! { form => context!{ kind => "citizen" } },
    )
}

async fn register(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(form): Form<Registration>,
) -> PageResult<Response> {
    let mut shown = form.clone();
    shown.password.clear();
    shown.password_confirm.clear();
    match super::register(&state, &form, &ip).await {
        Ok(_) => Ok(Redirect::to("/register/done").into_response()),
        Err(e) => form_again(&page, "register.html", sv(&shown), e),
    }
}

async fn register_done(page: Page) -> PageResult<impl IntoResponse> {
    page.render("message.html", context! { title => page.tr("register_done_title"), message => page.tr("register_done_text") })
}

#[derive(Deserialize)]
struct TokenQuery {
    token: String,
}

async fn verify_email(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Query(q): Query<TokenQuery>,
) -> PageResult<impl IntoResponse> {
    super::verify_email(&state, &q.token, &ip).await?;
    page.render("message.html", context! { title => page.tr("verified_title"), message => page.tr("verified_text"), link => "/login", link_text => page.tr("sign_in") })
}

/// Where a person goes after signing in, when sign-in interrupted them: kept in a short-lived
/// cookie so that it survives the one-time-code step, single sign-on and registration.
const RETURN_COOKIE: &str = "after_sign_in";

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

async fn login_form(
    State(state): State<Ctx>,
    page: Page,
    jar: CookieJar,
    Query(q): Query<LoginQuery>,
) -> PageResult<Response> {
    let wanted = q.next.as_deref().and_then(tinhso_kernel::web::local_target);
    let reason = wanted.map(|next| page.tr(sign_in_reason(next)));
    let html = page.render(
        "login.html",
        context! { form => context!{}, oidc => oidc_name(&state), reason },
    )?;
    let jar = match wanted {
        Some(next) => jar.add(
            Cookie::build((RETURN_COOKIE, next.to_owned()))
                .path("/")
                .http_only(true)
                .secure(state.config.secure_cookies)
                .same_site(axum_extra::extract::cookie::SameSite::Lax)
                .max_age(time::Duration::minutes(30)),
        ),
        None => jar,
    };
    Ok((jar, html).into_response())
}

/// Why the page the person wanted needs an account, in words they recognise.
fn sign_in_reason(next: &str) -> &'static str {
    let path = next.split('?').next().unwrap_or(next);
    if path.starts_with("/procedures/") && path.ends_with("/apply") {
        "sign_in_reason_apply"
    } else if path.starts_with("/dossiers") || path.starts_with("/linked") {
        "sign_in_reason_dossiers"
    } else if path.starts_with("/office") || path.starts_with("/admin") {
        "sign_in_reason_office"
    } else {
        "sign_in_reason_default"
    }
}

/// Where to send a person who has just finished signing in: back to the page sign-in
/// interrupted (checked again: the cookie comes from the browser), else their home page.
fn after_sign_in(jar: CookieJar, user: &tinhso_kernel::auth::User) -> (CookieJar, Redirect) {
    let target = jar
        .get(RETURN_COOKIE)
        .and_then(|c| tinhso_kernel::web::local_target(c.value()).map(str::to_owned))
        .filter(|next| !next.starts_with("/login"))
        .unwrap_or_else(|| home_for(user).to_owned());
    let jar = jar.remove(Cookie::build(RETURN_COOKIE).path("/"));
    (jar, Redirect::to(&target))
}

fn oidc_name(state: &Ctx) -> Option<String> {
    state.config.oidc.as_ref().map(|o| o.display_name.clone())
}

async fn oidc_start(State(state): State<Ctx>) -> PageResult<Response> {
    let config = state.config.oidc.clone().ok_or(AppError::NotFound)?;
    let url = super::oidc::start(&state, &config).await?;
    Ok(Redirect::to(&url).into_response())
}

#[derive(Deserialize)]
struct OidcCallback {
    code: Option<String>,
    state: Option<String>,
    error_description: Option<String>,
}

async fn oidc_callback(
    State(state): State<Ctx>,
    jar: CookieJar,
    ClientIp(ip): ClientIp,
    Query(q): Query<OidcCallback>,
) -> PageResult<Response> {
    let config = state.config.oidc.clone().ok_or(AppError::NotFound)?;
    let (Some(code), Some(returned_state)) = (q.code, q.state) else {
        let reason = q
            .error_description
            .unwrap_or_else(|| "đăng nhập bị hủy".into());
        return Err(
            AppError::BadRequest(format!("Đăng nhập một lần không thành công: {reason}.")).into(),
        );
    };
    let user = super::oidc::finish(&state, &config, &code, &returned_state, &ip).await?;
    let pending = user.totp_enabled;
    start_session(&state, jar, &user, pending, &ip).await
}

#[derive(Deserialize, serde::Serialize)]
struct LoginForm {
    identifier: String,
    password: String,
}

async fn login(
    State(state): State<Ctx>,
    page: Page,
    jar: CookieJar,
    ClientIp(ip): ClientIp,
    Form(form): Form<LoginForm>,
) -> PageResult<Response> {
    let outcome = super::login(&state, &form.identifier, &form.password, &ip).await;
    let shown = context! { identifier => form.identifier };
    let (user, pending) = match outcome {
        Ok(LoginOutcome::Done(user)) => (user, false),
        Ok(LoginOutcome::NeedsSecondFactor(user)) => (user, true),
        Err(e) => return form_again(&page, "login.html", shown, e),
    };
    start_session(&state, jar, &user, pending, &ip).await
}

/// Replaces any session the browser had (no fixation) and sends the person on: to the
/// one-time-code page when a second factor is still due, else to their home page.
async fn start_session(
    state: &Ctx,
    jar: CookieJar,
    user: &tinhso_kernel::auth::User,
    second_factor_pending: bool,
    ip: &str,
) -> PageResult<Response> {
    if let Some(old) = jar.get(SESSION_COOKIE) {
        session::destroy(&state.db, old.value()).await?;
    }
    let new = session::create(
        &state.db,
        &user.id,
        second_factor_pending,
        ip,
        state.config.secure_cookies,
    )
    .await?;
    let jar = jar.add(new.cookie);
    if second_factor_pending {
        return Ok((jar, Redirect::to("/login/totp")).into_response());
    }
    Ok(after_sign_in(jar, user).into_response())
}

pub fn home_for(user: &tinhso_kernel::auth::User) -> &'static str {
    if user.is_official() {
        "/office"
    } else {
        // Citizens and businesses come for their applications, not their settings.
        "/dossiers"
    }
}

async fn totp_form(page: Page) -> PageResult<impl IntoResponse> {
    page.render("login_totp.html", context! {})
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
}

async fn totp_submit(
    State(state): State<Ctx>,
    page: Page,
    auth: Auth,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> PageResult<Response> {
    let Some(session) = auth.session.filter(|s| s.second_factor_pending) else {
        return Ok(Redirect::to("/login").into_response());
    };
    if let Err(e) = super::check_totp(&state, &session.user.id, &form.code).await {
        return form_again(&page, "login_totp.html", context! {}, e);
    }
    session::mark_second_factor_done(&state.db, &session.token).await?;
    Ok(after_sign_in(jar, &session.user).into_response())
}

async fn logout(State(state): State<Ctx>, jar: CookieJar) -> PageResult<Response> {
    if let Some(c) = jar.get(SESSION_COOKIE) {
        session::destroy(&state.db, c.value()).await?;
    }
    Ok((
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        Redirect::to("/"),
    )
        .into_response())
}

async fn forgot_form(page: Page) -> PageResult<impl IntoResponse> {
    page.render("forgot.html", context! {})
}

#[derive(Deserialize)]
struct ForgotForm {
    email: String,
}

async fn forgot(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(form): Form<ForgotForm>,
) -> PageResult<impl IntoResponse> {
    super::request_reset(&state, &form.email, &ip).await?;
    page.render(
        "message.html",
        context! { title => page.tr("forgot_sent_title"), message => page.tr("forgot_sent_text") },
    )
}

async fn reset_form(page: Page, Query(q): Query<TokenQuery>) -> PageResult<impl IntoResponse> {
    page.render("reset.html", context! { token => q.token })
}

#[derive(Deserialize)]
struct ResetForm {
    token: String,
    password: String,
    password_confirm: String,
}

async fn reset(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(form): Form<ResetForm>,
) -> PageResult<Response> {
    match super::reset_password(&state, &form.token, &form.password, &form.password_confirm, &ip).await {
        Ok(()) => Ok(page
            .render("message.html", context! { title => page.tr("reset_done_title"), message => page.tr("reset_done_text"), link => "/login", link_text => page.tr("sign_in") })?
            .into_response()),
        Err(e) => form_again(&page, "reset.html", context! { token => form.token }, e),
    }
}

async fn account_page(state: &Ctx, page: &Page, extra: minijinja::Value) -> PageResult<Response> {
    let user = page.require_user()?;
    let pending_secret = super::pending_totp_secret(state, user).await?;
    let totp = match pending_secret {
        Some(secret) if !user.totp_enabled => {
            let account = user.email.clone().unwrap_or_else(|| user.id.clone());
            let url = tinhso_kernel::auth::totp::provisioning_url(&secret, &account)?;
            Some(context! { secret => secret, qr => qr_svg(&url) })
        }
        _ => None,
    };
    let tokens = tinhso_kernel::tokens::list(&state.db, &user.id).await?;
    let agency = match &user.agency_id {
        Some(id) => tinhso_directory::store::by_id(&state.db, id).await?,
        None => None,
    };
    let profile = super::profile::load(&state.db, &user.id).await?;
    let units = super::profile::home_units(&state.db).await?;
    let html = page.render(
        "account.html",
        context! { ..extra, ..context! { totp => totp, tokens => sv(&tokens), agency => sv(&agency), scopes => tinhso_kernel::auth::authz::grantable_scopes(user), must_enrol => user.needs_totp_enrolment(),
            profile => sv(&profile), units => sv(&units) } },
    )?;
    Ok(html.into_response())
}

/// The account page again with the contact form as typed and its errors (422).
pub(super) async fn profile_again(
    state: &Ctx,
    page: &Page,
    form: &super::profile::ProfileForm,
    mut errors: Vec<tinhso_kernel::error::FieldError>,
) -> PageResult<Response> {
    tinhso_kernel::web::order_errors(&mut errors, &super::profile::FORM_ORDER);
    let extra = context! { errors => form_errors(&errors), profile_form => sv(form) };
    let mut resp = account_page(state, page, extra).await?;
    *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

pub fn qr_svg(data: &str) -> String {
    qrcode::QrCode::new(data.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color>()
                .min_dimensions(180, 180)
                .build()
        })
        .unwrap_or_default()
}

async fn account(State(state): State<Ctx>, page: Page) -> PageResult<Response> {
    account_page(&state, &page, context! {}).await
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    password: String,
    password_confirm: String,
}

async fn change_password(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(form): Form<PasswordForm>,
) -> PageResult<Response> {
    let user = page.require_user()?.clone();
    match super::change_password(
        &state,
        &user,
        &form.current_password,
        &form.password,
        &form.password_confirm,
        &ip,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/login?changed=1").into_response()),
        Err(AppError::Validation(errors)) => {
            let extra = context! { errors => form_errors_in(&errors, &ACCOUNT_ORDER) };
            let mut resp = account_page(&state, &page, extra).await?;
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}

async fn totp_start(State(state): State<Ctx>, page: Page) -> PageResult<Response> {
    let user = page.require_user()?;
    if !user.totp_enabled {
        super::begin_totp(&state, user).await?;
    }
    Ok(Redirect::to("/account#totp").into_response())
}

async fn totp_confirm(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(form): Form<CodeForm>,
) -> PageResult<Response> {
    let user = page.require_user()?.clone();
    match super::confirm_totp(&state, &user, &form.code, &ip).await {
        Ok(()) => Ok(Redirect::to("/account?totp=on").into_response()),
        Err(AppError::Validation(errors)) => {
            let mut resp = account_page(
                &state,
                &page,
                context! { errors => form_errors_in(&errors, &ACCOUNT_ORDER) },
            )
            .await?;
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
    #[serde(default)]
    scope: Vec<String>,
}

async fn create_token(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    axum_extra::extract::Form(form): axum_extra::extract::Form<TokenForm>,
) -> PageResult<Response> {
    let user = page.require_user()?.clone();
    let name = form.name.trim();
    let grantable = tinhso_kernel::auth::authz::grantable_scopes(&user);
    let scopes = form.scope;
    let problem = if name.is_empty() || scopes.is_empty() {
        Some(page.tr("token_needs_name_and_scope"))
    } else if scopes.iter().any(|s| !grantable.contains(&s.as_str())) {
        Some(page.tr("token_scope_not_yours"))
    } else if name.chars().count() > 100 {
        Some(page.tr("token_name_too_long"))
    } else {
        None
    };
    if let Some(problem) = problem {
        let errors = vec![tinhso_kernel::error::FieldError::new("token", problem)];
        let mut resp = account_page(
            &state,
            &page,
            context! { errors => form_errors_in(&errors, &ACCOUNT_ORDER) },
        )
        .await?;
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(resp);
    }
    let mut tx = state.db.begin().await?;
    let (secret, id) =
        tinhso_kernel::tokens::create(&state.db, &mut tx, &user.id, name, &scopes).await?;
    let actor = Actor {
        label: format!("user:{}", user.id),
        ip,
    };
    tinhso_kernel::audit::record(
        &state.db,
        &mut tx,
        &actor,
        tinhso_kernel::audit::Change {
            action: "api_token.create",
            entity_type: "api_token",
            entity_id: &id,
            before: serde_json::Value::Null,
            after: serde_json::json!({"name": name, "scopes": scopes}),
        },
    )
    .await?;
    tx.commit().await?;
    account_page(&state, &page, context! { new_token => secret }).await
}

#[derive(Deserialize, Default)]
struct ConfirmForm {
    confirm: Option<String>,
}

async fn revoke_token(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> PageResult<Response> {
    let user = page.require_user()?.clone();
    if !confirm::given(form.confirm.as_deref()) {
        // Only one's own live tokens: another person's id is "not found", as below.
        let token = tinhso_kernel::tokens::list(&state.db, &user.id)
            .await?
            .into_iter()
            .find(|t| t.id == id && t.revoked_at.is_none())
            .ok_or(AppError::NotFound)?;
        return Confirmation::new(
            "token_revoke",
            format!("/account/tokens/{id}/revoke"),
            "/account#tokens",
        )
        .fact("token_name", token.name)
        .fact("scopes", token.scopes.join(", "))
        .render(&page);
    }
    let mut tx = state.db.begin().await?;
    if !tinhso_kernel::tokens::revoke(&mut tx, &user.id, &id).await? {
        return Err(AppError::NotFound.into());
    }
    let actor = Actor {
        label: format!("user:{}", user.id),
        ip,
    };
    tinhso_kernel::audit::record(
        &state.db,
        &mut tx,
        &actor,
        tinhso_kernel::audit::Change {
            action: "api_token.revoke",
            entity_type: "api_token",
            entity_id: &id,
            before: serde_json::Value::Null,
            after: serde_json::Value::Null,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/account#tokens").into_response())
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn switch_lang(
    Path(code): Path<String>,
    Query(q): Query<NextQuery>,
    jar: CookieJar,
) -> Response {
    let lang = if code == "en" { "en" } else { "vi" };
    // Only local paths, so the switch cannot be used as an open redirect.
    let next = tinhso_kernel::web::redirect_local(q.next.as_deref().unwrap_or("/"));
    let cookie = Cookie::build(("lang", lang))
        .path("/")
        .max_age(time::Duration::days(365))
        .build();
    (jar.add(cookie), next).into_response()
}
