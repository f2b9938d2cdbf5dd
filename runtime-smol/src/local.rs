//! [`block_on`]: a client and the application as tasks of one executor on the calling thread,
//! the lowest-latency way to run them.

use crate::{Client, Options};
use core::future::Future;

/// Run `app` with a client of `options` on the calling thread until it finishes, and return
/// its output. The client's driver and `app` are both tasks of one `smol::LocalExecutor`, run
/// by [`smol::block_on`]; once `app` has finished (and dropped its client handles), the
/// driver disconnects and ends, and then this returns.
///
/// Why not `smol::block_on(app)` beside a spawned driver: async-io's `block_on` polls its
/// reactor once more, with a zero timeout, whenever its own future was woken while being
/// polled — here each time the driver hands the application a message and each time the
/// application gives the driver a command. With both as tasks of the executor, they wake each
/// other inside the executor and the reactor is polled only once all of them wait: against
/// a broker that answers at once, a QoS 1 round trip (publish, receive it back) makes one
/// reactor wait instead of two, and about 10 system calls instead of 15 (`cargo bench -p
/// sansmqtt-smol --bench e2e -- --strace`; see the README).
///
/// Everything `app` spawns on its own (`smol::spawn`) runs on smol's global executor, not
/// here; use [`Client::with_driver`] to build another arrangement.
///
/// ```no_run
/// use sansmqtt_smol::{Options, QoS};
///
/// let options = Options::new("mqtt://127.0.0.1:1883").unwrap().client_id("local-example");
/// sansmqtt_smol::block_on(options, |client| async move {
///     client.connect().await.unwrap();
///     client.publish("hello/world", b"hi", QoS::AtLeastOnce, false).await.unwrap().wait().await.unwrap();
///     client.disconnect().await.unwrap();
/// });
/// ```
pub fn block_on<F: Future>(options: Options, app: impl FnOnce(Client) -> F) -> F::Output {
    let (client, driver) = Client::with_driver(options);
    let executor = smol::LocalExecutor::new();
    let driver = executor.spawn(driver.run());
    let app = executor.spawn(app(client));
    smol::block_on(executor.run(async {
        let output = app.await;
        // Every handle is gone with `app`: the driver disconnects (if connected) and ends.
        driver.await;
        output
    }))
}
