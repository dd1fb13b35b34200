//! A bare TCP server for answers the `Recorder` cannot give: bodies streamed without end,
//! trickled bytes, a `Content-Length` that is never honoured. Each connection's request head is
//! read, then `answer` writes whatever it likes to the socket.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What the server saw and did.
#[derive(Default)]
pub struct Stats {
    /// Requests whose head was read.
    pub requests: AtomicUsize,
    /// Body bytes written (as counted by `answer`).
    pub written: AtomicU64,
    /// Set when an answer finished (finished writing, or the peer went away).
    pub done: AtomicBool,
}

pub struct RawServer {
    pub port: u16,
    pub stats: Arc<Stats>,
}

impl RawServer {
    pub fn start(answer: impl Fn(&mut TcpStream, &Stats) + Send + Sync + 'static) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind raw server");
        let port = listener.local_addr().expect("addr").port();
        let stats = Arc::new(Stats::default());
        let answer = Arc::new(answer);
        let shared = stats.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (stats, answer) = (shared.clone(), answer.clone());
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
                    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                    loop {
                        let mut line = String::new();
                        match reader.read_line(&mut line) {
                            Ok(0) | Err(_) => return,
                            Ok(_) if line == "\r\n" => break,
                            Ok(_) => {}
                        }
                    }
                    stats.requests.fetch_add(1, Ordering::SeqCst);
                    answer(&mut stream, &stats);
                    stats.done.store(true, Ordering::SeqCst);
                });
            }
        });
        RawServer { port, stats }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Waits (at most `limit`) for an answer to finish.
    pub fn wait_done(&self, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.stats.done.load(Ordering::SeqCst) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

/// Writes `total` bytes of `fill` as chunked transfer encoding, in 64 KiB chunks, counting what
/// was written; stops early when the peer goes away.
pub fn stream_chunked(stream: &mut TcpStream, stats: &Stats, total: u64, fill: u8) {
    const CHUNK: usize = 64 * 1024;
    let head = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n";
    if stream.write_all(head).is_err() {
        return;
    }
    let chunk = vec![fill; CHUNK];
    let mut frame = format!("{CHUNK:x}\r\n").into_bytes();
    frame.extend_from_slice(&chunk);
    frame.extend_from_slice(b"\r\n");
    let mut sent = 0u64;
    while sent < total {
        if stream.write_all(&frame).is_err() {
            return;
        }
        sent += CHUNK as u64;
        stats.written.fetch_add(CHUNK as u64, Ordering::SeqCst);
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    let _ = stream.flush();
}

/// A keep-alive server answering every request `200 {}`, counting the TCP connections made.
pub struct KeepAlive {
    pub port: u16,
    pub connections: Arc<AtomicUsize>,
    pub requests: Arc<AtomicUsize>,
}

impl KeepAlive {
    /// Answers `status` with an empty JSON object to every request.
    pub fn start(status: u16) -> KeepAlive {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind keep-alive server");
        let port = listener.local_addr().expect("addr").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let (conns, reqs) = (connections.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                conns.fetch_add(1, Ordering::SeqCst);
                let reqs = reqs.clone();
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                    loop {
                        // Requests here carry no body: read the head only.
                        loop {
                            let mut line = String::new();
                            match reader.read_line(&mut line) {
                                Ok(0) | Err(_) => return,
                                Ok(_) if line == "\r\n" => break,
                                Ok(_) => {}
                            }
                        }
                        reqs.fetch_add(1, Ordering::SeqCst);
                        let answer = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{{}}"
                        );
                        if stream.write_all(answer.as_bytes()).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        KeepAlive {
            port,
            connections,
            requests,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}
