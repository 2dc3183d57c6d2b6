//! The HTTP client the OpenID Connect flow talks to the provider through: the one `reqwest` the
//! object store also uses, behind oauth2's `AsyncHttpClient` (openidconnect's own reqwest support
//! would bring a second, older reqwest and the `ring` crypto backend). Redirects are never followed.

use openidconnect::{AsyncHttpClient, HttpClientError, HttpRequest, HttpResponse};
use std::future::Future;
use std::pin::Pin;

pub type Error = HttpClientError<reqwest::Error>;

/// A client for one sign-in: 15 s per request, no redirects.
pub struct Client(reqwest::Client);

impl Client {
    pub fn new() -> Result<Client, reqwest::Error> {
        // Following redirects would let a provider bounce token requests elsewhere (SSRF).
        reqwest::ClientBuilder::new()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .map(Client)
    }
}

impl<'c> AsyncHttpClient<'c> for Client {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request).map_err(Box::new)?;
            let response = self.0.execute(request).await.map_err(Box::new)?;
            let mut answer = openidconnect::http::Response::builder()
                .status(response.status())
                .version(response.version());
            for (name, value) in response.headers() {
                answer = answer.header(name, value);
            }
            let body = response.bytes().await.map_err(Box::new)?;
            answer.body(body.to_vec()).map_err(HttpClientError::Http)
        })
    }
}
