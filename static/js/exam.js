/* The exam screen: one item per screen, a navigator, autosave with an offline queue, and the
 * server's clock. The server renders the shell with the exam in it, or without it as the start
 * page, where Start records the start and this script then fetches the exam; from then on it
 * talks to small JSON endpoints. In practice mode nothing leaves the browser.
 *
 * Autosave: every change gets a per-item sequence number that only grows, and goes into a queue
 * kept in localStorage (so a reload or crash loses nothing). The queue is sent in order, one
 * request at a time; an item says "Saved" only once the server has acknowledged its newest
 * sequence. The server keeps the newest sequence per item, so a retried request is harmless.
 *
 * The proctor: every two seconds the page asks the live endpoint for the attempt's version (a
 * number from the server's cache, no database query). An answer's acknowledgement carries the
 * attempt's last event id, which every proctor action moves, and stands in for that poll, so a
 * candidate who is answering sends no polls. When either changed, the page fetches the state
 * (clock, pause, the proctor's messages, an ending) and shows it. Leaving the tab or window, full
 * screen, copy and paste, right clicks and lost connections are reported in small batches.
 */
(function () {
  "use strict";

  var root = document.getElementById("exam");
  if (!root) return;
  var cfg = root.dataset;
  var T = JSON.parse(document.getElementById("exam-strings").textContent);
  var practice = cfg.mode === "practice";
  var HEARTBEAT_MS = 15000;
  var LIVE_MS = (Number(cfg.liveSeconds) || 2) * 1000;
  var LIVE = ["in_progress", "paused"];

  function $(id) { return document.getElementById(id); }
  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }

  // --- local storage, keyed by attempt -------------------------------------------------------
  var store = {
    key: function (name) { return "certdesk.exam." + cfg.storageKey + "." + name; },
    get: function (name, fallback) {
      try {
        var raw = window.localStorage.getItem(this.key(name));
        return raw ? JSON.parse(raw) : fallback;
      } catch (e) { return fallback; }
    },
    set: function (name, value) {
      try { window.localStorage.setItem(this.key(name), JSON.stringify(value)); } catch (e) { /* full or off */ }
    },
    clear: function () {
      ["queue", "seq", "position", "answers"].forEach(function (name) {
        try { window.localStorage.removeItem(store.key(name)); } catch (e) { /* off */ }
      });
    }
  };

  // --- state ----------------------------------------------------------------------------------
  var items = [];
  var byPos = {};
  var answers = {};                 // position -> {value: [...], flagged: bool}
  var seqs = store.get("seq", {});  // position -> newest sequence this browser has used
  var acked = {};                   // position -> newest sequence the server holds
  var failed = {};                  // position -> message of a refused answer
  var queue = store.get("queue", []);
  var current = 1;
  var sending = null;               // the queue entry on the wire
  var offline = false;
  var closed = false;               // the candidate can change nothing more (time up, exam over)
  var stopped = false;              // nothing more is sent: the server refused (ended, another browser)
  var paused = false;
  var retryTimer = null;
  var retryDelay = 2000;
  var remaining = null;             // the server's remaining seconds …
  var remainingAt = 0;              // … and when we heard it (performance.now)
  var warned = {};
  var liveVersion = String(cfg.liveVersion || "");
  var lastMessage = 0;              // id of the newest proctor message shown
  var connectionLostAt = null;      // Date.now() when the connection went, until it is reported

  // --- the clock ------------------------------------------------------------------------------
  function setRemaining(seconds) {
    if (typeof seconds !== "number") return;
    remaining = seconds;
    remainingAt = performance.now();
  }

  function secondsLeft() {
    if (remaining === null) return null;
    if (paused) return remaining;
    return Math.max(0, remaining - Math.floor((performance.now() - remainingAt) / 1000));
  }

  function clockText(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m));
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function warn(key) {
    if (warned[key]) return;
    warned[key] = true;
    var banner = $("banner-warning");
    banner.textContent = T[key];
    banner.hidden = false;
    $("announce-urgent").textContent = T[key];
  }

  function tick() {
    var left = secondsLeft();
    if (left === null) return;
    $("clock").textContent = clockText(left);
    var clock = $("exam-clock");
    clock.classList.toggle("is-low", left <= 300);
    if (closed) return;
    if (left <= 0) timeUp();
    else if (left <= 60) warn("warn_1");
    else if (left <= 300) warn("warn_5");
    else if (left <= 600) warn("warn_10");
  }

  // --- talking to the server ------------------------------------------------------------------
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : cfg.csrf;
  }

  function call(url, method, body) {
    var options = {
      method: method,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, ok: response.ok, data: data };
      });
    });
  }

  function showError(message) {
    var banner = $("banner-error");
    banner.textContent = message;
    banner.hidden = !message;
  }

  function updateOfflineBanner() {
    var banner = $("banner-offline");
    if (!offline) {
      banner.hidden = true;
      return;
    }
    var n = queue.length;
    banner.textContent = n === 0 ? T.offline_none : n === 1 ? T.offline_one : fmt(T.offline, { n: n });
    banner.hidden = false;
  }

  function goOffline() {
    offline = true;
    connectionLostAt = connectionLostAt || Date.now();
    updateOfflineBanner();
    renderStatus();
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15000);
  }

  function connectionBack() {
    if (connectionLostAt === null) return;
    note("connection_lost", { seconds: Math.round((Date.now() - connectionLostAt) / 1000) });
    connectionLostAt = null;
  }

  function backOnline() {
    retryDelay = 2000;
    connectionBack();
    if (!offline) return;
    offline = false;
    updateOfflineBanner();
    if (!queue.length) $("announce").textContent = T.back_online;
  }

  function saveQueue() {
    store.set("queue", queue.map(function (e) {
      return { position: e.position, value: e.value, flagged: e.flagged, seq: e.seq };
    }));
  }

  function enqueue(position) {
    var answer = answers[position];
    seqs[position] = (seqs[position] || 0) + 1;
    store.set("seq", seqs);
    // An unsent older change to the same item is superseded: only the newest needs to travel.
    queue = queue.filter(function (e) { return e.position !== position || e === sending; });
    queue.push({ position: position, value: answer.value.slice(), flagged: answer.flagged, seq: seqs[position] });
    saveQueue();
    delete failed[position];
  }

  function flush() {
    clearTimeout(retryTimer);
    if (practice || sending || stopped || paused || !queue.length) {
      updateOfflineBanner();
      return;
    }
    var entry = queue[0];
    sending = entry;
    call(cfg.answerUrl, "POST", {
      position: entry.position, value: entry.value, flagged: entry.flagged, seq: entry.seq
    }).then(function (reply) {
      sending = null;
      if (reply.ok) {
        queue = queue.filter(function (e) { return e !== entry; });
        saveQueue();
        acked[entry.position] = Math.max(acked[entry.position] || 0, reply.data.seq || entry.seq);
        setRemaining(reply.data.remaining_seconds);
        noteEvent(reply.data.event);
        backOnline();
        afterChange();
        flush();
      } else if (reply.status >= 500) {
        goOffline();
      } else if (reply.status === 400) {
        queue = queue.filter(function (e) { return e !== entry; });
        saveQueue();
        failed[entry.position] = reply.data.message || "";
        afterChange();
        flush();
      } else if (reply.status === 409 || reply.status === 404) {
        handleClosed(reply.data);
      } else {
        // 403: signed out, or the CSRF cookie is gone. Keep the queue and try again later.
        showError(T.signed_out);
        goOffline();
      }
    }, function () {
      sending = null;
      goOffline();
    });
  }

  // Waits (bounded) until the queue is empty; resolves with how many answers are still unsent.
  function drain(timeoutMs) {
    var until = performance.now() + timeoutMs;
    return new Promise(function (resolve) {
      (function check() {
        if (!queue.length || stopped) return resolve(queue.length);
        if (performance.now() > until) return resolve(queue.length);
        if (!sending) flush();
        setTimeout(check, 150);
      })();
    });
  }

  function handleClosed(data) {
    data = data || {};
    if (data.reason === "paused") {
      setPaused(true, data.message);
      return;
    }
    if (data.reason === "moved") {
      endScreen(T.moved_device, data.message);
      return;
    }
    closed = true;
    stopped = true;
    setInputsDisabled(true);
    if (data.reason === "time_up" || data.reason === "closed") {
      timeUp(data.result_url);
      return;
    }
    showError(data.message || T.load_failed);
  }

  function setPaused(isPaused, message) {
    if (isPaused === paused) return;
    var left = secondsLeft();
    paused = isPaused;
    if (left !== null) setRemaining(left);
    var banner = $("banner-paused");
    banner.textContent = message || T.paused;
    banner.hidden = !paused;
    tick();  // the clock stops (or runs on) on screen with the banner, not at the next second
    setInputsDisabled(paused);
    if (!paused) {
      $("announce").textContent = T.resumed;
      flush();
    }
  }

  function heartbeat() {
    if (practice || closed) return;
    call(cfg.heartbeatUrl, "POST", {}).then(function (reply) {
      if (reply.ok) {
        if (LIVE.indexOf(reply.data.status) < 0) {
          refreshState();  // the state says how it ended: by the clock, or by the proctor
          return;
        }
        setRemaining(reply.data.remaining_seconds);
        setPaused(Boolean(reply.data.paused), reply.data.message);
        if (offline) { backOnline(); flush(); }
      } else if (reply.status === 409 || reply.status === 404) {
        handleClosed(reply.data);
      } else if (reply.status >= 500) {
        goOffline();
      }
    }, function () { goOffline(); });
  }

  // --- the proctor: live version, state, messages, endings --------------------------------------
  // When the server last told the page whether anything changed: a live poll, or an answer's
  // acknowledgement with the attempt's last event id (every proctor action adds an event).
  var heardAt = 0;
  var lastEvent = 0;
  function noteVersion(v) {
    heardAt = performance.now();
    if (String(v) !== liveVersion) {
      liveVersion = String(v);
      refreshState();
    }
  }
  function noteEvent(id) {
    if (typeof id !== "number") return;
    heardAt = performance.now();
    if (id > lastEvent) {
      lastEvent = id;
      refreshState();
    }
  }

  function livePoll() {
    if (practice || stopped || !cfg.liveUrl) return;
    // An acknowledged answer told the last event less than a poll interval ago: that was this poll.
    // While an answer is on its way its reply will tell, and a busy server gets one request less.
    var since = performance.now() - heardAt;
    if (since < LIVE_MS || sending) {
      setTimeout(livePoll, since < LIVE_MS ? LIVE_MS - since : LIVE_MS);
      return;
    }
    fetch(cfg.liveUrl, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Accept": "application/json", "X-Exam-Live": cfg.liveToken || "" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data) noteVersion(data.v);
    }, function () { /* offline: the answers' queue and the heartbeat say so */ }).then(function () {
      if (!stopped) setTimeout(livePoll, LIVE_MS);
    });
  }

  // The state could not be fetched: the next poll or acknowledgement, whatever it says, asks again.
  function forgetState() {
    liveVersion = "";
    lastEvent = 0;
  }

  var refreshing = false;
  var refreshAgain = false;
  function refreshState() {
    if (practice || stopped) return;
    if (refreshing) { refreshAgain = true; return; }
    refreshing = true;
    call(cfg.stateUrl + "?after=" + lastMessage, "GET").then(function (reply) {
      refreshing = false;
      if (reply.ok) applyState(reply.data);
      else if (reply.status === 409 || reply.status === 404) handleClosed(reply.data);
      else forgetState();
      if (refreshAgain) { refreshAgain = false; refreshState(); }
    }, function () {
      refreshing = false;
      forgetState();
    });
  }

  function applyState(data) {
    if (data.messages) showMessages(data.messages);
    if (LIVE.indexOf(data.status) < 0) {
      if (data.ended_by_proctor) {
        endScreen(T.ended, T.ended_text);
      } else {
        closed = stopped = true;
        window.location.assign(data.result_url || cfg.resultUrl);
      }
      return;
    }
    setRemaining(data.remaining_seconds);
    setPaused(Boolean(data.paused), data.message);
    tick();
  }

  function showMessages(list) {
    var box = $("proctor-message-list");
    if (!box) return;
    list.forEach(function (message) {
      if (message.id <= lastMessage) return;
      lastMessage = message.id;
      var li = document.createElement("li");
      var time = document.createElement("time");
      time.dateTime = message.at;
      time.className = "small me-2";
      time.textContent = new Date(message.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      var text = document.createElement("span");
      text.textContent = message.text;
      li.appendChild(time);
      li.appendChild(text);
      box.appendChild(li);
    });
    // Kept in the accessibility tree while empty, so the first message is announced too.
    if (lastMessage) $("proctor-messages").classList.remove("visually-hidden");
  }

  function endScreen(heading, text) {
    closed = stopped = true;
    setInputsDisabled(true);
    store.clear();
    ["banner-paused", "banner-warning", "banner-offline"].forEach(function (id) { $(id).hidden = true; });
    var nav = document.querySelector(".exam-nav-panel");
    if (nav) nav.hidden = true;
    $("exam-clock").hidden = true;  // no time is left to count
    if ($("btn-fullscreen")) $("btn-fullscreen").remove();
    showScreen("done-screen");
    $("done-heading").textContent = heading;
    $("done-text").textContent = text || "";
    if ($("done-result-link")) $("done-result-link").hidden = false;
    $("done-heading").focus();
    $("announce-urgent").textContent = heading;
    if (document.fullscreenElement && document.exitFullscreen) document.exitFullscreen().catch(function () {});
  }

  // --- integrity events: what the proctor is told about the page ---------------------------------
  var pending = [];
  var eventsTimer = null;
  var eventsSending = false;
  var MAX_PENDING = 60;
  var BATCH = 20;

  function note(kind, detail) {
    if (practice || stopped || !cfg.eventsUrl) return;
    pending.push({ kind: kind, at: Date.now(), detail: detail || {} });
    if (pending.length > MAX_PENDING) pending.splice(0, pending.length - MAX_PENDING);
    scheduleEvents(500);
  }

  function scheduleEvents(ms) {
    if (eventsTimer) return;
    eventsTimer = setTimeout(function () { eventsTimer = null; sendEvents(); }, ms);
  }

  function sendEvents() {
    if (eventsSending || stopped || !pending.length) return;
    eventsSending = true;
    var batch = pending.splice(0, BATCH);
    var again = function (ms) { pending = batch.concat(pending); scheduleEvents(ms); };
    // keepalive: a batch sent as the tab is hidden or closed still leaves.
    fetch(cfg.eventsUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: { "Accept": "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ events: batch })
    }).then(function (response) {
      eventsSending = false;
      if (response.ok) {
        if (pending.length) scheduleEvents(1000);
      } else if (response.status === 429) {
        response.json().then(function (data) { again(((data && data.retry_after) || 30) * 1000); },
          function () { again(30000); });
      } else if (response.status >= 500) {
        again(5000);
      }
      // Any other refusal (the exam ended, another browser): the batch has nowhere to go.
    }, function () {
      eventsSending = false;
      again(5000);
    });
  }

  function watchIntegrity() {
    if (practice) return;
    var hidden = false;
    document.addEventListener("visibilitychange", function () {
      hidden = document.visibilityState === "hidden";
      if (hidden) note("left_page", { via: "tab" });
    });
    window.addEventListener("blur", function () {
      // A tab switch blurs the window too: count it once, as the tab.
      setTimeout(function () {
        if (!hidden && !document.hidden && !document.hasFocus()) note("left_page", { via: "window" });
      }, 250);
    });
    var wasFull = Boolean(document.fullscreenElement);  // the candidate may have gone full screen before the start
    document.addEventListener("fullscreenchange", function () {
      var full = Boolean(document.fullscreenElement);
      if (wasFull && !full) note("fullscreen_exit");
      wasFull = full;
    });
    ["copy", "cut", "paste"].forEach(function (type) {
      document.addEventListener(type, function () { note("copy_paste", { action: type }); });
    });
    document.addEventListener("contextmenu", function () { note("right_click"); });
    window.addEventListener("offline", function () { connectionLostAt = connectionLostAt || Date.now(); });
    window.addEventListener("online", connectionBack);
  }

  // --- time up ----------------------------------------------------------------------------------
  var timeUpStarted = false;
  function timeUp(resultUrl) {
    closed = true;
    setInputsDisabled(true);
    if (timeUpStarted) return;
    timeUpStarted = true;
    $("banner-warning").hidden = true;
    showScreen("done-screen");
    $("done-heading").textContent = T.time_up;
    $("done-text").textContent = practice ? fmt(T.practice_done_text, counts()) : T.time_up_text;
    $("done-heading").focus();
    $("announce-urgent").textContent = T.time_up;
    if (practice) return;
    // The server submits once the deadline and its few seconds of grace have passed: ask until it has.
    var tries = 0;
    (function poll() {
      tries += 1;
      call(cfg.stateUrl, "GET").then(function (reply) {
        var status = reply.data && reply.data.status;
        if ((status && LIVE.indexOf(status) < 0) || reply.status === 409 || tries > 20) {
          window.location.assign(resultUrl || (reply.data && reply.data.result_url) || cfg.resultUrl);
        } else {
          setTimeout(poll, 2000);
        }
      }, function () { setTimeout(poll, 3000); });
    })();
  }

  // --- answers ------------------------------------------------------------------------------------
  function answerOf(position) {
    return answers[position] || { value: [], flagged: false };
  }

  function isAnswered(position) {
    return answerOf(position).value.length > 0;
  }

  function record(position, value, flagged) {
    if (closed || paused) return;
    answers[position] = { value: value, flagged: flagged };
    if (practice) {
      store.set("answers", answers);
    } else {
      enqueue(position);
    }
    afterChange();
    flush();
  }

  function counts() {
    var answered = 0, flagged = 0;
    items.forEach(function (item) {
      if (isAnswered(item.position)) answered += 1;
      if (answerOf(item.position).flagged) flagged += 1;
    });
    return { answered: answered, flagged: flagged, total: items.length };
  }

  function statusOf(position) {
    if (practice) return answers[position] ? T.saved_practice : "";
    if (failed[position] !== undefined) return fmt(T.not_saved, { message: failed[position] });
    var queued = queue.some(function (e) { return e.position === position; });
    if (queued) return offline ? T.queued : T.saving;
    if ((seqs[position] || 0) > 0 && (acked[position] || 0) >= seqs[position]) return T.saved;
    return "";
  }

  function renderStatus() {
    var status = $("save-status");
    var text = statusOf(current);
    status.textContent = text;
    status.className = "save-status" + (text === T.saved ? " is-saved" : "") +
      (failed[current] !== undefined ? " is-error" : "") + (offline && text === T.queued ? " is-queued" : "");
  }

  function afterChange() {
    renderNav();
    renderStatus();
    updateOfflineBanner();
    if (!$("review-screen").hidden) renderReview();
  }

  // --- rendering --------------------------------------------------------------------------------
  function setInputsDisabled(disabled) {
    var controls = document.querySelectorAll("#item-options input, #item-options button, #btn-flag");
    // A step that is already first (or last) keeps its "move up" (or "move down") button disabled.
    controls.forEach(function (el) { el.disabled = disabled || el.dataset.end === "1"; });
    $("btn-submit").disabled = disabled;
  }

  function showScreen(id) {
    ["item-screen", "review-screen", "done-screen"].forEach(function (name) {
      $(name).hidden = name !== id;
    });
  }

  function optionInput(item, option, type, checked) {
    var wrap = document.createElement("div");
    wrap.className = "form-check exam-option";
    var input = document.createElement("input");
    input.className = "form-check-input";
    input.type = type;
    input.name = "answer-" + item.position;
    input.id = "option-" + item.position + "-" + option.position;
    input.value = String(option.position);
    input.checked = checked;
    var label = document.createElement("label");
    label.className = "form-check-label";
    label.htmlFor = input.id;
    label.textContent = option.text;
    wrap.appendChild(input);
    wrap.appendChild(label);
    return wrap;
  }

  function renderChoices(item, container) {
    var type = item.type === "multiple" ? "checkbox" : "radio";
    var chosen = answerOf(item.position).value;
    item.options.forEach(function (option) {
      container.appendChild(optionInput(item, option, type, chosen.indexOf(option.position) >= 0));
    });
    container.addEventListener("change", function () {
      var value = [];
      container.querySelectorAll("input:checked").forEach(function (el) { value.push(Number(el.value)); });
      value.sort(function (a, b) { return a - b; });
      record(item.position, value, answerOf(item.position).flagged);
    });
  }

  function orderOf(item) {
    var value = answerOf(item.position).value;
    if (value.length === item.options.length) return value.slice();
    return item.options.map(function (o) { return o.position; });
  }

  function renderOrdering(item, container, focus) {
    container.textContent = "";
    var order = orderOf(item);
    var texts = {};
    item.options.forEach(function (o) { texts[o.position] = o.text; });
    var list = document.createElement("ol");
    list.className = "ordering-list";
    order.forEach(function (position, index) {
      var li = document.createElement("li");
      li.className = "ordering-step";
      li.dataset.position = String(position);
      var text = document.createElement("span");
      text.className = "ordering-text";
      text.textContent = texts[position];
      var buttons = document.createElement("span");
      buttons.className = "ordering-buttons";
      [["up", "↑", T.move_up, index === 0], ["down", "↓", T.move_down, index === order.length - 1]].forEach(
        function (spec) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "btn btn-sm btn-outline-primary";
          button.dataset.move = spec[0];
          button.dataset.position = String(position);
          button.setAttribute("aria-label", fmt(spec[2], { text: texts[position] }));
          button.innerHTML = '<span aria-hidden="true">' + spec[1] + "</span>";
          if (spec[3]) button.dataset.end = "1";
          button.disabled = spec[3] || closed || paused;
          buttons.appendChild(button);
        });
      li.appendChild(text);
      li.appendChild(buttons);
      list.appendChild(li);
    });
    container.appendChild(list);
    if (!isAnswered(item.position)) {
      var keep = document.createElement("button");
      keep.type = "button";
      keep.className = "btn btn-sm btn-outline-secondary mt-2";
      keep.id = "btn-keep-order";
      keep.textContent = T.keep_order;
      keep.disabled = closed || paused;
      keep.addEventListener("click", function () {
        record(item.position, orderOf(item), answerOf(item.position).flagged);
        renderOrdering(item, container, null);
        $("announce").textContent = T.order_kept;
        $("item-instructions").focus();
      });
      container.appendChild(keep);
    }
    list.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-move]");
      if (!button || button.disabled) return;
      var position = Number(button.dataset.position);
      var order = orderOf(item);
      var index = order.indexOf(position);
      var target = button.dataset.move === "up" ? index - 1 : index + 1;
      if (target < 0 || target >= order.length) return;
      order.splice(index, 1);
      order.splice(target, 0, position);
      record(item.position, order, answerOf(item.position).flagged);
      renderOrdering(item, container, { position: position, move: button.dataset.move });
      $("announce").textContent = fmt(T.moved, { text: texts[position], n: target + 1, total: order.length });
    });
    if (focus) {
      // Keep the focus on the step that moved, on the same button while it can still move that way.
      var selector = 'button[data-position="' + focus.position + '"]';
      var same = list.querySelector(selector + '[data-move="' + focus.move + '"]');
      var other = list.querySelector(selector + '[data-move="' + (focus.move === "up" ? "down" : "up") + '"]');
      (same && !same.disabled ? same : other).focus();
    }
  }

  function renderItem(moveFocus) {
    var item = byPos[current];
    if (!item) return;
    showScreen("item-screen");
    $("item-body").hidden = false;
    $("item-heading").textContent = fmt(T.question_of, { n: current, total: items.length });
    $("item-stem").innerHTML = item.stem;  // sanitised by the bank when the item was written
    $("item-instructions").textContent = item.instructions;
    var old = $("item-options");
    var container = old.cloneNode(false);  // drops the previous item's listeners
    old.parentNode.replaceChild(container, old);
    if (item.type === "ordering") renderOrdering(item, container, null);
    else renderChoices(item, container);
    var flag = $("btn-flag");
    flag.setAttribute("aria-pressed", answerOf(current).flagged ? "true" : "false");
    $("btn-prev").disabled = current === 1;
    $("btn-next").disabled = current === items.length;
    setInputsDisabled(closed || paused);
    renderStatus();
    renderNav();
    if (moveFocus) $("item-heading").focus();
  }

  function navLabel(position) {
    var parts = [fmt(T.nav_label, { n: position })];
    parts.push(isAnswered(position) ? T.nav_answered : T.nav_unanswered);
    if (answerOf(position).flagged) parts.push(T.nav_flagged);
    if (position === current && $("review-screen").hidden) parts.push(T.nav_current);
    return parts.join(", ");
  }

  function renderNav() {
    var nav = $("exam-nav");
    if (nav.children.length !== items.length) {
      nav.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "nav-item-button";
        button.dataset.position = String(item.position);
        button.innerHTML = '<span class="nav-number">' + item.position +
          '</span><span class="nav-flag" aria-hidden="true">⚑</span>';
        li.appendChild(button);
        nav.appendChild(li);
      });
    }
    nav.querySelectorAll("button").forEach(function (button) {
      var position = Number(button.dataset.position);
      button.classList.toggle("answered", isAnswered(position));
      button.classList.toggle("flagged", answerOf(position).flagged);
      var isCurrent = position === current && $("review-screen").hidden;
      button.classList.toggle("current", isCurrent);
      if (isCurrent) button.setAttribute("aria-current", "step");
      else button.removeAttribute("aria-current");
      button.setAttribute("aria-label", navLabel(position));
    });
    var c = counts();
    $("nav-summary").textContent = fmt(T.answered_of, c) + (c.flagged ? " · " + fmt(T.flagged_count, { n: c.flagged }) : "");
  }

  function reviewButton(position) {
    var li = document.createElement("li");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-link p-0";
    button.textContent = fmt(T.nav_label, { n: position });
    button.addEventListener("click", function () { go(position); });
    li.appendChild(button);
    return li;
  }

  function fillList(list, positions) {
    list.textContent = "";
    if (!positions.length) {
      var li = document.createElement("li");
      li.className = "text-body-secondary";
      li.textContent = T.none;
      list.appendChild(li);
    }
    positions.forEach(function (p) { list.appendChild(reviewButton(p)); });
  }

  function renderReview() {
    var unanswered = items.filter(function (i) { return !isAnswered(i.position); }).map(function (i) { return i.position; });
    var flagged = items.filter(function (i) { return answerOf(i.position).flagged; }).map(function (i) { return i.position; });
    $("review-summary").textContent = fmt(T.review_summary, counts());
    $("review-unanswered-count").textContent = String(unanswered.length);
    $("review-flagged-count").textContent = String(flagged.length);
    fillList($("review-unanswered"), unanswered);
    fillList($("review-flagged"), flagged);
  }

  function go(position) {
    current = position;
    store.set("position", position);
    renderItem(true);
  }

  function openReview() {
    showScreen("review-screen");
    renderReview();
    renderNav();
    $("review-heading").focus();
  }

  // --- submit -----------------------------------------------------------------------------------
  function openSubmitDialog() {
    var c = counts();
    $("dialog-text").textContent = fmt(T.confirm_text, c);
    var missing = c.total - c.answered;
    $("dialog-unanswered").textContent = missing ? fmt(T.confirm_unanswered, { n: missing }) : "";
    $("dialog-error").textContent = "";
    $("btn-confirm-submit").disabled = false;
    $("submit-dialog").showModal();
  }

  function confirmSubmit() {
    var button = $("btn-confirm-submit");
    if (practice) {
      $("submit-dialog").close();
      closed = true;
      showScreen("done-screen");
      $("done-heading").textContent = T.practice_done;
      $("done-text").textContent = fmt(T.practice_done_text, counts());
      $("done-heading").focus();
      return;
    }
    button.disabled = true;
    $("dialog-error").textContent = T.submitting;
    drain(8000).then(function (unsent) {
      if (unsent && !stopped) {
        $("dialog-error").textContent = fmt(T.unsent, { n: unsent });
        button.disabled = false;
        return;
      }
      store.clear();
      $("submit-form").submit();
    });
  }

  // --- start ------------------------------------------------------------------------------------
  function load(payload, moveFocus) {
    // The exam may have come to the start page, or as the answer to a start posted without this
    // script: the address bar shows the exam's own address, so a reload asks for the exam.
    if (cfg.examUrl && window.location.pathname !== cfg.examUrl && window.history.replaceState) {
      window.history.replaceState(null, "", cfg.examUrl);
    }
    items = payload.items;
    items.forEach(function (item) { byPos[item.position] = item; });
    lastEvent = payload.last_event || 0;
    setRemaining(payload.remaining_seconds);
    if (practice) {
      answers = store.get("answers", {});
    } else {
      Object.keys(payload.responses).forEach(function (key) {
        var position = Number(key);
        var stored = payload.responses[key];
        answers[position] = { value: stored.value, flagged: stored.flagged };
        acked[position] = stored.seq;
        seqs[position] = Math.max(seqs[position] || 0, stored.seq);
      });
      // What this browser changed but the server never acknowledged wins over the stored answer.
      queue = queue.filter(function (e) { return byPos[e.position] && e.seq > (acked[e.position] || 0); });
      queue.forEach(function (e) {
        answers[e.position] = { value: e.value, flagged: e.flagged };
        seqs[e.position] = Math.max(seqs[e.position] || 0, e.seq);
      });
      store.set("seq", seqs);
      saveQueue();
    }
    var remembered = store.get("position", null);
    current = byPos[remembered] ? remembered : (byPos[payload.current_position] ? payload.current_position : 1);
    setPaused(Boolean(payload.paused), null);
    renderItem(Boolean(moveFocus));
    tick();
    setInterval(tick, 1000);
    if (!practice) {
      // The first beat at a random point of the interval: a session's candidates start in the same
      // minute, and beats in step would reach the server as a wave every 15 s.
      setTimeout(function () {
        heartbeat();
        setInterval(heartbeat, HEARTBEAT_MS);
      }, Math.random() * HEARTBEAT_MS);
      flush();
      watchIntegrity();
      showMessages(payload.messages || []);  // what the proctor sent before this page was (re)loaded
      setTimeout(livePoll, LIVE_MS);
    }
  }

  $("btn-prev").addEventListener("click", function () { if (current > 1) go(current - 1); });
  $("btn-next").addEventListener("click", function () { if (current < items.length) go(current + 1); });
  $("btn-review").addEventListener("click", openReview);
  $("btn-back").addEventListener("click", function () { go(current); });
  $("btn-flag").addEventListener("click", function () {
    var answer = answerOf(current);
    record(current, answer.value.slice(), !answer.flagged);
    $("btn-flag").setAttribute("aria-pressed", answerOf(current).flagged ? "true" : "false");
  });
  $("exam-nav").addEventListener("click", function (event) {
    var button = event.target.closest("button[data-position]");
    if (button) go(Number(button.dataset.position));
  });
  $("btn-submit").addEventListener("click", openSubmitDialog);
  $("btn-cancel-submit").addEventListener("click", function () { $("submit-dialog").close(); });
  $("btn-confirm-submit").addEventListener("click", confirmSubmit);
  if ($("btn-restart")) {
    $("btn-restart").addEventListener("click", function () {
      store.clear();
      window.location.reload();
    });
  }
  window.addEventListener("online", function () { if (offline) flush(); });

  // --- before the clock -----------------------------------------------------------------------------
  // The start page is this screen. Start records the start (a small JSON request, no page to
  // render), then the exam follows and its first item shows here.
  function showStartErrors(messages) {
    var box = $("start-errors");
    box.textContent = "";
    messages.forEach(function (text) {
      var p = document.createElement("p");
      p.className = "mb-0";
      p.textContent = text;
      box.appendChild(p);
    });
    box.hidden = false;
  }

  function waitForStart(form) {
    var button = $("btn-start");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (button.disabled) return;
      button.disabled = true;
      $("start-errors").hidden = true;
      call(form.action, "POST").then(function (reply) {
        if (reply.ok && reply.data.exam_url) {
          fetchExam(reply.data.exam_url);
        } else if (reply.data.url) {
          window.location.assign(reply.data.url);  // started elsewhere, or no longer startable
        } else {
          showStartErrors(reply.data.errors || [reply.data.message || T.start_failed]);
          button.disabled = false;
        }
      }, function () {
        showStartErrors([T.start_failed]);
        button.disabled = false;
      });
    });
  }

  // The start is recorded; the exam follows. Asked apart from the start, so that on an exam
  // morning the server records every candidate's start (the heavier work) before it hands out
  // exams: nobody can answer, and no answer waits, while starts are still queued.
  function fetchExam(url) {
    call(url, "GET").then(function (reply) {
      if (reply.ok && reply.data.items) begin(reply.data);
      else window.location.assign(cfg.examUrl);  // the exam page says what happened (ended, another browser)
    }, function () {
      // The clock runs: the candidate reloads when the connection is back and lands in the exam.
      showStartErrors([T.load_failed]);
    });
  }

  function begin(payload) {
    $("start-screen").remove();
    $("exam-aside").hidden = false;
    if (payload.live_version !== undefined) liveVersion = String(payload.live_version);
    load(payload, true);
  }

  // Full screen works from the start page on, before the clock too.
  (function () {
    var button = $("btn-fullscreen");
    if (!button) return;
    if (!document.fullscreenEnabled) {
      button.parentNode.removeChild(button);
      return;
    }
    button.addEventListener("click", function () {
      if (document.fullscreenElement) document.exitFullscreen().catch(function () {});
      else document.documentElement.requestFullscreen().catch(function () {});
    });
    document.addEventListener("fullscreenchange", function () {
      var full = Boolean(document.fullscreenElement);
      button.textContent = full ? T.leave_full_screen : T.full_screen;
      button.setAttribute("aria-pressed", full ? "true" : "false");
    });
  })();

  if ($("start-form")) {
    waitForStart($("start-form"));
  } else {
    // The exam comes with the page (items, stored answers, clock): no round trip before the first item.
    load(JSON.parse($(practice ? "exam-practice" : "exam-payload").textContent));
  }
})();
