//! The procedure catalog as an open dataset: one row per procedure and agency that carries it
//! out, with the localised code, the statutory time in working days, the fees and the online
//! service level, as the national portal lists them.

use crate::catalog::store;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::{BoxFut, Column, Dataset, Value};

pub const PROCEDURES: Dataset = Dataset {
    name: "procedures",
    title: "dataset_procedures",
    description: "dataset_procedures_text",
    columns: &[
        Column::text("code"),
        Column::text("local_code"),
        Column::text("name"),
        Column::text("field"),
        Column::text("level"),
        Column::number("processing_days"),
        Column::integer("fee_vnd"),
        Column::text("online_level"),
        Column::text("agency_code"),
    ],
    rows,
};

fn rows(ctx: &Ctx) -> BoxFut<'_, Result<Vec<Vec<Value>>, AppError>> {
    Box::pin(async move {
        let mut rows = Vec::new();
        for p in store::export_all(&ctx.db).await? {
            let fee: i64 = p.fees.iter().map(|f| f.amount_vnd).sum();
            for agency in &p.agencies {
                rows.push(vec![
                    p.code.as_str().into(),
                    p.local_code(agency).into(),
                    p.name.as_str().into(),
                    p.field_name.as_str().into(),
                    p.level.as_str().into(),
                    p.processing.as_days().into(),
                    fee.into(),
                    p.online_level.as_str().into(),
                    agency.as_str().into(),
                ]);
            }
        }
        Ok(rows)
    })
}
