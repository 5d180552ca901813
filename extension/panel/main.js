// The panel: an extension page in a frame of the reader's tab (see content/frame.js). It talks
// to the worker over its own Port and to the content script over the private channel; the page's
// scripts can reach neither. Everything it shows is built as DOM nodes with textContent: page
// text and model output never become HTML.
import { NOTE, OP } from './channel.js';
import { renderDigest, renderOriginal, shown } from './digest.js';
import { spending } from './guard.js';
import { keepingAlive, onDeviceDigest, onDeviceTranslation, pickers, planned, resetOnDevice } from './on-device.js';
import { call, closeFrame, onNote, sentAhead, tell } from './page.js';
import { onAnswerDelta, onAnswered, onAsked, onConversation, onQaError, planQa, qa } from './qa.js';
import { showSite } from './site.js';
import { askToConfirm, onTranslationDelta, onTranslationDone, onTranslationError, prepareTranslation, showProgress } from './translation.js';
import {
  applyTheme, body, button, digest, digestLabelText, inner, link, msg, needsOptions, optionsLink, original, panel, provenanceText,
  showError, showSpend, system, tab, translation,
} from './view.js';

const { el } = globalThis.GlossRender;
const { PORT_NAME, T, SECTION } = globalThis.GlossProtocol;

// Serialise, send and extract, timed for `npm run bench` (read from this page's root).
const startedAt = performance.now();
/** A time comparable across the page, this frame and the worker, for the bench's time split. */
const clock = () => performance.timeOrigin + performance.now();
/** When the last start asked for the page, had it, and had posted it to the worker. */
let startTiming = {};
/** @type {chrome.runtime.Port | null} */
let port = null;
/**
 * The worker's frames wait for the page side's details (how to lay out, the page's scheme, the
 * reader's system): a first start posts before it has them. The panel is not laid out, and so
 * not seen, before they come anyway.
 */
let pageKnown = Promise.resolve();
let closed = false;
let pageDark = false;
/** The reader's theme, as the last plan said (it follows the page's scheme when `auto`). */
let theme = null;
/** Opened by itself on an always-on site, and not yet opened by the reader: nothing is sent. */
let held = false;
/** The first layout waits for the page side's intent: a panel that opened by itself starts collapsed. */
let laidOut = false;
/** The address the panel reads (a PDF's, in the reader page). */
let pageUrl = '';
link.post = (frame) => port?.postMessage(frame);

// ---- the frame's chrome ----
const requestExport = (purpose) => link.post({ type: T.EXPORT, purpose });
const copyButton = el('button', { class: 'icon text', type: 'button', title: msg('copyMarkdown'), 'aria-label': msg('copyMarkdown'), onclick: () => requestExport('copy') }, msg('copy'));
const downloadButton = el('button', { class: 'icon text', type: 'button', title: msg('downloadMarkdown'), 'aria-label': msg('downloadMarkdown'), onclick: () => requestExport('download') }, '.md');
const collapseButton = el('button', { class: 'icon', type: 'button', title: msg('collapsePanel'), 'aria-label': msg('collapsePanel'), onclick: () => collapse() }, '–');
const closeButton = el('button', { class: 'icon', type: 'button', title: msg('closePanel'), 'aria-label': msg('closePanel'), onclick: () => close() }, '×');
const header = el('header', { class: 'bar' }, el('span', { class: 'brand' }, 'Gloss'), el('span', { class: 'spacer' }),
  copyButton, downloadButton, collapseButton, closeButton);
panel.append(header, body);
/** The reader opens a held panel: now it may read and send (a spending control, like the others). */
const expand = spending(() => {
  held = false;
  digest.status.textContent = msg('statusWaiting');
  link.post({ type: T.EXPAND });
});
tab.addEventListener('click', (event) => {
  // Checked before the tab hides: the guard looks at what was clicked.
  if (held) expand(event);
  show();
});
document.body.append(panel, tab);

