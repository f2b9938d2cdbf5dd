//! `-D COMMAND NAME VALUE` (mosquitto's `--property`): MQTT 5.0 properties, checked against
//! mosquitto's table of names and the packets each may go in. As in mosquitto, `-D` means MQTT 5.0.

use crate::common::refuse;
use clap::ArgMatches;
use sansmqtt_smol::sansmqtt_session::sansmqtt_proto::property::{
    PublishProperties, UserProperties, UserProperty,
};
use sansmqtt_smol::sansmqtt_session::sansmqtt_proto::{Bin, PayloadFormat, TopicName, Utf8};
use sansmqtt_smol::{Options, SubscriptionId, WillConfig};

/// The packet a property goes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Command {
    Connect,
    Publish,
    Will,
    Disconnect,
    Subscribe,
    Unsubscribe,
}

/// Every property name mosquitto knows.
const KNOWN: [&str; 27] = [
    "payload-format-indicator",
    "message-expiry-interval",
    "content-type",
    "response-topic",
    "correlation-data",
    "subscription-identifier",
    "session-expiry-interval",
    "assigned-client-identifier",
    "server-keep-alive",
    "authentication-method",
    "authentication-data",
    "request-problem-information",
    "will-delay-interval",
    "request-response-information",
    "response-information",
    "server-reference",
    "reason-string",
    "receive-maximum",
    "topic-alias-maximum",
    "topic-alias",
    "maximum-qos",
    "retain-available",
    "user-property",
    "maximum-packet-size",
    "wildcard-subscription-available",
    "subscription-identifier-available",
    "shared-subscription-available",
];

/// Which names each command takes (mosquitto's rules, as far as this client sends them).
fn allowed(cmd: Command, name: &str) -> bool {
    match cmd {
        Command::Connect => matches!(
            name,
            "session-expiry-interval"
                | "receive-maximum"
                | "maximum-packet-size"
                | "topic-alias-maximum"
                | "request-problem-information"
                | "request-response-information"
                | "user-property"
        ),
        Command::Publish => matches!(
            name,
            "payload-format-indicator"
                | "message-expiry-interval"
                | "content-type"
                | "response-topic"
                | "correlation-data"
                | "user-property"
        ),
        Command::Will => matches!(
            name,
            "will-delay-interval"
                | "payload-format-indicator"
                | "message-expiry-interval"
                | "content-type"
                | "response-topic"
                | "correlation-data"
                | "user-property"
        ),
        Command::Disconnect => matches!(name, "session-expiry-interval" | "reason-string"),
        Command::Subscribe => matches!(name, "subscription-identifier" | "user-property"),
        Command::Unsubscribe => name == "user-property",
    }
}

/// One checked `-D`.
#[derive(Clone, Debug)]
struct Entry {
    cmd: Command,
    name: String,
    value: String,
    /// The value of a user property (`value` is then its name).
    value2: Option<String>,
}

/// Every `-D` of the command line, checked.
#[derive(Clone, Debug, Default)]
pub(crate) struct Properties {
    entries: Vec<Entry>,
}

fn number<T: std::str::FromStr>(name: &str, v: &str) -> T {
    v.parse().unwrap_or_else(|_| refuse(format_args!("Invalid value '{v}' for property {name}.")))
}

impl Properties {
    /// Parse and check the `-D` occurrences of `m`.
    pub(crate) fn parse(m: &ArgMatches) -> Self {
        let mut entries = Vec::new();
        let Some(occurrences) = m.get_occurrences::<String>("property") else { return Self { entries } };
        for occ in occurrences {
            let v: Vec<&String> = occ.collect();
            let (cmd_name, name) = (v[0].as_str(), v[1].as_str());
            let cmd = match cmd_name {
                "connect" => Command::Connect,
                "publish" => Command::Publish,
                "will" => Command::Will,
                "disconnect" => Command::Disconnect,
                "subscribe" => Command::Subscribe,
                "unsubscribe" => Command::Unsubscribe,
                "puback" | "pubrec" | "pubrel" | "pubcomp" | "auth" => {
                    refuse(format_args!("{cmd_name} properties are not supported by this client."))
                }
                _ => refuse("Invalid command given in --property argument."),
            };
            if !KNOWN.contains(&name) {
                refuse("Invalid property name given in --property argument.");
            }
            if !allowed(cmd, name) {
                refuse(format_args!("{name} property not allowed for {cmd_name} in --property argument."));
            }
            let user = name == "user-property";
            if user != (v.len() == 4) {
                refuse(format_args!("Wrong number of values for property {name} in --property argument."));
            }
            // Check values now, so that a bad one is refused before connecting.
            match name {
                "message-expiry-interval"
                | "session-expiry-interval"
                | "will-delay-interval"
                | "maximum-packet-size" => {
                    let _: u32 = number(name, v[2]);
                }
                "subscription-identifier" => {
                    let n: u32 = number(name, v[2]);
                    if SubscriptionId::new(n).is_none() {
                        refuse(format_args!("Invalid value '{n}' for property {name}."));
                    }
                }
                "receive-maximum" | "topic-alias-maximum" => {
                    let _: u16 = number(name, v[2]);
                }
                "payload-format-indicator"
                | "request-problem-information"
                | "request-response-information" => {
                    let n: u8 = number(name, v[2]);
                    if n > 1 {
                        refuse(format_args!("Invalid value '{n}' for property {name}."));
                    }
                }
                "response-topic" if TopicName::new(v[2]).is_err() => {
                    refuse(format_args!("Invalid response topic '{}'.", v[2]))
                }
                _ => {}
            }
            entries.push(Entry {
                cmd,
                name: name.to_string(),
                value: v[2].clone(),
                value2: v.get(3).map(|s| (*s).clone()),
            });
        }
        Self { entries }
    }

