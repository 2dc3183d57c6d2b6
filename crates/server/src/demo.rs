//! The demo province, loaded by each module's `demo` in the modules' order: the calendar's
//! notices (platform), agencies and units (directory), accounts, the procedure catalog and linked
//! procedures (one-stop), feedback categories and routes. Every person here is fictional.

use crate::app::{AppState, MODULES};

pub use tinhso_accounts::demo::{DEMO_PASSWORD, OFFICIALS, PUBLIC_USERS};

pub async fn is_empty(state: &AppState) -> anyhow::Result<bool> {
    let agencies = crate::agencies::store::count(&state.db)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(agencies == 0)
}

/// Every module's demo data, in module order (each after what it refers to).
pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    for module in MODULES {
        if let Some(demo) = module.demo {
            demo(state)
                .await
                .map_err(|e| e.context(format!("demo data of module {}", module.name)))?;
        }
    }
    Ok(())
}
