// cdnguard demo asset: cached by the CDN for an hour (Cache-Control: max-age=3600).
document.addEventListener('DOMContentLoaded', function () {
  fetch('cdnguard/health/lb').then(function (r) { return r.text(); }).then(function (word) {
    document.getElementById('status').textContent = 'origin health: ' + word.trim();
  });
});
