// Photo Sphere Viewer 5.15.1 wrapped as a React component for Reflex.
//
// Wrapped in Python by showroom/components/panorama_viewer.py (a NoSSRComponent,
// so this module is only ever imported in the browser: WebGL and window).
// npm versions are pinned there (lib_dependencies); keep both files in step.
//
// Props (plain JSON, they come from Reflex state):
//   panorama      tiler contract {version, tileSize, flipTopBottom, base{left..bottom},
//                 levels[{faceSize, nbTiles}], tile "{faceSize}/{face}_{col}_{row}.jpg"}
//   baseUrl       URL prefix the relative paths of `panorama` hang off
//   markers       [{id, yaw, pitch, label, kind: "product"|"scene", badge: "in"|"few"|"out"|""}]
//                 or {id, yaw, pitch, kind: "heat", share: 0-1} (the supervisor's heatmap)
//   defaultYaw, defaultPitch (radians), defaultZoom (0-100): used at mount and on
//                 every panorama change (scene navigation); a later change for the same
//                 panorama moves the view only while the user has not moved it (a page's
//                 restored state may come just before the link's own view)
//   lang          optional PSV `lang` overrides (navbar tooltips), e.g. Japanese
//   autorotateDelay  ms of idleness before the view turns by itself; 0 never (default 0)
//   gyroscope     true: a navbar button lets a phone's motion drive the view (default false)
//   onMarkerClick(id), onViewChange({yaw, pitch, zoom, auto}) (≤ 2/s; auto: true while
//                 autorotating, not the visitor looking), onReady()
// Markers are focusable (Tab) and open with Enter or Space, like a click.
//
// Test hooks: window.__psv is the live Viewer; the container carries
//   data-ready="true"        once the first panorama has rendered,
//   data-panorama="<url>"    the baseUrl of the panorama currently rendered,
//   data-tiles-loaded="<n>"  number of tile images loaded so far (base faces excluded).
//
// Guided tour (a call's customer follows staff; see showroom/components/guided_tour.py):
//   targetView    {yaw, pitch, zoom, seq}: animate there whenever it changes (seq makes a
//                 repeat of the same view move again); null leaves the view alone
//   highlight     marker id to point out (pulses), "" for none
//   viewChangeInterval  ms between onViewChange events (default 500; staff steer at 200)
//   onUserInteraction()  the user dragged, scrolled, pressed an arrow key or clicked in the
//                 viewer (at most once a second): the customer takes control
//   test hooks: data-target-seq (seq of the last view animated to), data-highlight

import React, { useCallback, useEffect, useRef } from "react";
import { Viewer } from "@photo-sphere-viewer/core";
import { CubemapTilesAdapter } from "@photo-sphere-viewer/cubemap-tiles-adapter";
import { MarkersPlugin } from "@photo-sphere-viewer/markers-plugin";
import { AutorotatePlugin } from "@photo-sphere-viewer/autorotate-plugin";
import { GyroscopePlugin } from "@photo-sphere-viewer/gyroscope-plugin";
import "@photo-sphere-viewer/core/index.css";
import "@photo-sphere-viewer/markers-plugin/index.css";

const FACES = ["left", "front", "right", "back", "top", "bottom"];
const VIEW_CHANGE_INTERVAL_MS = 500;

// Where the time to first pixels goes (read by bench/tour_load.py).
if (typeof performance !== "undefined" && performance.mark) {
  performance.mark("psv:module");
}

