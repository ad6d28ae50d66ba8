/* Probatio: small progressive enhancements. Pages work without JavaScript. */
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  /* Autosave of drafts: the server keeps a draft every few seconds while the author types;
     the browser keeps a copy too, so nothing typed is lost if the sign-in has expired. */
  function setupAutosave(form) {
    var url = form.dataset.autosaveUrl;
    var key = form.dataset.draftKey;
    var status = document.getElementById("autosave-status");
    var dirty = false;
    var fields = ["interview_date", "subject", "body", "confidential", "restricted_to"];

    function snapshot() {
      var data = {};
      fields.forEach(function (name) {
        var el = form.elements[name];
        if (!el) return;
        data[name] = el.type === "checkbox" ? el.checked : el.value;
      });
      data.savedAt = Date.now();
      return data;
    }

    function say(text) { if (status) status.textContent = text; }

    // Restore a local copy that the server never received (sign-in expired, network lost).
    try {
      var local = JSON.parse(window.localStorage.getItem(key) || "null");
      if (local && local.unsent && form.elements.body && local.body && local.body !== form.elements.body.value) {
        fields.forEach(function (name) {
          var el = form.elements[name];
          if (!el || local[name] === undefined) return;
          if (el.type === "checkbox") el.checked = !!local[name]; else el.value = local[name];
        });
        say("Le texte non enregistré lors de votre dernière session a été restauré depuis ce navigateur.");
        dirty = true;
      }
    } catch (e) { /* private mode: no local copy */ }

    form.addEventListener("input", function () {
      dirty = true;
      try {
        var data = snapshot(); data.unsent = true;
        window.localStorage.setItem(key, JSON.stringify(data));
      } catch (e) { /* ignore */ }
    });

    function save() {
      if (!dirty) return;
      dirty = false;
      var body = new FormData(form);
      fetch(url, {
        method: "POST", body: body, credentials: "same-origin", redirect: "manual",
        headers: { "X-CSRFToken": csrfToken(form), "Accept": "application/json" }
      }).then(function (response) {
        var json = response.headers.get("Content-Type") || "";
        if (response.ok && json.indexOf("application/json") === 0) {
          return response.json().then(function (data) {
            say("Brouillon enregistré à " + data.saved_at + ".");
            try {
              var copy = snapshot(); copy.unsent = false;
              window.localStorage.setItem(key, JSON.stringify(copy));
            } catch (e) { /* ignore */ }
          });
        }
        dirty = true;
        say("Votre session a expiré : le texte est conservé dans ce navigateur. Reconnectez-vous dans un autre onglet, puis revenez ici.");
      }).catch(function () {
        dirty = true;
        say("Connexion perdue : le texte est conservé dans ce navigateur.");
      });
    }

    form.addEventListener("submit", function () {
      try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ }
    });
    window.setInterval(save, 5000);
    window.addEventListener("beforeunload", save);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-autosave-url]").forEach(setupAutosave);
  });
})();
