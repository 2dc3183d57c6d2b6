//! A module's routes, each written once: pages and form posts through [`Routes::get`] and its
//! siblings, API operations through [`Routes::api`] with the path and method taken from their
//! `#[utoipa::path]` annotation (so the OpenAPI document and the router cannot disagree). Every
//! route records who may reach it ([`Access`]), which the permission tests enumerate.

use crate::app::AppState;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, on};
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::PathItem;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

/// Who may reach a route, before the handler decides about the particular object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not; the handler may still answer 404 for an object it hides.
    Public,
    /// Any signed-in person or API token; the handler checks the object.
    SignedIn,
    /// Decided by the permission policy of this entity kind (e.g. `dossier`, `agency`).
    Entity(&'static str),
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
    router: OpenApiRouter<AppState>,
    table: Vec<RouteInfo>,
}

impl Routes {
    pub fn new(module: &'static str) -> Routes {
        Routes {
            module,
            router: OpenApiRouter::new(),
            table: Vec::new(),
        }
    }

    /// API operations from `routes!(handler)`: path and method come from the handler's
    /// `#[utoipa::path]`. One handler per call, so each gets its own access.
    pub fn api(mut self, access: Access, operations: UtoipaMethodRouter<AppState>) -> Routes {
        for (path, item) in &operations.1.paths {
            for method in methods_of(item) {
                self.table.push(RouteInfo {
                    module: self.module,
                    method,
                    path: path.clone(),
                    access,
                    documented: true,
                });
            }
        }
        self.router = self.router.routes(operations);
        self
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &str,
        access: Access,
        h: H,
    ) -> Routes {
        self.on(Method::GET, MethodFilter::GET, path, access, h)
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &str,
        access: Access,
        h: H,
    ) -> Routes {
        self.on(Method::POST, MethodFilter::POST, path, access, h)
    }

    pub fn put<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &str,
        access: Access,
        h: H,
    ) -> Routes {
        self.on(Method::PUT, MethodFilter::PUT, path, access, h)
    }

    pub fn delete<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &str,
        access: Access,
        h: H,
    ) -> Routes {
        self.on(Method::DELETE, MethodFilter::DELETE, path, access, h)
    }

    /// Adds the routes of another part of the same module.
    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }

    pub fn table(&self) -> &[RouteInfo] {
        &self.table
    }

    /// The router, the OpenAPI paths and schemas of the API operations, and the route table.
    pub fn into_parts(self) -> (axum::Router<AppState>, OpenApi, Vec<RouteInfo>) {
        let (router, openapi) = self.router.split_for_parts();
        (router, openapi, self.table)
    }

    fn on<H: Handler<T, AppState>, T: 'static>(
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
        self.router = self.router.route(path, on(filter, h));
        self
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
