// The product's only script (served from the binary, as a file: the Content-Security-Policy
// allows no inline script). Every page works without it; it adds:
// - confirmations: a form or a button with data-confirm asks before it is sent;
// - print buttons: data-print prints the page;
// - upload progress (below);
// - a page that answers a failed upload opens at its report (data-scroll-here).
document.addEventListener('click', function (e) {
  var b = e.target.closest && e.target.closest('[data-print]');
  if (b) { e.preventDefault(); window.print(); return; }
  var c = e.target.closest && e.target.closest('button[data-confirm]');
  if (c && !window.confirm(c.getAttribute('data-confirm'))) e.preventDefault();
});
document.addEventListener('submit', function (e) {
  var f = e.target;
  if (f.hasAttribute && f.hasAttribute('data-confirm') && !window.confirm(f.getAttribute('data-confirm'))) {
    e.preventDefault();
  }
});
// Uploads with a progress bar: a form marked data-progress is sent by XMLHttpRequest so that the
// bytes sent can be shown; the answer (the page the plain form post would show) replaces this
// one. Without JavaScript the form posts as usual.
document.addEventListener('submit', function (e) {
  if (e.defaultPrevented) return;
  var f = e.target, file = f.querySelector && f.querySelector('input[type=file]');
  if (!f.hasAttribute('data-progress') || !window.FormData || !file || !file.files.length) return;
  e.preventDefault();
  var bar = f.querySelector('progress'), label = f.querySelector('.progress-label');
  var button = f.querySelector('button[type=submit]');
  if (button) button.disabled = true;
  bar.hidden = false; label.hidden = false; bar.value = 0;
  var x = new XMLHttpRequest();
  x.open('POST', f.action);
  x.upload.onprogress = function (ev) {
    if (!ev.lengthComputable) return;
    var pct = Math.floor(ev.loaded * 100 / ev.total);
    bar.value = pct; label.textContent = '正在上传 ' + pct + '%（' + Math.round(ev.loaded / 1048576) + ' / ' + Math.round(ev.total / 1048576) + ' MB）';
  };
  x.upload.onload = function () { bar.removeAttribute('value'); label.textContent = '上传完成，正在校验，请稍候…'; };
  x.onload = function () {
    if (x.responseURL) history.replaceState(null, '', x.responseURL);
    document.open(); document.write(x.responseText); document.close();
  };
  x.onerror = function () { label.textContent = '上传失败，请检查网络后重试'; if (button) button.disabled = false; };
  x.send(new FormData(f));
});

// An upload's report (its errors) is where the page opens, not the form further down.
(function () {
  var t = document.querySelector('[data-scroll-here]');
  if (!t) return;
  t.setAttribute('tabindex', '-1');
  t.scrollIntoView();
  t.focus({ preventScroll: true });
})();
