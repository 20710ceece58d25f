//! Connections cannot be held open for free: every phase has a time limit (each request's
//! headers on a kept-alive connection, the rate of a request body, the rate at which a client
//! takes its answer, idle keep-alive), one address cannot take every connection, and every
//! cut is counted on the metrics listener, while other clients are served meanwhile.
//!
//! The limits are set to a second or so; a cut must come after the limit and well before
//! three times it. The stories run on SQLite only: nothing here touches the database engine.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use rcs::config::Settings;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{raw_tls_client, routes, spawn_app_with, Engine, TestApp};

/// A connection to either listener: plain TCP or TLS.
trait Conn: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Conn for T {}

const SECOND: Duration = Duration::from_secs(1);
const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: rcs\r\n\r\n";

/// The app with both listeners and metrics, and the given limits.
async fn app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_with(Engine::Sqlite, |s| {
        s.http_addr = Some("127.0.0.1:0".into());
        s.metrics_addr = Some("127.0.0.1:0".into());
        tweak(s);
    })
    .await
}

fn https_addr(app: &TestApp) -> SocketAddr {
    app.base.trim_start_matches("https://").parse().unwrap()
}

async fn plain(app: &TestApp) -> Box<dyn Conn> {
    let port = app.http_port.expect("the plain-HTTP listener");
    Box::new(TcpStream::connect(("127.0.0.1", port)).await.unwrap())
}

/// A TCP connection to the HTTPS listener from `local` (any port), without a handshake.
async fn tcp_from(app: &TestApp, local: IpAddr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(local, 0)).unwrap();
    socket.connect(https_addr(app)).await.unwrap()
}

/// An HTTPS client that connects from `local` and trusts the generated certificate.
fn client_from(app: &TestApp, local: IpAddr) -> reqwest::Client {
    let cert = std::fs::read(app.env.data_dir().join("tls/server.crt")).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&cert).unwrap())
        .local_address(local)
        .build()
        .unwrap()
}

/// A TLS session with the HTTPS listener, trusting its generated certificate.
async fn tls(app: &TestApp) -> Box<dyn Conn> {
    let config = raw_tls_client(app);
    let tcp = TcpStream::connect(https_addr(app)).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let tls = tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .expect("TLS handshake");
    Box::new(tls)
}

/// Reads one answer (head and `Content-Length` body) from `conn`, keeping what follows it in
/// `buf` for the next call; returns its status.
async fn read_answer(conn: &mut dyn Conn, buf: &mut Vec<u8>) -> u16 {
    let mut chunk = vec![0u8; 64 * 1024];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = conn.read(&mut chunk).await.expect("reading an answer");
        assert!(n > 0, "closed before a whole answer head");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .map_or(0, |n| n.trim().parse().unwrap());
    let status = head[9..12].parse().unwrap();
    while buf.len() < head_end + length {
        let n = conn.read(&mut chunk).await.expect("reading an answer");
        assert!(n > 0, "closed before a whole answer body");
        buf.extend_from_slice(&chunk[..n]);
    }
    buf.drain(..head_end + length);
    status
}

/// Waits until the server closes `conn` and returns how long after `since` it did; answers
/// read on the way (a 408, say) are skipped. Fails when it is still open after three times
/// `limit`.
async fn closed_after<R: AsyncRead + Unpin + ?Sized>(
    conn: &mut R,
    since: Instant,
    limit: Duration,
) -> Duration {
    let mut buf = vec![0u8; 64 * 1024];
    let give_up = tokio::time::Instant::from_std(since + limit * 3);
    loop {
        match tokio::time::timeout_at(give_up, conn.read(&mut buf)).await {
            Err(_) => panic!("the connection is still open after {:?}", limit * 3),
            Ok(Ok(0)) | Ok(Err(_)) => return since.elapsed(),
            Ok(Ok(_)) => continue,
        }
    }
}

/// A cut came once `limit` was reached, and soon after (a second of slack for a busy
/// machine: the cut itself is timer-driven).
fn assert_cut_on_time(took: Duration, limit: Duration, what: &str) {
    assert!(
        took >= limit.mul_f64(0.9) && took < limit + SECOND,
        "{what}: cut after {took:?}, limit {limit:?}"
    );
}

/// `rcs_connections_cut_total{reason}` on the metrics listener.
async fn cuts(app: &TestApp, reason: &str) -> u64 {
    let url = format!(
        "http://127.0.0.1:{}/metrics",
        app.metrics_port.expect("the metrics listener")
    );
    let scrape = reqwest::get(url).await.unwrap().text().await.unwrap();
    let prefix = format!("rcs_connections_cut_total{{reason=\"{reason}\"}} ");
    scrape
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map_or(0, |n| n.trim().parse().unwrap())
}

