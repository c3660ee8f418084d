/* xuetu service worker: caches the portal shell's static assets only (style sheets, scripts, icons under
   /static/). Pages, the API, uploads and every POST always go to the network: clocking in needs the network, and
   nobody's data is ever kept in the cache. SHELL and SHELL_VERSION are prepended by the server (/sw.js). */
/* global SHELL, SHELL_VERSION */
"use strict";
var CACHE = "xuetu-shell-" + SHELL_VERSION;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("xuetu-shell-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/static/") !== 0) { return; }
  event.respondWith(caches.open(CACHE).then(function (cache) {
    return cache.match(request).then(function (hit) {
      if (hit) { return hit; }
      return fetch(request).then(function (response) {
        if (response.ok) { cache.put(request, response.clone()); }
        return response;
      });
    });
  }));
});
