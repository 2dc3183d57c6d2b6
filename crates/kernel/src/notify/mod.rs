//! Notifications (issue 13 §8): what the platform tells a person, by email and in an in-app
//! inbox with an unread count on every page, as each person chose per topic.
//!
//! A module declares its topics as `Topic` consts and builds a `Notice` where something happens;
//! `send` writes, in the caller's transaction, an inbox row for every recipient with an account
//! whose preferences want one, and queues an email for the address when the preferences want it
//! or the address has no account. This service knows no module: the list of topics is handed to
//! it (each module's manifest, collected into the context's `topics`).

pub mod http;
mod store;

use crate::Ctx;
use crate::db::{Conn, Db};
use crate::error::AppError;
use crate::jobs::{self, Job};
use serde::Serialize;

pub use store::InboxItem;

/// Who a topic concerns, to offer its choice only to those who can receive it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Everyone,
    Officials,
}

/// One kind of notice, declared by the module that sends it.
#[derive(Debug)]
pub struct Topic {
    /// Stable key stored with each inbox row and preference, e.g. `dossier.status`.
    pub key: &'static str,
    /// Translation key of the topic's name on the preferences page.
    pub label_key: &'static str,
    pub email_default: bool,
    pub inbox_default: bool,
    /// Always sent by its default channels; the preferences page shows it but cannot change it.
    pub mandatory: bool,
    pub audience: Audience,
}

/// The channels a person receives a topic by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Channels {
    pub email: bool,
    pub inbox: bool,
}

impl Topic {
    pub fn defaults(&self) -> Channels {
        Channels {
            email: self.email_default,
            inbox: self.inbox_default,
        }
    }

    /// What a person receives: their stored choice, unless the topic is mandatory.
    pub fn channels(&self, stored: Option<Channels>) -> Channels {
        match stored {
            Some(chosen) if !self.mandatory => chosen,
            _ => self.defaults(),
        }
    }

    pub fn concerns(&self, user: &crate::auth::User) -> bool {
        self.audience == Audience::Everyone || user.is_official()
    }
}

/// Someone to tell: an account, an address, or both. An address alone is matched to the active
/// account that has it, so a person is reached the same way however a module knows them.
#[derive(Debug, Clone, Default)]
pub struct Recipient {
    pub user_id: Option<String>,
    pub email: Option<String>,
}

impl Recipient {
    pub fn user(user_id: &str, email: Option<String>) -> Recipient {
        Recipient {
            user_id: Some(user_id.to_owned()),
            email,
        }
    }

    pub fn address(email: &str) -> Recipient {
        Recipient {
            user_id: None,
            email: Some(email.to_owned()),
        }
    }
}

/// One notice, as the inbox shows it and as it is mailed.
#[derive(Debug)]
pub struct Notice<'a> {
    pub topic: &'static Topic,
    /// The subject, without the platform's `[Tỉnh Số]` prefix that emails get.
    pub subject: String,
    /// The text the inbox shows.
    pub body: String,
    /// The whole email text (greeting, absolute links), exactly as mailed.
    pub email_body: String,
    /// The page the inbox item opens: a path on this site.
    pub link: Option<String>,
    /// Names the occurrence: the same key never gives a person two inbox rows.
    pub dedupe_key: &'a str,
}

