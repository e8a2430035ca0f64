/* joulefarm report: sortable and filterable tables. Small, dependency-free, no network. */
(function () {
  "use strict";

  // Large runs: lay out at most this many matching rows until "show all" is clicked.
  var LIMIT = 1000;

  function sortKey(cell) {
    var raw = cell.getAttribute("data-v");
    if (raw !== null) {
      return raw === "" ? null : parseFloat(raw);
    }
    var text = cell.textContent.trim().toLowerCase();
    return text === "" ? null : text;
  }

  function compare(a, b) {
    if (a === b) return 0;
    if (a === null) return 1;   // empty cells last in both directions
    if (b === null) return -1;
    if (typeof a === typeof b) return a < b ? -1 : 1;
    return typeof a === "number" ? -1 : 1;
  }

  function makeSortable(table, afterSort) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (th, col) {
      th.setAttribute("tabindex", "0");
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var keyed = Array.prototype.map.call(body.rows, function (row) {
          return [sortKey(row.cells[col]), row];
        });
        keyed.sort(function (x, y) {
          if (x[0] === null || y[0] === null) return compare(x[0], y[0]);
          return ascending ? compare(x[0], y[0]) : compare(y[0], x[0]);
        });
        // Re-order in a detached body and swap it in: one layout instead of one per row.
        var sorted = body.cloneNode(false);
        keyed.forEach(function (pair) { sorted.appendChild(pair[1]); });
        table.replaceChild(sorted, body);
        if (afterSort) afterSort();
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (ev) { if (ev.key === "Enter") sort(); });
    });
  }

  function makeFilterable(table) {
    var text = document.getElementById("filter-text");
    var selects = document.querySelectorAll("select[data-filter]");
    var count = document.getElementById("filter-count");
    var total = table.tBodies[0].rows.length;
    var showAll = total <= LIMIT;
    var haystack = new WeakMap();

    function apply() {
      var needle = text ? text.value.trim().toLowerCase() : "";
      var wanted = Array.prototype.map.call(selects, function (s) {
        return ["data-" + s.getAttribute("data-filter"), s.value];
      }).filter(function (pair) { return pair[1] !== ""; });
      var matching = 0;
      var shown = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var ok = true;
        if (needle !== "") {
          var words = haystack.get(row);
          if (words === undefined) {
            words = row.textContent.toLowerCase();
            haystack.set(row, words);
          }
          ok = words.indexOf(needle) !== -1;
        }
        for (var k = 0; ok && k < wanted.length; k++) {
          ok = row.getAttribute(wanted[k][0]) === wanted[k][1];
        }
        if (ok) matching++;
        var visible = ok && (showAll || shown < LIMIT);
        if (visible) shown++;
        if (row.hidden === visible) row.hidden = !visible;
      });
      if (!count) return;
      var words = matching === total ? total + " rows" : matching + " of " + total + " rows";
      count.textContent = shown < matching ? "first " + shown + " of " + words + " · " : words;
      if (shown < matching) {
        var more = document.createElement("a");
        more.href = "#results";
        more.textContent = "show all";
        more.addEventListener("click", function (ev) { ev.preventDefault(); showAll = true; apply(); });
        count.appendChild(more);
      }
    }

    if (text) text.addEventListener("input", apply);
    Array.prototype.forEach.call(selects, function (s) { s.addEventListener("change", apply); });
    Array.prototype.forEach.call(document.querySelectorAll("[data-set-outcome]"), function (card) {
      card.addEventListener("click", function () {
        var select = document.querySelector("select[data-filter=outcome]");
        if (select) { select.value = card.getAttribute("data-set-outcome"); apply(); }
      });
    });
    apply();
    return apply;
  }

  var results = document.getElementById("results-table");
  var refilter = results ? makeFilterable(results) : null;
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    makeSortable(table, table === results ? refilter : null);
  });
})();
