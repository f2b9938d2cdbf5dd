//! CONNECT (§3.1).

use crate::codec::{Reader, Sink, SliceSink, WIDE, bin_len, validate_utf8};
use crate::error::{DecodeError, EncodeError};
use crate::frame::{PacketType, varint_len};
use crate::property::{ConnectProperties, PropertyId, WillProperties, check_v3};
use crate::string::{Bin, Utf8};
use crate::topic::{TopicName, validate_topic_name};
use crate::types::QoS;
use crate::version::ProtocolVersion;

/// The Will Message of a CONNECT.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Will<'a> {
    /// Topic the will is published to.
    pub topic: TopicName<'a>,
    /// Will payload (at most 65,535 bytes).
    pub payload: Bin<'a>,
    /// QoS of the will message.
    pub qos: QoS,
    /// Whether the will is retained.
    pub retain: bool,
    /// v5 Will Properties (empty before 5.0).
    pub properties: WillProperties<'a>,
}

/// A connection request. Its `Debug` shows the password (and any Authentication Data) as
/// `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Connect<'a> {
    /// Clean Session (3.x) / Clean Start (5.0).
    pub clean_start: bool,
    /// Keep Alive, seconds (0 disables).
    pub keep_alive: u16,
    /// Client Identifier; empty asks the server to assign one (3.1.1 needs clean session,
    /// 3.1 forbids it).
    pub client_id: Utf8<'a>,
    /// The Will Message, if any.
    pub will: Option<Will<'a>>,
    /// User Name.
    pub username: Option<Utf8<'a>>,
    /// Password (3.x: only together with a user name).
    pub password: Option<Bin<'a>>,
    /// v5 properties (empty before 5.0).
    pub properties: ConnectProperties<'a>,
}

impl core::fmt::Debug for Connect<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Connect")
            .field("clean_start", &self.clean_start)
            .field("keep_alive", &self.keep_alive)
            .field("client_id", &self.client_id)
            .field("will", &self.will)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| crate::string::Elided))
            .field("properties", &self.properties)
            .finish()
    }
}

const RESERVED: u8 = 0x01;
const CLEAN: u8 = 0x02;
const WILL: u8 = 0x04;
const WILL_QOS_SHIFT: u8 = 3;
const WILL_RETAIN: u8 = 0x20;
const PASSWORD: u8 = 0x40;
const USERNAME: u8 = 0x80;

impl<'a> Connect<'a> {
    /// A clean-start CONNECT with this client id and keep-alive, nothing else.
    pub fn new(client_id: Utf8<'a>, keep_alive: u16) -> Self {
        Self {
            clean_start: true,
            keep_alive,
            client_id,
            will: None,
            username: None,
            password: None,
            properties: ConnectProperties::default(),
        }
    }

