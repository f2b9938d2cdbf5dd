//! Logging through `defmt` or `log` when one of those features is on; nothing otherwise.
//! Messages are static strings with primitive arguments, so both back-ends accept them.

macro_rules! log_debug {
    ($($arg:tt)*) => {{
        #[cfg(feature = "defmt")]
        ::defmt::debug!($($arg)*);
        #[cfg(all(feature = "log", not(feature = "defmt")))]
        ::log::debug!($($arg)*);
        #[cfg(not(any(feature = "log", feature = "defmt")))]
        {
            let _ = ::core::format_args!($($arg)*);
        }
    }};
}

macro_rules! log_warn {
    ($($arg:tt)*) => {{
        #[cfg(feature = "defmt")]
        ::defmt::warn!($($arg)*);
        #[cfg(all(feature = "log", not(feature = "defmt")))]
        ::log::warn!($($arg)*);
        #[cfg(not(any(feature = "log", feature = "defmt")))]
        {
            let _ = ::core::format_args!($($arg)*);
        }
    }};
}

pub(crate) use {log_debug, log_warn};
