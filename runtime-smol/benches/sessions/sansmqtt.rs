//! The many-sessions scenario with sansmqtt-smol: N clients, each its own driver task, all on
//! one smol executor run by the calling thread (which also drives async-io's reactor).

use crate::measure::{self, Args, CONNECT_WINDOW, Figures, KEEP_ALIVE, PAYLOAD, TOPIC};
use sansmqtt_smol::{Client, Options, ProtocolVersion, QoS};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[allow(clippy::disallowed_methods)] // the benchmark's clock
pub(crate) fn run(args: &Args) -> Figures {
    let mut figures = Figures::default();
    let start = measure::rss_kib();
    let ex = Arc::new(smol::Executor::new());
    let mut clients = Vec::with_capacity(args.n);
    for i in 0..args.n {
        let options = Options::new(&format!("mqtt://127.0.0.1:{}", args.port))
            .expect("URL")
            .version(ProtocolVersion::V3_1_1)
            .client_id(format!("s{i}"))
            .keep_alive(KEEP_ALIVE);
        let (client, driver) = Client::with_driver(options);
        ex.spawn(driver.run()).detach();
        clients.push(client);
    }
    let created = measure::rss_kib();
    smol::block_on(ex.run(async {
        let t = std::time::Instant::now();
        // CONNECT_WINDOW workers connect the clients in turn: nothing per client is allocated
        // for it, so the memory measured next is the sessions' own.
        let next = AtomicUsize::new(0);
        let workers: Vec<_> = (0..CONNECT_WINDOW)
            .map(|_| async {
                while let Some(c) = clients.get(next.fetch_add(1, Ordering::Relaxed)) {
                    c.connect().await.expect("connect");
                }
            })
            .collect();
        join_all(workers).await;
        figures.connect = t.elapsed();

        let cpu = measure::cpu();
        async_io::Timer::after(args.idle).await;
        figures.idle_cpu_pct = (measure::cpu() - cpu).as_secs_f64() * 100.0 / args.idle.as_secs_f64();
        figures.memory(args.n, start, created, measure::rss_kib());

        let t = std::time::Instant::now();
        let mut tokens = Vec::with_capacity(clients.len());
        for c in &clients {
            tokens.push(c.publish(TOPIC, &PAYLOAD[..], QoS::AtLeastOnce, false).await.expect("publish"));
        }
        for token in tokens {
            token.wait().await.expect("PUBACK");
        }
        figures.acked = t.elapsed();
    }));
    figures
}

/// Run every future to completion, concurrently, on the calling task.
async fn join_all<F: std::future::Future<Output = ()>>(futures: Vec<F>) {
    let mut futures: Vec<_> = futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for slot in &mut futures {
            if let Some(f) = slot {
                if f.as_mut().poll(cx).is_ready() {
                    *slot = None;
                } else {
                    pending = true;
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await
}
