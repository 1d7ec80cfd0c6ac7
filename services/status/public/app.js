// The status page's script: polls /api/status and redraws. Plain DOM (textContent, never innerHTML, so
// names and error messages cannot inject markup) and uPlot for the flow charts.
'use strict';

const POLL_MS = 2000;
const FLOWS = ['fetched', 'published', 'written', 'deadLettered'];
const COLOURS = { fetched: '#3b6fd4', published: '#7a4fd1', written: '#2e9d4f', deadLettered: '#d1343b' };
const countries = new Intl.DisplayNames(['en'], { type: 'region' });
const charts = {};

/** An element with attributes and children (strings become text). */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ''));
  return node;
}

function replaceRows(tbody, rows) {
  tbody.replaceChildren(...rows.map((cells) => el('tr', {}, ...cells.map((cell) => el('td', {}, cell)))));
}

const number = (value) =>
  value === null || value === undefined ? '–' : Math.round(value).toLocaleString('en');
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString('en-GB') : '–');

function renderParts(parts) {
  document
    .getElementById('parts')
    .replaceChildren(
      ...parts.map((part) =>
        el(
          'li',
          { 'data-part': part.name, 'data-state': part.state, title: part.detail },
          part.name,
          el('span', { class: 'state' }, part.state),
          el('span', { class: 'detail' }, part.detail),
        ),
      ),
    );
}

function renderTotals(totals) {
  for (const flow of FLOWS) document.getElementById(`total-${flow}`).textContent = number(totals[flow]);
}

function renderCharts(flow) {
  for (const name of FLOWS) {
    const data = [flow.t, flow.rates[name]];
    if (charts[name]) {
      charts[name].setData(data);
      continue;
    }
    const target = document.getElementById(`chart-${name}`);
    charts[name] = new uPlot(
      {
        width: Math.max(240, target.clientWidth || 270),
        height: 140,
        legend: { show: false },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        series: [
          {},
          { label: name, stroke: COLOURS[name], fill: `${COLOURS[name]}22`, width: 2, spanGaps: false },
        ],
        axes: [{ size: 30 }, { size: 46 }],
      },
      data,
      target,
    );
  }
}

function renderLag(lag, consumers) {
  const note = document.getElementById('lag-note');
  if (lag.error) {
    replaceRows(document.querySelector('#lag-partitions tbody'), []);
    replaceRows(document.querySelector('#lag-members tbody'), []);
    note.textContent = `Kafka's view is unavailable: ${lag.error}`;
    return;
  }
  const short = (id) => (id ? id.slice(-12) : 'unassigned');
  replaceRows(
    document.querySelector('#lag-partitions tbody'),
    lag.partitions.map((p) => [
      p.partition,
      number(p.end),
      number(p.committed),
      number(p.lag),
      short(p.member),
    ]),
  );
  replaceRows(
    document.querySelector('#lag-members tbody'),
    lag.members.map((m) => [short(m.memberId), m.host, m.partitions.join(', '), number(m.lag)]),
  );
  const paused = consumers.filter((c) => c.paused).map((c) => c.url);
  note.textContent =
    `group ${lag.state}; lag = end offset - committed offset.` +
    (paused.length ? ` Paused (a dependency is unavailable): ${paused.join(', ')}` : '');
}

function renderRuns(runs) {
  const tbody = document.querySelector('#runs tbody');
  if (!runs) return replaceRows(tbody, [['the producer does not answer', '', '', '', '', '']]);
  replaceRows(
    tbody,
    runs.map((run) => [
      time(run.startedAt),
      run.trigger,
      run.status + (run.error ? `: ${run.error}` : ''),
      number(run.summary?.published),
      number(run.summary?.deadLettered),
      run.summary ? `${(run.summary.durationMs / 1000).toFixed(1)} s` : '–',
    ]),
  );
}

function renderDeadLetters(dead) {
  replaceRows(
    document.querySelector('#dead-counts tbody'),
    dead.counts.length
      ? dead.counts.map((c) => [c.service, c.stage, c.reason, number(c.count)])
      : [['none', '', '', '0']],
  );
  const list = document.getElementById('dead-newest');
  if (dead.newest.length === 0) {
    list.replaceChildren(
      el('li', {}, dead.tailing ? 'none since the page started' : 'not reading the topic yet'),
    );
    return;
  }
  list.replaceChildren(
    ...dead.newest.map((letter) => {
      const h = letter.headers;
      return el(
        'li',
        { class: 'letter' },
        `${time(letter.at)} `,
        el('code', {}, h['dlq.stage'] || 'unknown'),
        ' ',
        el('code', {}, h['dlq.error.reason'] || h['dlq.error.class'] || ''),
        ` ${(h['dlq.error.message'] || '').slice(0, 160)} `,
        el(
          'span',
          { class: 'note' },
          `(key ${letter.key ?? 'none'}, partition ${letter.partition} offset ${letter.offset})`,
        ),
      );
    }),
  );
}

function country(nat) {
  try {
    return nat ? `${countries.of(nat)} (${nat})` : '';
  } catch {
    return nat;
  }
}

let shownUsers = '';

function renderUsers(users) {
  const list = document.getElementById('users');
  // Unchanged users keep their elements: the portraits are not loaded again at every poll.
  const key = JSON.stringify(users);
  if (key === shownUsers) return;
  shownUsers = key;
  if (!users) return list.replaceChildren(el('li', {}, 'Cassandra does not answer'));
  list.replaceChildren(
    ...users.map((user) =>
      el(
        'li',
        { class: 'user' },
        el('img', { src: user.picture || '', alt: `portrait of ${user.name}`, width: '48', height: '48' }),
        el(
          'span',
          {},
          el('span', { class: 'name' }, user.name),
          el('span', { class: 'country' }, country(user.nat)),
        ),
      ),
    ),
  );
}

async function refresh() {
  const updated = document.getElementById('updated');
  try {
    const response = await fetch('/api/status', { cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const status = await response.json();
    renderParts(status.parts);
    renderTotals(status.totals);
    renderCharts(status.flow);
    renderLag(status.lag, status.consumers);
    renderRuns(status.runs);
    renderDeadLetters(status.deadLetters);
    renderUsers(status.users);
    updated.textContent = `updated ${time(status.at)}`;
    updated.dataset.at = status.at;
  } catch (error) {
    updated.textContent = `the status service does not answer (${error.message}); retrying`;
  }
}

void refresh();
setInterval(() => void refresh(), POLL_MS);
