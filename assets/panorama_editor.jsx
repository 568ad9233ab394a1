// The store admin's scene editor: Photo Sphere Viewer 5.15.1 where a click places a
// hotspot and hotspots can be selected and dragged.
//
// Wrapped in Python by showroom/components/panorama_editor.py (a NoSSRComponent: this module
// touches window and WebGL). npm versions are pinned there, the same as the customer's
// viewer (showroom/components/panorama_viewer.py); this file shares no code with it so that
// each can change alone.
//
// Props (plain JSON from Reflex state):
//   panorama, baseUrl     the tiler contract and the URL prefix of its paths
//   markers               [{id, yaw, pitch, label, kind: "product"|"scene"}]
//   selectedId            id of the highlighted marker ("" for none)
//   pending               {yaw, pitch} of a place clicked but not yet given a target, or null
//   defaultYaw, defaultPitch (radians), defaultZoom (0-100): at mount and on scene change
//   lang                  optional PSV `lang` overrides (navbar tooltips)
//   onPlace({yaw, pitch})        a click on the panorama (not on a marker)
//   onSelect(id)                 a click on a marker
//   onMove({id, yaw, pitch})     a marker was dragged to a new place
//   onViewChange({yaw, pitch, zoom})  the view moved (at most every 300 ms)
//
// Test hooks: window.__psvEditor is the live Viewer; the container carries data-ready="true"
// once a panorama has rendered and data-panorama="<baseUrl>" of the panorama shown.

import React, { useCallback, useEffect, useRef } from "react";
import { Viewer } from "@photo-sphere-viewer/core";
import { CubemapTilesAdapter } from "@photo-sphere-viewer/cubemap-tiles-adapter";
import { MarkersPlugin } from "@photo-sphere-viewer/markers-plugin";
import "@photo-sphere-viewer/core/index.css";
import "@photo-sphere-viewer/markers-plugin/index.css";

const FACES = ["left", "front", "right", "back", "top", "bottom"];
const VIEW_CHANGE_INTERVAL_MS = 300;
const DRAG_THRESHOLD_PX = 4;
const PENDING_ID = "__pending";

