//! The HTTP side of the test API servers (Fever, Google Reader): a free port on 127.0.0.1,
//! one thread per connection, one request read whole (line, headers, form body) and one
//! answer written with `Connection: close`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: String,
    /// Path and query as sent.
    pub target: String,
    /// Names lowercased.
    pub headers: Vec<(String, String)>,
    /// The urlencoded body, pair by pair (a name may repeat).
    pub form: Vec<(String, String)>,
}

pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn new(status: u16, content_type: &'static str, body: impl Into<String>) -> Answer {
        Answer {
            status,
            content_type,
            headers: Vec::new(),
            body: body.into(),
        }
    }
}

/// `a=1&b=x%20y` as pairs, decoded.
pub fn pairs(s: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(s.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Serves `answer` over `state` on a free port of 127.0.0.1; returns the port.
pub fn serve<S: Send + 'static>(
    state: Arc<Mutex<S>>,
    answer: fn(&Mutex<S>, ApiRequest) -> Answer,
) -> u16 {
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1");
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let state = state.clone();
            thread::spawn(move || {
                let _ = one(stream, &state, answer);
            });
        }
    });
    port
}

fn one<S>(
    stream: TcpStream,
    state: &Mutex<S>,
    answer: fn(&Mutex<S>, ApiRequest) -> Answer,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("GET").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_string());
            if k == "content-length" {
                length = v.parse().unwrap_or(0);
            }
            headers.push((k, v));
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    let request = ApiRequest {
        method,
        target,
        headers,
        form: pairs(&String::from_utf8_lossy(&body)),
    };
    let a = answer(state, request);
    let mut head = format!(
        "HTTP/1.1 {} X\r\nConnection: close\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
        a.status,
        a.content_type,
        a.body.len()
    );
    for (k, v) in &a.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = stream;
    out.write_all(head.as_bytes())?;
    out.write_all(a.body.as_bytes())?;
    out.flush()
}
