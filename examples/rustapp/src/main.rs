//! rustapp: a small notes API on tiny_http. It listens on $HOST:$PORT
//! (default 0.0.0.0:8080) and answers GET /healthz, GET /notes and
//! POST /notes {"text": ...}.

use std::env;
use std::io::Read;

use rustapp::Notes;
use tiny_http::{Header, Response, Server};

fn main() {
    let host = env::var("HOST").unwrap_or_else(|_| "0.0.0.0".to_string());
    let port = env::var("PORT").unwrap_or_else(|_| "8080".to_string());
    let addr = format!("{host}:{port}");
    let server = Server::http(&addr).unwrap_or_else(|e| {
        eprintln!("rustapp: cannot listen on {addr}: {e}");
        std::process::exit(1);
    });
    eprintln!("rustapp: listening on {addr}");

    let json = Header::from_bytes("Content-Type", "application/json").expect("a valid header");
    let mut notes = Notes::default();
    for mut request in server.incoming_requests() {
        let mut body = Vec::new();
        if let Err(e) = request.as_reader().take(1 << 20).read_to_end(&mut body) {
            eprintln!("rustapp: reading a request body: {e}");
            continue;
        }
        let reply = notes.handle(request.method().as_str(), request.url(), &body);
        eprintln!("rustapp: {} {} {}", request.method(), request.url(), reply.status);
        let response = Response::from_string(reply.body)
            .with_status_code(reply.status)
            .with_header(json.clone());
        if let Err(e) = request.respond(response) {
            eprintln!("rustapp: writing a response: {e}");
        }
    }
}
