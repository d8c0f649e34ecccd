/* The installable portal: registers the service worker (/sw.js, scope "/") and, on "my trips", offers
 * "receive alerts on this phone" (Web Push) on each registration. Progressive enhancement: without JavaScript,
 * Push or a configured VAPID key the page keeps its sentence that alerts come by SMS or email. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  var registered = navigator.serviceWorker.register("/sw.js", { scope: "/" });
  registered.catch(function () { /* no worker: the portal works as plain pages */ });

  function keyBytes(base64url) {
    var text = base64url.replace(/-/g, "+").replace(/_/g, "/");
    text += "====".slice(0, (4 - (text.length % 4)) % 4);
    var raw = atob(text);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function sameKey(subscription, key) {
    var own = subscription.options && subscription.options.applicationServerKey;
    if (!own) return true;
    var a = new Uint8Array(own);
    if (a.length !== key.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== key[i]) return false;
    return true;
  }

  // The browser's subscription for the served key (a rotated VAPID key orphans the old one: subscribe again).
  function subscription(key) {
    return navigator.serviceWorker.ready.then(function (worker) {
      return worker.pushManager.getSubscription().then(function (existing) {
        if (existing && sameKey(existing, key)) return existing;
        var renewed = existing ? existing.unsubscribe() : Promise.resolve(true);
        return renewed.then(function () {
          return worker.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
        });
      });
    });
  }

  function idempotencyKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function send(box, url, fields) {
    var body = new URLSearchParams(fields);
    body.set("csrfmiddlewaretoken", box.querySelector("[name=csrfmiddlewaretoken]").value);
    body.set("idempotency_key", idempotencyKey());
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = (data && data.error) || {};
          throw new Error(error.message || String(response.status));
        }
        return data;
      });
    });
  }

  function show(box, subscribed, message) {
    // The buttons sit in plain wrappers: `hidden` on a .button itself loses to the stylesheet's display rule.
    box.querySelector("[data-push-when=off]").hidden = subscribed;
    box.querySelector("[data-push-when=on]").hidden = !subscribed;
    box.querySelector(".push-optin__fallback").hidden = true;
    if (message !== undefined) box.querySelector(".push-optin__status").textContent = message;
  }

  function setUp(box, key) {
    var on = box.getAttribute("data-push-on") === "1";
    show(box, on);
    box.querySelector("[data-push-action=subscribe]").addEventListener("click", function (event) {
      var button = event.currentTarget;
      button.disabled = true;
      Notification.requestPermission()
        .then(function (permission) {
          if (permission !== "granted") throw new Error(box.getAttribute("data-push-denied"));
          return subscription(key);
        })
        .then(function (sub) {
          return send(box, box.getAttribute("data-push-url"), { subscription: JSON.stringify(sub.toJSON()) });
        })
        .then(function (data) { show(box, true, data.message); })
        .catch(function (error) { box.querySelector(".push-optin__status").textContent = error.message; })
        .then(function () { button.disabled = false; });
    });
    box.querySelector("[data-push-action=unsubscribe]").addEventListener("click", function (event) {
      var button = event.currentTarget;
      button.disabled = true;
      send(box, box.getAttribute("data-push-remove-url"), {})
        .then(function (data) { show(box, false, data.message); })
        .catch(function (error) { box.querySelector(".push-optin__status").textContent = error.message; })
        .then(function () { button.disabled = false; });
    });
  }

  function start() {
    var meta = document.querySelector("meta[name=consular-vapid-key]");
    var boxes = document.querySelectorAll("[data-push-url]");
    if (!meta || !meta.content || !boxes.length) return;
    if (!("PushManager" in window) || !("Notification" in window) || Notification.permission === "denied") return;
    var key;
    try { key = keyBytes(meta.content); } catch (error) { return; }
    for (var i = 0; i < boxes.length; i++) setUp(boxes[i], key);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