/** Tells the page side the size this frame needs: the panel at its natural height, or the tab. */
function reportLayout() {
  if (closed || !laidOut) return;
  if (panel.hidden) {
    const box = tab.getBoundingClientRect();
    tell(OP.LAYOUT, { collapsed: true, width: Math.ceil(box.width), height: Math.ceil(box.height) });
  } else {
    const px = (style, ...names) => names.reduce((sum, name) => sum + (parseFloat(style[name]) || 0), 0);
    const frame = px(getComputedStyle(panel), 'borderTopWidth', 'borderBottomWidth');
    const padding = px(getComputedStyle(body), 'paddingTop', 'paddingBottom');
    tell(OP.LAYOUT, { collapsed: false, height: Math.ceil(header.offsetHeight + inner.offsetHeight + padding + frame) });
  }
}
new ResizeObserver(reportLayout).observe(inner);
new ResizeObserver(reportLayout).observe(tab);
reportLayout();

function show() { panel.hidden = false; tab.hidden = true; reportLayout(); }
function collapse() { panel.hidden = true; tab.hidden = false; reportLayout(); tab.focus(); }

/** Close ends the panel for good: the worker is told, the Port dropped, the frame removed. */
function close() {
  if (closed) return;
  closed = true;
  resetOnDevice();
  port?.postMessage({ type: T.CLOSE });
  port?.disconnect();
  port = null;
  closeFrame();
}

// The toolbar button on a page whose panel is open: the reader opens it, held or not.
onNote(NOTE.SHOW, () => {
  show();
  if (held) {
    held = false;
    link.post({ type: T.EXPAND });
  }
});

// ---- the Port to the worker ----
function onFrame(frame) {
  switch (frame.type) {
    case T.ARTICLE: return onArticle(frame);
    case T.PLAN: return onPlan(frame);
    case T.EXPORTED: return onExported(frame);
    case T.SITE: return showSite(frame);
    case T.HELD: return onHeld();
    case T.PAGE_NEEDED: return start(frame.readerableGate, frame.translateLang ?? null);
    case T.RESTYLED:
      digest.label.textContent = provenanceText(frame.provenance);
      digest.label.parentElement?.querySelector('.spend')?.remove();
      return undefined;
    case T.DELTA:
      answerStarted(frame.section);
      if (frame.section === SECTION.DIGEST) return renderDigest(frame.digest);
      if (frame.section === SECTION.QA) return onAnswerDelta(frame);
      return frame.section === SECTION.TRANSLATION ? onTranslationDelta(frame) : undefined;
    case T.ASKED: return onAsked(frame);
    case T.ANSWERED: return onAnswered(frame);
    case T.CONVERSATION: return onConversation(frame);
    case T.DONE: return onDone(frame);
    case T.ERROR: return onError(frame);
    case T.CONFIRM: return askToConfirm(frame.estimate);
    case T.ON_DEVICE: return frame.section === SECTION.DIGEST ? onDeviceDigest(frame.step) : onDeviceTranslation(frame.step);
    case T.PROGRESS:
      if (frame.readingSeconds != null || frame.waitingSeconds != null) {
        // A local model has the prompt and has not answered yet, or nothing is sent until a
        // wait ends (the per-minute limit, a retry): news until the answer starts.
        const target = { [SECTION.DIGEST]: digest, [SECTION.QA]: qa }[frame.section] ?? translation;
        target.status.textContent = frame.waitingSeconds != null
          ? msg(`waiting_${frame.waitingFor}`, [String(frame.waitingSeconds)])
          : msg('statusModelReading', [String(frame.readingSeconds)]);
        target.status.dataset.reading = 'true';
        // Answered: a message into the background is what keeps an idle one from being stopped
        // (Firefox's event page does not count the background's own posts).
        if (frame.waitingSeconds != null) link.post({ type: T.KEEPALIVE });
        return undefined;
      }
      if (frame.section === SECTION.DIGEST) {
        digest.status.textContent = msg('digestParts', [String(frame.parts.done), String(frame.parts.total)]);
        return undefined;
      }
      return showProgress(frame.progress, true);
  }
  return undefined;
}

