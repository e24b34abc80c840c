// Taking a run away and bringing one in: the trace (JSON lines), the run as a scenario file
// the CLI runs, the picture (SVG, PNG), and a scenario file opened from disk.
import { S, $, errorText } from '../state.js';
import { sayKey, sayError } from '../run.js';
import { download, traceLines, scenarioOf, stepTimes, pictureSvg, picturePng } from '../takeaway.js';

/** The run up to the step shown, as a scenario file `kafkascope run` replays. */
export function scenarioText() {
  const records = S.pg.events_since(0);
  return scenarioOf({
    config: S.pg.config(),
    log: JSON.parse(S.pg.log_json()),
    step: S.pg.step_now(),
    nowMs: S.view.time_ms,
    stepTime: stepTimes(records),
  });
}

export function wireFiles({ lessons }) {
  const stamp = () => `seed${S.pg.config().seed ?? ''}-step${S.pg.step_now()}`;
  const done = (name) => sayKey('downloaded', { name });
  $('dl-trace').addEventListener('click', () => {
    const name = `kafkascope-trace-${stamp()}.jsonl`;
    download(name, traceLines(S.pg.events_since(0)), 'application/x-ndjson');
    done(name);
  });
  $('dl-scenario').addEventListener('click', () => {
    const name = `kafkascope-scenario-${stamp()}.json`;
    download(name, scenarioText());
    done(name);
  });
  $('dl-svg').addEventListener('click', async () => {
    const name = `kafkascope-${stamp()}.svg`;
    download(name, await pictureSvg($('stage')), 'image/svg+xml');
    done(name);
  });
  $('dl-png').addEventListener('click', async () => {
    const name = `kafkascope-${stamp()}.png`;
    try {
      download(name, await picturePng(await pictureSvg($('stage'))));
      done(name);
    } catch (e) {
      sayKey('pngFailed', { error: errorText(e) }, true);
    }
  });
  $('open-scenario').addEventListener('change', async (e) => {
    const f = e.target.files?.[0];
    if (!f) return;
    let sc;
    try {
      sc = JSON.parse(await f.text());
      if (!sc || typeof sc !== 'object' || Array.isArray(sc)) throw new Error('a scenario is a JSON object with "config" and "commands"');
      if (sc.commands !== undefined && !Array.isArray(sc.commands)) throw new Error('commands: expected a list');
      if (!(sc.commands ?? []).every((c) => c && typeof c.cmd === 'string')) throw new Error('every command needs "cmd"');
    } catch (err) {
      sayKey('scenarioBad', { error: errorText(err) }, true);
      return;
    } finally {
      e.target.value = '';
    }
    lessons.load(sc, f.name).catch((err) => sayError(err));
  });
}

