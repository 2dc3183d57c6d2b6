//! Menu entries the modules declare (`Module::menu`): the main navigation of every page and the
//! links of the officials' home, each shown to whom its [`Shown`] says. The binary installs every
//! module's entries at start, as it does their templates; templates read them through the
//! `menu(place, user)` function, so error pages get the same navigation as any other.

use crate::auth::{Role, UserKind};
use minijinja::Value;
use std::sync::OnceLock;

/// Where an entry appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Menu {
    /// The navigation bar of every page.
    Main,
    /// The cards of the officials' home (`/office`).
    Office,
    /// Links on the account page (`/account`) to what a module keeps for the person.
    Account,
}

impl Menu {
    fn from_name(name: &str) -> Option<Menu> {
        match name {
            "main" => Some(Menu::Main),
            "office" => Some(Menu::Office),
            "account" => Some(Menu::Account),
            _ => None,
        }
    }
}

/// Who sees an entry.
#[derive(Debug, Clone, Copy)]
pub enum Shown {
    Always,
    /// Only to someone not signed in (sign in, register).
    Anonymous,
    SignedIn,
    /// A signed-in citizen or business.
    Public,
    Official,
    /// An official holding one of these roles.
    AnyRole(&'static [Role]),
}

/// One link: its text (`key`), an optional explanation (`text`, office cards) and where it goes.
#[derive(Debug, Clone, Copy)]
pub struct MenuEntry {
    pub place: Menu,
    /// Locale key of the link's text.
    pub key: &'static str,
    /// Locale key of the sentence under an office card ("" for none).
    pub text: &'static str,
    pub href: &'static str,
    /// Position, smaller first; modules leave gaps (10, 20…) for others.
    pub order: u16,
    pub shown: Shown,
    /// Shows the person's unread count (the inbox).
    pub badge: bool,
}

impl MenuEntry {
    /// A navigation link shown to `shown`.
    pub const fn main(key: &'static str, href: &'static str, order: u16, shown: Shown) -> Self {
        MenuEntry {
            place: Menu::Main,
            key,
            text: "",
            href,
            order,
            shown,
            badge: false,
        }
    }

    /// A card of the officials' home.
    pub const fn office(
        key: &'static str,
        text: &'static str,
        href: &'static str,
        order: u16,
        shown: Shown,
    ) -> Self {
        MenuEntry {
            place: Menu::Office,
            key,
            text,
            href,
            order,
            shown,
            badge: false,
        }
    }
}

impl MenuEntry {
    /// A link of the account page, with the sentence under it (`text`).
    pub const fn account(
        key: &'static str,
        text: &'static str,
        href: &'static str,
        order: u16,
        shown: Shown,
    ) -> Self {
        MenuEntry {
            place: Menu::Account,
            key,
            text,
            href,
            order,
            shown,
            badge: false,
        }
    }
}

/// Who is looking, as far as menus care.
#[derive(Debug, Default)]
pub struct Viewer {
    pub kind: Option<UserKind>,
    pub roles: Vec<Role>,
}

impl Viewer {
    /// From the `user` value pages carry (undefined for someone not signed in).
    pub fn from_value(user: &Value) -> Viewer {
        if user.is_undefined() || user.is_none() {
            return Viewer::default();
        }
        let text = |v: Value| v.as_str().map(str::to_owned);
        let kind = user
            .get_attr("kind")
            .ok()
            .and_then(text)
            .and_then(|k| k.parse().ok());
        let roles = user
            .get_attr("roles")
            .ok()
            .and_then(|r| r.try_iter().ok())
            .map(|items| {
                items
                    .filter_map(|r| r.as_str().and_then(|s| s.parse().ok()))
                    .collect()
            })
            .unwrap_or_default();
        Viewer { kind, roles }
    }

    pub fn sees(&self, shown: Shown) -> bool {
        match shown {
            Shown::Always => true,
            Shown::Anonymous => self.kind.is_none(),
            Shown::SignedIn => self.kind.is_some(),
            Shown::Public => self.kind.is_some_and(|k| k != UserKind::Official),
            Shown::Official => self.kind == Some(UserKind::Official),
            Shown::AnyRole(roles) => {
                self.kind == Some(UserKind::Official)
                    && roles.iter().any(|r| self.roles.contains(r))
            }
        }
    }
}

static INSTALLED: OnceLock<Vec<&'static MenuEntry>> = OnceLock::new();

/// The modules' entries, in order; the first call wins.
pub fn install(mut entries: Vec<&'static MenuEntry>) {
    entries.sort_by_key(|e| (e.place as u8, e.order));
    let _ = INSTALLED.set(entries);
}

/// The entries of `place` that `viewer` sees, in order.
pub fn entries(place: Menu, viewer: &Viewer) -> Vec<&'static MenuEntry> {
    INSTALLED
        .get()
        .map(|all| {
            all.iter()
                .copied()
                .filter(|e| e.place == place && viewer.sees(e.shown))
                .collect()
        })
        .unwrap_or_default()
}

/// The template function `menu("main", user)`: a list of `{key, text, href, badge}`.
pub fn template_function(place: String, user: Value) -> Result<Value, minijinja::Error> {
    let place = Menu::from_name(&place).ok_or_else(|| {
        minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("no menu called {place}"),
        )
    })?;
    let viewer = Viewer::from_value(&user);
    Ok(entries(place, &viewer)
        .into_iter()
        .map(|e| {
            let href = super::href(e.href);
            minijinja::context! { key => e.key, text => e.text, href => href, badge => e.badge }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn official(roles: &[Role]) -> Viewer {
        Viewer {
            kind: Some(UserKind::Official),
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn each_kind_of_person_sees_what_is_meant_for_them() {
        let anonymous = Viewer::default();
        let citizen = Viewer {
            kind: Some(UserKind::Citizen),
            roles: Vec::new(),
        };
        let admin = official(&[Role::SystemAdmin]);
        let clerk = official(&[Role::OneStopClerk]);
        assert!(anonymous.sees(Shown::Always) && anonymous.sees(Shown::Anonymous));
        assert!(!anonymous.sees(Shown::SignedIn) && !anonymous.sees(Shown::Public));
        assert!(citizen.sees(Shown::Public) && !citizen.sees(Shown::Official));
        assert!(!citizen.sees(Shown::Anonymous));
        assert!(clerk.sees(Shown::Official) && !clerk.sees(Shown::Public));
        let admins = Shown::AnyRole(&[Role::SystemAdmin, Role::AgencyAdmin]);
        assert!(admin.sees(admins) && !clerk.sees(admins));
    }

    #[test]
    fn the_user_value_of_a_page_reads_as_a_viewer() {
        let user =
            minijinja::context! { kind => "official", roles => vec!["agency_admin", "leader"] };
        let viewer = Viewer::from_value(&user);
        assert_eq!(viewer.kind, Some(UserKind::Official));
        assert_eq!(viewer.roles, vec![Role::AgencyAdmin, Role::Leader]);
        assert!(Viewer::from_value(&Value::UNDEFINED).kind.is_none());
    }
}
