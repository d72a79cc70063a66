// The page at `/` (docs/web.md): wires the store, the live feed, the map and the panels.
import { tokenQuery } from './read-token.js';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { Store } from './store.js';
import { api } from './api.js';
import { LiveConnection, type ConnectionState } from './live-connection.js';
import { MapView, attachInput } from './map/view.js';
import { MapRenderer, type Layer } from './map/render.js';
import { HeatLayer } from './map/heat-layer.js';
import { Lists } from './panels/lists.js';
import { ChatPanel } from './panels/chat.js';
import { CharacterPanel } from './panels/character.js';
import { AlertsPanel } from './panels/alerts.js';
import { byId } from './panels/dom.js';
import { readUrlState, writeUrlState, HEAT_RANGES, type HeatRange } from './url-state.js';
import type { LiveMessage } from './types.js';

const SETTINGS = {
  /** Players seen within this window are live; older ones are drawn stale (the API's /live default). */
  liveWindowMs: 30_000,
  /** Players in the snapshot: everyone seen this recently (the API's largest /live window by default). */
  snapshotPlayersSeconds: 3600,
  markersSinceMs: 86400e3,
  markersLimit: 10000,
  /** Positions on /ws/live are coalesced to the newest per character per tick (docs/protocol.md §7); `?coalesce_ms=0` turns it off. */
  coalesceMs: coalesceFromUrl(250),
};

function coalesceFromUrl(def: number): number {
  const v = new URLSearchParams(location.search).get('coalesce_ms');
  return v !== null && /^\d{1,5}$/.test(v) ? Number(v) : def;
}

const state = readUrlState(location.search);
const store = new Store();
const view = new MapView();
const canvas = byId<HTMLCanvasElement>('map');
const renderer = new MapRenderer(
  canvas,
  view,
  byId<HTMLCanvasElement>('map-base'),
  byId<HTMLCanvasElement>('map-trails'),
);
const heat = new HeatLayer();
// Until the user moves the map (or a link gives a view), it keeps fitting everyone in.
let autoFit = true;

const saveUrl = () => {
  state.view = { cx: view.cx, cy: view.cy, scale: view.scale };
  state.character = character.character;
  state.range = character.range;
  state.span = character.span;
  history.replaceState(null, '', writeUrlState(state));
};

const character = new CharacterPanel(store, () => {
  saveUrl();
  lists.render(true, character.character ?? '');
});
const selectPlayer = (name: string) => {
  character.select(name);
  const p = store.players.get(name);
  if (p) {
    autoFit = false;
    view.centerOn(p.ew, p.ns);
  }
};
const alerts = new AlertsPanel(selectPlayer);
const lists = new Lists(
  store,
  {
    selectPlayer,
    centerOn: (ew, ns) => {
      autoFit = false;
      view.centerOn(ew, ns);
    },
  },
  SETTINGS.liveWindowMs,
  alerts.book,
);
const chat = new ChatPanel(store);
store.onTelemetry = (t) => character.onTelemetry(t);

function fitAll(): void {
  let minE = Infinity,
    maxE = -Infinity,
    minN = Infinity,
    maxN = -Infinity;
  for (const p of store.players.values()) {
    minE = Math.min(minE, p.ew);
    maxE = Math.max(maxE, p.ew);
    minN = Math.min(minN, p.ns);
    maxN = Math.max(maxN, p.ns);
  }
  if (minE === Infinity)
    for (const m of [...store.markers.spawn, ...store.markers.rare]) {
      minE = Math.min(minE, m.ew);
      maxE = Math.max(maxE, m.ew);
      minN = Math.min(minN, m.ns);
      maxN = Math.max(maxN, m.ns);
    }
  if (minE !== Infinity) view.fit(minE, maxE, minN, maxN);
}

// Controls <- URL state, and back.
for (const box of document.querySelectorAll<HTMLInputElement>('input[name="layer"]')) {
  box.checked = state.layers.has(box.value as Layer);
  box.addEventListener('change', () => {
    if (box.checked) state.layers.add(box.value as Layer);
    else state.layers.delete(box.value as Layer);
    saveUrl();
  });
}
const heatKind = byId<HTMLSelectElement>('heat-kind'),
  heatRange = byId<HTMLSelectElement>('heat-range'),
  trailWindow = byId<HTMLSelectElement>('trail-window');
heatKind.value = state.heat;
heatRange.value = state.heatRange;
trailWindow.value = String(state.trail);
heatKind.addEventListener('change', () => {
  state.heat = heatKind.value as 'spawns' | 'rares';
  saveUrl();
});
heatRange.addEventListener('change', () => {
  state.heatRange = heatRange.value as HeatRange;
  saveUrl();
});
trailWindow.addEventListener('change', () => {
  state.trail = Number(trailWindow.value);
  saveUrl();
});
if (state.view) {
  view.set(state.view);
  autoFit = false;
}
character.range = state.range;
character.span = state.span;

