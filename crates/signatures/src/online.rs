//! Revocation answers fetched online (docs/signatures-design.md §6.4): when a signature's
//! certificates chain to a trusted anchor but the file carries no OCSP response or CRL for
//! one of them, the platform asks the responder named in the certificate (OCSP first, then
//! the CRL) and checks again with the answer. Answers are kept in `revocation_cache`, shared
//! by the nodes, until their nextUpdate; a failure for a few minutes.
//!
//! Only certificates whose path reached a configured anchor are asked about (the crate checks
//! revocation for those alone), at most eight a check. Still, the URLs come from files anyone
//! may upload, so fetching is guarded against server-side request forgery: only `http`/`https`, no credentials in the URL, no redirects, no proxy,
//! a 5 s timeout and a size cap, and the host must resolve to public addresses only — unless
//! it is `public_url`'s host (the demo CA answers from the platform itself) or one the
//! operator allowed (`signatures.fetch_allow_hosts`). Addresses are checked where the
//! connection is made (the resolver), so a name cannot resolve to one address when checked
//! and another when used.

use crate::store;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tinhso_kernel::Ctx;
use tinhso_pades::CertificateStatus;
use tinhso_pades::DocumentReport;
use tinhso_pades::chain::{ChainReport, Trust, Usage};
use tinhso_pades::revocation::{self, Kind, RevocationData, Status, fetched_answer, ocsp_knows};

/// How long one fetch may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(5);
/// The largest OCSP response read (a response with a few certificates is 2–5 KB).
const MAX_OCSP_BYTES: usize = 64 * 1024;
/// The largest CRL read (§6.4).
const MAX_CRL_BYTES: usize = 10 * 1024 * 1024;
/// How long a failed fetch is remembered before it is tried again.
const FAILURE_KEPT: chrono::Duration = chrono::Duration::minutes(5);
/// How long an answer without a nextUpdate is kept.
const NO_NEXT_UPDATE_KEPT: chrono::Duration = chrono::Duration::hours(1);
/// URLs tried per certificate and kind: a certificate naming more is not asked beyond these.
const MAX_URLS: usize = 2;
/// Certificates asked about per check (a file with many signatures asks for the first ones).
const MAX_CERTIFICATES: usize = 8;

/// What a URL may be fetched from.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    /// Lower-case host names allowed to resolve to private or loopback addresses, any port.
    allowed_hosts: HashSet<String>,
    /// `public_url`'s host and port: the platform itself (the demo CA's responders), allowed
    /// on that port only.
    own_origin: Option<(String, u16)>,
}

/// Why a URL is not fetched.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    Unreadable,
    Scheme,
    Credentials,
    Address(IpAddr),
    /// The platform's own host on another port than `public_url`'s.
    OwnHostPort(u16),
}

fn host_key(host: &str) -> String {
    host.trim_matches(['[', ']']).to_ascii_lowercase()
}

impl Guard {
    /// The guard of this installation: `public_url`'s origin and the configured hosts allowed.
    pub fn of(ctx: &Ctx) -> Guard {
        Guard::allowing(ctx.config.signatures.fetch_allow_hosts.iter().cloned())
            .with_own_origin(&ctx.config.public_url)
    }

    pub fn allowing(hosts: impl IntoIterator<Item = String>) -> Guard {
        Guard {
            allowed_hosts: hosts.into_iter().map(|h| host_key(&h)).collect(),
            own_origin: None,
        }
    }

    pub fn with_own_origin(mut self, public_url: &str) -> Guard {
        self.own_origin = url::Url::parse(public_url).ok().and_then(|u| {
            let port = u.port_or_known_default()?;
            Some((host_key(u.host_str()?), port))
        });
        self
    }

    /// Whether a name may resolve to any address (the resolver does not see the port: the
    /// platform's own host is held to its port by [`Guard::check_url`] before each request).
    fn allows_name(&self, host: &str) -> bool {
        let host = host_key(host);
        self.allowed_hosts.contains(&host) || self.own_origin.as_ref().is_some_and(|o| o.0 == host)
    }

