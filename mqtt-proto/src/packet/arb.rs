//! `arbitrary::Arbitrary` for the packet structs (feature `arbitrary`).
//!
//! A plain derive makes nearly every packet unencodable for MQTT 3.x (some property or
//! reason code is set) and many unencodable for 5.0 (a reason code the packet may not
//! carry), so roundtrip tests and fuzzing would mostly exercise the error paths. Here each
//! packet is, three times in five, *portable*: everything 3.x cannot carry is cleared (no
//! properties, success codes, 3.x subscription options), so it encodes for every version
//! (UNSUBACK, which has no such form, takes its 3.x form two times in five); otherwise
//! every field is arbitrary, with reason codes drawn mostly from those the packet allows
//! in 5.0. Invalid combinations still occur, to exercise the encode errors.

use super::{Ack, Auth, ConnAck, Connect, Disconnect, Publish, SubAck, Subscribe, UnsubAck, Unsubscribe};
use super::{ReasonCodes, Subscription, Subscriptions};
use crate::frame::PacketType;
use crate::reason::ReasonCode;
use crate::string::Utf8;
use crate::topic::TopicName;
use crate::types::{Delivery, SubscriptionOptions};
use alloc::vec::Vec;
use arbitrary::{Arbitrary, Result, Unstructured};

/// Whether this packet is to be portable (encodable for every version): three times in five.
fn portable(u: &mut Unstructured<'_>) -> Result<bool> {
    u.ratio(3, 5)
}

/// A reason code that `allowed` accepts.
fn reason_from(u: &mut Unstructured<'_>, allowed: impl Fn(ReasonCode) -> bool) -> Result<ReasonCode> {
    let codes: Vec<ReasonCode> = ReasonCode::ALL.iter().copied().filter(|&c| allowed(c)).collect();
    Ok(*u.choose(&codes)?)
}

/// A reason code: three times in four one that `allowed` accepts, else any.
fn reason_in(u: &mut Unstructured<'_>, allowed: impl Fn(ReasonCode) -> bool) -> Result<ReasonCode> {
    if u.ratio(3, 4)? { reason_from(u, allowed) } else { ReasonCode::arbitrary(u) }
}

/// One to four reason codes that `allowed` accepts; unless `strict`, one of them is any
/// code one time in eight.
fn reason_codes<'a>(
    u: &mut Unstructured<'a>,
    strict: bool,
    allowed: impl Fn(ReasonCode) -> bool,
) -> Result<ReasonCodes<'a>> {
    let n = u.int_in_range(1..=4)?;
    let mut codes = (0..n).map(|_| reason_from(u, &allowed)).collect::<Result<Vec<_>>>()?;
    if !strict && u.ratio(1, 8)? {
        let i = u.choose_index(n)?;
        codes[i] = ReasonCode::arbitrary(u)?;
    }
    Ok(ReasonCodes::new(&codes).share_wire(None, |s, out| out.extend(s.iter().map(ReasonCode::to_u8))))
}

impl<'a> Arbitrary<'a> for Connect<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let portable = portable(u)?;
        let mut c = Self {
            clean_start: u.arbitrary()?,
            keep_alive: u.arbitrary()?,
            client_id: u.arbitrary()?,
            will: u.arbitrary()?,
            username: u.arbitrary()?,
            password: u.arbitrary()?,
            properties: u.arbitrary()?,
        };
        if portable {
            c.properties = Default::default();
            if let Some(w) = &mut c.will {
                w.properties = Default::default();
            }
            // 3.x: no password without a user name; 3.1: no empty client identifier.
            if c.username.is_none() {
                c.password = None;
            }
            if c.client_id.is_empty() {
                c.client_id = Utf8::from_validated("client");
            }
        }
        Ok(c)
    }
}

impl<'a> Arbitrary<'a> for ConnAck<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        if portable(u)? {
            // The codes with a 3.x return code; Session Present does not exist in 3.1.
            let reason = reason_from(u, |c| c.to_v3_connack().is_some())?;
            return Ok(Self { session_present: false, reason, properties: Default::default() });
        }
        let reason = reason_in(u, |c| c.allowed_in(PacketType::ConnAck))?;
        let session_present = u.arbitrary::<bool>()? && (!reason.is_error() || u.ratio(1, 8)?);
        Ok(Self { session_present, reason, properties: u.arbitrary()? })
    }
}

