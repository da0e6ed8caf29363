//! The one layer around every route, a plain tower service (axum's
//! `from_fn` layers cost a boxed service clone each per request; four of
//! them halved the app's throughput): a `localhost` visit sent to the
//! redirect URI's host, tossed session cookies cleared, the security
//! headers set, one log line written.

use crate::host_redirect;
use crate::request_log::{self, route_of};
use crate::security_headers::SecurityHeaders;
use crate::session::{clear_tossed, tossed};
use crate::state::AppState;
use axum::extract::Request;
use axum::response::Response;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;
use tower_layer::Layer;
use tower_service::Service;

/// The layer (`Router::layer`).
#[derive(Clone)]
pub struct Around {
    state: AppState,
    headers: Arc<SecurityHeaders>,
}

impl Around {
    /// The layer for `state`, scripts, fetches and frames allowed from its
    /// features' origins too (the Web Playback SDK's).
    pub fn new(state: AppState) -> Around {
        let headers = Arc::new(SecurityHeaders::new(&state.feature_origins()));
        Around { state, headers }
    }
}

impl<S> Layer<S> for Around {
    type Service = AroundService<S>;
    fn layer(&self, inner: S) -> AroundService<S> {
        AroundService {
            inner,
            around: self.clone(),
        }
    }
}

/// A route with the layer around it.
#[derive(Clone)]
pub struct AroundService<S> {
    inner: S,
    around: Around,
}

impl<S> Service<Request> for AroundService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let started = Instant::now();
        let method = request.method().clone();
        let route = route_of(&request);
        let headers = Arc::clone(&self.around.headers);
        if let Some(mut response) =
            host_redirect::redirect(&self.around.state.public_origin, &request)
        {
            headers.apply(&mut response);
            request_log::log(&method, &route, response.status(), started);
            return Box::pin(std::future::ready(Ok(response)));
        }
        let secure = self.around.state.secure_cookies;
        let tossed_at = tossed(request.headers(), secure).then(|| request.uri().path().to_string());
        let answer = self.inner.call(request);
        Box::pin(async move {
            let mut response = answer.await?;
            if let Some(path) = tossed_at {
                clear_tossed(&mut response, &path, secure);
            }
            headers.apply(&mut response);
            request_log::log(&method, &route, response.status(), started);
            Ok(response)
        })
    }
}
