// Point require.js at the self-hosted packages in _static/vendor/, whatever the page's depth,
// so the ipywidgets HTML manager finds its fonts there instead of next to the page or on a CDN.
(function () {
  var here = document.currentScript.src;
  require.config({ baseUrl: here.slice(0, here.lastIndexOf("/") + 1) + "vendor/" });
})();
