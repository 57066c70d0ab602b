// cdnguard demo: shows the origin's health word, as a load balancer would read it.
(function () {
  var el = document.getElementById('status');
  fetch('/cdnguard/health/lb', { cache: 'no-store' })
    .then(function (r) { return r.text().then(function (t) { return r.status + ' ' + t.trim(); }); })
    .then(function (s) { el.textContent = 'Origin health: ' + s; })
    .catch(function (e) { el.textContent = 'Origin health unavailable: ' + e; });
})();
