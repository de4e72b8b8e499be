(function () {
  var figure = document.querySelector('.tm-map');
  var slider = document.getElementById('tm-day'), play = document.getElementById('tm-play');
  var label = document.getElementById('tm-date'), status = document.getElementById('tm-status');
  var gapNote = document.getElementById('tm-gap'), panel = document.getElementById('tm-county');
  var chooser = document.getElementById('tm-pick');
  var KEYS = JSON.parse(figure.dataset.keys), DAY = 864e5, first = Date.parse(figure.dataset.first + 'T00:00:00Z');
  var data, dates, stops, byList = {}, coloured = [], hatched = [], picked = null, timer = null;

  function iso(offset) { return new Date(first + offset * DAY).toISOString().slice(0, 10); }
  function offset(day) { return Math.round((Date.parse(day + 'T00:00:00Z') - first) / DAY); }
  function on(runs, i) {
    for (var k = 0; k < runs.length; k += 2) if (runs[k] <= i && i <= runs[k + 1]) return true;
    return false;
  }
  function el(tag, text) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; return e; }
  function num(n) { return n.toLocaleString('en-US'); }
  function plural(n, one, many) { return num(n) + ' ' + (n === 1 ? one : many); }

  // the list a day shows, as timemap.list_on decides it: the newest on or before it, none inside a gap
  function listOn(day) {
    for (var g = 0; g < data.gaps.length; g++) if (data.gaps[g][0] <= day && day <= data.gaps[g][1]) return -1;
    var i = dates.length - 1;
    while (i >= 0 && dates[i] > day) i--;
    return i;
  }

  // per county: its models and agencies on list i; per state: its statewide agencies (cached per list)
  function contents(i) {
    if (byList[i]) return byList[i];
    var counties = {}, states = {};
    data.placed.forEach(function (p) {
      if (!on(p[3], i)) return;
      var c = counties[p[2]] || (counties[p[2]] = {models: {}, agencies: {}});
      c.models[p[1]] = true;
      (c.agencies[p[0]] || (c.agencies[p[0]] = [])).push(p[1]);
    });
    data.statewide.forEach(function (p) {
      if (!on(p[3], i)) return;
      var st = data.agencies[p[0]][0], s = states[st] || (states[st] = {roles: {}, agencies: {}});
      s.roles[p[2]] = true;
      (s.agencies[p[0]] || (s.agencies[p[0]] = [])).push(p[1]);
    });
    Object.keys(counties).forEach(function (f) {
      var known = data.models.filter(function (m) { return counties[f].models[m]; });
      counties[f].key = known.length === 0 ? KEYS.none : known.length === 1 ? known[0] : KEYS.mix;
    });
    Object.keys(states).forEach(function (s) { states[s].key = states[s].roles[KEYS.law] ? KEYS.law : KEYS.corrections; });
    return (byList[i] = {counties: counties, states: states});
  }

  function clear() {
    coloured.forEach(function (p) { p.removeAttribute('data-k'); });
    hatched.forEach(function (p) { p.removeAttribute('data-h'); });
    coloured = []; hatched = [];
  }

  function show() {
    var day = iso(+slider.value), i = listOn(day);
    label.textContent = day;
    clear();
    figure.classList.toggle('tm-in-gap', i < 0);
    gapNote.hidden = i >= 0;
    if (i < 0) {
      var before = dates.filter(function (d) { return d <= day; }).pop();
      status.textContent = 'No list archived for ' + day + ': the newest list before it, of ' + before + ', is ' +
        plural(offset(day) - offset(before), 'day', 'days') + ' old, more than the ' + data.gap_days +
        ' days after which the project treats a list as too old to speak for a date.';
    } else {
      var c = contents(i);
      Object.keys(c.counties).forEach(function (f) {
        var p = document.getElementById('c' + f);
        if (p) { p.setAttribute('data-k', c.counties[f].key); coloured.push(p); }
      });
      var statewide = Object.keys(c.states).sort(), offMap = [];
      statewide.forEach(function (s) {
        var p = document.getElementById('s-' + s);
        if (p) { p.setAttribute('data-h', c.states[s].key); hatched.push(p); } else offMap.push(s);
      });
      // the Census map has no shapes for Guam, the Northern Marianas and the other island territories
      status.textContent = 'ICE list of ' + dates[i] + ': ' + plural(coloured.length, 'county', 'counties') +
        ' with an agreement, ' + plural(statewide.length, 'state or territory', 'states and territories') +
        ' with a statewide agreement' + (offMap.length ? ' (' + offMap.join(', ') + ' not on the map)' : '') + '.';
    }
    listCounties();
    describe(i);
    if (history.replaceState) history.replaceState(null, '', '#date=' + day);
  }

  function agencyItems(list, agencies) {
    Object.keys(agencies).map(Number).sort(function (a, b) { return a - b; }).forEach(function (a) {
      var ag = data.agencies[a], li = el('li'), link = el('a', ag[1]);
      link.href = figure.dataset.search + '#' + new URLSearchParams({state: ag[0], q: ag[1]}).toString();
      li.appendChild(link);
      var models = data.models.filter(function (m) { return agencies[a].indexOf(m) >= 0; });
      li.appendChild(document.createTextNode(models.length ? ' (' + models.join(', ') + ')' : ''));
      list.appendChild(li);
    });
  }

  // the agencies of the county clicked, on the list shown
  function describe(i) {
    if (!picked) return;
    var name = picked.querySelector('title').textContent, fips = picked.id.slice(1);
    var state = name.slice(name.lastIndexOf(', ') + 2);
    panel.textContent = '';
    panel.appendChild(el('h2', name));
    if (i < 0) { panel.appendChild(el('p', 'No list archived for ' + label.textContent + '.')); return; }
    var c = contents(i), county = c.counties[fips], sw = c.states[state];
    var n = county ? Object.keys(county.agencies).length : 0;
    panel.appendChild(el('p', 'On ICE\'s list of ' + dates[i] + ': ' + (n ? plural(n, 'agency', 'agencies') +
      ' with an agreement placed in this county.' : 'no agreement placed in this county.')));
    if (n) { var ul = el('ul'); agencyItems(ul, county.agencies); panel.appendChild(ul); }
    if (sw) {
      panel.appendChild(el('p', 'Statewide in ' + state + ':'));
      var sl = el('ul'); agencyItems(sl, sw.agencies); panel.appendChild(sl);
    }
  }

  function pick(p) {
    if (!p || !data) return;
    if (picked) picked.classList.remove('tm-picked');
    picked = p;
    p.classList.add('tm-picked');
    syncChooser();
    describe(listOn(iso(+slider.value)));
  }
  function syncChooser() {
    chooser.value = picked ? picked.id : '';
    if (chooser.selectedIndex < 0) chooser.selectedIndex = 0;
  }

  // the counties coloured, by name, for a reader who picks with the keyboard rather than a click
  function listCounties() {
    var names = coloured.map(function (p) { return [p.querySelector('title').textContent, p.id]; }).sort();
    chooser.length = 1;
    names.forEach(function (n) { var o = el('option', n[0]); o.value = n[1]; chooser.appendChild(o); });
    chooser.disabled = !names.length;
    syncChooser();
  }

  function stop() { clearInterval(timer); timer = null; play.textContent = 'Play'; play.setAttribute('aria-pressed', 'false'); }
  // play steps from stop to stop: every list's day and the first day of every gap
  function step() {
    var now = +slider.value, next = stops.filter(function (s) { return s > now; })[0];
    if (next === undefined) { stop(); return; }
    slider.value = next;
    show();
  }
  function toggle() {
    if (timer) { stop(); return; }
    if (+slider.value >= +slider.max) { slider.value = 0; show(); }
    play.textContent = 'Pause';
    play.setAttribute('aria-pressed', 'true');
    timer = setInterval(step, 600);
  }

  function start(loaded) {
    data = loaded;
    dates = data.lists.map(function (l) { return l[0]; });
    stops = dates.map(offset).concat(data.gaps.map(function (g) { return offset(g[0]); })).sort(function (a, b) { return a - b; });
    fromAddress();
    slider.disabled = play.disabled = false;
    slider.addEventListener('input', function () { if (timer) stop(); show(); });
    play.addEventListener('click', toggle);
    document.getElementById('tm-counties').addEventListener('click', function (e) { pick(e.target.closest('path')); });
    chooser.addEventListener('change', function () { pick(document.getElementById(chooser.value)); });
    window.addEventListener('hashchange', function () { fromAddress(); show(); });
    show();
  }

  // #date=YYYY-MM-DD picks the day (clamped to the slider's range)
  function fromAddress() {
    var asked = new URLSearchParams(location.hash.slice(1)).get('date');
    if (asked && /^\d{4}-\d\d-\d\d$/.test(asked)) slider.value = Math.max(0, Math.min(+slider.max, offset(asked)));
  }

  fetch(figure.dataset.src).then(function (r) {
    if (!r.ok) throw new Error(r.status + ' ' + r.statusText);
    return r.json();
  }).then(start).catch(function (e) {
    status.textContent = 'The lists (' + figure.dataset.src + ') could not be read: ' + e.message +
      '. Serve the site from a web server, e.g. python -m http.server -d site.';
  });
})();
