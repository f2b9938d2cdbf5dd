//! Outgoing topic aliases (MQTT 5.0 §3.3.2.3.4), applied when a PUBLISH is written to the
//! transmit buffer. Stored copies (for resending) never carry an alias, and the table is
//! reset with every connection [MQTT-3.3.2-7].

use crate::session::Session;
use alloc::string::String;
use alloc::vec::Vec;
use sansmqtt_proto::{Packet, TopicName};

/// The aliases this connection has announced to the server (index = alias - 1).
#[derive(Debug, Default)]
pub(crate) struct OutAliases {
    topics: Vec<String>,
    next_victim: usize,
}

impl OutAliases {
    pub(crate) fn clear(&mut self) {
        self.topics.clear();
        self.next_victim = 0;
    }
}

impl Session {
    /// Write the PUBLISH in `bytes` to the transmit buffer rewritten to use a topic alias, if
    /// aliases are on and the server accepts them; `false` (nothing written) to send it
    /// unchanged.
    pub(crate) fn push_with_alias(&mut self, bytes: &[u8]) -> bool {
        let max = usize::from(self.conn.caps.topic_alias_maximum.min(self.config.topic_alias_outgoing));
        if !self.conn.version.is_v5() || max == 0 {
            return false;
        }
        let Some(mut p) = crate::incoming::decode_publish(bytes, self.conn.version) else { return false };
        let topic = p.topic.as_str();
        let table = &mut self.out.aliases;
        let (alias, known) = match table.topics.iter().position(|t| t == topic) {
            Some(i) => (i + 1, true),
            None if table.topics.len() < max => {
                table.topics.push(String::from(topic));
                (table.topics.len(), false)
            }
            None => {
                // Replace aliases round-robin once the server's maximum is reached.
                let i = table.next_victim % max;
                table.next_victim = i + 1;
                if let Some(t) = table.topics.get_mut(i) {
                    *t = String::from(topic);
                }
                (i + 1, false)
            }
        };
        let Some(alias) = u16::try_from(alias).ok().and_then(core::num::NonZeroU16::new) else {
            return false;
        };
        p.properties.topic_alias = Some(alias);
        if known {
            p.topic = TopicName::EMPTY;
        }
        self.out.push_packet(&Packet::Publish(p), self.conn.version)
    }
}
