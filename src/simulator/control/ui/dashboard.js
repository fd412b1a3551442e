// jobsim dashboard: follows GET /_sim/events (Server-Sent Events) and drives the simulator through the same /_sim/
// calls a script would make, with the X-Jobsim-Session header of the selected session. Plain JS, no build step.
"use strict";

(() => {
  const SYMBOL = { queued: "◷", running: "▶", success: "✓", failure: "✗", cancelled: "⊘", other: "?" };
  const PHASES = Object.keys(SYMBOL);
  const MAX_REQUESTS = 5000; // the journal rows kept by the page (oldest dropped first)
  const $ = (id) => document.getElementById(id);

  // This page is <root>/_sim/ui or <root>/s/<session>/_sim/ui: the control API is <root>/_sim.
  const path = location.pathname;
  const prefixed = path.match(/\/s\/([^/]+)\/_sim\/ui\/?$/);
  const SIM = path.replace(/\/ui\/?$/, "").replace(/\/s\/[^/]+(?=\/_sim$)/, "");
  const query = new URLSearchParams(location.search);

  const state = {
    session: query.get("session") || (prefixed ? decodeURIComponent(prefixed[1]) : "default"),
    clock: null,
    clockAt: 0,
    apis: [],
    sessions: [],
    runs: new Map(),
    runsTotal: 0,
    requests: [],
    skipped: 0,
    faults: [],
    scenarios: { loaded: [], available: [] },
    selectedRun: null,
    selectedRequest: null,
  };

  // --- time ---------------------------------------------------------------------------------------------------
  function simNow() {
    const clock = state.clock;
    if (!clock) return Date.now() / 1000;
    if (clock.mode === "virtual") return clock.now;
    return clock.now + ((performance.now() - state.clockAt) / 1000) * clock.speed;
  }

  function iso(seconds) {
    return new Date(seconds * 1000).toISOString().replace("T", " ").replace("Z", "");
  }

  function timeOfDay(seconds, ms = true) {
    return new Date(seconds * 1000).toISOString().slice(11, ms ? 23 : 19);
  }

  function duration(seconds) {
    if (!(seconds >= 0)) return "";
    if (seconds < 10) return `${seconds.toFixed(1)} s`;
    if (seconds < 120) return `${Math.round(seconds)} s`;
    if (seconds < 7200) return `${Math.floor(seconds / 60)} m ${Math.round(seconds % 60)} s`;
    if (seconds < 172800) return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} m`;
    return `${Math.floor(seconds / 86400)} d ${Math.round((seconds % 86400) / 3600)} h`;
  }

  // --- a virtualised list: only the rows in view exist, each at a fixed height ------------------------------------
  class VList {
    constructor(element, { key, render, onSelect, rowClass }) {
      this.el = element;
      this.key = key;
      this.renderRow = render;
      this.onSelect = onSelect;
      this.rowClass = rowClass;
      this.items = [];
      this.rowHeight = parseFloat(getComputedStyle(document.documentElement).getPropertyValue("--row")) || 30;
      this.spacer = document.createElement("div");
      this.spacer.className = "spacer";
      this.empty = document.createElement("div");
      this.empty.className = "empty";
      this.el.append(this.spacer, this.empty);
      this.pool = [];
      this.active = -1; // index of the keyboard cursor
      this.selectedKey = null;
      this.pending = false;
      this.el.addEventListener("scroll", () => this.schedule(), { passive: true });
      new ResizeObserver(() => this.schedule()).observe(this.el);
      this.el.addEventListener("keydown", (event) => this.keydown(event));
      this.el.addEventListener("click", (event) => {
        const row = event.target.closest(".vrow");
        if (row && row.dataset.index !== undefined) this.select(Number(row.dataset.index));
      });
    }

    setItems(items, { keepAnchor = true, emptyText = "" } = {}) {
      const h = this.rowHeight;
      let anchor = null;
      if (keepAnchor && this.el.scrollTop > 0 && this.items.length) {
        const first = Math.min(Math.floor(this.el.scrollTop / h), this.items.length - 1);
        anchor = { key: this.key(this.items[first]), offset: this.el.scrollTop - first * h };
      }
      const activeKey = this.active >= 0 && this.items[this.active] ? this.key(this.items[this.active]) : null;
      this.items = items;
      this.spacer.style.height = `${items.length * h}px`;
      this.empty.textContent = items.length ? "" : emptyText;
      if (activeKey !== null) this.active = items.findIndex((item) => this.key(item) === activeKey);
      if (anchor) {
        const index = items.findIndex((item) => this.key(item) === anchor.key);
        if (index >= 0) this.el.scrollTop = index * h + anchor.offset;
      }
      this.render();
    }

    atBottom() {
      return this.el.scrollTop + this.el.clientHeight >= this.el.scrollHeight - this.rowHeight;
    }

    scrollToBottom() {
      this.el.scrollTop = this.el.scrollHeight;
    }

    schedule() {
      if (this.pending) return;
      this.pending = true;
      requestAnimationFrame(() => {
        this.pending = false;
        this.render();
      });
    }

    render() {
      const h = this.rowHeight;
      const top = this.el.scrollTop;
      const first = Math.max(0, Math.floor(top / h) - 4);
      const last = Math.min(this.items.length, Math.ceil((top + this.el.clientHeight) / h) + 4);
      let used = 0;
      for (let index = first; index < last; index += 1, used += 1) {
        let row = this.pool[used];
        if (!row) {
          row = document.createElement("div");
          row.className = `vrow ${this.rowClass}`;
          row.setAttribute("role", "option");
          this.pool.push(row);
          this.el.append(row);
        }
        const item = this.items[index];
        const key = this.key(item);
        row.hidden = false;
        row.dataset.index = String(index);
        row.id = `${this.el.id}-${index}`;
        row.style.transform = `translateY(${index * h}px)`;
        row.setAttribute("aria-selected", String(key === this.selectedKey));
        row.setAttribute("aria-setsize", String(this.items.length));
        row.setAttribute("aria-posinset", String(index + 1));
        row.classList.toggle("active", index === this.active);
        this.renderRow(row, item);
      }
      for (; used < this.pool.length; used += 1) {
        this.pool[used].hidden = true;
        delete this.pool[used].dataset.index;
      }
      if (this.active >= first && this.active < last) {
        this.el.setAttribute("aria-activedescendant", `${this.el.id}-${this.active}`);
      } else {
        this.el.removeAttribute("aria-activedescendant");
      }
    }

    moveTo(index) {
      if (!this.items.length) return;
      this.active = Math.max(0, Math.min(this.items.length - 1, index));
      const h = this.rowHeight;
      const y = this.active * h;
      if (y < this.el.scrollTop) this.el.scrollTop = y;
      else if (y + h > this.el.scrollTop + this.el.clientHeight) this.el.scrollTop = y + h - this.el.clientHeight;
      this.render();
    }

    select(index) {
      const item = this.items[index];
      if (!item) return;
      this.active = index;
      this.selectedKey = this.key(item);
      this.render();
      this.onSelect(item);
    }

    keydown(event) {
      const page = Math.max(1, Math.floor(this.el.clientHeight / this.rowHeight) - 1);
      const start = this.active < 0 ? Math.floor(this.el.scrollTop / this.rowHeight) - 1 : this.active;
      const moves = {
        ArrowDown: start + 1,
        ArrowUp: start - 1,
        PageDown: start + page,
        PageUp: start - page,
        Home: 0,
        End: this.items.length - 1,
      };
      if (event.key in moves) {
        event.preventDefault();
        this.moveTo(moves[event.key]);
        if (this.selectedKey !== null) this.select(this.active);
      } else if ((event.key === "Enter" || event.key === " ") && this.active >= 0) {
        event.preventDefault();
        this.select(this.active);
      }
    }
  }

  // --- small DOM helpers -----------------------------------------------------------------------------------------
  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props);
    node.append(...children);
    return node;
  }

  function cells(row, names) {
    if (row.childElementCount !== names.length) {
      row.replaceChildren(...names.map((name) => el("span", { className: name })));
    }
    return row.children;
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function setOptions(select, options, keep = true) {
    const current = select.value;
    const fixed = [...select.querySelectorAll("option[data-fixed]")];
    const wanted = options.map((o) => `${o.value}\u0000${o.label}`).join("\u0001");
    if (select.dataset.options === wanted) return;
    select.dataset.options = wanted;
    select.replaceChildren(...fixed, ...options.map((o) => el("option", { value: o.value, textContent: o.label })));
    if (keep && [...select.options].some((o) => o.value === current)) select.value = current;
  }

  for (const select of document.querySelectorAll("select")) {
    for (const option of select.options) option.dataset.fixed = "";
  }

  // --- runs --------------------------------------------------------------------------------------------------------
  const runList = new VList($("run-list"), {
    key: (run) => run.key,
    rowClass: "run-row",
    onSelect: (run) => {
      state.selectedRun = run.key;
      showRun();
    },
    render: renderRunRow,
  });

  function renderRunRow(row, run) {
    const [stateCell, api, name, id, dur, bar] = cells(row, ["c-state", "c-api", "c-name", "c-id", "c-dur", "c-bar"]);
    const now = simNow();
    let badge = stateCell.firstChild;
    if (!badge) {
      badge = el("span", { className: "badge" }, el("span", { className: "sym" }), el("span"));
      stateCell.append(badge);
    }
    badge.className = `badge ph-${run.phase}`;
    setText(badge.firstChild, SYMBOL[run.phase] || "?");
    setText(badge.lastChild, run.state);
    badge.title = `${run.state} (${run.phase})`;
    setText(api, run.api);
    setText(name, run.name);
    name.title = run.detail ? `${run.name}: ${run.detail}` : run.name;
    setText(id, run.id);
    id.title = run.id;
    setText(dur, duration((run.ended_at ?? now) - run.started_at));
    drawBar(bar, run, now);
    row.setAttribute("aria-label", `${run.api} ${run.name} ${run.id}: ${run.state}, ${run.phase}`);
  }

  function drawBar(cell, run, now) {
    let bar = cell.firstChild;
    if (!bar) {
      bar = el("span", { className: "bar" });
      cell.append(bar);
    }
    const axis = $("runs-axis").value;
    const end = run.ended_at ?? now;
    let t0;
    let t1;
    if (axis === "fit") {
      t0 = run.started_at;
      t1 = Math.max(end, t0 + 1e-6);
      if (run.ended_at != null) t1 += (t1 - t0) * 0.08; // room to show the final state
    } else {
      t1 = now;
      t0 = now - Number(axis);
    }
    const span = t1 - t0;
    const history = run.history;
    while (bar.childElementCount > history.length) bar.lastChild.remove();
    while (bar.childElementCount < history.length) bar.append(el("span", { className: "seg" }));
    history.forEach(([name, at, phase], index) => {
      const until = index + 1 < history.length ? history[index + 1][1] : end;
      const left = Math.max(0, (at - t0) / span);
      const right = Math.min(1, (until - t0) / span);
      const seg = bar.children[index];
      const open = index === history.length - 1 && run.ended_at == null;
      seg.className = `seg ${phase}${open ? " open" : ""}`;
      seg.hidden = right <= 0 || left >= 1;
      seg.style.left = `${(left * 100).toFixed(3)}%`;
      seg.style.width = `${(Math.max(0, right - left) * 100).toFixed(3)}%`;
      seg.title = `${name}: ${duration(until - at)} from ${timeOfDay(at)}`;
    });
  }

  let runsDirty = true;
  function filteredRuns() {
    const api = $("runs-api").value;
    const phase = $("runs-phase").value;
    const text = $("runs-text").value.trim().toLowerCase();
    const out = [];
    const counts = Object.fromEntries(PHASES.map((p) => [p, 0]));
    for (const run of state.runs.values()) {
      if (api && run.api !== api) continue;
      counts[run.phase] = (counts[run.phase] || 0) + 1;
      if (phase && run.phase !== phase) continue;
      if (text && !run.search.includes(text)) continue;
      out.push(run);
    }
    out.sort((a, b) => b.started_at - a.started_at || (a.key < b.key ? -1 : 1));
    return { out, counts };
  }

  function refreshRuns() {
    runsDirty = false;
    const { out, counts } = filteredRuns();
    runList.setItems(out, { emptyText: state.runs.size ? "No run matches the filters." : "No runs yet." });
    setText($("runs-count"), out.length === state.runs.size ? `${out.length}` : `${out.length} of ${state.runs.size}`);
    const legend = $("phase-counts");
    legend.replaceChildren(
      ...PHASES.map((p) => el("span", {}, el("span", { className: `sw ${p}` }), `${p} ${counts[p] || 0}`)),
    );
    if (state.selectedRun) showRun();
  }

  function showRun() {
    const panel = $("run-detail");
    const run = state.runs.get(state.selectedRun);
    if (!run) {
      panel.replaceChildren(el("p", { className: "hint", textContent: "The selected run is gone." }));
      return;
    }
    const now = simNow();
    const rows = run.history.map(([name, at, phase], index) => {
      const until = index + 1 < run.history.length ? run.history[index + 1][1] : run.ended_at ?? now;
      return el(
        "tr",
        {},
        el("td", {}, el("span", { className: `badge ph-${phase}`, textContent: name })),
        el("td", { textContent: timeOfDay(at) }),
        el("td", { textContent: index + 1 < run.history.length || run.ended_at == null ? duration(until - at) : "" }),
      );
    });
    const signature = JSON.stringify([run, run.ended_at == null ? Math.floor(now) : 0]);
    if (panel.dataset.signature === signature) return;
    panel.dataset.signature = signature;
    panel.replaceChildren(
      el("h3", { textContent: run.name }),
      el(
        "dl",
        {},
        el("dt", { textContent: "API" }),
        el("dd", { textContent: run.api }),
        el("dt", { textContent: "id" }),
        el("dd", { className: "mono", textContent: run.id }),
        el("dt", { textContent: "state" }),
        el("dd", {}, el("span", { className: `badge ph-${run.phase}`, textContent: `${SYMBOL[run.phase]} ${run.state}` })),
        el("dt", { textContent: "phase" }),
        el("dd", { textContent: run.phase }),
        el("dt", { textContent: "started" }),
        el("dd", { textContent: iso(run.started_at) }),
        el("dt", { textContent: "ended" }),
        el("dd", { textContent: run.ended_at == null ? "–" : iso(run.ended_at) }),
        el("dt", { textContent: "detail" }),
        el("dd", { textContent: run.detail || "–" }),
      ),
      el(
        "table",
        {},
        el("caption", { className: "visually-hidden", textContent: "State history" }),
        el("thead", {}, el("tr", {}, el("th", { textContent: "state" }), el("th", { textContent: "entered (sim)" }), el("th", { textContent: "for" }))),
        el("tbody", {}, ...rows),
      ),
      run.history_cut ? el("p", { className: "hint", textContent: `${run.history_cut} older states not shown.` }) : "",
    );
  }

  function addRun(run) {
    run.search = `${run.api} ${run.id} ${run.name} ${run.state} ${run.phase} ${run.detail}`.toLowerCase();
    state.runs.set(run.key, run);
  }

  // --- requests ----------------------------------------------------------------------------------------------------
  const requestList = new VList($("request-list"), {
    key: (entry) => entry.seq,
    rowClass: "req-row",
    onSelect: (entry) => {
      state.selectedRequest = entry.seq;
      $("requests-follow").checked = false;
      showRequest(entry);
    },
    render: renderRequestRow,
  });

  function renderRequestRow(row, entry) {
    const names = ["c-seq", "c-time", "c-method", "c-path", "c-status", "c-rapi", "c-op", "c-lat", "c-fault"];
    const [seq, time, method, target, status, api, operation, latency, fault] = cells(row, names);
    setText(seq, String(entry.seq));
    setText(time, timeOfDay(entry.time, false));
    time.title = iso(entry.time);
    setText(method, entry.method);
    const full = entry.query ? `${entry.path}?${entry.query}` : entry.path;
    setText(target, full);
    target.title = full;
    setText(status, String(entry.status));
    status.className = `c-status s-${String(entry.status)[0]}`;
    setText(api, entry.api || "–");
    setText(operation, entry.operation || "(unmatched)");
    operation.title = entry.operation || "";
    setText(latency, entry.latency_ms == null ? "" : entry.latency_ms.toFixed(1));
    if (entry.fault) {
      if (!fault.firstChild || fault.firstChild.nodeType !== 1) fault.replaceChildren(el("span", { className: "fault-tag" }));
      setText(fault.firstChild, entry.fault);
      fault.title = `fault rule ${entry.fault}`;
    } else if (fault.firstChild) {
      fault.replaceChildren();
      fault.title = "";
    }
    row.setAttribute("aria-label", `${entry.seq}: ${entry.method} ${full} answered ${entry.status}${entry.fault ? `, fault ${entry.fault}` : ""}`);
  }

  function requestMatches(entry, api, status, text) {
    if (api && (entry.api || "-") !== api) return false;
    if (status) {
      if (status === "fault" ? !entry.fault : status === "error" ? entry.status < 400 : String(entry.status)[0] !== status) return false;
    }
    return !text || entry.search.includes(text);
  }

  let requestsDirty = true;
  function refreshRequests() {
    requestsDirty = false;
    const api = $("requests-api").value;
    const status = $("requests-status").value;
    const text = $("requests-text").value.trim().toLowerCase();
    const follow = $("requests-follow").checked;
    const out = api || status || text ? state.requests.filter((e) => requestMatches(e, api, status, text)) : state.requests.slice();
    requestList.setItems(out, {
      keepAnchor: !follow,
      emptyText: state.requests.length ? "No request matches the filters." : "No requests yet: point a client at this session.",
    });
    if (follow) requestList.scrollToBottom();
    const shown = out.length === state.requests.length ? `${out.length}` : `${out.length} of ${state.requests.length}`;
    setText($("requests-count"), state.skipped ? `${shown} (${state.skipped} skipped in bursts)` : shown);
  }

  function addRequests(entries) {
    for (const entry of entries) {
      const body = entry.body == null ? "" : typeof entry.body === "string" ? entry.body : JSON.stringify(entry.body);
      entry.search = `${entry.method} ${entry.path} ${entry.query} ${entry.status} ${entry.operation || ""} ${entry.fault || ""} ${body.slice(0, 2000)}`.toLowerCase();
      state.requests.push(entry);
    }
    if (state.requests.length > MAX_REQUESTS) state.requests.splice(0, state.requests.length - MAX_REQUESTS);
  }

  function showRequest(entry) {
    const panel = $("request-detail");
    const pretty = (value) => (value == null ? "(no body)" : typeof value === "string" ? value : JSON.stringify(value, null, 2));
    const headers = Object.entries(entry.headers || {}).map(([k, v]) => `${k}: ${v}`).join("\n");
    panel.replaceChildren(
      el("h3", { textContent: `${entry.method} ${entry.path}` }),
      el(
        "dl",
        {},
        el("dt", { textContent: "status" }),
        el("dd", { textContent: String(entry.status) }),
        el("dt", { textContent: "operation" }),
        el("dd", { textContent: entry.operation || "(unmatched)" }),
        el("dt", { textContent: "API" }),
        el("dd", { textContent: entry.api || "–" }),
        el("dt", { textContent: "query" }),
        el("dd", { className: "mono", textContent: entry.query || "–" }),
        el("dt", { textContent: "time (sim)" }),
        el("dd", { textContent: iso(entry.time) }),
        el("dt", { textContent: "latency" }),
        el("dd", { textContent: `${entry.latency_ms} ms` }),
        el("dt", { textContent: "fault" }),
        el("dd", { textContent: entry.fault || "–" }),
      ),
      el("h4", { textContent: "Request body" }),
      el("pre", { className: "request-body", textContent: pretty(entry.body) }),
      el("details", {}, el("summary", { textContent: "Headers (secrets redacted)" }), el("pre", { textContent: headers })),
    );
  }

  // --- the other lists ----------------------------------------------------------------------------------------------
  function refreshLists() {
    const apis = state.apis.map((a) => ({ value: a, label: a }));
    setOptions($("runs-api"), apis);
    setOptions($("requests-api"), [...apis, { value: "-", label: "(unmatched)" }]);
    setOptions($("fault-api"), apis);
    setOptions($("session"), state.sessions.map((s) => ({ value: s, label: s })), false);
    $("session").value = state.session;
  }

  function refreshScenarios() {
    const select = $("scenario");
    const byApi = new Map();
    for (const s of state.scenarios.available) {
      if (!byApi.has(s.api)) byApi.set(s.api, []);
      byApi.get(s.api).push(s);
    }
    const signature = JSON.stringify(state.scenarios.available);
    if (select.dataset.options !== signature) {
      const current = select.value;
      select.dataset.options = signature;
      select.replaceChildren(
        ...[...byApi].map(([api, list]) => el("optgroup", { label: api }, ...list.map((s) => el("option", { value: s.ref, textContent: s.ref })))),
      );
      if (current) select.value = current;
    }
    const loaded = state.scenarios.loaded.map((s) => `${s.api}/${s.name}`);
    setText($("scenarios-loaded"), loaded.length ? loaded.join(", ") : "none");
  }

  function describeFault(rule) {
    const r = rule.rule;
    const effect = r.error ? `${r.error.status}` : r.latency != null ? `latency ${JSON.stringify(r.latency)}` : r.drop ? "drop" : r.malformed ? `${r.malformed} body` : "?";
    const target = [r.api, r.operation, r.method, r.path].filter(Boolean).join(" ") || "any call";
    const when = r.when ? Object.entries(r.when).map(([k, v]) => (v === true ? k : `${k} ${v}`)).join(" ") : "always";
    return `#${rule.id} ${effect} on ${target} (${when}); fired ${rule.fired}/${rule.seen}`;
  }

  function refreshFaults() {
    const list = $("faults");
    const items = state.faults.map((rule) =>
      el(
        "li",
        {},
        el("span", { textContent: describeFault(rule) }),
        el("button", { type: "button", className: "link", textContent: "remove", title: `Remove fault #${rule.id}`, onclick: () => removeFault(rule.id) }),
      ),
    );
    list.replaceChildren(...items);
    $("clear-faults").disabled = state.faults.length === 0;
  }

  function refreshClock() {
    const clock = state.clock;
    if (!clock) return;
    setText($("clock-now"), iso(simNow()).slice(0, 21));
    $("clock-now").dateTime = new Date(simNow() * 1000).toISOString();
    setText($("clock-mode"), clock.mode === "virtual" ? "frozen (virtual)" : `real ×${clock.speed}`);
    const frozen = clock.mode === "virtual";
    const freeze = $("freeze");
    freeze.setAttribute("aria-pressed", String(frozen));
    setText(freeze, frozen ? "Unfreeze clock" : "Freeze clock");
    const speed = $("speed");
    if (document.activeElement !== speed && !speed.dataset.edited) speed.value = String(clock.speed);
  }

  // --- rendering loop: at most one pass per frame, the clock and open bars about 4 times a second ---------------------
  let frameQueued = false;
  function schedule() {
    if (frameQueued) return;
    frameQueued = true;
    requestAnimationFrame(() => {
      frameQueued = false;
      if (runsDirty) refreshRuns();
      if (requestsDirty) refreshRequests();
    });
  }

  setInterval(() => {
    refreshClock();
    if (state.clock && state.clock.mode === "real") {
      runList.render();
      if (state.selectedRun) showRun();
    }
  }, 250);

  // --- the event stream ----------------------------------------------------------------------------------------------
  let source = null;
  let staleTimer = null;

  function setConnection(kind, text) {
    const node = $("connection");
    node.dataset.state = kind;
    setText(node, text);
  }

  function alive() {
    clearTimeout(staleTimer);
    staleTimer = null;
    setConnection("live", `live: ${state.session}`);
  }

  function connect() {
    if (source) source.close();
    setConnection("connecting", "connecting…");
    const url = new URL(location.href);
    url.searchParams.set("session", state.session);
    history.replaceState(null, "", url);
    source = new EventSource(`${SIM}/events?session=${encodeURIComponent(state.session)}`);
    source.onopen = alive;
    source.onerror = () => {
      // A server that cannot stream ends each reply after the snapshot and the page reconnects every second:
      // say "reconnecting" only when no answer comes for a while.
      if (staleTimer === null) staleTimer = setTimeout(() => setConnection("reconnecting", "reconnecting…"), 2500);
    };
    const on = (type, handler) =>
      source.addEventListener(type, (event) => {
        alive();
        handler(JSON.parse(event.data));
        schedule();
      });
    on("snapshot", (data) => {
      state.session = data.session;
      state.apis = data.apis;
      state.sessions = data.sessions;
      setClock(data.clock);
      state.runs.clear();
      data.runs.forEach(addRun);
      state.runsTotal = data.runs_total;
      state.requests = [];
      state.skipped = 0;
      addRequests(data.requests);
      state.faults = data.faults;
      state.scenarios = data.scenarios;
      refreshLists();
      refreshScenarios();
      refreshFaults();
      runsDirty = true;
      requestsDirty = true;
      if (state.selectedRequest !== null) {
        const entry = state.requests.find((e) => e.seq === state.selectedRequest);
        if (entry) showRequest(entry);
      }
    });
    on("runs", (data) => {
      data.runs.forEach(addRun);
      for (const key of data.removed) state.runs.delete(key);
      state.runsTotal = data.total;
      runsDirty = true;
    });
    on("requests", (data) => {
      addRequests(data.requests);
      state.skipped += data.skipped || 0;
      requestsDirty = true;
    });
    on("clock", setClock);
    on("sessions", (data) => {
      state.sessions = data.sessions;
      refreshLists();
    });
    on("faults", (data) => {
      state.faults = data.faults;
      refreshFaults();
    });
    on("scenarios", (data) => {
      state.scenarios = data;
      refreshScenarios();
    });
    on("end", (data) => {
      if (data.reason === "session dropped") {
        say(`Session ${data.session} was dropped; showing the default session.`);
        switchSession("default");
      } else {
        setConnection("stopped", "server stopped; retrying…");
      }
    });
  }

  function setClock(clock) {
    state.clock = clock;
    state.clockAt = performance.now();
    refreshClock();
    runList.schedule();
  }

  function switchSession(id) {
    state.session = id;
    state.selectedRun = null;
    state.selectedRequest = null;
    $("run-detail").replaceChildren(el("p", { className: "hint", textContent: "Select a run to see its states." }));
    $("request-detail").replaceChildren(el("p", { className: "hint", textContent: "Select a request to see its body." }));
    connect();
  }

  // --- controls: the same /_sim/ calls a script makes ---------------------------------------------------------------------
  function say(text, error = false) {
    const node = $("message");
    node.classList.toggle("error", error);
    node.textContent = text;
  }

  async function call(method, route, body) {
    const init = { method, headers: { "X-Jobsim-Session": state.session } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let reply;
    try {
      reply = await fetch(`${SIM}${route}`, init);
    } catch (error) {
      say(`${method} /_sim${route} failed: ${error.message}`, true);
      throw error;
    }
    const data = (reply.headers.get("content-type") || "").includes("json") ? await reply.json() : await reply.text();
    if (!reply.ok) {
      say(`${method} /_sim${route}: ${reply.status} ${data.message || data}`, true);
      throw new Error(String(reply.status));
    }
    return data;
  }

  function action(handler) {
    return async (event) => {
      if (event) event.preventDefault();
      try {
        await handler();
      } catch (error) {
        /* reported by call() */
      }
    };
  }

  $("advance-form").addEventListener(
    "submit",
    action(async () => {
      const step = $("advance-step").value;
      const clock = await call("POST", "/clock/advance", { duration: step });
      setClock(clock);
      say(`Clock advanced by ${step}: ${clock.now_iso}`);
    }),
  );

  $("speed").addEventListener("input", () => ($("speed").dataset.edited = "1"));
  $("speed-form").addEventListener(
    "submit",
    action(async () => {
      const speed = Number($("speed").value);
      if (!(speed > 0)) {
        say("The speed must be a number above 0.", true);
        return;
      }
      const clock = await call("PUT", "/clock", { speed });
      delete $("speed").dataset.edited;
      setClock(clock);
      say(`Clock speed ×${clock.speed} (${clock.mode})`);
    }),
  );

  $("freeze").addEventListener(
    "click",
    action(async () => {
      const frozen = state.clock && state.clock.mode === "virtual";
      const clock = await call("PUT", "/clock", { mode: frozen ? "real" : "virtual" });
      setClock(clock);
      say(clock.mode === "virtual" ? "Clock frozen: it moves only when advanced." : `Clock running ×${clock.speed}.`);
    }),
  );

  $("scenario-form").addEventListener(
    "submit",
    action(async () => {
      const name = $("scenario").value;
      if (!name) return;
      const loaded = await call("POST", "/scenarios", { name });
      say(`Scenario ${loaded.api}/${loaded.name} loaded.`);
    }),
  );

  function faultRule() {
    const rule = {};
    const api = $("fault-api").value;
    const operation = $("fault-operation").value.trim();
    if (api) rule.api = api;
    if (operation) rule.operation = operation;
    const [effect, value] = $("fault-effect").value.split(":");
    if (effect === "error") {
      rule.error = { status: Number(value) };
      if (value === "429") rule.error.retry_after = 1;
    } else if (effect === "latency") rule.latency = Number(value);
    else if (effect === "drop") rule.drop = true;
    else rule.malformed = value;
    const [when, count] = $("fault-when").value.split(":");
    rule.when = when === "always" ? { always: true } : { [when]: Number(count) };
    rule.name = `dashboard-${effect}${value ? `-${value}` : ""}`;
    return rule;
  }

  $("fault-form").addEventListener(
    "submit",
    action(async () => {
      const added = await call("POST", "/faults", faultRule());
      say(`Fault #${added.id} added: ${describeFault(added)}`);
    }),
  );

  $("clear-faults").addEventListener(
    "click",
    action(async () => {
      const done = await call("DELETE", "/faults");
      say(`${done.removed} fault rule(s) removed.`);
    }),
  );

  async function removeFault(id) {
    try {
      await call("DELETE", `/faults/${id}`);
      say(`Fault #${id} removed.`);
    } catch (error) {
      /* reported */
    }
  }

  $("reset").addEventListener(
    "click",
    action(async () => {
      await call("POST", "/reset");
      say(`Session ${state.session} reset: its jobs, runs and faults are gone, start-up scenarios reloaded.`);
    }),
  );

  $("session").addEventListener("change", () => switchSession($("session").value));
  $("session-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = $("session-new").value.trim();
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) {
      say("A session id is 1-64 letters, digits, '_', '.' or '-'.", true);
      return;
    }
    $("session-new").value = "";
    switchSession(id);
  });

  for (const id of ["runs-api", "runs-phase", "runs-text", "runs-axis"]) {
    $(id).addEventListener("input", () => {
      runsDirty = true;
      schedule();
    });
  }
  for (const id of ["requests-api", "requests-status", "requests-text", "requests-follow"]) {
    $(id).addEventListener("input", () => {
      requestsDirty = true;
      schedule();
    });
  }

  // Operation ids for the fault form, from the routes this server serves.
  fetch(`${SIM}/routes`)
    .then((reply) => (reply.ok ? reply.json() : { routes: [] }))
    .then((data) => {
      const ids = [...new Set(data.routes.filter((r) => r.api !== "jobsim").map((r) => r.operationId))].sort();
      $("operations").replaceChildren(...ids.map((id) => el("option", { value: id })));
    })
    .catch(() => {});

  connect();
})();