    /// Whether `url` may be asked at all; a name's addresses are checked when it resolves.
    pub fn check_url(&self, url: &str) -> Result<url::Url, Refused> {
        let parsed = url::Url::parse(url).map_err(|_| Refused::Unreadable)?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Refused::Scheme);
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Refused::Credentials);
        }
        let host = host_key(parsed.host_str().ok_or(Refused::Unreadable)?);
        let port = parsed.port_or_known_default().ok_or(Refused::Unreadable)?;
        if self.allowed_hosts.contains(&host) {
            return Ok(parsed);
        }
        if let Some((own, own_port)) = &self.own_origin
            && *own == host
        {
            return if *own_port == port {
                Ok(parsed)
            } else {
                Err(Refused::OwnHostPort(port))
            };
        }
        let literal = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        match literal {
            Some(ip) if !is_public(ip) => Err(Refused::Address(ip)),
            _ => Ok(parsed),
        }
    }
}

/// A globally routable unicast address: not loopback, private, link-local (cloud metadata at
/// 169.254.169.254), shared (CGNAT), documentation, benchmarking, multicast, broadcast,
/// unspecified or reserved — in either family, IPv4 inside IPv6 included.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let first = segments[0];
    // NAT64 (64:ff9b::/96) carries an IPv4 address: judged as that address.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [a, b] = segments[6].to_be_bytes();
        let [c, d] = segments[7].to_be_bytes();
        return is_public_v4(Ipv4Addr::new(a, b, c, d));
    }
    let unique_local = (first & 0xfe00) == 0xfc00;
    let link_local = (first & 0xffc0) == 0xfe80;
    let site_local = (first & 0xffc0) == 0xfec0;
    let documentation = first == 0x2001 && segments[1] == 0x0db8;
    // ::a.b.c.d, the deprecated IPv4-compatible form (mapped ones are judged before).
    let ipv4_compatible = segments[..6] == [0; 6];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || unique_local
        || link_local
        || site_local
        || documentation
        || ipv4_compatible)
}

/// The resolver the client connects through: a name outside the allowed hosts resolves to its
/// public addresses only, and to nothing (an error) if it has none.
struct GuardedResolver(Guard);

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        let allowed = self.0.allows_name(&host);
        Box::pin(resolve_guarded(host, allowed))
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn resolve_guarded(host: String, allowed: bool) -> Result<reqwest::dns::Addrs, BoxError> {
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
        .await?
        .filter(|a| allowed || is_public(a.ip()))
        .collect();
    if found.is_empty() {
        return Err(format!("{host}: no public address").into());
    }
    Ok(Box::new(found.into_iter()))
}

/// The client for fetches under `guard` (revocation answers, and the external TSA's tokens),
/// each allowed `timeout`.
pub(crate) fn client(guard: &Guard, timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::ClientBuilder::new()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("tinhso/", env!("CARGO_PKG_VERSION"), " revocation"))
        .dns_resolver(Arc::new(GuardedResolver(guard.clone())))
        .build()
}

/// One thing to ask: an OCSP request to a responder, or a CRL's address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Question {
    kind: Kind,
    url: String,
    request: Option<Vec<u8>>,
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Ocsp => "ocsp",
        Kind::Crl => "crl",
    }
}

impl Question {
    fn cache_key(&self) -> String {
        let mut hash = Sha256::new();
        hash.update(kind_name(self.kind));
        hash.update([0]);
        hash.update(&self.url);
        hash.update([0]);
        hash.update(self.request.as_deref().unwrap_or_default());
        hex::encode(hash.finalize())
    }
}

/// For each certificate of `report` without an answer, in order: its OCSP questions, then its
/// CRLs.
fn questions(report: &DocumentReport) -> Vec<Vec<Question>> {
    questions_of(report.signatures.iter().flat_map(|s| &s.revocation))
}

