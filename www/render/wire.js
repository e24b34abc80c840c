// Messages drawn travelling between nodes, in one SVG layer over the stage: each frame
// only moves the dots' transforms; the boxes underneath are not touched. Messages on the
// same way share one label ("Fetch ×3"), so labels never pile up on each other; a
// message between two brokers arcs low over its row, never up towards ZooKeeper.

const SVG = 'http://www.w3.org/2000/svg';

export class Wire {
  constructor(svg, stage, labelOf) {
    this.svg = svg;
    this.stage = stage;
    this.labelOf = labelOf;
    this.dots = new Map(); // message id → dot
    this.anchors = new Map();
    this.travelMs = 600;
    this.scale = 1;
    this.dirty = true;
    this.tick = this.tick.bind(this);
    this.raf = 0;
    // Boxes move only when something on the stage changes size: measuring then, and not
    // after every drawing, keeps layout out of the frames while playing.
    this.watched = new WeakSet();
    this.resized = new ResizeObserver(() => this.invalidate());
    this.resized.observe(stage);
    // Under prefers-reduced-motion a message does not travel: it stands halfway along its
    // way, labelled, for as long as it is on the wire, and goes when it arrives.
    this.still = matchMedia('(prefers-reduced-motion: reduce)');
  }

  /** Watches the sizes of boxes new on the stage (and of the rows that hold them). */
  watch() {
    for (const el of this.stage.querySelectorAll('.node[data-node], .row, .members, .groups')) {
      if (this.watched.has(el)) continue;
      this.watched.add(el);
      this.resized.observe(el);
    }
  }

  /** Recomputes where each node sits (after a render or a resize), and places the messages again. */
  invalidate() {
    this.dirty = true;
    this.schedule();
  }

  measure() {
    const base = this.stage.getBoundingClientRect();
    const k = this.scale || 1;
    this.anchors.clear();
    for (const el of this.stage.querySelectorAll('[data-node].node')) {
      const r = el.getBoundingClientRect();
      this.anchors.set(el.dataset.node, { x: (r.left - base.left) / k, y: (r.top - base.top) / k, w: r.width / k, h: r.height / k });
    }
    this.dirty = false;
  }

  /** Start, bend and end of a trip between two boxes' edges. */
  path(from, to) {
    const a = this.anchors.get(from);
    const b = this.anchors.get(to);
    if (!a || !b) return null;
    const ac = { x: a.x + a.w / 2, y: a.y + a.h / 2 };
    const bc = { x: b.x + b.w / 2, y: b.y + b.h / 2 };
    if (Math.abs(a.y - b.y) < 10) {
      // Same row (broker ↔ broker): from the top edge to the top edge, a low arc that
      // stays in the gap under ZooKeeper's row.
      const p0 = { x: ac.x + (bc.x > ac.x ? 16 : -16), y: a.y + 2 };
      const p2 = { x: bc.x + (bc.x > ac.x ? -16 : 16), y: b.y + 2 };
      return { p0, p1: { x: (p0.x + p2.x) / 2, y: Math.min(p0.y, p2.y) - 18 }, p2, flat: true };
    }
    const down = bc.y > ac.y;
    const p0 = { x: ac.x + (bc.x - ac.x) * 0.1, y: down ? a.y + a.h : a.y };
    const p2 = { x: bc.x - (bc.x - ac.x) * 0.1, y: down ? b.y : b.y + b.h };
    return { p0, p1: { x: (p0.x + p2.x) / 2, y: (p0.y + p2.y) / 2 }, p2, flat: false };
  }

  sent(ev, housekeeping, now) {
    if (this.dots.has(ev.id)) return;
    const g = document.createElementNS(SVG, 'g');
    g.setAttribute('class', housekeeping ? 'msg hk' : 'msg');
    // Hidden until the first frame places it: a new dot never flashes at the corner.
    g.style.opacity = '0';
    const c = document.createElementNS(SVG, 'circle');
    c.setAttribute('r', housekeeping ? '3.5' : '6');
    c.setAttribute('fill', colorOf(ev.kind));
    const t = document.createElementNS(SVG, 'text');
    t.setAttribute('x', '9');
    t.setAttribute('y', '-7');
    g.append(c, t);
    this.svg.append(g);
    this.dots.set(ev.id, { g, t, from: ev.from, to: ev.to, kind: ev.kind, hk: housekeeping, t0: now, done: null, dropped: false, label: null });
    this.schedule();
  }

  /** The message arrived (or was lost): finish its trip and fade it. */
  finished(id, dropped, now) {
    const d = this.dots.get(id);
    if (!d) return;
    if (this.still.matches) {
      d.g.remove();
      this.dots.delete(id);
      this.schedule();
      return;
    }
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

  /** One label per way (from → to, kind): on the newest message, with how many travel it. */
  labels() {
    const ways = new Map();
    for (const d of this.dots.values()) {
      if (d.hk || d.done !== null) continue;
      const k = `${d.from}>${d.to}>${d.kind}`;
      const w = ways.get(k);
      if (w) { w.n += 1; w.last = d; } else ways.set(k, { n: 1, last: d });
    }
    for (const d of this.dots.values()) {
      const w = d.hk ? null : ways.get(`${d.from}>${d.to}>${d.kind}`);
      const text = w && w.last === d ? (w.n > 1 ? `${this.labelOf(d.kind)} ×${w.n}` : this.labelOf(d.kind)) : '';
      if (d.label !== text) {
        d.t.textContent = text;
        d.label = text;
      }
    }
  }

  tick(now) {
    this.raf = 0;
    if (this.dirty) this.measure();
    this.labels();
    const travel = this.travelMs;
    let active = false;
    for (const [id, d] of this.dots) {
      const geo = this.path(d.from, d.to);
      // A message is drawn travelling for `travel` ms; it then waits at ~92% of the
      // way until the step that delivers it, then completes its trip and fades.
      let f = this.still.matches ? 0.5 : Math.min(1, (now - d.t0) / travel) * 0.92;
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
        // A message going right-to-left labels under itself, so two ways between a pair don't overlap.
        const below = geo.p2.x < geo.p0.x;
        if (d.below !== below) {
          d.t.setAttribute('y', below ? '16' : '-7');
          d.below = below;
        }
        d.g.style.opacity = String(opacity);
      }
      if (!this.still.matches && (d.done !== null || now - d.t0 < travel)) active = true;
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
