// player.js: plays one of K-TV's HLS playlists in a <video> element.
//
// The playlists (live.m3u8, startover.m3u8, programme/{slot}.m3u8) need the Bearer token;
// the segment links inside them are signed and expiring, so they need no header. hls.js
// plays them wherever the browser has MediaSource (hls.js feeds the video element from a
// `blob:` URL; its transmuxer runs in a worker started from a `blob:` URL too: the page's
// CSP allows exactly those). Without MediaSource (Safari on older iPhones), the browser's
// own HLS player gets the URL.

import { ApiError, apiUrl, problemOf, token } from './api.js';

/** How many passing failures in a row one play() gets over before it gives up. */
const MAX_RESTARTS = 3;

/** True for a playlist of our API (these need the token; nothing else ever gets it). */
function isOurPlaylist(url) {
  const u = new URL(url);
  return u.origin === new URL(apiUrl('.')).origin && u.pathname.endsWith('.m3u8');
}

/** Asks the server why `url` cannot be played: its problem `detail`, e.g. "programme
 *  outside the catch-up window" (hls.js and the video element only see a status code).
 *  The request is made as the failed one was: with the token, or (native HLS) without. */
async function explain(url, { withToken = true, details = '' } = {}) {
  try {
    const headers = withToken ? { Authorization: `Bearer ${token.get()}` } : {};
    const response = await fetch(url, { headers });
    if (!response.ok) return await problemOf(response);
    const why = details ? ` (${details})` : '';
    return new ApiError(0, `The stream stopped${why}; pick the channel again.`);
  } catch {
    return new ApiError(0, 'The server cannot be reached.');
  }
}

export class Player {
  /** `onError(ApiError)` is told when playback fails for good. */
  constructor(video, onError) {
    this.video = video;
    this.onError = onError;
    this.hls = null;     // the hls.js instance playing, if any
    this.native = null;  // the error listener of native playback, if any
  }

  /** Plays the playlist at the absolute URL `url`, replacing what played before. */
  play(url) {
    this.stop();
    const video = this.video;
    if (window.Hls && Hls.isSupported()) {
      this.playWithHlsJs(url);
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      this.playNatively(url);
    } else {
      this.onError(new ApiError(0, 'This browser cannot play HLS (no MediaSource, no native HLS).'));
    }
  }

  /** hls.js from `startPosition` (seconds; -1: where the playlist says). `restarts`
   *  counts the passing failures it has already got over. */
  playWithHlsJs(url, startPosition = -1, restarts = 0) {
    const hls = new Hls({
      startPosition,
      // Called before each request hls.js makes: the token goes to our playlists only.
      xhrSetup(xhr, requestUrl) {
        if (isOurPlaylist(requestUrl)) {
          xhr.open('GET', requestUrl, true);
          xhr.setRequestHeader('Authorization', `Bearer ${token.get()}`);
        }
      },
    });
    let recovered = false;
    let failing = false;
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      this.video.play().catch(() => {}); // refused autoplay leaves the controls to the viewer
    });
    hls.on(Hls.Events.ERROR, async (_event, data) => {
      if (!data.fatal || failing) return; // hls.js retries non-fatal errors by itself
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !recovered) {
        recovered = true; // one decoder hiccup is recoverable; two are not
        hls.recoverMediaError();
        return;
      }
      failing = true;
      if (data.type !== Hls.ErrorTypes.NETWORK_ERROR) {
        this.fail(hls, new ApiError(0, `Playback failed (${data.details}).`));
        return;
      }
      const error = await explain(url, { details: data.details });
      if (this.hls !== hls) return; // the viewer picked something else meanwhile
      if (error.status === 0 && restarts < MAX_RESTARTS) {
        // The server still serves the playlist (or is back): a passing failure, such as
        // a request that timed out. Start again from where the picture was.
        console.warn(`K-TV player: ${data.details}; starting again`);
        const at = this.video.currentTime || -1;
        this.stop();
        this.playWithHlsJs(url, at, restarts + 1);
        return;
      }
      this.fail(hls, error);
    });
    hls.loadSource(url);
    hls.attachMedia(this.video);
    this.hls = hls;
  }

  /** Gives up on `hls` (if it still plays) and tells why. */
  fail(hls, error) {
    if (this.hls !== hls) return;
    this.stop();
    this.onError(error);
  }

  /** The browser's own HLS player. It fetches the playlist itself and cannot add a
   *  header: it plays only where the server accepts the request without one. */
  playNatively(url) {
    const failed = async () => {
      const error = await explain(url, { withToken: false });
      if (this.native !== failed) return; // the viewer picked something else meanwhile
      this.stop();
      this.onError(error);
    };
    this.native = failed;
    this.video.addEventListener('error', failed, { once: true });
    this.video.src = url;
    this.video.play().catch(() => {});
  }

  /** Stops playback and lets go of the stream (its session on the server idles out). */
  stop() {
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
    }
    if (this.native) {
      this.video.removeEventListener('error', this.native);
      this.native = null;
    }
    this.video.removeAttribute('src');
    this.video.load();
  }
}
