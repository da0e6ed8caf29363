//! For scripts/bench-web.sh: the ceiling of this machine, an axum handler
//! answering a constant (same runtime, same HTTP stack as web_app).
//! `cargo run --release -p web_app --example bare -- 127.0.0.1:PORT`

use axum::routing::get;

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8890".into());
    let listener = tokio::net::TcpListener::bind(&addr).await.unwrap();
    let app = axum::Router::new().route(
        "/api/token",
        get(|| async {
            (
                [("content-type", "application/json")],
                r#"{"access_token":"BQconstant","expires_at":0}"#,
            )
        }),
    );
    axum::serve(listener, app).await.unwrap();
}
