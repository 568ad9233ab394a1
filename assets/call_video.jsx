// The call's video panel: one RTCPeerConnection to the server's aiortc peer, which relays the
// other side's audio and video. No npm dependencies beyond React.
//
// Props: consultationId (number), token (string, "" for staff on the session cookie),
// role (string, a label only), iceServers (array, optional: fetched from /api/rtc/config
// otherwise), apiBase (string, "" = same origin), unmuteLabel / connectingLabel / failedLabel
// (strings, for translation; failedLabel shows only when not retrying), onStateChange(state).
//
// The root element carries, for tests and monitoring:
//   data-state          "connecting" | "connected" | "failed"
//   data-remote-frames  video frames decoded from the remote side (getStats, every 500 ms)
//   data-remote-luma    mean luma (0-255) of the remote picture, -1 before any; the black
//                       filler (the other side not there, or away) reads 0
//   data-remote-audio-samples / data-remote-audio-energy
//                       audio samples received and their total energy (getStats): the energy
//                       grows only while the other side makes a sound (the filler is silence)
//   data-error          the last error code, if any
import { useEffect, useRef, useState } from "react";

const POLL_MS = 500;
const ICE_GATHER_TIMEOUT_MS = 3000;
const HOST_GRACE_MS = 30;
const DISCONNECTED_GRACE_MS = 4000;
const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000];
const PERMANENT_HTTP = new Set([401, 403, 404]);

function randomSession() {
  // crypto.randomUUID exists only in secure contexts; getRandomValues everywhere.
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Non-trickle: the offer goes out with its candidates. With no ICE servers every candidate is a
// host candidate and they all come at once, so the first UDP one plus a short grace is enough
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

async function openLocalMedia() {
  // Camera and microphone; then microphone only; then nothing (receive only).
  const attempts = [
    { audio: true, video: { width: { ideal: 640 }, height: { ideal: 480 } } },
    { audio: true, video: false },
  ];
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return new MediaStream();
  }
  for (const constraints of attempts) {
    try {
      return await navigator.mediaDevices.getUserMedia(constraints);
    } catch (err) {
      console.warn("getUserMedia failed", constraints, err);
    }
  }
  return new MediaStream();
}

class HttpError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.status = status;
    this.code = code;
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

