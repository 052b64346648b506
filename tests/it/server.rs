//! A real HTTP/1.1 server on 127.0.0.1 that plays the registry in tests.
//!
//! Hand-rolled on tokio's TcpListener instead of wiremock because the fault matrix needs
//! replies no well-behaved server sends: a body shorter than its Content-Length, a reply slower
//! than the client's timeout, HTML with status 200. Each route answers from a queue of replies
//! (the last one repeats) or from a handler; every request is logged for assertions.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One canned reply.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
    /// Send only this many body bytes, then close (Content-Length still announces all).
    pub truncate_at: Option<usize>,
}

impl Reply {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
            truncate_at: None,
        }
    }
    pub fn json(body: impl Into<Vec<u8>>) -> Reply {
        Reply::new(200, "application/json", body)
    }
    pub fn text(status: u16, body: &str) -> Reply {
        Reply::new(status, "text/plain", body)
    }
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
    pub fn delay(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }
    pub fn truncated(mut self, at: usize) -> Reply {
        self.truncate_at = Some(at);
        self
    }
}

/// A logged request.
#[derive(Clone, Debug)]
pub struct Request {
    pub path: String,
    pub query: Vec<(String, String)>,
    pub target: String,
    pub headers: HashMap<String, String>,
}

impl Request {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

enum Route {
    Queue(VecDeque<Reply>),
    Handler(Handler),
}

#[derive(Default)]
struct State {
    routes: HashMap<String, Route>,
    log: Vec<Request>,
}

/// The server; it lives until the test process ends.
pub struct Server {
    pub origin: String,
    state: Arc<Mutex<State>>,
}

impl Server {
    pub fn start() -> Server {
        let state = Arc::new(Mutex::new(State::default()));
        let (tx, rx) = std::sync::mpsc::channel();
        let shared = state.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                loop {
                    let Ok((socket, _)) = listener.accept().await else { continue };
                    tokio::spawn(serve(socket, shared.clone()));
                }
            });
        });
        let addr = rx.recv().unwrap();
        Server { origin: format!("http://{addr}"), state }
    }

    /// The API v2 base URL this server plays.
    pub fn api(&self) -> String {
        format!("{}/api/v2", self.origin)
    }

    /// Queued replies for a path; the last one repeats.
    pub fn route(&self, path: &str, replies: Vec<Reply>) {
        self.state.lock().unwrap().routes.insert(path.into(), Route::Queue(replies.into()));
    }

    /// A computed reply for a path.
    pub fn handle(&self, path: &str, f: impl Fn(&Request) -> Reply + Send + Sync + 'static) {
        self.state.lock().unwrap().routes.insert(path.into(), Route::Handler(Arc::new(f)));
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().log.clone()
    }

    /// Requests to one path.
    pub fn hits(&self, path: &str) -> usize {
        self.requests().iter().filter(|r| r.path == path).count()
    }
}

async fn serve(mut socket: tokio::net::TcpStream, state: Arc<Mutex<State>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 1 << 16 {
            return;
        }
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let mut lines = head.split("\r\n");
    let target = lines.next().unwrap_or("").split(' ').nth(1).unwrap_or("/").to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    let request = Request { path: path.to_string(), query, target: target.clone(), headers };
    let reply = {
        let mut st = state.lock().unwrap();
        st.log.push(request.clone());
        match st.routes.get_mut(&request.path) {
            Some(Route::Queue(q)) if q.len() > 1 => q.pop_front().unwrap(),
            Some(Route::Queue(q)) => q.front().cloned().unwrap_or_else(|| Reply::text(404, "no reply")),
            Some(Route::Handler(h)) => {
                let h = h.clone();
                drop(st);
                h(&request)
            }
            None => Reply::text(404, "Not Found"),
        }
    };
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut out =
        format!("HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n", reply.status, reply.body.len());
    for (k, v) in &reply.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    let body = &reply.body[..reply.truncate_at.unwrap_or(reply.body.len()).min(reply.body.len())];
    bytes.extend_from_slice(body);
    let _ = socket.write_all(&bytes).await;
    let _ = socket.shutdown().await;
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