/// Another client gets its answer at once while the slow ones hang. It leaves at once too,
/// so that its connection is not among those cut for idling.
async fn others_are_served(app: &TestApp) {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let client = client_from(app, [127, 0, 0, 1].into());
    let response = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() < Duration::from_millis(500));
}

/// After one answered request, a second request whose headers stop half-way is cut after
/// `request_timeout_secs`, counted from its first byte, on both listeners.
#[tokio::test]
async fn a_stalled_second_request_is_cut_while_others_are_served() {
    let app = app_with(|s| {
        s.request_timeout_secs = 1;
        s.keep_alive_secs = 30;
    })
    .await;
    let stall = |mut conn: Box<dyn Conn>| async move {
        let mut buf = Vec::new();
        conn.write_all(HEALTH).await.unwrap();
        assert_eq!(read_answer(&mut *conn, &mut buf).await, 200);
        tokio::time::sleep(Duration::from_millis(300)).await;
        conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: rcs\r\n")
            .await
            .unwrap();
        closed_after(&mut *conn, Instant::now(), SECOND).await
    };
    let (over_http, over_https, ()) = tokio::join!(
        stall(plain(&app).await),
        stall(tls(&app).await),
        others_are_served(&app)
    );
    assert_cut_on_time(over_http, SECOND, "plain HTTP");
    assert_cut_on_time(over_https, SECOND, "HTTPS");
    assert_eq!(cuts(&app, "header_timeout").await, 2);
}

