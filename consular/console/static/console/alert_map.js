/* The alert area map (Leaflet, vendored; no build step, plain ES2017).
 *
 * Progressive enhancement: the "Circles" and "Polygons" text fields of the alert form stay the source of truth.
 * The map draws what they hold (and redraws when they are typed in), and every shape drawn or cleared on the
 * map rewrites them in the format the form accepts: one circle per line "lat, lon, radius_km"; one polygon per
 * line "lat, lon; lat, lon; ...", the first point repeated at the end. Lines the map cannot read are kept as
 * they are (the form reports them). Base layer: a static world outline (Natural Earth 1:110m, with ISO alpha-2
 * codes); raster tiles only when the server configures CONSULAR_MAP_TILE_URL. "view" mode shows an edition's
 * area read-only (from the json_script element #alert-area). */
(function () {
  "use strict";

  const NUMBER = "-?\\d+(?:\\.\\d+)?";
  const CIRCLE = new RegExp(`^\\s*(${NUMBER})\\s*[,， ]\\s*(${NUMBER})\\s*[,， ]\\s*(${NUMBER})\\s*$`);
  const POINT = new RegExp(`^\\s*(${NUMBER})\\s*[,， ]\\s*(${NUMBER})\\s*$`);
  const CODES_SPLIT = /[\s,，;；、]+/;
  const MAX_RADIUS_KM = 500;
  const CLOSE_PIXELS = 12;
  const SHAPE = { color: "#8b1a1a", weight: 2, fillOpacity: 0.15, className: "alert-map-shape" };
  const COUNTRY = { color: "#7a8794", weight: 0.6, fillColor: "#e3e5e8", fillOpacity: 1, interactive: false };
  const COUNTRY_CHOSEN = { color: "#6a1212", weight: 1, fillColor: "#f2c4c4", fillOpacity: 1, interactive: false };

  const fmt = (value, digits) => String(Number(value.toFixed(digits)));

  function parseCircle(line) {
    const m = CIRCLE.exec(line);
    return m ? { lat: Number(m[1]), lon: Number(m[2]), radius: Number(m[3]) } : null;
  }

  function parsePolygon(line) {
    const points = [];
    for (const part of line.split(";")) {
      if (!part.trim()) continue;
      const m = POINT.exec(part);
      if (!m) return null;
      points.push([Number(m[1]), Number(m[2])]);
    }
    return points.length >= 3 ? points : null;
  }

  const circleLine = (c) => `${fmt(c.lat, 4)}, ${fmt(c.lon, 4)}, ${fmt(c.radius, 1)}`;
  const polygonLine = (points) => points.map((p) => `${fmt(p[0], 4)}, ${fmt(p[1], 4)}`).join("; ");

  function codes(text) {
    return text.trim().split(CODES_SPLIT).filter(Boolean).map((c) => c.toUpperCase());
  }

  // Ray casting on [lon, lat] rings (GeoJSON order); enough for picking a country at 1:110m.
  function inRing(lon, lat, ring) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  function countryAt(features, latlng) {
    const lon = latlng.wrap().lng;
    const lat = latlng.lat;
    for (const feature of features) {
      for (const polygon of feature.geometry.coordinates) {
        if (inRing(lon, lat, polygon[0]) && !polygon.slice(1).some((hole) => inRing(lon, lat, hole))) {
          return feature;
        }
      }
    }
    return null;
  }

  function start(box) {
    const mode = box.dataset.alertMap;
    const element = box.querySelector(".alert-map");
    if (!window.L || !element) return;
    const form = box.closest("form");
    const fields = mode === "edit" && form ? {
      circles: form.querySelector("#id_circles"),
      polygons: form.querySelector("#id_polygons"),
      countries: form.querySelector("#id_countries"),
    } : null;
    if (mode === "edit" && !(fields && fields.circles && fields.polygons)) return;
    box.hidden = false;

    const map = L.map(element, { worldCopyJump: true, doubleClickZoom: false, minZoom: 1, maxZoom: 12 });
    map.setView([20, 100], 2);
    box.alertMap = map; // for scripts and tests
    if (box.dataset.tiles) {
      L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution || "", maxZoom: 12 }).addTo(map);
    }
    let features = [];
    let outline = null;
    const shapes = L.featureGroup().addTo(map);
    const draft = L.layerGroup().addTo(map);

    // --- what the area holds -------------------------------------------------------------------------------
    let area = { countries: [], circles: [], polygons: [] }; // circles/polygons: {value, line} (line: -1 in view)
    function readArea() {
      if (fields) {
        const lines = (field) => field.value.split(/\r?\n/);
        area = {
          countries: fields.countries ? codes(fields.countries.value) : [],
          circles: lines(fields.circles).map((l, i) => ({ value: parseCircle(l), line: i })).filter((s) => s.value),
          polygons: lines(fields.polygons).map((l, i) => ({ value: parsePolygon(l), line: i })).filter((s) => s.value),
        };
      } else {
        const script = document.getElementById("alert-area");
        const data = script ? JSON.parse(script.textContent) || {} : {};
        area = {
          countries: data.countries || [],
          circles: (data.circles || []).map((c) => ({ value: { lat: c.lat, lon: c.lon, radius: c.radius_km }, line: -1 })),
          polygons: (data.polygons || []).map((ring) => ({ value: ring, line: -1 })),
        };
      }
    }

    function draw() {
      shapes.clearLayers();
      area.circles.forEach((s) => L.circle([s.value.lat, s.value.lon], { ...SHAPE, radius: s.value.radius * 1000 })
        .addTo(shapes));
      area.polygons.forEach((s) => L.polygon(s.value, SHAPE).addTo(shapes));
      if (outline) {
        const chosen = new Set(area.countries);
        outline.setStyle((f) => (chosen.has(f.properties.code) ? COUNTRY_CHOSEN : COUNTRY));
      }
      listShapes();
    }

    function fit() {
      let bounds = shapes.getLayers().length ? shapes.getBounds() : null;
      if (outline) {
        const chosen = new Set(area.countries);
        outline.eachLayer((layer) => {
          if (chosen.has(layer.feature.properties.code)) {
            bounds = bounds ? bounds.extend(layer.getBounds()) : L.latLngBounds(layer.getBounds().getSouthWest(),
              layer.getBounds().getNorthEast());
          }
        });
      }
      if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 9, animate: false });
    }

    // --- editing: rewrite the text fields ------------------------------------------------------------------
    function setLines(field, change) {
      const lines = field.value.split(/\r?\n/);
      change(lines);
      field.value = lines.filter((l) => l.trim()).join("\n");
      field.dispatchEvent(new Event("change", { bubbles: true }));
      readArea();
      draw();
    }
    const addLine = (field, text) => setLines(field, (lines) => lines.push(text));
    const removeLine = (field, index) => setLines(field, (lines) => { lines[index] = ""; });

    const list = box.querySelector(".alert-map-shapes");
    function listShapes() {
      if (!list) return;
      list.replaceChildren();
      const item = (label, onClear) => {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "button button--secondary button--small";
        button.textContent = box.dataset.labelClear;
        button.setAttribute("aria-label", `${box.dataset.labelClear}: ${label}`);
        button.addEventListener("click", onClear);
        li.append(document.createTextNode(`${label} `), button);
        list.append(li);
      };
      area.circles.forEach((s, i) => item(`${box.dataset.labelCircle} ${i + 1}: ${circleLine(s.value)} km`,
        () => removeLine(fields.circles, s.line)));
      area.polygons.forEach((s, i) => item(`${box.dataset.labelPolygon} ${i + 1}: ${s.value.length - 1} ${box.dataset.labelPoints}`,
        () => removeLine(fields.polygons, s.line)));
    }

    // --- drawing modes -------------------------------------------------------------------------------------
    const hint = box.querySelector(".alert-map-hint");
    const radiusInput = box.querySelector("#alert-map-radius");
    const finishButton = box.querySelector("[data-map-action=finish]");
    let drawing = null; // "circle" | "polygon" | "countries" | null
    let centre = null;
    let points = [];

    function setMode(next) {
      drawing = next;
      centre = null;
      points = [];
      draft.clearLayers();
      box.querySelectorAll("[data-map-action]").forEach((b) => {
        if (b.hasAttribute("aria-pressed")) b.setAttribute("aria-pressed", String(b.dataset.mapAction === next));
      });
      if (finishButton) finishButton.disabled = true;
      element.classList.toggle("alert-map--drawing", Boolean(next));
      if (hint) {
        const key = { circle: "hintCircle", polygon: "hintPolygon", countries: "hintCountries" }[next] || "hintIdle";
        hint.textContent = box.dataset[key];
      }
    }

    function typedRadius() {
      const value = radiusInput ? Number(radiusInput.value) : NaN;
      return radiusInput && radiusInput.value !== "" && value > 0 ? Math.min(value, MAX_RADIUS_KM) : null;
    }

    function finishPolygon() {
      if (points.length < 3) return;
      const ring = points.map((p) => [p.lat, p.lng]);
      ring.push(ring[0]);
      setMode("polygon");
      addLine(fields.polygons, polygonLine(ring));
    }

    function onClick(event) {
      const latlng = event.latlng.wrap();
      if (drawing === "circle") {
        if (centre === null) {
          const radius = typedRadius();
          if (radius !== null) {
            addLine(fields.circles, circleLine({ lat: latlng.lat, lon: latlng.lng, radius }));
            return;
          }
          centre = latlng;
          L.circleMarker(centre, { radius: 4, className: "alert-map-draft", interactive: false }).addTo(draft);
          if (hint) hint.textContent = box.dataset.hintCircleEdge;
        } else {
          const radius = Math.min(Math.max(map.distance(centre, event.latlng) / 1000, 0.1), MAX_RADIUS_KM);
          const circle = { lat: centre.lat, lon: centre.lng, radius };
          setMode("circle");
          addLine(fields.circles, circleLine(circle));
        }
      } else if (drawing === "polygon") {
        if (points.length >= 3) {
          const first = map.latLngToContainerPoint(points[0]);
          if (first.distanceTo(event.containerPoint) <= CLOSE_PIXELS) {
            finishPolygon();
            return;
          }
        }
        points.push(latlng);
        draft.clearLayers();
        L.polyline(points, { ...SHAPE, dashArray: "4 4", interactive: false }).addTo(draft);
        points.forEach((p) => L.circleMarker(p, { radius: 4, className: "alert-map-draft", interactive: false })
          .addTo(draft));
        if (finishButton) finishButton.disabled = points.length < 3;
      } else if (drawing === "countries" && fields.countries) {
        const feature = countryAt(features, event.latlng);
        const code = feature && feature.properties.code;
        if (!code) return;
        const current = codes(fields.countries.value);
        const next = current.includes(code) ? current.filter((c) => c !== code) : [...current, code];
        fields.countries.value = next.join(", ");
        fields.countries.dispatchEvent(new Event("change", { bubbles: true }));
        readArea();
        draw();
      }
    }

    if (fields) {
      box.querySelectorAll("[data-map-action]").forEach((button) => button.addEventListener("click", () => {
        const action = button.dataset.mapAction;
        if (action === "finish") finishPolygon();
        else setMode(drawing === action ? null : action);
      }));
      map.on("click", onClick);
      // Enter in the radius box must not submit (save) the alert form.
      if (radiusInput) radiusInput.addEventListener("keydown", (e) => { if (e.key === "Enter") e.preventDefault(); });
      [fields.circles, fields.polygons, fields.countries].forEach((field) => field && field.addEventListener("input",
        () => { readArea(); draw(); }));
      setMode(null);
    }

    readArea();
    draw();
    fit();
    fetch(box.dataset.outline, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))))
      .then((geojson) => {
        features = geojson.features || [];
        outline = L.geoJSON(geojson, { style: COUNTRY }).addTo(map);
        outline.bringToBack();
        draw();
        fit();
        box.dataset.ready = "true";
      })
      .catch(() => { box.dataset.ready = "true"; });
  }

  function init() {
    document.querySelectorAll("[data-alert-map]").forEach(start);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
