// The call's media panel: lobby (preview, microphone level, device pickers, what is blocked or
// missing), then the call (remote video large, own video small, mute, camera, audio only,
// devices, leave, connection quality) with recovery. One RTCPeerConnection to the server's
// aiortc peer, which relays the other side. No npm dependencies beyond React.
//
// Props: consultationId (number), token (string, "" for staff on the session cookie),
// role (string, the other side's label), peerName / peerPhoto (strings, optional: who the
// other side is, shown while waiting for them), texts (object: the page's message catalogue; keys
// "media.*"), iceServers (array, optional: fetched from /api/rtc/config otherwise), apiBase
// ("" = same origin), onStateChange(phase).
//
// Recovery: aiortc 1.16 has no ICE restart, so a dropped connection is replaced by a fresh
// offer on a new RTCPeerConnection for the same participant (reason=recover); the server swaps
// this participant's peer and the other side keeps its own connection.
//
// The root element carries, for tests, monitoring and the benchmark:
//   data-state          lobby | connecting | connected | reconnecting | failed | left | ended |
//                       superseded
//   data-remote-frames  video frames decoded from the remote side (getStats, every second)
//   data-remote-luma    mean luma (0-255) of the remote picture, -1 before any (black filler: 0)
//   data-remote-audio-samples / data-remote-audio-energy   audio received (getStats)
//   data-video-sent     video frames this side has encoded (0 in audio-only mode)
//   data-video-transceivers  video transceivers on the current connection (0: audio only)
//   data-pc-count       peer connections made since mount (a device switch makes none)
//   data-quality        good | fair | poor | unknown; data-rtt-ms, data-loss-pct, data-fps
//   data-notice         "reconnected" for a few seconds after a recovery
//   data-join-at / data-first-frame-at   performance.now() of pressing join and of the first
//                       remote frame that is not the server's black filler
//   data-error          the last error code, if any
import { useEffect, useRef, useState } from "react";

const STATUS_MS = 2000;
const STATS_MS = 1000;
const ICE_GATHER_TIMEOUT_MS = 3000;
const HOST_GRACE_MS = 30;
const DISCONNECTED_GRACE_MS = 1500;
const RETRY_DELAYS_MS = [300, 1000, 2000, 3000, 5000];
const NOTICE_MS = 6000;
const CONNECT_TIMEOUT_MS = 12000; // a fresh connection that never connects is replaced
const REQUEST_TIMEOUT_MS = 10000; // a request stuck on a dead network is given up and retried

function withTimeout(signal) {
  return AbortSignal.any ? AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]) : signal;
}
const PERMANENT_HTTP = new Set([401, 403, 404]);
const VIDEO_CONSTRAINTS = { width: { ideal: 640 }, height: { ideal: 480 } };
const FILLER_LUMA = 24; // the server's black filler reads 0-16

function randomSession() {
  // crypto.randomUUID exists only in secure contexts; getRandomValues everywhere.
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

class HttpError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.status = status;
    this.code = code;
  }
}

// Non-trickle: the offer goes out with its candidates. With no ICE servers every candidate is a
// host candidate and they come at once, so the first UDP one plus a short grace is enough
// (saves the ~140 ms Chromium takes to declare gathering complete); otherwise wait for
// "complete" (STUN/TURN answers), at most timeoutMs.
function waitForIceGathering(pc, hostOnly, timeoutMs) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    let graceTimer = null;
    const finish = () => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      pc.removeEventListener("icegatheringstatechange", check);
      pc.removeEventListener("icecandidate", onCandidate);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === "complete") finish();
    };
    const onCandidate = (event) => {
      const c = event.candidate;
      if (hostOnly && c && / udp /i.test(c.candidate) && graceTimer === null) {
        graceTimer = setTimeout(finish, HOST_GRACE_MS);
      }
    };
    const timer = setTimeout(finish, timeoutMs);
    pc.addEventListener("icegatheringstatechange", check);
    pc.addEventListener("icecandidate", onCandidate);
  });
}

// What went wrong with a device, in the lobby's words.
function deviceProblem(err) {
  const name = err && err.name;
  if (name === "NotAllowedError" || name === "SecurityError") return "blocked";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "missing";
  if (name === "NotReadableError" || name === "AbortError") return "busy";
  return "missing";
}

function constraint(deviceId, base) {
  if (!deviceId) return base === true ? true : { ...base };
  return { ...(base === true ? {} : base), deviceId: { exact: deviceId } };
}

// Camera and microphone, each on its own if both together fail, so the lobby can say which
// one is blocked or missing. Returns { stream, camera, mic } with "ok" | "blocked" | "missing"
// | "busy" | "off".
async function openDevices({ wantVideo, camId, micId }) {
  const media = navigator.mediaDevices;
  if (!media || !media.getUserMedia) {
    return { stream: new MediaStream(), camera: "blocked", mic: "blocked" };
  }
  const video = wantVideo ? constraint(camId, VIDEO_CONSTRAINTS) : false;
  const audio = constraint(micId, true);
  try {
    const stream = await media.getUserMedia({ audio, video });
    return { stream, camera: wantVideo ? "ok" : "off", mic: "ok" };
  } catch (err) {
    console.warn("getUserMedia(audio+video) failed", err);
  }
  const stream = new MediaStream();
  let mic = "ok";
  let camera = wantVideo ? "ok" : "off";
  try {
    (await media.getUserMedia({ audio })).getTracks().forEach((t) => stream.addTrack(t));
  } catch (err) {
    mic = deviceProblem(err);
  }
  if (wantVideo) {
    try {
      (await media.getUserMedia({ video })).getTracks().forEach((t) => stream.addTrack(t));
    } catch (err) {
      camera = deviceProblem(err);
    }
  }
  return { stream, camera, mic };
}

async function listDevices() {
  try {
    const all = await navigator.mediaDevices.enumerateDevices();
    const pick = (kind) =>
      all
        .filter((d) => d.kind === kind && d.deviceId)
        .map((d, i) => ({ id: d.deviceId, label: d.label || `${kind} ${i + 1}` }));
    return { cameras: pick("videoinput"), mics: pick("audioinput") };
  } catch (err) {
    return { cameras: [], mics: [] };
  }
}

function meanLuma(video, canvas) {
  if (!video || !video.videoWidth) return -1;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  let sum = 0;
  for (let i = 0; i < data.length; i += 4) {
    sum += 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
  }
  return Math.round(sum / (data.length / 4));
}

