// The private channel between the panel's frame (panel.html, an extension page) and the content
// script of the tab it is shown in: one MessagePort, handed to the frame once with a token from
// the frame's own URL, so the page, which can post to the frame's window, cannot pose as either.
//
// frame → content script (a request carries `id`; the answer is {id, result} or {id, error},
// with {id, progress} before it for the calls that report progress)
//   {id, op: 'page'}                     → {html, url, selectionHtml, onDevice, pageDark, intent, platform}
//                                          timing: {readAt, readDoneAt}: when the page was read (bench)
//   {id, op: 'showSource', text}         → boolean: the paragraph was found and shown
//   {id, op: 'verify'}                   → {ok: boolean, reason?: string}  the page covers or hides nothing
//   {id, op: 'copy', text}               the export, onto the clipboard from the page's window (the
//                                        reader's click there is what the Clipboard API asks for)
//   {id, op: 'availability', api, options} → 'available' | 'downloadable' | 'downloading' | 'unavailable'
//   {id, op: 'download', api, options}   progress: fraction loaded
//   {id, op: 'summarize', calls}         progress: answers so far → string[]
//   {id, op: 'detect', sample}           → Detected[]
//   {id, op: 'prompt', call}             → string: the Prompt API's answer (JSON, as the schema asks)
//   {id, op: 'translate', step}          progress: {id, text} per block
//   {op: 'abortOnDevice'}                abandon the on-device work in progress
//   {op: 'layout', collapsed: boolean, width: number, height: number}   the size the frame needs
//   {op: 'close'}                        the reader closed Gloss: remove the frame for good
//   {op: 'reloadPage'}                   the extension was reloaded: the reader asks for a fresh page
//   {op: 'article', article}             the article as the core read it, for a host that shows it
//                                        (the PDF reader page; a web page's content script ignores it)
// In the PDF reader page (reader.html) the reader page is the host: its `page` answer carries
// `pdf` (the PDF's text items) or `pdfFailure` (why it has none) instead of the page's HTML.
// content script → frame
//   {type: 'pageChanged', url}           a single-page site moved to another address
//   {type: 'show'}                       the reader clicked Gloss again: re-open a collapsed panel

export const OP = Object.freeze({
  PAGE: 'page', INFO: 'info', SHOW_SOURCE: 'showSource', VERIFY: 'verify', COPY: 'copy',
  AVAILABILITY: 'availability', DOWNLOAD: 'download', SUMMARIZE: 'summarize', PROMPT: 'prompt', DETECT: 'detect', TRANSLATE: 'translate',
  ABORT_ON_DEVICE: 'abortOnDevice', LAYOUT: 'layout', CLOSE: 'close', RELOAD_PAGE: 'reloadPage', ARTICLE: 'article',
});
export const NOTE = Object.freeze({ PAGE_CHANGED: 'pageChanged', SHOW: 'show' });
/** The frame's id in the page: the host element of its closed shadow root. */
export const HOST_ID = 'gloss-extension-root';