/// In the caller's transaction: an inbox row for every recipient with an account whose
/// preferences want one, and a queued `Job::SendEmail` to the address when the preferences want
/// it or the address has no account. A notice already in someone's inbox (same dedupe key) is
/// neither stored nor mailed again. Returns the number of emails queued.
pub async fn send(
    _state: &Ctx,
    tx: &mut Conn,
    to: &[Recipient],
    n: &Notice<'_>,
) -> Result<usize, AppError> {
    let mut mailed = 0;
    for r in to {
        let email = r.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
        let user_id = match (&r.user_id, email) {
            (Some(id), _) => Some(id.clone()),
            (None, Some(address)) => store::account_of(tx, address).await?,
            (None, None) => None,
        };
        let channels = match &user_id {
            Some(id) => n
                .topic
                .channels(store::stored_channels(tx, id, n.topic.key).await?),
            None => Channels {
                email: true,
                inbox: false,
            },
        };
        if let Some(id) = &user_id
            && channels.inbox
            && !store::insert_item(tx, id, n).await?
        {
            continue;
        }
        if channels.email
            && let Some(address) = email
        {
            jobs::enqueue(
                tx,
                &Job::SendEmail(crate::mail::Email {
                    to: address.to_owned(),
                    subject: format!("[Tỉnh Số] {}", n.subject),
                    body: n.email_body.clone(),
                }),
            )
            .await?;
            mailed += 1;
        }
    }
    metrics::counter!("tinhso_notices_total", "topic" => n.topic.key).increment(1);
    Ok(mailed)
}

/// How many of the user's inbox items are unread. (Pages get it with the session instead.)
pub async fn unread(db: &Db, user_id: &str) -> Result<i64, AppError> {
    store::unread(db, user_id).await
}

/// The user's inbox, newest first: `limit` items after skipping `offset`.
pub async fn items(
    db: &Db,
    user_id: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<InboxItem>, AppError> {
    store::items(db, user_id, limit, offset).await
}

/// The user's own item `id`, or `None` for anyone else's.
pub async fn item(db: &Db, user_id: &str, id: &str) -> Result<Option<InboxItem>, AppError> {
    store::item(db, user_id, id).await
}

/// Marks the user's item read; `None` when it is not theirs.
pub async fn mark_read(db: &Db, user_id: &str, id: &str) -> Result<Option<InboxItem>, AppError> {
    store::mark_read(db, user_id, id).await
}

/// Marks every item of the user read; returns how many were unread.
pub async fn mark_all_read(db: &Db, user_id: &str) -> Result<u64, AppError> {
    store::mark_all_read(db, user_id).await
}

/// A topic as the preferences page shows it to one person.
#[derive(Debug, Clone, Serialize)]
pub struct TopicChoice {
    pub key: &'static str,
    pub label_key: &'static str,
    pub mandatory: bool,
    pub email: bool,
    pub inbox: bool,
}

/// The channels `user` receives each topic of `topics` that concerns them by.
pub async fn choices(
    db: &Db,
    user: &crate::auth::User,
    topics: &[&'static Topic],
) -> Result<Vec<TopicChoice>, AppError> {
    let stored = store::all_channels(db, &user.id).await?;
    Ok(topics
        .iter()
        .filter(|t| t.concerns(user))
        .map(|t| {
            let c = t.channels(stored.get(t.key).copied());
            TopicChoice {
                key: t.key,
                label_key: t.label_key,
                mandatory: t.mandatory,
                email: c.email,
                inbox: c.inbox,
            }
        })
        .collect())
}

/// Stores the user's choice for every topic of `topics` that concerns them and is not
/// mandatory; `chosen(key)` gives the channels ticked for a topic.
pub async fn save_choices(
    tx: &mut Conn,
    user: &crate::auth::User,
    topics: &[&'static Topic],
    chosen: impl Fn(&str) -> Channels,
) -> Result<(), AppError> {
    for t in topics.iter().filter(|t| t.concerns(user) && !t.mandatory) {
        store::save_channels(tx, &user.id, t.key, chosen(t.key)).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONAL: Topic = Topic {
        key: "t.optional",
        label_key: "x",
        email_default: true,
        inbox_default: true,
        mandatory: false,
        audience: Audience::Everyone,
    };
    const MANDATORY: Topic = Topic {
        mandatory: true,
        ..OPTIONAL
    };

    #[test]
    fn a_stored_choice_counts_unless_the_topic_is_mandatory() {
        let off = Channels {
            email: false,
            inbox: false,
        };
        assert_eq!(OPTIONAL.channels(None), OPTIONAL.defaults());
        assert_eq!(OPTIONAL.channels(Some(off)), off);
        assert_eq!(MANDATORY.channels(Some(off)), MANDATORY.defaults());
    }
}
