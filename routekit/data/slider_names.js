// Names for the tier explorer's slider handles, wherever the explorer is shown (JupyterLab, Voilà, a notebook
// exported to HTML): TierExplorer.show() displays this script beside the widget.
// ipywidgets 8 gives a slider's handle (noUiSlider) role="slider" but no name, and no widget attribute reaches it
// (the slider view creates noUiSlider without handleAttributes; a widget's tooltip becomes its label's title), so
// a screen reader hears "slider, 0" eighteen times. Each handle is named by its widget's tooltip, set in
// routekit/widgets.py ("chat: budget tier share, per cent"), and its value is read as the readout shows it
// ("0.6 %", not noUiSlider's 0.6000000000000001).
(() => {
  if (window.routekitSliderNames) return;   // one observer per page, however often the explorer is shown
  window.routekitSliderNames = true;
  let queued = false;
  const label = () => {
    queued = false;
    document.querySelectorAll('.rk-tier-explorer .widget-slider').forEach((slider) => {
      const handle = slider.querySelector('.noUi-handle');
      const name = slider.querySelector('.widget-label')?.title;
      if (!handle || !name) return;
      if (handle.getAttribute('aria-label') !== name) handle.setAttribute('aria-label', name);
      const readout = slider.querySelector('.widget-readout')?.textContent.trim();
      const text = readout ? `${readout} %` : null;   // every explorer slider is a share in per cent
      if (text && handle.getAttribute('aria-valuetext') !== text) handle.setAttribute('aria-valuetext', text);
    });
  };
  // the widgets are drawn after this runs and noUiSlider rewrites aria-valuetext at every move: label what is
  // there, once per burst of changes (a microtask: before the browser paints or a screen reader reads)
  new MutationObserver(() => {
    if (!queued) {
      queued = true;
      queueMicrotask(label);
    }
  }).observe(document.documentElement, {
    subtree: true, childList: true, characterData: true, attributes: true,
    attributeFilter: ['aria-valuetext', 'title'],
  });
  label();
})();