/// A request with its body announced and never sent, one whose body stops half-way, and one
/// whose body trickles in (bytes keep coming, too few of them) are cut after one
/// `min_rate_window_secs`; a slow but steady body that takes longer than the window and the
/// header timeout together is answered.
#[tokio::test]
async fn stalled_and_trickling_bodies_are_cut_and_a_steady_one_is_answered() {
    let app = app_with(|s| {
        s.request_timeout_secs = 1;
        s.request_body_min_bytes_per_sec = 100;
        s.min_rate_window_secs = 1;
    })
    .await;
    let head = |length: usize| {
        format!(
            "POST {} HTTP/1.1\r\nHost: rcs\r\nContent-Type: application/json\r\n\
             Content-Length: {length}\r\n\r\n",
            routes::LOGIN
        )
    };
    let stalled = async {
        let mut conn = plain(&app).await;
        conn.write_all(head(100).as_bytes()).await.unwrap();
        closed_after(&mut *conn, Instant::now(), SECOND).await
    };
    let half = async {
        let mut conn = tls(&app).await;
        conn.write_all(head(1000).as_bytes()).await.unwrap();
        conn.write_all(&[b' '; 500]).await.unwrap();
        closed_after(&mut *conn, Instant::now(), SECOND).await
    };
    // Ten bytes a second against a minimum of a hundred.
    let trickling = async {
        let conn = tls(&app).await;
        let (mut read, mut write) = tokio::io::split(conn);
        write.write_all(head(1000).as_bytes()).await.unwrap();
        let since = Instant::now();
        let writer = tokio::spawn(async move {
            for _ in 0..1000 {
                if write.write_all(b" ").await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        let took = closed_after(&mut read, since, SECOND).await;
        writer.abort();
        took
    };
    // Four hundred bytes a second, for 1.5 s.
    let steady = async {
        let mut conn = plain(&app).await;
        conn.write_all(head(600).as_bytes()).await.unwrap();
        for _ in 0..6 {
            tokio::time::sleep(Duration::from_millis(250)).await;
            conn.write_all(&[b' '; 100]).await.unwrap();
        }
        read_answer(&mut *conn, &mut Vec::new()).await
    };
    let (stalled, half, trickling, steady, ()) =
        tokio::join!(stalled, half, trickling, steady, others_are_served(&app));
    assert_cut_on_time(stalled, SECOND, "a body never sent");
    assert_cut_on_time(half, SECOND, "a body that stops half-way");
    assert_cut_on_time(trickling, SECOND, "a trickling body");
    assert_eq!(steady, 400, "the steady body is read and judged (not JSON)");
    assert_eq!(cuts(&app, "body_rate").await, 3);
}

/// A kept-alive connection is closed once it has been idle for `keep_alive_secs`; a request
/// that comes before that is served on it.
#[tokio::test]
async fn idle_connections_are_closed_after_keep_alive_secs() {
    let app = app_with(|s| s.keep_alive_secs = 1).await;
    let idle = |mut conn: Box<dyn Conn>| async move {
        let mut buf = Vec::new();
        conn.write_all(HEALTH).await.unwrap();
        assert_eq!(read_answer(&mut *conn, &mut buf).await, 200);
        tokio::time::sleep(Duration::from_millis(500)).await;
        conn.write_all(HEALTH).await.unwrap();
        assert_eq!(read_answer(&mut *conn, &mut buf).await, 200);
        closed_after(&mut *conn, Instant::now(), SECOND).await
    };
    let (over_http, over_https, ()) = tokio::join!(
        idle(plain(&app).await),
        idle(tls(&app).await),
        others_are_served(&app)
    );
    assert_cut_on_time(over_http, SECOND, "plain HTTP");
    assert_cut_on_time(over_https, SECOND, "HTTPS");
    assert_eq!(cuts(&app, "idle").await, 2);
}

/// A client that asks for answers and does not read them is cut once the server has waited a
/// `min_rate_window_secs` without it taking `response_min_bytes_per_sec`; one that reads
/// steadily gets every answer, though that takes longer than the window, the header timeout
/// and the keep-alive limit.
#[tokio::test]
async fn a_client_that_does_not_take_its_answers_is_cut() {
    const DOC: &[u8] = b"GET /api/openapi.json HTTP/1.1\r\nHost: rcs\r\n\r\n";
    let app = app_with(|s| {
        s.request_timeout_secs = 1;
        s.keep_alive_secs = 1;
        s.response_min_bytes_per_sec = 50_000;
        s.min_rate_window_secs = 1;
    })
    .await;
    // Far more answers than the socket buffers of both ends hold.
    let mut deaf = plain(&app).await;
    deaf.write_all(&DOC.repeat(100)).await.unwrap();
    let since = Instant::now();
    let steady = async {
        let mut conn = tls(&app).await;
        conn.write_all(&DOC.repeat(20)).await.unwrap();
        let started = Instant::now();
        let mut buf = Vec::new();
        for _ in 0..20 {
            assert_eq!(read_answer(&mut *conn, &mut buf).await, 200);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        started.elapsed()
    };
    let cut = async {
        while cuts(&app, "response_rate").await == 0 {
            assert!(since.elapsed() < SECOND * 3, "the deaf client is not cut");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        since.elapsed()
    };
    let (steady, cut, ()) = tokio::join!(steady, cut, others_are_served(&app));
    assert_cut_on_time(cut, SECOND, "a client that reads nothing");
    assert!(steady > SECOND * 2, "the steady reader took {steady:?}");
    // The deaf client gets what the buffers held, then the end: not a hundred answers.
    let mut got = Vec::new();
    let _ = tokio::time::timeout(SECOND * 10, deaf.read_to_end(&mut got)).await;
    let answers = got.windows(12).filter(|w| w == b"HTTP/1.1 200").count();
    assert!(answers < 100, "the deaf client got all {answers} answers");
    assert_eq!(cuts(&app, "response_rate").await, 1);
}

/// At `max_connections_per_address` open connections from 127.0.0.1 (TLS sessions that send
/// nothing, so they are surely counted), the next one from there is closed at once, before its
/// handshake, while 127.0.0.2 and the plain-HTTP
/// listener (behind a proxy every client has the proxy's address) are served; a freed slot is
/// usable again.
#[tokio::test]
async fn connections_per_address_are_limited_before_the_handshake() {
    let app = app_with(|s| s.max_connections_per_address = 2).await;
    let here: IpAddr = [127, 0, 0, 1].into();
    let first = tls(&app).await;
    let _second = tls(&app).await;

    let mut third = tcp_from(&app, here).await;
    let took = closed_after(&mut third, Instant::now(), SECOND / 3).await;
    assert!(took < SECOND, "refused after {took:?}");
    assert_eq!(cuts(&app, "per_address_limit").await, 1);

    let neighbour = client_from(&app, [127, 0, 0, 2].into());
    let response = neighbour.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200, "127.0.0.2 is served");
    let mut conn = plain(&app).await;
    conn.write_all(HEALTH).await.unwrap();
    assert_eq!(read_answer(&mut *conn, &mut Vec::new()).await, 200);

    // Closing one frees its slot once the server has seen it go.
    drop(first);
    let deadline = Instant::now() + SECOND * 5;
    loop {
        // A new client each time: a refused connection is not one to reuse.
        let fresh = client_from(&app, here);
        if let Ok(response) = fresh.get(app.url("/healthz")).send().await {
            assert_eq!(response.status(), 200);
            break;
        }
        assert!(Instant::now() < deadline, "the freed slot is never reused");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