// A microphone level meter (0..1) on a Web Audio analyser.
function startMeter(stream, onLevel) {
  const track = stream.getAudioTracks()[0];
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!track || !Ctx) return () => {};
  const ctx = new Ctx();
  const source = ctx.createMediaStreamSource(new MediaStream([track]));
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 512;
  source.connect(analyser);
  const buf = new Float32Array(analyser.fftSize);
  const resume = () => ctx.state === "suspended" && ctx.resume().catch(() => {});
  resume();
  document.addEventListener("click", resume, { once: true });
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(buf);
    let sum = 0;
    for (let i = 0; i < buf.length; i += 1) sum += buf[i] * buf[i];
    // RMS on a rough log scale: speech sits around the middle.
    const rms = Math.sqrt(sum / buf.length);
    onLevel(Math.max(0, Math.min(1, (20 * Math.log10(rms + 1e-6) + 60) / 60)));
  }, 100);
  return () => {
    clearInterval(timer);
    document.removeEventListener("click", resume);
    source.disconnect();
    ctx.close().catch(() => {});
  };
}

// From the last second: round trip (when the browser reports one), packet loss, and whether
// anything arrived at all.
function qualityOf(rttMs, lossPct, receiving) {
  if (!receiving) return "poor";
  const rtt = rttMs === null ? 0 : rttMs;
  if (rtt < 250 && lossPct < 2) return "good";
  if (rtt < 600 && lossPct < 8) return "fair";
  return "poor";
}

// ---------------------------------------------------------------------------------------------
// The call itself, outside React: one instance per mounted panel.

class CallSession {
  constructor({ consultationId, token, apiBase, iceServers, sink, remoteVideo }) {
    this.base = `${apiBase}/api/rtc/${consultationId}`;
    this.apiBase = apiBase;
    this.ice = iceServers;
    this.view = { ...INITIAL_VIEW }; // everything told so far, for a panel that takes over
    this.sink = sink; // (partial view) => void, or null while no panel shows this call
    this.remoteVideo = remoteVideo; // () => HTMLVideoElement
    this.parkTimer = null;
    this.session = randomSession();
    this.storageKey = `showroom.call.${consultationId}`;
    this.headers = { "Content-Type": "application/json" };
    if (token) this.headers.Authorization = `Bearer ${token}`;
    this.controller = new AbortController();
    this.stream = null;
    this.pc = null;
    this.pcCount = 0;
    this.generation = 0;
    this.joined = false;
    this.disposed = false;
    this.audioOnly = false;
    this.muted = false;
    this.cameraOn = true;
    this.camId = "";
    this.micId = "";
    this.attempt = 0;
    this.recovering = false;
    this.retryTimer = null;
    this.graceTimer = null;
    this.connectTimer = null;
    this.watchingFrames = false;
    this.noticeTimer = null;
    this.statusTimer = null;
    this.statsTimer = null;
    this.stopMeter = () => {};
    this.before = { frames: 0, samples: 0, energy: 0, sent: 0 };
    this.now = { frames: 0, samples: 0, energy: 0, sent: 0 };
    this.last = null; // previous stats sample, for loss over the last second
    this.canvas = document.createElement("canvas");
    this.canvas.width = 8;
    this.canvas.height = 8;
    this.joinAt = null;
    this.iceLoad = null;
    this.remoteStream = new MediaStream();
    this.onOnline = () => this.recovering && this.retryNow();
    window.addEventListener("online", this.onOnline);
    this.onPageHide = () => this.sendLeave("unload");
    window.addEventListener("pagehide", this.onPageHide);
  }

  update(partial) {
    this.view = { ...this.view, ...partial };
    if (this.sink && !this.disposed) this.sink(partial);
  }

  saved() {
    try {
      return JSON.parse(sessionStorage.getItem(this.storageKey) || "null");
    } catch (err) {
      return null;
    }
  }

  save() {
    try {
      const { audioOnly, camId, micId } = this;
      sessionStorage.setItem(this.storageKey, JSON.stringify({ audioOnly, camId, micId }));
    } catch (err) {
      // Private mode without storage: a reload shows the lobby again.
    }
  }

  forget() {
    try {
      sessionStorage.removeItem(this.storageKey);
    } catch (err) {
      // nothing stored
    }
  }

  // -- local media ---------------------------------------------------------------------------

  async preview({ wantVideo = true, camId = this.camId, micId = this.micId } = {}) {
    this.update({ devicesReady: false });
    this.loadIce().catch(() => {}); // ready before "join" is pressed
    this.releaseLocal();
    const result = await openDevices({ wantVideo, camId, micId });
    if (this.disposed) {
      result.stream.getTracks().forEach((t) => t.stop());
      return result;
    }
    this.stream = result.stream;
    const devices = await listDevices();
    const cam = result.stream.getVideoTracks()[0];
    const mic = result.stream.getAudioTracks()[0];
    this.camId = (cam && cam.getSettings().deviceId) || camId || "";
    this.micId = (mic && mic.getSettings().deviceId) || micId || "";
    this.cameraOn = Boolean(cam);
    if (mic) mic.enabled = !this.muted;
    this.stopMeter();
    this.stopMeter = startMeter(result.stream, (level) => this.update({ micLevel: level }));
    this.update({
      devicesReady: true,
      localStream: result.stream,
      cameraProblem: result.camera,
      micProblem: result.mic,
      cameras: devices.cameras,
      mics: devices.mics,
      camId: this.camId,
      micId: this.micId,
      cameraOn: this.cameraOn,
    });
    return result;
  }

  releaseLocal() {
    this.stopMeter();
    this.stopMeter = () => {};
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    this.stream = null;
  }

  async chooseDevice(kind, deviceId) {
    if (kind === "video") this.camId = deviceId;
    else this.micId = deviceId;
    if (!this.joined) {
      await this.preview({ wantVideo: !this.audioOnly });
      return;
    }
    // In the call: swap the track under the same sender, so the connection stays up.
    const constraints =
      kind === "video"
        ? { video: constraint(deviceId, VIDEO_CONSTRAINTS) }
        : { audio: constraint(deviceId, true) };
    let track;
    try {
      track = (await navigator.mediaDevices.getUserMedia(constraints)).getTracks()[0];
    } catch (err) {
      this.update({ error: `device_${deviceProblem(err)}` });
      return;
    }
    if (kind === "audio") track.enabled = !this.muted;
    const sender = this.sender(kind);
    if (sender) await sender.replaceTrack(track);
    const old = this.stream.getTracks().find((t) => t.kind === kind);
    if (old) {
      this.stream.removeTrack(old);
      old.stop();
    }
    this.stream.addTrack(track);
    if (kind === "audio") {
      this.stopMeter();
      this.stopMeter = startMeter(this.stream, (level) => this.update({ micLevel: level }));
    }
    this.save();
    this.update({ localStream: this.stream, camId: this.camId, micId: this.micId,
      localTrackId: this.stream.getVideoTracks()[0]?.id || "", error: "" });
  }

