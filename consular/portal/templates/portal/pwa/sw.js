/* The portal's service worker (served at /sw.js by consular.portal.pwa.service_worker, which puts VERSION above).
 *
 * - Install: keep the offline page and the static files every page needs.
 * - Pages: network first. A copy is kept only of public pages (the same for everyone: home, missions, public
 *   alerts), never of personal ones (my trips, the follow-up of a help request, the console, the API, check-in
 *   links); logging out drops every kept page. Without a network: the kept copy, or the offline page.
 * - Static files: cache first (their names change with their content).
 * - push: show the alert the push channel sent ({"title", "body", "url", "lang", "tag"}).
 * - notificationclick: open its url (the personal check-in link) in an open window of the portal or a new one.
 */
"use strict";
const CONFIG = {{ config|safe }};
const SHELL = "consular-shell-" + VERSION;
const PAGES = "consular-pages-" + VERSION;

function startsWithAny(path, prefixes) {
  return prefixes.some((prefix) => path === prefix || (prefix !== "/" && path.startsWith(prefix)));
}

function mayKeep(url, response) {
  if (!response || !response.ok || response.type !== "basic" || response.redirected) return false;
  if (startsWithAny(url.pathname, CONFIG.never) || !startsWithAny(url.pathname, CONFIG.public)) return false;
  const control = response.headers.get("Cache-Control") || "";
  return !/no-store|private/i.test(control);
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL).then((cache) => cache.addAll(CONFIG.precache)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name.startsWith("consular-") && name !== SHELL && name !== PAGES)
          .map((name) => caches.delete(name))
      ))
      .then(() => self.clients.claim())
  );
});

async function page(request) {
  const url = new URL(request.url);
  try {
    const response = await fetch(request);
    if (mayKeep(url, response)) {
      const copy = response.clone();
      caches.open(PAGES).then((cache) => cache.put(request, copy));
    }
    return response;
  } catch (error) {
    if (!startsWithAny(url.pathname, CONFIG.never)) {
      const kept = await caches.match(request, { cacheName: PAGES });
      if (kept) return kept;
    }
    const offline = await caches.match(CONFIG.offline, { cacheName: SHELL });
    return offline || Response.error();
  }
}

async function staticFile(request) {
  const kept = await caches.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") {
    const copy = response.clone();
    caches.open(SHELL).then((cache) => cache.put(request, copy));
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === CONFIG.logout) {
    // Logging out: forget every kept page (they showed who was logged in).
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith(CONFIG.static)) {
    event.respondWith(staticFile(request));
  }
});

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { body: event.data ? event.data.text() : "" };
  }
  const title = data.title || "{% load i18n %}{% language 'zh-hans' %}{% translate 'Consular protection and services' as name %}{{ name|escapejs }}{% endlanguage %}";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    lang: data.lang || "",
    tag: data.tag || undefined,
    renotify: Boolean(data.tag),
    requireInteraction: true,
    icon: CONFIG.icon,
    badge: CONFIG.icon,
    data: { url: data.url || "/" },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const client of windows) {
      if (client.url === target.href && "focus" in client) return client.focus();
    }
    return self.clients.openWindow(target.href);
  })());
});