const STYLE_ID = "showroom-psv-style";
const STYLE = `
.showroom-psv { position: relative; width: 100%; height: 100%; min-height: 0; overflow: hidden; outline: none; }
.showroom-psv:focus-visible { box-shadow: inset 0 0 0 3px #3b82f6; }
/* Transparent until the canvas is drawn: the page's preview of the scene shows through. */
.showroom-psv .psv-container { width: 100%; height: 100%; background: transparent; }
.showroom-psv-pill { display: inline-flex; align-items: center; gap: 6px; padding: 5px 12px 5px 8px;
  border-radius: 999px; background: rgba(255,255,255,0.94); color: #111; font: 600 13px/1.2 system-ui, sans-serif;
  box-shadow: 0 2px 8px rgba(0,0,0,0.35); white-space: nowrap; cursor: pointer; user-select: none; }
.showroom-psv-pill:hover { background: #fff; }
.showroom-psv [data-marker-id]:focus-visible { outline: 3px solid #3b82f6; outline-offset: 2px; }
.showroom-psv-badge { width: 10px; height: 10px; border-radius: 50%; flex: none; box-shadow: 0 0 0 2px rgba(0,0,0,0.12); }
.showroom-psv-badge[data-badge="in"] { background: #16a34a; }
.showroom-psv-badge[data-badge="few"] { background: #f59e0b; }
.showroom-psv-badge[data-badge="out"] { background: #dc2626; }
.showroom-psv-dot { width: 10px; height: 10px; border-radius: 50%; flex: none; background: #111; }
.showroom-psv-scene { display: flex; flex-direction: column; align-items: center; gap: 4px; cursor: pointer; user-select: none; }
.showroom-psv-scene-icon { display: flex; align-items: center; justify-content: center; width: 40px; height: 40px;
  border-radius: 50%; background: rgba(17,17,17,0.55); border: 3px solid #fff; color: #fff;
  box-shadow: 0 2px 8px rgba(0,0,0,0.4); font: 700 20px/1 system-ui, sans-serif; }
.showroom-psv-scene:hover .showroom-psv-scene-icon { background: rgba(17,17,17,0.8); }
.showroom-psv-scene-label { padding: 2px 8px; border-radius: 6px; background: rgba(17,17,17,0.7); color: #fff;
  font: 600 12px/1.3 system-ui, sans-serif; white-space: nowrap; }
`;

function ensureStyle() {
  if (typeof document === "undefined" || document.getElementById(STYLE_ID)) {
    return;
  }
  const el = document.createElement("style");
  el.id = STYLE_ID;
  el.textContent = STYLE;
  document.head.appendChild(el);
}

