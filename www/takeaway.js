// Taking a run away: the trace as JSON lines (what `kafkascope run` prints, one trace
// record per line), the run as a scenario file the CLI runs, and the picture as SVG.

/** Offers `text` as a file download named `name`. */
export function download(name, text, type = 'application/json') {
  const url = URL.createObjectURL(text instanceof Blob ? text : new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The trace up to the step shown, one JSON record per line (the CLI's format). */
export function traceLines(records) {
  return records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
}

/**
 * The run up to the step shown as a scenario file: its configuration and seed, its
 * commands in order, and `run_for` entries for the virtual time that passed between
 * them (the clock jumps of the run's log, and the time single steps took).
 * `log` is the run's entry log, `stepTime(step)` the virtual time at a step,
 * `now` the step shown and `nowMs` its time.
 */
export function scenarioOf({ config, log, step, nowMs, stepTime, name = 'kafkascope-run' }) {
  const commands = [];
  let t = 0;
  const runTo = (ms) => {
    if (ms > t) commands.push({ cmd: 'run_for', ms: ms - t });
    t = Math.max(t, ms);
  };
  for (const [at, entry] of log) {
    if (at > step) break;
    if (entry.clock !== undefined) runTo(entry.clock);
    else if (entry.command) {
      runTo(stepTime(at));
      commands.push(entry.command);
    }
  }
  runTo(nowMs);
  const out = { name, seed: config.seed, config, commands };
  return JSON.stringify(out, null, 1) + '\n';
}

/** The virtual time at each step, read from trace records (each carries its step and time). */
export function stepTimes(records) {
  const steps = records.map((r) => r.step);
  return (s) => {
    // The last record at or before step s.
    let lo = 0;
    let hi = steps.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (steps[mid] <= s) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : records[lo - 1].time_ms;
  };
}

/** The picture as a standalone SVG: the stage's HTML inside a foreignObject, with the page's styles. */
export async function pictureSvg(stage) {
  // The page's own rules, as the document has them (a link or, in the offline file, inline).
  const css = [...document.styleSheets].flatMap((sheet) => {
    try {
      return [...sheet.cssRules].map((r) => r.cssText);
    } catch {
      return [];
    }
  }).join('\n');
  const { width, height } = stage.getBoundingClientRect();
  const w = Math.ceil(width);
  const h = Math.ceil(height);
  const clone = stage.cloneNode(true);
  clone.querySelectorAll('form, button:not(.cell), .wire').forEach((e) => e.remove());
  const html = new XMLSerializer().serializeToString(clone);
  const style = css.replace(/]]>/g, ']]]]><![CDATA[>');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`
    + `<foreignObject x="0" y="0" width="${w}" height="${h}"><div xmlns="http://www.w3.org/1999/xhtml" style="width:${w}px">`
    + `<style><![CDATA[${style}]]></style>${html}</div></foreignObject></svg>\n`;
}

/** The picture as PNG bytes: the SVG drawn on a canvas (twice the size, for sharpness). */
export async function picturePng(svgText) {
  const m = /width="(\d+)" height="(\d+)"/.exec(svgText);
  const [w, h] = m ? [Number(m[1]), Number(m[2])] : [800, 600];
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = w * 2;
  canvas.height = h * 2;
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.scale(2, 2);
  g.drawImage(img, 0, 0, w, h);
  return new Promise((resolve, reject) => {
    try {
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the canvas gave no PNG'))), 'image/png');
    } catch (e) {
      reject(e);
    }
  });
}
