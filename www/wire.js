// Messages drawn travelling between nodes, in an SVG layer over the stage.
// SVG because a few dozen moving dots and labels stay crisp at any zoom, are
// styled by CSS, and need no redraw of the (HTML) boxes underneath: each frame
// only moves the dots' transforms.

const SVG = 'http://www.w3.org/2000/svg';

export class Wire {
  constructor(svg, stage, labelOf) {
    this.svg = svg;
    this.stage = stage;
    this.labelOf = labelOf;
    this.dots = new Map(); // message id → dot
    this.anchors = new Map();
    this.travelMs = 600;
    this.dirty = true;
    this.tick = this.tick.bind(this);
    this.raf = 0;
  }

  /** Recomputes where each node sits (after a render or a resize). */
  invalidate() {
    this.dirty = true;
    this.schedule();
  }

  measure() {
    const base = this.stage.getBoundingClientRect();
    this.anchors.clear();
    for (const el of this.stage.querySelectorAll('[data-node].node')) {
      const r = el.getBoundingClientRect();
      this.anchors.set(el.dataset.node, { x: r.left - base.left, y: r.top - base.top, w: r.width, h: r.height });
    }
    this.dirty = false;
  }

  /** Start and end points on the boxes' edges, and a bend for broker ↔ broker hops. */
  path(from, to) {
    const a = this.anchors.get(from);
    const b = this.anchors.get(to);
    if (!a || !b) return null;
    const ac = { x: a.x + a.w / 2, y: a.y + a.h / 2 };
    const bc = { x: b.x + b.w / 2, y: b.y + b.h / 2 };
    const sameRow = Math.abs(ac.y - bc.y) < 10;
    if (sameRow) {
      // Over the top of the row: leave from the top edge, arc, land on the top edge.
      const p0 = { x: ac.x + (bc.x > ac.x ? 12 : -12), y: a.y };
      const p2 = { x: bc.x + (bc.x > ac.x ? -12 : 12), y: b.y };
      const lift = Math.min(60, 14 + Math.abs(p2.x - p0.x) / 8);
      return { p0, p1: { x: (p0.x + p2.x) / 2, y: Math.min(p0.y, p2.y) - lift }, p2 };
    }
    const down = bc.y > ac.y;
    const p0 = { x: ac.x + (bc.x - ac.x) * 0.1, y: down ? a.y + a.h : a.y };
    const p2 = { x: bc.x - (bc.x - ac.x) * 0.1, y: down ? b.y : b.y + b.h };
    return { p0, p1: { x: (p0.x + p2.x) / 2, y: (p0.y + p2.y) / 2 }, p2 };
  }

  sent(ev, housekeeping, now) {
    if (this.dots.has(ev.id)) return;
    const g = document.createElementNS(SVG, 'g');
    g.setAttribute('class', housekeeping ? 'msg hk' : 'msg');
    const c = document.createElementNS(SVG, 'circle');
    c.setAttribute('r', housekeeping ? '3.5' : '6');
    c.setAttribute('fill', colorOf(ev.kind));
    const t = document.createElementNS(SVG, 'text');
    t.setAttribute('x', '9');
    t.setAttribute('y', '-7');
    t.textContent = this.labelOf(ev.kind);
    g.append(c, t);
    this.svg.append(g);
    this.dots.set(ev.id, { g, from: ev.from, to: ev.to, t0: now, done: null, dropped: false });
    this.schedule();
  }

  /** The message arrived (or was lost): finish its trip and fade it. */
  finished(id, dropped, now) {
    const d = this.dots.get(id);
    if (!d) return;
    d.done = now;
    d.dropped = dropped;
    if (dropped) d.g.classList.add('dropped');
    this.schedule();
  }

  clear() {
    for (const d of this.dots.values()) d.g.remove();
    this.dots.clear();
  }

  schedule() {
    if (!this.raf) this.raf = requestAnimationFrame(this.tick);
  }

  tick(now) {
    this.raf = 0;
    if (this.dirty) this.measure();
    const travel = this.travelMs;
    let active = false;
    for (const [id, d] of this.dots) {
      const geo = this.path(d.from, d.to);
      // A message is drawn travelling for `travel` ms; it then waits at ~92% of the
      // way until the step that delivers it, then completes its trip and fades.
      let f = Math.min(1, (now - d.t0) / travel) * 0.92;
      let opacity = 1;
      if (d.done !== null) {
        const since = now - d.done;
        const end = d.dropped ? 0.6 : 1;
        f = Math.max(f, Math.min(end, 0.92 + since / 150));
        opacity = Math.max(0, 1 - Math.max(0, since - 150) / 250);
        if (since > 400) {
          d.g.remove();
          this.dots.delete(id);
          continue;
        }
      }
      if (!geo) {
        d.g.style.opacity = '0';
      } else {
        const u = 1 - f;
        const x = u * u * geo.p0.x + 2 * u * f * geo.p1.x + f * f * geo.p2.x;
        const y = u * u * geo.p0.y + 2 * u * f * geo.p1.y + f * f * geo.p2.y;
        d.g.setAttribute('transform', `translate(${x.toFixed(1)},${y.toFixed(1)})`);
        d.g.style.opacity = String(opacity);
      }
      if (d.done !== null || now - d.t0 < travel) active = true;
    }
    if (active) this.schedule();
  }
}

const COLORS = {
  Produce: '#2f6fdb', ProduceResponse: '#2e8b57', Fetch: '#7d8ba1', FetchResponse: '#6a4fbf',
  Metadata: '#b7791f', MetadataResponse: '#b7791f', LeaderAndIsr: '#c0392b', UpdateMetadata: '#d35400',
  AlterPartition: '#8e44ad', AlterPartitionResponse: '#8e44ad', ZkWatchEvent: '#6b4fbb',
  // The consumer group protocol, in greens; commits in teal.
  FindCoordinator: '#3d8b6d', FindCoordinatorResponse: '#3d8b6d', JoinGroup: '#1f7a4d', JoinGroupResponse: '#1f7a4d',
  SyncGroup: '#2b9348', SyncGroupResponse: '#2b9348', LeaveGroup: '#c0392b', LeaveGroupResponse: '#c0392b',
  OffsetCommit: '#0f8b8d', OffsetCommitResponse: '#0f8b8d', OffsetFetch: '#0f8b8d', OffsetFetchResponse: '#0f8b8d',
  ListOffsets: '#b7791f', ListOffsetsResponse: '#b7791f', Disconnected: '#c0392b',
  // The schema registry's REST calls, in magenta.
  RegisterSchema: '#a23b8f', LookUpSchema: '#a23b8f', RegisterSchemaResponse: '#a23b8f', GetSchemaById: '#a23b8f', GetSchemaByIdResponse: '#a23b8f',
};
function colorOf(kind) {
  return COLORS[kind] || '#7d8ba1';
}