/// For each of `statuses` without an answer, in order: its OCSP questions, then its CRLs.
fn questions_of<'a>(statuses: impl Iterator<Item = &'a CertificateStatus>) -> Vec<Vec<Question>> {
    let mut seen = HashSet::new();
    statuses
        .filter_map(|status| match &status.status {
            Status::Unknown {
                ocsp_urls,
                crl_urls,
            } => {
                let ocsp = status.ocsp_request.iter().flat_map(|request| {
                    ocsp_urls.iter().take(MAX_URLS).map(move |url| Question {
                        kind: Kind::Ocsp,
                        url: url.clone(),
                        request: Some(request.clone()),
                    })
                });
                let crl = crl_urls.iter().take(MAX_URLS).map(|url| Question {
                    kind: Kind::Crl,
                    url: url.clone(),
                    request: None,
                });
                let asked: Vec<Question> = ocsp.chain(crl).collect();
                seen.insert(asked.clone()).then_some(asked)
            }
            _ => None,
        })
        .filter(|asked| !asked.is_empty())
        .take(MAX_CERTIFICATES)
        .collect()
}

/// Whether `report` has a certificate the platform could ask about.
pub fn wanted(report: &DocumentReport) -> bool {
    !questions(report).is_empty()
}

/// The answers the platform could get for `report`'s certificates that had none: from the
/// cache, else fetched (and cached). A certificate whose questions all fail gets nothing: the
/// check then says its revocation could not be checked.
pub async fn fetch(ctx: &Ctx, report: &DocumentReport) -> RevocationData {
    ask_all(ctx, questions(report), Keep::Cache).await
}

/// Whether fetched answers go to the shared cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    Cache,
    /// Read the cache, write nothing: a signing inside another module's transaction (on SQLite
    /// a write from another connection would wait for it).
    ReadOnly,
}

/// The answers about `statuses` (certificates checked one by one: a registration, a signer at
/// signing, the B-LT data), as [`fetch`] gets them for a file's.
pub async fn fetch_statuses(
    ctx: &Ctx,
    statuses: &[CertificateStatus],
    keep: Keep,
) -> RevocationData {
    ask_all(ctx, questions_of(statuses.iter()), keep).await
}

async fn ask_all(ctx: &Ctx, questions: Vec<Vec<Question>>, keep: Keep) -> RevocationData {
    let mut data = RevocationData::default();
    let guard = Guard::of(ctx);
    let client = match client(&guard, TIMEOUT) {
        Ok(client) => client,
        Err(e) => {
            tracing::warn!(error = %e, "signatures: no HTTP client for revocation");
            return data;
        }
    };
    for asked in questions {
        for question in asked {
            let Some(answer) = answer(ctx, &client, &guard, &question, keep).await else {
                continue;
            };
            // A responder that does not know the certificate (an issuing CA the root's CRL
            // covers) leaves the question open: the CRL is asked next.
            let settled = match (&question.kind, &question.request) {
                (Kind::Ocsp, Some(request)) => ocsp_knows(&answer, request),
                _ => true,
            };
            match question.kind {
                Kind::Ocsp => data.ocsp_responses.push(answer),
                Kind::Crl => data.crls.push(answer),
            }
            if settled {
                break;
            }
        }
    }
    data
}