async function loadSnapshot(): Promise<void> {
  const since = Date.now() - SETTINGS.markersSinceMs;
  const [live, trails, spawns, rares] = await Promise.all([
    api.live(SETTINGS.snapshotPlayersSeconds),
    api.trails(state.trail),
    api.spawns(since, SETTINGS.markersLimit),
    api.rares(since, SETTINGS.markersLimit),
    alerts.load(),
  ]);
  store.reset();
  for (const p of live.players) store.applyTelemetry(p);
  store.applyTrails(trails.trails);
  for (const s of spawns.spawns) store.addMarker('spawn', s);
  for (const r of rares.rares) store.addMarker('rare', r);
  if (autoFit) {
    renderer.resize();
    fitAll();
  }
}

function onMessage(m: LiveMessage): void {
  switch (m.type) {
    case 'telemetry':
      store.applyTelemetry(m);
      break;
    case 'spawn':
      store.addMarker('spawn', m);
      break;
    case 'rare':
      store.addMarker('rare', m);
      break;
    case 'chat':
      store.addChat(m);
      break;
    case 'alert':
      alerts.apply(m);
      break;
  }
}

const connEl = byId('conn');
function showState(s: ConnectionState): void {
  connEl.dataset.state = s.kind;
  connEl.textContent =
    s.kind === 'live'
      ? 'Live feed: connected'
      : s.kind === 'snapshot'
        ? 'Live feed: loading snapshot…'
        : s.kind === 'connecting'
          ? `Live feed: connecting…${s.attempt ? ` (attempt ${s.attempt + 1})` : ''}`
          : `Live feed: disconnected (${s.reason}); retrying in ${Math.max(0, Math.round((s.retryAt - Date.now()) / 1000))} s`;
}

/** The event types plus alert opens and resolves (docs/protocol.md §7). */
const LIVE_TYPES = 'telemetry,spawn,rare,chat,alert';
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/live?coalesce_ms=${SETTINGS.coalesceMs}&types=${LIVE_TYPES}${tokenQuery()}`;
// A refused upgrade looks like any drop to a browser: ask the API why (a missing read token gets its own message).
const whyRefused = () =>
  api.live(1).then(
    () => undefined,
    (err: Error) => err.message,
  );
const conn = new LiveConnection({ url: wsUrl, loadSnapshot, onMessage, onState: showState, whyRefused });

attachInput(canvas, view, {
  onTap: (x, y) => {
    const p = renderer.hitPlayer(store, x, y);
    if (p) character.select(p.name);
  },
  onFit: fitAll,
  onUserInput: () => {
    autoFit = false;
  },
});

// Draw only when something changed, at most once per animation frame. Input (view,
// layers, selection) redraws at once; data alone redraws at most every
// DATA_REDRAW_MS, so a flood of live messages cannot turn into a redraw per message.
const DATA_REDRAW_MS = 100;
let drawnInput = '',
  drawnData = '',
  drawnAt = 0;
let viewSaved = view.version;
function frame(): void {
  renderer.resize();
  const now = Date.now();
  heat.refresh(state.layers.has('heat'), state.heat, HEAT_RANGES[state.heatRange], view.scale);
  const input = [view.version, heat.version, [...state.layers].join(), state.trail, character.character].join('|');
  const data = [store.version.players, store.version.markers, alerts.book.version, Math.floor(now / 1000)].join('|');
  if (input !== drawnInput || (data !== drawnData && now - drawnAt >= DATA_REDRAW_MS)) {
    drawnInput = input;
    drawnData = data;
    drawnAt = now;
    renderer.draw(
      store,
      {
        layers: state.layers,
        trailSeconds: state.trail,
        staleMs: SETTINGS.liveWindowMs,
        selected: character.character,
        alerting: alerts.book.marks,
        heat: heat.data,
      },
      now,
    );
  }
  chat.render();
  alerts.render(now);
  character.renderFields();
  requestAnimationFrame(frame);
}
setInterval(() => {
  if (autoFit) fitAll();
  lists.render();
  if (conn.state.kind === 'reconnecting') showState(conn.state);
  if (view.version !== viewSaved) {
    viewSaved = view.version;
    saveUrl();
  }
}, 1000);

// For the browser tests and the UI benchmark (read-only use).
(window as unknown as { __tracker: unknown }).__tracker = { store, view, renderer, conn, character, state, alerts };

if (state.character) character.select(state.character);
lists.render(true, state.character ?? '');
conn.start();
requestAnimationFrame(frame);
