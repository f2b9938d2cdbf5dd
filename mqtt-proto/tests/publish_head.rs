//! `Publish::decode_head` and `Publish::encode_head_to_vec`: the head of a PUBLISH decoded from
//! every prefix of it, and encoded for a payload sent separately, against the whole-packet
//! decoder and encoder, over arbitrary packets of every version.

mod roundtrip_support;

use arbitrary::{Arbitrary, Unstructured};
use roundtrip_support::{raw, runner};
use sansmqtt_proto::{Bin, DecodeError, FixedHeader, Packet, ProtocolVersion, Publish, Status};
use std::cell::Cell;

/// Every prefix of the encoded `p`: incomplete until the head is there, then the packet with
/// an empty payload, as the whole-packet decoder reads it.
fn check(p: &Publish<'_>, version: ProtocolVersion) -> bool {
    let mut bytes = Vec::new();
    if Packet::Publish(p.clone()).encode_to_vec(version, &mut bytes).is_err() {
        return false;
    }
    // The head encoded for a payload sent separately, then the payload: the same bytes.
    let mut head = vec![0xAA];
    let n = p.encode_head_to_vec(version, p.payload.len(), &mut head).expect("the head encodes");
    assert_eq!(head.len(), 1 + n, "{version}");
    head.extend_from_slice(p.payload.as_bytes());
    assert_eq!(&head[1..], &bytes[..], "{version}: head + payload differ from the packet");
    let Ok(Status::Complete(whole)) = Packet::decode(&bytes, version) else { return false };
    let Packet::Publish(mut expected) = whole.packet else { panic!("not a PUBLISH") };
    let payload_len = expected.payload.len();
    expected.payload = Bin::new(&[]);
    let Ok(Status::Complete(header)) = FixedHeader::parse(&bytes) else { panic!("header") };
    let head_len = bytes.len() - payload_len;
    for cut in usize::from(header.header_len)..=bytes.len() {
        match Publish::decode_head(&bytes[..cut], header, version) {
            Ok(Status::Complete(h)) => {
                assert!(cut >= head_len, "{version}: complete at {cut} of a {head_len}-byte head");
                assert_eq!(h.publish, expected, "{version}");
                assert_eq!((h.head_len, h.payload_len), (head_len, payload_len), "{version}");
            }
            Ok(Status::Incomplete { .. }) => assert!(cut < head_len, "{version}: incomplete at {cut}"),
            Err(e) => panic!("{version}: a valid packet's head refused at {cut}: {e:?}"),
        }
    }
    true
}

#[test]
fn the_head_of_arbitrary_publish_packets_decodes_as_the_whole_packet() {
    for version in ProtocolVersion::ALL {
        let (generated, checked) = (Cell::new(0usize), Cell::new(0usize));
        runner()
            .run(&raw(), |data| {
                let mut u = Unstructured::new(&data);
                let Ok(p) = Publish::arbitrary(&mut u) else { return Ok(()) };
                generated.set(generated.get() + 1);
                if check(&p, version) {
                    checked.set(checked.get() + 1);
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{version}: {e}"));
        assert!(checked.get() * 4 >= generated.get(), "{version}: {} of {}", checked.get(), generated.get());
    }
}

#[test]
fn a_head_longer_than_the_packet_or_another_packet_type_is_refused() {
    let v = ProtocolVersion::V3_1_1;
    // Remaining Length 3, but the topic length says 5.
    let bytes = [0x30, 0x03, 0x00, 0x05, b'a'];
    let Ok(Status::Complete(h)) = FixedHeader::parse(&bytes) else { panic!() };
    assert_eq!(Publish::decode_head(&bytes, h, v), Err(DecodeError::UnexpectedEnd));
    let pingresp = [0xD0, 0x00];
    let Ok(Status::Complete(h)) = FixedHeader::parse(&pingresp) else { panic!() };
    assert!(matches!(Publish::decode_head(&pingresp, h, v), Err(DecodeError::NotPublish(_))));
}
