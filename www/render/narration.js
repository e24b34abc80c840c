// What just happened, in words: the narration log (every trace event as a sentence), the
// caption beside the picture (the last few sentences that matter) and the aria-live region.
// Repeats fold into one line ("producer-1 retried 38 times: NOT_LEADER_OR_FOLLOWER"), so
// the sentences that matter are never buried under retries and background chatter.
import { S, $, el, t } from '../state.js';
import { narrate, refsOf, fill } from '../narrate.js';

const LOG_MAX = 400;
/** Housekeeping lines (heartbeats, fetches) kept in the log beside them, so they never push the rest out. */
const HK_MAX = 200;
/** A repeat folds into a line this many lines back at most. */
const FOLD_WITHIN = 24;
export const CAPTION_LINES = 5;

/** Messages on the wire are drawn travelling; the caption leaves them to the picture. */
const WIRE = new Set(['message_sent', 'message_delivered']);

/** Events that repeat while something is retried or waited for: one line counts them. */
function foldKey(ev) {
  switch (ev.type) {
    case 'produce_refused': return `${ev.type}|${ev.producer}|${ev.error}`;
    case 'produce_failed': return `${ev.type}|${ev.producer}|${ev.topic}|${ev.error}`;
    case 'metadata_updated': return `${ev.type}|${ev.client}|${ev.topic}|${JSON.stringify(ev.leaders)}`;
    case 'message_dropped': return `${ev.type}|${ev.from}|${ev.to}|${ev.kind}|${ev.reason}`;
    case 'poll_failed': return `${ev.type}|${ev.consumer}|${ev.tp?.topic}|${ev.tp?.partition}|${ev.offset}`;
    case 'records_polled': return ev.records.length ? null : `${ev.type}|${ev.consumer}`;
    case 'offset_commit_failed': return `${ev.type}|${ev.consumer}|${ev.error}`;
    case 'alter_partition_refused': return `${ev.type}|${ev.broker}|${ev.error}`;
    case 'metadata_committed': return `${ev.type}|${ev.node}`;
    default: return null;
  }
}

/** A folded line's sentence: the event's own, with how often it happened. */
function sentence(line) {
  const one = narrate(S.L, line.ev);
  if (line.count < 2) return one;
  if (line.ev.type === 'produce_refused') {
    return fill(S.L.events.fold_produce_refused ?? S.L.events.folded, { producer: line.ev.producer, n: line.count, error: line.ev.error, sentence: one });
  }
  return fill(S.L.events.folded, { sentence: one, n: line.count });
}

/** The narration's lines, oldest first: {ev, count, fold, hk, wire, li}. */
let lines = [];
const housekeeping = new Set();

function lineEl(line) {
  const li = el('li', line.hk ? 'hk' : '');
  li.dataset.type = line.ev.type;
  li._line = line;
  const b = el('button');
  b.type = 'button';
  li.append(b);
  line.li = li;
  wordLine(line);
  return li;
}

function wordLine(line) {
  const b = line.li.firstElementChild;
  b.replaceChildren(el('span', 't', `${(line.ev.time_ms / 1000).toFixed(3)}s`), document.createTextNode(sentence(line)));
  if (line.count > 1) line.li.dataset.count = String(line.count);
}

/**
 * Takes new trace events into the narration; animates messages on `wire` when `animate`.
 * Returns the lines that are new or grew (not housekeeping).
 */
export function consume(events, { animate, wire, now, draw = true }) {
  const animateFrom = animate ? Math.max(0, events.length - 60) : events.length;
  // At the top speeds background traffic is a blur: only the messages that matter travel.
  const quiet = S.playing && S.speed >= 100;
  const fresh = [];
  const added = [];
  events.forEach((ev, i) => {
    let hk = false;
    if (ev.type === 'message_sent') {
      hk = ev.background === true;
      if (hk) housekeeping.add(ev.id);
      if (i >= animateFrom && !(hk && quiet)) wire.sent(ev, hk, now);
    } else if (ev.type === 'metadata_committed' || ev.type === 'quorum_state_changed') {
      // A broker observing the metadata quorum: its part is the controllers' echo.
      hk = /(^|\/)broker-/.test(ev.node);
    } else if (ev.type === 'message_delivered' || ev.type === 'message_dropped') {
      hk = housekeeping.has(ev.id) && ev.type === 'message_delivered';
      housekeeping.delete(ev.id);
      if (animate) wire.finished(ev.id, ev.type === 'message_dropped', now);
    }
    const fold = hk ? null : foldKey(ev);
    if (fold) {
      for (let k = lines.length - 1, seen = 0; k >= 0 && seen < FOLD_WITHIN; k--) {
        const same = lines[k];
        if (same.hk) continue;
        seen += 1;
        if (same.fold !== fold) continue;
        same.count += 1;
        same.ev = ev;
        lines.splice(k, 1);
        lines.push(same);
        if (same.li) wordLine(same);
        added.push(same);
        fresh.push(same);
        return;
      }
    }
    const line = { ev, count: 1, fold, hk, wire: WIRE.has(ev.type), li: null };
    lines.push(line);
    added.push(line);
    if (!hk) fresh.push(line);
  });
  if (lines.length > (LOG_MAX + HK_MAX) * 4) lines = lines.slice(-(LOG_MAX + HK_MAX) * 2);
  if (draw) {
    drawLog(added);
    drawCaption();
  }
  return fresh;
}

