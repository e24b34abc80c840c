// Kafka's metrics at the step shown, under Kafka's names (computed by the engine, src/metrics.rs).
import { S, $, el, t } from '../state.js';

let drawnKey = '';

const rate = (x) => (x ? x.toFixed(2) : '0');

export function renderMetrics(m) {
  const root = $('metrics');
  if (!m || !root) return;
  const key = JSON.stringify([m, S.L.lang]);
  if (key === drawnKey) return;
  drawnKey = key;
  const table = (headers, rows, cls) => {
    const tbl = el('table', `mtable ${cls}`);
    const hr = el('tr');
    for (const h of headers) {
      const th = el('th', null, h);
      th.scope = 'col';
      hr.append(th);
    }
    tbl.append(hr);
    for (const r of rows) {
      const tr = el('tr');
      r.forEach((cell, i) => {
        const td = el(i === 0 ? 'th' : 'td', cell.bad ? 'bad' : null, cell.text);
        if (i === 0) td.scope = 'row';
        if (cell.metric) td.dataset.metric = cell.metric;
        if (cell.metric) td.dataset.value = String(cell.value);
        tr.append(td);
      });
      tbl.append(tr);
    }
    return tbl;
  };
  const cell = (metric, value, text = String(value), bad = false) => ({ metric, value, text, bad });
  const clusters = table([t('metricsCluster'), 'OfflinePartitionsCount', 'ActiveControllerCount'], m.clusters.map((c) => [
    { text: S.view?.clusters?.[c.cluster]?.name ?? String(c.cluster) },
    cell('OfflinePartitionsCount', c.OfflinePartitionsCount, undefined, c.OfflinePartitionsCount > 0),
    cell('ActiveControllerCount', c.ActiveControllerCount, undefined, c.ActiveControllerCount !== 1),
  ]), 'mclusters');
  const brokers = table([t('metricsBroker'), 'UnderReplicatedPartitions', 'ActiveControllerCount', 'LeaderCount', 'IsrShrinksPerSec', 'IsrExpandsPerSec', 'FailedProduceRequestsPerSec'], m.brokers.map((b) => [
    { text: String(b.broker) },
    cell('UnderReplicatedPartitions', b.UnderReplicatedPartitions, undefined, b.UnderReplicatedPartitions > 0),
    cell('ActiveControllerCount', b.ActiveControllerCount),
    cell('LeaderCount', b.LeaderCount),
    cell('IsrShrinksPerSec', b.IsrShrinksPerSec, rate(b.IsrShrinksPerSec), b.IsrShrinksPerSec > 0),
    cell('IsrExpandsPerSec', b.IsrExpandsPerSec, rate(b.IsrExpandsPerSec)),
    cell('FailedProduceRequestsPerSec', b.FailedProduceRequestsPerSec, rate(b.FailedProduceRequestsPerSec), b.FailedProduceRequestsPerSec > 0),
  ]), 'mbrokers');
  brokers.querySelectorAll('tr').forEach((tr) => {
    const th = tr.firstElementChild;
    if (th.scope === 'row') tr.dataset.broker = th.textContent;
  });
  const parts = [clusters, brokers];
  if (m.consumers.length) {
    const consumers = table([t('metricsConsumer'), 'records-lag-max'], m.consumers.map((c) => [
      { text: c.consumer },
      cell('records-lag-max', c['records-lag-max'], undefined, c['records-lag-max'] > 0),
    ]), 'mconsumers');
    parts.push(consumers);
  } else {
    parts.push(el('p', 'hint', t('metricsNoConsumers')));
  }
  parts.push(el('p', 'hint', t('metricsRateNote')));
  root.replaceChildren(...parts);
}