function escapeHtml(text) {
  return String(text ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function applyView(viewer, { yaw, pitch, zoom }) {
  viewer.rotate({ yaw, pitch });
  viewer.zoom(zoom);
}

function joinUrl(baseUrl, path) {
  if (/^([a-z]+:)?\/\//i.test(path) || path.startsWith("/")) {
    return path;
  }
  const base = baseUrl || "";
  if (!base) {
    return path;
  }
  return base.endsWith("/") ? base + path : `${base}/${path}`;
}

function isPanorama(panorama) {
  return !!(panorama && panorama.base && FACES.every((f) => panorama.base[f]));
}

function panoramaKey(panorama, baseUrl) {
  return isPanorama(panorama) ? `${baseUrl || ""}|${JSON.stringify(panorama)}` : "";
}

// Tiler contract -> CubemapTilesAdapter panorama (CubemapMultiTilesPanorama).
function buildPanorama(panorama, baseUrl) {
  const flip = !!panorama.flipTopBottom;
  const paths = {};
  FACES.forEach((face) => {
    paths[face] = joinUrl(baseUrl, panorama.base[face]);
  });
  const given = Array.isArray(panorama.levels) ? panorama.levels : [];
  const levels = given.map((l) => ({ faceSize: Number(l.faceSize), nbTiles: Number(l.nbTiles) }));
  const template = panorama.tile || "";
  const noTiles = levels.length === 0 || !template;
  return {
    // The base is passed in the "separate" form so flipTopBottom applies to it too.
    baseUrl: { type: "separate", paths, flipTopBottom: flip },
    // Without levels only the base is shown: one dummy level whose tiles do not exist.
    levels: noTiles ? [{ faceSize: Number(panorama.tileSize) || 512, nbTiles: 1 }] : levels,
    tileUrl: (face, col, row, level) => {
      if (noTiles) {
        return null;
      }
      const path = template
        .replaceAll("{faceSize}", String(levels[level].faceSize))
        .replaceAll("{face}", face)
        .replaceAll("{col}", String(col))
        .replaceAll("{row}", String(row));
      return joinUrl(baseUrl, path);
    },
    flipTopBottom: flip,
  };
}

// A product hotspot's name for screen readers adds its stock ("Sofa · ¥248,000, In stock"):
// the words come with the viewer's texts (`lang.stock_in` …), kept here for markerHtml.
let stockWords = {};

function spokenLabel(m) {
  const stock = m.badge ? stockWords[`stock_${m.badge}`] : "";
  return stock ? `${m.label}, ${stock}` : m.label;
}

function markerHtml(m) {
  const label = escapeHtml(m.label);
  const spoken = escapeHtml(spokenLabel(m));
  if (m.kind === "scene") {
    return (
      `<div class="showroom-psv-scene" data-marker-id="${escapeHtml(m.id)}" title="${label}" tabindex="0" role="button" aria-label="${label}">` +
      `<span class="showroom-psv-scene-icon" aria-hidden="true">&#x2191;</span>` +
      `<span class="showroom-psv-scene-label">${label}</span></div>`
    );
  }
  const badge = m.badge
    ? `<span class="showroom-psv-badge" data-badge="${escapeHtml(m.badge)}" aria-hidden="true"></span>`
    : `<span class="showroom-psv-dot" aria-hidden="true"></span>`;
  return (
    `<div class="showroom-psv-pill" data-marker-id="${escapeHtml(m.id)}" data-badge="${escapeHtml(m.badge || "")}" title="${spoken}" tabindex="0" role="button" aria-label="${spoken}">` +
    `${badge}<span class="showroom-psv-label">${label}</span></div>`
  );
}

function markerConfig(m) {
  if (m.kind === "heat") {
    // The supervisor's heatmap: a translucent disc per 10-degree cell, hotter = redder.
    const share = Math.max(0, Math.min(1, Number(m.share) || 0));
    const size = Math.round(48 + 40 * share);
    const hue = Math.round(60 - 60 * share);
    return {
      id: String(m.id),
      position: { yaw: Number(m.yaw) || 0, pitch: Number(m.pitch) || 0 },
      html: `<span class="showroom-psv-heat-cell" data-share="${share}"></span>`,
      size: { width: size, height: size },
      anchor: "center center",
      className: "showroom-psv-heat",
      style: {
        width: `${size}px`,
        height: `${size}px`,
        borderRadius: "50%",
        pointerEvents: "none",
        background: `radial-gradient(circle, hsla(${hue}, 100%, 50%, ${0.25 + 0.5 * share}) 0%, hsla(${hue}, 100%, 50%, 0) 70%)`,
      },
      zIndex: 0,
      data: { kind: "heat" },
    };
  }
  return {
    id: String(m.id),
    position: { yaw: Number(m.yaw) || 0, pitch: Number(m.pitch) || 0 },
    html: markerHtml(m),
    anchor: "center center",
    className: m.kind === "scene" ? "showroom-psv-marker--scene" : "showroom-psv-marker--product",
    zIndex: m.kind === "scene" ? 1 : 2,
    data: { kind: m.kind || "product" },
  };
}

// Applies `markers` to the plugin by id: add, update what changed, remove the rest.
function syncMarkers(plugin, applied, markers) {
  const wanted = new Map();
  (Array.isArray(markers) ? markers : []).forEach((m) => {
    if (m && m.id !== undefined && m.id !== null) {
      wanted.set(String(m.id), m);
    }
  });
  const toRemove = [];
  applied.forEach((_sig, id) => {
    if (!wanted.has(id)) {
      toRemove.push(id);
    }
  });
  const ops = [];
  wanted.forEach((m, id) => {
    const sig = JSON.stringify(m);
    const previous = applied.get(id);
    if (previous !== sig) {
      ops.push([previous === undefined ? "add" : "update", markerConfig(m)]);
      applied.set(id, sig);
    }
  });
  toRemove.forEach((id) => applied.delete(id));
  if (toRemove.length) {
    plugin.removeMarkers(toRemove, ops.length === 0);
  }
  // Render once, with the last operation of the batch.
  ops.forEach(([op, config], i) => {
    const render = i === ops.length - 1;
    if (op === "add") {
      plugin.addMarker(config, render);
    } else {
      plugin.updateMarker(config, render);
    }
  });
}

// Guided tour helpers (see the props above).
const GUIDE_ANIMATION_MS = 400;
const GUIDE_RETRY_MS = 100;
const USER_INTERACTION_INTERVAL_MS = 1000;
const GUIDE_EVENTS = ["pointerdown", "wheel", "keydown", "touchstart"];
const GUIDE_KEYS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "PageUp", "PageDown", "+", "-"]);
const HIGHLIGHT_STYLE_ID = "showroom-psv-highlight";
const HIGHLIGHT_STYLE = `
@keyframes showroom-psv-pulse {
  0%, 100% { transform: scale(1); box-shadow: 0 0 0 0 rgba(250, 204, 21, 0.9); }
  50% { transform: scale(1.15); box-shadow: 0 0 0 12px rgba(250, 204, 21, 0); }
}`;

