//! `--out DIR` (not in mosquitto_sub): each message's payload goes into a file of its own in
//! DIR, written chunk by chunk as it arrives (the client receives through a small buffer, so
//! a message of any size streams through it), never held whole.
//!
//! Naming: `NNNNNN-TOPIC`, a sequence number counting the messages written whole by this run
//! (from 000001; more digits past 999999; a message cut off and sent again keeps its number),
//! then the topic with every byte other than an ASCII
//! letter, digit, `-`, `_` or `.` written as `%XX` (so `/` is `%2F`), cut at 200 bytes. A
//! file of that name is replaced. A message is written to `.NAME.part` first and renamed once
//! its last byte is in: a message cut off by a lost connection (which the broker sends again)
//! or by the end of the run never leaves a file that looks complete; its part file is
//! deleted.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The receive buffer with `--out`: larger messages stream through it.
pub(crate) const RECEIVE_BUFFER: u32 = 16 * 1024;
/// Events buffered with `--out` (each chunk is one; the client stops reading when full, so
/// at most this many chunks wait in memory for the disk).
pub(crate) const EVENT_CAPACITY: usize = 64;
/// The topic's part of a file name, at most.
const TOPIC_MAX: usize = 200;

/// The directory and the message being written.
pub(crate) struct OutDir {
    dir: PathBuf,
    seq: u64,
    part: Option<Part>,
}

/// A message being written: its part file and the name it gets when complete.
struct Part {
    file: io::BufWriter<std::fs::File>,
    tmp: PathBuf,
    path: PathBuf,
}

impl OutDir {
    /// `--out DIR`, which must be an existing directory.
    pub(crate) fn new(dir: &str) -> Self {
        if !Path::new(dir).is_dir() {
            crate::common::refuse(format_args!("--out: \"{dir}\" is not a directory."));
        }
        Self { dir: dir.into(), seq: 0, part: None }
    }

    /// Start the next message, on `topic`.
    pub(crate) fn begin(&mut self, topic: &str) -> io::Result<()> {
        self.abort();
        let name = format!("{:06}-{}", self.seq + 1, file_name(topic));
        let tmp = self.dir.join(format!(".{name}.part"));
        let file = io::BufWriter::with_capacity(64 * 1024, std::fs::File::create(&tmp)?);
        self.part = Some(Part { file, tmp, path: self.dir.join(name) });
        Ok(())
    }

    /// The next piece of the message's payload.
    pub(crate) fn chunk(&mut self, data: &[u8]) -> io::Result<()> {
        match &mut self.part {
            Some(p) => p.file.write_all(data),
            None => Ok(()),
        }
    }

    /// The message is complete: its file gets its name. The path.
    pub(crate) fn end(&mut self) -> io::Result<PathBuf> {
        let Some(mut p) = self.part.take() else {
            return Err(io::Error::other("no message being written"));
        };
        let done = p.file.flush().and_then(|()| std::fs::rename(&p.tmp, &p.path));
        if let Err(e) = done {
            let _ = std::fs::remove_file(&p.tmp);
            return Err(e);
        }
        self.seq += 1;
        Ok(p.path)
    }

    /// A whole message.
    pub(crate) fn whole(&mut self, topic: &str, payload: &[u8]) -> io::Result<PathBuf> {
        self.begin(topic)?;
        self.chunk(payload)?;
        self.end()
    }

    /// The message being written will not complete: its part file goes.
    pub(crate) fn abort(&mut self) {
        if let Some(p) = self.part.take() {
            drop(p.file);
            let _ = std::fs::remove_file(&p.tmp);
        }
    }

    /// Whether a message is being written.
    pub(crate) fn writing(&self) -> bool {
        self.part.is_some()
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        self.abort();
    }
}

/// `topic` as part of a file name: `%XX` for every byte but ASCII letters, digits, `-`, `_`,
/// `.`; at most [`TOPIC_MAX`] bytes.
fn file_name(topic: &str) -> String {
    let mut name = String::new();
    for &b in topic.as_bytes() {
        let piece = if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            char::from(b).to_string()
        } else {
            format!("%{b:02X}")
        };
        if name.len() + piece.len() > TOPIC_MAX {
            break;
        }
        name.push_str(&piece);
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_become_safe_bounded_names() {
        assert_eq!(file_name("sensors/room 1/temp"), "sensors%2Froom%201%2Ftemp");
        assert_eq!(file_name("../x"), "..%2Fx");
        assert_eq!(file_name("é"), "%C3%A9");
        assert_eq!(file_name(&"/".repeat(100)).len(), 198, "whole escapes only, at most 200 bytes");
    }

    #[test]
    fn a_message_is_renamed_when_complete_and_an_aborted_one_leaves_nothing() {
        let dir = std::env::temp_dir().join(format!("sansmqtt-out-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut out = OutDir::new(dir.to_str().unwrap());
        out.begin("a/b").unwrap();
        out.chunk(b"hello ").unwrap();
        assert!(!dir.join("000001-a%2Fb").exists(), "no complete-looking file before the end");
        out.chunk(b"world").unwrap();
        let path = out.end().unwrap();
        assert_eq!(path, dir.join("000001-a%2Fb"));
        assert_eq!(std::fs::read(&path).unwrap(), b"hello world");
        out.begin("c").unwrap();
        out.chunk(b"cut").unwrap();
        out.abort();
        let path = out.whole("d", b"").unwrap();
        assert_eq!(path, dir.join("000002-d"), "numbered after the last complete message");
        let mut names: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        assert_eq!(names, ["000001-a%2Fb", "000002-d"], "the aborted message left no file");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
