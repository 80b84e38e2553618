// The try-it page: connect to a WebSocket server, send text, JSON or bytes, and read the log.
// Plain browser JavaScript with no dependencies, so that the page works offline.

const $ = (id) => document.getElementById(id);

const ui = {
  status: $('status'),
  statusText: $('status-text'),
  statusDetail: $('status-detail'),
  connectForm: $('connect-form'),
  url: $('url'),
  protocols: $('protocols'),
  connect: $('connect'),
  closeForm: $('close-form'),
  closeCode: $('close-code'),
  closeReason: $('close-reason'),
  disconnect: $('disconnect'),
  connectError: $('connect-error'),
  encoding: $('encoding'),
  message: $('message'),
  messageInfo: $('message-info'),
  pretty: $('pretty'),
  send: $('send'),
  history: $('history'),
  historyEmpty: $('history-empty'),
  clearHistory: $('clear-history'),
  filter: $('filter'),
  log: $('log'),
  logCount: $('log-count'),
  clearLog: $('clear-log'),
};

/** The socket of the current connection, or null before the first one. */
let socket = null;

// ---------------------------------------------------------------------------------------------
// Bytes: UTF-8 length, hex and base64

const encoder = new TextEncoder();

function utf8Length(text) {
  return encoder.encode(text).length;
}

/** `48 65 6c 6c 6f`: two digits a byte, separated by spaces. */
function toHex(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    out += (i === 0 ? '' : ' ') + bytes[i].toString(16).padStart(2, '0');
  }
  return out;
}

/** Hex digits in pairs; any whitespace is ignored. Returns { bytes } or { error }. */
function parseHex(text) {
  const digits = text.replace(/\s+/g, '');
  const bad = digits.search(/[^0-9a-fA-F]/);
  if (bad !== -1) return { error: `"${digits[bad]}" is not a hex digit` };
  if (digits.length % 2 !== 0) return { error: 'Odd number of hex digits' };
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = Number.parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  }
  return { bytes };
}

/** Standard or URL-safe base64, padding optional, whitespace ignored. */
function parseBase64(text) {
  let b64 = text.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  b64 = b64.replace(/=+$/, '');
  if (/[^A-Za-z0-9+/]/.test(b64)) return { error: 'Not base64' };
  if (b64.length % 4 === 1) return { error: 'Base64 is one character too long or too short' };
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return { bytes };
}

function toBase64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}

