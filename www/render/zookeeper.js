// ZooKeeper: its line on the stage (sessions, who holds /controller) and the znode tree.
// A row that changed since the last picture flashes; the tree itself is the engine's znodes.
import { $, el, t } from '../state.js';
import { nodeName } from '../narrate.js';
import { S } from '../state.js';

let versions = new Map();
let drawnKey = '';

export function renderZookeeper(v) {
  const zkSessions = new Set(v.znodes.filter((z) => z.ephemeral).map((z) => z.owner)).size;
  // Each cluster's controller, under its chroot; broker names carry the cluster's when there are several.
  const several = v.clusters.length > 1;
  const controllers = v.clusters.filter((cl) => cl.controller != null)
    .map((cl) => `${cl.chroot}/controller → ${nodeName(S.L, `${several ? `${cl.name}/` : ''}broker-${cl.controller}`)}`);
  $('zk-sub').textContent = [t('zkSessions', { n: zkSessions }), ...controllers].join(' · ');
  renderTree(v);
}

/** After a jump nothing flashes: the tree is drawn as it is. */
export function forgetTree() {
  versions = new Map();
  drawnKey = '';
}

function renderTree(v) {
  const ul = $('zk-tree');
  // The tree changes far less often than the picture is drawn.
  const key = JSON.stringify([v.znodes, S.L.lang]);
  if (key === drawnKey) return;
  drawnKey = key;
  const seen = new Map();
  const items = v.znodes.filter((z) => z.path !== '/').map((z) => {
    const li = el('li', z.ephemeral ? 'ephemeral' : '');
    li.dataset.path = z.path;
    const depth = z.path.split('/').length - 2;
    const name = el('span', 'zpath', `${'  '.repeat(depth)}/${z.path.split('/').pop()}`);
    name.style.paddingLeft = `${depth * 12}px`;
    name.textContent = `/${z.path.split('/').pop()}`;
    li.title = z.path;
    li.append(name);
    if (z.ephemeral) li.append(el('span', 'eph', t('ephemeral')));
    if (z.ephemeral) li.title = `${z.path} — ${t('ephemeralOf', { owner: z.owner ?? '?' })}`;
    if (z.data) li.append(el('span', 'zdata', z.data));
    const sig = `${z.czxid}:${z.version}`;
    const before = versions.get(z.path);
    if (before !== undefined && before !== sig) li.classList.add('changed');
    if (before === undefined && versions.size > 0) li.classList.add('changed');
    seen.set(z.path, sig);
    return li;
  });
  const initial = versions.size === 0;
  versions = seen;
  if (initial) items.forEach((li) => li.classList.remove('changed'));
  // Keep rows that did not change, so their highlight animations are not restarted.
  const old = new Map([...ul.children].map((li) => [li.dataset.path, li]));
  const next = items.map((li) => {
    const prev = old.get(li.dataset.path);
    if (prev && !li.classList.contains('changed') && prev.textContent === li.textContent && prev.title === li.title) return prev;
    return li;
  });
  if (next.length !== ul.children.length || next.some((li, i) => ul.children[i] !== li)) ul.replaceChildren(...next);
}

