//! Accounts: citizens and businesses who register themselves, officials created by an
//! administrator of their agency, and everything about signing in.

pub mod admin;
pub mod api;
pub mod demo;
pub mod http;
pub mod oidc;
pub mod policy;
pub mod profile;
pub mod store;

use chrono::Duration;
use serde::Deserialize;
use tinhso_domain::identity;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::auth::{
    Role, User, UserKind, password, random_token, throttle, token_hash, totp,
};
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::{AppError, FieldError};
use tinhso_kernel::jobs::{self, Job};
use tinhso_kernel::mail::Email;
use tinhso_kernel::web::menu::{MenuEntry, Shown};

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct Registration {
    /// `citizen` or `business`.
    pub kind: String,
    pub full_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub citizen_id: String,
    #[serde(default)]
    pub tax_code: String,
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
}

#[derive(Debug)]
struct ValidRegistration {
    kind: UserKind,
    full_name: String,
    email: Option<String>,
    phone: Option<String>,
    citizen_id: Option<String>,
    tax_code: Option<String>,
}

fn validate_registration(r: &Registration) -> Result<ValidRegistration, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = match r.kind.as_str() {
        "citizen" | "" => UserKind::Citizen,
        "business" => UserKind::Business,
        _ => {
            errors.push(FieldError::new("kind", "Loại tài khoản không hợp lệ."));
            UserKind::Citizen
        }
    };
    let full_name = tinhso_domain::text::normalize(&r.full_name);
    if full_name.is_empty() || full_name.chars().count() > 200 {
        errors.push(FieldError::new(
            "full_name",
            "Vui lòng nhập họ và tên (tối đa 200 ký tự).",
        ));
    }
    let email = optional(&r.email, identity::email, "email", &mut errors);
    let phone = optional(&r.phone, identity::phone, "phone", &mut errors);
    if r.email.trim().is_empty() && r.phone.trim().is_empty() {
        errors.push(FieldError::new(
            "email",
            "Vui lòng nhập email hoặc số điện thoại.",
        ));
    }
    let (citizen_id, tax_code) = match kind {
        UserKind::Business => (
            None,
            required(&r.tax_code, identity::tax_code, "tax_code", &mut errors),
        ),
        _ => (
            required(
                &r.citizen_id,
                identity::citizen_id,
                "citizen_id",
                &mut errors,
            ),
            None,
        ),
    };
    if let Err(e) = identity::password(&r.password) {
        errors.push(FieldError::new("password", e.to_string()));
    } else if r.password != r.password_confirm {
        errors.push(FieldError::new(
            "password_confirm",
            "Mật khẩu nhập lại không khớp.",
        ));
    }
    if errors.is_empty() {
        Ok(ValidRegistration {
            kind,
            full_name,
            email,
            phone,
            citizen_id,
            tax_code,
        })
    } else {
        Err(errors)
    }
}

fn optional(
    value: &str,
    check: fn(&str) -> Result<String, identity::IdentityError>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    if value.trim().is_empty() {
        return None;
    }
    check(value)
        .map_err(|e| errors.push(FieldError::new(field, e.to_string())))
        .ok()
}

fn required(
    value: &str,
    check: fn(&str) -> Result<String, identity::IdentityError>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    check(value)
        .map_err(|e| errors.push(FieldError::new(field, e.to_string())))
        .ok()
}

async fn email_taken(db: &Db, email: &Option<String>) -> Result<bool, AppError> {
    match email {
        Some(email) => store::email_taken(db, email).await,
        None => Ok(false),
    }
}

async fn phone_taken(db: &Db, phone: &Option<String>) -> Result<bool, AppError> {
    match phone {
        Some(phone) => store::phone_taken(db, phone).await,
        None => Ok(false),
    }
}

