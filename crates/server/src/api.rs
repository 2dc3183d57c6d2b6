//! The JSON API under `/api/v1` and its OpenAPI 3.1 document, generated from the handlers'
//! annotations. Errors are RFC 9457 problem+json.

use crate::extract::Json;
use crate::module::{Access, Routes};
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, RefOr, Response};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Tỉnh Số API", description = "Digital-government platform API. Errors are RFC 9457 problem+json. No text may hold a NUL character (U+0000): a path, query or body carrying one is refused with 400.", version = "1"),
    components(schemas(crate::error::Problem)),
    modifiers(&Security, &ProblemResponses),
    tags((name = "directory", description = "Agencies and administrative units"),
         (name = "catalog", description = "The procedure catalog (thủ tục hành chính)"),
         (name = "dossiers", description = "One-stop dossiers (hồ sơ một cửa): tracking, submission, actions, statistics"),
         (name = "feedback", description = "Citizen feedback (phản ánh, kiến nghị) statistics; the reports themselves are under /open311/v2"),
         (name = "documents", description = "Official documents (văn bản đi, văn bản đến) under Decree 30/2020, with the field names of its Appendix VI and edXML"),
         (name = "tasks", description = "Task tracking (theo dõi nhiệm vụ): tasks an authority assigns to units, their reports, acceptance and return, extensions and urging"),
         (name = "ops", description = "The operations centre (trung tâm điều hành): the Decision 766 index of a scope over a period, computed from counters"),
         (name = "signatures", description = "Digital signatures (chữ ký số): checking the PAdES signatures of a PDF against the configured trust anchors"),
         (name = "accounts", description = "The caller, their inbox, officials and API tokens"),
         (name = "audit", description = "The audit trail"),
         (name = "open-data", description = "The platform's own open datasets (dữ liệu mở), live, as JSON and CSV"),
         (name = "opendata", description = "The open data portal (cổng dữ liệu mở): datasets the agencies publish, with their resources"))
)]
pub struct ApiDoc;

/// The platform's description with the modules' API operations (collected from their
/// `#[utoipa::path]` handlers), every operation documenting its problem+json answers.
pub fn document(operations: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(operations);
    ProblemResponses.modify(&mut doc);
    doc
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("API token from the account page"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::session::SESSION_COOKIE,
                "The session cookie of a signed-in browser (with its CSRF token in the \
                 `x-csrf-token` header)",
            ))),
        );
    }
}

/// Documents, on every operation, the problem+json answers any request may get, so that a
/// handler cannot forget one: 400 (unreadable request), 401 and 403 where the operation needs
/// credentials, 404 where the path names a resource, 413, 415 and 422 where it takes a body.
/// Every problem+json answer, these and the ones a handler documents itself, gets the
/// `Problem` schema.
struct ProblemResponses;

impl ProblemResponses {
    const GENERIC: [(u16, &'static str); 7] = [
        (
            400,
            "The request cannot be read: malformed JSON, a field missing or of the wrong type, or a bad query or path parameter",
        ),
        (401, "No valid API token (or session)"),
        (
            403,
            "The token's scopes or the caller's roles do not allow this",
        ),
        (404, "No such resource, or not one the caller may see"),
        (413, "The body is over the size limit"),
        (415, "The body is not JSON (Content-Type: application/json)"),
        (
            422,
            "The request breaks a rule of the domain; `errors` lists each field with its message",
        ),
    ];

    fn applies(status: u16, path: &str, op: &Operation) -> bool {
        let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
        let body = op.request_body.is_some();
        match status {
            400 => true,
            401 | 403 => secured,
            404 => path.contains('{'),
            413 | 415 | 422 => body,
            _ => false,
        }
    }

    fn problem_content() -> Content {
        Content::new(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
            "Problem",
        ))))
    }

    fn operation(path: &str, op: &mut Operation) {
        for (status, description) in Self::GENERIC {
            if Self::applies(status, path, op) {
                op.responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| RefOr::T(Response::new(description)));
            }
        }
        for (status, response) in op.responses.responses.iter_mut() {
            let RefOr::T(response) = response else {
                continue;
            };
            let error = status.starts_with('4') || status.starts_with('5');
            if error && response.content.is_empty() {
                response.content.insert(
                    crate::error::Problem::CONTENT_TYPE.to_owned(),
                    RefOr::T(Self::problem_content()),
                );
            } else if let Some(RefOr::T(content)) = response
                .content
                .get_mut(crate::error::Problem::CONTENT_TYPE)
                && content.schema.is_none()
            {
                *content = Self::problem_content();
            }
        }
    }
}

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ]
            .into_iter()
            .flatten()
            {
                Self::operation(path, op);
            }
        }
    }
}