function plural(n, one, many = `${one}s`) {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

// ---------------------------------------------------------------------------------------------
// Composer: Text | JSON | Binary (hex or base64)

function composerMode() {
  return document.querySelector('input[name="mode"]:checked').value;
}

function binaryEncoding() {
  return document.querySelector('input[name="encoding"]:checked').value;
}

/**
 * What the composer would send: { payload, size } when valid, { error } when not.
 * Text is always valid; JSON must parse; binary must decode.
 */
function readComposer() {
  const text = ui.message.value;
  switch (composerMode()) {
    case 'json': {
      if (text.trim() === '') return { error: 'Empty: type a JSON value' };
      try {
        JSON.parse(text);
      } catch (err) {
        return { error: `Invalid JSON: ${err.message}` };
      }
      return { payload: text, size: utf8Length(text) };
    }
    case 'binary': {
      const parsed = binaryEncoding() === 'hex' ? parseHex(text) : parseBase64(text);
      if (parsed.error) return { error: parsed.error };
      return { payload: parsed.bytes, size: parsed.bytes.length };
    }
    default:
      return { payload: text, size: utf8Length(text) };
  }
}

/** Re-validates the composer and updates its info line and buttons. */
function updateComposer() {
  const mode = composerMode();
  const state = readComposer();
  ui.encoding.hidden = mode !== 'binary';
  ui.pretty.hidden = mode !== 'json';
  ui.pretty.disabled = state.error !== undefined;
  ui.message.setAttribute('aria-invalid', String(state.error !== undefined));
  ui.messageInfo.classList.toggle('error', state.error !== undefined);
  const idle = isOpen() ? '' : ' · not connected';
  ui.messageInfo.textContent = state.error ?? `${plural(state.size, 'byte')}${idle}`;
  ui.send.disabled = state.error !== undefined || !isOpen();
  return state;
}

function prettyJson() {
  try {
    ui.message.value = JSON.stringify(JSON.parse(ui.message.value), null, 2);
  } catch {
    return; // the button is disabled while the JSON is invalid
  }
  updateComposer();
}

/** The encoding the composer's bytes are written in, until the radio changes it. */
let shownEncoding = 'hex';

/** Switching hex ⇄ base64 converts the bytes already typed, when they decode. */
function onEncodingChange() {
  const from = shownEncoding;
  shownEncoding = binaryEncoding();
  const parsed = from === 'hex' ? parseHex(ui.message.value) : parseBase64(ui.message.value);
  if (parsed.error || ui.message.value.trim() === '') return;
  ui.message.value = shownEncoding === 'hex' ? toHex(parsed.bytes) : toBase64(parsed.bytes);
}

function setComposer(mode, encoding, text) {
  document.getElementById(`mode-${mode}`).checked = true;
  if (encoding) {
    document.getElementById(`enc-${encoding}`).checked = true;
    shownEncoding = encoding;
  }
  ui.message.value = text;
  updateComposer();
}

function send() {
  const state = updateComposer();
  if (state.error !== undefined || !isOpen()) return;
  const mode = composerMode();
  socket.send(state.payload);
  addLogEntry({
    dir: 'sent',
    type: mode,
    size: state.size,
    ...(mode === 'binary' ? { bytes: state.payload } : { text: state.payload }),
  });
  remember({
    mode,
    encoding: mode === 'binary' ? binaryEncoding() : undefined,
    data: ui.message.value,
  });
}

// ---------------------------------------------------------------------------------------------
// Connection

const STATES = ['connecting', 'open', 'closing', 'closed'];

/** Close codes with a name (RFC 6455 §7.4.1 and the IANA registry). */
const CLOSE_CODES = {
  1000: 'normal closure',
  1001: 'going away',
  1002: 'protocol error',
  1003: 'unsupported data',
  1005: 'no status received',
  1006: 'abnormal closure',
  1007: 'invalid payload data',
  1008: 'policy violation',
  1009: 'message too big',
  1010: 'mandatory extension',
  1011: 'internal error',
  1012: 'service restart',
  1013: 'try again later',
  1014: 'bad gateway',
  1015: 'TLS handshake failure',
};

function isOpen() {
  return socket !== null && socket.readyState === WebSocket.OPEN;
}

/** The URL to offer first: `?url=` if given, else this server at the path it announces. */
function defaultUrl() {
  const given = new URLSearchParams(location.search).get('url');
  if (given) return given;
  const meta = document.querySelector('meta[name="wskit-ws-path"]');
  const path = meta?.content.startsWith('/') ? meta.content : '/';
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host || 'localhost'}${path}`;
}

function parseProtocols(text) {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

function showConnectError(message) {
  ui.connectError.textContent = message;
  ui.connectError.hidden = message === '';
}

function connect() {
  if (socket !== null && socket.readyState !== WebSocket.CLOSED) return;
  showConnectError('');
  const url = ui.url.value.trim();
  const protocols = parseProtocols(ui.protocols.value);
  let ws;
  try {
    ws = new WebSocket(url, protocols);
  } catch (err) {
    showConnectError(err.message);
    addLogEntry({ dir: 'event', text: `Cannot connect: ${err.message}` });
    return;
  }
  ws.binaryType = 'arraybuffer';
  socket = ws;
  const offered = protocols.length > 0 ? ` offering ${protocols.join(', ')}` : '';
  addLogEntry({ dir: 'event', text: `Connecting to ${url}${offered}` });

  // Events of a socket that is no longer the current one are ignored.
  ws.addEventListener('open', () => {
    if (ws !== socket) return;
    addLogEntry({ dir: 'event', text: `Open · ${negotiated(ws)}` });
    updateConnection();
    ui.message.focus();
  });
  ws.addEventListener('message', (event) => {
    if (ws === socket) receive(event.data);
  });
  ws.addEventListener('error', () => {
    if (ws !== socket) return;
    addLogEntry({ dir: 'event', text: 'Error (browsers give no detail; see the close event)' });
  });
  ws.addEventListener('close', (event) => {
    if (ws !== socket) return;
    addLogEntry({ dir: 'event', text: describeClose(event), close: event });
    updateConnection(event);
  });
  updateConnection();
}

function disconnect() {
  if (socket === null || socket.readyState >= WebSocket.CLOSING) return;
  showConnectError('');
  const codeText = ui.closeCode.value.trim();
  const reason = ui.closeReason.value;
  // The browser only lets a page send 1000 or 3000–4999, and a reason of at most 123 bytes.
  const code = codeText === '' ? undefined : Number(codeText);
  if (code !== undefined && !(code === 1000 || (code >= 3000 && code <= 4999))) {
    showConnectError('The close code must be 1000 or from 3000 to 4999.');
    ui.closeCode.focus();
    return;
  }
  if (utf8Length(reason) > 123) {
    showConnectError('The reason must be at most 123 bytes of UTF-8.');
    ui.closeReason.focus();
    return;
  }
  const what = [code ?? 'no code', reason === '' ? '' : `"${reason}"`].filter(Boolean).join(' ');
  addLogEntry({ dir: 'event', text: `Closing with ${what}` });
  if (code === undefined) socket.close();
  else socket.close(code, reason);
  updateConnection();
}

function negotiated(ws) {
  const protocol = ws.protocol === '' ? 'no subprotocol' : `subprotocol ${ws.protocol}`;
  const extensions = ws.extensions === '' ? 'no extensions' : `extensions ${ws.extensions}`;
  return `${protocol} · ${extensions}`;
}

function describeClose(event) {
  const name = CLOSE_CODES[event.code];
  const code = name ? `${event.code} (${name})` : String(event.code);
  const reason = event.reason === '' ? 'no reason' : `reason "${event.reason}"`;
  return `Closed · code ${code} · ${reason} · ${event.wasClean ? 'clean' : 'not clean'}`;
}

/** Reflects the socket's state in the status pill and the buttons. */
function updateConnection(closeEvent) {
  const state = socket === null ? 'closed' : STATES[socket.readyState];
  ui.status.dataset.state = state;
  ui.statusText.textContent = state[0].toUpperCase() + state.slice(1);
  if (state === 'open' || state === 'closing') ui.statusDetail.textContent = negotiated(socket);
  else if (closeEvent) ui.statusDetail.textContent = `${closeEvent.code} ${closeEvent.reason}`;
  else ui.statusDetail.textContent = '';
  ui.connect.disabled = state !== 'closed';
  ui.disconnect.disabled = state === 'closed' || state === 'closing';
  ui.url.readOnly = state !== 'closed';
  ui.protocols.readOnly = state !== 'closed';
  updateComposer();
}

function receive(data) {
  if (typeof data === 'string') {
    addLogEntry({ dir: 'received', type: looksLikeJson(data) ? 'json' : 'text', text: data });
  } else {
    addLogEntry({ dir: 'received', type: 'binary', bytes: new Uint8Array(data) });
  }
}

/** A received text is labelled json when it is an object or an array that parses. */
function looksLikeJson(text) {
  const start = text.trimStart()[0];
  if (start !== '{' && start !== '[') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Log: entries, rendering, filter

const LOG_LIMIT = 2000; // oldest entries are dropped past this
const PREVIEW_CHARS = 600;
const PREVIEW_LINES = 12;
const PREVIEW_BYTES = 192;
const DIRECTIONS = { sent: ['↑', 'sent'], received: ['↓', 'received'], event: ['•', 'event'] };

const entries = [];
const shown = {
  dir: new Set(['sent', 'received', 'event']),
  type: new Set(['text', 'json', 'binary']),
};

function timestamp(date) {
  const two = (n) => String(n).padStart(2, '0');
  const ms = String(date.getMilliseconds()).padStart(3, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${ms}`;
}