/// Registers a citizen or business and queues the verification email.
pub async fn register(state: &Ctx, r: &Registration, ip: &str) -> Result<String, AppError> {
    let mut errors = match validate_registration(r) {
        Ok(_) => Vec::new(),
        Err(errors) => errors,
    };
    // Duplicates are reported together with every other mistake, in one answer.
    if email_taken(&state.db, &identity::email(&r.email).ok()).await? {
        errors.retain(|e| e.field != "email");
        errors.push(FieldError::new(
            "email",
            "Email này đã được đăng ký. Hãy đăng nhập hoặc lấy lại mật khẩu.",
        ));
    }
    if phone_taken(&state.db, &identity::phone(&r.phone).ok()).await? {
        errors.retain(|e| e.field != "phone");
        errors.push(FieldError::new(
            "phone",
            "Số điện thoại này đã được đăng ký.",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let v = validate_registration(r).map_err(AppError::Validation)?;
    throttle::hit(
        &state.db,
        &format!("register:ip:{ip}"),
        throttle::EMAIL_REQUESTS,
    )
    .await?;
    let hash = password::hash(&r.password)?;
    let id = uuid::Uuid::now_v7().to_string();
    let now = tinhso_kernel::time::now_text();
    let mut tx = state.db.begin().await?;
    let user = store::NewUser {
        email: v.email.as_deref(),
        phone: v.phone.as_deref(),
        citizen_id: v.citizen_id.as_deref(),
        tax_code: v.tax_code.as_deref(),
        password_hash: Some(hash.as_str()),
        ..store::NewUser::new(&id, v.kind, &v.full_name, &now)
    };
    store::insert_user(&mut tx, &user).await?;
    let actor = Actor {
        label: format!("user:{id}"),
        ip: ip.to_owned(),
    };
    audit::record(
        &state.db,
        &mut tx,
        &actor,
        Change {
            action: "user.register",
            entity_type: "user",
            entity_id: &id,
            before: serde_json::Value::Null,
            after: serde_json::json!({"kind": v.kind.as_str(), "email": v.email, "phone": v.phone}),
        },
    )
    .await?;
    if let Some(email) = &v.email {
        send_token_email(state, &mut tx, &id, email, TokenPurpose::Verify).await?;
    }
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    Verify,
    Reset,
    /// A new official sets their first password.
    Welcome,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Verify => "verify",
            TokenPurpose::Reset => "reset",
            TokenPurpose::Welcome => "welcome",
        }
    }

    fn hours_valid(self) -> i64 {
        match self {
            TokenPurpose::Verify => 72,
            TokenPurpose::Reset => 2,
            TokenPurpose::Welcome => 168,
        }
    }
}

async fn send_token_email(
    state: &Ctx,
    tx: &mut Conn,
    user_id: &str,
    email: &str,
    purpose: TokenPurpose,
) -> Result<(), AppError> {
    let token = random_token(32);
    let expires_at = tinhso_kernel::time::to_text(
        tinhso_kernel::time::now() + Duration::hours(purpose.hours_valid()),
    );
    store::insert_email_token(
        tx,
        &token_hash(&token),
        user_id,
        purpose.as_str(),
        &expires_at,
    )
    .await?;
    let base = state.config.public_url.trim_end_matches('/');
    let (subject, body) = match purpose {
        TokenPurpose::Verify => (
            "Xác nhận email tài khoản Tỉnh Số",
            format!(
                "Chào bạn,\n\nVui lòng mở liên kết sau để xác nhận email:\n{base}/verify-email?token={token}\n\nLiên kết có hiệu lực 72 giờ. Nếu bạn không đăng ký, hãy bỏ qua thư này.\n\nTỉnh Số"
            ),
        ),
        TokenPurpose::Reset => (
            "Đặt lại mật khẩu Tỉnh Số",
            format!(
                "Chào bạn,\n\nĐể đặt lại mật khẩu, hãy mở liên kết sau (hiệu lực 2 giờ):\n{base}/reset-password?token={token}\n\nNếu bạn không yêu cầu, hãy bỏ qua thư này; mật khẩu của bạn không thay đổi.\n\nTỉnh Số"
            ),
        ),
        TokenPurpose::Welcome => (
            "Tài khoản cán bộ Tỉnh Số của bạn",
            format!(
                "Chào bạn,\n\nQuản trị viên đã tạo tài khoản cán bộ cho bạn. Hãy đặt mật khẩu tại:\n{base}/reset-password?token={token}\n\nLiên kết có hiệu lực 7 ngày.\n\nTỉnh Số"
            ),
        ),
    };
    let job = Job::SendEmail(Email {
        to: email.to_owned(),
        subject: subject.into(),
        body,
    });
    jobs::enqueue(tx, &job).await?;
    Ok(())
}

/// Consumes a one-time email token; returns its user.
async fn use_token(
    tx: &mut Conn,
    token: &str,
    purposes: &[TokenPurpose],
) -> Result<String, AppError> {
    let hash = token_hash(token);
    let invalid = || {
        AppError::BadRequest(
            "Liên kết không hợp lệ hoặc đã hết hạn. Vui lòng yêu cầu liên kết mới.".into(),
        )
    };
    let row = store::email_token(tx, &hash).await?.ok_or_else(invalid)?;
    let now = tinhso_kernel::time::now_text();
    if row.used_at.is_some()
        || row.expires_at < now
        || !purposes.iter().any(|p| p.as_str() == row.purpose)
    {
        return Err(invalid());
    }
    store::mark_email_token_used(tx, &hash, &now).await?;
    Ok(row.user_id)
}

pub async fn verify_email(state: &Ctx, token: &str, ip: &str) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let user_id = use_token(&mut tx, token, &[TokenPurpose::Verify]).await?;
    store::mark_email_verified(&mut tx, &user_id, &tinhso_kernel::time::now_text()).await?;
    audit_simple(state, &mut tx, &user_id, ip, "user.verify_email", &user_id).await?;
    tx.commit().await?;
    Ok(())
}