/// The document itself.
pub fn routes() -> Routes {
    Routes::new("portal").get("/api/openapi.json", Access::Public, openapi)
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(crate::app::openapi().clone())
}

/// Component names registered by more than one different schema. utoipa keeps only the last
/// schema registered under a name, so two Rust types sharing a name silently document one
/// operation with the other's shape.
pub fn colliding_component_names(
    registered: &[(String, RefOr<utoipa::openapi::schema::Schema>)],
) -> Vec<String> {
    let mut seen: std::collections::BTreeMap<&str, String> = Default::default();
    let mut colliding = std::collections::BTreeSet::new();
    for (name, schema) in registered {
        let text = serde_json::to_string(schema).unwrap_or_default();
        match seen.get(name.as_str()) {
            Some(first) if *first != text => {
                colliding.insert(name.clone());
            }
            Some(_) => {}
            None => {
                seen.insert(name, text);
            }
        }
    }
    colliding.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::api as accounts_api;
    use crate::agencies::http::*;
    use crate::audit::http as audit_api;
    use crate::catalog::http as catalog;
    use crate::datasets;
    use crate::dossiers::{api as dossiers, stats as dossier_stats};
    use crate::feedback::stats as feedback_stats;
    use crate::notify::http as notify;
    use tinhso_officialdocs::api as documents;
    use tinhso_officialdocs::processing_api as document_flow;
    use tinhso_officialdocs::registers;
    use tinhso_officialdocs::search::api as document_search;
    use tinhso_officialdocs::work_files::api as work_files;
    use tinhso_opendata::api as opendata;
    use tinhso_ops::api as ops;
    use tinhso_signatures::http as signatures;
    use tinhso_signatures::remote_http as signing_sessions;
    use tinhso_tasks::api as tasks;
    use tinhso_tasks::overview_api as task_reports;
    use tinhso_tasks::parts as task_parts;
    use utoipa::__dev::SchemaReferences;

    /// Every schema each handler registers, and the operations the handlers declare.
    macro_rules! registrations {
        ($($handler:path),* $(,)?) => {{
            let mut schemas = Vec::new();
            let mut operations = std::collections::BTreeSet::new();
            $(
                <$handler as SchemaReferences>::schemas(&mut schemas);
                for method in <$handler as utoipa::Path>::methods() {
                    let method = serde_json::to_value(&method).unwrap();
                    operations.insert((<$handler as utoipa::Path>::path(), method.as_str().unwrap().to_owned()));
                }
            )*
            (schemas, operations)
        }};
    }

    #[test]
    fn no_two_types_share_a_component_name() {
        let (schemas, operations) = registrations!(
            __path_api_list,
            __path_api_tree,
            __path_api_get,
            __path_api_create,
            __path_api_update,
            __path_api_export,
            __path_api_admin_units,
            catalog::__path_api_list,
            catalog::__path_api_get,
            catalog::__path_api_put,
            catalog::__path_api_import,
            catalog::__path_api_export_json,
            catalog::__path_api_export_csv,
            catalog::__path_api_fields,
            dossiers::__path_track,
            dossiers::__path_submit,
            dossiers::__path_read,
            dossiers::__path_act,
            dossiers::__path_assign,
            dossiers::__path_my_work,
            dossiers::__path_my_papers,
            dossier_stats::__path_api,
            feedback_stats::__path_api,
            accounts_api::__path_me,
            accounts_api::__path_list_officials,
            accounts_api::__path_create_official,
            audit_api::__path_audit_entries,
            accounts_api::__path_list_tokens,
            accounts_api::__path_create_token,
            accounts_api::__path_revoke_token,
            notify::__path_api_list,
            notify::__path_api_read,
            datasets::__path_api_list,
            datasets::__path_api_show,
            datasets::__path_api_csv,
            documents::__path_create,
            documents::__path_read,
            documents::__path_read_log,
            documents::__path_text,
            documents::__path_upload_version,
            documents::__path_sign_version,
            documents::__path_act,
            documents::__path_seal,
            documents::__path_incoming_list,
            documents::__path_register,
            tinhso_officialdocs::appendix_api::__path_list_appendices,
            tinhso_officialdocs::appendix_api::__path_add_appendix,
            tinhso_officialdocs::appendix_api::__path_remove_appendix,
            tinhso_officialdocs::appendix_api::__path_appendix_file,
            tinhso_officialdocs::setup::__path_types,
            tinhso_officialdocs::setup::__path_units,
            tinhso_officialdocs::setup::__path_set_abbreviation,
            tinhso_officialdocs::setup::__path_registers,
            registers::__path_register_file,
            work_files::__path_lists,
            work_files::__path_create_list,
            work_files::__path_list_view,
            work_files::__path_add_heading,
            work_files::__path_add_file,
            work_files::__path_list_act,
            work_files::__path_file_view,
            work_files::__path_file_act,
            work_files::__path_place_document,
            work_files::__path_remove_document,
            work_files::__path_export_pdf,
            work_files::__path_export_xml,
            document_flow::__path_present,
            document_flow::__path_direct,
            document_flow::__path_close,
            document_flow::__path_assignment_action,
            document_flow::__path_overdue,
            document_flow::__path_assigned,
            document_flow::__path_timeliness,
            document_flow::__path_comments,
            document_flow::__path_comment,
            document_flow::__path_return_to_sender,
            document_flow::__path_recall_request,
            document_flow::__path_accept_recall,
            document_flow::__path_refuse_recall,
            documents::__path_resend,
            document_search::__path_search_documents,
            document_search::__path_saved_list,
            document_search::__path_saved_create,
            document_search::__path_saved_delete,
            signatures::__path_verify_api,
            tinhso_signatures::images::__path_my_upload_api,
            tinhso_signatures::register_http::__path_own_register_api,
            signing_sessions::__path_session_api,
            signing_sessions::__path_signature_api,
            tasks::__path_list,
            tasks::__path_create,
            tasks::__path_read,
            tasks::__path_report,
            tasks::__path_accept,
            tasks::__path_return_task,
            opendata::__path_list,
            opendata::__path_show,
            tasks::__path_ask_extension,
            tasks::__path_grant_extension,
            tasks::__path_refuse_extension,
            tasks::__path_urge,
            task_parts::__path_create_part,
            task_parts::__path_report_part,
            tinhso_tasks::recurrence::__path_cancel_series,
            tinhso_tasks::import::__path_import_api,
            task_reports::__path_overview_read,
            task_reports::__path_ranking_read,
            task_reports::__path_rules_read,
            task_reports::__path_rules_set,
            ops::__path_read_index,
            ops::__path_list_declarations,
            ops::__path_declare,
            ops::__path_withdraw,
            ops::__path_read_report,
            ops::__path_list_schedules,
            ops::__path_create_schedule,
            ops::__path_end_schedule,
            tinhso_ops::map::__path_feedback_clusters,
        );
        // The list above covers every documented operation, so a new handler cannot skip the check.
        let doc = serde_json::to_value(crate::app::openapi()).unwrap();
        let documented: std::collections::BTreeSet<(String, String)> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .unwrap()
                    .keys()
                    .map(|method| (path.clone(), method.clone()))
            })
            .collect();
        assert_eq!(operations, documented);
        assert_eq!(colliding_component_names(&schemas), Vec::<String>::new());
        // Every registered name is in the document's components.
        for (name, _) in &schemas {
            assert!(doc["components"]["schemas"][name].is_object(), "{name}");
        }
    }

    #[test]
    fn a_name_registered_by_two_shapes_is_reported() {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let a = RefOr::T(
            ObjectBuilder::new()
                .property("x", ObjectBuilder::new().schema_type(Type::String))
                .into(),
        );
        let b = RefOr::T(
            ObjectBuilder::new()
                .property("y", ObjectBuilder::new().schema_type(Type::Integer))
                .into(),
        );
        let registered = vec![
            ("Report".to_owned(), a.clone()),
            ("Report".to_owned(), a.clone()),
            ("Row".to_owned(), a),
            ("Report".to_owned(), b),
        ];
        assert_eq!(colliding_component_names(&registered), ["Report"]);
    }

    #[test]
    fn every_error_answer_is_documented_as_a_problem() {
        let doc = serde_json::to_value(crate::app::openapi()).unwrap();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let responses = op["responses"].as_object().unwrap();
                assert!(responses.contains_key("400"), "{method} {path}: 400");
                if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
                    assert!(
                        responses.contains_key("401") && responses.contains_key("403"),
                        "{method} {path}: 401/403"
                    );
                }
                if op.get("requestBody").is_some() {
                    for status in ["415", "422"] {
                        assert!(responses.contains_key(status), "{method} {path}: {status}");
                    }
                }
                for (status, response) in responses {
                    if let Some(problem) = response["content"].get("application/problem+json") {
                        assert_eq!(
                            problem["schema"]["$ref"], "#/components/schemas/Problem",
                            "{method} {path} {status}"
                        );
                    } else if status.starts_with('4') {
                        assert!(
                            response["content"].is_object(),
                            "{method} {path} {status} has a body"
                        );
                    }
                }
            }
        }
    }
}
