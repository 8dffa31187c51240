// The AdaGen dashboard page: listens to /events (Server-Sent Events) and draws with uPlot.
/* global document, window, getComputedStyle, EventSource, uPlot */
'use strict';

const $ = (id) => document.getElementById(id);
const fmt = (x, digits = 1) => (x === null || x === undefined ? '–' : Number(x).toFixed(digits));
const pct = (x) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)} %`);
const ms = (x) => (x === null || x === undefined ? '∞' : `${Math.round(x)} ms`);
const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

const HISTORY = 600;
const history = { t: [], att: [], req: [], tok: [], shed: [], ab: [], p50: [], p99: [] };
const fleetCharts = {};
const cards = new Map();
let selected = null;

function chartWidth(el) {
  return Math.max(200, el.clientWidth - 2);
}

function fleetChart(id, title, series, axes) {
  const el = $(id);
  const opts = {
    title,
    width: chartWidth(el),
    height: 170,
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    series: [{}, ...series],
    axes: axes ?? [{}, {}],
  };
  return new uPlot(opts, [[], ...series.map(() => [])], el);
}

function setupFleetCharts() {
  fleetCharts.att = fleetChart(
    'chart-attainment',
    'SLO attainment (%)',
    [{ label: 'attainment', stroke: css('--ok'), width: 2 }],
    [{}, { values: (u, v) => v.map((x) => `${x}%`) }],
  );
  fleetCharts.thr = fleetChart(
    'chart-throughput',
    'Throughput',
    [
      { label: 'req/s', stroke: css('--prefill'), width: 2, scale: 'req' },
      { label: 'tok/s', stroke: css('--decode'), width: 1, scale: 'tok' },
    ],
    [{}, { scale: 'req' }, { scale: 'tok', side: 1, grid: { show: false } }],
  );
  fleetCharts.shed = fleetChart('chart-shed', 'Shed and abandoned (per s)', [
    { label: 'shed/s', stroke: css('--bad'), width: 2 },
    { label: 'abandoned/s', stroke: '#7c3aed', width: 2 },
  ]);
  fleetCharts.ttft = fleetChart('chart-ttft', 'TTFT (ms)', [
    { label: 'p50', stroke: css('--prefill'), width: 1 },
    { label: 'p99', stroke: css('--bad'), width: 2 },
  ]);
}

function pushPoint(p) {
  const h = history;
  h.t.push(p.t / 1000);
  h.att.push(p.attainment === null ? null : 100 * p.attainment);
  h.req.push(p.reqPerS);
  h.tok.push(p.tokPerS);
  h.shed.push(p.shedPerS);
  h.ab.push(p.abandonedPerS);
  h.p50.push(p.ttftP50Ms);
  h.p99.push(p.ttftP99Ms);
  if (h.t.length > HISTORY) for (const k of Object.keys(h)) h[k].shift();
}

function drawFleet() {
  const h = history;
  fleetCharts.att.setData([h.t, h.att]);
  fleetCharts.thr.setData([h.t, h.req, h.tok]);
  fleetCharts.shed.setData([h.t, h.shed, h.ab]);
  fleetCharts.ttft.setData([h.t, h.p50, h.p99]);
}

function summary(frame) {
  const p = frame.point;
  $('agents-count').textContent = String(frame.agents.length);
  $('recommended').textContent = frame.recommended === null ? '–' : String(frame.recommended);
  $('req-rate').textContent = fmt(p.reqPerS);
  $('tok-rate').textContent = fmt(p.tokPerS, 0);
  $('attainment').textContent = pct(p.attainment);
  $('ttft-p99').textContent = p.ttftP99Ms === null ? '–' : ms(p.ttftP99Ms);
  $('shed-rate').textContent = fmt(p.shedPerS, 2);
  $('abandoned-rate').textContent =
    frame.sources.abandoned === null ? 'n/a' : fmt(p.abandonedPerS, 2);
  $('total-done').textContent = String(frame.totals.done);
  $('decisions-seen').textContent = String(frame.decisionsSeen);
}

// ---- instances -------------------------------------------------------------------------------

function layoutChart(el) {
  const bars = uPlot.paths.bars({ size: [0.85, 40] });
  return new uPlot(
    {
      width: 218,
      height: 96,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: false }, tok: {}, ms: {} },
      axes: [
        { show: false },
        { scale: 'tok', size: 34, font: '9px system-ui', values: (u, v) => v.map((x) => `${x}`) },
        {
          scale: 'ms',
          side: 1,
          size: 34,
          font: '9px system-ui',
          grid: { show: false },
          values: (u, v) => v.map((x) => x.toFixed(0)),
        },
      ],
      series: [
        {},
        // Drawn first: prefill + decode, so the decode share shows above the prefill bar.
        {
          label: 'decode',
          scale: 'tok',
          fill: css('--decode'),
          stroke: css('--decode'),
          paths: bars,
        },
        {
          label: 'prefill',
          scale: 'tok',
          fill: css('--prefill'),
          stroke: css('--prefill'),
          paths: bars,
        },
        { label: 'ms', scale: 'ms', stroke: css('--dur'), width: 1, points: { show: false } },
      ],
    },
    [[], [], [], []],
    el,
  );
}

function card(a) {
  let c = cards.get(a.id);
  if (c !== undefined) return c;
  const el = document.createElement('div');
  el.className = 'card';
  el.dataset.testid = 'agent-card';
  el.dataset.id = a.id;
  el.innerHTML =
    '<div class="card-head"><b></b><span class="status"></span><span class="late"></span></div>' +
    '<div class="kv"><div></div></div><div class="nums"></div><div class="layout"></div>';
  el.addEventListener('click', () => {
    selected = selected === a.id ? null : a.id;
    for (const [id, other] of cards) other.el.classList.toggle('selected', id === selected);
  });
  el.querySelector('b').textContent = a.id;
  $('agents').appendChild(el);
  c = { el, chart: layoutChart(el.querySelector('.layout')) };
  cards.set(a.id, c);
  return c;
}

function drawAgents(agents) {
  const live = new Set(agents.map((a) => a.id));
  for (const [id, c] of cards)
    if (!live.has(id)) {
      c.chart.destroy();
      c.el.remove();
      cards.delete(id);
    }
  for (const a of agents) {
    const c = card(a);
    c.el.classList.toggle('draining', a.status === 'draining');
    c.el.querySelector('.status').textContent = a.status;
    c.el.querySelector('.late').textContent =
      a.predictedMisses > 0 ? `${a.predictedMisses} predicted late` : '';
    const kv = a.kvTotalBlocks > 0 ? a.kvUsedBlocks / a.kvTotalBlocks : 0;
    c.el.querySelector('.kv div').style.width = `${(100 * kv).toFixed(1)}%`;
    c.el.querySelector('.nums').textContent =
      `running ${a.running} · waiting ${a.waiting + a.pending} · KV ${(100 * kv).toFixed(1)}% · ` +
      `queued ${a.queuedPrefillTokens} tok`;
    const it = a.iterations;
    c.chart.setData([
      it.map((_, i) => i + 1),
      it.map((x) => x[2] + x[3]),
      it.map((x) => x[2]),
      it.map((x) => x[1]),
    ]);
  }
  drawDetail(agents.find((a) => a.id === selected));
}

function drawDetail(a) {
  const box = $('detail');
  if (a === undefined) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  $('detail-title').textContent =
    `${a.id}: ${a.requestCount} request(s), first token seen or predicted vs target`;
  const rows = a.requests.map(([id, ttft, target, predicted]) => {
    const late = ttft === null || ttft > target;
    return `<tr><td>${id.slice(0, 12)}</td><td class="${late ? 'miss' : ''}">${ms(ttft)}${predicted ? ' (predicted)' : ''}</td><td>${ms(target)}</td><td>${late ? 'late' : 'ok'}</td></tr>`;
  });
  $('detail-rows').innerHTML = rows.join('');
}

// ---- decisions -------------------------------------------------------------------------------

function planText(d) {
  const p = d.plan;
  if (p === undefined) return d.outcome;
  if (p.kind === 'single') return `→ ${p.instanceId}`;
  if (p.kind === 'pd-split') return `P/D ${p.prefillInstanceId}→${p.decodeInstanceId}`;
  return `split ${p.segments.map((s) => s.instanceId).join('+')}→${p.decodeInstanceId}`;
}

function decisionItem(d) {
  const li = document.createElement('li');
  const details = document.createElement('details');
  details.dataset.testid = 'decision';
  details.dataset.key = `${d.balancerId}/${d.requestId}/${d.attempt}`;
  const s = document.createElement('summary');
  const target = d.slo === undefined ? '' : ` / ${ms(d.slo.ttftMs)}`;
  const pred = d.predicted === undefined ? '' : ` TTFT ${ms(d.predicted.ttftMs)}${target}`;
  s.textContent = `${new Date(d.atMs).toISOString().slice(11, 19)} ${d.requestId.slice(0, 8)} ${planText(d)}${pred} (${d.policy})`;
  if (d.outcome !== 'placed') s.classList.add('shed');
  details.appendChild(s);
  const reasons = document.createElement('ul');
  reasons.className = 'reasons';
  reasons.dataset.testid = 'reasons';
  for (const r of d.reasons) {
    const item = document.createElement('li');
    item.textContent = r;
    reasons.appendChild(item);
  }
  details.appendChild(reasons);
  if (d.candidates.length > 0) {
    const t = document.createElement('table');
    t.innerHTML =
      '<thead><tr><th>candidate</th><th>TTFT</th><th>TPOT</th><th>pushed over</th></tr></thead>';
    const body = document.createElement('tbody');
    for (const c of d.candidates) {
      const row = document.createElement('tr');
      const p = c.predicted ?? { ttftMs: null, tpotMs: null };
      row.innerHTML = `<td>${c.instanceId}${c.instanceId === d.chosen ? ' ✓' : ''}</td><td class="${c.meetsSlo === false ? 'miss' : ''}">${ms(p.ttftMs)}</td><td>${ms(p.tpotMs)}</td><td>${c.newlyViolated ?? ''}</td>`;
      body.appendChild(row);
    }
    t.appendChild(body);
    details.appendChild(t);
  }
  li.appendChild(details);
  return li;
}

function addDecisions(list) {
  const ol = $('decisions');
  for (const d of list) ol.insertBefore(decisionItem(d), ol.firstChild);
  // Keep 40, never removing one the reader has open.
  while (ol.children.length > 40) {
    const last = ol.lastElementChild;
    if (last.querySelector('details[open]')) break;
    last.remove();
  }
}

// ---- wiring ----------------------------------------------------------------------------------

function onFrame(frame) {
  pushPoint(frame.point);
  drawFleet();
  summary(frame);
  drawAgents(frame.agents);
  addDecisions(frame.decisions);
}

function connect() {
  const es = new EventSource('/events');
  es.addEventListener('hello', (e) => {
    const h = JSON.parse(e.data);
    for (const k of Object.keys(history)) history[k] = [];
    for (const p of h.history) pushPoint(p);
    drawFleet();
    $('decisions').innerHTML = '';
    addDecisions(h.decisions);
    if (h.frame !== null) {
      summary(h.frame);
      drawAgents(h.frame.agents);
    }
    $('conn').textContent = `live (every ${h.pushPeriodMs} ms)`;
  });
  es.addEventListener('frame', (e) => onFrame(JSON.parse(e.data)));
  es.onerror = () => ($('conn').textContent = 'reconnecting…');
}

window.addEventListener('resize', () => {
  for (const [id, c] of Object.entries({
    att: 'chart-attainment',
    thr: 'chart-throughput',
    shed: 'chart-shed',
    ttft: 'chart-ttft',
  }))
    fleetCharts[id].setSize({ width: chartWidth($(c)), height: 170 });
});

setupFleetCharts();
connect();