/**
 * Adds one entry: { dir, type?, text? | bytes?, size?, close? }. Events have no type or size;
 * text gets its UTF-8 size here.
 */
function addLogEntry(fields) {
  const entry = { time: new Date(), type: 'event', ...fields };
  if (entry.size === undefined && entry.dir !== 'event') {
    entry.size = entry.bytes ? entry.bytes.length : utf8Length(entry.text);
  }
  const atBottom = ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 24;
  entry.el = renderEntry(entry);
  entry.el.hidden = !matches(entry, currentFilter());
  entries.push(entry);
  ui.log.append(entry.el);
  while (entries.length > LOG_LIMIT) entries.shift().el.remove();
  if (atBottom) ui.log.scrollTop = ui.log.scrollHeight;
  updateLogCount();
}

function renderEntry(entry) {
  const [glyph, label] = DIRECTIONS[entry.dir];
  const li = document.createElement('li');
  li.className = 'entry';
  li.dataset.dir = entry.dir;
  li.dataset.type = entry.type;

  const dir = span('dir', glyph);
  dir.title = label;
  dir.setAttribute('aria-hidden', 'true');
  li.append(dir, span('sr-only', `${label} `));

  const time = document.createElement('time');
  time.dateTime = entry.time.toISOString();
  time.textContent = timestamp(entry.time);
  li.append(time, span('type', entry.type));
  const size = span(
    'size',
    entry.size === undefined ? '' : `${entry.size.toLocaleString('en-US')} B`,
  );
  if (entry.size !== undefined) size.title = plural(entry.size, 'byte');
  li.append(size);

  const content = document.createElement('pre');
  content.className = 'content';
  li.append(content);
  const preview = previewOf(entry);
  content.textContent = preview ?? fullText(entry);
  if (entry.close) content.classList.add(entry.close.wasClean ? 'clean' : 'unclean');
  if (preview !== null) {
    const more = document.createElement('button');
    more.type = 'button';
    more.className = 'more quiet';
    more.textContent = entry.bytes ? `Show all ${plural(entry.size, 'byte')}` : 'Show all';
    more.setAttribute('aria-expanded', 'false');
    more.addEventListener('click', () => {
      const expand = more.getAttribute('aria-expanded') === 'false';
      content.textContent = expand ? fullText(entry) : preview;
      more.setAttribute('aria-expanded', String(expand));
      more.textContent = expand ? 'Show less' : 'Show all';
    });
    li.append(more);
  }
  return li;
}

