// ClusterLD query UI: YASGUI on this endpoint, with the example queries as tabs.
// Autocompletion from prefix.cc and LOV is left off: the page makes no request elsewhere.
// YASGUI's markup is repaired after it renders so that the page meets WCAG 2.1 AA (see
// repair() below; tests/test_browser.py runs axe-core on it in Chromium).
(function () {
  "use strict";
  var configElement = document.getElementById("sparql-config");
  var root = document.getElementById("yasgui");
  if (!configElement || !root || typeof Yasgui === "undefined") {
    return; // the plain form below keeps working without JavaScript
  }
  var config = JSON.parse(configElement.textContent);
  // YASGUI builds GET requests with new URL(...), which needs an absolute address
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var language = document.documentElement.lang === "ru" ? "ru" : "en";
  var labels = {};
  Object.keys(config.labels).forEach(function (key) {
    labels[key] = config.labels[key][language];
  });
  var form = document.getElementById("sparql-form");
  if (form) {
    form.hidden = true;
  }
  var note = document.getElementById("sparql-truncated");
  var yasgui = new Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    autoAddOnInit: false,
    populateFromUrl: false,
    // the tab menu opens here, not inside the tab list (where only tabs may be)
    contextMenuContainer: root,
    endpointCatalogueOptions: {
      getData: function () { return [{ endpoint: endpoint }]; },
      keys: [],
    },
    yasqe: { autocompleters: ["variables"] },
  });
  config.examples.forEach(function (example, index) {
    yasgui.addTab(index === 0, {
      name: example.title[language],
      yasqe: { value: example.query },
      requestConfig: { endpoint: endpoint, method: "POST" },
    });
  });
  // Tell the reader when an answer was cut at the row limit (the X-SPARQL-MaxRows header).
  yasgui.on("query", function (instance, tab) {
    var yasqe = tab.getYasqe();
    if (yasqe.clusterldWatched) {
      return;
    }
    yasqe.clusterldWatched = true;
    yasqe.on("queryResponse", function (editor, response) {
      var limit = response && response.headers && response.headers.get
        ? response.headers.get("X-SPARQL-MaxRows") : null;
      if (note) {
        note.hidden = !limit;
        note.textContent = limit ? config.truncated[language].replace("{limit}", limit) : "";
      }
    });
  });

  // --- Accessibility repairs of YASGUI 4.6.2's markup -----------------------------------
  // YASGUI draws parts of its UI lazily (a tab's panel when the tab is first opened, the
  // results table when an answer comes), so repair() runs again whenever elements are added.
  // It only sets attributes and moves one button, and is idempotent.

  function label(element, text) {
    if (element && !element.hasAttribute("aria-label") && !element.labels.length) {
      element.setAttribute("aria-label", text);
    }
  }

  // A tab list may hold only tabs: YASGUI puts its "+" button in it too.  The button moves
  // out, next to the list; its empty wrapper stays, as YASGUI inserts new tabs before it.
  function moveAddButton(tabList) {
    var button = tabList.querySelector(".addTab");
    if (!button) {
      return;
    }
    var bar = document.createElement("div");
    bar.className = "clusterld-tabbar";
    tabList.parentNode.insertBefore(bar, tabList);
    bar.appendChild(tabList);
    bar.appendChild(button);
    button.setAttribute("aria-label", labels.addTab);
    button.title = labels.addTab;
    // Arrow keys move between the tabs (YASGUI's own handler expects the button in the list).
    tabList.addEventListener("keydown", function (event) {
      if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") {
        return;
      }
      var tabs = Array.prototype.slice.call(tabList.querySelectorAll("[role=tab]"));
      var index = tabs.indexOf(document.activeElement);
      event.stopPropagation();
      if (index < 0 || !tabs.length) {
        return;
      }
      event.preventDefault();
      var step = event.key === "ArrowLeft" ? -1 : 1;
      var next = tabs[(index + step + tabs.length) % tabs.length];
      next.setAttribute("tabindex", "0");
      next.focus();
    }, true);
  }

  function repair() {
    var tabList = root.querySelector("[role=tablist]");
    if (tabList && !tabList.parentNode.classList.contains("clusterld-tabbar")) {
      moveAddButton(tabList);
    }
    // aria-controls must name an element that exists: YASGUI names every tab's panel, but
    // draws a panel only when its tab is first opened.
    root.querySelectorAll("[role=tab]").forEach(function (tab) {
      var panel = (tab.getAttribute("href") || "").replace(/^#/, "");
      if (panel && document.getElementById(panel)) {
        tab.setAttribute("aria-controls", panel);
      } else {
        tab.removeAttribute("aria-controls");
      }
    });
    root.querySelectorAll(".tab input").forEach(function (input) {
      label(input, labels.tabName);
    });
    root.querySelectorAll(".autocompleteWrapper input").forEach(function (input) {
      label(input, labels.endpoint);
    });
    root.querySelectorAll(".yasqe .CodeMirror textarea").forEach(function (textarea) {
      label(textarea, labels.editor);
    });
    // The editor's scrolling area must be reachable by keyboard (to scroll a long query).
    root.querySelectorAll(".CodeMirror-scroll").forEach(function (area) {
      if (area.getAttribute("tabindex") !== "0") {
        area.setAttribute("tabindex", "0");
        area.setAttribute("role", "region");
        area.setAttribute("aria-label", labels.editorArea);
      }
    });
    root.querySelectorAll(".pageSizeWrapper select").forEach(function (select) {
      label(select, labels.pageSize);
    });
    // YASGUI greys out what cannot be used by a class; say so to assistive technology too.
    root.querySelectorAll(".yasr_btn, .context-menu-item").forEach(function (control) {
      if (control.classList.contains("disabled")) {
        control.setAttribute("aria-disabled", "true");
      } else {
        control.removeAttribute("aria-disabled");
      }
    });
    // A list holds only items: the tab menu's separator becomes a border of the next item.
    root.querySelectorAll(".context-menu-list > hr").forEach(function (rule) {
      if (rule.nextElementSibling) {
        rule.nextElementSibling.classList.add("clusterld-separated");
      }
      rule.remove();
    });
  }

  repair();
  new MutationObserver(repair).observe(root, {
    childList: true, subtree: true, attributes: true, attributeFilter: ["class"],
  });
})();