    // Always inlined (into the general decoder, which a client's decoder does not link for
    // CONNECT), and built straight into `wrap` once the whole body was read, so that the
    // packet is written where the caller keeps it instead of being moved there.
    #[inline(always)]
    pub(crate) fn decode<T>(
        r: &mut Reader<'a>,
        version: ProtocolVersion,
        wrap: impl FnOnce(Self) -> T,
    ) -> Result<T, DecodeError> {
        let name = r.bin_fast()?;
        let level = r.u8_fast()?;
        let declared = ProtocolVersion::from_name_and_level(name, level)
            .ok_or(DecodeError::UnsupportedProtocol { level })?;
        if declared != version {
            return Err(DecodeError::UnexpectedProtocolVersion(declared));
        }
        let flags = r.u8_fast()?;
        if flags & RESERVED != 0 {
            return Err(DecodeError::ConnectReservedFlag);
        }
        let will_qos = QoS::from_u8((flags >> WILL_QOS_SHIFT) & 0b11).ok_or(DecodeError::InvalidQoS)?;
        if flags & WILL == 0 && (will_qos != QoS::AtMostOnce || flags & WILL_RETAIN != 0) {
            return Err(DecodeError::InvalidWillFlags);
        }
        if !version.is_v5() && flags & PASSWORD != 0 && flags & USERNAME == 0 {
            return Err(DecodeError::PasswordWithoutUsername);
        }
        let clean_start = flags & CLEAN != 0;
        let keep_alive = r.u16_fast()?;
        let properties = if version.is_v5() {
            ConnectProperties::decode(r, PacketType::Connect)?
        } else {
            ConnectProperties::default()
        };
        // §3.1.2.11.10: Authentication Data without an Authentication Method is a Protocol Error.
        if properties.authentication_data.is_some() && properties.authentication_method.is_none() {
            return Err(DecodeError::InvalidPropertyValue(PropertyId::AuthenticationData));
        }
        let client_id = Utf8::from_validated_bytes(r.utf8_bytes()?);
        if client_id.is_empty() && !empty_client_id_ok(version, clean_start) {
            return Err(DecodeError::EmptyClientId);
        }
        let will = if flags & WILL != 0 {
            let properties = if version.is_v5() {
                WillProperties::decode(r, PacketType::Connect)?
            } else {
                WillProperties::default()
            };
            let topic = validate_utf8(r.bin_fast()?)?;
            validate_topic_name(topic).map_err(DecodeError::InvalidTopicName)?;
            Some(Will {
                topic: TopicName(Utf8::from_validated(topic)),
                payload: Bin::new(r.bin_fast()?),
                qos: will_qos,
                retain: flags & WILL_RETAIN != 0,
                properties,
            })
        } else {
            None
        };
        let username =
            if flags & USERNAME != 0 { Some(Utf8::from_validated_bytes(r.utf8_bytes()?)) } else { None };
        let password = if flags & PASSWORD != 0 { Some(Bin::new(r.bin_fast()?)) } else { None };
        r.finish()?;
        Ok(wrap(Self { clean_start, keep_alive, client_id, will, username, password, properties }))
    }

    fn flags(&self) -> u8 {
        let mut f = 0;
        if self.clean_start {
            f |= CLEAN;
        }
        if let Some(w) = &self.will {
            f |= WILL | (w.qos as u8) << WILL_QOS_SHIFT;
            if w.retain {
                f |= WILL_RETAIN;
            }
        }
        if self.password.is_some() {
            f |= PASSWORD;
        }
        if self.username.is_some() {
            f |= USERNAME;
        }
        f
    }

