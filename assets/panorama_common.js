// What the customer's viewer (panorama_viewer.jsx) and the admin's editor
// (panorama_editor.jsx) share: the tiler contract turned into Photo Sphere Viewer's
// cubemap-tiles panorama, safe marker HTML, styles added once, and the React plumbing
// around one viewer per mounted component.

import { useCallback, useEffect, useRef } from "react";

export const FACES = ["left", "front", "right", "back", "top", "bottom"];

// A <style> element with this id and text in the page's head, added once.
export function ensureStyle(id, css) {
  if (typeof document === "undefined" || document.getElementById(id)) {
    return;
  }
  const el = document.createElement("style");
  el.id = id;
  el.textContent = css;
  document.head.appendChild(el);
}

export function escapeHtml(text) {
  return String(text ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

export function joinUrl(baseUrl, path) {
  if (/^([a-z]+:)?\/\//i.test(path) || path.startsWith("/")) {
    return path;
  }
  const base = baseUrl || "";
  if (!base) {
    return path;
  }
  return base.endsWith("/") ? base + path : `${base}/${path}`;
}

export function isPanorama(panorama) {
  return !!(panorama && panorama.base && FACES.every((f) => panorama.base[f]));
}

// Equal keys, same panorama: a changed key means a scene change.
export function panoramaKey(panorama, baseUrl) {
  return isPanorama(panorama) ? `${baseUrl || ""}|${JSON.stringify(panorama)}` : "";
}

// Tiler contract -> CubemapTilesAdapter panorama (CubemapMultiTilesPanorama).
export function buildPanorama(panorama, baseUrl) {
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

// The container div's ref, also handed to the `ref` prop React 19 passes (Reflex gives
// one when `id` is set).
export function useContainer(propsRef) {
  const containerRef = useRef(null);
  const setContainer = useCallback((el) => {
    containerRef.current = el;
    const outer = propsRef.current.ref;
    if (typeof outer === "function") {
      outer(el);
    } else if (outer && typeof outer === "object") {
      outer.current = el;
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return [containerRef, setContainer];
}

// Calls `create` once after mount and the function it returns on unmount. Creation waits
// for a microtask: React StrictMode (dev) mounts, unmounts and remounts synchronously, and
// a viewer destroyed while its images load aborts three's shared in-flight requests,
// leaving the second viewer loading forever.
export function useViewerOnce(create) {
  const createRef = useRef(create);
  createRef.current = create;
  useEffect(() => {
    let destroy = null;
    let cancelled = false;
    Promise.resolve().then(() => {
      if (!cancelled) {
        destroy = createRef.current();
      }
    });
    return () => {
      cancelled = true;
      destroy?.();
    };
  }, []);
}
