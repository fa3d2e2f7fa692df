/* The start page while something holds the start (the proctor's admission, a paused session, the
 * start window not yet open). It asks the live endpoint every two seconds whether anything changed
 * (a cache read on the server) and then the start state; when the candidate may start, the Start
 * button is enabled and the change is announced. Without JavaScript, reloading the page does the same.
 */
(function () {
  "use strict";

  var cfg = document.getElementById("start-live");
  if (!cfg) return;
  var data = cfg.dataset;
  var button = document.getElementById("btn-start");
  var wait = document.getElementById("start-wait");
  var version = String(data.liveVersion || "");
  var done = false;

  function json(url, headers) {
    return fetch(url, { credentials: "same-origin", cache: "no-store", headers: headers || { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; });
  }

  function check() {
    if (done) return;
    json(data.stateUrl).then(function (state) {
      if (!state || done) return;
      if (state.status !== "checked_in") {
        done = true;
        window.location.assign(state.url);
        return;
      }
      if (state.can_start) {
        done = true;
        button.disabled = false;
        wait.className = "alert alert-success";
        wait.textContent = data.ready;
        return;
      }
      wait.textContent = "";
      state.blockers.forEach(function (text) {
        var p = document.createElement("p");
        p.className = "mb-0";
        p.textContent = text;
        wait.appendChild(p);
      });
    }, function () { /* offline for a moment: the next poll asks again */ });
  }

  function poll() {
    if (done) return;
    json(data.liveUrl, { "Accept": "application/json", "X-Exam-Live": data.liveToken }).then(function (reply) {
      if (reply && String(reply.v) !== version) {
        version = String(reply.v);
        check();
      }
    }, function () {}).then(function () { setTimeout(poll, 2000); });
  }

  var opensIn = Number(data.opensIn) || 0;
  if (opensIn > 0) setTimeout(check, opensIn * 1000 + 500);
  // A slow second check, in case the cache lost the version: it costs a few queries a minute.
  setInterval(check, 30000);
  poll();
})();