/// The kept answer to `question`, or a fresh one.
async fn answer(
    ctx: &Ctx,
    client: &reqwest::Client,
    guard: &Guard,
    question: &Question,
    keep: Keep,
) -> Option<Vec<u8>> {
    let key = question.cache_key();
    match store::cached_answer(&ctx.db, &key).await {
        Ok(Some(kept)) => return kept,
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "signatures: revocation cache unreadable"),
    }
    let fetched = ask(client, guard, question).await;
    let keep_until = match &fetched {
        Ok((_, next_update)) => keep_until(*next_update),
        Err(e) => {
            tracing::info!(url = %question.url, error = %e, "signatures: no revocation answer");
            tinhso_kernel::time::now() + FAILURE_KEPT
        }
    };
    let answer = fetched.ok().map(|(der, _)| der);
    if keep == Keep::ReadOnly {
        return answer;
    }
    let kept = store::KeptAnswer {
        key: &key,
        kind: kind_name(question.kind),
        url: &question.url,
        answer: answer.as_deref(),
        keep_until: &tinhso_kernel::time::to_text(keep_until),
    };
    if let Err(e) = store::keep_answer(&ctx.db, &kept).await {
        tracing::warn!(error = %e, "signatures: revocation answer not cached");
    }
    answer
}

/// Until the answer's nextUpdate (an hour when it has none); never in the past.
fn keep_until(next_update: Option<Duration>) -> chrono::DateTime<chrono::Utc> {
    let now = tinhso_kernel::time::now();
    next_update
        .and_then(|d| chrono::DateTime::from_timestamp(d.as_secs() as i64, 0))
        .unwrap_or(now + NO_NEXT_UPDATE_KEPT)
        .max(now)
}

/// Asks one question over HTTP; the answer must read as what was asked for.
async fn ask(
    client: &reqwest::Client,
    guard: &Guard,
    question: &Question,
) -> anyhow::Result<(Vec<u8>, Option<Duration>)> {
    let url = guard
        .check_url(&question.url)
        .map_err(|r| anyhow::anyhow!("refused: {r:?}"))?;
    let (request, limit) = match (&question.kind, &question.request) {
        (Kind::Ocsp, Some(body)) => (
            client
                .post(url)
                .header("content-type", "application/ocsp-request")
                .body(body.clone()),
            MAX_OCSP_BYTES,
        ),
        _ => (client.get(url), MAX_CRL_BYTES),
    };
    let mut response = request.send().await?;
    anyhow::ensure!(
        response.status().is_success(),
        "answered {}",
        response.status()
    );
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        anyhow::ensure!(body.len() + chunk.len() <= limit, "more than {limit} bytes");
        body.extend_from_slice(&chunk);
    }
    let next_update = fetched_answer(question.kind, &body)
        .ok_or_else(|| anyhow::anyhow!("not a usable answer"))?;
    Ok((body, next_update))
}

/// Where a certificate stands, checked on its own now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Every certificate of its path below the anchor answered "good".
    Good,
    /// A certificate of its path is revoked (the subject, and since when).
    Revoked { subject: String, time: String },
    /// Some certificate of its path has no answer: its responders did not answer, or fetching
    /// is off (`signatures.online_revocation`).
    Unknown,
}

/// The warning when a certificate's revocation status could not be checked (as a signature's
/// report words it).
pub const CANNOT_CHECK: &str = "Không kiểm tra được tình trạng thu hồi của chứng thư số (máy chủ OCSP và CRL của tổ chức chứng thực không trả lời)";

/// `der`'s path to `trust` now (with `candidates` as intermediates) and, when one is found,
/// where it stands: its own OCSP responders and CRL addresses asked ([`fetch_statuses`]), as
/// a file's signer is. `None` when `der` is not a certificate.
pub async fn standing(
    ctx: &Ctx,
    der: &[u8],
    candidates: &[Vec<u8>],
    usage: Usage,
    trust: &Trust,
    keep: Keep,
) -> Option<(ChainReport, Standing)> {
    let now = std::time::SystemTime::now();
    let check = |data: RevocationData| {
        let candidates: Vec<&[u8]> = candidates.iter().map(Vec::as_slice).collect();
        revocation::check_certificate(der, &candidates, usage, trust, &data, now, now)
    };
    let (chain, statuses) = check(RevocationData::default())?;
    if chain.problem.is_some() || statuses.is_empty() {
        return Some((chain, Standing::Unknown));
    }
    let data = if ctx.config.signatures.online_revocation {
        fetch_statuses(ctx, &statuses, keep).await
    } else {
        RevocationData::default()
    };
    let (chain, statuses) = check(data)?;
    Some((chain, judge(&statuses)))
}