function span(className, text) {
  const s = document.createElement('span');
  s.className = className;
  s.textContent = text;
  return s;
}

/** The whole content as shown: text as is, bytes as hex (computed once). */
function fullText(entry) {
  if (entry.bytes) entry.text ??= toHex(entry.bytes);
  return entry.text;
}

/** A shortened content with an ellipsis, or null when the whole content is short. */
function previewOf(entry) {
  if (entry.bytes) {
    if (entry.bytes.length <= PREVIEW_BYTES) return null;
    return `${toHex(entry.bytes.subarray(0, PREVIEW_BYTES))} …`;
  }
  let cut = entry.text.length > PREVIEW_CHARS ? PREVIEW_CHARS : -1;
  let newlines = 0;
  for (let i = 0; i < Math.min(entry.text.length, PREVIEW_CHARS); i++) {
    if (entry.text[i] === '\n' && ++newlines === PREVIEW_LINES) {
      cut = i;
      break;
    }
  }
  return cut === -1 ? null : `${entry.text.slice(0, cut)} …`;
}

function currentFilter() {
  return ui.filter.value.trim().toLowerCase();
}

function matches(entry, needle) {
  if (!shown.dir.has(entry.dir)) return false;
  if (entry.dir !== 'event' && !shown.type.has(entry.type)) return false;
  if (needle === '') return true;
  entry.search ??= fullText(entry).toLowerCase();
  // Hex is also searched without its spaces, so "48656c" finds "48 65 6c".
  if (entry.bytes) entry.compact ??= entry.search.replace(/ /g, '');
  return entry.search.includes(needle) || (entry.compact?.includes(needle) ?? false);
}

function applyFilter() {
  const needle = currentFilter();
  for (const entry of entries) entry.el.hidden = !matches(entry, needle);
  updateLogCount();
}

function updateLogCount() {
  const visible = entries.reduce((n, e) => n + (e.el.hidden ? 0 : 1), 0);
  ui.logCount.textContent =
    visible === entries.length
      ? plural(entries.length, 'entry', 'entries')
      : `${visible} of ${entries.length} shown`;
}

function clearLog() {
  for (const entry of entries) entry.el.remove();
  entries.length = 0;
  updateLogCount();
}

function toggle(button) {
  const on = button.getAttribute('aria-pressed') !== 'true';
  button.setAttribute('aria-pressed', String(on));
  const [set, value] = button.dataset.dir
    ? [shown.dir, button.dataset.dir]
    : [shown.type, button.dataset.type];
  if (on) set.add(value);
  else set.delete(value);
  applyFilter();
}

// ---------------------------------------------------------------------------------------------
// History of sent messages, kept in localStorage

const HISTORY_KEY = 'wskit.try-it.history';
const HISTORY_LIMIT = 50;

/** [{ mode, encoding?, data }], newest first. Storage may be unavailable (private windows). */
function loadHistory() {
  try {
    const items = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]');
    if (!Array.isArray(items)) return [];
    return items.filter(
      (i) => i && typeof i.data === 'string' && ['text', 'json', 'binary'].includes(i.mode),
    );
  } catch {
    return [];
  }
}

