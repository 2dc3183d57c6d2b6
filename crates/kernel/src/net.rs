//! The client's address, for throttling and the audit trail.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// The peer address, or, behind `TINHSO_TRUST_PROXY=N` reverse proxies (`1` for one), the
/// address the outermost of them saw: the N-th `X-Forwarded-For` entry from the right.
///
/// Each proxy appends the address it received the request from, so only the right-most
/// entries are written by proxies we run; everything to their left came from the client and
/// is whatever the client chose to send. Taking the left-most entry would let anyone pick a
/// fresh address per request and walk past every per-address limit.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let forwarded = trusted_proxies().and_then(|hops| {
            let header = parts.headers.get_all("x-forwarded-for");
            let values: Vec<&str> = header.iter().filter_map(|v| v.to_str().ok()).collect();
            forwarded_client(&values, hops)
        });
        if let Some(ip) = forwarded {
            return Ok(ClientIp(ip.to_string()));
        }
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "local".into());
        Ok(ClientIp(ip))
    }
}

/// How many reverse proxies stand before the platform (`TINHSO_TRUST_PROXY`, 1–10).
fn trusted_proxies() -> Option<usize> {
    std::env::var("TINHSO_TRUST_PROXY")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| (1..=10).contains(n))
}

/// The `hops`-th address from the right of the `X-Forwarded-For` values (several header
/// lines read as one list, in order). `None` when the list is shorter than that — the request
/// did not come through every proxy — or the entry is not an address.
fn forwarded_client(values: &[&str], hops: usize) -> Option<IpAddr> {
    let entries: Vec<&str> = values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let entry = entries.len().checked_sub(hops).map(|i| entries[i])?;
    entry.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::forwarded_client;

    #[test]
    fn the_address_a_trusted_proxy_appended_is_taken_not_the_clients_own() {
        let cases: &[(&[&str], usize, Option<&str>)] = &[
            // One proxy: it appended the right-most entry; the left one is the client's claim.
            (&["6.6.6.6, 203.0.113.9"], 1, Some("203.0.113.9")),
            (&["203.0.113.9"], 1, Some("203.0.113.9")),
            // Two proxies: the outer one's entry is second from the right.
            (&["6.6.6.6, 203.0.113.9, 10.0.0.2"], 2, Some("203.0.113.9")),
            // Several header lines are one list.
            (&["6.6.6.6", "203.0.113.9"], 1, Some("203.0.113.9")),
            (&["2001:db8::1"], 1, Some("2001:db8::1")),
            // Fewer entries than proxies, an empty header, garbage: the peer address is used.
            (&["203.0.113.9"], 2, None),
            (&[""], 1, None),
            (&[], 1, None),
            (&["6.6.6.6, not-an-address"], 1, None),
        ];
        for (values, hops, expected) in cases {
            let got = forwarded_client(values, *hops).map(|ip| ip.to_string());
            assert_eq!(got.as_deref(), *expected, "{values:?} behind {hops}");
        }
    }
}