impl<'a> Arbitrary<'a> for Publish<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let portable = portable(u)?;
        let mut p = Self {
            dup: u.arbitrary()?,
            retain: u.arbitrary()?,
            delivery: u.arbitrary()?,
            topic: u.arbitrary()?,
            properties: u.arbitrary()?,
            payload: u.arbitrary()?,
        };
        if portable {
            p.properties = Default::default();
            p.dup &= p.delivery != Delivery::AtMostOnce;
        } else if p.properties.topic_alias.is_some() && u.ratio(1, 3)? {
            // v5: the topic is carried by the alias alone.
            p.topic = TopicName::EMPTY;
        }
        Ok(p)
    }
}

impl<'a> Arbitrary<'a> for Ack<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let packet_id = u.arbitrary()?;
        if portable(u)? {
            return Ok(Self::new(packet_id));
        }
        // The same struct serves four packet types: draw from the codes of PUBACK / PUBREC
        // or from those of PUBREL / PUBCOMP.
        let t = if u.arbitrary()? { PacketType::PubAck } else { PacketType::PubRel };
        let reason = reason_in(u, |c| c.allowed_in(t))?;
        Ok(Self { packet_id, reason, properties: u.arbitrary()? })
    }
}

impl<'a> Arbitrary<'a> for Subscribe<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let portable = portable(u)?;
        let packet_id = u.arbitrary()?;
        let n = u.int_in_range(1..=4)?;
        let mut list = (0..n).map(|_| Subscription::arbitrary(u)).collect::<Result<Vec<_>>>()?;
        let properties = if portable {
            for s in &mut list {
                s.options = SubscriptionOptions::new(s.options.qos);
            }
            Default::default()
        } else {
            u.arbitrary()?
        };
        let subscriptions = Subscriptions::new(&list).share_wire(None, super::subscribe::write_subscriptions);
        Ok(Self { packet_id, properties, subscriptions })
    }
}

impl<'a> Arbitrary<'a> for SubAck<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let packet_id = u.arbitrary()?;
        if portable(u)? {
            // Granted QoS 0 to 2: the return codes of every version.
            let reasons = reason_codes(u, true, |c| c.to_v3_suback(false).is_some())?;
            return Ok(Self { packet_id, properties: Default::default(), reasons });
        }
        let reasons = reason_codes(u, false, |c| c.allowed_in(PacketType::SubAck))?;
        Ok(Self { packet_id, properties: u.arbitrary()?, reasons })
    }
}

impl<'a> Arbitrary<'a> for Unsubscribe<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let portable = portable(u)?;
        let packet_id = u.arbitrary()?;
        let filters = u.arbitrary()?;
        let properties = if portable { Default::default() } else { u.arbitrary()? };
        Ok(Self { packet_id, properties, filters })
    }
}

impl<'a> Arbitrary<'a> for UnsubAck<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let packet_id = u.arbitrary()?;
        // No UNSUBACK suits every version: 3.x has no reason codes, 5.0 needs at least one.
        // The 3.x form two times in five.
        if u.ratio(2, 5)? {
            return Ok(Self { packet_id, properties: Default::default(), reasons: ReasonCodes::new(&[]) });
        }
        let reasons = reason_codes(u, false, |c| c.allowed_in(PacketType::UnsubAck))?;
        Ok(Self { packet_id, properties: u.arbitrary()?, reasons })
    }
}

impl<'a> Arbitrary<'a> for Disconnect<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        if portable(u)? {
            return Ok(Self::default());
        }
        let reason = reason_in(u, |c| c.allowed_in(PacketType::Disconnect))?;
        Ok(Self { reason, properties: u.arbitrary()? })
    }
}

impl<'a> Arbitrary<'a> for Auth<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        // AUTH exists only in 5.0; the short form (Success, no properties) half of the time.
        if portable(u)? {
            return Ok(Self::default());
        }
        let reason = reason_in(u, |c| c.allowed_in(PacketType::Auth))?;
        Ok(Self { reason, properties: u.arbitrary()? })
    }
}
