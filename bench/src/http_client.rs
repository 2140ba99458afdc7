//! A minimal HTTP/1.1 keep-alive client for the `http` bench: one TCP connection, one request
//! at a time, bodies framed by `Content-Length` or chunked.
//!
//! Why not reqwest: the load generator shares the server's two cores, and every cycle it spends
//! is taken from the server it measures. A general client (connection pool, header maps, a
//! task per connection) cost ~0.3 cores at 8,000 requests/s; this one writes each request with
//! one `write_all` of prepared bytes and parses only what the bench reads (status, framing,
//! body).

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response: status code and body.
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

/// One keep-alive connection to `host:port`, reconnected after an error.
pub struct Connection {
    address: String,
    /// `Host` and `Authorization` header lines, ready to send.
    common_headers: String,
    stream: Option<TcpStream>,
    /// Bytes read past the end of the previous response (none with one request in flight,
    /// but kept rather than lost).
    buffer: Vec<u8>,
    request: Vec<u8>,
}

impl Connection {
    /// A connection to the server at `base` (`http://host:port`), sending `token` as bearer.
    pub fn new(base: &str, token: &str) -> Result<Connection, String> {
        let address = base
            .strip_prefix("http://")
            .ok_or_else(|| format!("{base}: only http:// URLs are supported"))?
            .trim_end_matches('/')
            .to_owned();
        if address.contains('/') {
            return Err(format!(
                "{base}: give the server's base URL, without a path"
            ));
        }
        Ok(Connection {
            common_headers: format!("Host: {address}\r\nAuthorization: Bearer {token}\r\n"),
            address,
            stream: None,
            buffer: Vec::with_capacity(16 * 1024),
            request: Vec::with_capacity(1024),
        })
    }

    /// Sends `method path` with an optional JSON body and reads the whole response.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        json: Option<&[u8]>,
    ) -> io::Result<Response> {
        let result = self.exchange(method, path, json).await;
        if result.is_err() {
            // The connection's state is unknown: the next request opens a fresh one.
            self.stream = None;
            self.buffer.clear();
        }
        result
    }

    async fn exchange(
        &mut self,
        method: &str,
        path: &str,
        json: Option<&[u8]>,
    ) -> io::Result<Response> {
        self.request.clear();
        self.request.extend_from_slice(method.as_bytes());
        self.request.push(b' ');
        self.request.extend_from_slice(path.as_bytes());
        self.request.extend_from_slice(b" HTTP/1.1\r\n");
        self.request
            .extend_from_slice(self.common_headers.as_bytes());
        if let Some(body) = json {
            self.request.extend_from_slice(
                format!(
                    "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                )
                .as_bytes(),
            );
            self.request.extend_from_slice(body);
        } else {
            self.request.extend_from_slice(b"\r\n");
        }
        if self.stream.is_none() {
            let stream = TcpStream::connect(&self.address).await?;
            stream.set_nodelay(true)?;
            self.stream = Some(stream);
        }
        let stream = self
            .stream
            .as_mut()
            .ok_or_else(|| io::Error::other("not connected"))?;
        stream.write_all(&self.request).await?;
        read_response(stream, &mut self.buffer).await
    }
}

/// Reads one response from `stream`; `buffer` holds bytes already read and keeps any excess.
async fn read_response(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> io::Result<Response> {
    let head_end = loop {
        if let Some(i) = find(buffer, b"\r\n\r\n") {
            break i + 4;
        }
        fill(stream, buffer).await?;
    };
    let head = std::str::from_utf8(&buffer[..head_end])
        .map_err(|_| invalid("a response head that is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| invalid("no status line"))?;
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .parse::<usize>()
                    .map_err(|_| invalid("a bad Content-Length"))?,
            );
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        }
    }
    buffer.drain(..head_end);
    let body = if chunked {
        read_chunked(stream, buffer).await?
    } else {
        let length = length.unwrap_or(0);
        while buffer.len() < length {
            fill(stream, buffer).await?;
        }
        buffer.drain(..length).collect()
    };
    Ok(Response { status, body })
}

async fn read_chunked(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(i) = find(buffer, b"\r\n") {
                break i;
            }
            fill(stream, buffer).await?;
        };
        let size_text =
            std::str::from_utf8(&buffer[..line_end]).map_err(|_| invalid("a bad chunk size"))?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| invalid("a bad chunk size"))?;
        buffer.drain(..line_end + 2);
        // The chunk and its CRLF (the last, empty chunk ends with the trailer's CRLF).
        while buffer.len() < size + 2 {
            fill(stream, buffer).await?;
        }
        body.extend_from_slice(&buffer[..size]);
        buffer.drain(..size + 2);
        if size == 0 {
            return Ok(body);
        }
    }
}

async fn fill(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> io::Result<()> {
    let mut chunk = [0u8; 16 * 1024];
    let n = stream.read(&mut chunk).await?;
    if n == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the server closed the connection",
        ));
    }
    buffer.extend_from_slice(&chunk[..n]);
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// A server that answers each request with the next canned response, as raw bytes.
    async fn canned(responses: Vec<&'static [u8]>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut seen = Vec::new();
            for response in responses {
                // Wait for a whole request head (the bench's bodies are small and follow it).
                loop {
                    let mut chunk = [0u8; 4096];
                    let n = socket.read(&mut chunk).await.unwrap();
                    seen.extend_from_slice(&chunk[..n]);
                    if let Some(i) = find(&seen, b"\r\n\r\n") {
                        seen.drain(..i + 4);
                        seen.clear();
                        break;
                    }
                }
                socket.write_all(response).await.unwrap();
            }
        });
        format!("http://{address}")
    }

    #[tokio::test]
    async fn reads_sized_and_chunked_bodies_on_one_connection() {
        let base = canned(vec![
            b"HTTP/1.1 201 Created\r\ncontent-length: 12\r\n\r\n{\"number\":7}",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
        ])
        .await;
        let mut c = Connection::new(&base, "t").unwrap();
        let r = c.send("POST", "/x", Some(b"{}")).await.unwrap();
        assert_eq!((r.status, r.body.as_slice()), (201, &b"{\"number\":7}"[..]));
        let r = c.send("GET", "/y", None).await.unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, &b"abcde"[..]));
        let r = c.send("GET", "/z", None).await.unwrap();
        assert_eq!((r.status, r.body.len()), (404, 0));
    }

    #[test]
    fn only_plain_http_base_urls() {
        assert!(Connection::new("https://x:1", "t").is_err());
        assert!(Connection::new("http://x:1/api", "t").is_err());
        assert!(Connection::new("http://127.0.0.1:8080/", "t").is_ok());
    }
}
