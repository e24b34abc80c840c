// Which runs need the engine's Avro build (www/engine.js loads it): read from a run's
// commands alone, so the link worker can tell too (www/link.js).

/** Commands only the Avro build carries out. */
const AVRO_COMMANDS = new Set(['start_schema_registry', 'register_schema', 'set_compatibility', 'set_serializers']);
const SERDE_KEYS = ['key.serializer', 'value.serializer', 'key.deserializer', 'value.deserializer'];

/** Whether a client's config names an Avro (de)serializer: "avro", or Confluent's KafkaAvro… classes. */
function avroSerde(config) {
  if (!config || typeof config !== 'object') return false;
  return SERDE_KEYS.some((k) => typeof config[k] === 'string' && (config[k] === 'avro' || config[k].includes('KafkaAvro')));
}

/** Whether one command needs the Avro build (an expect_error needs it when its command does). */
function commandNeedsAvro(c) {
  if (!c || typeof c !== 'object') return false;
  if (AVRO_COMMANDS.has(c.cmd)) return true;
  if ((c.cmd === 'add_producer' || c.cmd === 'start_consumer') && avroSerde(c.config)) return true;
  return c.cmd === 'expect_error' && commandNeedsAvro(c.command);
}

/**
 * Whether a run needs the Avro build. `items` is a scenario's commands (`{cmd, ...}`) or a
 * run's log (`[step, {command} | {clock}]`, as in a link); anything else counts as no.
 */
export function needsAvro(items) {
  if (!Array.isArray(items)) return false;
  return items.some((x) => {
    const e = Array.isArray(x) ? x[1] : x;
    return commandNeedsAvro(e && typeof e.cmd !== 'string' && e.command ? e.command : e);
  });
}