/** The local model has started answering: its reading time is no longer news. */
function answerStarted(section) {
  const target = { [SECTION.DIGEST]: digest, [SECTION.QA]: qa }[section] ?? translation;
  if (!target.status.dataset.reading) return;
  delete target.status.dataset.reading;
  target.status.textContent = { [SECTION.DIGEST]: msg('statusWriting'), [SECTION.QA]: msg('qaAnswering') }[section] ?? '';
}

/** Opens the Port to the worker; false when the extension itself is gone (reloaded or updated). */
function connect() {
  if (closed) return false;
  /** @type {chrome.runtime.Port} */
  let opened;
  try {
    opened = chrome.runtime.connect({ name: PORT_NAME });
  } catch {
    port = null;
    return false;
  }
  port = opened;
  opened.onMessage.addListener((frame) => { pageKnown.then(() => onFrame(frame)); });
  opened.onDisconnect.addListener(() => {
    port = null;
    // An extension reload invalidates this page's extension context a moment after the Port drops.
    if (!closed) setTimeout(showLost, 150);
  });
  return true;
}

/**
 * The worker went away mid-way: the browser stopped it, or the extension was reloaded. What is
 * on screen stays; the reader can resume (finished work comes back from the cache), or, when the
 * extension was reloaded, is told to reload the page instead of meeting dead buttons.
 */
function showLost() {
  if (closed) return;
  const reloaded = !chrome.runtime?.id;
  const actions = reloaded
    ? [button(msg('reloadPage'), () => tell(OP.RELOAD_PAGE))]
    : [button(msg('resume'), spending(() => { if (connect()) start(true); else showLost(); }))];
  showError(original, { code: reloaded ? 'extension_reloaded' : 'worker_stopped', message: '', retryable: !reloaded }, actions);
}

// Single-page sites change the article without a page load: offer to read the new one.
onNote(NOTE.PAGE_CHANGED, ({ url }) => {
  showError(original, { code: 'page_changed', message: String(url), retryable: true }, [
    button(msg('readNewArticle'), spending(() => {
      if (!port && !connect()) { showLost(); return; }
      original.status.textContent = msg('statusExtracting');
      start(true);
    })),
  ]);
});

/**
 * Asks the worker to read the page: the one the content script sent it ahead (`ahead`, the first
 * start), or the one the page side gives now.
 * @param {boolean} readerableGate
 * @param {string | null} [translateLang] another target language, for this page only
 * @param {boolean} [ahead]
 */
async function start(readerableGate, translateLang = null, ahead = false) {
  resetOnDevice();
  if (ahead) {
    link.post({ type: T.START, ahead: true, readerableGate, translateLang });
    startTiming = { navigatedAt: performance.timeOrigin, startedAt: performance.timeOrigin + startedAt, postedAt: clock() };
    pageKnown = call(OP.INFO).then(pageInfo).catch(() => {});
    return;
  }
  const askedAt = clock();
  // A PDF's reader page answers once it has read every page: minutes, for a long one.
  const page = await keepingAlive(() => call(OP.PAGE));
  const receivedAt = clock();
  pageInfo(page);
  link.post({
    type: T.START, html: page.html, url: page.url, readerableGate, selectionHtml: page.selectionHtml, translateLang,
    onDevice: page.onDevice, ...(page.pdf ? { pdf: page.pdf } : {}), ...(page.pdfFailure ? { pdfFailure: page.pdfFailure } : {}),
  });
  startTiming = { navigatedAt: performance.timeOrigin, startedAt: performance.timeOrigin + startedAt, askedAt, ...page.timing, receivedAt, postedAt: clock() };
}

/** What the page side says of its page besides the HTML: how to lay out, the scheme, the address. */
function pageInfo(page) {
  if (!laidOut) {
    laidOut = true;
    // The core chose how a page of an always-on site opens (`site`, `siteRun`): collapsed.
    if (page.intent === 'site' || page.intent === 'siteRun') collapse();
    else reportLayout();
  }
  pageDark = page.pageDark;
  system.platform = page.platform;
  pageUrl = page.url;
  if (theme != null) applyTheme(theme, pageDark);
}

