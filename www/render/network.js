// The network panel: the nodes one can cut or isolate, and what is cut now.
import { S, $, el, t } from '../state.js';
import { nodeName } from '../narrate.js';

let drawnKey = '';

export function renderNetwork(v) {
  const nodes = ['zookeeper', ...v.brokers.map((b) => b.node), ...(v.schema_registry ? ['schema-registry'] : []), ...v.producers.map((p) => p.name), ...v.consumers.map((c) => c.name)];
  const key = JSON.stringify([nodes, v.network, S.L.lang]);
  if (key === drawnKey) return;
  drawnKey = key;
  const fillSel = (sel, pick) => {
    const cur = sel.value;
    sel.replaceChildren(...nodes.map((n) => {
      const o = el('option', null, nodeName(S.L, n, true));
      o.value = n;
      return o;
    }));
    sel.value = nodes.includes(cur) ? cur : nodes[Math.min(pick, nodes.length - 1)];
  };
  fillSel($('net-a'), 1);
  fillSel($('net-b'), 2);
  fillSel($('net-node'), 1);
  const links = v.network.cut_links.map(([a, b]) => `${nodeName(S.L, a)} ⇹ ${nodeName(S.L, b)}`).join(', ') || t('nothing');
  const iso = v.network.isolated.map((n) => nodeName(S.L, n)).join(', ') || t('nothing');
  $('net-state').textContent = t('netState', { links, nodes: iso });
}

