// watch.js: the web player page: sign-in, the channel list, the guide, and what plays.
//
// Everything goes through K-TV's public API (see docs/api.md); the calls this page makes:
//   GET  api/v1/config                      offer single sign-on when it is enabled
//   POST api/v1/auth/login                  email and password -> token
//   GET  api/v1/auth/me                     who is signed in
//   GET  api/v1/channels                    the channels, by number
//   GET  api/v1/channels/{id}/now           on air now and next (204: no signal)
//   GET  api/v1/channels/{id}/epg?from&until  the guide; past slots carry `catchup_url`
//   HLS  api/v1/channels/{id}/hls/live.m3u8, .../hls/startover.m3u8, and `catchup_url`

import { ApiError, OIDC_LOGIN_URL, apiUrl, call, signIn, takeSignInFragment, token }
  from './api.js';
import { clock, phase, renderGuide } from './guide.js';
import { Player } from './player.js';

const $ = (id) => document.getElementById(id);
const HOUR_MS = 3_600_000;

const state = {
  channels: [],      // enabled channels, by number
  now: new Map(),    // channel id -> /now answer (null: no signal or no schedule)
  guideFrom: null,   // the guide's window start (ms); it shows three hours
  playing: null,     // { channel, mode: 'live' | 'startover' | 'catchup', slot }
  refreshTimer: 0,
};

const player = new Player($('video'), showPlayerError);

// --- signing in and out ---------------------------------------------------------------

async function showSignIn(message = '') {
  $('app').hidden = true;
  $('sign-out').hidden = true;
  $('who').textContent = '';
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message;
  try {
    const config = await call('api/v1/config');
    $('oidc').href = OIDC_LOGIN_URL;
    $('oidc').hidden = !config.oidc_enabled;
    $('login-form').hidden = !config.password_login_enabled;
  } catch (error) {
    $('sign-in-error').textContent = error.message;
  }
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault(); // sent by script: the password never goes into a URL
  const form = new FormData(event.target);
  try {
    await signIn(form.get('email'), form.get('password'));
    event.target.reset();
    await showApp();
  } catch (error) {
    $('sign-in-error').textContent = error.message;
  }
});

function signOut(message = '') {
  token.clear();
  clearTimeout(state.refreshTimer);
  player.stop();
  state.playing = null;
  showSignIn(message);
}

$('sign-out').addEventListener('click', () => signOut());

/** Any failed call: an expired or revoked token signs out; the rest is shown. */
function handle(error) {
  if (error instanceof ApiError && error.status === 401) signOut(error.message);
  else showPlayerError(error);
}

// --- the app: channels, guide, refresh ------------------------------------------------

async function showApp() {
  const me = await call('api/v1/auth/me');
  $('sign-in').hidden = true;
  $('app').hidden = false;
  $('sign-out').hidden = false;
  $('who').textContent = me.email;
  const channels = await call('api/v1/channels');
  state.channels = channels.filter((c) => c.enabled);
  state.guideFrom = null;
  await refresh();
}

/** Reloads now/next and the guide, then again when the first programme on air ends
 *  (at most a minute later). */
async function refresh() {
  clearTimeout(state.refreshTimer);
  try {
    await Promise.all([loadNow(), loadGuide()]);
  } catch (error) {
    handle(error);
    if (!token.get()) return;
  }
  const ends = [...state.now.values()].filter(Boolean).map((n) => Date.parse(n.slot.end_at));
  const wait = Math.min(Math.max(Math.min(...ends) - Date.now() + 500, 2_000), 60_000);
  state.refreshTimer = setTimeout(refresh, wait);
}

async function loadNow() {
  await Promise.all(state.channels.map(async (channel) => {
    try {
      state.now.set(channel.id, await call(`api/v1/channels/${channel.id}/now`));
    } catch (error) {
      if (error.status === 401) throw error;
      state.now.set(channel.id, null); // no schedule yet: shown as "no signal"
    }
  }));
  renderChannels();
  renderPlaying();
}

function renderChannels() {
  $('channel-list').replaceChildren(...state.channels.map((channel) => {
    const now = state.now.get(channel.id);
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'channel';
    button.dataset.number = channel.number;
    if (state.playing?.channel.id === channel.id) button.setAttribute('aria-current', 'true');
    const text = document.createElement('span');
    text.className = 'channel-text';
    text.append(line('name', `${channel.number} ${channel.name}`),
      line('now', now ? `Now: ${now.slot.item.title}` : 'No signal'),
      line('next', now?.next ? `Next ${clock(now.next.start_at)}: ${now.next.item.title}` : ''));
    button.append(logo(channel), text);
    button.addEventListener('click', () => play(channel, 'live'));
    const item = document.createElement('li');
    item.append(button);
    return item;
  }));
}

