/**
 * The chart script of report.html and of the live dashboard, as a string (it runs in the browser,
 * not in Node). `OtaCharts.render(S)` draws every `[data-chart]` container from S (the summary
 * with its `view`, or the dashboard's live state) with uPlot and sets `data-chart-ready="true"` on
 * it (or `data-chart-error` with the message); called again with new data it updates the plots in
 * place, so the dashboard grows its charts as the run goes. Each plot keeps its data length in
 * `data-points`. Plain ES2017, no template literals, so it can live inside this TypeScript string.
 */
export const REPORT_CLIENT_JS = `
(function () {
  'use strict';
  var COLORS = ['#0969da', '#cf222e', '#1a7f37', '#9a6700', '#8250df', '#1b7c83', '#bf3989', '#57606a'];
  var PCT_COLORS = { p50: '#0969da', p90: '#1a7f37', p95: '#9a6700', p99: '#cf222e', max: '#8250df' };
  var plots = {};
  var S = null;

  function ts() { return S.timeseries || []; }
  function xs() { return ts().map(function (p) { return p.t; }); }
  function fmtBytes(v) {
    var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0;
    while (Math.abs(v) >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return (i === 0 ? +v.toFixed(v < 10 && v % 1 ? 1 : 0) : +v.toFixed(1)) + ' ' + u[i];
  }
  function fmtNum(v) { return v == null ? '-' : (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : String(+v.toFixed(2))); }
  /** The legend value: at the cursor, or (no cursor) the series' last value, so it never shows a bare "-". */
  function legendValue(fmt) {
    return function (u, v, si, idx) {
      if (idx == null) {
        var d = u.data[si] || [];
        for (var i = d.length - 1; i >= 0; i--) if (d[i] != null) return fmt(d[i]);
        return 'no data';
      }
      return v == null ? 'no data' : fmt(v);
    };
  }
  function line(label, color, extra) {
    var s = { label: label, stroke: color, width: 2, spanGaps: false, value: legendValue(fmtNum) };
    for (var k in extra || {}) s[k] = extra[k];
    return s;
  }
  function dots(label, color) {
    return { label: label, stroke: color, fill: color, width: 0, paths: function () { return null; },
      points: { show: true, size: 6, stroke: color, fill: color }, value: legendValue(fmtNum) };
  }
  function axis(label, extra) {
    var a = { label: label, size: 64, stroke: '#59636e', grid: { stroke: '#eaeef2', width: 1 }, ticks: { stroke: '#d1d9e0', width: 1 } };
    for (var k in extra || {}) a[k] = extra[k];
    return a;
  }
  // whole numbers only (devices, counts): no 0.5-device ticks
  var INT_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 1e7];
  var BYTE_INCRS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].reduce(function (a, b) {
    return a.concat([b, b * 1024, b * 1048576, b * 1073741824]); }, []).sort(function (a, b) { return a - b; });
  function intAxis(label, extra) {
    var a = axis(label, { incrs: INT_INCRS, values: function (u, vals) { return vals.map(function (v) { return fmtNum(v); }); } });
    for (var k in extra || {}) a[k] = extra[k];
    return a;
  }
  function fromZero(u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; }
  function fromZeroInt(u, min, max) { return [0, max > 0 ? Math.max(2, Math.ceil(max * 1.08)) : 2]; }
  function xAxis() { return axis('seconds since start', { size: 44 }); }
  function tSeries() { return { label: 't (s)', value: function (u, v, si, idx) { return idx == null ? 'hover a point' : v + ' s'; } }; }

  /** Vertical markers (rollout steps) on time axes and horizontal threshold lines, drawn after the series. */
  function markerHook(markers, hlines) {
    return function (u) {
      var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height, left = u.bbox.left, w = u.bbox.width;
      ctx.save();
      ctx.font = Math.round(11 * devicePixelRatio) + 'px sans-serif';
      (markers || []).forEach(function (m) {
        var x = u.valToPos(m.t, 'x', true);
        if (!(x >= left && x <= left + w)) return;
        ctx.strokeStyle = m.kind === 'cancel' ? '#cf222e' : '#57606a';
        ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
        ctx.lineWidth = devicePixelRatio;
        ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + h); ctx.stroke();
        ctx.fillStyle = ctx.strokeStyle;
        ctx.fillText(m.label, x + 3 * devicePixelRatio, top + 12 * devicePixelRatio);
      });
      (hlines || []).forEach(function (l) {
        var y = u.valToPos(l.value, l.scale || 'y', true), above = y < top;
        if (above) {
          // far above the data: say where it is rather than squash the data under it
          ctx.fillStyle = l.ok === false ? '#cf222e' : '#9a6700';
          ctx.fillText('\u2191 ' + l.label + ' (above the chart)', left + 4 * devicePixelRatio, top + 12 * devicePixelRatio);
          return;
        }
        if (y > top + h) return;
        ctx.strokeStyle = l.ok === false ? '#cf222e' : '#9a6700';
        ctx.setLineDash([8 * devicePixelRatio, 4 * devicePixelRatio]);
        ctx.lineWidth = 1.5 * devicePixelRatio;
        ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + w, y); ctx.stroke();
        ctx.fillStyle = ctx.strokeStyle;
        ctx.fillText(l.label, left + 4 * devicePixelRatio, y - 4 * devicePixelRatio);
      });
      ctx.restore();
    };
  }
  function view() { return S.view || {}; }
  function timeMarkers() { return view().markers || []; }
  function callLines(call) { return (view().thresholdLines || {})[call] || []; }
  /** The y range including threshold lines, so a line above the data is still visible. */
  function rangeWith(lines) {
    return function (u, min, max) {
      var top = max;
      // a threshold line within 3x of the data is drawn in range; one far above is only named
      lines.forEach(function (l) { if (l.value > top && l.value <= 3 * max) top = l.value; });
      return [0, top > 0 ? top * 1.08 : 1];
    };
  }
  function keysOf(field) {
    var seen = {};
    ts().forEach(function (p) { for (var k in p[field] || {}) seen[k] = true; });
    return Object.keys(seen).sort();
  }

  var builders = {
    convergence: function () {
      var r = S.rollout, c = r.convergence || [];
      var x = c.map(function (p) { return p.t; });
      return {
        series: [
          line('upgraded', COLORS[2]), line('failed', COLORS[1]), line('cancelled', COLORS[7]),
          line('targeted', COLORS[0], { dash: [6, 4], width: 1.5, points: { show: false } }),
        ],
        axes: [intAxis('devices')], markers: timeMarkers(), scales: { y: { range: fromZeroInt } },
        data: [x, c.map(function (p) { return p.upgraded; }), c.map(function (p) { return p.failed; }),
          c.map(function (p) { return p.cancelled; }), c.map(function () { return r.targeted; })],
      };
    },
    throughput: function () {
      var bytes = ts().map(function (p) { return p.bytes; });
      var any = bytes.some(function (b) { return b > 0; });
      var series = [line('requests/s', COLORS[0])], axes = [axis('requests/s')];
      var data = [xs(), ts().map(function (p) { return p.requests; })];
      if (any) {
        // only with bytes: an all-zero bytes axis would read "1 B, 1 B, 1 B, 0 B"
        series.push(line('bytes/s', COLORS[4], { scale: 'bytes', width: 1.5, dash: [5, 4], value: legendValue(function (v) { return fmtBytes(v) + '/s'; }) }));
        axes.push(axis('bytes/s', { side: 1, scale: 'bytes', grid: { show: false }, size: 80, incrs: BYTE_INCRS,
          values: function (u, vals) { return vals.map(function (v) { return fmtBytes(v); }); } }));
        data.push(bytes);
      }
      return { series: series, axes: axes, data: data, markers: timeMarkers(), scales: { bytes: { range: fromZero } } };
    },
    okko: function () {
      return {
        series: [line('OK/s', COLORS[2]), line('KO/s', COLORS[1])],
        axes: [intAxis('requests/s')], markers: timeMarkers(),
        data: [xs(), ts().map(function (p) { return p.requests - p.errors; }), ts().map(function (p) { return p.errors; })],
      };
    },
    status: function () {
      var codes = keysOf('errorsByStatus');
      return {
        series: [line('OK', COLORS[2])].concat(codes.map(function (c, i) { return line('HTTP ' + c, COLORS[(i + 1) % COLORS.length]); }))
          .concat([line('no reply', COLORS[7], { dash: [4, 3] })]),
        axes: [intAxis('replies/s')], markers: timeMarkers(),
        data: [xs(), ts().map(function (p) { return p.requests - p.errors; })]
          .concat(codes.map(function (c) { return ts().map(function (p) { return (p.errorsByStatus || {})[c] || 0; }); }))
          .concat([ts().map(function (p) {
            var tagged = 0; for (var k in p.errorsByStatus || {}) tagged += p.errorsByStatus[k];
            return Math.max(0, p.errors - tagged); })]),
      };
    },
    errno: function () {
      var codes = keysOf('errorsByErrno');
      return {
        series: codes.map(function (c, i) { return line('errno ' + c, COLORS[(i + 1) % COLORS.length]); }),
        axes: [intAxis('replies/s')], markers: timeMarkers(),
        data: [xs()].concat(codes.map(function (c) { return ts().map(function (p) { return (p.errorsByErrno || {})[c] || 0; }); })),
      };
    },
    devices: function () {
      return {
        series: [line('active devices', COLORS[5])],
        axes: [intAxis('devices')], markers: timeMarkers(), scales: { y: { range: fromZeroInt } },
        data: [xs(), ts().map(function (p) { return p.active; })],
      };
    },
    arrivals: function () {
      return {
        series: [line('visits started/s', COLORS[0]), line('dropped starts/s', COLORS[1])],
        axes: [intAxis('starts/s')], markers: timeMarkers(), scales: { y: { range: fromZeroInt } },
        data: [xs(), ts().map(function (p) { return p.started || 0; }), ts().map(function (p) { return p.dropped || 0; })],
      };
    },
    errors: function () {
      var names = keysOf('errorsByCode');
      return {
        series: names.map(function (c, i) { return line(c, COLORS[(i + 1) % COLORS.length]); }),
        axes: [intAxis('errors/s')], markers: timeMarkers(),
        data: [xs()].concat(names.map(function (c) { return ts().map(function (p) { return p.errorsByCode[c] || 0; }); })),
      };
    },
    latency: function (call) {
      function pick(key) { return ts().map(function (p) { var c = p.calls[call]; return c && c.count > 0 && c[key] != null && c[key] > 0 ? c[key] / 1000 : null; }); }
      var keys = ['p50', 'p90', 'p95', 'p99', 'max'];
      var lines = callLines(call);
      return {
        series: keys.map(function (k) { return line(k + ' ms', PCT_COLORS[k], k === 'max' ? { width: 1, dash: [3, 3] } : {}); }),
        axes: [axis('ms')], markers: timeMarkers(), hlines: lines, scales: { y: { range: rangeWith(lines) } },
        data: [xs()].concat(keys.map(pick)),
      };
    },
    spectrum: function (call) {
      var d = (view().distributions || {})[call];
      if (!d) throw new Error('no distribution for ' + call);
      // HdrHistogram's plotter: x = 1/(1-p) on a log axis, labelled as percentiles
      var pts = d.spectrum.filter(function (p) { return p[0] < 100; });
      var lines = callLines(call);
      return {
        x: { label: 'percentile', value: function (u, v, si, idx) { return idx == null ? 'hover a point' : pctLabel(v); } },
        xAxis: axis('percentile (log scale of 1/(1-p))', { size: 44, space: 30,
          splits: function (u) { var out = [], max = u.scales.x.max; for (var v = 1; v <= max * 1.0001; v *= 10) out.push(v); return out; },
          values: function (u, vals) { return vals.map(pctLabel); } }),
        scales: { x: { time: false, distr: 3 }, y: { range: rangeWith(lines) } },
        series: [line('latency ms', COLORS[0], { points: { show: false } })],
        axes: [axis('ms')], hlines: lines,
        data: [pts.map(function (p) { return 1 / (1 - p[0] / 100); }), pts.map(function (p) { return p[1]; })],
      };
    },
    hist: function (call) {
      var d = (view().distributions || {})[call];
      if (!d) throw new Error('no distribution for ' + call);
      var b = d.buckets;
      return {
        x: { label: 'latency', value: function (u, v, si, idx) { return idx == null ? 'hover a bar' : fmtNum(v) + ' ms'; } },
        xAxis: axis('latency ms (log scale)', { size: 44 }),
        scales: { x: { time: false, distr: 3 }, y: { range: fromZeroInt } },
        series: [{ label: 'requests', stroke: COLORS[0], fill: 'rgba(9,105,218,0.35)', width: 1,
          paths: uPlot.paths.bars({ size: [0.9, 40], align: 0 }), points: { show: false }, value: legendValue(fmtNum) }],
        axes: [intAxis('requests')],
        data: [b.map(function (x) { return Math.sqrt(x[0] * x[1]) || x[1]; }), b.map(function (x) { return x[2]; })],
      };
    },
    capacity: function () {
      // each second a point: requests/s against the p99 of each call that second
      var calls = {};
      ts().forEach(function (p) { for (var c in p.calls) if (p.calls[c].count > 0) calls[c] = true; });
      var names = Object.keys(calls);
      var order = ts().map(function (p, i) { return i; }).sort(function (a, b) { return ts()[a].requests - ts()[b].requests; });
      var x = order.map(function (i) { return ts()[i].requests; });
      return {
        x: { label: 'requests/s', value: function (u, v, si, idx) { return idx == null ? 'hover a point' : fmtNum(v) + ' req/s'; } },
        xAxis: axis('requests/s (each point one second)', { size: 44 }),
        scales: { x: { time: false, range: fromZero } },
        series: names.map(function (c, i) { return dots(c + ' p99 ms', COLORS[i % COLORS.length]); }),
        axes: [axis('p99 ms')],
        data: [x].concat(names.map(function (c) { return order.map(function (i) {
          var cp = ts()[i].calls[c]; return cp && cp.count > 0 && cp.p99 > 0 ? cp.p99 / 1000 : null; }); })),
      };
    },
  };
  function pctLabel(v) {
    var p = 100 * (1 - 1 / v);
    return (p >= 99 ? String(+p.toFixed(4)) : String(Math.round(p))) + '%';
  }

  function options(width, spec) {
    var sc = { x: { time: false }, y: { range: fromZero } };
    for (var k in spec.scales || {}) sc[k] = spec.scales[k];
    return {
      width: width, height: 260, scales: sc, legend: { live: true },
      series: [spec.x || tSeries()].concat(spec.series),
      axes: [spec.xAxis || xAxis()].concat(spec.axes),
      hooks: { draw: [markerHook(spec.markers, spec.hlines)] },
    };
  }

  function draw(el) {
    var name = el.getAttribute('data-chart');
    var target = el.querySelector('.plot') || el;
    try {
      var parts = name.split(':');
      var build = builders[parts[0]];
      if (!build) throw new Error('unknown chart ' + name);
      var spec = build(parts[1]);
      var old = plots[name];
      if (old && old.series === spec.series.length && old.el === target && document.body.contains(target)) {
        old.plot.setData(spec.data);
      } else {
        if (old) old.plot.destroy();
        target.textContent = '';
        var width = Math.max(260, target.clientWidth || el.clientWidth || 600);
        plots[name] = { plot: new uPlot(options(width, spec), spec.data, target), el: target, series: spec.series.length };
      }
      el.setAttribute('data-points', String(spec.data[0].length));
      el.setAttribute('data-chart-ready', 'true');
      el.removeAttribute('data-chart-error');
    } catch (err) {
      el.setAttribute('data-chart-error', String(err && err.message || err));
      target.textContent = 'This chart could not be drawn: ' + (err && err.message || err);
    }
  }

  function render(data) {
    S = data;
    Array.prototype.forEach.call(document.querySelectorAll('[data-chart]'), draw);
  }
  window.OtaCharts = { render: render, plots: plots };
  var pending = 0;
  window.addEventListener('resize', function () {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () {
      for (var k in plots) plots[k].plot.setSize({ width: Math.max(260, plots[k].el.clientWidth), height: 260 });
    });
  });
  var inline = document.getElementById('summary-data');
  if (inline) render(JSON.parse(inline.textContent));
})();
`;
