/**
 * The script of report.html, as a string (it runs in the browser, not in Node). It reads the
 * inlined summary, draws each `[data-chart]` container with uPlot and then sets
 * `data-chart-ready="true"` on it (or `data-chart-error` with the message). Plain ES2017, no
 * template literals, so it can live inside this TypeScript string.
 */
export const REPORT_CLIENT_JS = `
(function () {
  'use strict';
  var S = JSON.parse(document.getElementById('summary-data').textContent);
  var ts = S.timeseries || [];
  var COLORS = ['#0969da', '#cf222e', '#1a7f37', '#9a6700', '#8250df', '#1b7c83', '#bf3989', '#57606a'];
  var plots = [];

  function xs() { return ts.map(function (p) { return p.t; }); }
  function fmtBytes(v) {
    var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0;
    while (Math.abs(v) >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return (i === 0 ? Math.round(v) : v.toFixed(1)) + ' ' + u[i];
  }
  function fmtNum(v) { return v == null ? '-' : (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : String(+v.toFixed(2))); }
  function line(label, color, extra) {
    var s = { label: label, stroke: color, width: 2, spanGaps: false, value: function (u, v) { return fmtNum(v); } };
    for (var k in extra || {}) s[k] = extra[k];
    return s;
  }
  function axis(label, extra) {
    var a = { label: label, size: 64, stroke: '#59636e', grid: { stroke: '#eaeef2', width: 1 }, ticks: { stroke: '#d1d9e0', width: 1 } };
    for (var k in extra || {}) a[k] = extra[k];
    return a;
  }
  function fromZero(u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; }
  function baseOpts(width, series, axes, scales) {
    var sc = { x: { time: false }, y: { range: fromZero } };
    for (var k in scales || {}) sc[k] = scales[k];
    return {
      width: width, height: 260, scales: sc, legend: { live: true },
      series: [{ label: 't (s)', value: function (u, v) { return v == null ? '-' : v + ' s'; } }].concat(series),
      axes: [axis('seconds since start', { size: 44 })].concat(axes),
    };
  }

  var builders = {
    convergence: function () {
      var r = S.rollout, c = r.convergence;
      var x = c.map(function (p) { return p.t; });
      return {
        series: [
          line('upgraded', COLORS[2]), line('failed', COLORS[1]), line('cancelled', COLORS[7]),
          line('targeted', COLORS[0], { dash: [6, 4], width: 1.5, points: { show: false } }),
        ],
        axes: [axis('devices')],
        data: [x, c.map(function (p) { return p.upgraded; }), c.map(function (p) { return p.failed; }),
          c.map(function (p) { return p.cancelled; }), c.map(function () { return r.targeted; })],
      };
    },
    throughput: function () {
      return {
        series: [line('requests/s', COLORS[0]), line('bytes/s', COLORS[4], { scale: 'bytes', value: function (u, v) { return v == null ? '-' : fmtBytes(v) + '/s'; } })],
        axes: [axis('requests/s'), axis('bytes/s', { side: 1, scale: 'bytes', grid: { show: false }, size: 80,
          values: function (u, vals) { return vals.map(function (v) { return fmtBytes(v); }); } })],
        scales: { bytes: { range: fromZero } },
        data: [xs(), ts.map(function (p) { return p.requests; }), ts.map(function (p) { return p.bytes; })],
      };
    },
    devices: function () {
      return {
        series: [line('active devices', COLORS[5])],
        axes: [axis('devices')],
        data: [xs(), ts.map(function (p) { return p.active; })],
      };
    },
    errors: function () {
      var codes = {};
      ts.forEach(function (p) { for (var c in p.errorsByCode) codes[c] = true; });
      var names = Object.keys(codes).sort();
      return {
        series: names.map(function (c, i) { return line(c, COLORS[(i + 1) % COLORS.length]); }),
        axes: [axis('errors/s')],
        data: [xs()].concat(names.map(function (c) { return ts.map(function (p) { return p.errorsByCode[c] || 0; }); })),
      };
    },
    latency: function (call) {
      function pick(key) { return ts.map(function (p) { var c = p.calls[call]; return c && c.count > 0 ? c[key] / 1000 : null; }); }
      return {
        series: [line('p50 ms', COLORS[0]), line('p99 ms', COLORS[1])],
        axes: [axis('ms')],
        data: [xs(), pick('p50'), pick('p99')],
      };
    },
  };

  function draw(el) {
    var name = el.getAttribute('data-chart');
    var target = el.querySelector('.plot') || el;
    try {
      var parts = name.split(':');
      var build = builders[parts[0]];
      if (!build) throw new Error('unknown chart ' + name);
      var spec = build(parts[1]);
      var width = Math.max(280, target.clientWidth || el.clientWidth || 600);
      var plot = new uPlot(baseOpts(width, spec.series, spec.axes, spec.scales), spec.data, target);
      plots.push({ plot: plot, el: target });
      el.setAttribute('data-chart-ready', 'true');
    } catch (err) {
      el.setAttribute('data-chart-error', String(err && err.message || err));
      target.textContent = 'This chart could not be drawn: ' + (err && err.message || err);
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll('[data-chart]'), draw);
  var pending = 0;
  window.addEventListener('resize', function () {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () {
      plots.forEach(function (p) { p.plot.setSize({ width: Math.max(280, p.el.clientWidth), height: 260 }); });
    });
  });
})();
`;
