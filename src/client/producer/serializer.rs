//! The serializers' step of `KafkaProducer.send`: keys and values become bytes before anything
//! is queued, and an Avro serializer may first wait for the registry's answer (the
//! application's thread waits inside `send`, so later sends wait behind it).

use super::{Payload, Producer, Unsent};
use crate::client::schema_registry_client::{registry_node, Asked, Step};
use crate::protocol::*;
use crate::runtime::Out;
use crate::serialization::Serde;
use crate::trace::Event;

impl Producer {
    pub(super) fn unblock(&mut self, out: &mut Out) {
        while let Some(u) = self.blocked.front() {
            match self.serialize_record(u) {
                Step::Wait => return,
                Step::Ask(question) => return self.ask(out, question),
                Step::Done(result) => {
                    let u = self.blocked.pop_front().expect("front exists");
                    match result {
                        Ok((key, value)) => {
                            let record = ProducerRecord {
                                key,
                                value,
                                headers: u.headers,
                                timestamp_ms: u.timestamp_ms,
                            };
                            self.send(out, u.topic, u.partition, record);
                        }
                        Err(error) => self.refuse(out, u.topic, error),
                    }
                }
            }
        }
    }

    fn serialize_record(&self, u: &Unsent) -> Step<(Option<Bytes>, Option<Bytes>)> {
        let mut out = [None, None];
        for (i, field) in [&u.key, &u.value].into_iter().enumerate() {
            out[i] = match field {
                None => None,
                Some(Payload::Raw(bytes)) => Some(bytes.clone()),
                Some(Payload::Object(text)) => {
                    let serde = if i == 0 { self.config.key_serializer } else { self.config.value_serializer };
                    let step = match (serde, &self.schemas[i]) {
                        (Serde::Avro, Some(schema)) => self.registry.serialize(&u.topic, i == 0, schema, text),
                        _ => Step::Done(serde.serialize(text)),
                    };
                    match step {
                        Step::Done(Ok(bytes)) => Some(bytes),
                        Step::Done(Err(e)) => return Step::Done(Err(e)),
                        Step::Wait => return Step::Wait,
                        Step::Ask(question) => return Step::Ask(question),
                    }
                }
            };
        }
        let [key, value] = out;
        Step::Done(Ok((key, value)))
    }

    fn ask(&mut self, out: &mut Out, question: Asked) {
        let (id, timer) = self.new_request(out);
        out.send(self.node(), registry_node(), question.request(id, self.config.auto_register_schemas));
        self.registry.asking(id, question, timer);
    }

    /// The registry answered, or never will: the blocked send goes on, or fails as the
    /// serializer's SerializationException.
    pub(super) fn registry_answered(&mut self, out: &mut Out, failure: Option<String>) {
        if let Some(cause) = failure {
            let action = if self.config.auto_register_schemas { "registering" } else { "retrieving" };
            if let Some(u) = self.blocked.pop_front() {
                self.refuse(out, u.topic, format!("SerializationException: Error {action} Avro schema: {cause}"));
            }
        }
        self.unblock(out);
    }

    /// A send that failed before reaching any broker: nothing is sent.
    fn refuse(&mut self, out: &mut Out, topic: Name, error: String) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.failed(
            out,
            Event::ProduceFailed {
                producer: self.name.clone(),
                topic,
                seqs: vec![seq],
                error,
            },
        );
    }
}
