//! A module's routes, each written once: pages and form posts through [`Routes::get`] and its
//! siblings, API operations through [`Routes::api`] with the path and method taken from their
//! `#[utoipa::path]` annotation (so the OpenAPI document and the router cannot disagree). Every
//! route records who may reach it ([`Access`]), which the permission tests enumerate.

use crate::Ctx;
use crate::auth::Principal;
use crate::auth::session::Auth;
use crate::error::{AppError, PageError};
use axum::extract::{FromRequestParts, Request, State};
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::PathItem;
use utoipa_axum::router::UtoipaMethodRouter;

/// Who may reach a route, before the handler decides about the particular object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not; the handler may still answer 404 for an object it hides.
    Public,
    /// Any signed-in person or API token; the handler checks the object.
    SignedIn,
    /// A signed-in caller; what they may do is decided by the permission policy of this
    /// entity kind (e.g. `dossier`, `agency`).
    Entity(&'static str),
    /// Decided by the permission policy of this entity kind, which may admit a caller without
    /// an account who holds a capability (a feedback reporter's key from their link).
    Capability(&'static str),
    /// An API token with this scope (machine clients such as Open311 posters).
    Scope(&'static str),
}

/// One route as declared: for the permission table and the documentation.
#[derive(Clone, Debug)]
pub struct RouteInfo {
    pub module: &'static str,
    pub method: Method,
    pub path: String,
    pub access: Access,
    /// Whether it is an API operation in the OpenAPI document.
    pub documented: bool,
}

pub struct Routes {
    module: &'static str,
    entries: Vec<Entry>,
    openapi: OpenApi,
    table: Vec<RouteInfo>,
}

/// One path's handlers for one access: the router applies the access when it is assembled.
struct Entry {
    path: String,
    handlers: MethodRouter<Ctx>,
    access: Access,
}

impl Routes {
    pub fn new(module: &'static str) -> Routes {
        Routes {
            module,
            entries: Vec::new(),
            openapi: OpenApi::default(),
            table: Vec::new(),
        }
    }

    /// API operations from `routes!(handler)`: path and method come from the handler's
    /// `#[utoipa::path]`. One handler per call, so each gets its own access.
    pub fn api(mut self, access: Access, operations: UtoipaMethodRouter<Ctx>) -> Routes {
        let (schemas, paths, handlers) = operations;
        for (path, item) in paths.paths {
            for method in methods_of(&item) {
                self.table.push(RouteInfo {
                    module: self.module,
                    method,
                    path: path.clone(),
                    access,
                    documented: true,
                });
            }
            self.entries.push(Entry {
                path: path.clone(),
                handlers: handlers.clone(),
                access,
            });
            match self.openapi.paths.paths.get_mut(&path) {
                Some(existing) => existing.merge_operations(item),
                None => {
                    self.openapi.paths.paths.insert(path, item);
                }
            }
        }
        let components = self.openapi.components.get_or_insert_with(Default::default);
        components.schemas.extend(schemas);
        self
    }

    pub fn get<H: Handler<T, Ctx>, T: 'static>(self, path: &str, access: Access, h: H) -> Routes {
        self.on(Method::GET, MethodFilter::GET, path, access, h)
    }

    pub fn post<H: Handler<T, Ctx>, T: 'static>(self, path: &str, access: Access, h: H) -> Routes {
        self.on(Method::POST, MethodFilter::POST, path, access, h)
    }

    pub fn put<H: Handler<T, Ctx>, T: 'static>(self, path: &str, access: Access, h: H) -> Routes {
        self.on(Method::PUT, MethodFilter::PUT, path, access, h)
    }

    pub fn delete<H: Handler<T, Ctx>, T: 'static>(
        self,
        path: &str,
        access: Access,
        h: H,
    ) -> Routes {
        self.on(Method::DELETE, MethodFilter::DELETE, path, access, h)
    }

    /// Adds the routes of another part of the same module.
    pub fn merge(mut self, other: Routes) -> Routes {
        self.entries.extend(other.entries);
        self.table.extend(other.table);
        let components = other.openapi.components.unwrap_or_default();
        self.openapi.paths.paths.extend(other.openapi.paths.paths);
        self.openapi
            .components
            .get_or_insert_with(Default::default)
            .schemas
            .extend(components.schemas);
        self
    }

    pub fn table(&self) -> &[RouteInfo] {
        &self.table
    }

    /// The API operations' paths and schemas, for the OpenAPI document.
    pub fn openapi(&self) -> &OpenApi {
        &self.openapi
    }

    /// The router. A route that needs a signed-in caller refuses an anonymous one here, before
    /// its body is read: a page sends them to sign in, the API answers 401. What a signed-in
    /// caller may do with the object is still the handler's policy call.
    pub fn into_router(self, state: &Ctx) -> axum::Router<Ctx> {
        self.entries
            .into_iter()
            .fold(axum::Router::new(), |router, entry| {
                let handlers = match entry.access {
                    Access::SignedIn | Access::Entity(_) => {
                        entry
                            .handlers
                            .route_layer(axum::middleware::from_fn_with_state(
                                state.clone(),
                                require_sign_in,
                            ))
                    }
                    Access::Public | Access::Capability(_) | Access::Scope(_) => entry.handlers,
                };
                router.route(&entry.path, handlers)
            })
    }

    fn on<H: Handler<T, Ctx>, T: 'static>(
        mut self,
        method: Method,
        filter: MethodFilter,
        path: &str,
        access: Access,
        h: H,
    ) -> Routes {
        self.table.push(RouteInfo {
            module: self.module,
            method,
            path: path.to_owned(),
            access,
            documented: false,
        });
        self.entries.push(Entry {
            path: path.to_owned(),
            handlers: on(filter, h),
            access,
        });
        self
    }
}

async fn require_sign_in(State(state): State<Ctx>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    match Auth::from_request_parts(&mut parts, &state).await {
        Ok(auth) if !matches!(auth.principal, Principal::Anonymous) => {
            next.run(Request::from_parts(parts, body)).await
        }
        Ok(_) if crate::extract::is_api(&parts.uri) => AppError::Unauthorized.into_problem(),
        Ok(_) => PageError(AppError::Unauthorized).into_response(),
        Err(refused) => refused,
    }
}

fn methods_of(item: &PathItem) -> Vec<Method> {
    [
        (Method::GET, item.get.is_some()),
        (Method::PUT, item.put.is_some()),
        (Method::POST, item.post.is_some()),
        (Method::DELETE, item.delete.is_some()),
        (Method::PATCH, item.patch.is_some()),
        (Method::HEAD, item.head.is_some()),
        (Method::OPTIONS, item.options.is_some()),
    ]
    .into_iter()
    .filter_map(|(m, present)| present.then_some(m))
    .collect()
}