  sender(kind) {
    if (!this.pc) return null;
    const transceiver = this.pc.getTransceivers().find((t) => t.receiver.track?.kind === kind);
    return transceiver ? transceiver.sender : null;
  }

  setMuted(muted) {
    this.muted = muted;
    if (this.stream) this.stream.getAudioTracks().forEach((t) => (t.enabled = !muted));
    this.update({ muted });
    this.pollStatus();
  }

  async setCamera(on) {
    if (!this.joined || this.audioOnly) return;
    const sender = this.sender("video");
    if (!on) {
      // Release the camera (its light goes off); the server fills in black for the other side.
      const track = this.stream.getVideoTracks()[0];
      if (sender) await sender.replaceTrack(null);
      if (track) {
        this.stream.removeTrack(track);
        track.stop();
      }
      this.cameraOn = false;
    } else {
      try {
        const fresh = await navigator.mediaDevices.getUserMedia({
          video: constraint(this.camId, VIDEO_CONSTRAINTS),
        });
        const track = fresh.getVideoTracks()[0];
        if (sender) await sender.replaceTrack(track);
        this.stream.addTrack(track);
        this.cameraOn = true;
      } catch (err) {
        this.update({ error: `camera_${deviceProblem(err)}` });
        return;
      }
    }
    this.update({ cameraOn: this.cameraOn, localStream: this.stream,
      localTrackId: this.stream.getVideoTracks()[0]?.id || "" });
    this.pollStatus();
  }

  // Audio only (or back to video) mid-call: a fresh connection with or without a video section,
  // so audio-only never negotiates video at all.
  async setAudioOnly(audioOnly) {
    if (audioOnly === this.audioOnly) return;
    this.audioOnly = audioOnly;
    if (audioOnly) {
      this.stream.getVideoTracks().forEach((t) => {
        this.stream.removeTrack(t);
        t.stop();
      });
      this.cameraOn = false;
    } else {
      try {
        const fresh = await navigator.mediaDevices.getUserMedia({
          video: constraint(this.camId, VIDEO_CONSTRAINTS),
        });
        fresh.getVideoTracks().forEach((t) => this.stream.addTrack(t));
        this.cameraOn = true;
      } catch (err) {
        this.update({ error: `camera_${deviceProblem(err)}` });
      }
    }
    this.save();
    this.update({ audioOnly, cameraOn: this.cameraOn, localStream: this.stream });
    if (this.joined) await this.connect("mode");
  }

  // -- joining -------------------------------------------------------------------------------

  async join({ audioOnly = false } = {}) {
    if (this.joined) return;
    this.joinAt = performance.now();
    this.update({ joinAt: this.joinAt, firstFrameAt: null });
    this.joined = true;
    this.audioOnly = audioOnly;
    if (!this.stream) await this.preview({ wantVideo: !audioOnly });
    if (audioOnly) {
      this.stream.getVideoTracks().forEach((t) => {
        this.stream.removeTrack(t);
        t.stop();
      });
      this.cameraOn = false;
    }
    this.save();
    this.update({ phase: "connecting", audioOnly, cameraOn: this.cameraOn,
      localStream: this.stream, localTrackId: this.stream.getVideoTracks()[0]?.id || "" });
    this.statusTimer = setInterval(() => this.pollStatus(), STATUS_MS);
    this.statsTimer = setInterval(() => this.pollStats(), STATS_MS);
    this.watchingFrames = false;
    await this.connect("join");
  }

  loadIce() {
    if (this.ice) return Promise.resolve(this.ice);
    if (!this.iceLoad) {
      this.iceLoad = fetch(`${this.apiBase}/api/rtc/config`, {
        credentials: "same-origin",
        signal: this.controller.signal,
      })
        .then(async (res) => {
          if (!res.ok) throw new HttpError(res.status, "config_unavailable");
          this.ice = (await res.json()).iceServers || [];
          return this.ice;
        })
        .finally(() => {
          this.iceLoad = null;
        });
    }
    return this.iceLoad;
  }

  // With keepOpen the connection is detached but left running and returned: a change of
  // mode closes it only once its successor is answered, so the server never sees it drop.
  closePc({ keepOpen = false } = {}) {
    const pc = this.pc;
    if (!pc) return null;
    for (const key of Object.keys(this.before)) this.before[key] += this.now[key];
    this.now = { frames: 0, samples: 0, energy: 0, sent: 0 };
    this.last = null;
    pc.onconnectionstatechange = null;
    pc.ontrack = null;
    this.pc = null;
    if (keepOpen) return pc;
    pc.close();
    return null;
  }

