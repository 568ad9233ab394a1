// A supervisor's media in a call, and each side's view of a supervisor who barged in.
// One RTCPeerConnection to the server's aiortc peer; no npm dependencies beyond React.
//
// Props: consultationId (number), mode ("monitor": receive both sides, send nothing;
// "supervisor": send camera and microphone, receive both sides; "aux": receive the supervisor
// only), token (the customer's link token; "" on the cookie), labels (array of captions, one per
// received picture, in the server's order: customer then staff, or the supervisor).
//
// The call's own connections are never touched: this is a connection of its own
// (POST /api/rtc/{id}/offer?as=monitor|supervisor|aux), closed (leave) on unmount.
//
// The root carries, for tests: data-state (connecting | connected | failed | error),
// data-error (HTTP error code), data-frames-0 / data-frames-1 (video frames decoded per
// received picture), data-audio-0 / data-audio-1 (audio samples received), data-sending
// (1 when this side sends its camera and microphone).
import { useEffect, useRef, useState } from "react";

const STATS_MS = 1000;
const GATHER_MS = 2000;

function randomSession() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, GATHER_MS);
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

function receiveCount(mode) {
  return mode === "aux" ? 1 : 2;
}

export function StepInVideo({ id, consultationId, mode = "monitor", token = "", labels = [] }) {
  const videos = [useRef(null), useRef(null)];
  const audios = [useRef(null), useRef(null)];
  const [state, setState] = useState("connecting");
  const [error, setError] = useState("");
  const [frames, setFrames] = useState([0, 0]);
  const [samples, setSamples] = useState([0, 0]);
  const [sending, setSending] = useState(false);

  useEffect(() => {
    let closed = false;
    let pc = null;
    let local = null;
    let statsTimer = null;
    const session = randomSession();
    const query = `as=${encodeURIComponent(mode)}&session=${session}`;
    const headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    const base = `/api/rtc/${consultationId}`;

    async function start() {
      const config = await fetch("/api/rtc/config", { credentials: "same-origin" }).then((r) => r.json());
      pc = new RTCPeerConnection({ iceServers: config.iceServers || [], bundlePolicy: "max-bundle" });
      const count = receiveCount(mode);
      if (mode === "supervisor") {
        local = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
        if (closed) return;
        for (const track of local.getTracks()) pc.addTransceiver(track, { direction: "sendrecv", streams: [local] });
        setSending(true);
        for (const kind of ["audio", "video"]) pc.addTransceiver(kind, { direction: "recvonly" });
      } else {
        for (const kind of ["audio", "video"]) {
          for (let i = 0; i < count; i += 1) pc.addTransceiver(kind, { direction: "recvonly" });
        }
      }
      pc.addEventListener("track", (event) => {
        const kind = event.track.kind;
        const same = pc.getTransceivers().filter((t) => t.receiver.track && t.receiver.track.kind === kind);
        const index = same.indexOf(event.transceiver);
        const target = (kind === "video" ? videos : audios)[index];
        if (target && target.current) {
          target.current.srcObject = new MediaStream([event.track]);
          target.current.play().catch(() => {});
        }
      });
      pc.addEventListener("connectionstatechange", () => {
        if (pc.connectionState === "connected") setState("connected");
        if (pc.connectionState === "failed") setState("failed");
      });
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const response = await fetch(`${base}/offer?${query}`, {
        method: "POST",
        credentials: "same-origin",
        headers,
        body: JSON.stringify({ sdp: pc.localDescription.sdp, type: pc.localDescription.type }),
      });
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        throw Object.assign(new Error(body.message || "offer refused"), { code: body.error || String(response.status) });
      }
      const answer = await response.json();
      if (closed) return;
      await pc.setRemoteDescription(answer);
      statsTimer = setInterval(readStats, STATS_MS);
    }

    async function readStats() {
      if (!pc) return;
      const kinds = { video: [0, 0], audio: [0, 0] };
      for (const kind of ["video", "audio"]) {
        const receivers = pc.getTransceivers().filter((t) => t.receiver.track && t.receiver.track.kind === kind);
        for (let i = 0; i < receivers.length && i < 2; i += 1) {
          const report = await receivers[i].receiver.getStats();
          report.forEach((s) => {
            if (s.type === "inbound-rtp") kinds[kind][i] = kind === "video" ? s.framesDecoded || 0 : s.totalSamplesReceived || 0;
          });
        }
      }
      if (!closed) {
        setFrames(kinds.video);
        setSamples(kinds.audio);
      }
    }

    start().catch((err) => {
      if (closed) return;
      setState("error");
      setError(err.code || err.name || "error");
    });

    return () => {
      closed = true;
      clearInterval(statsTimer);
      if (local) local.getTracks().forEach((t) => t.stop());
      if (pc) pc.close();
      fetch(`${base}/leave?${query}`, {
        method: "POST",
        credentials: "same-origin",
        headers,
        body: JSON.stringify({ reason: "hangup" }),
        keepalive: true,
      }).catch(() => {});
    };
  }, [consultationId, mode, token]);

  const count = receiveCount(mode);
  const pictures = [];
  for (let i = 0; i < count; i += 1) {
    pictures.push(
      <figure key={i} style={{ margin: 0, flex: "1 1 240px", minWidth: 0 }}>
        <video
          ref={videos[i]}
          autoPlay
          playsInline
          muted
          style={{ width: "100%", aspectRatio: "4 / 3", background: "#111", borderRadius: 8, objectFit: "cover" }}
        />
        <audio ref={audios[i]} autoPlay />
        <figcaption style={{ fontSize: 13, color: "var(--gray-11)", marginTop: 4 }}>{labels[i] || ""}</figcaption>
      </figure>,
    );
  }
  return (
    <div
      id={id}
      className="step-in-video"
      data-state={state}
      data-error={error}
      data-frames-0={frames[0]}
      data-frames-1={frames[1]}
      data-audio-0={samples[0]}
      data-audio-1={samples[1]}
      data-sending={sending ? "1" : "0"}
      style={{ display: "flex", gap: 12, flexWrap: "wrap", width: "100%" }}
    >
      {pictures}
    </div>
  );
}

export default StepInVideo;
