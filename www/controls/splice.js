// The SPLICE iframe protocol (cssplice.org, "SPLICE iframe Protocol: Specification"), for a
// learning system that embeds the playground: the page reports a student's score and state
// in a lesson (SPLICE.reportScoreAndState, the state being the run's link data and the
// lesson's position), asks for a state to restore (SPLICE.getState, answered by
// SPLICE.getState.response), and asks the host to fit the frame to its content
// (lti.frameResize with a height, which Canvas, Sakai and others honour).
// Messages go only to the parent window and are taken only from it; every incoming one is
// checked, and anything unexpected is ignored.
import { S } from '../state.js';
import { encodeLink, decodeLink } from '../link-codec.js';
import { logJson } from '../run.js';

const STATE_VERSION = 1;

let counter = 0;
/** A message id unique to this page: the page's own prefix and a counter. */
const nextId = () => `kafkascope-${Date.now().toString(36)}-${++counter}`;

const embedded = () => window.parent && window.parent !== window;

function send(message) {
  if (!embedded()) return;
  // The host's origin is not known to the content; the state is the run a link holds anyway.
  window.parent.postMessage(message, '*');
}

/** The run on the page and the lesson's position, as a state the host keeps for the student. */
async function stateNow() {
  const code = await encodeLink({
    config: S.pg.config(),
    logJson: logJson(),
    head: S.pg.head(),
    step: S.pg.step_now(),
    forks: [],
    lang: S.L.lang,
    speed: S.speed,
    lesson: S.lesson?.position() ?? null,
  });
  return { kafkascope: STATE_VERSION, run: code };
}

/**
 * Wires the protocol when the page is in a frame. `restore(run)` opens a decoded run (the
 * page's own link path), resolving to true when it did.
 */
export function wireSplice({ restore }) {
  if (!embedded()) return { report: () => {} };
  const asked = nextId();
  window.addEventListener('message', async (e) => {
    if (e.source !== window.parent) return;
    const m = e.data;
    if (!m || typeof m !== 'object' || Array.isArray(m)) return;
    if (m.subject !== 'SPLICE.getState.response' || m.message_id !== asked) return;
    const st = m.state;
    if (!st || typeof st !== 'object' || st.kafkascope !== STATE_VERSION || typeof st.run !== 'string' || st.run.length > 4_000_000) return;
    let run;
    try {
      run = await decodeLink(st.run);
    } catch {
      return; // A state this page cannot read is not this page's: ignored.
    }
    await restore(run);
  });
  send({ subject: 'SPLICE.getState', message_id: asked });
  // The frame's height follows the content's (debounced to one message a frame at most).
  let last = 0;
  let queued = false;
  const resize = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      const height = Math.ceil(document.documentElement.scrollHeight);
      if (height !== last) {
        last = height;
        send({ subject: 'lti.frameResize', message_id: nextId(), height });
      }
    });
  };
  new ResizeObserver(resize).observe(document.body);
  resize();
  return {
    /** A student answered: the score (0..1) and the state go to the host. */
    report: async (score) => {
      const state = await stateNow();
      send({ subject: 'SPLICE.reportScoreAndState', message_id: nextId(), score: Math.max(0, Math.min(1, score)), state });
    },
  };
}
