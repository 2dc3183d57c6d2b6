//! Accounts: citizens and businesses who register themselves, officials created by an
//! administrator of their agency, and everything about signing in.

pub mod admin;
pub mod api;
pub mod http;
pub mod oidc;
pub mod policy;
pub mod profile;

use chrono::Duration;
use serde::Deserialize;
use sqlx::Row;
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

async fn taken(db: &Db, column: &str, value: &Option<String>) -> Result<bool, AppError> {
    let Some(value) = value else { return Ok(false) };
    let sql = format!("SELECT COUNT(*) AS n FROM users WHERE {column} = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(value)
        .fetch_one(&db.pool)
        .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Registers a citizen or business and queues the verification email.
pub async fn register(state: &Ctx, r: &Registration, ip: &str) -> Result<String, AppError> {
    let mut errors = match validate_registration(r) {
        Ok(_) => Vec::new(),
        Err(errors) => errors,
    };
    // Duplicates are reported together with every other mistake, in one answer.
    if taken(&state.db, "email", &identity::email(&r.email).ok()).await? {
        errors.retain(|e| e.field != "email");
        errors.push(FieldError::new(
            "email",
            "Email này đã được đăng ký. Hãy đăng nhập hoặc lấy lại mật khẩu.",
        ));
    }
    if taken(&state.db, "phone", &identity::phone(&r.phone).ok()).await? {
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
    sqlx::query(
        "INSERT INTO users (id, kind, email, phone, full_name, citizen_id, tax_code, password_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(&id)
    .bind(v.kind.as_str())
    .bind(&v.email)
    .bind(&v.phone)
    .bind(&v.full_name)
    .bind(&v.citizen_id)
    .bind(&v.tax_code)
    .bind(hash)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
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
    sqlx::query("INSERT INTO email_tokens (token_hash, user_id, purpose, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash(&token))
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(tinhso_kernel::time::to_text(tinhso_kernel::time::now() + Duration::hours(purpose.hours_valid())))
        .execute(&mut *tx)
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
    let row = sqlx::query(
        "SELECT user_id, purpose, expires_at, used_at FROM email_tokens WHERE token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(&mut *tx)
    .await?;
    let invalid = || {
        AppError::BadRequest(
            "Liên kết không hợp lệ hoặc đã hết hạn. Vui lòng yêu cầu liên kết mới.".into(),
        )
    };
    let row = row.ok_or_else(invalid)?;
    let purpose: String = row.try_get("purpose")?;
    let used: Option<String> = row.try_get("used_at")?;
    let expires: String = row.try_get("expires_at")?;
    if used.is_some()
        || expires < tinhso_kernel::time::now_text()
        || !purposes.iter().any(|p| p.as_str() == purpose)
    {
        return Err(invalid());
    }
    sqlx::query("UPDATE email_tokens SET used_at = $1 WHERE token_hash = $2")
        .bind(tinhso_kernel::time::now_text())
        .bind(token_hash(token))
        .execute(&mut *tx)
        .await?;
    Ok(row.try_get("user_id")?)
}

pub async fn verify_email(state: &Ctx, token: &str, ip: &str) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let user_id = use_token(&mut tx, token, &[TokenPurpose::Verify]).await?;
    sqlx::query("UPDATE users SET email_verified_at = $1, updated_at = $1 WHERE id = $2")
        .bind(tinhso_kernel::time::now_text())
        .bind(&user_id)
        .execute(&mut *tx)
        .await?;
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
    let row = sqlx::query(
        "SELECT id, password_hash, email, email_verified_at, disabled FROM users WHERE email = $1 OR (phone = $2 AND $2 <> '')",
    )
    .bind(&ident)
    .bind(&phone)
    .fetch_optional(&db.pool)
    .await?;
    let wrong =
        || AppError::validation("password", "Email/số điện thoại hoặc mật khẩu không đúng.");
    // An unknown identifier is throttled exactly like an account, so the lockout never tells
    // which accounts exist.
    let id: Option<String> = row.as_ref().map(|r| r.try_get("id")).transpose()?;
    let account_key = match &id {
        Some(id) => format!("login:account:{id}"),
        None => format!("login:unknown:{}", token_hash(&ident)),
    };
    if throttle::is_blocked(db, &account_key, throttle::LOGIN_PER_ACCOUNT).await? {
        return Err(AppError::TooManyRequests(
            throttle::LOGIN_PER_ACCOUNT.window_minutes,
        ));
    }
    let (Some(row), Some(id)) = (row, id) else {
        password::dummy_verify(pass);
        throttle::hit(db, &account_key, throttle::LOGIN_PER_ACCOUNT)
            .await
            .ok();
        return Err(wrong());
    };
    let hash: Option<String> = row.try_get("password_hash")?;
    if !hash.is_some_and(|h| password::verify(pass, &h)) || row.try_get::<i64, _>("disabled")? != 0
    {
        throttle::hit(db, &account_key, throttle::LOGIN_PER_ACCOUNT)
            .await
            .ok();
        return Err(wrong());
    }
    let email: Option<String> = row.try_get("email")?;
    let verified: Option<String> = row.try_get("email_verified_at")?;
    if email.is_some() && verified.is_none() {
        return Err(AppError::validation(
            "identifier",
            "Email chưa được xác nhận. Vui lòng mở liên kết trong thư chúng tôi đã gửi.",
        ));
    }
    throttle::clear(db, &account_key).await?;
    let user = tinhso_kernel::auth::session::load_user(db, &id)
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
    let row = sqlx::query("SELECT totp_secret, totp_last_step FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&state.db.pool)
        .await?;
    let stored: Option<String> = row.try_get("totp_secret")?;
    let last: i64 = row.try_get("totp_last_step")?;
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
    let done = sqlx::query(
        "UPDATE users SET totp_last_step = $1, totp_secret = $3 WHERE id = $2 AND totp_last_step < $1",
    )
    .bind(step)
    .bind(user_id)
    .bind(&resealed)
    .execute(&state.db.pool)
    .await?;
    if done.rows_affected() != 1 {
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
    sqlx::query(
        "UPDATE users SET totp_secret = $1, totp_last_step = 0 WHERE id = $2 AND totp_enabled = 0",
    )
    .bind(totp::seal(&state.keys.totp, &user.id, &secret))
    .bind(&user.id)
    .execute(&state.db.pool)
    .await?;
    Ok(secret)
}

pub async fn pending_totp_secret(state: &Ctx, user: &User) -> Result<Option<String>, AppError> {
    let row = sqlx::query("SELECT totp_secret FROM users WHERE id = $1 AND totp_enabled = 0")
        .bind(&user.id)
        .fetch_optional(&state.db.pool)
        .await?;
    let stored: Option<String> = row.and_then(|r| r.try_get("totp_secret").ok()).flatten();
    Ok(match stored {
        Some(s) => Some(totp::open(&state.keys.totp, &user.id, &s)?),
        None => None,
    })
}

/// Seals every TOTP secret still stored in plain text (rows from before sealing existed).
/// Run at start-up; returns how many were sealed. A row changed meanwhile is left for its next
/// use, which seals it too.
pub async fn seal_plain_totp_secrets(db: &Db, key: &[u8; 32]) -> anyhow::Result<u64> {
    let rows = sqlx::query(
        "SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL AND totp_secret NOT LIKE 'enc1:%'",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut sealed = 0;
    for row in rows {
        let id: String = row.try_get("id")?;
        let plain: String = row.try_get("totp_secret")?;
        let done =
            sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2 AND totp_secret = $3")
                .bind(totp::seal(key, &id, &plain))
                .bind(&id)
                .bind(&plain)
                .execute(&db.pool)
                .await?;
        sealed += done.rows_affected();
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
    sqlx::query("UPDATE users SET totp_enabled = 1, updated_at = $1 WHERE id = $2")
        .bind(tinhso_kernel::time::now_text())
        .bind(&user.id)
        .execute(&mut *tx)
        .await?;
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
    let row = sqlx::query("SELECT id FROM users WHERE email = $1 AND disabled = 0")
        .bind(&email)
        .fetch_optional(&state.db.pool)
        .await?;
    if let Some(row) = row {
        let id: String = row.try_get("id")?;
        let mut tx = state.db.begin().await?;
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
    sqlx::query(
        "UPDATE users SET password_hash = $1, email_verified_at = COALESCE(email_verified_at, $2), updated_at = $2 WHERE id = $3",
    )
    .bind(hash)
    .bind(tinhso_kernel::time::now_text())
    .bind(&user_id)
    .execute(&mut *tx)
    .await?;
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
    let row = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(&user.id)
        .fetch_one(&state.db.pool)
        .await?;
    let hash: Option<String> = row.try_get("password_hash")?;
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
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(password::hash(new)?)
        .bind(tinhso_kernel::time::now_text())
        .bind(&user.id)
        .execute(&mut *tx)
        .await?;
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
    let agency = tinhso_directory::store::by_code(&state.db.pool, &input.agency_code).await?;
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
    if taken(&state.db, "email", &email).await? {
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
        use tinhso_kernel::auth::authz::{Action, authorize};
        policy::may_manage(state, principal, &agency.id).await?;
        if roles.contains(&Role::SystemAdmin) {
            authorize(&state.db, principal, Action::ManageDirectory).await?;
        }
    }
    let id = uuid::Uuid::now_v7().to_string();
    let now = tinhso_kernel::time::now_text();
    let hash = input.password.as_deref().map(password::hash).transpose()?;
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO users (id, kind, email, phone, full_name, password_hash, email_verified_at, agency_id, created_at, updated_at)
         VALUES ($1, 'official', $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(&id)
    .bind(&email)
    .bind(&phone)
    .bind(&full_name)
    .bind(&hash)
    .bind(hash.as_ref().map(|_| now.clone()))
    .bind(&agency.id)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    for role in &roles {
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(&id)
            .bind(role.as_str())
            .execute(&mut *tx)
            .await?;
    }
    let role_names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
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
    let rows = sqlx::query(
        "WITH RECURSIVE scope(id, depth) AS (
            SELECT id, 0 FROM agencies WHERE ($1 = '' AND parent_id IS NULL) OR id = $1
            UNION ALL SELECT a.id, scope.depth + 1 FROM agencies a JOIN scope ON a.parent_id = scope.id WHERE scope.depth < 16
         )
         SELECT u.id, u.full_name, u.email, u.totp_enabled, u.disabled, a.code, a.name
         FROM users u JOIN agencies a ON a.id = u.agency_id
         WHERE u.kind = 'official' AND u.agency_id IN (SELECT id FROM scope)
         ORDER BY a.code, u.full_name",
    )
    .bind(root_agency_id.unwrap_or(""))
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: String = r.try_get("id")?;
        let roles = sqlx::query("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
            .bind(&id)
            .fetch_all(&db.pool)
            .await?
            .iter()
            .filter_map(|x| x.try_get("role").ok())
            .collect();
        out.push(OfficialSummary {
            id,
            full_name: r.try_get("full_name")?,
            email: r.try_get("email")?,
            agency_code: r.try_get("code")?,
            agency_name: r.try_get("name")?,
            roles,
            totp_enabled: r.try_get::<i64, _>("totp_enabled")? != 0,
            disabled: r.try_get::<i64, _>("disabled")? != 0,
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
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO users (id, kind, email, full_name, citizen_id, tax_code, password_hash, email_verified_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8)",
    )
    .bind(&id)
    .bind(kind.as_str())
    .bind(email)
    .bind(name)
    .bind(citizen_id)
    .bind(tax_code)
    .bind(password::hash(demo_password)?)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
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
    assets: tinhso_kernel::assets!(),
    startup: &[seal_totp_secrets],
    tables: &["users", "user_roles", "email_tokens", "oidc_logins"],
    ..tinhso_kernel::module::Module::EMPTY
};

fn seal_totp_secrets(ctx: &Ctx) -> tinhso_kernel::module::BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        seal_plain_totp_secrets(&ctx.db, &ctx.keys.totp).await?;
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
    let row = sqlx::query("SELECT disabled FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await?;
    Ok(Some(OfficialAccess {
        id: user.id,
        full_name: user.full_name,
        email: user.email,
        agency_id,
        roles: user.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        disabled: row.try_get::<i64, _>("disabled")? != 0,
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
    use tinhso_kernel::auth::authz::{Action, authorize};
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
        authorize(&state.db, principal, Action::ManageDirectory).await?;
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
    let mut tx = state.db.begin().await?;
    sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for role in &roles {
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(id)
            .bind(role.as_str())
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(disabled))
        .bind(tinhso_kernel::time::now_text())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if disabled {
        tinhso_kernel::auth::session::end_all_access(&mut tx, id).await?;
    }
    let after: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
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