    fn of(&self, cmd: Command) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.cmd == cmd)
    }

    fn get(&self, cmd: Command, name: &str) -> Option<&str> {
        self.of(cmd).filter(|e| e.name == name).last().map(|e| e.value.as_str())
    }

    fn users(&self, cmd: Command) -> impl Iterator<Item = (&str, &str)> {
        self.of(cmd).filter_map(|e| e.value2.as_deref().map(|v| (e.value.as_str(), v)))
    }

    /// `-D connect session-expiry-interval`.
    pub(crate) fn connect_session_expiry(&self) -> Option<u32> {
        self.get(Command::Connect, "session-expiry-interval").map(|v| number("session-expiry-interval", v))
    }

    /// `-D disconnect session-expiry-interval`.
    pub(crate) fn disconnect_session_expiry(&self) -> Option<u32> {
        self.get(Command::Disconnect, "session-expiry-interval").map(|v| number("session-expiry-interval", v))
    }

    /// `-D disconnect reason-string`.
    pub(crate) fn disconnect_reason_string(&self) -> Option<String> {
        self.get(Command::Disconnect, "reason-string").map(String::from)
    }

    /// Whether any `-D subscribe` or `-D unsubscribe` was given.
    pub(crate) fn has_subscribe_properties(&self) -> bool {
        self.entries.iter().any(|e| matches!(e.cmd, Command::Subscribe | Command::Unsubscribe))
    }

    /// `-D subscribe subscription-identifier`.
    pub(crate) fn subscription_identifier(&self) -> Option<SubscriptionId> {
        self.get(Command::Subscribe, "subscription-identifier")
            .and_then(|v| SubscriptionId::new(number("subscription-identifier", v)))
    }

    /// `-D subscribe user-property` (`subscribe: true`) or `-D unsubscribe user-property`.
    pub(crate) fn subscribe_users(&self, subscribe: bool) -> Vec<(&str, &str)> {
        self.users(if subscribe { Command::Subscribe } else { Command::Unsubscribe }).collect()
    }

    /// The CONNECT properties into `options`.
    pub(crate) fn apply_connect(&self, options: &mut Options) {
        let c = options.config_mut();
        for e in self.of(Command::Connect) {
            match e.name.as_str() {
                "receive-maximum" => c.receive_maximum = number::<u16>(&e.name, &e.value).max(1),
                "maximum-packet-size" => c.max_packet_size = number::<u32>(&e.name, &e.value).max(1),
                "topic-alias-maximum" => c.topic_alias_maximum = number(&e.name, &e.value),
                "request-problem-information" => c.request_problem_information = e.value == "1",
                "request-response-information" => c.request_response_information = e.value == "1",
                _ => {}
            }
        }
        for (n, v) in self.users(Command::Connect) {
            c.user_properties.push((n.into(), v.into()));
        }
    }

    /// The will properties into `will`.
    pub(crate) fn apply_will(&self, will: &mut WillConfig) {
        for e in self.of(Command::Will) {
            match e.name.as_str() {
                "will-delay-interval" => will.delay_interval = Some(number(&e.name, &e.value)),
                "message-expiry-interval" => will.message_expiry_interval = Some(number(&e.name, &e.value)),
                "payload-format-indicator" => will.payload_is_utf8 = e.value == "1",
                "content-type" => will.content_type = Some(e.value.clone()),
                "response-topic" => will.response_topic = Some(e.value.clone()),
                "correlation-data" => will.correlation_data = Some(e.value.clone().into_bytes()),
                _ => {}
            }
        }
        for (n, v) in self.users(Command::Will) {
            will.user_properties.push((n.into(), v.into()));
        }
    }

    /// The PUBLISH user properties, for [`Self::publish`] to borrow.
    pub(crate) fn publish_users(&self) -> Result<Vec<UserProperty<'_>>, String> {
        self.users(Command::Publish)
            .map(|(n, v)| {
                Ok(UserProperty {
                    name: Utf8::new(n).map_err(|e| e.to_string())?,
                    value: Utf8::new(v).map_err(|e| e.to_string())?,
                })
            })
            .collect()
    }

    /// The PUBLISH properties, with `users` from [`Self::publish_users`].
    pub(crate) fn publish<'a>(
        &'a self,
        users: &'a [UserProperty<'a>],
    ) -> Result<PublishProperties<'a>, String> {
        let mut p = PublishProperties::default();
        for e in self.of(Command::Publish) {
            let v = e.value.as_str();
            match e.name.as_str() {
                "payload-format-indicator" => {
                    p.payload_format_indicator =
                        Some(if v == "1" { PayloadFormat::Utf8 } else { PayloadFormat::Unspecified });
                }
                "message-expiry-interval" => p.message_expiry_interval = Some(number(&e.name, v)),
                "content-type" => p.content_type = Some(Utf8::new(v).map_err(|e| e.to_string())?),
                "response-topic" => p.response_topic = Some(TopicName::new(v).map_err(|e| e.to_string())?),
                "correlation-data" => p.correlation_data = Some(Bin::new(v.as_bytes())),
                _ => {}
            }
        }
        p.user_properties = UserProperties::new(users);
        Ok(p)
    }
}
