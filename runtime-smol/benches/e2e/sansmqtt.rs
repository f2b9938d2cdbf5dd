//! sansmqtt-smol in the end-to-end benchmark: the driver and the application on the calling
//! thread (`sansmqtt_smol::block_on`), as rumqttc's current-thread runtime has it.

use sansmqtt_smol::{Client, Options, Outgoing, ProtocolVersion, QoS};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

fn qos_of(q: u8) -> QoS {
    [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce][usize::from(q)]
}

/// Run `app` with a client of `port` whose handler calls `on_message`, driver alongside.
fn with_client<F: std::future::Future<Output = ()>>(
    port: u16,
    on_message: impl FnMut() + Send + 'static,
    app: impl FnOnce(Client) -> F,
) {
    let mut on_message = on_message;
    let mut options = Options::new(&format!("mqtt://127.0.0.1:{port}"))
        .expect("URL")
        .version(ProtocolVersion::V3_1_1)
        .client_id("bench-sansmqtt")
        .on_message(move |_, _| on_message());
    let config = options.config_mut();
    config.max_inflight = 100;
    config.receive_maximum = 100;
    config.max_queued_messages = 100;
    if std::env::var_os("E2E_SANSMQTT_OR").is_some() {
        // The driver and the application as one future: every wake-up of one by the other
        // makes async-io's block_on poll the reactor once more before polling them again.
        let (client, driver) = Client::with_driver(options);
        smol::block_on(futures_lite::future::or(
            async {
                driver.run().await;
                panic!("driver stopped");
            },
            app(client),
        ));
    } else if std::env::var_os("E2E_SANSMQTT_APP_IN_BLOCK_ON").is_some() {
        // The driver as a task of an executor, the application as block_on's own future: the
        // same extra reactor poll whenever the driver wakes the application.
        let (client, driver) = Client::with_driver(options);
        let ex = smol::LocalExecutor::new();
        ex.spawn(driver.run()).detach();
        smol::block_on(ex.run(app(client)));
    } else if std::env::var_os("E2E_SANSMQTT_EXECUTOR").is_some() {
        // Both as tasks of one executor (`sansmqtt_smol::block_on` until 2026-12-07): one
        // reactor wait per round trip, but every wake goes through the executor's queues.
        let (client, driver) = Client::with_driver(options);
        let ex = smol::LocalExecutor::new();
        let driver = ex.spawn(driver.run());
        let app = ex.spawn(app(client));
        smol::block_on(ex.run(async {
            app.await;
            driver.await;
        }));
    } else {
        // `sansmqtt_smol::block_on`: the driver and the application as one future on the
        // calling thread; the reactor is polled only once both wait.
        sansmqtt_smol::block_on(options, app);
    }
}

/// Receive `n` messages at `qos` from the fake broker's flood.
pub(crate) fn client_bound(qos: u8, n: u64, port: u16) {
    let (done_tx, done_rx) = smol::channel::bounded::<()>(1);
    let received = Arc::new(AtomicU64::new(0));
    let r = received.clone();
    let on_message = move || {
        if r.fetch_add(1, Ordering::Relaxed) + 1 == n {
            let _ = done_tx.try_send(());
        }
    };
    with_client(port, on_message, |client| async move {
        client.connect().await.expect("connect");
        let topic = format!("bench/flood/{qos}/{n}");
        client.subscribe(&topic, qos_of(qos)).expect("subscribe").wait().await.expect("SUBACK");
        done_rx.recv().await.expect("all received");
        client.disconnect().await.expect("disconnect");
    });
}

/// `n` round trips: publish one message at `qos` to the client's own subscription and wait
/// until it is back. Returns each round trip's time.
#[allow(clippy::disallowed_methods)] // the benchmark's clock
pub(crate) fn round_trips(qos: u8, n: u64, port: u16) -> Vec<Duration> {
    let (back_tx, back_rx) = smol::channel::bounded::<()>(1);
    let mut times = Vec::with_capacity(n as usize);
    let on_message = move || {
        let _ = back_tx.try_send(());
    };
    let times_ref = &mut times;
    with_client(port, on_message, |client| async move {
        let times = times_ref;
        client.connect().await.expect("connect");
        client.subscribe("bench/echo", qos_of(qos)).expect("subscribe").wait().await.expect("SUBACK");
        let msg = Outgoing::new("bench/echo", &[b'x'; 64], qos_of(qos));
        for _ in 0..n {
            let t = std::time::Instant::now();
            let _token = client.publish_message(&msg).await.expect("publish");
            back_rx.recv().await.expect("back");
            times.push(t.elapsed());
        }
        client.disconnect().await.expect("disconnect");
    });
    times
}
