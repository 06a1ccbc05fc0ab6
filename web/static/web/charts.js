// Inline SVG charts for the staff dashboard: bars, stacked bars and a half-circle gauge.
// Colours come from CSS classes; each chart has a text summary and a table of its numbers.

const SVG = "http://www.w3.org/2000/svg";
let counter = 0;

function svgEl(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function htmlEl(tag, text) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  return node;
}

function niceMax(value) {
  if (value <= 4) return Math.max(1, Math.ceil(value));
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * magnitude >= value) return step * magnitude;
  }
  return 10 * magnitude;
}

function chartSvg(width, height, summary) {
  const id = `chart-${++counter}`;
  const svg = svgEl("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-labelledby": `${id}-title`,
    class: "chart-svg",
    preserveAspectRatio: "xMidYMid meet",
  });
  svg.append(svgEl("title", { id: `${id}-title` }, summary));
  return svg;
}

function dataTable(caption, headers, rows) {
  const details = htmlEl("details");
  details.className = "chart-data";
  details.append(htmlEl("summary", "Show the numbers"));
  const table = htmlEl("table");
  table.className = "data compact";
  table.append(htmlEl("caption", caption));
  const head = htmlEl("tr");
  for (const header of headers) {
    const th = htmlEl("th", header);
    th.scope = "col";
    head.append(th);
  }
  const thead = htmlEl("thead");
  thead.append(head);
  const tbody = htmlEl("tbody");
  for (const row of rows) {
    const tr = htmlEl("tr");
    for (const cell of row) tr.append(htmlEl("td", String(cell)));
    tbody.append(tr);
  }
  table.append(thead, tbody);
  details.append(table);
  return details;
}

const PLOT = { width: 420, height: 210, left: 36, right: 8, top: 10, bottom: 28 };

function axes(svg, labels, max) {
  const { width, height, left, right, top, bottom } = PLOT;
  const plotHeight = height - top - bottom;
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plotHeight * (1 - fraction);
    svg.append(svgEl("line", { x1: left, x2: width - right, y1: y, y2: y, class: "grid" }));
    const value = Math.round(max * fraction * 10) / 10;
    svg.append(svgEl("text", { x: left - 6, y: y + 4, class: "axis-label", "text-anchor": "end" }, String(value)));
  }
  const slot = (width - left - right) / Math.max(labels.length, 1);
  const every = Math.max(1, Math.ceil(labels.length / 6));
  labels.forEach((label, index) => {
    if ((labels.length - 1 - index) % every) return; // counted back from today, always shown
    const last = index === labels.length - 1 && labels.length > 1;
    const x = last ? width - right : left + slot * (index + 0.5);
    const anchor = last ? "end" : "middle"; // the last label must not run off the edge
    svg.append(svgEl("text", { x, y: height - bottom + 18, class: "axis-label", "text-anchor": anchor }, String(label).slice(5)));
  });
  return { slot, plotHeight };
}

// labels: ["2024-05-01", ...]; values: [3, ...]
export function barChart(container, { labels, values, summary, unit = "" }) {
  const max = niceMax(Math.max(0, ...values));
  const svg = chartSvg(PLOT.width, PLOT.height, summary);
  const { slot, plotHeight } = axes(svg, labels, max);
  values.forEach((value, index) => {
    const height = (value / max) * plotHeight;
    const bar = svgEl("rect", {
      x: PLOT.left + slot * index + slot * 0.15,
      y: PLOT.top + plotHeight - height,
      width: slot * 0.7,
      height,
      class: "bar",
      "data-value": value,
    });
    bar.append(svgEl("title", {}, `${labels[index]}: ${value}${unit}`));
    svg.append(bar);
  });
  container.replaceChildren(svg, dataTable(summary, ["Day", "Count"], labels.map((l, i) => [l, values[i]])));
}

// series: [{ name, className, values: [...] }, ...], stacked bottom-up in the given order.
export function stackedBarChart(container, { labels, series, summary }) {
  const totals = labels.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] || 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const svg = chartSvg(PLOT.width, PLOT.height + 24, summary);
  const { slot, plotHeight } = axes(svg, labels, max);
  labels.forEach((label, index) => {
    let base = PLOT.top + plotHeight;
    for (const s of series) {
      const value = s.values[index] || 0;
      if (!value) continue;
      const height = (value / max) * plotHeight;
      base -= height;
      const segment = svgEl("rect", {
        x: PLOT.left + slot * index + slot * 0.15,
        y: base,
        width: slot * 0.7,
        height,
        class: `segment ${s.className}`,
        "data-value": value,
      });
      segment.append(svgEl("title", {}, `${label}, ${s.name}: ${value}`));
      svg.append(segment);
    }
  });
  const legend = svgEl("g", { class: "legend" });
  series.forEach((s, index) => {
    const x = PLOT.left + index * 76;
    const y = PLOT.height + 10;
    legend.append(svgEl("rect", { x, y: y - 9, width: 10, height: 10, class: `segment ${s.className}` }));
    legend.append(svgEl("text", { x: x + 14, y, class: "axis-label" }, s.name));
  });
  svg.append(legend);
  const rows = labels.map((label, i) => [label, ...series.map((s) => s.values[i] || 0)]);
  container.replaceChildren(svg, dataTable(summary, ["Day", ...series.map((s) => s.name)], rows));
}

function arcPoint(fraction, radius) {
  const angle = Math.PI * (1 - fraction);
  return [100 + radius * Math.cos(angle), 100 - radius * Math.sin(angle)];
}

function arc(fraction, radius) {
  const [x0, y0] = arcPoint(0, radius);
  const [x1, y1] = arcPoint(Math.min(Math.max(fraction, 0), 1), radius);
  return `M ${x0} ${y0} A ${radius} ${radius} 0 0 1 ${x1.toFixed(2)} ${y1.toFixed(2)}`;
}

// A half-circle gauge of value / max; max <= 0 means "no cap" (the arc stays empty).
export function gauge(container, { value, max, summary, caption }) {
  const fraction = max > 0 ? value / max : 0;
  const svg = chartSvg(200, 120, summary);
  svg.append(svgEl("path", { d: arc(1, 80), class: "gauge-track" }));
  const level = fraction >= 0.9 ? "high" : fraction >= 0.7 ? "medium" : "low";
  if (fraction > 0) svg.append(svgEl("path", { d: arc(fraction, 80), class: `gauge-value level-${level}`, "data-fraction": fraction.toFixed(4) }));
  const big = max > 0 ? `${Math.round(fraction * 100)}%` : "no cap";
  svg.append(svgEl("text", { x: 100, y: 92, class: "gauge-figure", "text-anchor": "middle" }, big));
  const text = htmlEl("p", caption);
  text.className = "gauge-caption";
  container.replaceChildren(svg, text);
}
