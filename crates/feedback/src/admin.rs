//! Administrators manage feedback categories (with their deadlines) and routing rules, live.

use super::Category;
use super::store;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::error::{AppError, FieldError, PageResult};
use tinhso_kernel::extract::Path;
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::confirm::{self, Confirmation};
use tinhso_kernel::web::{Page, sv};

pub fn routes() -> Routes {
    Routes::new("feedback")
        .get("/admin/feedback", Access::Entity("feedback_routing"), page)
        .post(
            "/admin/feedback/categories",
            Access::Entity("feedback_routing"),
            save_category,
        )
        .post(
            "/admin/feedback/routes",
            Access::Entity("feedback_routing"),
            save_route,
        )
        .post(
            "/admin/feedback/routes/{id}/delete",
            Access::Entity("feedback_routing"),
            delete_route,
        )
}

async fn render(state: &Ctx, page: &Page, errors: &[FieldError]) -> PageResult<Response> {
    let categories = store::categories(&state.db).await?;
    let routes: Vec<_> = store::route_rows(&state.db)
        .await?
        .into_iter()
        .map(|r| {
            context! {
                id => r.id,
                category => r.category_name,
                unit => r.unit_name,
                agency_code => r.agency_code,
                agency_name => r.agency_name,
            }
        })
        .collect();
    let units = tinhso_directory::store::admin_units(&state.db).await?;
    let agencies =
        tinhso_directory::grouped_by_kind(tinhso_directory::store::all(&state.db).await?);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = page.render(
        "admin/feedback.html",
        context! { categories => sv(&categories), routes => routes, units => sv(&units), errors => tinhso_kernel::web::form_errors_in(errors, &["code", "name", "description", "deadline_days", "category", "unit", "agency"]), agencies => agencies },
    )?;
    Ok((status, html).into_response())
}

async fn page(State(state): State<Ctx>, page: Page) -> PageResult<Response> {
    crate::policy::may_manage_routing(&state, &page.principal()).await?;
    render(&state, &page, &[]).await
}

#[derive(Deserialize)]
struct CategoryForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    deadline_days: String,
}

fn check_category(form: &CategoryForm) -> Result<Category, Vec<FieldError>> {
    let mut errors = Vec::new();
    let code = form.code.trim().to_lowercase();
    if !(2..=40).contains(&code.len())
        || !code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        errors.push(FieldError::new(
            "code",
            "Mã lĩnh vực gồm 2–40 chữ thường không dấu, số hoặc dấu gạch ngang.",
        ));
    }
    if !(1..=200).contains(&form.name.trim().chars().count()) {
        errors.push(FieldError::new("name", "Tên lĩnh vực từ 1 đến 200 ký tự."));
    }
    let days = form
        .deadline_days
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|d| (1..=60).contains(d));
    if days.is_none() {
        errors.push(FieldError::new(
            "deadline_days",
            "Thời hạn trả lời từ 1 đến 60 ngày làm việc.",
        ));
    }
    if errors.is_empty() {
        Ok(Category {
            code,
            name: form.name.trim().to_owned(),
            description: form.description.trim().to_owned(),
            deadline_days: days.unwrap_or(10),
        })
    } else {
        Err(errors)
    }
}

fn actor(page: &Page, ip: String) -> Actor {
    Actor {
        label: page.principal().actor_label(),
        ip,
    }
}

async fn save_category(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    axum::Form(form): axum::Form<CategoryForm>,
) -> PageResult<Response> {
    crate::policy::may_manage_routing(&state, &page.principal()).await?;
    let category = match check_category(&form) {
        Ok(c) => c,
        Err(errors) => return render(&state, &page, &errors).await,
    };
    let position = store::categories(&state.db)
        .await?
        .iter()
        .position(|c| c.code == category.code)
        .unwrap_or(999) as i64;
    let mut tx = state.db.begin().await?;
    store::save_category(&mut tx, &category, position).await?;
    audit::record(
        &state.db,
        &mut tx,
        &actor(&page, ip),
        Change {
            action: "feedback.category_saved",
            entity_type: "feedback_category",
            entity_id: &category.code,
            before: serde_json::Value::Null,
            after: serde_json::to_value(&category).unwrap_or_default(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/admin/feedback").into_response())
}

#[derive(Deserialize)]
struct RouteForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    agency: String,
}

async fn save_route(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    axum::Form(form): axum::Form<RouteForm>,
) -> PageResult<Response> {
    crate::policy::may_manage_routing(&state, &page.principal()).await?;
    let mut errors = Vec::new();
    if store::category(&state.db, form.category.trim())
        .await?
        .is_none()
    {
        errors.push(FieldError::new("category", "Chọn một lĩnh vực."));
    }
    let unit = Some(form.unit.trim()).filter(|u| !u.is_empty());
    if let Some(u) = unit
        && !store::admin_unit_exists(&state.db, u).await?
    {
        errors.push(FieldError::new(
            "unit",
            "Đơn vị hành chính không có trong danh mục.",
        ));
    }
    let agency = tinhso_directory::find(&state.db, form.agency.trim()).await?;
    if agency.is_none() {
        errors.push(FieldError::new(
            "agency",
            "Chọn cơ quan tiếp nhận trong danh sách.",
        ));
    }
    let (Some(agency), true) = (agency, errors.is_empty()) else {
        return render(&state, &page, &errors).await;
    };
    let mut tx = state.db.begin().await?;
    store::save_route(&mut tx, form.category.trim(), unit, &agency.id).await?;
    audit::record(
        &state.db,
        &mut tx,
        &actor(&page, ip),
        Change {
            action: "feedback.route_saved",
            entity_type: "feedback_route",
            entity_id: form.category.trim(),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "unit": unit, "agency": agency.code }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/admin/feedback").into_response())
}

#[derive(Deserialize, Default)]
struct ConfirmForm {
    confirm: Option<String>,
}

/// Deleting a routing rule sends new reports of its category and area elsewhere: the step says
/// which rule goes before it does.
async fn confirm_delete(state: &Ctx, page: &Page, id: &str) -> PageResult<Response> {
    let route = store::route_facts(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let back = "/admin/feedback";
    Confirmation::new(
        "route_delete",
        format!("/admin/feedback/routes/{id}/delete"),
        back,
    )
    .fact("feedback_category", route.category)
    .fact(
        "feedback_area",
        route
            .admin_unit_code
            .unwrap_or_else(|| page.tr("feedback_anywhere")),
    )
    .fact("feedback_agency", route.agency_name)
    .render(page)
}

async fn delete_route(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    tinhso_kernel::extract::Form(form): tinhso_kernel::extract::Form<ConfirmForm>,
) -> PageResult<Response> {
    crate::policy::may_manage_routing(&state, &page.principal()).await?;
    if !confirm::given(form.confirm.as_deref()) {
        return confirm_delete(&state, &page, &id).await;
    }
    let mut tx = state.db.begin().await?;
    if !store::delete_route(&mut tx, &id).await? {
        return Err(AppError::NotFound.into());
    }
    audit::record(
        &state.db,
        &mut tx,
        &actor(&page, ip),
        Change {
            action: "feedback.route_deleted",
            entity_type: "feedback_route",
            entity_id: &id,
            before: serde_json::Value::Null,
            after: serde_json::Value::Null,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/admin/feedback").into_response())
}