function saveHistory(items) {
  try {
    localStorage.setItem(HISTORY_KEY, JSON.stringify(items));
  } catch {
    // Full or unavailable: the history lasts for this page only.
  }
}

let historyItems = loadHistory();

/** Puts a sent message first; an identical earlier one moves up instead of repeating. */
function remember(item) {
  const same = (i) => i.mode === item.mode && i.encoding === item.encoding && i.data === item.data;
  historyItems = [item, ...historyItems.filter((i) => !same(i))].slice(0, HISTORY_LIMIT);
  saveHistory(historyItems);
  renderHistory();
}

function forget(index) {
  historyItems.splice(index, 1);
  saveHistory(historyItems);
  renderHistory(Math.min(index, historyItems.length - 1));
}

/**
 * One Tab stop for the whole list (roving tabindex): arrows, Home and End move, Enter loads,
 * Delete forgets. `focusIndex` focuses that item after rendering.
 */
function renderHistory(focusIndex) {
  ui.history.replaceChildren(
    ...historyItems.map((item, index) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'history-item';
      button.tabIndex = index === 0 ? 0 : -1;
      button.dataset.index = String(index);
      const label = item.mode === 'binary' ? `binary ${item.encoding}` : item.mode;
      button.append(span('type', label), span('preview', oneLine(item.data)));
      button.title = 'Load into the composer';
      li.append(button);
      return li;
    }),
  );
  ui.historyEmpty.hidden = historyItems.length > 0;
  ui.clearHistory.disabled = historyItems.length === 0;
  if (focusIndex !== undefined && focusIndex >= 0) focusHistory(focusIndex);
}

function oneLine(text) {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 120 ? `${line.slice(0, 120)}…` : line || '(empty)';
}

function focusHistory(index) {
  const buttons = ui.history.querySelectorAll('.history-item');
  if (buttons.length === 0) return;
  const target = buttons[Math.max(0, Math.min(index, buttons.length - 1))];
  for (const b of buttons) b.tabIndex = b === target ? 0 : -1;
  target.focus();
}

function loadFromHistory(index) {
  const item = historyItems[index];
  if (!item) return;
  setComposer(item.mode, item.encoding, item.data);
  ui.message.focus();
}

function onHistoryKey(event) {
  const button = event.target.closest('.history-item');
  if (!button) return;
  const index = Number(button.dataset.index);
  const moves = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: historyItems.length - 1 };
  if (event.key in moves) {
    event.preventDefault();
    focusHistory(moves[event.key]);
  } else if (event.key === 'Delete' || event.key === 'Backspace') {
    event.preventDefault();
    forget(index);
  }
}

// ---------------------------------------------------------------------------------------------
// Wiring

function onGlobalKey(event) {
  // Ctrl+Enter (⌘+Enter on macOS) sends from anywhere on the page.
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    send();
  }
}

function start() {
  ui.url.value = defaultUrl();
  ui.connectForm.addEventListener('submit', (e) => {
    e.preventDefault();
    connect();
  });
  ui.closeForm.addEventListener('submit', (e) => {
    e.preventDefault();
    disconnect();
  });

  shownEncoding = binaryEncoding();
  for (const radio of document.querySelectorAll('input[name="mode"], input[name="encoding"]')) {
    radio.addEventListener('change', () => {
      if (radio.name === 'encoding') onEncodingChange();
      updateComposer();
    });
  }
  ui.message.addEventListener('input', updateComposer);
  ui.pretty.addEventListener('click', prettyJson);
  ui.send.addEventListener('click', send);

  ui.filter.addEventListener('input', applyFilter);
  ui.filter.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    ui.filter.value = '';
    applyFilter();
  });
  for (const button of document.querySelectorAll('.toggle')) {
    button.addEventListener('click', () => toggle(button));
  }
  ui.clearLog.addEventListener('click', clearLog);

  ui.history.addEventListener('click', (e) => {
    const button = e.target.closest('.history-item');
    if (button) loadFromHistory(Number(button.dataset.index));
  });
  ui.history.addEventListener('keydown', onHistoryKey);
  ui.clearHistory.addEventListener('click', () => {
    historyItems = [];
    saveHistory(historyItems);
    renderHistory();
  });

  document.addEventListener('keydown', onGlobalKey);
  renderHistory();
  updateConnection();
  updateLogCount();
}

start();
