//! The file store ([`Options::store`]): the session's state kept in a file, so that a process
//! killed in the middle of QoS 1 / 2 exchanges takes them up again when it starts on the same
//! file (see [`sansmqtt_session::persist`] for what is kept and what that guarantees).
//!
//! The file is an append log: the session's snapshot, then the records of every change.
//! - **Start**: an existing file is read, a record torn by a crash is cut
//!   ([`complete_prefix`]), and the session is restored from it; then the file is replaced
//!   by a fresh snapshot (atomically: written beside it as `PATH.tmp`, synced, renamed over it,
//!   the directory synced). A file that does not restore is left alone and the client refuses
//!   to start ([`Error::Store`]): delete it to start a fresh session, knowing that what it
//!   held is lost. No file: a new session, whose first snapshot is written the same way.
//! - **Each driver round**, before anything is sent: the records of the changes since the last
//!   round are appended and, per [`StoreSync`], synced; only then does the driver hand the
//!   packets that depend on them to the socket (the session holds them back until their
//!   records are taken).
//! - **Compaction**: when the log has grown past 4 × the last snapshot + 64 KiB, the round
//!   writes a fresh snapshot instead of the records (atomically, as at start).
//!
//! A write or sync that fails stops the client: nothing that depends on it is sent, the
//! connection is dropped without DISCONNECT (as in a crash), and every command then fails
//! with [`Error::Store`].

use crate::client::Client;
use crate::error::Error;
use crate::options::Options;
use crate::shared::Shared;
use sansmqtt_session::persist::complete_prefix;
use sansmqtt_session::{Config, RestoreError, Session, Token};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// When the file store makes its writes durable ([`Options::store_sync`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreSync {
    /// `fdatasync` after each driver round's records, before any packet that follows them
    /// is sent: survives a power loss or an OS crash. The records of every change since the
    /// last round share one sync (group commit), so a busy client syncs once per round, not
    /// once per message.
    #[default]
    EveryRound,
    /// No sync: the records are written to the OS (its page cache) before the packets that
    /// depend on them are sent. Survives the process being killed, not a power loss or an OS
    /// crash (records not yet on disk are lost then, with what they promised).
    None,
}

/// The file store could not be opened, read, restored or written.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// An I/O operation on the store failed.
    Io {
        /// What was being done ("read", "append", "sync", ...).
        op: &'static str,
        /// The file it was done on.
        path: PathBuf,
        /// The OS error.
        error: Arc<io::Error>,
    },
    /// The file holds no session this client can take up (damaged, written by a later
    /// format, or for another client identifier / protocol version): it is left as it is.
    Restore {
        /// The file.
        path: PathBuf,
        /// Why the session refused it.
        error: RestoreError,
    },
    /// The configuration does not ask the broker to keep the session (Clean Start 1, or in
    /// MQTT 5.0 a Session Expiry Interval of 0): what the store gave back could not be resent.
    NotPersistent,
    /// The file is larger than any store of this configuration can be (read limit exceeded):
    /// not read.
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
        /// The limit derived from the configuration.
        limit: u64,
    },
}

impl core::fmt::Display for StoreError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Io { op, path, error } => {
                write!(f, "session store {}: {op} failed: {error}", path.display())
            }
            Self::Restore { path, error } => write!(
                f,
                "session store {}: {error} (the client refuses to start; delete the file to start a fresh session)",
                path.display()
            ),
            Self::NotPersistent => f.write_str(
                "a session store needs a persistent session: clean_start(false), and in MQTT 5.0 a session_expiry above 0",
            ),
            Self::TooLarge { path, size, limit } => {
                write!(f, "session store {}: {size} bytes, more than the limit of {limit}", path.display())
            }
        }
    }
}

impl core::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Io { error, .. } => Some(&**error),
            Self::Restore { error, .. } => Some(error),
            Self::TooLarge { .. } | Self::NotPersistent => None,
        }
    }
}

/// Where the store is and how it syncs (set through [`Options`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct StoreOptions {
    path: Option<PathBuf>,
    sync: StoreSync,
}

