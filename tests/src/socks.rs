//! A minimal SOCKS5 proxy on loopback (RFC 1928 CONNECT, no authentication or RFC 1929 user
//! name and password), a scripted stand-in for the proxies `--proxy` reaches: it records each
//! request it relays, so a test can tell the proxy was used.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One relayed connection: the target as the client named it, and the user name it gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relayed {
    /// `host:port` as requested (an IP address or a host name).
    pub target: String,
    /// The user name, when the client authenticated.
    pub user: Option<String>,
}

/// A running proxy (its thread lives until the test process exits).
pub struct Socks5 {
    /// Where it listens.
    pub addr: SocketAddr,
    relayed: Arc<Mutex<Vec<Relayed>>>,
}

impl Socks5 {
    /// Start a proxy; with `login`, it asks for that user name and password and refuses others.
    pub fn start(login: Option<(&str, &str)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind SOCKS5 proxy");
        let addr = listener.local_addr().expect("proxy address");
        let relayed = Arc::new(Mutex::new(Vec::new()));
        let (r, login) = (relayed.clone(), login.map(|(u, p)| (u.to_string(), p.to_string())));
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (r, login) = (r.clone(), login.clone());
                std::thread::spawn(move || {
                    let _ = serve(client, login.as_ref(), &r);
                });
            }
        });
        Self { addr, relayed }
    }

    /// The connections relayed so far.
    pub fn relayed(&self) -> Vec<Relayed> {
        self.relayed.lock().unwrap().clone()
    }
}

fn read_n(s: &mut TcpStream, n: usize) -> std::io::Result<Vec<u8>> {
    let mut b = vec![0u8; n];
    s.read_exact(&mut b)?;
    Ok(b)
}

fn serve(
    mut c: TcpStream,
    login: Option<&(String, String)>,
    relayed: &Mutex<Vec<Relayed>>,
) -> std::io::Result<()> {
    let head = read_n(&mut c, 2)?;
    let methods = read_n(&mut c, usize::from(head[1]))?;
    let mut user = None;
    match login {
        None if methods.contains(&0) => c.write_all(&[5, 0])?,
        Some((u, p)) if methods.contains(&2) => {
            c.write_all(&[5, 2])?;
            let ver_len = read_n(&mut c, 2)?;
            let name = String::from_utf8_lossy(&read_n(&mut c, usize::from(ver_len[1]))?).into_owned();
            let plen = read_n(&mut c, 1)?;
            let password = String::from_utf8_lossy(&read_n(&mut c, usize::from(plen[0]))?).into_owned();
            if (&name, &password) != (u, p) {
                return c.write_all(&[1, 1]);
            }
            c.write_all(&[1, 0])?;
            user = Some(name);
        }
        _ => return c.write_all(&[5, 0xFF]),
    }
    let req = read_n(&mut c, 4)?;
    let host = match req[3] {
        1 => read_n(&mut c, 4)?.iter().map(u8::to_string).collect::<Vec<_>>().join("."),
        3 => {
            let len = read_n(&mut c, 1)?;
            String::from_utf8_lossy(&read_n(&mut c, usize::from(len[0]))?).into_owned()
        }
        _ => return c.write_all(&[5, 8, 0, 1, 0, 0, 0, 0, 0, 0]),
    };
    let port = read_n(&mut c, 2)?;
    let port = u16::from_be_bytes([port[0], port[1]]);
    relayed.lock().unwrap().push(Relayed { target: format!("{host}:{port}"), user });
    let Ok(up) = TcpStream::connect((host.as_str(), port)) else {
        return c.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]);
    };
    c.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0])?;
    let (mut c2, mut up2) = (c.try_clone()?, up.try_clone()?);
    let down = std::thread::spawn(move || {
        let _ = std::io::copy(&mut up2, &mut c2);
        let _ = c2.shutdown(Shutdown::Write);
    });
    let mut up = up;
    let _ = std::io::copy(&mut c, &mut up);
    let _ = up.shutdown(Shutdown::Write);
    let _ = down.join();
    Ok(())
}