function line(className, text) {
  const span = document.createElement('span');
  span.className = className;
  span.textContent = text;
  return span;
}

/** The channel's logo, or its number on a tile when it has none (or it does not load). */
function logo(channel) {
  const tile = line('tile', channel.number);
  if (!channel.logo_url) return tile;
  const img = document.createElement('img');
  img.className = 'logo';
  img.alt = '';
  img.src = channel.logo_url;
  img.addEventListener('error', () => img.replaceWith(tile));
  return img;
}

async function loadGuide() {
  if (state.guideFrom === null) {
    // Half an hour back from the last half hour, so the marker is near the left.
    state.guideFrom = Math.floor(Date.now() / (HOUR_MS / 2)) * (HOUR_MS / 2) - HOUR_MS / 2;
  }
  const from = state.guideFrom;
  const until = from + 3 * HOUR_MS;
  const query = `from=${encodeURIComponent(new Date(from).toISOString())}`
    + `&until=${encodeURIComponent(new Date(until).toISOString())}`;
  const rows = await Promise.all(state.channels.map(async (channel) => {
    try {
      return { channel, slots: await call(`api/v1/channels/${channel.id}/epg?${query}`) };
    } catch (error) {
      if (error.status === 401) throw error;
      return { channel, slots: [] };
    }
  }));
  renderGuide($('guide-grid'), { rows, from, until, now: Date.now(), onPick: showProgramme });
}

function moveGuide(hours) {
  state.guideFrom = hours === 0 ? null : state.guideFrom + hours * HOUR_MS;
  loadGuide().catch(handle);
}
$('earlier').addEventListener('click', () => moveGuide(-2));
$('later').addEventListener('click', () => moveGuide(2));
$('guide-now').addEventListener('click', () => moveGuide(0));

/** The details of a programme picked in the guide, with what can be done with it. */
function showProgramme(channel, slot) {
  const when = phase(slot, Date.now());
  $('programme').hidden = false;
  $('programme-title').textContent = `${channel.number} ${channel.name}: ${slot.item.title}`;
  $('programme-time').textContent = `${clock(slot.start_at)}-${clock(slot.end_at)}`;
  $('programme-overview').textContent = slot.item.overview || '';
  const show = (id, visible, action) => {
    $(id).hidden = !visible;
    $(id).onclick = action;
  };
  show('programme-live', when === 'on-air', () => play(channel, 'live'));
  show('programme-start-over', when === 'on-air' && channel.catchup_days > 0,
    () => play(channel, 'startover'));
  show('programme-watch', when === 'past' && Boolean(slot.catchup_url),
    () => play(channel, 'catchup', slot));
}

// --- playing --------------------------------------------------------------------------

/** The playlist URL of each way of watching a channel. */
function playlistUrl(channel, mode, slot) {
  if (mode === 'catchup') return apiUrl(slot.catchup_url);
  return apiUrl(`api/v1/channels/${channel.id}/hls/${mode === 'live' ? 'live' : 'startover'}.m3u8`);
}

function play(channel, mode, slot = null) {
  $('player-error').textContent = '';
  state.playing = { channel, mode, slot };
  player.play(playlistUrl(channel, mode, slot));
  renderChannels();
  renderPlaying();
}

/** The bar under the video: what plays, how, and the buttons that fit. */
function renderPlaying() {
  const p = state.playing;
  if (!p) return;
  const now = state.now.get(p.channel.id);
  const title = p.slot?.item.title ?? now?.slot.item.title ?? 'No signal';
  $('playing-title').textContent = `${p.channel.number} ${p.channel.name}: ${title}`;
  $('playing-mode').textContent = {
    live: 'Live',
    startover: 'From the start',
    catchup: p.slot && `Catch-up, aired ${clock(p.slot.start_at)}`,
  }[p.mode];
  $('start-over').hidden = !(p.mode === 'live' && now && p.channel.catchup_days > 0);
  $('back-live').hidden = p.mode === 'live';
}

$('start-over').addEventListener('click', () => play(state.playing.channel, 'startover'));
$('back-live').addEventListener('click', () => play(state.playing.channel, 'live'));

function showPlayerError(error) {
  $('player-error').textContent = error.message;
}

// --- start ----------------------------------------------------------------------------

const signInError = takeSignInFragment(); // back from single sign-on?
if (token.get()) showApp().catch((error) => signOut(error.message));
else showSignIn(signInError || '');
