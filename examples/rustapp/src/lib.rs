//! The notes API, apart from the HTTP server: a request's method, path and
//! body in, a status code and a JSON body out.

use serde::{Deserialize, Serialize};

/// A stored note.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    pub id: u64,
    pub text: String,
}

/// The body `POST /notes` expects.
#[derive(Deserialize)]
struct NewNote {
    text: String,
}

#[derive(Serialize)]
struct Status {
    status: &'static str,
}

#[derive(Serialize)]
struct Error {
    error: String,
}

/// An answer: the status code and its JSON body.
#[derive(Debug, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    fn json<T: Serialize>(status: u16, value: &T) -> Reply {
        let body = serde_json::to_string(value).expect("serializing a reply");
        Reply { status, body }
    }

    fn error(status: u16, message: &str) -> Reply {
        Reply::json(status, &Error { error: message.to_string() })
    }
}

/// The in-memory notes, numbered from 1.
#[derive(Default)]
pub struct Notes {
    notes: Vec<Note>,
}

impl Notes {
    /// Answers one request.
    pub fn handle(&mut self, method: &str, path: &str, body: &[u8]) -> Reply {
        let path = path.split('?').next().unwrap_or(path);
        match (method, path) {
            ("GET", "/healthz") => Reply::json(200, &Status { status: "ok" }),
            ("GET", "/notes") => Reply::json(200, &self.notes),
            ("POST", "/notes") => self.add(body),
            (_, "/healthz" | "/notes") => Reply::error(405, "method not allowed"),
            _ => Reply::error(404, "not found"),
        }
    }

    fn add(&mut self, body: &[u8]) -> Reply {
        let text = match serde_json::from_slice::<NewNote>(body) {
            Ok(n) => n.text.trim().to_string(),
            Err(_) => String::new(),
        };
        if text.is_empty() {
            return Reply::error(400, "a note needs a non-empty 'text'");
        }
        let note = Note { id: self.notes.len() as u64 + 1, text };
        self.notes.push(note.clone());
        Reply::json(201, &note)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_round_trip() {
        let mut n = Notes::default();
        assert_eq!(n.handle("GET", "/healthz", b"").body, r#"{"status":"ok"}"#);
        let r = n.handle("POST", "/notes", br#"{"text":" buy milk "}"#);
        assert_eq!((r.status, r.body.as_str()), (201, r#"{"id":1,"text":"buy milk"}"#));
        assert_eq!(n.handle("POST", "/notes", br#"{"text":"  "}"#).status, 400);
        assert_eq!(n.handle("POST", "/notes", b"not json").status, 400);
        assert_eq!(n.handle("GET", "/notes", b"").body, r#"[{"id":1,"text":"buy milk"}]"#);
        assert_eq!(n.handle("GET", "/nope", b"").status, 404);
        assert_eq!(n.handle("DELETE", "/notes", b"").status, 405);
    }
}