export function CallVideo({
  consultationId,
  token = "",
  role = "",
  iceServers = null,
  apiBase = "",
  unmuteLabel = "Enable sound",
  connectingLabel = "Connecting…",
  failedLabel = "Could not join the call",
  onStateChange = null,
  id,
  className,
  style,
}) {
  const localRef = useRef(null);
  const remoteRef = useRef(null);
  const [state, setState] = useState("connecting");
  const [remoteFrames, setRemoteFrames] = useState(0);
  const [remoteLuma, setRemoteLuma] = useState(-1);
  const [remoteAudio, setRemoteAudio] = useState({ samples: 0, energy: 0 });
  const [error, setError] = useState("");
  const [needsUnmute, setNeedsUnmute] = useState(false);
  const [gaveUp, setGaveUp] = useState(false);
  const onStateRef = useRef(onStateChange);
  onStateRef.current = onStateChange;
  const iceKey = iceServers ? JSON.stringify(iceServers) : "";

  useEffect(() => {
    if (onStateRef.current) onStateRef.current(state);
  }, [state]);

  useEffect(() => {
    let disposed = false;
    let pc = null;
    let localStream = null;
    let ice = iceServers;
    let attempt = 0;
    let offered = false;
    let retryTimer = null;
    let graceTimer = null;
    // Counters of earlier connections of this mount, so the figures never go backwards.
    const before = { frames: 0, samples: 0, energy: 0 };
    let now = { frames: 0, samples: 0, energy: 0 };
    const session = randomSession();
    setGaveUp(false);
    const controller = new AbortController();
    const canvas = document.createElement("canvas");
    canvas.width = 8;
    canvas.height = 8;
    const base = `${apiBase}/api/rtc/${consultationId}`;
    const headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;

    const update = (next) => {
      if (!disposed) setState(next);
    };

    const playRemote = () => {
      const video = remoteRef.current;
      if (!video) return;
      video.play().catch(() => {
        // Autoplay with sound refused: play muted and offer a button.
        video.muted = true;
        setNeedsUnmute(true);
        video.play().catch(() => {});
      });
    };

    const closePc = () => {
      if (!pc) return;
      for (const key of Object.keys(before)) before[key] += now[key];
      now = { frames: 0, samples: 0, energy: 0 };
      pc.onconnectionstatechange = null;
      pc.ontrack = null;
      pc.close();
      pc = null;
    };

    const scheduleRetry = (code) => {
      closePc();
      if (disposed) return;
      setError(code);
      update("failed");
      const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)];
      attempt += 1;
      clearTimeout(retryTimer);
      retryTimer = setTimeout(connect, delay);
    };

    async function connect() {
      if (disposed) return;
      update("connecting");
      try {
        // The ICE configuration loads while the camera opens.
        const iceLoad = ice
          ? Promise.resolve(ice)
          : fetch(`${apiBase}/api/rtc/config`, {
              credentials: "same-origin",
              signal: controller.signal,
            }).then(async (res) => {
              if (!res.ok) throw new HttpError(res.status, "config_unavailable");
              return (await res.json()).iceServers || [];
            });
        iceLoad.catch(() => {}); // awaited below; this only keeps it from counting as unhandled
        if (!localStream) {
          const stream = await openLocalMedia();
          if (disposed) {
            // Unmounted while the camera opened (React StrictMode mounts twice): release it.
            stream.getTracks().forEach((t) => t.stop());
            return;
          }
          localStream = stream;
          if (localRef.current) localRef.current.srcObject = localStream;
        }
        ice = await iceLoad;
        if (disposed) return;
        const conn = new RTCPeerConnection({ iceServers: ice });
        pc = conn;
        const remoteStream = new MediaStream();
        conn.ontrack = (event) => {
          remoteStream.addTrack(event.track);
          if (remoteRef.current && remoteRef.current.srcObject !== remoteStream) {
            remoteRef.current.srcObject = remoteStream;
          }
          playRemote();
        };
        conn.onconnectionstatechange = () => {
          if (pc !== conn) return;
          const s = conn.connectionState;
          clearTimeout(graceTimer);
          if (s === "connected") {
            attempt = 0;
            setError("");
            update("connected");
          } else if (s === "failed") {
            scheduleRetry("connection_failed");
          } else if (s === "disconnected") {
            graceTimer = setTimeout(() => {
              if (pc === conn && conn.connectionState !== "connected") {
                scheduleRetry("connection_lost");
              }
            }, DISCONNECTED_GRACE_MS);
          }
        };
        for (const kind of ["audio", "video"]) {
          const track = localStream.getTracks().find((t) => t.kind === kind);
          if (track) {
            conn.addTransceiver(track, { direction: "sendrecv", streams: [localStream] });
          } else {
            conn.addTransceiver(kind, { direction: "recvonly" });
          }
        }
        await conn.setLocalDescription(await conn.createOffer());
        await waitForIceGathering(conn, ice.length === 0, ICE_GATHER_TIMEOUT_MS);
        if (disposed || pc !== conn) return;
        offered = true;
        const res = await fetch(`${base}/offer?session=${session}`, {
          method: "POST",
          headers,
          credentials: "same-origin",
          body: JSON.stringify({ sdp: conn.localDescription.sdp, type: "offer" }),
          signal: controller.signal,
        });
        const body = await res.json().catch(() => ({}));
        if (!res.ok) throw new HttpError(res.status, body.error || `http_${res.status}`, body.message);
        if (disposed || pc !== conn) return;
        await conn.setRemoteDescription(body);
      } catch (err) {
        if (disposed || (err && err.name === "AbortError")) return;
        console.warn("call connection failed", err);
        if (err instanceof HttpError && PERMANENT_HTTP.has(err.status)) {
          closePc();
          setError(err.code);
          setGaveUp(true);
          update("failed"); // not retried: the link or session is not valid for this call
          return;
        }
        scheduleRetry(err instanceof HttpError ? err.code : "connect_error");
      }
    }

    const poll = setInterval(async () => {
      const conn = pc;
      if (!conn) return;
      try {
        const stats = await conn.getStats();
        const current = { frames: 0, samples: 0, energy: 0 };
        stats.forEach((report) => {
          if (report.type !== "inbound-rtp") return;
          if (report.kind === "video") {
            current.frames += report.framesDecoded || 0;
          } else if (report.kind === "audio") {
            current.samples += report.totalSamplesReceived || 0;
            current.energy += report.totalAudioEnergy || 0;
          }
        });
        if (disposed || conn !== pc) return;
        now = current;
        setRemoteFrames(before.frames + now.frames);
        setRemoteAudio({
          samples: before.samples + now.samples,
          energy: before.energy + now.energy,
        });
        setRemoteLuma(meanLuma(remoteRef.current, canvas));
      } catch (err) {
        // A closed connection or a video not ready yet: try again next time.
      }
    }, POLL_MS);

    connect();

    return () => {
      disposed = true;
      clearInterval(poll);
      clearTimeout(retryTimer);
      clearTimeout(graceTimer);
      controller.abort();
      closePc();
      if (localStream) localStream.getTracks().forEach((t) => t.stop());
      if (offered) {
        // keepalive lets the request outlive the page; the session makes a late one harmless.
        fetch(`${base}/leave?session=${session}`, {
          method: "POST",
          headers,
          credentials: "same-origin",
          body: "{}",
          keepalive: true,
        }).catch(() => {});
      }
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [consultationId, token, apiBase, iceKey]);

  const unmute = () => {
    const video = remoteRef.current;
    if (video) {
      video.muted = false;
      video.play().catch(() => {});
    }
    setNeedsUnmute(false);
  };

  return (
    <div
      id={id}
      className={className}
      data-state={state}
      data-remote-frames={remoteFrames}
      data-remote-luma={remoteLuma}
      data-remote-audio-samples={remoteAudio.samples}
      data-remote-audio-energy={remoteAudio.energy.toFixed(4)}
      data-error={error || undefined}
      data-role={role || undefined}
      style={{
        position: "relative",
        width: "100%",
        aspectRatio: "4 / 3",
        background: "#000",
        overflow: "hidden",
        borderRadius: 8,
        ...style,
      }}
    >
      <video
        ref={remoteRef}
        data-video="remote"
        autoPlay
        playsInline
        style={{ width: "100%", height: "100%", objectFit: "contain", background: "#000" }}
      />
      <video
        ref={localRef}
        data-video="local"
        autoPlay
        playsInline
        muted
        style={{
          position: "absolute",
          right: 8,
          bottom: 8,
          width: "24%",
          aspectRatio: "4 / 3",
          objectFit: "cover",
          background: "#222",
          border: "2px solid rgba(255,255,255,0.8)",
          borderRadius: 6,
          transform: "scaleX(-1)",
        }}
      />
      {role ? (
        <span
          style={{
            position: "absolute",
            left: 8,
            top: 8,
            padding: "2px 8px",
            borderRadius: 4,
            background: "rgba(0,0,0,0.55)",
            color: "#fff",
            font: "12px sans-serif",
          }}
        >
          {role}
        </span>
      ) : null}
      {state !== "connected" ? (
        <span
          role="status"
          style={{
            position: "absolute",
            left: "50%",
            top: "50%",
            transform: "translate(-50%, -50%)",
            color: "#fff",
            font: "14px sans-serif",
            opacity: 0.8,
          }}
        >
          {gaveUp ? failedLabel : connectingLabel}
        </span>
      ) : null}
      {needsUnmute ? (
        <button
          type="button"
          onClick={unmute}
          style={{ position: "absolute", left: 8, bottom: 8, padding: "6px 12px" }}
        >
          {unmuteLabel}
        </button>
      ) : null}
    </div>
  );
}

export default CallVideo;