impl Options {
    /// Keep the session's state in the file at `path`: outgoing QoS 1 / 2 messages accepted
    /// by [`Client::publish`] (queued or in flight), incoming QoS 2 message ids and the
    /// subscriptions survive the process being killed, and a client started again on the file
    /// resends what was in flight (see [`sansmqtt_session::persist`] for what is kept and what
    /// that guarantees).
    ///
    /// - At start an existing file is read, a record torn by a crash is cut, and the session
    ///   is restored from it ([`Client::restored_tokens`]); a file that does not restore is
    ///   left alone and every command fails with [`Error::Store`] (delete the file to start a
    ///   fresh session, losing what it held). No file: a new session. Either way the file is
    ///   then replaced by a fresh snapshot (written to `PATH.tmp`, synced, renamed over
    ///   `PATH`, the directory synced).
    /// - Each driver round appends the records of the session's changes and syncs them per
    ///   [`store_sync`](Self::store_sync) before sending anything that depends on them.
    /// - The log is compacted (replaced by a snapshot, atomically) once it grows past
    ///   4 × the last snapshot + 64 KiB.
    /// - A write or sync that fails stops the client (nothing depending on it is sent; the
    ///   connection drops without DISCONNECT, as in a crash); commands then fail with
    ///   [`Error::Store`].
    ///
    /// The broker must keep its half of the session: use it with
    /// [`clean_start(false)`](Self::clean_start), and in MQTT 5.0 a
    /// [`session_expiry`](Self::session_expiry) long enough to cover the restart (without
    /// them the client refuses to start: [`StoreError::NotPersistent`]).
    ///
    /// The store covers the session, not the application: a publisher that must not publish
    /// a message twice after a crash records its progress after [`Client::flush_store`]
    /// returned (a crash between the two republishes what the store already held). An
    /// incoming QoS 2 message is acknowledged, and its id stored, when the driver takes it
    /// from the session, before the application sees it: with the default automatic acks a
    /// crash in between loses it for the application. Use [`manual_acks`](Self::manual_acks):
    /// make the message's effect durable, then [`Client::ack`] (a crash in between delivers
    /// it again).
    ///
    /// One client per file (not locked: two clients on one file corrupt it). The file is created with
    /// mode 0600 (it holds message payloads). [`Client::new`] reads and writes it, blocking,
    /// once; afterwards the driver does.
    pub fn store(mut self, path: impl Into<PathBuf>) -> Self {
        self.store.path = Some(path.into());
        self
    }

    /// When the store's writes are made durable (default [`StoreSync::EveryRound`]).
    /// Without [`Options::store`] it has no effect.
    pub fn store_sync(mut self, sync: StoreSync) -> Self {
        self.store.sync = sync;
        self
    }
}

impl Client {
    /// Wait until every change made before this call (publishes accepted, acks given,
    /// subscriptions) is durable in the [store](Options::store), per its [`StoreSync`].
    /// Returns at once without a store. A publish is taken up again after a crash once this
    /// returned; an application that records "handed over" for its own bookkeeping does it
    /// after this.
    pub async fn flush_store(&self) -> Result<(), Error> {
        let shared = self.shared();
        let target = {
            let g = shared.lock();
            if let Some(e) = &g.store.error {
                return Err(Error::Store(e.clone()));
            }
            if !g.store.on {
                return Ok(());
            }
            g.store.taken + u64::from(g.session.has_store_records())
        };
        shared.driver.notify();
        shared
            .wait_for(|g| {
                if let Some(e) = &g.store.error {
                    Some(Err(Error::Store(e.clone())))
                } else if g.store.synced >= target {
                    Some(Ok(()))
                } else if g.done {
                    Some(Err(Error::Closed))
                } else {
                    None
                }
            })
            .await
    }

    /// The tokens of the publishes taken up from the [store](Options::store) when the client
    /// started (in the order they go out): their completions come as
    /// [`Event::Published`](crate::Event::Published) / `PublishFailed` with these tokens.
    pub fn restored_tokens(&self) -> Vec<Token> {
        self.shared().lock().store.restored.clone()
    }

    /// The error that stopped the store, if any: the client then refuses every command with it.
    pub fn store_error(&self) -> Option<StoreError> {
        self.shared().lock().store.error.clone()
    }
}

/// The store's part of the shared state.
#[derive(Debug, Default)]
pub(crate) struct StoreState {
    /// A store is configured and working.
    pub(crate) on: bool,
    /// The store failed: commands fail with this.
    pub(crate) error: Option<StoreError>,
    /// How many times the driver took the session's records.
    pub(crate) taken: u64,
    /// Up to which take the store is durable.
    pub(crate) synced: u64,
    /// Publishes restored at start.
    pub(crate) restored: Vec<Token>,
}