async fn audit_simple(
    state: &Ctx,
    tx: &mut Conn,
    actor_id: &str,
    ip: &str,
    action: &str,
    user_id: &str,
) -> Result<(), AppError> {
    let actor = Actor {
        label: format!("user:{actor_id}"),
        ip: ip.to_owned(),
    };
    let change = Change {
        action,
        entity_type: "user",
        entity_id: user_id,
        before: serde_json::Value::Null,
        after: serde_json::Value::Null,
    };
    audit::record(&state.db, tx, &actor, change).await
}

pub enum LoginOutcome {
    /// Signed in; the user has no second factor.
    Done(User),
    /// Password right; the one-time code comes next.
    NeedsSecondFactor(User),
}

/// Checks the password with throttling per account and per address. Errors never say whether
/// the account exists.
pub async fn login(
    state: &Ctx,
    identifier: &str,
    pass: &str,
    ip: &str,
) -> Result<LoginOutcome, AppError> {
    let db = &state.db;
    throttle::hit(db, &format!("login:ip:{ip}"), throttle::LOGIN_PER_ADDRESS).await?;
    let ident = identifier.trim().to_lowercase();
    let phone = identity::phone(&ident).unwrap_or_default();
    let row = store::login_row(db, &ident, &phone).await?;
    let wrong =
        || AppError::validation("password", "Email/số điện thoại hoặc mật khẩu không đúng.");
    // An unknown identifier is throttled exactly like an account, so the lockout never tells
    // which accounts exist.
    let account_key = match &row {
        Some(row) => format!("login:account:{}", row.id),
        None => format!("login:unknown:{}", token_hash(&ident)),
    };
    if throttle::is_blocked(db, &account_key, throttle::LOGIN_PER_ACCOUNT).await? {
        return Err(AppError::TooManyRequests(
            throttle::LOGIN_PER_ACCOUNT.window_minutes,
        ));
    }
    let Some(row) = row else {
        password::dummy_verify(pass);
        throttle::hit(db, &account_key, throttle::LOGIN_PER_ACCOUNT)
            .await
            .ok();
        return Err(wrong());
    };
    let password_ok = row
        .password_hash
        .as_deref()
        .is_some_and(|h| password::verify(pass, h));
    if !password_ok || row.disabled != 0 {
        throttle::hit(db, &account_key, throttle::LOGIN_PER_ACCOUNT)
            .await
            .ok();
        return Err(wrong());
    }
    if row.email.is_some() && row.email_verified_at.is_none() {
        return Err(AppError::validation(
            "identifier",
            "Email chưa được xác nhận. Vui lòng mở liên kết trong thư chúng tôi đã gửi.",
        ));
    }
    throttle::clear(db, &account_key).await?;
    let user = tinhso_kernel::auth::session::load_user(db, &row.id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    Ok(if user.totp_enabled {
        LoginOutcome::NeedsSecondFactor(user)
    } else {
        LoginOutcome::Done(user)
    })
}

/// Checks a one-time code for a user; a code is accepted once.
pub async fn check_totp(state: &Ctx, user_id: &str, code: &str) -> Result<(), AppError> {
    let key = format!("totp:account:{user_id}");
    throttle::hit(&state.db, &key, throttle::LOGIN_PER_ACCOUNT).await?;
    let store::TotpRow {
        totp_secret: stored,
        totp_last_step: last,
    } = store::totp(&state.db, user_id).await?;
    let now = tinhso_kernel::time::now().timestamp() as u64;
    let secret = match &stored {
        Some(s) => Some(totp::open(&state.keys.totp, user_id, s)?),
        None => None,
    };
    let step = secret
        .as_deref()
        .and_then(|s| totp::check(s, code, now, last))
        .ok_or_else(|| AppError::validation("code", "Mã xác thực không đúng hoặc đã được dùng."))?;
    // A secret stored before sealing existed is sealed now, on its first use.
    let resealed = match (&stored, &secret) {
        (Some(s), Some(plain)) if !totp::is_sealed(s) => {
            totp::seal(&state.keys.totp, user_id, plain)
        }
        (Some(s), _) => s.clone(),
        (None, _) => String::new(),
    };
    // Only the newer step wins, so two nodes cannot both accept the same code.
    if !store::advance_totp_step(&state.db, user_id, step, &resealed).await? {
        return Err(AppError::validation(
            "code",
            "Mã xác thực không đúng hoặc đã được dùng.",
        ));
    }
    throttle::clear(&state.db, &key).await?;
    Ok(())
}

/// Starts TOTP enrolment: stores a new secret (not yet enabled) and returns it.
pub async fn begin_totp(state: &Ctx, user: &User) -> Result<String, AppError> {
    let secret = totp::new_secret();
    let sealed = totp::seal(&state.keys.totp, &user.id, &secret);
    store::begin_totp(&state.db, &user.id, &sealed).await?;
    Ok(secret)
}

pub async fn pending_totp_secret(state: &Ctx, user: &User) -> Result<Option<String>, AppError> {
    Ok(
        match store::pending_totp_secret(&state.db, &user.id).await? {
            Some(s) => Some(totp::open(&state.keys.totp, &user.id, &s)?),
            None => None,
        },
    )
}

/// Seals every TOTP secret still stored in plain text (rows from before sealing existed).
/// Run at start-up; returns how many were sealed. A row changed meanwhile is left for its next
/// use, which seals it too.
pub async fn seal_plain_totp_secrets(db: &Db, key: &[u8; 32]) -> anyhow::Result<u64> {
    let mut sealed = 0;
    for row in store::plain_totp_secrets(db).await? {
        let (id, plain) = (row.id, row.totp_secret);
        sealed += store::replace_plain_totp_secret(db, &id, &plain, &totp::seal(key, &id, &plain))
            .await?;
    }
    if sealed > 0 {
        tracing::info!(count = sealed, "sealed TOTP secrets stored in plain text");
    }
    Ok(sealed)
}

/// Enables TOTP once the user proves their app shows the right code.
pub async fn confirm_totp(state: &Ctx, user: &User, code: &str, ip: &str) -> Result<(), AppError> {
    check_totp(state, &user.id, code).await?;
    let mut tx = state.db.begin().await?;
    store::enable_totp(&mut tx, &user.id, &tinhso_kernel::time::now_text()).await?;
    audit_simple(state, &mut tx, &user.id, ip, "user.totp_enable", &user.id).await?;
    tx.commit().await?;
    Ok(())
}

/// Always answers the same, whether or not the email is registered.
pub async fn request_reset(state: &Ctx, email: &str, ip: &str) -> Result<(), AppError> {
    throttle::hit(
        &state.db,
        &format!("reset:ip:{ip}"),
        throttle::EMAIL_REQUESTS,
    )
    .await?;
    let Ok(email) = identity::email(email) else {
        return Ok(());
    };
    let mut tx = state.db.begin().await?;
    if let Some(id) = store::enabled_user_by_email(&mut tx, &email).await? {
        send_token_email(state, &mut tx, &id, &email, TokenPurpose::Reset).await?;
        tx.commit().await?;
    }
    Ok(())
}

pub async fn reset_password(
    state: &Ctx,
    token: &str,
    new: &str,
    confirm: &str,
    ip: &str,
) -> Result<(), AppError> {
    identity::password(new).map_err(|e| AppError::validation("password", e.to_string()))?;
    if new != confirm {
        return Err(AppError::validation(
            "password_confirm",
            "Mật khẩu nhập lại không khớp.",
        ));
    }
    let hash = password::hash(new)?;
    let mut tx = state.db.begin().await?;
    let user_id = use_token(
        &mut tx,
        token,
        &[TokenPurpose::Reset, TokenPurpose::Welcome],
    )
    .await?;
    // Following the emailed link also proves the address.
    let now = tinhso_kernel::time::now_text();
    store::set_password_and_verify_email(&mut tx, &user_id, &hash, &now).await?;
    tinhso_kernel::auth::session::end_all_access(&mut tx, &user_id).await?;
    audit_simple(
        state,
        &mut tx,
        &user_id,
        ip,
        "user.reset_password",
        &user_id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn change_password(
    state: &Ctx,
    user: &User,
    current: &str,
    new: &str,
    confirm: &str,
    ip: &str,
) -> Result<(), AppError> {
    let hash = store::password_hash(&state.db, &user.id).await?;
    if !hash.is_some_and(|h| password::verify(current, &h)) {
        return Err(AppError::validation(
            "current_password",
            "Mật khẩu hiện tại không đúng.",
        ));
    }
    identity::password(new).map_err(|e| AppError::validation("password", e.to_string()))?;
    if new != confirm {
        return Err(AppError::validation(
            "password_confirm",
            "Mật khẩu nhập lại không khớp.",
        ));
    }
    let hash = password::hash(new)?;
    let mut tx = state.db.begin().await?;
    store::set_password(&mut tx, &user.id, &hash, &tinhso_kernel::time::now_text()).await?;
    tinhso_kernel::auth::session::end_all_access(&mut tx, &user.id).await?;
    audit_simple(
        state,
        &mut tx,
        &user.id,
        ip,
        "user.change_password",
        &user.id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- Officials ----

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct OfficialInput {
    pub agency_code: String,
    pub full_name: String,
    pub email: String,
    #[serde(default)]
    pub phone: String,
    /// Role names, e.g. `one_stop_clerk`, `specialist`, `leader`.
    pub roles: Vec<String>,
    /// When given, the official's first password; otherwise they get a link by email.
    #[serde(default)]
    pub password: Option<String>,
}

/// Creates an official in an agency the acting admin may manage.
pub async fn create_official(
    state: &Ctx,
    actor: &Actor,
    acting: Option<&tinhso_kernel::auth::Principal>,
    input: &OfficialInput,
) -> Result<String, AppError> {
    let mut errors = Vec::new();
    let agency = tinhso_directory::find(&state.db, &input.agency_code).await?;
    if agency.is_none() {
        errors.push(FieldError::new(
            "agency_code",
            "Không tìm thấy cơ quan với mã này.",
        ));
    }
    let full_name = tinhso_domain::text::normalize(&input.full_name);
    if full_name.is_empty() {
        errors.push(FieldError::new("full_name", "Vui lòng nhập họ và tên."));
    }
    let email = identity::email(&input.email)
        .map_err(|e| errors.push(FieldError::new("email", e.to_string())))
        .ok();
    let phone = optional(&input.phone, identity::phone, "phone", &mut errors);
    let roles: Vec<Role> = input
        .roles
        .iter()
        .filter_map(|r| r.parse::<Role>().ok())
        .collect();
    if roles.len() != input.roles.len() || roles.is_empty() {
        errors.push(FieldError::new("roles", "Chọn ít nhất một vai trò hợp lệ."));
    }
    if let Some(p) = &input.password
        && let Err(e) = identity::password(p)
    {
        errors.push(FieldError::new("password", e.to_string()));
    }
    if email_taken(&state.db, &email).await? {
        errors.push(FieldError::new(
            "email",
            "Email này đã được dùng cho tài khoản khác.",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let agency = agency.expect("checked above");
    if let Some(principal) = acting {
        policy::may_manage(state, principal, &agency.id).await?;
        if roles.contains(&Role::SystemAdmin) {
            policy::may(
                state,
                principal,
                &agency.id,
                policy::OfficialAction::GrantSystemAdmin,
            )
            .await?;
        }
    }
    let id = uuid::Uuid::now_v7().to_string();
    let now = tinhso_kernel::time::now_text();
    let hash = input.password.as_deref().map(password::hash).transpose()?;
    let mut tx = state.db.begin().await?;
    let user = store::NewUser {
        email: email.as_deref(),
        phone: phone.as_deref(),
        password_hash: hash.as_deref(),
        // A password set by the administrator needs no emailed link, so no proof of address.
        email_verified_at: hash.as_ref().map(|_| now.as_str()),
        agency_id: Some(agency.id.as_str()),
        ..store::NewUser::new(&id, UserKind::Official, &full_name, &now)
    };
    store::insert_user(&mut tx, &user).await?;
    let role_names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    store::insert_roles(&mut tx, &id, &role_names).await?;
    audit::record(
        &state.db,
        &mut tx,
        actor,
        Change {
            action: "user.create_official",
            entity_type: "user",
            entity_id: &id,
            before: serde_json::Value::Null,
            after: serde_json::json!({"email": email, "agency": agency.code, "roles": role_names}),
        },
    )
    .await?;
    if hash.is_none()
        && let Some(email) = &email
    {
        send_token_email(state, &mut tx, &id, email, TokenPurpose::Welcome).await?;
    }
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct OfficialSummary {
    pub id: String,
    pub full_name: String,
    pub email: Option<String>,
    pub agency_code: String,
    pub agency_name: String,
    pub roles: Vec<String>,
    pub totp_enabled: bool,
    pub disabled: bool,
}

/// Officials of the agencies below (and including) `root_agency_id`, or all when `None`.
pub async fn list_officials(
    db: &Db,
    root_agency_id: Option<&str>,
) -> Result<Vec<OfficialSummary>, AppError> {
    let rows = store::officials_under(db, root_agency_id).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(OfficialSummary {
            roles: store::roles_of(db, &r.id).await?,
            id: r.id,
            full_name: r.full_name,
            email: r.email,
            agency_code: r.agency_code,
            agency_name: r.agency_name,
            totp_enabled: r.totp_enabled != 0,
            disabled: r.disabled != 0,
        });
    }
    Ok(out)
}

/// A citizen or business account for demo data: email already verified, given password.
pub async fn insert_demo_public_user(
    state: &Ctx,
    email: &str,
    name: &str,
    kind: UserKind,
    number: &str,
    demo_password: &str,
) -> anyhow::Result<()> {
    let now = tinhso_kernel::time::now_text();
    let (citizen_id, tax_code) = if kind == UserKind::Business {
        (None, Some(number))
    } else {
        (Some(number), None)
    };
    let id = uuid::Uuid::now_v7().to_string();
    let hash = password::hash(demo_password)?;
    let mut tx = state.db.begin().await?;
    let user = store::NewUser {
        email: Some(email),
        citizen_id,
        tax_code,
        password_hash: Some(hash.as_str()),
        email_verified_at: Some(now.as_str()),
        ..store::NewUser::new(&id, kind, name, &now)
    };
    store::insert_user(&mut tx, &user).await?;
    let actor = Actor {
        label: "system:seed-demo".into(),
        ip: String::new(),
    };
    audit::record(
        &state.db,
        &mut tx,
        &actor,
        Change {
            action: "user.register",
            entity_type: "user",
            entity_id: &id,
            before: serde_json::Value::Null,
            after: serde_json::json!({"kind": kind, "email": email}),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    tx.commit().await?;
    Ok(())
}

/// The accounts module: registration, sign-in, profiles, officials and API tokens.
pub const MODULE: tinhso_kernel::module::Module = tinhso_kernel::module::Module {
    name: "accounts",
    depends_on: &["directory"],
    routes: || http::routes().merge(admin::routes()).merge(api::routes()),
    policies: &[tinhso_kernel::auth::policy::PolicyInfo::of::<
        policy::OfficialPolicy,
    >()],
    assets: tinhso_kernel::assets!(),
    demo: Some(demo::seed),
    menu: &[
        MenuEntry::main("nav_account", "/account", 70, Shown::SignedIn),
        MenuEntry::main("sign_in", "/login", 80, Shown::Anonymous),
        MenuEntry::main("register", "/register", 90, Shown::Anonymous),
        MenuEntry::office(
            "admin_officials",
            "admin_officials_text",
            "/admin/officials",
            10,
            Shown::AnyRole(&[Role::SystemAdmin, Role::AgencyAdmin]),
        ),
    ],
    startup: &[seal_totp_secrets, platform_account],
    tables: &["users", "user_roles", "email_tokens", "oidc_logins"],
    ..tinhso_kernel::module::Module::EMPTY
};

fn seal_totp_secrets(ctx: &Ctx) -> tinhso_kernel::module::BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        seal_plain_totp_secrets(&ctx.db, &ctx.keys.totp).await?;
        Ok(())
    })
}

/// Makes the platform's own account (`auth::PLATFORM_ACCOUNT`) if it is missing.
fn platform_account(ctx: &Ctx) -> tinhso_kernel::module::BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        store::insert_platform_account(
            &ctx.db,
            tinhso_kernel::auth::PLATFORM_ACCOUNT,
            "Nền tảng Tỉnh Số (tự động)",
            &tinhso_kernel::time::now_text(),
        )
        .await?;
        Ok(())
    })
}

/// An official's roles and whether the account is disabled.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OfficialAccess {
    pub id: String,
    pub full_name: String,
    pub email: Option<String>,
    pub agency_id: String,
    pub roles: Vec<String>,
    pub disabled: bool,
}

pub async fn official_access(db: &Db, id: &str) -> Result<Option<OfficialAccess>, AppError> {
    let Some(user) = tinhso_kernel::auth::session::load_user(db, id).await? else {
        return Ok(None);
    };
    let Some(agency_id) = user.agency_id.clone().filter(|_| user.is_official()) else {
        return Ok(None);
    };
    let disabled = store::is_disabled(db, id).await?;
    Ok(Some(OfficialAccess {
        id: user.id,
        full_name: user.full_name,
        email: user.email,
        agency_id,
        roles: user.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        disabled,
    }))
}

/// Changes an official's roles and enabled state; disabling signs them out everywhere.
/// Whether `principal` may give official `id` these roles and this disabled flag, or why not;
/// the official as they are and the roles asked. Shared by the update and by its
/// confirmation step, so nobody is asked to confirm a change they may not make.
pub async fn check_access_change(
    state: &Ctx,
    principal: &tinhso_kernel::auth::Principal,
    id: &str,
    role_names: &[String],
    disabled: bool,
) -> Result<(OfficialAccess, Vec<Role>), AppError> {
    let before = official_access(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    policy::may_manage(state, principal, &before.agency_id).await?;
    let roles: Vec<Role> = role_names
        .iter()
        .filter_map(|r| r.parse::<Role>().ok())
        .collect();
    if roles.len() != role_names.len() || roles.is_empty() {
        return Err(AppError::validation(
            "roles",
            "Chọn ít nhất một vai trò hợp lệ.",
        ));
    }
    let grants_system_admin = roles.contains(&Role::SystemAdmin)
        != before.roles.iter().any(|r| r == Role::SystemAdmin.as_str());
    if grants_system_admin {
        policy::may(
            state,
            principal,
            &before.agency_id,
            policy::OfficialAction::GrantSystemAdmin,
        )
        .await?;
    }
    if principal.user().is_some_and(|u| u.id == id) && disabled {
        return Err(AppError::validation(
            "disabled",
            "Bạn không thể tự khóa tài khoản của mình.",
        ));
    }
    Ok((before, roles))
}

pub async fn update_official(
    state: &Ctx,
    actor: &Actor,
    principal: &tinhso_kernel::auth::Principal,
    id: &str,
    role_names: &[String],
    disabled: bool,
) -> Result<(), AppError> {
    let (before, roles) = check_access_change(state, principal, id, role_names, disabled).await?;
    let after: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    let mut tx = state.db.begin().await?;
    store::replace_roles(&mut tx, id, &after).await?;
    store::set_disabled(&mut tx, id, disabled, &tinhso_kernel::time::now_text()).await?;
    if disabled {
        tinhso_kernel::auth::session::end_all_access(&mut tx, id).await?;
    }
    audit::record(
        &state.db,
        &mut tx,
        actor,
        Change {
            action: "user.update_access",
            entity_type: "user",
            entity_id: id,
            before: serde_json::json!({"roles": before.roles, "disabled": before.disabled}),
            after: serde_json::json!({"roles": after, "disabled": disabled}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn citizen() -> Registration {
        Registration {
            kind: "citizen".into(),
            full_name: "Lê Thị Mai".into(),
            email: "mai@example.vn".into(),
            citizen_id: "038190000001".into(),
            password: "mật khẩu dài đủ".into(),
            password_confirm: "mật khẩu dài đủ".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_citizen_registers() {
        assert!(validate_registration(&citizen()).is_ok());
    }

    #[test]
    fn bad_fields_are_all_reported() {
        let r = Registration {
            citizen_id: "123".into(),
            password_confirm: "khác".into(),
            email: "x@".into(),
            ..citizen()
        };
        let fields: Vec<_> = validate_registration(&r)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["email", "citizen_id", "password_confirm"]);
    }

    #[test]
    fn business_needs_a_tax_code() {
        let r = Registration {
            kind: "business".into(),
            tax_code: "123".into(),
            ..citizen()
        };
        let errors = validate_registration(&r).unwrap_err();
        assert_eq!(errors[0].field, "tax_code");
    }
}
