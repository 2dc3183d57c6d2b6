//! Headers every response carries so browsers contain what a page may do: scripts and styles
//! only from the platform, images also from the map's tile server, no framing, no full URLs
//! (which can hold a reporter's key) sent to other sites.

use crate::config::MapConfig;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// The Content-Security-Policy for the platform's pages.
pub fn content_security_policy(map: &MapConfig) -> String {
    let tiles = map
        .tile_origin()
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; img-src 'self' data:{tiles}; script-src 'self'; \
         style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
    )
}

/// One layer per header; a handler that sets its own keeps it.
pub fn layers(map: &MapConfig) -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    let csp = HeaderValue::from_str(&content_security_policy(map))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
    let fixed: [(HeaderName, HeaderValue); 5] = [
        (header::CONTENT_SECURITY_POLICY, csp),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ),
        (
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("geolocation=(self), camera=(), microphone=()"),
        ),
    ];
    fixed
        .into_iter()
        .map(|(name, value)| SetResponseHeaderLayer::if_not_present(name, value))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tile_server_is_the_only_outside_image_source() {
        let csp = content_security_policy(&MapConfig::default());
        assert!(csp.contains("img-src 'self' data: https://tile.openstreetmap.org;"));
        assert!(csp.contains("script-src 'self';"));
        let off = MapConfig {
            tiles: String::new(),
            ..MapConfig::default()
        };
        assert!(content_security_policy(&off).contains("img-src 'self' data:;"));
        let spread = MapConfig {
            tiles: "https://{s}.tile.example.org:8443/{z}/{x}/{y}.png".into(),
            ..MapConfig::default()
        };
        assert!(
            content_security_policy(&spread)
                .contains("img-src 'self' data: https://*.tile.example.org:8443;")
        );
    }
}