  async connect(reason, { takeOver = false } = {}) {
    if (this.disposed) return;
    const generation = ++this.generation;
    clearTimeout(this.retryTimer);
    clearTimeout(this.graceTimer);
    let previous = null;
    try {
      const ice = await this.loadIce();
      if (generation !== this.generation) return;
      previous = this.closePc({ keepOpen: reason === "mode" });
      const pc = new RTCPeerConnection({ iceServers: ice });
      this.pc = pc;
      this.pcCount += 1;
      this.remoteStream = new MediaStream();
      pc.ontrack = (event) => this.onTrack(pc, event);
      pc.onconnectionstatechange = () => this.onConnectionState(pc);
      const audio = this.stream.getAudioTracks()[0];
      if (audio) pc.addTransceiver(audio, { direction: "sendrecv", streams: [this.stream] });
      else pc.addTransceiver("audio", { direction: "recvonly" });
      if (!this.audioOnly) {
        const video = this.stream.getVideoTracks()[0];
        if (video) pc.addTransceiver(video, { direction: "sendrecv", streams: [this.stream] });
        else pc.addTransceiver("video", { direction: "recvonly" });
      }
      this.update({ pcCount: this.pcCount,
        videoTransceivers: pc.getTransceivers().filter((t) => t.receiver.track.kind === "video").length });
      await pc.setLocalDescription(await pc.createOffer());
      await waitForIceGathering(pc, ice.length === 0, ICE_GATHER_TIMEOUT_MS);
      if (generation !== this.generation) return;
      const query = new URLSearchParams({ session: this.session, reason });
      if (takeOver) query.set("take_over", "1");
      const res = await fetch(`${this.base}/offer?${query}`, {
        method: "POST",
        headers: this.headers,
        credentials: "same-origin",
        body: JSON.stringify({ sdp: pc.localDescription.sdp, type: "offer" }),
        signal: withTimeout(this.controller.signal),
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw new HttpError(res.status, body.error || `http_${res.status}`, body.message);
      if (generation !== this.generation) return;
      await pc.setRemoteDescription(body);
      clearTimeout(this.connectTimer);
      this.connectTimer = setTimeout(() => {
        if (pc === this.pc && pc.connectionState !== "connected") this.recover("connect_timeout");
      }, CONNECT_TIMEOUT_MS);
    } catch (err) {
      if (this.disposed || (err && err.name === "AbortError") || generation !== this.generation) {
        return;
      }
      console.warn("call connection failed", err);
      this.onConnectError(err);
    } finally {
      if (previous) previous.close();
    }
  }

  onConnectError(err) {
    const code = err instanceof HttpError ? err.code : "connect_error";
    if (err instanceof HttpError && err.status === 409) return this.superseded();
    if (err instanceof HttpError && err.status === 410) return this.ended();
    if (err instanceof HttpError && PERMANENT_HTTP.has(err.status)) {
      this.closePc();
      this.stopTimers();
      this.update({ phase: "failed", error: code, gaveUp: true });
      return undefined;
    }
    return this.scheduleRetry(code);
  }

  onTrack(pc, event) {
    if (pc !== this.pc) return;
    this.remoteStream.addTrack(event.track);
    this.attachRemote();
  }

  attachRemote() {
    const video = this.remoteVideo();
    if (!video || !this.joined) return;
    if (video.srcObject !== this.remoteStream) video.srcObject = this.remoteStream;
    if (!this.watchingFrames) {
      this.watchingFrames = true;
      this.watchFirstFrame();
    }
    video.play().catch((err) => {
      // Autoplay with sound refused: play muted and offer a button. (An AbortError only means
      // a newer stream replaced this one.)
      if (!err || err.name !== "NotAllowedError") return;
      video.muted = true;
      this.update({ needsUnmute: true });
      video.play().catch(() => {});
    });
  }

  onConnectionState(pc) {
    if (pc !== this.pc) return;
    const state = pc.connectionState;
    clearTimeout(this.graceTimer);
    if (state === "connected") {
      clearTimeout(this.connectTimer);
      this.attempt = 0;
      const wasRecovering = this.recovering;
      this.recovering = false;
      this.update({ phase: "connected", error: "" });
      if (wasRecovering) this.notice("reconnected");
    } else if (state === "failed") {
      this.recover("connection_failed");
    } else if (state === "disconnected") {
      // Often back by itself within a second; if not, a fresh connection.
      this.update({ phase: "reconnecting" });
      this.graceTimer = setTimeout(() => {
        if (pc === this.pc && pc.connectionState !== "connected") this.recover("connection_lost");
      }, DISCONNECTED_GRACE_MS);
    }
  }

  notice(kind) {
    clearTimeout(this.noticeTimer);
    this.update({ notice: kind });
    this.noticeTimer = setTimeout(() => this.update({ notice: "" }), NOTICE_MS);
  }

  recover(code) {
    if (this.disposed || !this.joined) return;
    this.recovering = true;
    this.update({ phase: "reconnecting", error: code });
    this.connect("recover");
  }

  scheduleRetry(code) {
    if (this.disposed) return;
    this.recovering = true;
    this.closePc();
    this.update({ phase: "reconnecting", error: code });
    const delay = RETRY_DELAYS_MS[Math.min(this.attempt, RETRY_DELAYS_MS.length - 1)];
    this.attempt += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect("recover"), delay);
  }

  retryNow() {
    clearTimeout(this.retryTimer);
    this.connect("recover");
  }

  superseded() {
    this.closePc();
    this.stopTimers();
    this.joined = false;
    this.releaseLocal();
    this.update({ phase: "superseded", localStream: null });
  }

  async takeOver() {
    this.joined = false;
    await this.preview({ wantVideo: !this.audioOnly });
    this.joined = true;
    this.update({ phase: "connecting", localStream: this.stream });
    this.statusTimer = setInterval(() => this.pollStatus(), STATUS_MS);
    this.statsTimer = setInterval(() => this.pollStats(), STATS_MS);
    await this.connect("join", { takeOver: true });
  }

  ended() {
    this.closePc();
    this.stopTimers();
    this.joined = false;
    this.forget();
    this.releaseLocal();
    this.update({ phase: "ended", localStream: null });
  }

  async leave() {
    this.generation += 1;
    // Closed only once the server has heard the hang-up: closing first let it see a lost
    // connection and store that instead of "left".
    const pc = this.closePc({ keepOpen: true });
    this.stopTimers();
    this.joined = false;
    this.forget();
    this.releaseLocal();
    this.update({ phase: "left", localStream: null, notice: "" });
    await this.sendLeave("hangup");
    if (pc) pc.close();
  }

  sendLeave(reason) {
    // keepalive lets the request outlive the page; the session makes a late one harmless.
    return fetch(`${this.base}/leave?session=${this.session}`, {
      method: "POST",
      headers: this.headers,
      credentials: "same-origin",
      body: JSON.stringify({ reason }),
      keepalive: true,
    }).catch(() => {});
  }

  stopTimers() {
    clearInterval(this.statusTimer);
    clearInterval(this.statsTimer);
    clearTimeout(this.retryTimer);
    clearTimeout(this.graceTimer);
    clearTimeout(this.connectTimer);
    this.statusTimer = null;
    this.statsTimer = null;
  }

  // -- what the server says ------------------------------------------------------------------

  async pollStatus() {
    if (!this.joined || this.disposed) return;
    try {
      const res = await fetch(`${this.base}/status?session=${this.session}`, {
        method: "POST",
        headers: this.headers,
        credentials: "same-origin",
        body: JSON.stringify({
          muted: this.muted,
          camera: this.cameraOn && !this.audioOnly,
          // This browser's own rating of the call (getStats): the supervisors' board shows it.
          quality: this.view.quality,
          rtt_ms: this.view.rttMs,
          loss_pct: this.view.lossPct,
        }),
        signal: withTimeout(this.controller.signal),
      });
      const body = await res.json().catch(() => ({}));
      if (res.status === 410) return this.ended();
      if (!res.ok || !this.joined) return undefined;
      if (body.you === "superseded") return this.superseded();
      const peer = (body.peers || [])[0] || null;
      this.update({ peer });
      // The server lost us (restarted, or dropped a dead connection) while we think we're up.
      if (body.you === "absent" && this.pc && this.pc.connectionState === "connected") {
        this.recover("server_lost");
      }
    } catch (err) {
      // Offline: the connection state handler does the recovering.
    }
    return undefined;
  }

  async pollStats() {
    const pc = this.pc;
    if (!pc) return;
    try {
      const stats = await pc.getStats();
      const cur = { frames: 0, samples: 0, energy: 0, sent: 0, received: 0, lost: 0, fps: 0 };
      let rtt = null;
      let selectedPair = null;
      stats.forEach((r) => {
        if (r.type === "transport" && r.selectedCandidatePairId) selectedPair = r.selectedCandidatePairId;
      });
      stats.forEach((r) => {
        if (r.type === "inbound-rtp") {
          cur.received += r.packetsReceived || 0;
          cur.lost += Math.max(0, r.packetsLost || 0);
          if (r.kind === "video") {
            cur.frames += r.framesDecoded || 0;
            cur.fps = r.framesPerSecond || 0;
          } else if (r.kind === "audio") {
            cur.samples += r.totalSamplesReceived || 0;
            cur.energy += r.totalAudioEnergy || 0;
          }
        } else if (r.type === "outbound-rtp" && r.kind === "video") {
          cur.sent += r.framesEncoded || 0;
        } else if (r.type === "candidate-pair" && (r.id === selectedPair || r.nominated)) {
          if (typeof r.currentRoundTripTime === "number") rtt = r.currentRoundTripTime * 1000;
        }
      });
      if (pc !== this.pc) return;
      const prev = this.last;
      this.last = cur;
      this.now = { frames: cur.frames, samples: cur.samples, energy: cur.energy, sent: cur.sent };
      const dRecv = prev ? cur.received - prev.received : 0;
      const dLost = prev ? cur.lost - prev.lost : 0;
      const lossPct = dRecv + dLost > 0 ? (100 * dLost) / (dRecv + dLost) : 0;
      const receiving = !prev || dRecv > 0;
      const connected = pc.connectionState === "connected";
      this.update({
        remoteFrames: this.before.frames + cur.frames,
        remoteAudio: {
          samples: this.before.samples + cur.samples,
          energy: this.before.energy + cur.energy,
        },
        videoSent: this.before.sent + cur.sent,
        remoteLuma: meanLuma(this.remoteVideo(), this.canvas),
        quality: connected ? qualityOf(rtt, lossPct, receiving) : "unknown",
        rttMs: rtt === null ? null : Math.min(60000, Math.round(rtt)),
        lossPct: Math.round(lossPct * 10) / 10,
        fps: Math.round(cur.fps),
      });
    } catch (err) {
      // A closed connection or a video not ready yet: next time.
    }
  }

  // The first remote frame that is the other side's picture (not the server's black filler).
  watchFirstFrame() {
    const video = this.remoteVideo();
    if (!video || !video.requestVideoFrameCallback) return;
    const canvas = document.createElement("canvas");
    canvas.width = 8;
    canvas.height = 8;
    const check = () => {
      if (this.disposed || !this.joined) return;
      if (meanLuma(video, canvas) > FILLER_LUMA) {
        this.update({ firstFrameAt: performance.now() });
        return;
      }
      video.requestVideoFrameCallback(check);
    };
    video.requestVideoFrameCallback(check);
  }

  dispose() {
    this.disposed = true;
    this.generation += 1;
    this.stopTimers();
    clearTimeout(this.noticeTimer);
    this.controller.abort();
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("pagehide", this.onPageHide);
    if (this.joined) this.sendLeave("unload");
    this.closePc();
    this.releaseLocal();
  }
}

// ---------------------------------------------------------------------------------------------
// The view

// React may take a panel down and put the same one back a moment later: Reflex re-renders the
// page from its state when its websocket reconnects (after a network drop, just when the call
// has recovered). Hanging up and joining again then would cost a second reconnection and read
// as "left" + "reconnected". So a joined call whose panel goes away waits PARK_MS for a panel of
// the same call to take it back before it hangs up. (Closing the tab still hangs up at once:
// pagehide.)
const PARK_MS = 3000;
const parkedCalls = new Map(); // JSON [consultationId, token, apiBase, iceServers] -> CallSession

const INITIAL_VIEW = {
  phase: "lobby",
  devicesReady: false,
  localStream: null,
  localTrackId: "",
  cameraProblem: "ok",
  micProblem: "ok",
  cameras: [],
  mics: [],
  camId: "",
  micId: "",
  micLevel: 0,
  muted: false,
  cameraOn: true,
  audioOnly: false,
  peer: null,
  remoteFrames: 0,
  remoteLuma: -1,
  remoteAudio: { samples: 0, energy: 0 },
  videoSent: 0,
  videoTransceivers: 0,
  pcCount: 0,
  quality: "unknown",
  rttMs: null,
  lossPct: 0,
  fps: 0,
  notice: "",
  error: "",
  gaveUp: false,
  needsUnmute: false,
  joinAt: null,
  firstFrameAt: null,
};

const S = {
  // Read by screen readers, not shown (the usual visually-hidden pattern).
  offscreen: {
    position: "absolute",
    width: 1,
    height: 1,
    overflow: "hidden",
    clip: "rect(0 0 0 0)",
    clipPath: "inset(50%)",
    whiteSpace: "nowrap",
  },
  panel: {
    position: "relative",
    width: "100%",
    background: "#111",
    color: "#fff",
    borderRadius: 10,
    overflow: "hidden",
    font: "14px system-ui, sans-serif",
  },
  stage: { position: "relative", width: "100%", aspectRatio: "4 / 3", background: "#000" },
  fill: { width: "100%", height: "100%", objectFit: "contain", background: "#000", display: "block" },
  pip: {
    position: "absolute",
    right: 10,
    bottom: 10,
    width: "24%",
    aspectRatio: "4 / 3",
    objectFit: "cover",
    background: "#222",
    border: "2px solid rgba(255,255,255,0.85)",
    borderRadius: 6,
    transform: "scaleX(-1)",
  },
  center: {
    position: "absolute",
    inset: 0,
    display: "flex",
    flexDirection: "column",
    alignItems: "center",
    justifyContent: "center",
    gap: 10,
    textAlign: "center",
    padding: 16,
  },
  badge: {
    padding: "3px 8px",
    borderRadius: 4,
    background: "rgba(0,0,0,0.6)",
    color: "#fff",
    fontSize: 12,
  },
  bar: {
    display: "flex",
    flexWrap: "wrap",
    gap: 8,
    alignItems: "center",
    padding: 10,
    background: "#1b1b1f",
  },
  button: {
    padding: "8px 14px",
    borderRadius: 6,
    border: "1px solid #444",
    background: "#2a2a31",
    color: "#fff",
    cursor: "pointer",
    font: "inherit",
  },
  primary: {
    padding: "10px 18px",
    borderRadius: 6,
    border: "none",
    background: "#2563eb",
    color: "#fff",
    cursor: "pointer",
    font: "inherit",
    fontWeight: 600,
  },
  danger: { background: "#c62828", border: "none" },
  on: { background: "#f2f2f2", color: "#111" },
  select: {
    padding: "6px 8px",
    borderRadius: 6,
    border: "1px solid #444",
    background: "#222",
    color: "#fff",
    maxWidth: 220,
    font: "inherit",
  },
  alert: {
    background: "#3b2a12",
    border: "1px solid #b7791f",
    color: "#ffe8c2",
    borderRadius: 6,
    padding: "8px 12px",
    lineHeight: 1.5,
  },
};

function QualityBars({ quality, label, title }) {
  const level = { good: 3, fair: 2, poor: 1 }[quality] || 0;
  const colour = { good: "#22c55e", fair: "#eab308", poor: "#ef4444" }[quality] || "#888";
  return (
    <span
      id="call-quality"
      role="img"
      aria-label={label}
      title={title}
      data-quality={quality}
      style={{ ...S.badge, display: "inline-flex", alignItems: "flex-end", gap: 2, height: 14 }}
    >
      {[1, 2, 3].map((n) => (
        <span
          key={n}
          style={{
            width: 4,
            height: 4 + n * 3,
            borderRadius: 1,
            background: n <= level ? colour : "rgba(255,255,255,0.25)",
          }}
        />
      ))}
    </span>
  );
}

function DevicePicker({ id, label, devices, value, onChange, disabled, defaultLabel }) {
  return (
    <label style={{ display: "inline-flex", flexDirection: "column", gap: 4, fontSize: 12 }}>
      <span style={{ opacity: 0.8 }}>{label}</span>
      <select
        id={id}
        style={S.select}
        value={value}
        disabled={disabled || devices.length === 0}
        onChange={(e) => onChange(e.target.value)}
      >
        {devices.length === 0 ? <option value="">{defaultLabel}</option> : null}
        {devices.map((d) => (
          <option key={d.id} value={d.id}>
            {d.label}
          </option>
        ))}
      </select>
    </label>
  );
}

function VideoOf({ stream, style, muted, dataVideo }) {
  const ref = useRef(null);
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== stream) ref.current.srcObject = stream;
  }, [stream]);
  return <video ref={ref} data-video={dataVideo} autoPlay playsInline muted={muted} style={style} />;
}

