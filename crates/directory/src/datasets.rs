//! The agency directory as an open dataset: every agency with its electronic identifier code,
//! its parent and its public contact details (what the directory pages show anyone).

use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::{BoxFut, Column, Dataset, Value};

pub const AGENCIES: Dataset = Dataset {
    name: "agencies",
    title: "dataset_agencies",
    description: "dataset_agencies_text",
    columns: &[
        Column::text("code"),
        Column::text("name"),
        Column::text("kind"),
        Column::text("parent_code"),
        Column::text("admin_unit_code"),
        Column::text("address"),
        Column::text("phone"),
        Column::text("email"),
        Column::text("website"),
    ],
    rows,
    refresh_on: crate::events::ALL,
};

fn rows(ctx: &Ctx) -> BoxFut<'_, Result<Vec<Vec<Value>>, AppError>> {
    Box::pin(async move {
        let agencies = crate::store::all(&ctx.db).await?;
        Ok(agencies
            .into_iter()
            .map(|a| {
                vec![
                    a.code.to_string().into(),
                    a.name.into(),
                    a.kind.as_str().into(),
                    a.parent_code.map(|c| c.to_string()).into(),
                    a.admin_unit_code.into(),
                    a.address.into(),
                    a.phone.into(),
                    a.email.into(),
                    a.website.into(),
                ]
            })
            .collect())
    })
}