/// The open store, owned by the driver.
#[derive(Debug)]
pub(crate) struct Store {
    path: PathBuf,
    sync: StoreSync,
    /// The file, opened for appending (taken while a blocking write runs elsewhere).
    file: Option<File>,
    /// Records taken from the session, or a snapshot, not yet written.
    buf: Vec<u8>,
    /// `buf` is a snapshot that replaces the file.
    replace: bool,
    /// Bytes in the file.
    len: u64,
    /// Size of the last snapshot written.
    snapshot_len: u64,
}

/// A log beyond `COMPACT_FACTOR` × the last snapshot + `COMPACT_SLACK` bytes is compacted.
const COMPACT_FACTOR: u64 = 4;
/// See [`COMPACT_FACTOR`].
const COMPACT_SLACK: u64 = 64 * 1024;

/// The session for `options`: restored from its store, or new (and journaling into it); the
/// store, and why it could not be opened. On a failure the session is a fresh one, and the
/// client refuses to work (the error is kept in the shared state).
pub(crate) fn open(options: &mut Options) -> (Session, Option<Store>, StoreState) {
    let Some(path) = options.store.path.take() else {
        return (Session::new(options.config.clone()), None, StoreState::default());
    };
    match Store::open(path, options.store.sync, &options.config) {
        Ok((store, session, restored)) => {
            let state = StoreState { on: true, restored, ..StoreState::default() };
            (session, Some(store), state)
        }
        Err(e) => {
            log::error!("{e}");
            let state = StoreState { error: Some(e), ..StoreState::default() };
            (Session::new(options.config.clone()), None, state)
        }
    }
}

/// The largest store file a configuration can produce (queue, in-flight packets, incoming
/// QoS 2 ids, subscriptions; times the compaction factor), with room to spare: a larger file
/// is refused unread.
fn read_limit(config: &Config) -> u64 {
    let inflight = u64::from(config.max_inflight.max(1)) * u64::from(config.max_packet_size);
    let snapshot =
        (config.max_queued_bytes as u64).saturating_add(inflight).saturating_add(65_535 * 11 + (1 << 20));
    snapshot.saturating_mul(COMPACT_FACTOR + 1).saturating_add(COMPACT_SLACK)
}

impl Store {
    fn io(&self, op: &'static str, error: io::Error) -> StoreError {
        StoreError::Io { op, path: self.path.clone(), error: Arc::new(error) }
    }

