//! Outgoing email over SMTP (lettre). Emails are queued as jobs and sent by the runner, so a
//! slow or failing mail server never blocks a citizen's request and failures are retried.

use crate::config::SmtpConfig;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

pub async fn send(config: &SmtpConfig, email: &Email) -> anyhow::Result<()> {
    let message = Message::builder()
        .from(config.from.parse::<Mailbox>()?)
        .to(email.to.parse::<Mailbox>()?)
        .subject(&email.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(email.body.clone())?;
    let builder = match config.tls.as_str() {
        "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
        "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)?,
        "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)?,
        other => anyhow::bail!("unknown smtp.tls {other:?} (use none, starttls or tls)"),
    };
    let mut builder = builder
        .port(config.port)
        .timeout(Some(std::time::Duration::from_secs(20)));
    if let (Some(user), Some(pass)) = (&config.username, &config.password) {
        builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
    }
    builder.build().send(message).await?;
    tracing::info!(subject = %email.subject, "email sent");
    Ok(())
}
