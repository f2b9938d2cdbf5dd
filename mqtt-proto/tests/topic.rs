//! Topic helpers: name and filter validation (§4.7.1, §4.7.3, §4.8.2) and matching
//! (§4.7.1, §4.7.2), with the examples of the specifications.

use sansmqtt_proto::topic::{
    has_wildcard, inner_filter, is_shared_filter, matches, validate_topic_filter, validate_topic_name,
};
use sansmqtt_proto::{EncodeError, TopicError, TopicFilter, TopicName};

#[test]
fn valid_topic_names() {
    for t in ["a", "a/b", "/", "/a", "a/", "//", "$SYS/x", " ", "a b/c", "é/日本", "sport/tennis/player1"]
    {
        assert_eq!(validate_topic_name(t), Ok(()), "{t:?}");
        assert_eq!(TopicName::new(t).unwrap().as_str(), t);
    }
    let longest = "a".repeat(65_535);
    assert_eq!(validate_topic_name(&longest), Ok(()));
}

#[test]
fn mqtt_4_7_3_1_empty_topic_name_is_invalid() {
    assert_eq!(validate_topic_name(""), Err(TopicError::Empty));
    assert_eq!(TopicName::new(""), Err(EncodeError::InvalidTopicName(TopicError::Empty)));
    assert!(TopicName::EMPTY.is_empty());
}

#[test]
fn mqtt_4_7_0_1_and_3_3_2_2_wildcards_in_topic_names_are_invalid() {
    for t in ["+", "#", "a/+", "a/#", "+/a", "a+", "a#b", "sport/tennis/#"] {
        assert_eq!(validate_topic_name(t), Err(TopicError::Wildcard), "{t:?}");
        assert_eq!(TopicName::try_from(t), Err(EncodeError::InvalidTopicName(TopicError::Wildcard)));
    }
}

#[test]
fn mqtt_4_7_3_2_and_4_7_3_3_nul_and_over_65535_bytes_are_invalid() {
    assert_eq!(validate_topic_name("a\0b"), Err(TopicError::NullCharacter));
    assert_eq!(validate_topic_filter("a/\0/#"), Err(TopicError::NullCharacter));
    let long = "a".repeat(65_536);
    assert_eq!(validate_topic_name(&long), Err(TopicError::TooLong));
    assert_eq!(validate_topic_filter(&long), Err(TopicError::TooLong));
    assert_eq!(validate_topic_filter(&long[1..]), Ok(()));
}

#[test]
fn valid_topic_filters() {
    for f in [
        "#",
        "+",
        "+/+",
        "/+",
        "+/",
        "a/+/b",
        "sport/tennis/#",
        "sport/+/player1",
        "+/tennis/#",
        "$SYS/#",
        "a//b",
        "/",
        "$share/g/a/+",
        "$share/group-1/#",
        "$share/g/$SYS/+",
        "$share/g//",
    ] {
        assert_eq!(validate_topic_filter(f), Ok(()), "{f:?}");
        assert_eq!(TopicFilter::new(f).unwrap().as_str(), f);
    }
}

#[test]
fn mqtt_4_7_1_1_to_4_7_1_3_misplaced_wildcards_are_invalid() {
    for f in [
        "a/#/b",
        "a+",
        "#a",
        "a#",
        "+a",
        "a/b#",
        "sport/tennis#",
        "sport+",
        "##",
        "++",
        "#/",
        "#/a",
        "a/+b/c",
    ] {
        assert_eq!(validate_topic_filter(f), Err(TopicError::MisplacedWildcard), "{f:?}");
        assert_eq!(
            TopicFilter::try_from(f),
            Err(EncodeError::InvalidTopicFilter(TopicError::MisplacedWildcard))
        );
    }
    assert_eq!(validate_topic_filter(""), Err(TopicError::Empty));
}

#[test]
fn v5_mqtt_4_8_2_1_and_4_8_2_2_malformed_shared_subscriptions_are_invalid() {
    for f in [
        "$share/",
        "$share/g",
        "$share//a",
        "$share/g+/a",
        "$share/g#/a",
        "$share/#/a",
        "$share/+/a",
        "$share/g/",
    ] {
        assert_eq!(validate_topic_filter(f), Err(TopicError::InvalidSharedSubscription), "{f:?}");
    }
    // Only the exact prefix "$share/" makes a shared subscription.
    for f in ["$share", "$SHARE/g/a", "$shared/g/a", "a/$share/g"] {
        assert_eq!(validate_topic_filter(f), Ok(()), "{f:?}");
        assert!(!is_shared_filter(f), "{f:?}");
    }
}

