/**
 * The console's script, as a string (it runs in the browser, not in Node; served as /console/app.js).
 * Plain ES2017 with no template literals, so it lives in this String.raw. It only calls the management
 * API (`fetch`, JSON bodies with Content-Type: application/json, uploads as application/octet-stream)
 * and builds every node with createElement/textContent: nothing the API returns is parsed as HTML.
 * Views (hash routes): #/ products, #/products/ID devices and packages, #/packages/ID verification
 * and batches, #/batches/ID tasks (polled every 1.5 s while open) and cancel.
 */
import { STEP_TEXT, Step } from '../../ota/codes.ts';

const SOURCE = String.raw`
(function () {
  'use strict';
  var TOKEN_KEY = 'ota-fleet-admin-token';
  var POLL_MS = 1500;
  var DEVICE_LIMIT = 1000;
  var TASK_LIMIT = 1000;
  var meta = document.querySelector('meta[name="ota-fleet-token-required"]');
  var tokenRequired = !!meta && meta.getAttribute('content') === 'true';
  var app = document.getElementById('app');
  var banner = document.getElementById('banner');
  var serverInfo = document.getElementById('server-info');
  var forgetButton = document.getElementById('forget-token');
  var viewSeq = 0;
  var pollTimer = null;

  // ---- DOM helpers: text only, never HTML ----
  function h(tag, attrs) {
    var el = document.createElement(tag);
    var a = attrs || {};
    Object.keys(a).forEach(function (k) {
      var v = a[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'text') el.textContent = String(v);
      else if (k === 'class') el.className = v;
      else if (k.indexOf('on') === 0 && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'value') el.value = v;
      else if (k === 'checked' || k === 'disabled' || k === 'hidden' || k === 'selected') el[k] = !!v;
      else el.setAttribute(k, v === true ? '' : String(v));
    });
    for (var i = 2; i < arguments.length; i++) add(el, arguments[i]);
    return el;
  }
  function add(el, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { add(el, c); }); return; }
    el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }
  function put(el) { clear(el); for (var i = 1; i < arguments.length; i++) add(el, arguments[i]); return el; }
  function when(ms) { return ms == null ? '–' : new Date(ms).toLocaleString(); }
  function bytes(n) {
    var u = ['B', 'KiB', 'MiB', 'GiB'], i = 0, v = n;
    while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return (i === 0 ? String(v) : v.toFixed(1)) + ' ' + u[i];
  }
  function badge(text, cls) { return h('span', { class: 'badge ' + (cls || 's-' + text), 'data-badge': text, text: text }); }
  function link(href, text) { return h('a', { href: href, text: text }); }
  function enc(s) { return encodeURIComponent(s); }
  function showBanner(text) { banner.hidden = !text; banner.textContent = text || ''; }

  // ---- the API ----
  function token() { try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; } }
  function setToken(t) {
    try { if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* private mode */ }
    forgetButton.hidden = !token();
  }
  function ApiProblem(status, code, message) { this.status = status; this.code = code; this.message = message; }
  /** Calls the management API; resolves with the JSON, rejects with an ApiProblem (status 0: unreachable). */
  function api(method, path, body, raw) {
    var headers = { Accept: 'application/json' };
    var t = token();
    if (t) headers.Authorization = 'Bearer ' + t;
    var init = { method: method, headers: headers, cache: 'no-store', credentials: 'omit' };
    if (raw !== undefined) { headers['Content-Type'] = 'application/octet-stream'; init.body = raw; }
    else if (body !== undefined) { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(path, init).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (res.ok) { showBanner(''); return data; }
        var err = data && data.error ? data.error : { code: 'HTTP_' + res.status, message: text.slice(0, 300) };
        if (res.status === 401) { setToken(null); showTokenForm('The server refused the admin token: ' + err.message); }
        throw new ApiProblem(res.status, err.code, err.message);
      });
    }, function (e) {
      showBanner('The server does not answer (' + (e && e.message ? e.message : 'network error') + '); retrying.');
      throw new ApiProblem(0, 'UNREACHABLE', 'the server does not answer');
    });
  }

  // ---- form errors: the API's 400 problems next to their fields ----
  var PREFIX = /^(package|batch|upload query|verification|cancel|device|product|devices): /;
  /** fields: { apiPath: { error: element, field: element } }; general: element for the rest. */
  function showProblems(fields, general, err) {
    clearProblems(fields, general);
    var msg = String(err.message || '');
    var parts = err.status === 400 ? msg.replace(PREFIX, '').split('; ') : [msg];
    parts.forEach(function (part) {
      var m = /^([A-Za-z][\w.]*): ([\s\S]*)$/.exec(part);
      var target = m ? fields[m[1]] || fields[m[1].split('.')[0]] : undefined;
      var text = m && target ? m[2] : part;
      if (!target) {
        Object.keys(fields).forEach(function (k) {
          if (!target && new RegExp('\\b' + k.replace('.', '\\.') + '\\b').test(part)) target = fields[k];
        });
      }
      if (target) {
        target.field.classList.add('invalid');
        target.error.textContent = (target.error.textContent ? target.error.textContent + '; ' : '') + text;
      } else {
        general.textContent = (general.textContent ? general.textContent + '; ' : '') +
          (err.status === 400 ? '' : err.code + ': ') + part;
      }
    });
  }
  function clearProblems(fields, general) {
    Object.keys(fields).forEach(function (k) { fields[k].error.textContent = ''; fields[k].field.classList.remove('invalid'); });
    general.textContent = '';
  }
  /** A labelled field: returns { field, input, error }. */
  function field(id, label, input, hint) {
    input.id = id;
    var error = h('span', { class: 'error', id: id + '-error', 'data-error-for': id });
    var f = h('div', { class: 'field' }, h('label', { for: id, text: label }), input,
      hint ? h('span', { class: 'hint', text: hint }) : null, error);
    return { field: f, input: input, error: error };
  }
  function text(value, attrs) { var a = attrs || {}; a.type = 'text'; a.value = value || ''; a.autocomplete = 'off'; return h('input', a); }
  function num(value, attrs) { var a = attrs || {}; a.type = 'number'; a.value = value === undefined ? '' : String(value); return h('input', a); }
  function select(options, value) {
    return h('select', {}, options.map(function (o) {
      return h('option', { value: o[0], text: o[1], selected: o[0] === value });
    }));
  }
  function radio(name, value, label, checked) {
    var input = h('input', { type: 'radio', name: name, value: value, checked: checked, id: name + '-' + value });
    return { label: h('label', { class: 'choice', for: name + '-' + value }, input, ' ' + label), input: input };
  }
  /** A number from an input, or the text itself (so the API names what is wrong), or undefined. */
  function numberOf(input) {
    var v = input.value.trim();
    if (v === '') return undefined;
    return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  }
  function optional(obj, key, value) { if (value !== undefined && value !== '') obj[key] = value; }

  // ---- token ----
  function showTokenForm(message) {
    stopPolling();
    viewSeq++;
    var input = h('input', { type: 'password', id: 'token', autocomplete: 'off', spellcheck: 'false' });
    var error = h('span', { class: 'error', id: 'token-error', text: message || '' });
    var form = h('form', { class: 'box', id: 'token-form', novalidate: true, onsubmit: function (ev) {
      ev.preventDefault();
      var t = input.value.trim();
      if (!t) { error.textContent = 'Enter the admin token.'; return; }
      setToken(t);
      api('GET', '/api/health').then(function () { route(); }, function (err) {
        if (err.status !== 401) error.textContent = err.code + ': ' + err.message;
      });
    } },
      h('div', { class: 'field' }, h('label', { for: 'token', text: 'Admin token' }), input,
        h('span', { class: 'hint', text: 'ota-fleet serve prints it at start ("admin token: …"). It is kept in this tab\'s session storage only.' }),
        error),
      h('button', { type: 'submit', class: 'primary', text: 'Use token' }));
    put(app, h('h1', { text: 'Sign in to the management API' }), form);
    input.focus();
  }

  // ---- routing and polling ----
  function stopPolling() { if (pollTimer !== null) { clearTimeout(pollTimer); pollTimer = null; } }
  /** Runs refresh now and then every POLL_MS while this view is the current one. */
  function poll(seq, refresh) {
    function loop() {
      if (seq !== viewSeq) return;
      refresh().then(next, next);
    }
    function next() { if (seq === viewSeq) pollTimer = setTimeout(loop, POLL_MS); }
    loop();
  }
  function route() {
    stopPolling();
    var seq = ++viewSeq;
    if (tokenRequired && !token()) { showTokenForm(); return; }
    var parts = location.hash.replace(/^#\/?/, '').split('/').map(function (p) {
      try { return decodeURIComponent(p); } catch (e) { return p; }
    });
    refreshServerInfo();
    if (parts[0] === 'products' && parts[1]) viewProduct(seq, parts[1]);
    else if (parts[0] === 'packages' && parts[1]) viewPackage(seq, parts[1]);
    else if (parts[0] === 'batches' && parts[1]) viewBatch(seq, parts[1]);
    else viewProducts(seq);
  }
  function refreshServerInfo() {
    api('GET', '/api/health').then(function (hl) {
      serverInfo.textContent = hl.dialect + ' dialect · ' + hl.products + ' products · ' + hl.devices +
        ' devices · ' + hl.liveTasks + ' live tasks';
    }, function () { serverInfo.textContent = ''; });
  }
  function failed(container) {
    return function (err) { put(container, h('p', { class: 'error', text: err.code + ': ' + err.message })); };
  }
  function crumbs() { return h('p', { class: 'crumbs' }, Array.prototype.slice.call(arguments)); }
  function tableOf(headers, rows, attrs) {
    return h('div', { class: 'table-wrap' }, h('table', attrs || {},
      h('thead', {}, h('tr', {}, headers.map(function (c) {
        return typeof c === 'string' ? h('th', { text: c }) : h('th', { class: c[1], text: c[0] });
      }))),
      h('tbody', {}, rows)));
  }

  // ---- products ----
  function viewProducts(seq) {
    var list = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
    put(app, h('h1', { text: 'Products' }), list);
    api('GET', '/api/products').then(function (products) {
      if (seq !== viewSeq) return;
      if (products.length === 0) { put(list, h('p', { class: 'muted', text: 'No products yet (ota-fleet serve --seed-demo creates product "demo").' })); return; }
      put(list, tableOf(['Product', 'Name', ['Devices', 'num'], 'Created'], products.map(function (p) {
        return h('tr', { 'data-product': p.id },
          h('td', {}, link('#/products/' + enc(p.id), p.id)), h('td', { text: p.name }),
          h('td', { class: 'num', text: p.devices }), h('td', { text: when(p.createdAt) }));
      })));
    }, failed(list));
  }

  // ---- one product: devices (versions, filter) and packages (list, add) ----
  function viewProduct(seq, pid) {
    var moduleSel = select([['fVersion', 'f_version (FOTA)'], ['sVersion', 's_version (SOTA)']], 'fVersion');
    moduleSel.id = 'device-module';
    var versionSel = h('select', { id: 'device-version' }, h('option', { value: '*', text: 'all versions' }));
    var devInfo = h('span', { class: 'muted', id: 'device-count' });
    var devBox = h('div', {});
    var summary = h('p', { class: 'muted', id: 'version-summary' });
    var pkgBox = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
    var devices = [];
    var total = 0;
    function drawDevices() {
      var key = moduleSel.value;
      var keep = versionSel.value;
      var seen = {};
      var never = 0;
      devices.forEach(function (d) { if (d[key] !== null) seen[d[key]] = (seen[d[key]] || 0) + 1; else never++; });
      var versions = Object.keys(seen).sort();
      summary.textContent = 'Reported: ' + versions.map(function (v) { return v + ' × ' + seen[v]; })
        .concat(never ? ['never reported × ' + never] : []).join(', ');
      put(versionSel, h('option', { value: '*', text: 'all versions' }),
        versions.map(function (v) { return h('option', { value: 'v:' + v, text: v }); }),
        h('option', { value: 'none', text: '(never reported)' }));
      versionSel.value = keep;
      if (versionSel.value !== keep) versionSel.value = '*';
      var want = versionSel.value;
      var shown = devices.filter(function (d) {
        return want === '*' || (want === 'none' ? d[key] === null : d[key] === want.slice(2));
      });
      devInfo.textContent = shown.length + ' shown of ' + total + ' devices' +
        (total > devices.length ? ' (the first ' + devices.length + ' loaded)' : '');
      put(devBox, tableOf(['Device', 'f_version', 's_version', ['Created', 'hide-narrow']], shown.map(function (d) {
        return h('tr', { 'data-device': d.name },
          h('td', { text: d.name }), h('td', { text: d.fVersion === null ? '–' : d.fVersion }),
          h('td', { text: d.sVersion === null ? '–' : d.sVersion }), h('td', { class: 'hide-narrow', text: when(d.createdAt) }));
      }), { id: 'devices' }));
    }
    moduleSel.addEventListener('change', drawDevices);
    versionSel.addEventListener('change', drawDevices);
    put(app, crumbs(link('#/', 'Products'), ' / ', pid), h('h1', { text: 'Product ' + pid }),
      pid === 'demo' ? demoReset() : null,
      h('h2', { text: 'Packages' }), pkgBox, packageForm(pid),
      h('h2', { text: 'Devices' }),
      h('div', { class: 'row' }, h('label', { for: 'device-module', text: 'Version of' }), moduleSel,
        h('label', { for: 'device-version', text: 'is' }), versionSel, devInfo),
      summary, devBox);
    poll(seq, function () {
      return Promise.all([
        api('GET', '/api/products/' + enc(pid) + '/devices?limit=' + DEVICE_LIMIT).then(function (r) {
          if (seq !== viewSeq) return;
          devices = r.devices; total = r.total; drawDevices();
        }, failed(devBox)),
        api('GET', '/api/products/' + enc(pid) + '/packages').then(function (pkgs) {
          if (seq !== viewSeq) return;
          drawPackages(pkgBox, pkgs);
        }, failed(pkgBox)),
      ]);
    });
  }
  /** The demo product's reset (POST /api/demo/reset), so a rehearsal can run again. */
  function demoReset() {
    var notice = h('span', { class: 'notice', id: 'demo-reset-notice' });
    var error = h('span', { class: 'error', id: 'demo-reset-error' });
    return h('div', { class: 'box row' },
      h('span', { text: 'The demo fleet: 100 devices dev-001..dev-100 that start at V1.0.' }),
      h('button', { type: 'button', id: 'demo-reset', text: 'Reset the demo fleet', onclick: function () {
        notice.textContent = ''; error.textContent = '';
        api('POST', '/api/demo/reset', {}).then(function (r) {
          notice.textContent = 'Reset: ' + r.batches + ' batches and ' + r.tasks + ' tasks removed, ' +
            r.devices + ' devices back at V1.0.';
        }, function (err) { error.textContent = err.code + ': ' + err.message; });
      } }), notice, error);
  }
  function verifiedMark(p) {
    return p.verified ? badge('verified', 'ok') : badge('not verified', 'no');
  }
  function drawPackages(box, pkgs) {
    if (pkgs.length === 0) { put(box, h('p', { class: 'muted', text: 'No packages yet: add one below.' })); return; }
    put(box, tableOf(['ID', 'Name', 'Module', 'Type', 'Target', ['From', 'hide-narrow'], ['Size', 'num'], 'Verification', ['Description', 'hide-narrow']],
      pkgs.map(function (p) {
        return h('tr', { 'data-package': p.id, 'data-package-name': p.name },
          h('td', {}, link('#/packages/' + p.id, String(p.id))), h('td', {}, link('#/packages/' + p.id, p.name)),
          h('td', { text: p.module }), h('td', { text: p.type }), h('td', { text: p.targetVersion }),
          h('td', { class: 'hide-narrow', text: p.fromVersion === null ? '–' : p.fromVersion }),
          h('td', { class: 'num', text: bytes(p.size) }), h('td', {}, verifiedMark(p)),
          h('td', { class: 'hide-narrow', text: p.description }));
      }), { id: 'packages' }));
  }

  var VERSION_HINT = '1–20 characters of A–Z a–z 0–9 . _ -';
  function packageForm(pid) {
    var f = {
      name: field('pkg-name', 'Name', text(''), '1–20 CJK characters, letters, digits or _ - . ( )'),
      module: field('pkg-module', 'Module', select([['fota', 'FOTA (module firmware)'], ['sota', 'SOTA (MCU software)']], 'fota')),
      type: field('pkg-type', 'Type', select([['full', 'full'], ['diff', 'differential']], 'full')),
      targetVersion: field('pkg-target', 'Target version', text(''), VERSION_HINT),
      fromVersion: field('pkg-from', 'From version (differential packages only)', text(''), VERSION_HINT),
      description: field('pkg-description', 'Description', h('textarea', { rows: 2 }), 'at most 100 characters'),
      fileName: field('pkg-file-name', 'File name', text(''), '.bin, .zip or .rar; default: the uploaded file\'s name, or NAME.bin'),
      size: field('pkg-size', 'Synthetic size (bytes)', num(262144, { min: 1 }), '1 byte to 30 MiB of generated content'),
      file: field('pkg-file', 'File', h('input', { type: 'file' }), 'uploaded as it is, up to 30 MiB'),
    };
    var synth = radio('pkg-source', 'synthetic', 'a synthetic package of a given size', true);
    var upload = radio('pkg-source', 'file', 'a file from this computer', false);
    var general = h('p', { class: 'error', id: 'pkg-error' });
    var notice = h('p', { class: 'notice', id: 'pkg-notice' });
    var button = h('button', { type: 'submit', class: 'primary', id: 'pkg-submit', text: 'Add package' });
    var problems = {
      name: f.name, module: f.module, type: f.type, targetVersion: f.targetVersion, fromVersion: f.fromVersion,
      description: f.description, fileName: f.fileName, synthetic: f.size, size: f.size, contentBase64: f.file, content: f.file,
    };
    function sourceChanged() {
      f.size.field.hidden = !synth.input.checked;
      f.file.field.hidden = synth.input.checked;
    }
    synth.input.addEventListener('change', sourceChanged);
    upload.input.addEventListener('change', sourceChanged);
    sourceChanged();
    var form = h('form', { class: 'box', id: 'package-form', novalidate: true, onsubmit: function (ev) {
      ev.preventDefault();
      clearProblems(problems, general);
      notice.textContent = '';
      var fields = { name: f.name.input.value.trim(), module: f.module.input.value, type: f.type.input.value,
        targetVersion: f.targetVersion.input.value.trim() };
      optional(fields, 'fromVersion', f.fromVersion.input.value.trim());
      optional(fields, 'description', f.description.input.value);
      optional(fields, 'fileName', f.fileName.input.value.trim());
      var call;
      if (synth.input.checked) {
        fields.synthetic = { size: numberOf(f.size.input) };
        call = api('POST', '/api/products/' + enc(pid) + '/packages', fields);
      } else {
        var file = f.file.input.files && f.file.input.files[0];
        if (!file) { f.file.error.textContent = 'Choose a file.'; f.file.field.classList.add('invalid'); return; }
        if (!fields.fileName) fields.fileName = file.name;
        var q = new URLSearchParams();
        Object.keys(fields).forEach(function (k) { q.set(k, fields[k]); });
        call = api('POST', '/api/products/' + enc(pid) + '/packages/upload?' + q.toString(), undefined, file);
      }
      button.disabled = true;
      call.then(function (p) {
        button.disabled = false;
        location.hash = '#/packages/' + p.id;
      }, function (err) { button.disabled = false; showProblems(problems, general, err); });
    } },
      h('h3', { text: 'Add a package' }),
      f.name.field, f.module.field, f.type.field, f.targetVersion.field, f.fromVersion.field, f.description.field,
      h('div', { class: 'field' }, h('span', { class: 'label', text: 'Content' }), synth.label, upload.label),
      f.size.field, f.file.field, f.fileName.field, general, notice, button);
    return form;
  }

  // ---- one package: details, verification, batches (list, create) ----
  function viewPackage(seq, id) {
    var head = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
    var verifyBox = h('div', {});
    var batchBox = h('div', {});
    var formBox = h('div', {});
    var crumbBox = crumbs(link('#/', 'Products'));
    put(app, crumbBox, head, h('h2', { text: 'Verification' }), verifyBox,
      h('h2', { text: 'Batches of this package' }), batchBox, formBox);
    var pkg = null;
    var verifyKey = null;
    poll(seq, function () {
      return Promise.all([
        api('GET', '/api/packages/' + enc(id)).then(function (p) {
          if (seq !== viewSeq) return;
          var first = pkg === null;
          pkg = p;
          put(crumbBox, link('#/', 'Products'), ' / ', link('#/products/' + enc(p.productId), p.productId), ' / ', p.name);
          put(head, h('h1', {}, 'Package ' + p.id + ': ' + p.name + ' ', verifiedMark(p)),
            h('p', { class: 'muted', text: p.module.toUpperCase() + ' · ' + p.type + ' · → ' + p.targetVersion +
              (p.fromVersion ? ' (from ' + p.fromVersion + ')' : '') + ' · ' + bytes(p.size) + ' · ' + p.fileName +
              ' · md5 ' + p.md5 + (p.synthetic ? ' · synthetic' : '') }),
            p.description ? h('p', { text: p.description }) : null);
          var key = String(p.verified);
          if (key !== verifyKey) {
            verifyKey = key;
            put(verifyBox, verificationPanel(p));
            var skipBox = document.getElementById('batch-skip-verification');
            if (skipBox) skipBox.checked = !p.verified;
          }
          if (first) put(formBox, batchForm(p));
        }, failed(head)),
        api('GET', '/api/packages/' + enc(id) + '/batches').then(function (bs) {
          if (seq !== viewSeq) return;
          drawBatches(batchBox, bs);
        }, failed(batchBox)),
      ]);
    });
  }
  function verificationPanel(p) {
    if (p.verified) return h('p', { id: 'verified' }, badge('verified', 'ok'), ' Batches of this package can start.');
    var dev = field('verify-device', 'Test device', text(''), 'a device of product ' + p.productId + ' that will take the upgrade');
    var timeout = field('verify-timeout', 'Timeout (seconds)', num(600, { min: 1 }));
    var general = h('p', { class: 'error', id: 'verify-error' });
    var notice = h('p', { class: 'notice', id: 'verify-notice' });
    var problems = { device: dev, timeoutSec: timeout };
    function send(body) {
      clearProblems(problems, general);
      return api('POST', '/api/packages/' + p.id + '/verification', body).then(function (r) {
        if (r.batch) put(notice, 'Verification upgrade started: ', link('#/batches/' + r.batch.id, 'batch ' + r.batch.id),
          '. The package is marked verified when the device reports success.');
        else notice.textContent = 'Verification skipped.';
      }, function (err) { showProblems(problems, general, err); });
    }
    return h('form', { class: 'box', id: 'verify-form', novalidate: true, onsubmit: function (ev) {
      ev.preventDefault();
      var body = { device: dev.input.value.trim() };
      optional(body, 'timeoutSec', numberOf(timeout.input));
      send(body);
    } },
      h('p', {}, badge('not verified', 'no'), ' Upgrade one test device with it, or skip the verification.'),
      dev.field, timeout.field, general, notice,
      h('div', { class: 'row' },
        h('button', { type: 'submit', class: 'primary', id: 'verify-start', text: 'Start verification upgrade' }),
        h('button', { type: 'button', id: 'verify-skip', text: 'Skip verification', onclick: function () { send({ skip: true }); } })));
  }
  var COUNT_KEYS = ['pending', 'downloading', 'upgrading', 'succeeded', 'failed', 'cancelled'];
  function drawBatches(box, bs) {
    if (bs.length === 0) { put(box, h('p', { class: 'muted', text: 'No batches yet.' })); return; }
    put(box, tableOf(['ID', 'Name', 'Kind', 'Status', 'Devices', ['Targeted', 'num']].concat(COUNT_KEYS.map(function (k) { return [k, 'num hide-narrow']; })).concat(['Start']),
      bs.map(function (b) {
        return h('tr', { 'data-batch': b.id, 'data-status': b.status },
          h('td', {}, link('#/batches/' + b.id, String(b.id))), h('td', {}, link('#/batches/' + b.id, b.name)),
          h('td', { text: b.kind }), h('td', {}, badge(b.status)),
          h('td', { text: (b.fromVersion === null ? 'never reported' : 'from ' + b.fromVersion) + (b.devices ? ' · ' + b.devices.length + ' listed' : ' · all') }),
          h('td', { class: 'num', text: b.targeted }),
          COUNT_KEYS.map(function (k) { return h('td', { class: 'num hide-narrow', text: b.counts[k] }); }),
          h('td', { text: when(b.startAt) }));
      }), { id: 'batches' }));
  }
  function batchForm(p) {
    var f = {
      name: field('batch-name', 'Name (optional)', text('')),
      fromVersion: field('batch-from', 'From version', text(p.fromVersion || ''), VERSION_HINT),
      devices: field('batch-devices', 'Device names', h('textarea', { rows: 3, placeholder: 'dev-001, dev-002' }), 'separated by commas, spaces or lines'),
      startAt: field('batch-start-at', 'Start at', h('input', { type: 'datetime-local', step: '1' }), 'your local time'),
      timeoutSec: field('batch-timeout', 'Device upgrade timeout (seconds)', num(600, { min: 1 })),
      retryCount: field('batch-retry-count', 'Retries per device', num(0, { min: 0, max: 10 }), '0–10'),
      retryInterval: field('batch-retry-interval', 'Retry interval (seconds)', num(60, { min: 0 })),
      notifyUrl: field('batch-notify', 'Notification URL (optional)', text(''), 'the server POSTs task changes here (http or https)'),
    };
    var skip = h('input', { type: 'checkbox', id: 'batch-skip-verification', checked: !p.verified });
    var skipError = h('span', { class: 'error', id: 'batch-skip-verification-error' });
    var skipField = h('div', { class: 'field' }, h('label', { class: 'choice', for: 'batch-skip-verification' }, skip, ' Skip verification (needed while the package is not verified)'), skipError);
    var byVersion = radio('batch-target', 'version', 'devices at the from version', true);
    var never = radio('batch-target', 'never', 'devices that never reported a version', false);
    var all = radio('batch-scope', 'all', 'all such devices', true);
    var list = radio('batch-scope', 'list', 'only the listed devices', false);
    var now = radio('batch-when', 'now', 'immediately', true);
    var later = radio('batch-when', 'later', 'at a scheduled time', false);
    var general = h('p', { class: 'error', id: 'batch-error' });
    var button = h('button', { type: 'submit', class: 'primary', id: 'batch-submit', text: 'Create batch' });
    var problems = { name: f.name, fromVersion: f.fromVersion, devices: f.devices, startAt: f.startAt, timeoutSec: f.timeoutSec,
      'retry.count': f.retryCount, 'retry.intervalSec': f.retryInterval, retry: f.retryCount, notifyUrl: f.notifyUrl,
      skipVerification: { field: skipField, error: skipError } };
    function sync() {
      f.fromVersion.field.hidden = !byVersion.input.checked;
      f.devices.field.hidden = !list.input.checked;
      f.startAt.field.hidden = !later.input.checked;
    }
    [byVersion, never, all, list, now, later].forEach(function (r) { r.input.addEventListener('change', sync); });
    sync();
    return h('form', { class: 'box', id: 'batch-form', novalidate: true, onsubmit: function (ev) {
      ev.preventDefault();
      clearProblems(problems, general);
      var body = { fromVersion: byVersion.input.checked ? f.fromVersion.input.value.trim() : null };
      optional(body, 'name', f.name.input.value.trim());
      if (list.input.checked) body.devices = f.devices.input.value.split(/[\s,;]+/).filter(Boolean);
      if (later.input.checked) {
        var t = new Date(f.startAt.input.value).getTime();
        if (!isFinite(t)) { f.startAt.error.textContent = 'Choose a date and time.'; f.startAt.field.classList.add('invalid'); return; }
        body.startAt = t;
      }
      optional(body, 'timeoutSec', numberOf(f.timeoutSec.input));
      var count = numberOf(f.retryCount.input);
      var interval = numberOf(f.retryInterval.input);
      if (count !== undefined && count !== 0) body.retry = { count: count, intervalSec: interval === undefined ? 0 : interval };
      optional(body, 'notifyUrl', f.notifyUrl.input.value.trim());
      if (skip.checked) body.skipVerification = true;
      button.disabled = true;
      api('POST', '/api/packages/' + p.id + '/batches', body).then(function (b) {
        button.disabled = false;
        location.hash = '#/batches/' + b.id;
      }, function (err) { button.disabled = false; showProblems(problems, general, err); });
    } },
      h('h3', { text: 'Create a batch' }), f.name.field,
      h('div', { class: 'field' }, h('span', { class: 'label', text: 'Which devices' }), byVersion.label, never.label), f.fromVersion.field,
      h('div', { class: 'field' }, all.label, list.label), f.devices.field,
      h('div', { class: 'field' }, h('span', { class: 'label', text: 'When' }), now.label, later.label), f.startAt.field,
      f.timeoutSec.field, f.retryCount.field, f.retryInterval.field, f.notifyUrl.field, skipField, general, button);
  }

  // ---- one batch: its tasks, live; cancel the batch or one device's task ----
  var STEP_TEXT = __STEP_TEXT__;
  var DOWNLOAD_COMPLETE = __DOWNLOAD_COMPLETE__;
  function progressOf(t) {
    if (t.step === null) return '–';
    if (t.step >= 0 && t.step <= DOWNLOAD_COMPLETE) return [h('progress', { max: DOWNLOAD_COMPLETE, value: t.step }), ' ' + t.step + '%'];
    return (STEP_TEXT[t.step] || 'step') + ' (' + t.step + ')';
  }
  var LIVE = ['pending', 'downloading', 'upgrading'];
  function isLive(t) { return LIVE.indexOf(t.status) >= 0 || t.retryAt !== null; }
  function viewBatch(seq, id) {
    var crumbBox = crumbs(link('#/', 'Products'));
    var head = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
    var cards = h('div', { class: 'cards', id: 'batch-counts' });
    var actionError = h('p', { class: 'error', id: 'cancel-error' });
    var notice = h('p', { class: 'notice', id: 'cancel-notice' });
    var cancelAll = h('button', { type: 'button', class: 'danger', id: 'cancel-batch', text: 'Cancel batch' });
    var cancelScheduled = h('button', { type: 'button', class: 'danger', id: 'cancel-scheduled', text: 'Cancel if still scheduled' });
    var statusSel = select([['', 'all statuses']].concat(COUNT_KEYS.map(function (k) { return [k, k]; })), '');
    statusSel.id = 'task-status';
    var deviceFilter = text('', { id: 'task-device', placeholder: 'device name' });
    var taskInfo = h('span', { class: 'muted', id: 'task-count' });
    var updated = h('span', { class: 'muted', id: 'updated' });
    var taskBox = h('div', {});
    put(app, crumbBox, head, cards, h('div', { class: 'row' }, cancelAll, cancelScheduled, updated), actionError, notice,
      h('h2', { text: 'Device tasks' }),
      h('div', { class: 'row' }, h('label', { for: 'task-status', text: 'Status' }), statusSel,
        h('label', { for: 'task-device', text: 'Device' }), deviceFilter, taskInfo),
      taskBox);
    function cancel(scope) {
      actionError.textContent = ''; notice.textContent = '';
      api('POST', '/api/batches/' + enc(id) + '/cancel', { scope: scope }).then(function (b) {
        notice.textContent = 'Batch ' + b.id + ' cancelled.';
        refresh();
      }, function (err) { actionError.textContent = err.code + ': ' + err.message; });
    }
    cancelAll.addEventListener('click', function () { cancel('all'); });
    cancelScheduled.addEventListener('click', function () { cancel('scheduled'); });
    function cancelTask(t) {
      actionError.textContent = ''; notice.textContent = '';
      api('POST', '/api/tasks/' + t.tid + '/cancel', {}).then(function (r) {
        notice.textContent = 'Task of ' + r.device + ' cancelled.';
        refresh();
      }, function (err) { actionError.textContent = err.code + ': ' + err.message; });
    }
    function drawBatch(b) {
      put(crumbBox, link('#/', 'Products'), ' / ', link('#/products/' + enc(b.productId), b.productId), ' / ',
        link('#/packages/' + b.packageId, 'package ' + b.packageId), ' / batch ' + b.id);
      put(head, h('h1', {}, 'Batch ' + b.id + ': ' + b.name + ' ', h('span', { id: 'batch-status' }, badge(b.status))),
        h('p', { class: 'muted', text: (b.kind === 'verification' ? 'verification · ' : '') +
          (b.fromVersion === null ? 'devices that never reported' : 'devices at ' + b.fromVersion) +
          (b.devices ? ' · listed: ' + b.devices.join(', ') : ' · all of them') +
          ' · start ' + when(b.startAt) + ' · timeout ' + b.timeoutSec + ' s · retry ' + b.retry.count + ' × ' +
          b.retry.intervalSec + ' s' + (b.notifyUrl ? ' · notify ' + b.notifyUrl : '') +
          ' · ' + b.targeted + ' targeted, ' + b.skipped + ' skipped' +
          (b.finishedAt ? ' · finished ' + when(b.finishedAt) : '') }));
      put(cards, COUNT_KEYS.map(function (k) {
        return h('div', { class: 'card', 'data-count': k }, h('b', { text: b.counts[k] }), k);
      }));
      var open = b.status === 'scheduled' || b.status === 'running';
      cancelAll.disabled = !open;
      cancelScheduled.disabled = b.status !== 'scheduled';
    }
    function drawTasks(r) {
      taskInfo.textContent = r.tasks.length + ' shown of ' + r.total;
      put(taskBox, tableOf(['Device', 'Status', 'Progress', ['Attempts', 'num hide-narrow'], ['Reason', 'hide-narrow'], ['Updated', 'hide-narrow'], ''],
        r.tasks.map(function (t) {
          return h('tr', { 'data-tid': t.tid, 'data-device': t.device, 'data-status': t.status },
            h('td', { text: t.device }), h('td', { class: 'status' }, badge(t.status)), h('td', { class: 'progress' }, progressOf(t)),
            h('td', { class: 'num hide-narrow', text: t.attempts }), h('td', { class: 'hide-narrow', text: t.reason || '' }),
            h('td', { class: 'hide-narrow', text: when(t.updatedAt) }),
            h('td', {}, isLive(t) ? h('button', { type: 'button', class: 'danger', 'data-cancel-task': t.tid, text: 'Cancel',
              title: 'Cancel the task of ' + t.device, onclick: function () { cancelTask(t); } }) : null));
        }), { id: 'tasks' }));
    }
    function refresh() {
      var q = 'limit=' + TASK_LIMIT + (statusSel.value ? '&status=' + enc(statusSel.value) : '') +
        (deviceFilter.value.trim() ? '&device=' + enc(deviceFilter.value.trim()) : '');
      return Promise.all([
        api('GET', '/api/batches/' + enc(id)).then(function (b) { if (seq === viewSeq) drawBatch(b); }, failed(head)),
        api('GET', '/api/batches/' + enc(id) + '/tasks?' + q).then(function (r) {
          if (seq !== viewSeq) return;
          drawTasks(r);
          updated.textContent = 'updated ' + new Date().toLocaleTimeString();
        }, failed(taskBox)),
      ]);
    }
    statusSel.addEventListener('change', refresh);
    deviceFilter.addEventListener('change', refresh);
    poll(seq, refresh);
  }

  forgetButton.addEventListener('click', function () { setToken(null); showTokenForm(); });
  forgetButton.hidden = !token();
  window.addEventListener('hashchange', route);
  route();
})();
`;

/** The script, with the protocol's step meanings (src/ota/codes.ts) filled in. */
export const CONSOLE_JS = SOURCE.replace('__STEP_TEXT__', JSON.stringify(STEP_TEXT)).replace(
  '__DOWNLOAD_COMPLETE__',
  String(Step.DOWNLOAD_COMPLETE),
);
