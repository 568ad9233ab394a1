// A recorded call: both participants side by side, kept in sync, with the call's timeline
// beside them. Clicking a timeline entry seeks there; playing highlights the current entry.
// No npm dependencies beyond React.
//
// Props: sides (array of {role, src, offset}: `offset` is when that side's file starts,
// in seconds on the recording's clock), timeline (array of {key, at, clock, kind, who, text}),
// texts (object with "recordings.timeline", "recordings.timeline_empty", "recordings.no_media").
//
// The first side with media drives (native controls); the others follow its clock, corrected
// when they drift more than 150 ms. The root carries, for tests: data-time (the recording's
// current second), data-duration (seconds, once known), data-ready (all sides loaded),
// data-current (the highlighted entry's key).
import { useEffect, useRef, useState } from "react";

const DRIFT_S = 0.15;

export function RecordingPlayer({ sides = [], timeline = [], texts = {}, id }) {
  const refs = useRef({});
  const [now, setNow] = useState(0);
  const [duration, setDuration] = useState(0);
  const [ready, setReady] = useState(0);
  const withMedia = sides.filter((s) => s.src);
  const lead = withMedia.length ? withMedia[0] : null;

  const leadVideo = () => (lead ? refs.current[lead.role] : null);

  useEffect(() => {
    const main = leadVideo();
    if (!main) return undefined;
    const follow = () => {
      const t = main.currentTime + Number(lead.offset || 0);
      setNow(t);
      for (const side of withMedia) {
        if (side.role === lead.role) continue;
        const other = refs.current[side.role];
        if (!other) continue;
        const want = Math.max(0, t - Number(side.offset || 0));
        if (Math.abs(other.currentTime - want) > DRIFT_S) other.currentTime = want;
        if (main.paused !== other.paused) {
          if (main.paused) other.pause();
          else other.play().catch(() => {});
        }
      }
    };
    const events = ["timeupdate", "seeked", "play", "pause", "ratechange"];
    for (const name of events) main.addEventListener(name, follow);
    return () => {
      for (const name of events) main.removeEventListener(name, follow);
    };
  }, [lead && lead.role, lead && lead.src]);

  const loaded = (side) => (event) => {
    const video = event.currentTarget;
    if (Number.isFinite(video.duration)) {
      setDuration((d) => Math.max(d, video.duration + Number(side.offset || 0)));
    }
    setReady((n) => n + 1);
  };

  const seek = (at) => {
    const main = leadVideo();
    if (!main) return;
    main.currentTime = Math.max(0, at - Number(lead.offset || 0));
    setNow(at);
  };

  let current = "";
  for (const entry of timeline) {
    if (entry.at <= now + 0.05) current = entry.key;
  }

  useEffect(() => {
    if (!current) return;
    const el = document.querySelector(`[data-entry="${current}"]`);
    if (el && el.scrollIntoView) el.scrollIntoView({ block: "nearest" });
  }, [current]);

  return (
    <div
      id={id}
      className="recording-player"
      data-time={now.toFixed(2)}
      data-duration={duration ? duration.toFixed(2) : ""}
      data-ready={ready >= withMedia.length && withMedia.length > 0 ? "1" : "0"}
      data-current={current}
      style={{ display: "flex", flexWrap: "wrap", gap: "16px", width: "100%" }}
    >
      <div style={{ display: "flex", flexWrap: "wrap", gap: "8px", flex: "3 1 420px" }}>
        {sides.map((side) => (
          <figure
            key={side.role}
            style={{ margin: 0, flex: "1 1 240px", minWidth: 0 }}
            data-side={side.role}
          >
            {side.src ? (
              <video
                ref={(el) => {
                  refs.current[side.role] = el;
                }}
                src={side.src}
                controls={lead && side.role === lead.role}
                muted={false}
                preload="auto"
                playsInline
                onLoadedMetadata={loaded(side)}
                style={{ width: "100%", background: "#111", borderRadius: "8px", aspectRatio: "4 / 3" }}
                data-role={side.role}
              />
            ) : (
              <div
                style={{
                  width: "100%", aspectRatio: "4 / 3", background: "var(--gray-3)",
                  borderRadius: "8px", display: "flex", alignItems: "center",
                  justifyContent: "center", color: "var(--gray-11)", fontSize: "14px",
                }}
              >
                {texts["recordings.no_media"] || ""}
              </div>
            )}
            <figcaption style={{ fontSize: "13px", color: "var(--gray-11)", marginTop: "4px" }}>
              {texts[`recordings.${side.role}_side`] || side.role}
            </figcaption>
          </figure>
        ))}
      </div>
      <aside style={{ flex: "1 1 260px", minWidth: 0 }}>
        <h3 style={{ fontSize: "16px", margin: "0 0 8px" }}>{texts["recordings.timeline"] || ""}</h3>
        <ol
          id="recording-timeline"
          style={{ listStyle: "none", padding: 0, margin: 0, maxHeight: "420px", overflowY: "auto" }}
        >
          {timeline.length === 0 ? (
            <li style={{ fontSize: "14px", color: "var(--gray-11)" }}>
              {texts["recordings.timeline_empty"] || ""}
            </li>
          ) : null}
          {timeline.map((entry) => (
            <li key={entry.key}>
              <button
                type="button"
                data-entry={entry.key}
                data-at={entry.at}
                data-kind={entry.kind}
                aria-current={entry.key === current ? "true" : undefined}
                onClick={() => seek(entry.at)}
                style={{
                  display: "flex", gap: "8px", width: "100%", textAlign: "left",
                  padding: "6px 8px", margin: "2px 0", border: "none", borderRadius: "6px",
                  cursor: "pointer", font: "inherit", fontSize: "14px",
                  background: entry.key === current ? "var(--accent-4)" : "transparent",
                  color: "inherit",
                }}
              >
                <span style={{ color: "var(--gray-10)", fontVariantNumeric: "tabular-nums" }}>
                  {entry.clock}
                </span>
                <span style={{ minWidth: 0, overflowWrap: "anywhere" }}>
                  {entry.who ? <strong>{entry.who}: </strong> : null}
                  {entry.text}
                </span>
              </button>
            </li>
          ))}
        </ol>
      </aside>
    </div>
  );
}

export default RecordingPlayer;
