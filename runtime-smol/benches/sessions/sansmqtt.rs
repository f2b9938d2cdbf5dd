//! The many-sessions scenario with sansmqtt-smol: N clients, each its own driver task, all on
//! one smol executor run by the calling thread (which also drives async-io's reactor).

use crate::measure::{self, Args, CONNECT_WINDOW, Figures, KEEP_ALIVE, PAYLOAD, TOPIC};
use sansmqtt_smol::{Client, Options, ProtocolVersion, QoS};
use std::sync::Arc;

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
        let window = Arc::new(smol::lock::Semaphore::new(CONNECT_WINDOW));
        let tasks: Vec<_> = clients
            .iter()
            .map(|c| {
                let (c, window) = (c.clone(), window.clone());
                ex.spawn(async move {
                    let _permit = window.acquire().await;
                    c.connect().await.expect("connect");
                })
            })
            .collect();
        for task in tasks {
            task.await;
        }
        figures.connect = t.elapsed();

        let cpu = measure::cpu();
        async_io::Timer::after(args.idle).await;
        figures.idle_cpu_pct = (measure::cpu() - cpu).as_secs_f64() * 100.0 / args.idle.as_secs_f64();
        figures.memory(args.n, start, created, measure::rss_kib());

        let t = std::time::Instant::now();
        let tasks: Vec<_> = clients
            .iter()
            .map(|c| {
                let c = c.clone();
                ex.spawn(async move {
                    let token =
                        c.publish(TOPIC, &PAYLOAD[..], QoS::AtLeastOnce, false).await.expect("publish");
                    token.wait().await.expect("PUBACK");
                })
            })
            .collect();
        for task in tasks {
            task.await;
        }
        figures.acked = t.elapsed();
    }));
    figures
}
