// A whole run in a link. The part after `#run=` is `<format version>.<data>`, where
// data is the run as JSON, deflated (raw DEFLATE, the browser's CompressionStream)
// and written in base64url. Format 1's JSON:
//   { "c": WorldConfig, "l": [[step, {"command": {...}} | {"clock": ms}], ...],
//     "h": last step, "s": step shown, "f": [fork steps], "lang": "en" | "ko",
//     "sp": speed (events/s), "to": step to play to (optional),
//     "ls": the lesson open at step "s" (optional): {"file", "i": its next command, "a": [[question, choice], ...],
//            "lz": the lesson itself when it is not one of www/scenarios/ (written on the page, or opened from a file)} }
// Opening it replays the log to "h" and shows step "s": the same engine state, exactly.
// Anything wrong is a LinkError naming what, never a different run.

import { validateLesson } from './lessonfile.js';
import { needsAvro } from './needs-avro.js';

export const FORMAT = 1;

export class LinkError extends Error {
  /** `key` names a sentence in the locale tables (ui), `fields` fills it. */
  constructor(key, fields = {}) {
    super(key);
    this.key = key;
    this.fields = fields;
  }
}

function toBase64url(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new LinkError('linkNotBase64');
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

async function through(bytes, stream) {
  const out = await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer();
  return new Uint8Array(out);
}

/**
 * The run as link text: `1.<base64url of deflated JSON>`. `logJson`, the log as JSON text
 * in place of `log`, spares a long run's log a parse and a stringify.
 */
export async function encodeRun({ config, log, logJson = JSON.stringify(log), head, step, forks = [], lang, speed, playTo = null, lesson = null }) {
  const json = { c: config, h: head, s: step, f: forks, lang, sp: speed };
  if (playTo !== null && playTo !== undefined) json.to = playTo;
  if (lesson) json.ls = { file: lesson.file, i: lesson.i, a: lesson.answers, ...(lesson.lesson ? { lz: lesson.lesson } : {}) };
  const text = `{"l":${logJson},${JSON.stringify(json).slice(1)}`;
  const packed = await through(new TextEncoder().encode(text), new CompressionStream('deflate-raw'));
  return `${FORMAT}.${toBase64url(packed)}`;
}

const isStep = (x) => Number.isSafeInteger(x) && x >= 0;

/** Reads link text back into a run; throws a LinkError naming what is wrong. */
export async function decodeRun(text) {
  const m = /^(\d{1,6})\.(.*)$/s.exec(String(text));
  if (!m) throw new LinkError('linkFormat');
  const version = Number(m[1]);
  if (version !== FORMAT) throw new LinkError('linkVersion', { version, supported: FORMAT });
  const packed = fromBase64url(m[2]);
  let bytes;
  try {
    bytes = await through(packed, new DecompressionStream('deflate-raw'));
  } catch {
    throw new LinkError('linkNotDeflate');
  }
  let json;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new LinkError('linkNotJson');
  }
  const bad = (field) => new LinkError('linkBadField', { field });
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw bad('{…}');
  if (!json.c || typeof json.c !== 'object' || Array.isArray(json.c)) throw bad('c');
  if (!Array.isArray(json.l) || !json.l.every((e) => Array.isArray(e) && e.length === 2 && isStep(e[0]) && e[1] && typeof e[1] === 'object')) throw bad('l');
  if (!isStep(json.h)) throw bad('h');
  if (!isStep(json.s) || json.s > json.h) throw bad('s');
  const forks = json.f ?? [];
  if (!Array.isArray(forks) || !forks.every(isStep)) throw bad('f');
  if (json.lang !== undefined && typeof json.lang !== 'string') throw bad('lang');
  if (json.sp !== undefined && !(Number.isFinite(json.sp) && json.sp > 0)) throw bad('sp');
  if (json.to !== undefined && !(isStep(json.to) && json.to > json.s)) throw bad('to');
  const ls = json.ls;
  const isAnswer = (a) => Array.isArray(a) && a.length === 2 && isStep(a[0]) && isStep(a[1]);
  if (ls !== undefined && !(ls && typeof ls === 'object' && typeof ls.file === 'string' && /^[^/\\]{1,200}$/.test(ls.file) && isStep(ls.i)
    && (ls.a === undefined || (Array.isArray(ls.a) && ls.a.every(isAnswer)))
    && (ls.lz === undefined || (ls.lz && typeof ls.lz === 'object' && !Array.isArray(ls.lz))))) throw bad('ls');
  let lesson = ls ? { file: ls.file, i: ls.i, answers: ls.a ?? [] } : null;
  if (ls?.lz) {
    try {
      lesson.lesson = validateLesson(ls.lz);
    } catch (e) {
      throw new LinkError('linkBadField', { field: `ls.lz.${e.field ?? ''}` });
    }
  } else if (ls && !/^[\w.-]+\.json$/.test(ls.file)) throw bad('ls');
  return { config: json.c, log: json.l, head: json.h, step: json.s, forks, lang: json.lang, speed: json.sp, playTo: json.to ?? null, lesson };
}

/** A run's log reaches the engine this many entries at a time (`Opening.feed`), one part per task. */
export const LOG_PART = 2000;

/**
 * A decoded run as the page opens it: the log as JSON text in parts of LOG_PART entries
 * (what the engine reads, and text crosses from a worker at no cost, where objects are
 * rebuilt entry by entry), its length, and whether it needs the engine's Avro build.
 */
export function inParts({ log, ...run }) {
  const logParts = [];
  for (let i = 0; i < log.length; i += LOG_PART) logParts.push(JSON.stringify(log.slice(i, i + LOG_PART)));
  return { ...run, logParts, logLength: log.length, avro: needsAvro(log) };
}

/** The parts back as the log's JSON text. */
export const joinParts = (parts) => `[${parts.map((p) => p.slice(1, -1)).filter((p) => p).join(',')}]`;
