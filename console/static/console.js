// The console's only script (decision 0109): every page works without it.
//
// 1. A part of a page marked data-live="address" (the inbox's list, a question's messages) is fetched again
//    from that address every data-every seconds and put in place, so what a family writes shows by itself.
//    Only that part changes: what she is typing in an answer or a note is never touched. Rows and messages
//    (data-key) that did not change are kept as they are (a voice note playing goes on playing), and the boxes
//    she ticked stay ticked.
// 2. A saved reply goes where the cursor is in the answer, not over what she typed; one with no English
//    text, for a family who reads English, shows the warning beside the answer before she sends it.
(function () {
  "use strict";

  function keep(live, html) {
    var fresh = new DOMParser().parseFromString("<div>" + html + "</div>", "text/html").body.firstChild;
    var ticked = {};
    live.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) {
      ticked[box.name + "=" + box.value] = true;
    });
    var before = {};
    live.querySelectorAll("[data-key]").forEach(function (element) {
      before[element.getAttribute("data-key")] = element;
    });
    fresh.querySelectorAll("[data-key]").forEach(function (element) {
      var old = before[element.getAttribute("data-key")];
      if (old && old.outerHTML === element.outerHTML) {
        element.replaceWith(old); // unchanged: the same element, as it is now (a voice note playing)
      }
    });
    fresh.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      if (ticked[box.name + "=" + box.value]) {
        box.checked = true;
      }
    });
    live.replaceChildren.apply(live, Array.prototype.slice.call(fresh.childNodes));
    var counted = live.querySelector("[data-open-questions]");
    if (counted) {  // on the menu's "Questions", and on «Menu» folded on a phone
      ["#menu-inbox", "#menu > summary"].forEach(function (where) {
        var menu = document.querySelector(where);
        if (menu) {
          menuCount(menu, Number(counted.getAttribute("data-open-questions")), counted.getAttribute("data-label"));
        }
      });
    }
  }

  // The menu's count of open questions, as the page fetched says it now.
  function menuCount(menu, count, label) {
    var shown = menu.querySelector(".count");
    if (!count) {
      if (shown) {
        shown.remove();
      }
      return;
    }
    if (!shown) {
      shown = document.createElement("span");
      shown.className = "count";
      menu.append(" ", shown);
    }
    shown.textContent = String(count);
    shown.setAttribute("aria-label", label);
  }

  document.querySelectorAll("[data-live]").forEach(function (live) {
    var address = live.getAttribute("data-live");
    var every = 1000 * (Number(live.getAttribute("data-every")) || 15);
    var last = null;
    function again() {
      fetch(address, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok || response.redirected) {
            return null; // signed out, or the question is no longer hers: the page stays as it is
          }
          return response.text();
        })
        .then(function (html) {
          if (html !== null && html !== last) {
            last = html;
            keep(live, html);
          }
        })
        .catch(function () {}) // offline a moment: tried again at the next turn
        .then(function () {
          window.setTimeout(again, every);
        });
    }
    window.setTimeout(again, every);
  });

  var picker = document.getElementById("saved-replies");
  var answer = document.getElementById("answer");
  if (picker && answer) {
    picker.addEventListener("submit", function (event) {
      var chosen = picker.querySelector("select").selectedOptions[0];
      if (!chosen || !chosen.hasAttribute("data-text")) {
        return; // the page puts it in the answer, as without script
      }
      event.preventDefault();
      var start = answer.selectionStart;
      var end = answer.selectionEnd;
      answer.setRangeText(chosen.getAttribute("data-text"), start, end, "end");
      answer.focus();
      var warning = document.getElementById("arabic-warning");
      if (warning && chosen.hasAttribute("data-arabic-only")) {
        warning.hidden = false;
      }
    });
  }
})();