/** How many events a jump reads back, and how many of their lines it draws at once. */
export const JUMP_EVENTS = 300;
const JUMP_LINES = 150;

/** Starts the narration again (after a jump): the events given are all there is to say. */
export function restart(events, { wire }) {
  lines = [];
  housekeeping.clear();
  $('log').replaceChildren();
  S.selected = null;
  consume(events, { animate: false, wire, now: 0, draw: false });
  // A jump draws the newest lines only: older ones are a scroll away from nobody's eyes.
  stick = true;
  drawLog(lines.slice(-JUMP_LINES));
  drawCaption();
}

/**
 * Whether the log follows its newest line: true until the person scrolls up. Read from scroll
 * events and applied on the next frame, so drawing never forces a layout of its own.
 */
let stick = true;
let scrollQueued = false;
function followLog() {
  if (!stick || scrollQueued) return;
  scrollQueued = true;
  requestAnimationFrame(() => {
    scrollQueued = false;
    const log = $('log');
    if (log && stick) log.scrollTop = log.scrollHeight;
  });
}
export function wireLog() {
  const log = $('log');
  log.addEventListener('scroll', () => {
    stick = log.scrollTop + log.clientHeight >= log.scrollHeight - 30;
  }, { passive: true });
}

/** Housekeeping lines get their DOM only while they are shown (the checkbox rebuilds the log). */
const showHk = () => $('show-housekeeping').checked;

function drawLog(added) {
  const log = $('log');
  if (!showHk()) added = added.filter((line) => !line.hk);
  for (const li of log.querySelectorAll('li.fresh')) li.classList.remove('fresh');
  const frag = document.createDocumentFragment();
  // Only the last lines are in the DOM (LOG_MAX, and HK_MAX of housekeeping); a grown line moves to the end.
  const from = Math.max(0, added.length - (LOG_MAX + HK_MAX));
  for (const line of added.slice(from)) {
    if (!line.li) lineEl(line);
    line.li.classList.add('fresh');
    frag.append(line.li);
  }
  log.append(frag);
  if (log.childElementCount > LOG_MAX + HK_MAX) {
    let hk = log.querySelectorAll('li.hk').length;
    let said = log.childElementCount - hk;
    for (let li = log.firstElementChild; li && (hk > HK_MAX || said > LOG_MAX);) {
      const next = li.nextElementSibling;
      const isHk = li.classList.contains('hk');
      if (isHk ? hk > HK_MAX : said > LOG_MAX) {
        li._line.li = null;
        li.remove();
        if (isHk) hk -= 1;
        else said -= 1;
      }
      li = next;
    }
  }
  followLog();
}

/** The lines the caption shows: the last few that are neither housekeeping nor messages on the wire. */
export function captionLines(n = CAPTION_LINES) {
  const out = [];
  for (let k = lines.length - 1; k >= 0 && out.length < n; k--) if (!lines[k].hk && !lines[k].wire) out.push(lines[k]);
  return out.reverse();
}

/** The caption beside the picture: the last sentences that matter, the newest marked when it is this step's. */
export function drawCaption() {
  const box = $('caption');
  if (!box) return;
  const shown = captionLines(S.embed ? 1 : CAPTION_LINES);
  const step = S.view?.step;
  box.replaceChildren(...shown.map((line, i) => {
    const li = el('li');
    li.append(el('span', 't', `${(line.ev.time_ms / 1000).toFixed(3)}s`), document.createTextNode(sentence(line)));
    if (i === shown.length - 1 && line.ev.step === step) li.classList.add('now');
    li.dataset.type = line.ev.type;
    return li;
  }));
  if (!shown.length) box.append(el('li', 'empty', t('captionEmpty')));
}

/** What the newest sentence of the step shown is about (nodes, partitions, znodes), for the picture to mark. */
export function nowRefs() {
  const last = captionLines(1)[0];
  if (!last || last.ev.step !== S.view?.step) return null;
  return refsOf(last.ev);
}

/** The aria-live narration: the newest sentences after a step, or where a jump landed. Calm while playing. */
let liveAt = 0;
export function announce(fresh, jumped) {
  const live = $('live');
  if (!live) return;
  const now = performance.now();
  if (S.playing && now - liveAt < 2500) return;
  let text;
  if (jumped) {
    const last = captionLines(1)[0];
    text = [t('atStep', { step: S.pg.step_now(), head: S.pg.head() }), last ? sentence(last) : ''].join(' ');
  } else {
    const said = fresh.filter((l) => !l.wire);
    if (!said.length) return;
    text = said.slice(-3).map(sentence).join(' ');
  }
  liveAt = now;
  live.textContent = text;
}

/** Words every line again (the language changed). */
export function reword() {
  for (const line of lines) if (line.li) wordLine(line);
  drawCaption();
}

/** Shows or hides housekeeping: the log is drawn again from its lines. */
export function showHousekeeping() {
  const log = $('log');
  for (const line of lines) line.li = null;
  log.replaceChildren();
  drawLog(lines.slice(-(LOG_MAX + HK_MAX)));
  for (const li of log.querySelectorAll('li.fresh')) li.classList.remove('fresh');
  stick = true;
  followLog();
}