export function CallVideo({
  consultationId,
  token = "",
  role = "",
  peerName = "",
  peerPhoto = "",
  texts = null,
  iceServers = null,
  apiBase = "",
  onStateChange = null,
  id,
  className,
  style,
}) {
  const remoteRef = useRef(null);
  const callRef = useRef(null);
  const [view, setView] = useState(INITIAL_VIEW);
  const [showDevices, setShowDevices] = useState(false);
  const onStateRef = useRef(onStateChange);
  onStateRef.current = onStateChange;
  // Texts come from showroom/texts/media.py (English and Japanese) through the page's state.
  const tx = (key) => (texts && texts[key]) || key;

  useEffect(() => {
    if (onStateRef.current) onStateRef.current(view.phase);
  }, [view.phase]);

  useEffect(() => {
    const key = JSON.stringify([consultationId, token, apiBase, iceServers]);
    const sink = (partial) => setView((v) => ({ ...v, ...partial }));
    const remoteVideo = () => remoteRef.current;
    let call = parkedCalls.get(key);
    if (call) {
      // The same call, shown again: carry on with its connection and devices.
      parkedCalls.delete(key);
      clearTimeout(call.parkTimer);
      Object.assign(call, { sink, remoteVideo });
      setView(call.view);
      call.attachRemote();
    } else {
      setView(INITIAL_VIEW);
      call = new CallSession({ consultationId, token, apiBase, iceServers, sink, remoteVideo });
      const saved = call.saved();
      if (saved) {
        // A reload during the call: straight back in, with the same choices.
        call.camId = saved.camId || "";
        call.micId = saved.micId || "";
        call.join({ audioOnly: Boolean(saved.audioOnly) });
      } else {
        call.preview({ wantVideo: true });
      }
    }
    callRef.current = call;
    const current = call;
    return () => {
      current.sink = null;
      if (!current.joined) return current.dispose(); // the lobby: let the camera go at once
      parkedCalls.set(key, current);
      current.parkTimer = setTimeout(() => {
        parkedCalls.delete(key);
        current.dispose();
      }, PARK_MS);
      return undefined;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [consultationId, token, apiBase, iceServers ? JSON.stringify(iceServers) : ""]);

  const call = callRef.current;
  const v = view;
  const inCall = ["connecting", "connected", "reconnecting", "failed"].includes(v.phase);
  const problems = [];
  if (v.devicesReady && v.cameraProblem !== "ok" && v.cameraProblem !== "off") {
    problems.push(tx(`media.camera_${v.cameraProblem}`));
  }
  if (v.devicesReady && v.micProblem !== "ok") problems.push(tx(`media.mic_${v.micProblem}`));
  const blocked = v.cameraProblem === "blocked" || v.micProblem === "blocked";
  const noCamera = v.devicesReady && v.cameraProblem !== "ok";
  const qualityTitle = [
    tx(`media.quality_${v.quality}`),
    v.rttMs !== null ? `RTT ${v.rttMs} ms` : null,
    `${v.lossPct}%`,
    v.fps ? `${v.fps} fps` : null,
  ]
    .filter(Boolean)
    .join(" · ");

  const rootData = {
    "data-state": v.phase,
    "data-remote-frames": v.remoteFrames,
    "data-remote-luma": v.remoteLuma,
    "data-remote-audio-samples": v.remoteAudio.samples,
    "data-remote-audio-energy": v.remoteAudio.energy.toFixed(4),
    "data-video-sent": v.videoSent,
    "data-video-transceivers": v.videoTransceivers,
    "data-pc-count": v.pcCount,
    "data-quality": v.quality,
    "data-rtt-ms": v.rttMs === null ? undefined : v.rttMs,
    "data-loss-pct": v.lossPct,
    "data-fps": v.fps,
    "data-notice": v.notice || undefined,
    "data-audio-only": v.audioOnly ? "true" : "false",
    "data-muted": v.muted ? "true" : "false",
    "data-camera": v.cameraOn && !v.audioOnly ? "true" : "false",
    "data-local-track": v.localTrackId || undefined,
    "data-mic-id": v.micId || undefined,
    "data-join-at": v.joinAt === null ? undefined : v.joinAt.toFixed(1),
    "data-first-frame-at": v.firstFrameAt === null ? undefined : v.firstFrameAt.toFixed(1),
    "data-error": v.error || undefined,
    "data-role": role || undefined,
  };

  const remoteHidden = v.audioOnly || (v.peer && v.peer.audio_only);
  // Until the other side is there and their picture (or sound, audio only) arrives, the
  // server's black filler is all there is: no signal bars, but who we are waiting for.
  const peerAbsent = !v.peer || v.peer.state === "absent";
  const mediaFlows = !peerAbsent && (v.firstFrameAt !== null || remoteHidden);
  const waitingText = peerName
    ? tx("media.waiting_for_named").replace("{name}", peerName)
    : tx("media.waiting_for_other");
  // Said to screen readers through a polite live region that is always in the page (one
  // added with its text is often not read): the other side joining and leaving.
  const peerHere = v.phase === "connected" && !peerAbsent;
  const peerWasHere = useRef(false);
  const [announcement, setAnnouncement] = useState("");
  useEffect(() => {
    if (peerHere === peerWasHere.current) return;
    peerWasHere.current = peerHere;
    if (v.phase !== "connected") return; // our own leaving is said by the panel itself
    const who = peerName || role || tx("media.other_person");
    setAnnouncement(tx(peerHere ? "media.peer_joined" : "media.peer_left").replace("{name}", who));
  }, [peerHere]); // eslint-disable-line react-hooks/exhaustive-deps
  const stage = (
    <div style={S.stage}>
      {/* Always mounted: it also plays the remote audio (audio-only calls included). */}
      <video
        ref={(el) => {
          remoteRef.current = el;
          if (el && callRef.current) callRef.current.attachRemote();
        }}
        data-video="remote"
        autoPlay
        playsInline
        style={{ ...S.fill, visibility: inCall && !remoteHidden ? "visible" : "hidden" }}
      />
      {inCall && remoteHidden ? (
        <div style={S.center} data-testid="audio-only-stage">
          <div
            style={{
              width: 96,
              height: 96,
              borderRadius: "50%",
              background: "#2a2a31",
              display: "flex",
              alignItems: "center",
              justifyContent: "center",
              fontSize: 40,
            }}
            aria-hidden="true"
          >
            ♪
          </div>
          <span>{role}</span>
          <span style={S.badge}>{tx("media.peer_audio_only")}</span>
        </div>
      ) : null}
      {inCall && v.localStream && !v.audioOnly && v.cameraOn ? (
        <VideoOf stream={v.localStream} muted dataVideo="local" style={S.pip} />
      ) : null}
      {inCall ? (
        <div style={{ position: "absolute", left: 10, top: 10, display: "flex", gap: 6 }}>
          {role ? <span style={S.badge}>{role}</span> : null}
          {v.peer && v.peer.state !== "absent" && v.peer.muted ? (
            <span style={S.badge} id="peer-muted">{tx("media.peer_muted")}</span>
          ) : null}
          {v.peer && v.peer.state !== "absent" && !v.peer.camera && !v.peer.audio_only ? (
            <span style={S.badge} id="peer-camera-off">{tx("media.peer_camera_off")}</span>
          ) : null}
        </div>
      ) : null}
      {inCall && mediaFlows ? (
        <div style={{ position: "absolute", right: 10, top: 10 }}>
          <QualityBars
            quality={v.quality}
            label={`${tx("media.quality")}: ${tx(`media.quality_${v.quality}`)}`}
            title={qualityTitle}
          />
        </div>
      ) : null}
      {inCall && v.phase !== "connected" ? (
        <div style={S.center}>
          <span role="status" id="call-status" style={{ ...S.badge, fontSize: 14, padding: "6px 12px" }}>
            {v.phase === "reconnecting"
              ? tx("media.reconnecting")
              : v.gaveUp
                ? tx("media.failed")
                : tx("media.connecting")}
          </span>
        </div>
      ) : null}
      {v.phase === "connected" && peerAbsent ? (
        <div style={S.center}>
          {peerPhoto ? (
            <img
              src={peerPhoto}
              alt=""
              data-testid="peer-photo"
              style={{ width: 96, height: 96, borderRadius: "50%", objectFit: "cover" }}
            />
          ) : null}
          <span role="status" id="call-waiting-other" style={{ ...S.badge, fontSize: 14, padding: "6px 12px" }}>
            {waitingText}
          </span>
        </div>
      ) : null}
      {v.notice === "reconnected" ? (
        <div style={{ position: "absolute", left: "50%", top: 12, transform: "translateX(-50%)" }}>
          <span role="status" id="call-notice" style={{ ...S.badge, background: "#166534", fontSize: 14, padding: "6px 12px" }}>
            {tx("media.reconnected")}
          </span>
        </div>
      ) : null}
      {v.needsUnmute ? (
        <button
          type="button"
          style={{ ...S.button, position: "absolute", left: 10, bottom: 10 }}
          onClick={() => {
            const video = remoteRef.current;
            if (video) {
              video.muted = false;
              video.play().catch(() => {});
            }
            setView((cur) => ({ ...cur, needsUnmute: false }));
          }}
        >
          {tx("media.enable_sound")}
        </button>
      ) : null}
    </div>
  );

  const pickers = (prefix, disabled) => (
    <>
      <DevicePicker
        id={`${prefix}-camera`}
        label={tx("media.camera")}
        devices={v.cameras}
        value={v.camId}
        disabled={disabled || v.audioOnly}
        defaultLabel={tx("media.default_device")}
        onChange={(value) => call && call.chooseDevice("video", value)}
      />
      <DevicePicker
        id={`${prefix}-mic`}
        label={tx("media.microphone")}
        devices={v.mics}
        value={v.micId}
        disabled={disabled}
        defaultLabel={tx("media.default_device")}
        onChange={(value) => call && call.chooseDevice("audio", value)}
      />
    </>
  );

  let body;
  if (v.phase === "lobby") {
    body = (
      <div id="call-lobby" style={{ display: "flex", flexDirection: "column" }}>
        <div style={S.stage}>
          {v.localStream && v.cameraProblem === "ok" ? (
            <VideoOf
              stream={v.localStream}
              muted
              dataVideo="preview"
              style={{ ...S.fill, objectFit: "cover", transform: "scaleX(-1)" }}
            />
          ) : (
            <div style={S.center}>
              <span style={{ opacity: 0.75 }}>
                {v.devicesReady ? tx(`media.camera_${v.cameraProblem}`) : tx("media.starting_camera")}
              </span>
            </div>
          )}
          <span style={{ ...S.badge, position: "absolute", left: 10, top: 10 }}>{tx("media.you")}</span>
        </div>
        <div style={{ display: "flex", flexDirection: "column", gap: 12, padding: 14 }}>
          <div style={{ display: "flex", alignItems: "center", gap: 10 }}>
            <span style={{ fontSize: 12, opacity: 0.8, minWidth: 110 }}>{tx("media.mic_level")}</span>
            <div
              id="lobby-meter"
              role="meter"
              aria-label={tx("media.mic_level")}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(v.micLevel * 100)}
              data-level={v.micLevel.toFixed(2)}
              style={{ flex: 1, height: 8, borderRadius: 4, background: "#333", overflow: "hidden" }}
            >
              <div
                style={{
                  width: `${Math.round(v.micLevel * 100)}%`,
                  height: "100%",
                  background: v.micProblem === "ok" ? "#22c55e" : "#666",
                  transition: "width 90ms linear",
                }}
              />
            </div>
          </div>
          <div style={{ display: "flex", flexWrap: "wrap", gap: 12 }}>{pickers("lobby", !v.devicesReady)}</div>
          {problems.length ? (
            <div role="alert" id="lobby-problem" style={S.alert}>
              {problems.map((p) => (
                <div key={p}>{p}</div>
              ))}
              {blocked ? <div>{tx("media.how_to_allow")}</div> : null}
              <div>
                {v.micProblem === "ok" ? tx("media.audio_only_hint") : tx("media.listen_only_hint")}
              </div>
            </div>
          ) : null}
          <div style={{ display: "flex", flexWrap: "wrap", gap: 10 }}>
            <button
              type="button"
              id="lobby-join"
              style={S.primary}
              disabled={!v.devicesReady}
              onClick={() => call && call.join({ audioOnly: noCamera })}
            >
              {noCamera ? tx("media.join_audio_only") : tx("media.join")}
            </button>
            {!noCamera ? (
              <button
                type="button"
                id="lobby-join-audio"
                style={S.button}
                disabled={!v.devicesReady}
                onClick={() => call && call.join({ audioOnly: true })}
              >
                {tx("media.join_audio_only")}
              </button>
            ) : null}
          </div>
        </div>
      </div>
    );
  } else if (inCall) {
    body = (
      <>
        {stage}
        <div style={S.bar} role="toolbar" aria-label={tx("media.devices")}>
          <button
            type="button"
            id="call-mute"
            aria-pressed={v.muted}
            style={{ ...S.button, ...(v.muted ? S.on : {}) }}
            disabled={v.micProblem !== "ok"}
            onClick={() => call && call.setMuted(!v.muted)}
          >
            {v.muted ? tx("media.unmute") : tx("media.mute")}
          </button>
          {!v.audioOnly ? (
            <button
              type="button"
              id="call-camera"
              aria-pressed={!v.cameraOn}
              style={{ ...S.button, ...(!v.cameraOn ? S.on : {}) }}
              disabled={v.cameraProblem !== "ok"}
              onClick={() => call && call.setCamera(!v.cameraOn)}
            >
              {v.cameraOn ? tx("media.camera_off") : tx("media.camera_on")}
            </button>
          ) : null}
          <button
            type="button"
            id="call-audio-only"
            aria-pressed={v.audioOnly}
            style={{ ...S.button, ...(v.audioOnly ? S.on : {}) }}
            disabled={v.audioOnly && v.cameraProblem !== "ok"}
            onClick={() => call && call.setAudioOnly(!v.audioOnly)}
          >
            {v.audioOnly ? tx("media.video_on") : tx("media.audio_only")}
          </button>
          <button
            type="button"
            id="call-devices"
            aria-expanded={showDevices}
            style={S.button}
            onClick={() => setShowDevices(!showDevices)}
          >
            {tx("media.devices")}
          </button>
          <span style={{ flex: 1 }} />
          <button
            type="button"
            id="call-leave"
            style={{ ...S.button, ...S.danger }}
            onClick={() => call && call.leave()}
          >
            {tx("media.leave")}
          </button>
          {showDevices ? (
            <div style={{ display: "flex", flexWrap: "wrap", gap: 12, width: "100%" }}>
              {pickers("call", false)}
            </div>
          ) : null}
        </div>
      </>
    );
  } else {
    const message = {
      left: tx("media.left"),
      ended: tx("media.ended"),
      superseded: tx("media.superseded"),
    }[v.phase];
    body = (
      <div style={{ ...S.stage, aspectRatio: "16 / 7" }}>
        <div style={S.center}>
          <span role={v.phase === "left" ? "status" : "alert"} id={`media-${v.phase}`} style={{ fontSize: 16 }}>
            {message}
          </span>
          {v.phase === "left" ? (
            <button type="button" id="call-rejoin" style={S.primary} onClick={() => call && call.join({ audioOnly: v.audioOnly })}>
              {tx("media.rejoin")}
            </button>
          ) : null}
          {v.phase === "superseded" ? (
            <button type="button" id="call-take-over" style={S.primary} onClick={() => call && call.takeOver()}>
              {tx("media.take_over")}
            </button>
          ) : null}
        </div>
        {/* keeps the remote element's ref stable for a rejoin */}
        <video ref={remoteRef} data-video="remote" style={{ display: "none" }} />
      </div>
    );
  }

  return (
    <div id={id} className={className} {...rootData} style={{ ...S.panel, ...style }}>
      {body}
      <div role="status" aria-live="polite" id="call-announcer" style={S.offscreen}>
        {announcement}
      </div>
    </div>
  );
}

export default CallVideo;
