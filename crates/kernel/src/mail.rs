//! Outgoing email over SMTP (lettre). Emails are queued as jobs and sent by the runner, so a
//! slow or failing mail server never blocks a citizen's request and failures are retried.
//! One [`Mailer`] per node keeps a pool of SMTP connections: the runner's jobs reuse
//! them instead of opening a connection (and a TLS handshake) per email.

use crate::config::SmtpConfig;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// The node's SMTP client, built once at start.
pub struct Mailer {
    from: String,
    /// A transport that could not be set up (an unknown `smtp.tls`) fails every email with the
    /// reason, as each send did before the transport was shared, rather than stopping the node.
    transport: Result<AsyncSmtpTransport<Tokio1Executor>, String>,
}

impl Mailer {
    /// A mailer keeping up to `connections` SMTP connections open (one per concurrent job).
    pub fn new(config: &SmtpConfig, connections: usize) -> Mailer {
        let transport = transport(config, connections).map_err(|e| {
            tracing::error!(error = %e, "SMTP is misconfigured: every email will fail");
            e.to_string()
        });
        Mailer {
            from: config.from.clone(),
            transport,
        }
    }

    pub async fn send(&self, email: &Email) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.parse::<Mailbox>()?)
            .to(email.to.parse::<Mailbox>()?)
            .subject(&email.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(email.body.clone())?;
        let transport = self
            .transport
            .as_ref()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        transport.send(message).await?;
        tracing::info!(subject = %email.subject, "email sent");
        Ok(())
    }
}

fn transport(
    config: &SmtpConfig,
    connections: usize,
) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let builder = match config.tls.as_str() {
        "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
        "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)?,
        "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)?,
        other => anyhow::bail!("unknown smtp.tls {other:?} (use none, starttls or tls)"),
    };
    let max_size = u32::try_from(connections.max(1)).unwrap_or(u32::MAX);
    let mut builder = builder
        .port(config.port)
        .timeout(Some(std::time::Duration::from_secs(20)))
        .pool_config(PoolConfig::new().max_size(max_size));
    if let (Some(user), Some(pass)) = (&config.username, &config.password) {
        builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
    }
    Ok(builder.build())
}
