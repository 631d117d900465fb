// guide.js: the programme guide as a grid: a row per channel, each programme placed on a
// time axis by its start and end, and a marker at the current time.
//
// Pure rendering: it gets the slots (as GET /api/v1/channels/{id}/epg returns them) and
// builds elements. Positions are set through element.style, which the page's CSP allows
// (only inline `style` attributes in markup would need 'unsafe-inline').

const MINUTE_MS = 60_000;
const PX_PER_MINUTE = 6;
const TICK_MINUTES = 30;

/** "14:30" in the viewer's time zone. */
export function clock(date) {
  return new Date(date).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** Where a programme stands at `now`: "past", "on-air" or "future". */
export function phase(slot, now) {
  if (Date.parse(slot.end_at) <= now) return 'past';
  return Date.parse(slot.start_at) <= now ? 'on-air' : 'future';
}

/** A new element with a class and, optionally, its text. */
function el(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Renders the grid into `container`, replacing what was there.
 *  rows: [{ channel, slots }]; from, until, now: times in ms; onPick(channel, slot). */
export function renderGuide(container, { rows, from, until, now, onPick }) {
  const span = until - from;
  const percent = (t) => `${(Math.min(Math.max(t, from), until) - from) / span * 100}%`;
  const trackWidth = `${span / MINUTE_MS * PX_PER_MINUTE}px`;

  /** A row: a sticky label, then a track the width of the window holding `items`. */
  const row = (label, items) => {
    const line = el('div', 'guide-row');
    const track = el('div', 'guide-track');
    track.style.width = trackWidth;
    if (from <= now && now < until) {
      const marker = el('div', 'guide-marker');
      marker.style.left = percent(now);
      items.push(marker);
    }
    track.append(...items);
    line.append(label, track);
    return line;
  };

  // The time ruler: a tick every half hour.
  const ticks = [];
  const first = Math.ceil(from / (TICK_MINUTES * MINUTE_MS)) * TICK_MINUTES * MINUTE_MS;
  for (let t = first; t < until; t += TICK_MINUTES * MINUTE_MS) {
    const tick = el('span', 'guide-tick', clock(t));
    tick.style.left = percent(t);
    ticks.push(tick);
  }
  const lines = [row(el('div', 'guide-channel'), ticks)];

  for (const { channel, slots } of rows) {
    const label = el('div', 'guide-channel', `${channel.number} ${channel.name}`);
    const programmes = slots.map((slot) => {
      const start = Date.parse(slot.start_at);
      const end = Date.parse(slot.end_at);
      const state = phase(slot, now);
      const button = el('button', `slot ${state}${slot.catchup_url ? ' catchup' : ''}`,
        slot.item.title);
      button.type = 'button';
      button.title = `${clock(start)}-${clock(end)} ${slot.item.title}`;
      button.style.left = percent(start);
      button.style.width = `calc(${percent(end)} - ${percent(start)})`;
      button.addEventListener('click', () => onPick(channel, slot));
      return button;
    });
    lines.push(row(label, programmes));
  }
  container.replaceChildren(...lines);
}
