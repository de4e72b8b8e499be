(function () {
  var table = document.getElementById('agencies');
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var cols = {};
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) { cols[th.dataset.col] = i; });
  function text(row, name) { var i = cols[name]; return i === undefined ? '' : row.cells[i].textContent; }
  var keys = rows.map(function (r) {
    var s = cols.state === undefined ? '' : r.cells[cols.state].title;
    return [r.dataset.state || '', s, text(r, 'agency'), text(r, 'county'), text(r, 'ori')].join(' ').toLowerCase();
  });
  var box = document.getElementById('q'), pick = document.getElementById('state');
  var count = document.getElementById('count');
  var sep = count.dataset.sep, splitFrom = Number(count.dataset.groupFrom);
  function grouped(n) { var s = String(n); return s.length < splitFrom ? s : s.replace(/\B(?=(\d{3})+(?!\d))/g, sep); }
  function apply() {
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean), state = pick.value, shown = 0;
    rows.forEach(function (r, i) {
      var ok = (!state || r.dataset.state === state) && words.every(function (w) { return keys[i].indexOf(w) >= 0; });
      r.hidden = !ok;
      if (ok) shown++;
    });
    count.textContent = count.dataset.count.replace('{shown}', grouped(shown)).replace('{total}', grouped(rows.length));
  }
  function fromAddress() {
    var params = new URLSearchParams(location.search.slice(1));
    new URLSearchParams(location.hash.slice(1)).forEach(function (v, k) { params.set(k, v); });
    if (params.has('q')) box.value = params.get('q');
    if (params.has('state')) pick.value = params.get('state').toUpperCase();
    apply();
  }
  box.addEventListener('input', apply);
  pick.addEventListener('change', apply);
  window.addEventListener('hashchange', fromAddress);
  fromAddress();
})();
