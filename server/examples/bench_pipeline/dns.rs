//! A DNS server on loopback that answers every question "no such name" at once.
//!
//! The filters look names up as they judge mail (the portal's SPF check, rspamd's RBL,
//! SURBL and DKIM rules). With this server those lookups cost what an answer from a local
//! caching resolver costs, the same for every contender, and no query leaves the machine.

use std::{
    io,
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
};
use tokio::net::UdpSocket;

pub struct Responder {
    pub addr: SocketAddr,
    answered: Arc<AtomicU64>,
}

impl Responder {
    pub async fn start() -> io::Result<Responder> {
        let socket = UdpSocket::bind("127.0.0.1:0").await?;
        let addr = socket.local_addr()?;
        let answered = Arc::new(AtomicU64::new(0));
        let counter = answered.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            loop {
                let Ok((n, peer)) = socket.recv_from(&mut buf).await else {
                    continue;
                };
                if let Some(reply) = nxdomain(&buf[..n]) {
                    if socket.send_to(&reply, peer).await.is_ok() {
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        });
        Ok(Responder { addr, answered })
    }

    /// Questions answered so far.
    pub fn answered(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }
}

/// The NXDOMAIN reply to `query` (RFC 1035 §4.1): its id and question, no records.
fn nxdomain(query: &[u8]) -> Option<Vec<u8>> {
    if query.len() < 12 || query[2] & 0x80 != 0 {
        return None;
    }
    let mut at = 12;
    loop {
        let len = usize::from(*query.get(at)?);
        at += 1;
        if len == 0 {
            break;
        }
        // A question's name is never compressed.
        if len & 0xC0 != 0 {
            return None;
        }
        at += len;
    }
    let end = at + 4;
    if end > query.len() {
        return None;
    }
    let mut reply = Vec::with_capacity(end);
    reply.extend_from_slice(&query[..2]);
    // A response with the query's opcode and RD bit; recursion available; NXDOMAIN.
    reply.push(0x80 | (query[2] & 0x79));
    reply.push(0x80 | 3);
    reply.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]);
    reply.extend_from_slice(&query[12..end]);
    Some(reply)
}