const STYLE_ID = "showroom-psv-editor-style";
const STYLE = `
.showroom-editor { position: relative; width: 100%; height: 100%; overflow: hidden; outline: none; cursor: crosshair; }
.showroom-editor:focus-visible { box-shadow: inset 0 0 0 3px #3b82f6; }
.showroom-editor .psv-container { width: 100%; height: 100%; cursor: crosshair; }
.showroom-editor-marker { display: inline-flex; align-items: center; gap: 6px; padding: 4px 10px 4px 6px;
  border-radius: 999px; background: rgba(255,255,255,0.94); color: #111; font: 600 12px/1.2 system-ui, sans-serif;
  box-shadow: 0 2px 8px rgba(0,0,0,0.35); white-space: nowrap; cursor: grab; user-select: none; border: 2px solid transparent; }
.showroom-editor-marker[data-kind="scene"] { background: rgba(17,17,17,0.8); color: #fff; }
.showroom-editor-marker[data-selected="true"] { border-color: #3b82f6; box-shadow: 0 0 0 3px rgba(59,130,246,0.45), 0 2px 8px rgba(0,0,0,0.35); }
.showroom-editor-marker[data-dragging="true"] { cursor: grabbing; opacity: 0.85; }
.showroom-editor-icon { width: 18px; height: 18px; border-radius: 50%; display: inline-flex; align-items: center;
  justify-content: center; font: 700 12px/1 system-ui, sans-serif; background: #111; color: #fff; flex: none; }
.showroom-editor-marker[data-kind="scene"] .showroom-editor-icon { background: #fff; color: #111; }
.showroom-editor-pending { width: 22px; height: 22px; border-radius: 50%; border: 3px solid #fff; background: #3b82f6;
  box-shadow: 0 0 0 3px rgba(59,130,246,0.5), 0 2px 8px rgba(0,0,0,0.5); }
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

function joinUrl(baseUrl, path) {
  if (/^([a-z]+:)?\/\//i.test(path) || path.startsWith("/")) {
    return path;
  }
  const base = baseUrl || "";
  return !base ? path : base.endsWith("/") ? base + path : `${base}/${path}`;
}

function isPanorama(panorama) {
  return !!(panorama && panorama.base && FACES.every((f) => panorama.base[f]));
}

function panoramaKey(panorama, baseUrl) {
  return isPanorama(panorama) ? `${baseUrl || ""}|${JSON.stringify(panorama)}` : "";
}

// Tiler contract -> CubemapTilesAdapter panorama.
function buildPanorama(panorama, baseUrl) {
  const flip = !!panorama.flipTopBottom;
  const paths = {};
  FACES.forEach((face) => {
    paths[face] = joinUrl(baseUrl, panorama.base[face]);
  });
  const levels = (Array.isArray(panorama.levels) ? panorama.levels : []).map((l) => ({
    faceSize: Number(l.faceSize),
    nbTiles: Number(l.nbTiles),
  }));
  const template = panorama.tile || "";
  const noTiles = levels.length === 0 || !template;
  return {
    baseUrl: { type: "separate", paths, flipTopBottom: flip },
    levels: noTiles ? [{ faceSize: Number(panorama.tileSize) || 512, nbTiles: 1 }] : levels,
    tileUrl: (face, col, row, level) =>
      noTiles
        ? null
        : joinUrl(
            baseUrl,
            template
              .replaceAll("{faceSize}", String(levels[level].faceSize))
              .replaceAll("{face}", face)
              .replaceAll("{col}", String(col))
              .replaceAll("{row}", String(row)),
          ),
    flipTopBottom: flip,
  };
}

function markerConfig(m, selectedId) {
  const id = String(m.id);
  const kind = m.kind === "scene" ? "scene" : "product";
  const icon = kind === "scene" ? "&#x2191;" : "&#x25CF;";
  return {
    id,
    position: { yaw: Number(m.yaw) || 0, pitch: Number(m.pitch) || 0 },
    html:
      `<div class="showroom-editor-marker" data-marker-id="${escapeHtml(id)}" data-kind="${kind}"` +
      ` data-selected="${id === selectedId}" title="${escapeHtml(m.label)}">` +
      `<span class="showroom-editor-icon" aria-hidden="true">${icon}</span>` +
      `<span>${escapeHtml(m.label)}</span></div>`,
    anchor: "center center",
    zIndex: id === selectedId ? 3 : 2,
  };
}

function pendingConfig(pending) {
  return {
    id: PENDING_ID,
    position: { yaw: Number(pending.yaw) || 0, pitch: Number(pending.pitch) || 0 },
    html: `<div class="showroom-editor-pending" data-pending="true"></div>`,
    anchor: "center center",
    zIndex: 4,
  };
}

// All markers from the props, replaced in one go (an editor shows a few dozen at most).
function applyMarkers(plugin, markers, selectedId, pending) {
  const configs = (Array.isArray(markers) ? markers : [])
    .filter((m) => m && m.id !== undefined && m.id !== null)
    .map((m) => markerConfig(m, selectedId));
  if (pending && typeof pending === "object" && "yaw" in pending) {
    configs.push(pendingConfig(pending));
  }
  plugin.setMarkers(configs);
}

export function PanoramaEditor(props) {
  const {
    panorama,
    baseUrl,
    markers,
    selectedId,
    pending,
    defaultYaw,
    defaultPitch,
    defaultZoom,
    lang,
    className,
    onPlace: _onPlace,
    onSelect: _onSelect,
    onMove: _onMove,
    onViewChange: _onViewChange,
    ref: _ref,
    ...rest
  } = props;

  const containerRef = useRef(null);
  const viewerRef = useRef(null);
  const pluginRef = useRef(null);
  const loadedKeyRef = useRef("");
  // While a marker is dragged, prop updates must not put it back.
  const draggingRef = useRef(false);
  const propsRef = useRef(props);
  propsRef.current = props;

  const key = panoramaKey(panorama, baseUrl);

  const setContainer = useCallback((el) => {
    containerRef.current = el;
    const outer = propsRef.current.ref;
    if (typeof outer === "function") {
      outer(el);
    } else if (outer && typeof outer === "object") {
      outer.current = el;
    }
  }, []);

  const syncMarkers = useCallback(() => {
    const viewer = viewerRef.current;
    const plugin = pluginRef.current;
    if (!viewer || !plugin || !viewer.state.ready || draggingRef.current) {
      return;
    }
    const p = propsRef.current;
    applyMarkers(plugin, p.markers, String(p.selectedId || ""), p.pending);
  }, []);

  // Create the viewer once (after a microtask: React StrictMode mounts twice in dev).
  useEffect(() => {
    let destroy = null;
    let cancelled = false;
    Promise.resolve().then(() => {
      if (!cancelled) {
        destroy = createViewer();
      }
    });
    return () => {
      cancelled = true;
      destroy?.();
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
    container.setAttribute("data-ready", "false");
    const config = {
      container,
      adapter: CubemapTilesAdapter.withConfig({ baseBlur: false, showErrorTile: false }),
      plugins: [MarkersPlugin.withConfig({ markers: [] })],
      navbar: ["zoom", "move", "fullscreen"],
      mousewheel: true,
      keyboard: "fullscreen",
      loadingTxt: null,
      defaultYaw: Number(initial.defaultYaw) || 0,
      defaultPitch: Number(initial.defaultPitch) || 0,
      defaultZoomLvl: initial.defaultZoom ?? 50,
    };
    if (initial.lang) {
      config.lang = initial.lang;
    }
    if (initialKey) {
      config.panorama = buildPanorama(initial.panorama, initial.baseUrl);
      loadedKeyRef.current = initialKey;
    }
    const viewer = new Viewer(config);
    const plugin = viewer.getPlugin(MarkersPlugin);
    viewerRef.current = viewer;
    pluginRef.current = plugin;
    window.__psvEditor = viewer;
    let destroyed = false;
    let pendingMark = initialKey ? initial.baseUrl || "" : null;

    viewer.addEventListener("render", () => {
      if (pendingMark !== null && viewer.state.ready) {
        container.setAttribute("data-panorama", pendingMark);
        container.setAttribute("data-ready", "true");
        pendingMark = null;
      }
    });
    viewer.addEventListener("ready", () => syncMarkers(), { once: true });
    viewerRef.markRendered = (url) => {
      pendingMark = url;
      viewer.needsUpdate();
    };

    // A click on the panorama itself (PSV leaves out drags) places a hotspot.
    viewer.addEventListener("click", (e) => {
      if (e.data.rightclick || e.data.marker) {
        return;
      }
      propsRef.current.onPlace?.({
        yaw: Math.round(e.data.yaw * 10000) / 10000,
        pitch: Math.round(e.data.pitch * 10000) / 10000,
      });
    });

    // Markers: press, then either release (select) or move (drag). The press is kept from
    // PSV (capture phase, before its own mousedown listener) so the view does not turn.
    let drag = null;
    const onMouseDown = (e) => {
      const el = e.target instanceof Element ? e.target.closest("[data-marker-id]") : null;
      if (!el || e.button !== 0) {
        return;
      }
      e.stopPropagation();
      e.preventDefault();
      drag = { id: el.getAttribute("data-marker-id"), el, x: e.clientX, y: e.clientY, moved: false };
    };
    const positionAt = (e) => {
      const rect = viewer.container.getBoundingClientRect();
      return viewer.dataHelper.viewerCoordsToSphericalCoords({
        x: e.clientX - rect.left,
        y: e.clientY - rect.top,
      });
    };
    const onMouseMove = (e) => {
      if (!drag) {
        return;
      }
      if (!drag.moved && Math.hypot(e.clientX - drag.x, e.clientY - drag.y) < DRAG_THRESHOLD_PX) {
        return;
      }
      drag.moved = true;
      draggingRef.current = true;
      e.stopPropagation();
      const position = positionAt(e);
      if (position) {
        drag.position = position;
        plugin.updateMarker({ id: drag.id, position });
        plugin.getMarker(drag.id)?.domElement?.firstElementChild?.setAttribute("data-dragging", "true");
      }
    };
    const onMouseUp = (e) => {
      if (!drag) {
        return;
      }
      const { id, moved, position } = drag;
      drag = null;
      draggingRef.current = false;
      e.stopPropagation();
      if (moved && position) {
        propsRef.current.onMove?.({
          id,
          yaw: Math.round(position.yaw * 10000) / 10000,
          pitch: Math.round(position.pitch * 10000) / 10000,
        });
      } else if (id !== PENDING_ID) {
        propsRef.current.onSelect?.(id);
      }
      syncMarkers();
    };
    container.addEventListener("mousedown", onMouseDown, true);
    window.addEventListener("mousemove", onMouseMove, true);
    window.addEventListener("mouseup", onMouseUp, true);

    // View changes, throttled.
    let timer = null;
    let lastView = "";
    const emitView = () => {
      timer = null;
      if (destroyed) {
        return;
      }
      const pos = viewer.getPosition();
      const view = {
        yaw: Math.round(pos.yaw * 10000) / 10000,
        pitch: Math.round(pos.pitch * 10000) / 10000,
        zoom: Math.round(viewer.getZoomLevel() * 100) / 100,
      };
      const sig = JSON.stringify(view);
      if (sig !== lastView) {
        lastView = sig;
        propsRef.current.onViewChange?.(view);
      }
    };
    const onViewUpdated = () => {
      if (timer === null) {
        timer = setTimeout(emitView, VIEW_CHANGE_INTERVAL_MS);
      }
    };
    viewer.addEventListener("position-updated", onViewUpdated);
    viewer.addEventListener("zoom-updated", onViewUpdated);
    viewer.addEventListener("ready", onViewUpdated, { once: true });

    const onFocusIn = () => viewer.startKeyboardControl();
    const onFocusOut = (e) => {
      if (!container.contains(e.relatedTarget) && !viewer.isFullscreenEnabled()) {
        viewer.stopKeyboardControl();
      }
    };
    container.addEventListener("focusin", onFocusIn);
    container.addEventListener("focusout", onFocusOut);

    return () => {
      destroyed = true;
      if (timer !== null) {
        clearTimeout(timer);
      }
      container.removeEventListener("mousedown", onMouseDown, true);
      window.removeEventListener("mousemove", onMouseMove, true);
      window.removeEventListener("mouseup", onMouseUp, true);
      container.removeEventListener("focusin", onFocusIn);
      container.removeEventListener("focusout", onFocusOut);
      if (window.__psvEditor === viewer) {
        delete window.__psvEditor;
      }
      viewerRef.current = null;
      pluginRef.current = null;
      loadedKeyRef.current = "";
      draggingRef.current = false;
      viewer.destroy();
      container.removeAttribute("data-ready");
      container.removeAttribute("data-panorama");
    };
  }

  // Another scene: swap the panorama at its opening view.
  useEffect(() => {
    const viewer = viewerRef.current;
    if (!viewer || !key || key === loadedKeyRef.current) {
      return;
    }
    loadedKeyRef.current = key;
    const url = baseUrl || "";
    viewer
      .setPanorama(buildPanorama(panorama, baseUrl), {
        position: { yaw: Number(defaultYaw) || 0, pitch: Number(defaultPitch) || 0 },
        zoom: defaultZoom ?? 50,
        transition: false,
        showLoader: true,
      })
      .then((done) => {
        if (done !== false && loadedKeyRef.current === key && viewerRef.current === viewer) {
          viewerRef.markRendered?.(url);
          syncMarkers();
        }
      })
      .catch((err) => console.error("PanoramaEditor: setPanorama failed", err));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  const markersSig = JSON.stringify([markers ?? [], selectedId ?? "", pending ?? null]);
  useEffect(() => {
    syncMarkers();
  }, [markersSig, syncMarkers]);

  useEffect(() => {
    const viewer = viewerRef.current;
    if (viewer && lang) {
      viewer.setOption("lang", lang);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [JSON.stringify(lang ?? null)]);

  return (
    <div
      data-testid="panorama-editor"
      role="application"
      tabIndex={0}
      {...rest}
      ref={setContainer}
      className={className ? `showroom-editor ${className}` : "showroom-editor"}
    />
  );
}

export default PanoramaEditor;
