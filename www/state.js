// The page's run state and the small helpers every part uses. Nothing here knows Kafka:
// the engine says every fact (its view and its trace), the page keeps only what it needs
// to draw them (the view shown, the narration's cursor) and how the person is using it.
import en from './locales/en.js';
import { fill } from './narrate.js';

export const $ = (id) => document.getElementById(id);

export const SPEEDS = [1, 2, 5, 10, 30, 100, 1000];
/** A consumer's application loop started from the page polls this often (ms). */
export const POLL_LOOP_MS = 100;

export const S = {
  L: en,
  /** The engine's module (lean or Avro build, engine.js) and the run on it (a Playground). */
  E: null,
  pg: null,
  view: null,
  metrics: null,
  cursor: 0,
  head: 0,
  forks: [], // where the engine forked this run
  linkForks: [], // forks recorded in the link this run was opened from
  playing: false,
  playTo: null, // a step to pause at (a link's "play from A to B")
  speed: 5,
  selected: null, // { refs, line } — a narration line the person clicked
  polled: new Map(), // consumer → its last few polled records, as the engine says (Playground.polled)
  said: null, // () => the status line, in the current language
  saidAt: -1, // the step the status line was said at: it is cleared once the run moves on
  forkNote: null, // the step the last action forked the run at
  embed: false,
  linkBroken: false,
  lesson: null, // the lessons panel (lessons.js), once wired
};

/** A sentence of the locale's `ui` table, filled with `fields`. */
export function t(key, fields) {
  const s = S.L.ui[key] ?? en.ui[key] ?? key;
  return fields ? fill(s, fields) : s;
}

export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

/** A button with a type (never a form's submit by accident). */
export function button(cls, text) {
  const b = el('button', cls, text);
  b.type = 'button';
  return b;
}

export const secs = (ms) => (ms / 1000).toFixed(3);
export const errorText = (e) => (e && e.message ? e.message : String(e));
export const tp = (topic, partition) => `${topic}-${partition}`;

/**
 * Keeps `parent`'s children in step with `items`: one element per key, made once by
 * `make(item)` and brought up to date by `update(element, item)` only when the item's
 * signature changed. Only what changed touches the DOM.
 */
export function keyed(parent, items, keyOf, make, update, sigOf = (x) => JSON.stringify(x)) {
  const old = parent._keyed || new Map();
  const next = new Map();
  let i = 0;
  for (const item of items) {
    const key = keyOf(item);
    let rec = old.get(key);
    const sig = sigOf(item);
    if (!rec) {
      rec = { node: make(item), sig: null };
    }
    if (rec.sig !== sig) {
      update(rec.node, item);
      rec.sig = sig;
    }
    next.set(key, rec);
    if (parent.children[i] !== rec.node) parent.insertBefore(rec.node, parent.children[i] || null);
    i++;
  }
  for (const [key, rec] of old) if (!next.has(key)) rec.node.remove();
  while (parent.children.length > i) parent.lastElementChild.remove();
  parent._keyed = next;
}

/** Forgets every signature under `parent` (a language switch redraws everything). */
export function forget(parent) {
  if (parent?._keyed) for (const rec of parent._keyed.values()) rec.sig = null;
}