    fn open(
        path: PathBuf,
        sync: StoreSync,
        config: &Config,
    ) -> Result<(Self, Session, Vec<Token>), StoreError> {
        if config.clean_start || (config.version.is_v5() && config.session_expiry_interval == 0) {
            return Err(StoreError::NotPersistent);
        }
        let mut store =
            Self { path, sync, file: None, buf: Vec::new(), replace: true, len: 0, snapshot_len: 0 };
        let mut restored = false;
        let (mut session, tokens) = match File::open(&store.path) {
            Ok(f) => {
                let size = f.metadata().map_err(|e| store.io("stat", e))?.len();
                let limit = read_limit(config);
                if size > limit {
                    return Err(StoreError::TooLarge { path: store.path, size, limit });
                }
                let mut bytes = Vec::new();
                f.take(limit).read_to_end(&mut bytes).map_err(|e| store.io("read", e))?;
                let whole = complete_prefix(&bytes);
                if whole < bytes.len() {
                    log::warn!(
                        "session store {}: cut a record torn by a crash ({} bytes)",
                        store.path.display(),
                        bytes.len() - whole
                    );
                }
                let (session, tokens) = Session::restore(config.clone(), &bytes[..whole])
                    .map_err(|error| StoreError::Restore { path: store.path.clone(), error })?;
                log::info!(
                    "session store {}: restored {} publishes ({} in flight, {} queued)",
                    store.path.display(),
                    tokens.len(),
                    session.inflight(),
                    session.queued()
                );
                restored = true;
                (session, tokens)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => (Session::new(config.clone()), Vec::new()),
            Err(e) => return Err(store.io("open", e)),
        };
        // A restored session is compacted at once (which also drops a torn tail before
        // anything is appended); a new one writes its first snapshot. Either way atomically.
        if restored {
            session.snapshot(&mut store.buf);
        } else {
            session.start_journal(&mut store.buf);
        }
        store.write_replace()?;
        Ok((store, session, tokens))
    }

    /// Take the session's records (or, when the log is due for compaction, a snapshot),
    /// write them and sync per policy; record the progress in the shared state. Called by
    /// the driver before it asks the session for bytes to send. Whether anything was written.
    pub(crate) async fn save(&mut self, shared: &Shared) -> Result<bool, StoreError> {
        let take = {
            let mut g = shared.lock();
            if !g.session.poll_store(&mut self.buf) {
                return Ok(false);
            }
            let grown = self.len + self.buf.len() as u64;
            if grown > self.snapshot_len.saturating_mul(COMPACT_FACTOR) + COMPACT_SLACK {
                // Same lock: the snapshot is the state the records just taken describe.
                self.buf.clear();
                g.session.snapshot(&mut self.buf);
                self.replace = true;
            }
            g.store.taken += 1;
            g.store.taken
        };
        let result = if self.sync == StoreSync::None {
            self.write()
        } else {
            // fdatasync blocks for milliseconds: on the blocking pool, not the executor.
            let mut me = std::mem::replace(self, Self::placeholder());
            let (back, result) = smol::unblock(move || {
                let r = me.write();
                (me, r)
            })
            .await;
            *self = back;
            result
        };
        let mut g = shared.lock();
        match result {
            Ok(()) => {
                g.store.synced = take;
                drop(g);
                shared.changed.notify(usize::MAX);
                Ok(true)
            }
            Err(e) => {
                log::error!("{e}: the client stops");
                g.store.error = Some(e.clone());
                g.store.on = false;
                // What waits for a completion learns why it will not come.
                for slot in g.waiting.values_mut() {
                    slot.get_or_insert_with(|| crate::shared::Outcome::Store(e.clone()));
                }
                drop(g);
                shared.changed.notify(usize::MAX);
                Err(e)
            }
        }
    }

    /// The driver stops: store the last changes (the acks of a graceful disconnect), unless
    /// the store failed.
    pub(crate) async fn finish(&mut self, shared: &Shared) {
        if shared.lock().store.error.is_none() {
            let _ = self.save(shared).await;
        }
    }

    /// An empty store, held while the real one is away on the blocking pool.
    fn placeholder() -> Self {
        Self {
            path: PathBuf::new(),
            sync: StoreSync::None,
            file: None,
            buf: Vec::new(),
            replace: false,
            len: 0,
            snapshot_len: 0,
        }
    }

    /// Write `buf` (appended, or replacing the file) and sync per policy.
    fn write(&mut self) -> Result<(), StoreError> {
        if self.replace {
            return self.write_replace();
        }
        let Some(file) = self.file.as_mut() else {
            return Err(self.io("append", io::Error::other("store file not open")));
        };
        let mut r = file.write_all(&self.buf).map_err(|e| ("append", e));
        if r.is_ok() && self.sync == StoreSync::EveryRound {
            r = file.sync_data().map_err(|e| ("sync", e));
        }
        r.map_err(|(op, e)| self.io(op, e))?;
        self.len += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// Replace the file with `buf` (a snapshot): write `PATH.tmp`, sync, rename over `PATH`,
    /// sync the directory (the syncs per policy).
    fn write_replace(&mut self) -> Result<(), StoreError> {
        let tmp = tmp_path(&self.path);
        let durable = self.sync == StoreSync::EveryRound;
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        // It holds message payloads: readable by its owner only.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options.open(&tmp).map_err(|e| self.io("create", e))?;
        f.write_all(&self.buf).map_err(|e| self.io("write", e))?;
        if durable {
            f.sync_all().map_err(|e| self.io("sync", e))?;
        }
        std::fs::rename(&tmp, &self.path).map_err(|e| self.io("rename", e))?;
        if durable {
            sync_dir(&self.path).map_err(|e| self.io("sync directory", e))?;
        }
        self.file = Some(f);
        self.len = self.buf.len() as u64;
        self.snapshot_len = self.len;
        self.buf.clear();
        self.replace = false;
        Ok(())
    }
}

/// `PATH.tmp`.
fn tmp_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".tmp");
    PathBuf::from(p)
}

/// Sync the directory holding `path` (so a rename in it is durable).
fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

impl StoreState {
    /// `Err` when the store failed: commands that change the session are refused.
    pub(crate) fn check(&self) -> Result<(), Error> {
        match &self.error {
            Some(e) => Err(Error::Store(e.clone())),
            None => Ok(()),
        }
    }
}
