//! Storage of accounts: users, their roles, one-time email tokens and pending OpenID Connect
//! sign-ins. Only SQL lives here; validation, audit and mail stay with the callers in the module
//! files. Writes take the caller's transaction (`&mut Conn`), reads outside one take `&Db`.

use tinhso_kernel::auth::UserKind;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

// ---- Users ----

/// A new row of `users`. Columns a kind of account does not use stay `None`.
#[derive(Debug)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub kind: UserKind,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub full_name: &'a str,
    pub citizen_id: Option<&'a str>,
    pub tax_code: Option<&'a str>,
    pub password_hash: Option<&'a str>,
    pub email_verified_at: Option<&'a str>,
    pub agency_id: Option<&'a str>,
    pub oidc_subject: Option<&'a str>,
    /// Written as both `created_at` and `updated_at`.
    pub now: &'a str,
}

impl<'a> NewUser<'a> {
    /// The columns every account has; fill in the others with `NewUser { …, ..new(…) }`.
    pub fn new(id: &'a str, kind: UserKind, full_name: &'a str, now: &'a str) -> Self {
        NewUser {
            id,
            kind,
            email: None,
            phone: None,
            full_name,
            citizen_id: None,
            tax_code: None,
            password_hash: None,
            email_verified_at: None,
            agency_id: None,
            oidc_subject: None,
            now,
        }
    }
}

pub async fn insert_user(tx: &mut Conn, user: &NewUser<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO users (id, kind, email, phone, full_name, citizen_id, tax_code, password_hash,
            email_verified_at, agency_id, oidc_subject, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
    )
    .bind(user.id)
    .bind(user.kind.as_str())
    .bind(user.email)
    .bind(user.phone)
    .bind(user.full_name)
    .bind(user.citizen_id)
    .bind(user.tax_code)
    .bind(user.password_hash)
    .bind(user.email_verified_at)
    .bind(user.agency_id)
    .bind(user.oidc_subject)
    .bind(user.now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The platform's own account, disabled and without credentials. Several nodes may start at
/// once; and at every start an existing row is locked again, in case an administrator enabled
/// it or gave it a way to sign in.
pub async fn insert_platform_account(
    db: &Db,
    id: &str,
    full_name: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO users (id, kind, full_name, disabled, created_at, updated_at)
         VALUES ($1, 'official', $2, 1, $3, $3)
         ON CONFLICT (id) DO UPDATE SET disabled = 1, password_hash = NULL, email = NULL,
             phone = NULL, email_verified_at = NULL, oidc_subject = NULL, totp_secret = NULL,
             totp_enabled = 0",
    )
    .bind(id)
    .bind(full_name)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Whether any account (enabled or not) uses this email address.
pub async fn email_taken(db: &Db, email: &str) -> Result<bool, AppError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&db.pool)
        .await?;
    Ok(n > 0)
}

/// Whether any account (enabled or not) uses this phone number.
pub async fn phone_taken(db: &Db, phone: &str) -> Result<bool, AppError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE phone = $1")
        .bind(phone)
        .fetch_one(&db.pool)
        .await?;
    Ok(n > 0)
}

/// Whether an account other than `user_id` uses this phone number.
pub async fn phone_taken_by_other(
    tx: &mut Conn,
    phone: &str,
    user_id: &str,
) -> Result<bool, AppError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE phone = $1 AND id <> $2")
        .bind(phone)
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
    Ok(n > 0)
}

/// What signing in with a password needs to know about an account.
#[derive(Debug, sqlx::FromRow)]
pub struct LoginRow {
    pub id: String,
    pub password_hash: Option<String>,
    pub email: Option<String>,
    pub email_verified_at: Option<String>,
    pub disabled: i64,
}

/// The account signing in with this email address or (when not empty) phone number.
pub async fn login_row(db: &Db, email: &str, phone: &str) -> Result<Option<LoginRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, password_hash, email, email_verified_at, disabled FROM users
         WHERE email = $1 OR (phone = $2 AND $2 <> '')",
    )
    .bind(email)
    .bind(phone)
    .fetch_optional(&db.pool)
    .await?)
}

/// The id of the enabled account with this email address.
pub async fn enabled_user_by_email(tx: &mut Conn, email: &str) -> Result<Option<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1 AND disabled = 0")
            .bind(email)
            .fetch_optional(&mut *tx)
            .await?,
    )
}

