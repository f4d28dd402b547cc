// ClusterLD query UI: YASGUI on this endpoint, with the example queries as tabs.
// Autocompletion from prefix.cc and LOV is left off: the page makes no request elsewhere.
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
})();
