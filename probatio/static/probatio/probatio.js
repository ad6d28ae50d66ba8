/* Probatio: small progressive enhancements. Pages work without JavaScript. */
(function () {
  "use strict";

  var PREFIX = "probatio-";
  // Tab-scoped storage: it dies with the tab, and Probatio clears it at sign-out, so a note
  // typed on a shared workstation is not left behind in the browser.
  var store = (function () {
    try { return window.sessionStorage; } catch (e) { return null; }
  })();

  function get(key) {
    try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
  }
  function put(key, value) { try { store.setItem(key, JSON.stringify(value)); } catch (e) { /* full or disabled */ } }
  function drop(key) { try { store.removeItem(key); } catch (e) { /* ignore */ } }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  /* Why the server did not confirm a draft. The session ended: a redirect (to the sign-in
     page; not followed, so opaque), 401 or 403, or a page that is not the JSON answer. The
     server failed: 5xx (an error, a database refusing writes). Anything else: it refused what
     was sent (413, 400: too large). In every case the text stays in the tab and the next
     save tries again. */
  function draftRefused(response) {
    var status = response.status;
    if (status >= 500) {
      return "Le serveur n'a pas pu enregistrer le brouillon : votre texte reste dans cette page et dans cet onglet. Nouvel essai automatique dans quelques secondes.";
    }
    if (status === 413 || status === 400) {
      return "Le serveur a refusé le brouillon, sans doute trop volumineux : raccourcissez le texte. Il reste dans cette page et dans cet onglet.";
    }
    if (response.type === "opaqueredirect" || status === 0 || status === 401 || status === 403 || response.ok) {
      return "Votre session a expiré : le texte est conservé dans cet onglet. Reconnectez-vous, puis revenez sur cette page.";
    }
    return "Le brouillon n'a pas été enregistré (réponse " + status + " du serveur) : votre texte reste dans cette page et dans cet onglet.";
  }

  /* Forms whose typed text the server does not hold yet: leaving the page asks first. */
  var unsaved = [];
  window.addEventListener("beforeunload", function (event) {
    if (!unsaved.some(function (pending) { return pending(); })) return undefined;
    event.preventDefault();
    event.returnValue = "";  // older browsers need a value to ask
    return "";
  });

  /* Drafts: the server keeps a draft every few seconds while the author types, one per
     author and place of writing. Whatever the server has not confirmed is kept in this tab
     too, so nothing typed is lost when the sign-in expires; the copy is dropped once the
     server holds the text. Leaving the page before then asks first; once the draft is
     saved, or the form sent, it does not. */
  function setupAutosave(form) {
    var url = form.dataset.autosaveUrl;
    var key = form.dataset.draftKey;
    var status = form.querySelector("[data-autosave-status]") || document.getElementById("autosave-status");
    var edits = 0;      // input events so far
    var confirmed = 0;  // edits the server has confirmed
    var sending = false;  // the form itself was sent (saved, or its draft discarded)
    unsaved.push(function () { return !sending && edits !== confirmed; });
    var fields = form.dataset.autosaveFields
      ? form.dataset.autosaveFields.split(",")
      : ["interview_date", "subject", "body", "confidential", "restricted_to"];

    function snapshot() {
      var data = {};
      fields.forEach(function (name) {
        var el = form.elements[name];
        if (!el) return;
        data[name] = el.type === "checkbox" ? el.checked : el.value;
      });
      return data;
    }

    function say(text) { if (status) status.textContent = text; }

    var local = get(key);
    var differs = local && fields.some(function (name) {
      var el = form.elements[name];
      return el && el.type !== "checkbox" && local[name] && local[name] !== el.value;
    });
    if (differs) {
      fields.forEach(function (name) {
        var el = form.elements[name];
        if (!el || local[name] === undefined) return;
        if (el.type === "checkbox") el.checked = !!local[name]; else el.value = local[name];
      });
      say("Le texte que le serveur n'avait pas reçu (session expirée, connexion perdue ou serveur indisponible) a été restauré.");
      edits = 1;
    }

    form.addEventListener("input", function () {
      edits += 1;
      put(key, snapshot());
    });

    function save() {
      if (edits === confirmed) return;
      var sent = edits;
      fetch(url, {
        method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "manual",
        headers: { "X-CSRFToken": csrfToken(form), "Accept": "application/json" }
      }).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.ok && type.indexOf("application/json") === 0) {
          return response.json().then(function (data) {
            confirmed = sent;
            if (edits === sent) drop(key);
            say("Brouillon enregistré à " + data.saved_at + ".");
          });
        }
        say(draftRefused(response));
      }).catch(function () {
        say("Connexion perdue : le texte est conservé dans cet onglet.");
      });
    }

    // The copy is kept until the server confirms the note (see clearSavedDrafts); a discard
    // drops it at once.
    form.addEventListener("submit", function (event) {
      sending = true;
      if (event.submitter && event.submitter.hasAttribute("data-discard-draft")) drop(key);
      else put(key, snapshot());
    });
    // A page restored from the browser's cache after leaving: the form may be sent again.
    window.addEventListener("pageshow", function () { sending = false; });
    window.setInterval(save, 5000);
  }

  /* After a note is saved, the page says which draft key is done with. */
  function clearSavedDrafts() {
    var meta = document.querySelector("meta[name=probatio-saved-draft]");
    if (meta) drop(meta.content);
  }

  function clearAllOnSignOut() {
    document.querySelectorAll("form[data-sign-out]").forEach(function (form) {
      form.addEventListener("submit", function () {
        if (!store) return;
        for (var i = store.length - 1; i >= 0; i -= 1) {
          var k = store.key(i);
          if (k && k.indexOf(PREFIX) === 0) drop(k);
        }
      });
    });
  }

  /* A form sent back with errors: its error summary takes the focus, so it is read first. */
  function focusErrors() {
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) summary.focus();
  }

  /* The judge's answer: show the groups of fields the chosen answer needs. */
  function setupAnswerForm(form) {
    var groups = form.querySelectorAll("[data-answers]");
    function update() {
      var checked = form.querySelector("input[name=code]:checked");
      var code = checked ? checked.value : "";
      groups.forEach(function (group) {
        var serves = group.dataset.answers.split(" ").indexOf(code) !== -1;
        group.hidden = !serves;
      });
    }
    form.querySelectorAll("input[name=code]").forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    /* « Imprimer » buttons (no inline handler: the Content-Security-Policy refuses them). */
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    document.querySelectorAll("form[data-answer-form]").forEach(setupAnswerForm);
    focusErrors();
    if (!store) return;
    clearSavedDrafts();
    clearAllOnSignOut();
    document.querySelectorAll("form[data-autosave-url]").forEach(setupAutosave);
  });
})();