/// The id of the enabled account linked to this OpenID Connect subject.
pub async fn enabled_user_by_oidc_subject(
    db: &Db,
    subject: &str,
) -> Result<Option<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM users WHERE oidc_subject = $1 AND disabled = 0")
            .bind(subject)
            .fetch_optional(&db.pool)
            .await?,
    )
}

pub async fn link_oidc_subject(
    tx: &mut Conn,
    user_id: &str,
    subject: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET oidc_subject = $1, updated_at = $2 WHERE id = $3")
        .bind(subject)
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

pub async fn mark_email_verified(tx: &mut Conn, user_id: &str, now: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET email_verified_at = $1, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The stored password hash (`None` for accounts that never set one).
pub async fn password_hash(db: &Db, user_id: &str) -> Result<Option<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&db.pool)
            .await?,
    )
}

pub async fn set_password(
    tx: &mut Conn,
    user_id: &str,
    hash: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Sets the password from an emailed link, which also proves the address.
pub async fn set_password_and_verify_email(
    tx: &mut Conn,
    user_id: &str,
    hash: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE users SET password_hash = $1, email_verified_at = COALESCE(email_verified_at, $2),
            updated_at = $2 WHERE id = $3",
    )
    .bind(hash)
    .bind(now)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Saves the contact details a person keeps on their profile page.
pub async fn update_contact(
    tx: &mut Conn,
    user_id: &str,
    phone: Option<&str>,
    address: &str,
    admin_unit_code: Option<&str>,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE users SET phone = $2, address = $3, admin_unit_code = $4, updated_at = $5
         WHERE id = $1",
    )
    .bind(user_id)
    .bind(phone)
    .bind(address)
    .bind(admin_unit_code)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub async fn is_disabled(db: &Db, user_id: &str) -> Result<bool, AppError> {
    let disabled: i64 = sqlx::query_scalar("SELECT disabled FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await?;
    Ok(disabled != 0)
}

pub async fn set_disabled(
    tx: &mut Conn,
    user_id: &str,
    disabled: bool,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(disabled))
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

// ---- Second factor (TOTP) ----

#[derive(Debug, sqlx::FromRow)]
pub struct TotpRow {
    /// Sealed (`enc1:…`), or plain for rows from before sealing existed.
    pub totp_secret: Option<String>,
    pub totp_last_step: i64,
}

pub async fn totp(db: &Db, user_id: &str) -> Result<TotpRow, AppError> {
    Ok(
        sqlx::query_as("SELECT totp_secret, totp_last_step FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&db.pool)
            .await?,
    )
}

/// Records `step` as the last accepted one, with the secret as it should be stored, only when it
/// is newer than the stored step: of two nodes accepting the same code, one wins.
pub async fn advance_totp_step(
    db: &Db,
    user_id: &str,
    step: i64,
    stored_secret: &str,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE users SET totp_last_step = $1, totp_secret = $3 WHERE id = $2 AND totp_last_step < $1",
    )
    .bind(step)
    .bind(user_id)
    .bind(stored_secret)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores a new, not yet enabled, secret (sealed) for an account without TOTP.
pub async fn begin_totp(db: &Db, user_id: &str, sealed_secret: &str) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE users SET totp_secret = $1, totp_last_step = 0 WHERE id = $2 AND totp_enabled = 0",
    )
    .bind(sealed_secret)
    .bind(user_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The stored secret of an enrolment not yet confirmed.
pub async fn pending_totp_secret(db: &Db, user_id: &str) -> Result<Option<String>, AppError> {
    let stored: Option<Option<String>> =
        sqlx::query_scalar("SELECT totp_secret FROM users WHERE id = $1 AND totp_enabled = 0")
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(stored.flatten())
}

pub async fn enable_totp(tx: &mut Conn, user_id: &str, now: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET totp_enabled = 1, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct PlainTotpSecret {
    pub id: String,
    pub totp_secret: String,
}

/// Secrets still stored in plain text (rows from before sealing existed).
pub async fn plain_totp_secrets(db: &Db) -> Result<Vec<PlainTotpSecret>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, totp_secret FROM users
         WHERE totp_secret IS NOT NULL AND totp_secret NOT LIKE 'enc1:%'",
    )
    .fetch_all(&db.pool)
    .await?)
}

/// Replaces a plain secret by its sealed form, unless the row changed meanwhile; returns how
/// many rows changed (0 or 1).
pub async fn replace_plain_totp_secret(
    db: &Db,
    user_id: &str,
    plain: &str,
    sealed: &str,
) -> Result<u64, AppError> {
    let done = sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2 AND totp_secret = $3")
        .bind(sealed)
        .bind(user_id)
        .bind(plain)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}

// ---- Roles and officials ----

pub async fn insert_roles(tx: &mut Conn, user_id: &str, roles: &[&str]) -> Result<(), AppError> {
    for role in roles {
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(user_id)
            .bind(*role)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Replaces every role of a user by `roles`.
pub async fn replace_roles(tx: &mut Conn, user_id: &str, roles: &[&str]) -> Result<(), AppError> {
    sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    insert_roles(tx, user_id, roles).await
}

pub async fn roles_of(db: &Db, user_id: &str) -> Result<Vec<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
            .bind(user_id)
            .fetch_all(&db.pool)
            .await?,
    )
}

/// An official with the agency they work in, as the officials list shows them.
#[derive(Debug, sqlx::FromRow)]
pub struct OfficialRow {
    pub id: String,
    pub full_name: String,
    pub email: Option<String>,
    pub totp_enabled: i64,
    pub disabled: i64,
    pub agency_code: String,
    pub agency_name: String,
}

/// Officials of the agencies below (and including) `root_agency_id`, or of every agency when
/// `None`, by agency code then name.
pub async fn officials_under(
    db: &Db,
    root_agency_id: Option<&str>,
) -> Result<Vec<OfficialRow>, AppError> {
    Ok(sqlx::query_as(
        "WITH RECURSIVE scope(id, depth) AS (
            SELECT id, 0 FROM agencies WHERE ($1 = '' AND parent_id IS NULL) OR id = $1
            UNION ALL SELECT a.id, scope.depth + 1 FROM agencies a JOIN scope ON a.parent_id = scope.id WHERE scope.depth < 16
         )
         SELECT u.id, u.full_name, u.email, u.totp_enabled, u.disabled,
            a.code AS agency_code, a.name AS agency_name
         FROM users u JOIN agencies a ON a.id = u.agency_id
         WHERE u.kind = 'official' AND u.agency_id IN (SELECT id FROM scope)
         ORDER BY a.code, u.full_name",
    )
    .bind(root_agency_id.unwrap_or(""))
    .fetch_all(&db.pool)
    .await?)
}

