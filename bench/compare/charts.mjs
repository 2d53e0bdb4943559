// Hand-written SVG bar charts of the comparison (no charting dependency: two grouped-bar panels
// layouts are all the page needs). One panel per mode, one group per connection count.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { added } from './report.mjs';

const colors = {
  floor: '#9aa0a6',
  lean: '#34a853',
  exai: '#1a73e8',
  portkey: '#e8710a',
  exaiP99: '#8ab4f8',
  portkeyP99: '#fbbc8c',
};
const escapeXml = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** One panel: groups of bars (`series` of {key, label, color}) with a y axis from min(0, lowest) to the max. */
function panel({ x, y, width, height, title, groups, series, unit }) {
  const values = groups
    .flatMap((group) => series.map((item) => group.values[item.key]))
    .filter((value) => typeof value === 'number');
  const top = niceMax(Math.max(0, ...values));
  const bottom = Math.min(0, ...values) < 0 ? -niceMax(-Math.min(...values)) : 0;
  const plotLeft = x + 52;
  const plotTop = y + 26;
  const plotHeight = height - 60;
  const plotWidth = width - 62;
  const scale = (value) => plotTop + ((top - value) / (top - bottom)) * plotHeight;
  const parts = [
    `<text x="${x + width / 2}" y="${y + 14}" text-anchor="middle" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (let tick = 0; tick <= 4; tick++) {
    const value = bottom + ((top - bottom) * tick) / 4;
    const ty = scale(value);
    parts.push(`<line x1="${plotLeft}" x2="${plotLeft + plotWidth}" y1="${ty}" y2="${ty}" stroke="#e0e0e0"/>`);
    parts.push(
      `<text x="${plotLeft - 6}" y="${ty + 4}" text-anchor="end" font-size="10">${Number(value.toPrecision(3))}</text>`,
    );
  }
  parts.push(
    `<text x="${x + 10}" y="${plotTop + plotHeight / 2}" font-size="10" transform="rotate(-90 ${x + 10} ${plotTop + plotHeight / 2})" text-anchor="middle">${escapeXml(unit)}</text>`,
  );
  const groupWidth = plotWidth / groups.length;
  const barWidth = Math.min(22, (groupWidth - 10) / series.length);
  groups.forEach((group, index) => {
    const groupLeft = plotLeft + index * groupWidth + (groupWidth - barWidth * series.length) / 2;
    series.forEach((item, seriesIndex) => {
      const value = group.values[item.key];
      const bx = groupLeft + seriesIndex * barWidth;
      if (typeof value !== 'number') {
        parts.push(`<text x="${bx + barWidth / 2}" y="${scale(0) - 3}" text-anchor="middle" font-size="9">n/a</text>`);
        return;
      }
      const y0 = scale(Math.max(0, value));
      const h = Math.max(0.5, Math.abs(scale(value) - scale(0)));
      parts.push(
        `<rect x="${bx.toFixed(1)}" y="${y0.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${item.color}"><title>${escapeXml(`${item.label}, ${group.label}: ${value}`)}</title></rect>`,
      );
    });
    parts.push(
      `<text x="${plotLeft + index * groupWidth + groupWidth / 2}" y="${plotTop + plotHeight + 16}" text-anchor="middle" font-size="11">${escapeXml(group.label)}</text>`,
    );
  });
  parts.push(`<line x1="${plotLeft}" x2="${plotLeft + plotWidth}" y1="${scale(0)}" y2="${scale(0)}" stroke="#555"/>`);
  return parts.join('\n');
}

function chart({ title, subtitle, panels, series, unit }) {
  const panelWidth = 420;
  const panelHeight = 240;
  const columns = 2;
  const width = panelWidth * columns + 20;
  const height = 70 + Math.ceil(panels.length / columns) * panelHeight + 20;
  const body = panels.map((item, index) =>
    panel({
      x: 10 + (index % columns) * panelWidth,
      y: 60 + Math.floor(index / columns) * panelHeight,
      width: panelWidth - 10,
      height: panelHeight,
      title: item.title,
      groups: item.groups,
      series,
      unit,
    }),
  );
  const legend = series.map(
    (item, index) =>
      `<rect x="${20 + index * 170}" y="38" width="12" height="12" fill="${item.color}"/><text x="${36 + index * 170}" y="48" font-size="11">${escapeXml(item.label)}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="20" y="20" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="20" y="33" font-size="10" fill="#555">${escapeXml(subtitle)}</text>`,
    ...legend,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function panelsOf(results, valuesOf) {
  const byMode = new Map();
  for (const row of results.cases) {
    if (!byMode.has(row.mode))
      byMode.set(row.mode, {
        title: `${row.stream ? 'streaming' : 'non-streaming'}, ${row.latencyMs} ms upstream`,
        groups: [],
      });
    byMode.get(row.mode).groups.push({ label: `${row.connections} conn`, values: valuesOf(row) });
  }
  return [...byMode.values()];
}

export function writeCharts(results, directory) {
  const subtitle = `${results.date.slice(0, 10)} · ${results.machine.cpus} cores · Node ${results.machine.node} · ${results.settings.durationSeconds} s per case · pnpm bench:compare`;
  /** A chart of a series per `[key, label, color, value of a case row]`. */
  const chartOf = (title, unit, series) =>
    chart({
      title,
      subtitle,
      unit,
      series: series.map(([key, label, color]) => ({ key, label, color })),
      panels: panelsOf(results, (row) => Object.fromEntries(series.map(([key, , , value]) => [key, value(row)]))),
    });
  const throughput = chartOf('Requests per second (higher is better)', 'req/s', [
    ['floor', 'simulator alone (floor)', colors.floor, (row) => row.results.floor?.requestsPerSecond],
    ['lean', 'lean proxy (no resilience)', colors.lean, (row) => row.results.lean?.requestsPerSecond],
    ['exai', 'EX-AI gateway', colors.exai, (row) => row.results.exai?.requestsPerSecond],
    ['portkey', 'Portkey gateway', colors.portkey, (row) => row.results.portkey?.requestsPerSecond],
  ]);
  const addedMs = (name, field) => (row) => added(row, name, field) ?? undefined;
  const latency = chartOf('Latency added over the floor, ms (lower is better)', 'ms', [
    ['exaiP50', 'EX-AI p50', colors.exai, addedMs('exai', 'p50Ms')],
    ['portkeyP50', 'Portkey p50', colors.portkey, addedMs('portkey', 'p50Ms')],
    ['exaiP99', 'EX-AI p99', colors.exaiP99, addedMs('exai', 'p99Ms')],
    ['portkeyP99', 'Portkey p99', colors.portkeyP99, addedMs('portkey', 'p99Ms')],
  ]);
  writeFileSync(join(directory, 'bench-throughput.svg'), throughput);
  writeFileSync(join(directory, 'bench-added-latency.svg'), latency);
}
