//! One's own account (the kernel's `Policy` for the entity kind `account`): any signed-in
//! person reads and changes their own account, inbox and notification choices — even an account
//! that must still enrol its second factor, which is done there. A token needs the `account`
//! scope.

use super::Principal;
use super::policy::{Cx, Decision, Policy, Refusal, Subject, check};
use crate::Ctx;
use crate::error::AppError;
use std::future::{Future, ready};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    /// Read or change what is one's own: profile, tokens, inbox, notification choices.
    Own,
}

pub struct AccountPolicy;

impl Policy for AccountPolicy {
    const KIND: &'static str = "account";
    const SCOPES: &'static [&'static str] = &["account"];
    type Entity = ();
    type Action = AccountAction;
    type Grant = ();

    fn scope(_action: AccountAction) -> &'static str {
        "account"
    }

    /// The second factor is enrolled from one's own account.
    fn before_second_factor(_action: AccountAction) -> bool {
        true
    }

    fn decide(
        _cx: &Cx<'_>,
        who: &Subject<'_>,
        _account: &(),
        _action: AccountAction,
    ) -> impl Future<Output = Result<Decision<()>, AppError>> + Send {
        ready(Ok(match who.user() {
            Some(_) => Ok(()),
            None => Err(Refusal::SignIn),
        }))
    }
}

/// Checks that `principal` may read or change their own account.
pub async fn own(state: &Ctx, principal: &Principal) -> Result<(), AppError> {
    check::<AccountPolicy>(
        &Cx::from(state),
        &Subject::of(principal),
        &(),
        AccountAction::Own,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::{AccountAction, AccountPolicy};
    use crate::auth::policy::{Refusal, Subject, prelude_of};
    use crate::auth::{Principal, Role, User, UserKind};

    #[test]
    fn one_s_own_account_is_open_before_the_second_factor_and_to_account_tokens() {
        let admin = User {
            id: "u".into(),
            kind: UserKind::Official,
            full_name: "U".into(),
            email: None,
            agency_id: None,
            roles: vec![Role::SystemAdmin],
            totp_enabled: false,
        };
        let own = |p: &Principal| prelude_of::<AccountPolicy>(&Subject::of(p), AccountAction::Own);
        assert_eq!(own(&Principal::User(admin.clone())), Ok(()));
        assert_eq!(own(&Principal::Anonymous), Err(Refusal::SignIn));
        let token = |scope: &str| Principal::Token {
            user: admin.clone(),
            scopes: vec![scope.into()],
        };
        assert_eq!(own(&token("account")), Ok(()));
        assert_eq!(own(&token("dossiers")), Err(Refusal::Forbidden));
    }
}