// ---- One-time email tokens ----

pub async fn insert_email_token(
    tx: &mut Conn,
    token_hash: &str,
    user_id: &str,
    purpose: &str,
    expires_at: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO email_tokens (token_hash, user_id, purpose, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(purpose)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct EmailToken {
    pub user_id: String,
    pub purpose: String,
    pub expires_at: String,
    pub used_at: Option<String>,
}

pub async fn email_token(tx: &mut Conn, token_hash: &str) -> Result<Option<EmailToken>, AppError> {
    Ok(sqlx::query_as(
        "SELECT user_id, purpose, expires_at, used_at FROM email_tokens WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&mut *tx)
    .await?)
}

pub async fn mark_email_token_used(
    tx: &mut Conn,
    token_hash: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE email_tokens SET used_at = $1 WHERE token_hash = $2")
        .bind(now)
        .bind(token_hash)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

// ---- Pending OpenID Connect sign-ins ----

/// What is kept between sending a person to the provider and their return.
#[derive(Debug, sqlx::FromRow)]
pub struct OidcLogin {
    pub nonce: String,
    pub pkce_verifier: String,
    pub expires_at: String,
}

pub async fn insert_oidc_login(db: &Db, state: &str, login: &OidcLogin) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO oidc_logins (state, nonce, pkce_verifier, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(state)
    .bind(&login.nonce)
    .bind(&login.pkce_verifier)
    .bind(&login.expires_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Removes and returns the pending sign-in with this state, so it can be used once only.
pub async fn take_oidc_login(db: &Db, state: &str) -> Result<Option<OidcLogin>, AppError> {
    Ok(sqlx::query_as(
        "DELETE FROM oidc_logins WHERE state = $1 RETURNING nonce, pkce_verifier, expires_at",
    )
    .bind(state)
    .fetch_optional(&db.pool)
    .await?)
}
