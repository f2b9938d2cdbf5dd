//! Where a [`Client`](crate::Client) keeps the session's journal: a [`Journal`] makes the
//! records the session hands out durable before the client transmits what depends on them.
//! [`NoJournal`] (the default) keeps nothing; with the `persistence` feature,
//! [`FlashStore`](crate::store::FlashStore) keeps them on NOR flash or in RTC memory.

/// Why the journal could not keep what it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// The medium refused an operation (the flash driver's error kind).
    Flash(FlashErrorKind),
    /// No room left: the client then writes a snapshot with [`Journal::replace`].
    Full,
    /// A snapshot larger than the medium can hold.
    TooLarge,
}

/// What kind of flash failure (the flash traits' kinds, without depending on them when the
/// `persistence` feature is off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlashErrorKind {
    /// Not aligned to the flash's read, write or erase size.
    NotAligned,
    /// Outside the flash.
    OutOfBounds,
    /// Another failure of the flash driver.
    Other,
}

#[cfg(any(feature = "persistence", feature = "ota"))]
impl FlashErrorKind {
    /// A flash driver's error as its kind.
    pub(crate) fn of<E: embedded_storage_async::nor_flash::NorFlashError>(e: &E) -> Self {
        use embedded_storage_async::nor_flash::NorFlashErrorKind as K;
        match e.kind() {
            K::NotAligned => Self::NotAligned,
            K::OutOfBounds => Self::OutOfBounds,
            _ => Self::Other,
        }
    }
}

impl core::fmt::Display for StoreError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Flash(k) => write!(f, "flash error: {k:?}"),
            Self::Full => f.write_str("the store is full: compact it with a snapshot"),
            Self::TooLarge => f.write_str("the snapshot is larger than the store"),
        }
    }
}

impl core::error::Error for StoreError {}

/// Durable storage for the session's journal (see `sansmqtt_session::persist`).
///
/// Both methods may be cancelled part-way (the client's futures are): an implementation must
/// then leave what it holds as before the call or as after it, and accept the same call again.
// No `Send` bound on the futures: an embassy task runs on one executor.
#[allow(async_fn_in_trait)]
pub trait Journal {
    /// Append `records` (what the session's `poll_store` handed out). [`StoreError::Full`]
    /// when there is no room: the client then calls [`Journal::replace`] with a snapshot.
    async fn append(&mut self, records: &[u8]) -> Result<(), StoreError>;
    /// Replace everything held with `snapshot`.
    async fn replace(&mut self, snapshot: &[u8]) -> Result<(), StoreError>;
}

/// No journal: the session's state lives in RAM only (the default).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoJournal;

impl Journal for NoJournal {
    async fn append(&mut self, _records: &[u8]) -> Result<(), StoreError> {
        Ok(())
    }
    async fn replace(&mut self, _snapshot: &[u8]) -> Result<(), StoreError> {
        Ok(())
    }
}