const OTHER_TARGETS = ['en', 'ja', 'zh-CN', 'es', 'fr', 'de', 'ko', 'pt', 'it', 'ru'];
/** Same language as the target: offer another target instead of spending tokens. */
function otherTargetPicker() {
  const select = /** @type {HTMLSelectElement} */ (el('select', { 'aria-label': msg('otherTarget') },
    OTHER_TARGETS.map((code) => el('option', { value: code }, code))));
  return el('span', { class: 'picker' }, select, button(msg('translate'), spending(() => {
    translation.status.textContent = msg('statusTranslating');
    start(false, select.value);
  })));
}
pickers.otherTarget = otherTargetPicker;

/** Copies the Markdown, or downloads it as a file (a blob URL on a link the reader clicked for). */
async function onExported({ purpose, markdown, fileName }) {
  if (purpose === 'copy') {
    try {
      await call(OP.COPY, { text: markdown });
      copyButton.textContent = msg('copied');
    } catch {
      copyButton.textContent = msg('copyFailed');
    }
    setTimeout(() => { copyButton.textContent = msg('copy'); }, 2000);
    return;
  }
  const url = URL.createObjectURL(new Blob([markdown], { type: 'text/markdown;charset=utf-8' }));
  const anchor = el('a', { href: url, download: fileName, hidden: true });
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Opened by itself: the article is read here, and nothing is sent until the reader asks. */
function onHeld() {
  held = true;
  for (const target of [digest, translation]) target.status.textContent = msg('statusHeld');
  digest.status.append(' ', button(msg('readThisPage'), expand));
}

function onArticle({ article, timing }) {
  const root = document.documentElement;
  root.dataset.extractMs = (performance.now() - startedAt).toFixed(2);
  root.dataset.extractTiming = JSON.stringify({ ...startTiming, ...timing, arrivedAt: clock() });
  shown.article = article;
  digest.node.hidden = false;
  translation.node.hidden = false;
  renderOriginal(article);
  tell(OP.ARTICLE, { article });
  if (article.fromSelection) original.status.textContent = msg('fromSelection');
  original.label.textContent = [article.siteName, article.lang, msg('lengthShort', [String(article.wordCount)])].filter(Boolean).join(' · ');
}

/** One line at the top: which stored settings could not be used and are at their defaults. */
function showSettingsNotice(resets) {
  inner.querySelector('.settings-notice')?.remove();
  if (!resets?.length) return;
  const { SETTING_LABELS } = globalThis.GlossProtocol;
  const labels = [...new Set(resets.filter((r) => r.field && r.reason !== 'newer_schema').map((r) => r.field))]
    .map((f) => (SETTING_LABELS[f] ? msg(SETTING_LABELS[f]) : f));
  const text = resets.some((r) => r.reason === 'unreadable') ? msg('settingsResetPanelAll') : [
    labels.length ? msg('settingsResetPanel', [labels.join(', ')]) : null,
    resets.some((r) => r.reason === 'newer_schema') ? msg('settingsReset_newer_schema') : null,
  ].filter(Boolean).join(' ');
  inner.prepend(el('p', { class: 'settings-notice', role: 'status' }, text, ' ', optionsLink()));
}

/**
 * The digest's style, one click away in its header: the styles the core offers, the current one
 * chosen. A change writes the digest again (a spending control), or, refused, puts the old back.
 */
function showStylePicker(styles, current) {
  const header = digest.label.parentElement;
  header?.querySelector('select.style')?.remove();
  if (!styles.length) return;
  const select = /** @type {HTMLSelectElement} */ (el('select', { class: 'style', 'aria-label': msg('digestStyleLabel') },
    styles.map((id) => el('option', { value: id }, msg(`digestStyle_${id}`)))));
  select.value = current ?? '';
  let shownStyle = select.value;
  select.addEventListener('change', spending(() => {
    shownStyle = select.value;
    digest.status.textContent = msg('statusWriting');
    link.post({ type: T.RESTYLE, style: select.value });
  }, () => { select.value = shownStyle; }));
  header?.append(select);
}

function onPlan({ plan, bilingual, theme: chosen, settingsResets }) {
  held = false;
  theme = chosen;
  applyTheme(theme, pageDark);
  planned.plan = plan;
  planned.bilingual = bilingual;
  showSettingsNotice(settingsResets);
  planQa(plan);
  digest.label.textContent = digestLabelText(plan.digest, plan.context);
  showStylePicker(plan.digestStyles, plan.digestStyle);
  const writing = { model: 'statusWriting', parts: 'statusWriting', onDevice: 'statusOnDevice' }[plan.digestMode];
  digest.status.textContent = writing ? msg(writing) : '';
  if (plan.digestNotice) showError(digest, plan.digestNotice, [optionsLink()]);
  const unavailable = plan.translationUnavailable;
  if (plan.translationOnDevice) {
    // The worker sends the on-device translation's first step next; until its model is known
    // to be ready, say what is being checked rather than that a model is missing.
    translation.label.textContent = '';
    translation.status.textContent = msg('statusCheckingOnDevice');
    translation.content.replaceChildren();
  } else if (unavailable) {
    translation.label.textContent = plan.translation ? provenanceText(plan.translation) : '';
    showError(translation, unavailable, [unavailable.code === 'same_language' ? otherTargetPicker() : optionsLink()]);
    translation.content.replaceChildren();
  } else {
    translation.label.textContent = `${plan.sourceLang} → ${provenanceText(plan.translation)}`;
    translation.status.textContent = '';
    prepareTranslation(shown.article, bilingual);
    showProgress({ total: plan.total, done: 0, failed: 0 }, false);
  }
}

function onDone(frame) {
  if (frame.section === SECTION.DIGEST) {
    if (frame.provenance) digest.label.textContent = digestLabelText(frame.provenance, planned.plan?.context);
    renderDigest(frame.digest);
    showSpend(digest, frame);
    if (frame.cached) digest.label.textContent += ` · ${msg('fromCache')}`;
    if (frame.parts) digest.label.textContent += ` · ${msg('inParts', [String(frame.parts)])}`;
    if (!digest.status.querySelector('.error, .offer')) digest.status.textContent = '';
  } else if (frame.section === SECTION.TRANSLATION) {
    onTranslationDone(frame);
  }
}

function onError({ section: which, error }) {
  if (which === SECTION.ORIGINAL) {
    const actions = [];
    if (error.code === 'not_readerable') {
      actions.push(button(msg('digestAnyway'), spending(() => {
        original.status.textContent = msg('statusExtracting');
        start(false);
      })));
    } else if (error.code === 'pdf_not_granted' && /^https?:/i.test(pageUrl)) {
      // The browser asks the reader; the reader page then fetches the PDF again.
      // Without a port: Firefox's host patterns cannot name one, Chrome's then match any.
      const origins = [`${new URL(pageUrl).protocol}//${new URL(pageUrl).hostname}/*`];
      actions.push(button(msg('readerAllow'), () => {
        chrome.permissions.request({ origins }).then((granted) => { if (granted) tell(OP.RELOAD_PAGE); }, () => {});
      }));
    }
    showError(original, error, actions);
    original.content.replaceChildren();
    digest.node.hidden = true;
    qa.node.hidden = true;
    translation.node.hidden = true;
    return;
  }
  if (which === SECTION.DIGEST) {
    const actions = [];
    if (error.retryable) {
      actions.push(button(msg('retry'), spending(() => {
        digest.status.textContent = msg('statusWriting');
        link.post({ type: T.RETRY, section: SECTION.DIGEST });
      })));
    }
    if (needsOptions(error.code)) actions.push(optionsLink());
    showError(digest, error, actions);
    return;
  }
  if (which === SECTION.QA) return onQaError(error);
  onTranslationError(error);
}

connect();
start(true, null, sentAhead);
