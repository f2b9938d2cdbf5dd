//! The many-sessions scenario with rumqttc: N clients, each event loop polled by a task of its
//! own, all on one current-thread tokio runtime.

use crate::measure::{self, Args, CONNECT_WINDOW, Figures, KEEP_ALIVE, PAYLOAD, TOPIC};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{Notify, Semaphore};

#[allow(clippy::disallowed_methods)] // the benchmark's clock
pub(crate) fn run(args: &Args) -> Figures {
    let mut figures = Figures::default();
    let start = measure::rss_kib();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let mut clients = Vec::with_capacity(args.n);
    for i in 0..args.n {
        let mut options = MqttOptions::new(format!("r{i}"), "127.0.0.1", args.port);
        options.set_keep_alive(KEEP_ALIVE);
        let (client, eventloop) = AsyncClient::new(options, 10);
        clients.push((client, Some(eventloop)));
    }
    let created = measure::rss_kib();
    rt.block_on(async {
        let t = std::time::Instant::now();
        let window = Arc::new(Semaphore::new(CONNECT_WINDOW));
        let connected = Arc::new((AtomicUsize::new(0), Notify::new()));
        let acked = Arc::new((AtomicUsize::new(0), Notify::new()));
        for (_, eventloop) in &mut clients {
            let Some(mut eventloop) = eventloop.take() else { continue };
            let (window, connected, acked) = (window.clone(), connected.clone(), acked.clone());
            // The event loop connects when first polled: at most CONNECT_WINDOW at once.
            let permit = window.acquire_owned().await.expect("semaphore");
            tokio::spawn(async move {
                let mut permit = Some(permit);
                loop {
                    match eventloop.poll().await {
                        Ok(Event::Incoming(Packet::ConnAck(_))) => {
                            if permit.take().is_some() {
                                connected.0.fetch_add(1, Ordering::Relaxed);
                                connected.1.notify_one();
                            }
                        }
                        Ok(Event::Incoming(Packet::PubAck(_))) => {
                            acked.0.fetch_add(1, Ordering::Relaxed);
                            acked.1.notify_one();
                        }
                        Ok(_) => {}
                        Err(e) => panic!("rumqttc: {e}"),
                    }
                }
            });
        }
        // `notify_one` leaves a permit when nobody waits: no wake-up is missed between the
        // check and the wait.
        while connected.0.load(Ordering::Relaxed) < args.n {
            connected.1.notified().await;
        }
        figures.connect = t.elapsed();

        let cpu = measure::cpu();
        tokio::time::sleep(args.idle).await;
        figures.idle_cpu_pct = (measure::cpu() - cpu).as_secs_f64() * 100.0 / args.idle.as_secs_f64();
        figures.memory(args.n, start, created, measure::rss_kib());

        let t = std::time::Instant::now();
        for (client, _) in &clients {
            client.publish(TOPIC, QoS::AtLeastOnce, false, PAYLOAD.to_vec()).await.expect("publish");
        }
        while acked.0.load(Ordering::Relaxed) < args.n {
            acked.1.notified().await;
        }
        figures.acked = t.elapsed();
    });
    figures
}