#[test]
fn shared_subscription_helpers() {
    assert!(is_shared_filter("$share/g/a/+"));
    assert_eq!(inner_filter("$share/g/a/+"), "a/+");
    assert_eq!(inner_filter("$share/g/#"), "#");
    assert_eq!(inner_filter("a/+"), "a/+");
    assert_eq!(inner_filter("$share/g"), "$share/g");
    assert!(has_wildcard("$share/g/a/+"));
    assert!(!has_wildcard("$share/g/a/b"));
    assert!(has_wildcard("#"));
    assert!(!has_wildcard("a/b"));
    let f = TopicFilter::new("$share/g/a/+").unwrap();
    assert!(f.is_shared() && f.has_wildcard());
    assert!(f.matches("a/b"));
}

#[test]
fn mqtt_4_7_1_2_multi_level_wildcard_matches_the_parent_and_any_children() {
    for t in ["sport/tennis/player1", "sport/tennis/player1/ranking", "sport/tennis/player1/score/wimbledon"]
    {
        assert!(matches("sport/tennis/player1/#", t), "{t}");
    }
    assert!(matches("sport/#", "sport"));
    assert!(matches("sport/#", "sport/"));
    assert!(!matches("sport/#", "sports"));
    assert!(!matches("sport/tennis/#", "sport"));
    for t in ["a", "a/b", "/", "/a", "a/b/c/d"] {
        assert!(matches("#", t), "{t}");
    }
}

#[test]
fn mqtt_4_7_1_3_single_level_wildcard_matches_exactly_one_level() {
    assert!(matches("sport/tennis/+", "sport/tennis/player1"));
    assert!(matches("sport/tennis/+", "sport/tennis/player2"));
    assert!(!matches("sport/tennis/+", "sport/tennis/player1/ranking"));
    assert!(!matches("sport/+", "sport"));
    assert!(matches("sport/+", "sport/"));
    assert!(matches("+", "sport"));
    assert!(matches("+/+", "/finance"));
    assert!(matches("/+", "/finance"));
    assert!(!matches("+", "/finance"));
    assert!(matches("+/tennis/#", "sport/tennis/player1"));
    assert!(matches("sport/+/player1", "sport/tennis/player1"));
    assert!(matches("a/+/c", "a//c"));
}

#[test]
fn mqtt_4_7_2_1_topics_starting_with_dollar_are_not_matched_by_leading_wildcards() {
    assert!(!matches("#", "$SYS/x"));
    assert!(!matches("#", "$SYS"));
    assert!(!matches("+/x", "$SYS/x"));
    assert!(!matches("+/monitor/Clients", "$SYS/monitor/Clients"));
    assert!(matches("$SYS/#", "$SYS/x"));
    assert!(matches("$SYS/#", "$SYS"));
    assert!(matches("$SYS/monitor/+", "$SYS/monitor/Clients"));
    assert!(matches("$SYS/x", "$SYS/x"));
    // A '$' further in is an ordinary character.
    assert!(matches("+/$x", "a/$x"));
    assert!(matches("#", "a/$SYS"));
}

#[test]
fn v5_shared_subscriptions_match_by_their_inner_filter() {
    assert!(matches("$share/g/a/+", "a/b"));
    assert!(!matches("$share/g/a/+", "a/b/c"));
    assert!(!matches("$share/g/a/+", "$share/g/a/b"));
    assert!(matches("$share/g/#", "x/y"));
    assert!(!matches("$share/g/#", "$SYS/x"));
    assert!(matches("$share/g/$SYS/#", "$SYS/x"));
}

#[test]
fn mqtt_4_7_3_4_matching_is_exact_and_case_sensitive() {
    assert!(matches("a/b", "a/b"));
    assert!(!matches("ACCOUNTS", "Accounts"));
    assert!(!matches("a/b", "a/b/"));
    assert!(!matches("a/b/", "a/b"));
    assert!(!matches("a/b", "a"));
    assert!(!matches("a", "a/b"));
    assert!(!matches("é", "e\u{301}"));
    assert!(matches(" a", " a"));
}