function setHighlightRule(id) {
  if (typeof document === "undefined") {
    return;
  }
  let el = document.getElementById(HIGHLIGHT_STYLE_ID);
  if (!el) {
    el = document.createElement("style");
    el.id = HIGHLIGHT_STYLE_ID;
    document.head.appendChild(el);
  }
  const sel = id ? CSS.escape(id) : "";
  el.textContent = !id
    ? HIGHLIGHT_STYLE
    : `${HIGHLIGHT_STYLE}
.showroom-psv[data-highlight="${sel}"] [data-marker-id="${sel}"] {
  outline: 3px solid #facc15; outline-offset: 3px; border-radius: 999px;
  animation: showroom-psv-pulse 1.2s ease-in-out infinite; }`;
}

export function PanoramaViewer(props) {
  const {
    panorama,
    baseUrl,
    markers,
    defaultYaw,
    defaultPitch,
    defaultZoom,
    lang,
    className,
    autorotateDelay: _autorotateDelay,
    gyroscope: _gyroscope,
    // Consumed through propsRef; kept out of `rest` so they do not reach the DOM.
    onMarkerClick: _onMarkerClick,
    onViewChange: _onViewChange,
    onReady: _onReady,
    targetView,
    highlight,
    viewChangeInterval: _viewChangeInterval,
    onUserInteraction: _onUserInteraction,
    ref: _ref,
    ...rest // id, style, data-*, aria-*, DOM event handlers: onto the container
  } = props;
  stockWords = lang || {};

  const containerRef = useRef(null);
  const viewerRef = useRef(null);
  const markersRef = useRef(null);
  const readyRef = useRef(false);
  const appliedMarkersRef = useRef(new Map());
  const loadedKeyRef = useRef("");
  // A setPanorama() in flight: marker changes wait for the new scene.
  const switchingRef = useRef(false);
  // The user moved the view of the current panorama themselves.
  const touchedRef = useRef(false);
  // A default view that came before the first frame: applied once the viewer is ready.
  const pendingViewRef = useRef(null);
  // Helpers created with the viewer and used by the other effects.
  const hooksRef = useRef(null);
  // Latest props for callbacks registered once on the viewer.
  const propsRef = useRef(props);
  propsRef.current = props;

  const key = panoramaKey(panorama, baseUrl);

  // React 19 passes `ref` as a prop (Reflex gives one when `id` is set): point it
  // at the container div as well.
  const setContainer = useCallback((el) => {
    containerRef.current = el;
    const outer = propsRef.current.ref;
    if (typeof outer === "function") {
      outer(el);
    } else if (outer && typeof outer === "object") {
      outer.current = el;
    }
  }, []);

  // Create the viewer once; destroy it on unmount.
  // Creation waits for a microtask: React StrictMode (dev) mounts, unmounts and
  // remounts synchronously, and a viewer destroyed while its images load aborts
  // three's shared in-flight requests, leaving the second viewer loading forever.
  useEffect(() => {
    let destroyViewer = null;
    let cancelled = false;
    Promise.resolve().then(() => {
      if (!cancelled) {
        destroyViewer = createViewer();
      }
    });
    return () => {
      cancelled = true;
      destroyViewer?.();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  function createViewer() {
    ensureStyle();
    const container = containerRef.current;
    if (!container) {
      return null;
    }
    const initial = propsRef.current;
    const initialKey = panoramaKey(initial.panorama, initial.baseUrl);
    let tilesLoaded = 0;
    // Every base face URL seen (they go through loadImage too, but are not tiles).
    const baseUrls = new Set();
    let viewChangeTimer = null;
    let lastView = "";
    let destroyed = false;

    container.setAttribute("data-ready", "false");
    container.setAttribute("data-tiles-loaded", "0");

    const idleMs = Number(initial.autorotateDelay) || 0;
    const plugins = [MarkersPlugin.withConfig({ markers: [] })];
    const navbar = [];
    if (idleMs > 0) {
      // Turns slowly while nobody touches it; any drag, key or wheel stops it.
      plugins.push(AutorotatePlugin.withConfig({
        autostartDelay: idleMs, autostartOnIdle: true, autorotateSpeed: "1rpm",
      }));
      navbar.push("autorotate");
    }
    navbar.push("zoom", "move");
    if (initial.gyroscope) {
      // Its button shows only where the device has motion sensors; on iOS it asks for
      // permission when pressed (a user gesture, as Safari requires).
      plugins.push(GyroscopePlugin.withConfig({ touchmove: true }));
      navbar.push("gyroscope");
    }
    const config = {
      container,
      // A tile that fails to load leaves the base face visible (no warning sign).
      adapter: CubemapTilesAdapter.withConfig({ baseBlur: false, showErrorTile: false }),
      plugins,
      // Fullscreen is the page's (so the product panel stays visible), not the viewer's.
      navbar,
      mousewheel: true,
      // Arrow keys drive the view while the viewer has focus (see focus handlers
      // below) and always in fullscreen; "always" would steal keys from the page.
      keyboard: "fullscreen",
      loadingTxt: null, // no text (language neutral), the progress ring only
      defaultYaw: Number(initial.defaultYaw) || 0,
      defaultPitch: Number(initial.defaultPitch) || 0,
      defaultZoomLvl: initial.defaultZoom ?? 50,
    };
    if (initial.lang) {
      config.lang = initial.lang;
    }
    if (initialKey) {
      config.panorama = buildPanorama(initial.panorama, initial.baseUrl);
      Object.values(config.panorama.baseUrl.paths).forEach((u) => baseUrls.add(u));
      loadedKeyRef.current = initialKey;
    }
    const viewer = new Viewer(config);
    performance.mark?.("psv:created");
    const plugin = viewer.getPlugin(MarkersPlugin);
    const autorotate = idleMs > 0 ? viewer.getPlugin(AutorotatePlugin) : null;
    viewerRef.current = viewer;
    markersRef.current = plugin;
    window.__psv = viewer;

    // Count tile images (not the six base faces) as they arrive.
    const loader = viewer.textureLoader;
    const originalLoadImage = loader.loadImage.bind(loader);
    loader.loadImage = (url, onProgress, cacheKey) =>
      originalLoadImage(url, onProgress, cacheKey).then((img) => {
        if (!destroyed && !baseUrls.has(url)) {
          tilesLoaded += 1;
          container.setAttribute("data-tiles-loaded", String(tilesLoaded));
        }
        return img;
      });

    // data-ready / data-panorama once a frame of the current panorama was drawn.
    let pendingRenderMark = initialKey ? initial.baseUrl || "" : null;
    const onRender = () => {
      if (pendingRenderMark === null || !viewer.state.ready) {
        return;
      }
      container.setAttribute("data-panorama", pendingRenderMark);
      pendingRenderMark = null;
      if (!readyRef.current) {
        readyRef.current = true;
        if (pendingViewRef.current && !touchedRef.current) {
          applyView(viewer, pendingViewRef.current);
        }
        pendingViewRef.current = null;
        performance.mark?.("psv:first-render");
        // The preview the page showed before any script ran (showroom/tour_prelude.py).
        document.getElementById("tour-splash")?.remove();
        container.setAttribute("data-ready", "true");
        propsRef.current.onReady?.();
      }
    };
    hooksRef.current = {
      addBaseUrls: (urls) => urls.forEach((u) => baseUrls.add(u)),
      markRendered: (url) => {
        pendingRenderMark = url;
        viewer.needsUpdate();
      },
    };
    viewer.addEventListener("render", onRender);

    viewer.addEventListener("ready", () => {
      syncMarkers(plugin, appliedMarkersRef.current, propsRef.current.markers);
    }, { once: true });

    plugin.addEventListener("select-marker", (e) => {
      propsRef.current.onMarkerClick?.(String(e.marker.id));
    });

    // View changes: trailing throttle, at most one event per interval.
    const emitView = () => {
      viewChangeTimer = null;
      if (destroyed || !propsRef.current.onViewChange) {
        return;
      }
      const pos = viewer.getPosition();
      const view = {
        yaw: Math.round(pos.yaw * 10000) / 10000,
        pitch: Math.round(pos.pitch * 10000) / 10000,
        zoom: Math.round(viewer.getZoomLevel() * 100) / 100,
        auto: !!autorotate?.isEnabled(),
      };
      const sig = JSON.stringify(view);
      if (sig !== lastView) {
        lastView = sig;
        propsRef.current.onViewChange(view);
      }
    };
    const onViewUpdated = () => {
      if (viewChangeTimer === null) {
        viewChangeTimer = setTimeout(
          emitView,
          Number(propsRef.current.viewChangeInterval) || VIEW_CHANGE_INTERVAL_MS,
        );
      }
    };
    viewer.addEventListener("position-updated", onViewUpdated);
    viewer.addEventListener("zoom-updated", onViewUpdated);

    // Keyboard control while focused.
    const onFocusIn = () => viewer.startKeyboardControl();
    const onFocusOut = (e) => {
      if (!container.contains(e.relatedTarget) && !viewer.isFullscreenEnabled()) {
        viewer.stopKeyboardControl();
      }
    };
    container.addEventListener("focusin", onFocusIn);
    container.addEventListener("focusout", onFocusOut);

    // A focused marker opens with Enter or Space, as a button does.
    const onKeyDown = (e) => {
      const target = e.target?.closest?.("[data-marker-id]");
      if (target && (e.key === "Enter" || e.key === " ")) {
        e.preventDefault();
        e.stopPropagation();
        propsRef.current.onMarkerClick?.(target.getAttribute("data-marker-id"));
      }
    };
    container.addEventListener("keydown", onKeyDown);

    return () => {
      destroyed = true;
      if (viewChangeTimer !== null) {
        clearTimeout(viewChangeTimer);
      }
      container.removeEventListener("focusin", onFocusIn);
      container.removeEventListener("focusout", onFocusOut);
      container.removeEventListener("keydown", onKeyDown);
      if (window.__psv === viewer) {
        delete window.__psv;
      }
      viewerRef.current = null;
      markersRef.current = null;
      hooksRef.current = null;
      switchingRef.current = false;
      readyRef.current = false;
      appliedMarkersRef.current = new Map();
      loadedKeyRef.current = "";
      viewer.destroy();
      container.removeAttribute("data-ready");
      container.removeAttribute("data-panorama");
      container.removeAttribute("data-tiles-loaded");
    };
  }

  // Scene navigation: swap the panorama in place, at the new default position.
  useEffect(() => {
    const viewer = viewerRef.current;
    if (!viewer || !key || key === loadedKeyRef.current) {
      return;
    }
    loadedKeyRef.current = key;
    touchedRef.current = false;
    pendingViewRef.current = null;
    const config = buildPanorama(panorama, baseUrl);
    const hooks = hooksRef.current;
    hooks.addBaseUrls(Object.values(config.baseUrl.paths));
    const url = baseUrl || "";
    switchingRef.current = true;
    const settle = () => {
      if (loadedKeyRef.current !== key || viewerRef.current !== viewer) {
        return; // superseded by a later scene, or unmounted
      }
      switchingRef.current = false;
      if (viewer.state.ready) {
        syncMarkers(markersRef.current, appliedMarkersRef.current, propsRef.current.markers);
        if (readyRef.current && pendingViewRef.current && !touchedRef.current) {
          applyView(viewer, pendingViewRef.current);
          pendingViewRef.current = null;
        }
      }
    };
    viewer
      .setPanorama(config, {
        position: { yaw: Number(defaultYaw) || 0, pitch: Number(defaultPitch) || 0 },
        zoom: defaultZoom ?? 50,
        transition: false,
        showLoader: true,
      })
      .then((done) => {
        if (done !== false && loadedKeyRef.current === key && viewerRef.current === viewer) {
          hooks.markRendered(url);
        }
        settle();
      })
      .catch((err) => {
        console.error("PanoramaViewer: setPanorama failed", err);
        settle();
      });
    // Only the panorama identity triggers navigation; default_* are read with it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  // Markers: update in place (price, stock, label), no viewer re-creation.
  const markersSig = JSON.stringify(markers ?? []);
  useEffect(() => {
    const viewer = viewerRef.current;
    const plugin = markersRef.current;
    if (!viewer || !plugin || !viewer.state.ready || switchingRef.current) {
      return; // applied on "ready" / when the new panorama is in
    }
    syncMarkers(plugin, appliedMarkersRef.current, markers);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [markersSig]);

  useEffect(() => {
    const viewer = viewerRef.current;
    if (viewer && lang) {
      viewer.setOption("lang", lang);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [JSON.stringify(lang ?? null)]);

  // Guided tour: follow a target view once the viewer is ready and not changing scene.
  const targetSig = targetView ? JSON.stringify(targetView) : "";
  useEffect(() => {
    if (!targetView) {
      return undefined;
    }
    let timer = null;
    const apply = () => {
      const viewer = viewerRef.current;
      if (!viewer || !viewer.state.ready || switchingRef.current) {
        timer = setTimeout(apply, GUIDE_RETRY_MS);
        return;
      }
      timer = null;
      const zoom = Number(targetView.zoom);
      viewer.animate({
        yaw: Number(targetView.yaw) || 0,
        pitch: Number(targetView.pitch) || 0,
        ...(Number.isFinite(zoom) ? { zoom } : {}),
        speed: GUIDE_ANIMATION_MS,
      });
      containerRef.current?.setAttribute("data-target-seq", String(targetView.seq ?? ""));
    };
    apply();
    return () => {
      if (timer !== null) {
        clearTimeout(timer);
      }
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [targetSig]);

  // Guided tour: point out one marker (a CSS rule, so it survives marker re-renders).
  useEffect(() => {
    const el = containerRef.current;
    const id = highlight ? String(highlight) : "";
    if (!el) {
      return;
    }
    if (id) {
      el.setAttribute("data-highlight", id);
    } else {
      el.removeAttribute("data-highlight");
    }
    setHighlightRule(id);
  }, [highlight]);

  // A new default view for the panorama on show (the link's own view arriving after the
  // page's restored state): go there, unless the user has already looked around.
  useEffect(() => {
    const viewer = viewerRef.current;
    if (!viewer || touchedRef.current) {
      return;
    }
    if (!key || key !== loadedKeyRef.current) {
      return; // a scene change brings its own position
    }
    const view = { yaw: Number(defaultYaw) || 0, pitch: Number(defaultPitch) || 0,
      zoom: defaultZoom ?? 50 };
    if (readyRef.current && !switchingRef.current) {
      applyView(viewer, view);
    } else {
      // Not on show yet, or still being swapped in at the view it was asked for before
      // (a restored state's): the newer view is taken once it is.
      pendingViewRef.current = view;
    }
  }, [defaultYaw, defaultPitch, defaultZoom]);

  // Guided tour: tell the page when the user moves the view themselves.
  useEffect(() => {
    const el = containerRef.current;
    if (!el) {
      return undefined;
    }
    let last = 0;
    const onInteract = (e) => {
      if (e.type === "keydown" && !GUIDE_KEYS.has(e.key)) {
        return;
      }
      touchedRef.current = true;
      if (!propsRef.current.onUserInteraction) {
        return;
      }
      const now = Date.now();
      if (now - last >= USER_INTERACTION_INTERVAL_MS) {
        last = now;
        propsRef.current.onUserInteraction();
      }
    };
    const options = { capture: true, passive: true };
    GUIDE_EVENTS.forEach((type) => el.addEventListener(type, onInteract, options));
    return () => GUIDE_EVENTS.forEach((type) => el.removeEventListener(type, onInteract, options));
  }, []);

  return (
    <div
      data-testid="panorama-viewer"
      role="application"
      tabIndex={0}
      {...rest}
      ref={setContainer}
      className={className ? `showroom-psv ${className}` : "showroom-psv"}
    />
  );
}

export default PanoramaViewer;