/// A revoked certificate first, then one without an answer; else good.
fn judge(statuses: &[CertificateStatus]) -> Standing {
    if let Some((subject, time)) = statuses.iter().find_map(|s| match &s.status {
        Status::Revoked { time, .. } => Some((s.subject.clone(), time.clone())),
        _ => None,
    }) {
        return Standing::Revoked { subject, time };
    }
    if statuses.iter().all(|s| s.status == Status::Good) {
        Standing::Good
    } else {
        Standing::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn only_globally_routable_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(!is_public(ip(private)), "{private} counted as public");
        }
        for public in [
            "8.8.8.8",
            "203.162.4.191",
            "14.225.0.1",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(is_public(ip(public)), "{public} counted as private");
        }
    }

    #[test]
    fn urls_outside_http_with_credentials_or_private_literals_are_refused() {
        let guard = Guard::allowing(["ca.tinh.gov.vn".to_owned(), "10.9.9.9".to_owned()])
            .with_own_origin("http://TinhSo.example.vn:8080/");
        for (url, refused) in [
            ("file:///etc/passwd", Refused::Scheme),
            ("ftp://ca.example/crl", Refused::Scheme),
            ("gopher://127.0.0.1:6379/_INFO", Refused::Scheme),
            ("http://user:pw@ca.example/ocsp", Refused::Credentials),
            ("http://127.0.0.1:6379/", Refused::Address(ip("127.0.0.1"))),
            (
                "http://169.254.169.254/latest/meta-data/",
                Refused::Address(ip("169.254.169.254")),
            ),
            ("http://[::1]:5432/", Refused::Address(ip("::1"))),
            ("http://0x7f000001/", Refused::Address(ip("127.0.0.1"))),
            ("http://2130706433/", Refused::Address(ip("127.0.0.1"))),
            ("not a url", Refused::Unreadable),
            ("http://tinhso.example.vn:6379/", Refused::OwnHostPort(6379)),
            ("http://tinhso.example.vn/", Refused::OwnHostPort(80)),
        ] {
            assert_eq!(guard.check_url(url).err(), Some(refused), "{url}");
        }
        for url in [
            "http://ocsp.ca.example.vn/",
            "https://8.8.8.8/crl.crl",
            "http://10.9.9.9/pki/ocsp",
            "http://10.9.9.9:9999/",
            "http://ca.tinh.gov.vn:8443/ocsp",
            "http://TINHSO.example.vn:8080/pki/crl/issuing.crl",
        ] {
            assert!(guard.check_url(url).is_ok(), "{url}");
        }
    }

    #[tokio::test]
    async fn names_resolve_to_public_addresses_only_unless_allowed() {
        use reqwest::dns::Resolve;
        let resolver = GuardedResolver(Guard::default());
        let refused = resolver.resolve("localhost".parse().unwrap()).await;
        assert!(refused.is_err(), "localhost resolved for an unguarded host");
        for guard in [
            Guard::allowing(["localhost".to_owned()]),
            Guard::default().with_own_origin("http://localhost:8080"),
        ] {
            let allowed = GuardedResolver(guard)
                .resolve("localhost".parse().unwrap())
                .await
                .unwrap();
            assert!(allowed.into_iter().all(|a| a.ip().is_loopback()));
        }
    }

    #[test]
    fn answers_are_kept_until_next_update_and_never_in_the_past() {
        let now = tinhso_kernel::time::now();
        let past = Duration::from_secs((now.timestamp() - 60) as u64);
        assert!(keep_until(Some(past)) >= now);
        let later = Duration::from_secs((now.timestamp() + 7200) as u64);
        assert_eq!(keep_until(Some(later)).timestamp(), later.as_secs() as i64);
        let none = keep_until(None);
        assert!(none > now + chrono::Duration::minutes(59));
    }
}