    /// The remaining length and the v5 property lengths of the CONNECT and of its Will
    /// (0 before 5.0 and for empty sets), with all validation.
    // Always inlined on 64-bit targets (the speed of `Packet::encode`); elsewhere the
    // compiler picks, which keeps one copy for the client's vector encoder.
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    fn lens(&self, v: ProtocolVersion) -> Result<(usize, usize, usize), EncodeError> {
        if self.client_id.is_empty() && !empty_client_id_ok(v, self.clean_start) {
            return Err(EncodeError::EmptyClientId);
        }
        if !v.is_v5() && self.password.is_some() && self.username.is_none() {
            return Err(EncodeError::PasswordWithoutUsername);
        }
        // Looked at once: most CONNECTs carry no properties.
        let empty = self.properties.is_empty();
        check_v3(v, empty)?;
        if !empty
            && self.properties.authentication_data.is_some()
            && self.properties.authentication_method.is_none()
        {
            return Err(EncodeError::InvalidPropertyValue(PropertyId::AuthenticationData));
        }
        let mut n = 2 + v.protocol_name().len() + 1 + 1 + 2;
        let mut c = 0;
        if v.is_v5() {
            if !empty {
                c = self.properties.content_len()?;
            }
            n += varint_len(c as u32) + c;
        }
        n += self.client_id.wire_len();
        let mut wc = 0;
        if let Some(w) = &self.will {
            if w.topic.is_empty() {
                return Err(EncodeError::InvalidTopicName(crate::TopicError::Empty));
            }
            check_v3(v, w.properties.is_empty())?;
            if v.is_v5() {
                wc = w.properties.content_len()?;
                n += varint_len(wc as u32) + wc;
            }
            n += w.topic.as_utf8().wire_len() + bin_len(w.payload.len())?;
        }
        if let Some(u) = &self.username {
            n += u.wire_len();
        }
        if let Some(p) = &self.password {
            n += bin_len(p.len())?;
        }
        Ok((n, c, wc))
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> Result<usize, EncodeError> {
        self.lens(v).map(|(n, ..)| n)
    }

    pub(crate) fn write_body<S: Sink>(&self, v: ProtocolVersion, s: &mut S) {
        self.write_with(v, s, None, None);
    }

    /// [`Connect::write_body`] with the property lengths from [`Connect::lens`], or with
    /// them computed where they are written (`None`).
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    fn write_with<S: Sink>(&self, v: ProtocolVersion, s: &mut S, c: Option<usize>, wc: Option<usize>) {
        if WIDE && v != ProtocolVersion::V3_1 {
            // Protocol name "MQTT", level, flags and keep-alive: one 10-byte write (on
            // 64-bit targets; the 32-bit microcontrollers keep the smaller field writes).
            let [ka_hi, ka_lo] = self.keep_alive.to_be_bytes();
            s.put_slice(&[0, 4, b'M', b'Q', b'T', b'T', v.level(), self.flags(), ka_hi, ka_lo]);
        } else {
            s.put_bin(v.protocol_name().as_bytes());
            s.put_u8(v.level());
            s.put_u8(self.flags());
            s.put_u16(self.keep_alive);
        }
        if v.is_v5() {
            let c = c.unwrap_or_else(|| self.properties.content_len().unwrap_or_default());
            if WIDE && c == 0 {
                s.put_u8(0);
            } else {
                self.properties.write(s, c);
            }
        }
        s.put_bin(self.client_id.as_bytes());
        if let Some(w) = &self.will {
            if v.is_v5() {
                let wc = wc.unwrap_or_else(|| w.properties.content_len().unwrap_or_default());
                if WIDE && wc == 0 {
                    s.put_u8(0);
                } else {
                    w.properties.write(s, wc);
                }
            }
            s.put_bin(w.topic.as_utf8().as_bytes());
            s.put_bin(w.payload.as_bytes());
        }
        if let Some(u) = &self.username {
            s.put_bin(u.as_bytes());
        }
        if let Some(p) = &self.password {
            s.put_bin(p.as_bytes());
        }
    }

    /// Encode the whole packet into `buf`, all or nothing: [`Packet::encode`]'s path for
    /// CONNECT (sized once, the cursor in registers).
    ///
    /// [`Packet::encode`]: crate::Packet::encode
    #[inline(never)]
    pub(crate) fn encode(&self, v: ProtocolVersion, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let (body, c, wc) = self.lens(v)?;
        let total = super::total_len(body)?;
        let Some(out) = buf.get_mut(..total) else {
            return Err(EncodeError::BufferTooSmall { needed: total });
        };
        let mut s = SliceSink::new(out);
        s.put_u8((PacketType::Connect as u8) << 4);
        s.put_varint(body as u32);
        self.write_with(v, &mut s, Some(c), Some(wc));
        debug_assert_eq!(s.written(), total);
        Ok(total)
    }

    #[cfg(feature = "bytes")]
    pub(crate) fn share(self, src: Option<&bytes::Bytes>) -> Connect<'static> {
        use crate::string::Share;
        Connect {
            clean_start: self.clean_start,
            keep_alive: self.keep_alive,
            client_id: self.client_id.share(src),
            will: self.will.map(|w| Will {
                topic: w.topic.share(src),
                payload: w.payload.share(src),
                qos: w.qos,
                retain: w.retain,
                properties: w.properties.share(src),
            }),
            username: self.username.map(|u| u.share(src)),
            password: self.password.map(|p| p.share(src)),
            properties: self.properties.share(src),
        }
    }
}

/// An empty client id: any v5 CONNECT, 3.1.1 only with clean session [MQTT-3.1.3-7], never 3.1.
fn empty_client_id_ok(v: ProtocolVersion, clean_start: bool) -> bool {
    match v {
        ProtocolVersion::V5 => true,
        ProtocolVersion::V3_1_1 => clean_start,
        ProtocolVersion::V3_1 => false,
    }
}
