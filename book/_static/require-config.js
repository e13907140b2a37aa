// Set-up for the self-hosted ipywidgets HTML manager (loaded after require.js, before embed-amd.js).
(function () {
  // 1. Point require.js at _static/vendor/, whatever the page's depth, so the manager finds its
  //    fonts there instead of next to the page or on a CDN.
  var here = document.currentScript.src;
  require.config({ baseUrl: here.slice(0, here.lastIndexOf("/") + 1) + "vendor/" });

  // 2. The manager typesets widget labels with MathJax 2's MathJax.Hub.Queue; the book uses
  //    MathJax 3, which has no Hub. Once the deferred MathJax script has run, map Queue onto
  //    MathJax 3's typesetPromise.
  document.addEventListener("DOMContentLoaded", function () {
    var mj = window.MathJax;
    if (!mj || mj.Hub) return;
    mj.Hub = {
      Queue: function (job) {
        var el = job && job[2];
        var run = function () { return mj.typesetPromise ? mj.typesetPromise(el ? [el] : undefined) : null; };
        return mj.startup && mj.startup.promise ? mj.startup.promise.then(run) : run();
      }
    };
  });
})();
