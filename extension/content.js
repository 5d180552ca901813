// The in-page panel. Injected on the reader's click; runs no WASM (Chromium refuses it in
// content scripts on strict-CSP pages) and never sees the API key. Everything it shows is
// built as DOM nodes with textContent: page text and model output never become HTML.
(() => {
  const { PORT_NAME, T, SECTION, CODE } = globalThis.GlossProtocol;
  const HOST_ID = 'gloss-extension-root';

  /** "selection" when opened from the context menu's Translate selection. */
  const intent = globalThis.__glossIntent;
  delete globalThis.__glossIntent;

  // A second click on a page that already has the panel re-opens it.
  const existing = globalThis.__glossPanel;
  if (existing && document.getElementById(HOST_ID)) {
    existing.show();
    return;
  }

  /** Localised text. Cached, because after an extension reload the i18n API stops working. */
  const messages = new Map();
  function msg(key, subs) {
    if (!subs && messages.has(key)) return messages.get(key);
    try {
      const text = chrome.i18n.getMessage(key, subs) || key;
      if (!subs) messages.set(key, text);
      return text;
    } catch {
      return messages.get(key) ?? key;
    }
  }
  // What the panel must still be able to say once the extension is gone.
  for (const key of ['error_extension_reloaded', 'reloadPage', 'error_worker_stopped', 'resume']) msg(key);

  const { el, renderSpans, renderBlock } = globalThis.GlossRender;

  const provenanceText = (p) => (p ? [p.provider, p.lang, p.model].join(' · ') : '');

  /** "1,234 → 567 tokens · 3.2 s · $0.002" after a section ends; "~" marks estimated counts. */
  function spendText(spend, elapsedMs) {
    if (!spend) return '';
    const approx = spend.estimated ? '~' : '';
    const parts = [msg('spendTokens', [approx + spend.inputTokens.toLocaleString(), approx + spend.outputTokens.toLocaleString()])];
    if (elapsedMs != null) parts.push(`${(elapsedMs / 1000).toFixed(1)} s`);
    if (spend.costUsd != null) parts.push(`$${spend.costUsd.toFixed(spend.costUsd < 0.01 ? 4 : 3)}`);
    return parts.join(' · ');
  }

  function showSpend(target, frame) {
    const text = spendText(frame.spend, frame.elapsedMs);
    if (!text) return;
    let node = target.label.parentElement.querySelector('.spend');
    if (!node) target.label.after(node = el('span', { class: 'spend' }));
    node.textContent = text;
  }

  // ---- the panel's frame ----
  const host = el('div', { id: HOST_ID });
  // Keep the host out of the page's layout and styling entirely.
  host.style.cssText = 'all: initial; position: fixed; z-index: 2147483647; top: 0; right: 0; width: 0; height: 0;';
  const root = host.attachShadow({ mode: 'open' });
  const stylesheet = el('link', { rel: 'stylesheet', href: chrome.runtime.getURL('panel.css') });
  const panel = el('aside', { class: 'panel', role: 'complementary', 'aria-label': msg('panelLabel'), hidden: true });
  const tab = el('button', { class: 'tab', type: 'button', hidden: true, 'aria-label': msg('expandPanel'), onclick: () => show() }, 'Gloss');
  const collapseButton = el('button', { class: 'icon', type: 'button', title: msg('collapsePanel'), 'aria-label': msg('collapsePanel'), onclick: () => collapse() }, '–');
  const closeButton = el('button', { class: 'icon', type: 'button', title: msg('closePanel'), 'aria-label': msg('closePanel'), onclick: () => close() }, '×');
  const requestExport = (purpose) => port?.postMessage({ type: T.EXPORT, purpose });
  const copyButton = el('button', { class: 'icon text', type: 'button', title: msg('copyMarkdown'), 'aria-label': msg('copyMarkdown'), onclick: () => requestExport('copy') }, msg('copy'));
  const downloadButton = el('button', { class: 'icon text', type: 'button', title: msg('downloadMarkdown'), 'aria-label': msg('downloadMarkdown'), onclick: () => requestExport('download') }, '.md');
  panel.append(el('header', { class: 'bar' }, el('span', { class: 'brand' }, 'Gloss'), el('span', { class: 'spacer' }),
    copyButton, downloadButton, collapseButton, closeButton));
  const body = el('div', { class: 'body' });
  panel.append(body);
  root.append(stylesheet, panel, tab);
  stylesheet.addEventListener('load', () => { panel.hidden = false; }, { once: true });
  stylesheet.addEventListener('error', () => { panel.hidden = false; }, { once: true });
  document.documentElement.append(host);

  function section(id, title) {
    const label = el('span', { class: 'provenance', 'data-role': 'provenance' });
    const content = el('div', { class: 'content', id: `gloss-${id}-content` });
    const toggle = el('button', {
      class: 'toggle', type: 'button', 'aria-expanded': 'true', 'aria-controls': content.id,
      onclick: () => {
        const open = toggle.getAttribute('aria-expanded') !== 'true';
        toggle.setAttribute('aria-expanded', String(open));
        content.hidden = !open;
      },
    }, title);
    const status = el('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
    const node = el('section', { class: 'section', 'data-section': id }, el('h2', {}, toggle, label), status, content);
    body.append(node);
    return { node, label, content, status };
  }

  const original = section(SECTION.ORIGINAL, msg('sectionOriginal'));
  const digest = section(SECTION.DIGEST, msg('sectionDigest'));
  const translation = section(SECTION.TRANSLATION, msg('sectionTranslation'));
  original.status.textContent = msg('statusExtracting');
  digest.status.textContent = msg('statusWaiting');
  translation.status.textContent = msg('statusWaiting');

  // ---- panel state ----
  function show() { panel.hidden = false; tab.hidden = true; }
  function collapse() { panel.hidden = true; tab.hidden = false; tab.focus(); }
  function close() {
    onDeviceRun.abort();
    host.remove();
    // The worker ends this panel's session for good: nothing more is sent for it.
    port?.postMessage({ type: T.CLOSE });
    port?.disconnect();
    port = null;
    delete globalThis.__glossPanel;
  }
  globalThis.__glossPanel = { show };

  /** The exact fix for Ollama's refusal of extension origins, on the reader's system. */
  function ollamaFix() {
    const platform = (navigator.userAgentData?.platform ?? navigator.platform ?? '').toLowerCase();
    const key = platform.startsWith('mac') ? 'ollamaFixMac' : platform.startsWith('win') ? 'ollamaFixWindows' : 'ollamaFixLinux';
    return el('pre', { class: 'fix', 'data-os': key }, msg(key));
  }

  /** Shows an error in a section: the localised text for its code, the detail, and actions. */
  function showError(target, error, actions = []) {
    const text = msg(`error_${error.code}`) !== `error_${error.code}` ? msg(`error_${error.code}`) : msg('error_internal');
    const box = el('div', { class: 'error', role: 'alert', 'data-code': error.code },
      el('p', {}, text),
      error.code === 'ollama_origin' ? ollamaFix() : null,
      error.message ? el('p', { class: 'detail' }, error.message) : null,
      actions.length ? el('div', { class: 'actions' }, actions) : null);
    target.status.replaceChildren(box);
  }

  const optionsLink = () => el('button', { class: 'link', type: 'button', onclick: () => port?.postMessage({ type: T.OPEN_OPTIONS }) }, msg('openOptions'));
  const needsOptions = (code) => ['bad_key', 'missing_key', 'forbidden', 'model_not_found', 'invalid', 'ollama_origin', 'quota'].includes(code);

  // ---- Original ----
  function renderOriginal(article) {
    const meta = el('dl', { class: 'meta' });
    const row = (key, value) => { if (value) meta.append(el('dt', {}, msg(key)), el('dd', {}, String(value))); };
    row('metaTitle', article.title);
    row('metaByline', article.byline);
    row('metaSite', article.siteName);
    row('metaDate', article.publishedTime);
    row('metaLanguage', article.lang);
    row('metaLength', msg('lengthValue', [String(article.wordCount), String(article.readingMinutes)]));
    const text = el('div', { class: 'extracted', dir: article.dir || null, lang: article.lang }, article.blocks.map((block) => renderBlock(block)));
    const details = el('details', { class: 'sent' }, el('summary', {}, msg('extractedText', [String(article.blocks.length)])), text);
    original.content.replaceChildren(meta, details);
    original.status.textContent = '';
  }

  // ---- Quick Digest ----
  function renderDigest(d) {
    const nodes = [];
    if (d.keyPoints.length) {
      nodes.push(el('ul', { class: 'key-points' }, d.keyPoints.map((p, i) => el('li', {}, renderSpans(p), sourceButton(d.keyPointSources?.[i])))));
    }
    for (const p of d.summary) nodes.push(el('p', { class: 'summary' }, renderSpans(p)));
    if (d.details.length) {
      nodes.push(el('ul', { class: 'details' }, d.details.map((p) =>
        el('li', {}, p.label ? el('strong', {}, p.label) : null, p.label ? ': ' : null, renderSpans(p.text), sourceButton(p.source)))));
    }
    digest.content.replaceChildren(...nodes);
  }

  /** A small button after a point that shows the paragraph it comes from, in the page. */
  function sourceButton(blockId) {
    const block = blockId && currentArticle?.blocks.find((b) => b.id === blockId);
    if (!block) return null;
    return el('button', { type: 'button', class: 'source', 'data-source': blockId, title: msg('showSource'), 'aria-label': msg('showSource'), onclick: () => showInPage(block) }, '¶');
  }

  const normalize = (text) => text.replace(/\s+/g, ' ').trim();
  const PROSE = 'p, li, blockquote, pre, h1, h2, h3, h4, h5, h6, figcaption, td, th, dd, dt';

  /** The page's open shadow roots, nested ones included (never the panel's own). */
  function openShadowRoots() {
    const roots = [];
    const collect = (scope) => {
      for (const node of scope.querySelectorAll('*')) {
        if (node.shadowRoot && node !== host) {
          roots.push(node.shadowRoot);
          collect(node.shadowRoot);
        }
      }
    };
    collect(document);
    return roots;
  }

  /**
   * The smallest element of the page (outside the panel, open shadow roots included) whose text
   * holds the block's opening words; prose elements first, then any `div`.
   */
  function findInPage(block) {
    const needle = normalize(block.text).slice(0, 80);
    if (!needle || !document.body) return null;
    const scopes = [document.body, ...openShadowRoots()];
    for (const selector of [PROSE, 'div']) {
      let best = null;
      for (const scope of scopes) {
        for (const node of scope.querySelectorAll(selector)) {
          const text = node.textContent;
          if (text.length < needle.length || (best && text.length >= best.textContent.length)) continue;
          if (normalize(text).includes(needle)) best = node;
        }
      }
      if (best) return best;
    }
    return null;
  }

  /** Scrolls the page to a block's paragraph and highlights it briefly (nothing of the page is changed). */
  function showInPage(block) {
    const target = findInPage(block);
    if (!target) {
      digest.status.textContent = msg('sourceNotFound');
      return;
    }
    const still = matchMedia('(prefers-reduced-motion: reduce)').matches;
    target.scrollIntoView({ behavior: still ? 'auto' : 'smooth', block: 'center' });
    target.animate(
      [{ backgroundColor: 'rgba(255, 213, 0, 0.55)', outline: '3px solid rgba(230, 160, 0, 0.9)' }, { backgroundColor: 'transparent', outline: '3px solid transparent' }],
      { duration: 2500, easing: 'ease-out' },
    );
  }

  // ---- Full Translation ----
  /** @type {Map<string, HTMLElement>} one slot per source block, in document order */
  const slots = new Map();
  let articleBlocks = [];
  const failedIds = new Set();
  /** The progress line and its buttons, above the blocks. */
  const progressLine = el('div', { class: 'progress', role: 'status', 'aria-live': 'polite' });
  const bilingualToggle = el('button', {
    class: 'link', type: 'button', 'aria-pressed': 'false',
    onclick: () => setBilingual(bilingualToggle.getAttribute('aria-pressed') !== 'true', true),
  }, msg('showOriginal'));
  let list = null;

  function prepareTranslation(article, bilingual) {
    articleBlocks = article.blocks;
    slots.clear();
    failedIds.clear();
    list = el('div', { class: 'translated' });
    for (const block of article.blocks) {
      const slot = renderBlock(block, []);
      slot.classList.add('pending');
      slots.set(block.id, slot);
      // Bilingual view: the original block sits above its translation, shown on demand.
      const source = renderBlock(block);
      source.classList.add('source');
      source.removeAttribute('data-block');
      list.append(el('div', { class: 'pair' }, source, slot));
    }
    setBilingual(bilingual, false);
    translation.content.replaceChildren(el('div', { class: 'tools' }, progressLine, bilingualToggle), list);
  }

  function setBilingual(on, remember) {
    bilingualToggle.setAttribute('aria-pressed', String(on));
    list?.classList.toggle('bilingual', on);
    if (remember) port?.postMessage({ type: T.PREFERENCE, name: 'bilingual', value: on });
  }

  function fillBlock(tb, partial = false) {
    const slot = slots.get(tb.id);
    if (!slot) return;
    slot.replaceChildren(...renderSpans(tb.spans));
    slot.classList.remove('pending', 'failed');
    slot.classList.toggle('partial', partial);
    failedIds.delete(tb.id);
  }

  function markFailed(ids) {
    for (const id of ids) {
      const slot = slots.get(id);
      if (!slot) continue;
      failedIds.add(id);
      slot.classList.remove('pending', 'partial');
      slot.classList.add('failed');
      const source = articleBlocks.find((b) => b.id === id);
      slot.replaceChildren(el('span', { class: 'failed-note' }, msg('blockFailed')), ' ', source ? source.text : '');
    }
  }

  function retryTranslation() {
    const ids = [...failedIds];
    if (!ids.length) return;
    for (const id of ids) slots.get(id)?.classList.replace('failed', 'pending');
    failedIds.clear();
    translation.status.textContent = msg('statusTranslating');
    port?.postMessage({ type: T.RETRY, section: SECTION.TRANSLATION, blockIds: ids });
  }

  const button = (label, onclick, cls = 'retry') => el('button', { class: cls, type: 'button', onclick }, label);

  /** "18 / 42 sections, 1 failed", with Cancel while running and Retry once settled. */
  function showProgress({ total, done, failed }, running) {
    const text = failed
      ? msg('progressFailed', [String(done), String(total), String(failed)])
      : msg('progress', [String(done), String(total)]);
    const actions = running
      ? [button(msg('cancel'), () => port?.postMessage({ type: T.CANCEL, section: SECTION.TRANSLATION }), 'link')]
      : failedIds.size ? [button(msg('retry'), retryTranslation)] : [];
    progressLine.replaceChildren(el('span', {}, text), ...actions);
  }

  /** A long article: show what translating it will cost and wait for the reader. */
  function askToConfirm(estimate) {
    const tokens = msg('estimateTokens', [estimate.inputTokens.toLocaleString(), estimate.outputTokens.toLocaleString()]);
    const cost = estimate.costUsd != null ? ` · ${msg('estimateCost', [`$${estimate.costUsd.toFixed(estimate.costUsd < 0.1 ? 3 : 2)}`])}` : '';
    translation.status.replaceChildren(el('div', { class: 'confirm' },
      el('p', {}, msg('confirmTranslate'), ' ', el('span', { class: 'estimate' }, tokens + cost)),
      button(msg('translate'), () => {
        translation.status.textContent = msg('statusTranslating');
        port?.postMessage({ type: T.CONFIRM, section: SECTION.TRANSLATION });
      })));
  }

  // ---- Chrome's built-in AI: the core decides each step, GlossOnDevice calls the APIs ----
  const onDevice = globalThis.GlossOnDevice;
  /** Every Summarizer answer so far for this digest (the core's next step depends on them all). */
  let onDeviceAnswers = [];
  /** The current article's on-device work; a new start (or closing) aborts it. */
  let onDeviceRun = new AbortController();
  const errorText = (error) => String(error?.message ?? error);
  const downloadable = (state) => state === 'downloadable' || state === 'downloading';

  function resetOnDevice() {
    onDeviceRun.abort();
    onDeviceRun = new AbortController();
    onDeviceAnswers = [];
  }

  /** Posts to the worker unless the work it reports on was abandoned since. */
  const report = (signal, frame) => { if (!signal.aborted) port?.postMessage(frame); };

  /**
   * Runs `work` while telling the worker every 20 s that the panel is still busy: a model download
   * or a long article's summaries can take minutes, and a silent Port lets the browser stop it.
   */
  async function keepingAlive(work) {
    const timer = setInterval(() => port?.postMessage({ type: T.KEEPALIVE }), 20_000);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  /**
   * An offer to download a built-in model: the click is the user activation Chrome asks for. Shows
   * the download's progress, then calls `then`.
   */
  function offerDownload(section, label, api, options, then) {
    const { signal } = onDeviceRun;
    const offer = button(label, async () => {
      offer.disabled = true;
      const progress = (loaded) => { section.status.replaceChildren(el('p', { class: 'offer' }, msg('onDeviceDownloading', [String(Math.round(loaded * 100))]))); };
      progress(0);
      try {
        await keepingAlive(() => onDevice.download(api, options, progress));
        if (signal.aborted) return;
        section.status.textContent = '';
        then();
      } catch (error) {
        showError(section, { code: CODE.ON_DEVICE_FAILED, message: errorText(error), retryable: false });
      }
    });
    return el('div', { class: 'offer' }, offer);
  }

  async function onDeviceDigest(step) {
    const { signal } = onDeviceRun;
    if (step.done === 0) onDeviceAnswers = [];
    const options = step.calls[0].options;
    const state = await onDevice.availability('Summarizer', options);
    if (state !== 'available') {
      // The extractive digest stands in; a model that can be downloaded is offered.
      report(signal, { type: T.ON_DEVICE_UNAVAILABLE, section: SECTION.DIGEST });
      if (downloadable(state) && !signal.aborted) {
        digest.status.replaceChildren(offerDownload(digest, msg('onDeviceDownload'), 'Summarizer', options, () => {
          digest.status.textContent = msg('statusOnDevice');
          port?.postMessage({ type: T.RETRY, section: SECTION.DIGEST });
        }));
      }
      return;
    }
    const progress = (n) => { if (!signal.aborted) digest.status.textContent = msg('onDeviceProgress', [String(step.done + n), String(step.total)]); };
    progress(0);
    try {
      const answers = await keepingAlive(() => onDevice.summarize(step.calls, { signal, onAnswer: progress }));
      if (signal.aborted) return;
      onDeviceAnswers.push(...answers);
      report(signal, { type: T.ON_DEVICE, section: SECTION.DIGEST, answers: onDeviceAnswers });
    } catch (error) {
      if (signal.aborted) return;
      report(signal, { type: T.ON_DEVICE_UNAVAILABLE, section: SECTION.DIGEST });
      showError(digest, { code: CODE.ON_DEVICE_FAILED, message: errorText(error), retryable: false });
    }
  }

  async function onDeviceTranslation(step) {
    const { signal } = onDeviceRun;
    if (step.type === 'detect') {
      let detected = [];
      if (await onDevice.availability('LanguageDetector', {}) === 'available') {
        detected = await onDevice.detect(step.sample, signal).catch(() => []);
      }
      report(signal, { type: T.ON_DEVICE, section: SECTION.TRANSLATION, detected });
      return;
    }
    if (step.type === 'unavailable') {
      showError(translation, step.error, [otherTargetPicker()]);
      return;
    }
    const options = { sourceLanguage: step.sourceLang, targetLanguage: step.targetLang };
    const state = await onDevice.availability('Translator', options);
    if (signal.aborted) return;
    if (state === 'available') {
      translateOnDevice(step);
      return;
    }
    // No model, and no on-device translator ready: say so, and offer its download if there is one.
    translation.status.textContent = '';
    const offer = downloadable(state)
      ? [offerDownload(translation, msg('onDeviceTranslate', [step.sourceLang, step.targetLang]), 'Translator', options, () => translateOnDevice(step))]
      : [];
    showError(translation, currentPlan.translationUnavailable, [optionsLink(), ...offer]);
  }

  async function translateOnDevice(step) {
    const { signal } = onDeviceRun;
    translation.label.textContent = `${step.sourceLang} → ${provenanceText(currentPlan.translation)}`;
    translation.status.textContent = msg('statusTranslating');
    // A new plan (a restart, Resume) cleared the section: lay its slots out again.
    if (!list?.isConnected) prepareTranslation(currentArticle, currentBilingual);
    // Code and empty blocks are shown as they are, as the core says.
    report(signal, { type: T.ON_DEVICE, section: SECTION.TRANSLATION, blocks: step.unchanged, done: false, start: true });
    const todo = step.blocks.filter((b) => slots.get(b.id)?.classList.contains('pending') ?? true);
    const total = step.blocks.length;
    let done = total - todo.length;
    showProgress({ total, done, failed: 0 }, false);
    try {
      await keepingAlive(() => onDevice.translate({ ...step, blocks: todo }, {
        signal,
        onBlock: (block) => {
          report(signal, { type: T.ON_DEVICE, section: SECTION.TRANSLATION, blocks: [block], done: false });
          done += 1;
          showProgress({ total, done, failed: 0 }, false);
        },
      }));
      report(signal, { type: T.ON_DEVICE, section: SECTION.TRANSLATION, blocks: [], done: true });
    } catch (error) {
      if (signal.aborted) return;
      // What was translated stays; the rest can be tried again.
      showError(translation, { code: CODE.ON_DEVICE_FAILED, message: errorText(error), retryable: true }, [button(msg('retry'), () => translateOnDevice(step))]);
    }
  }

  // ---- the Port to the worker ----
  // Serialise, send and extract, timed for `npm run bench` (read from the host's data attribute).
  const startedAt = performance.now();
  let port = null;

  function onFrame(frame) {
    switch (frame.type) {
      case T.ARTICLE: return onArticle(frame);
      case T.PLAN: return onPlan(frame);
      case T.EXPORTED: return onExported(frame);
      case T.DELTA: return onDelta(frame);
      case T.DONE: return onDone(frame);
      case T.ERROR: return onError(frame);
      case T.CONFIRM: return askToConfirm(frame.estimate);
      case T.ON_DEVICE: return frame.section === SECTION.DIGEST ? onDeviceDigest(frame.step) : onDeviceTranslation(frame.step);
      case T.PROGRESS:
        if (frame.readingSeconds != null) {
          // A local model has the prompt and has not answered yet.
          const target = frame.section === SECTION.DIGEST ? digest : translation;
          target.status.textContent = msg('statusModelReading', [String(frame.readingSeconds)]);
          target.status.dataset.reading = 'true';
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

  /** Opens the Port to the worker; false when the extension itself is gone (reloaded or updated). */
  function connect() {
    try {
      port = chrome.runtime.connect({ name: PORT_NAME });
    } catch {
      port = null;
      return false;
    }
    port.onMessage.addListener(onFrame);
    port.onDisconnect.addListener(() => {
      port = null;
      if (host.isConnected) onLost();
    });
    return true;
  }

  /**
   * The worker went away mid-way: the browser stopped it, or the extension was reloaded. What
   * is on screen stays; the reader can resume (finished work comes back from the cache), or,
   * when the extension was reloaded, is told to reload the page instead of meeting dead buttons.
   */
  function onLost() {
    // An extension reload invalidates this script's context a moment after the Port drops.
    setTimeout(showLost, 150);
  }

  function showLost() {
    const reloaded = !chrome.runtime?.id;
    const actions = reloaded
      ? [button(msg('reloadPage'), () => location.reload())]
      : [button(msg('resume'), () => { if (connect()) start(true); else onLost(); })];
    showError(original, { code: reloaded ? 'extension_reloaded' : 'worker_stopped', message: '', retryable: !reloaded }, actions);
  }

  // Single-page sites change the article without a page load: offer to read the new one.
  let shownUrl = location.href;
  const urlWatch = setInterval(() => {
    if (!host.isConnected) { clearInterval(urlWatch); return; }
    if (location.href === shownUrl) return;
    shownUrl = location.href;
    showError(original, { code: 'page_changed', message: location.href, retryable: true }, [
      button(msg('readNewArticle'), () => {
        if (!port && !connect()) { onLost(); return; }
        original.status.textContent = msg('statusExtracting');
        start(true);
      }),
    ]);
  }, 1000);

  connect();
  /** A selection this long is what the reader wants read, rather than the whole page. */
  const MIN_SELECTION_CHARS = 200;

  function selectionHtml() {
    const selection = getSelection();
    const minimum = intent === 'selection' ? 1 : MIN_SELECTION_CHARS;
    if (!selection || selection.isCollapsed || selection.toString().trim().length < minimum) return null;
    const holder = document.createElement('div');
    for (let i = 0; i < selection.rangeCount; i++) holder.append(selection.getRangeAt(i).cloneContents());
    return holder.innerHTML;
  }

  /**
   * The page as HTML. Open shadow roots (web components) are included as declarative
   * `<template shadowrootmode>` for the core to flatten; closed ones cannot be read, and frames
   * are not read at all (see README, "What Gloss reads"). The panel's own root stays out.
   */
  function pageHtml() {
    const html = document.documentElement;
    const roots = openShadowRoots();
    if (!roots.length || typeof html.getHTML !== 'function') return html.outerHTML;
    try {
      const shell = html.cloneNode(false).outerHTML;
      return shell.slice(0, shell.lastIndexOf('</html>')) + html.getHTML({ shadowRoots: roots }) + '</html>';
    } catch {
      return html.outerHTML;
    }
  }

  function start(readerableGate, translateLang = null) {
    resetOnDevice();
    port?.postMessage({
      type: T.START, html: pageHtml(), url: location.href, readerableGate, selectionHtml: selectionHtml(), translateLang,
      onDevice: onDevice.apis(),
    });
  }

  /** Same language as the target: offer another target instead of spending tokens. */
  function otherTargetPicker() {
    const select = el('select', { 'aria-label': msg('otherTarget') },
      OTHER_TARGETS.map((code) => el('option', { value: code }, code)));
    return el('span', { class: 'picker' }, select, button(msg('translate'), () => {
      translation.status.textContent = msg('statusTranslating');
      start(false, select.value);
    }));
  }
  const OTHER_TARGETS = ['en', 'ja', 'zh-CN', 'es', 'fr', 'de', 'ko', 'pt', 'it', 'ru'];
  start(true);

  let currentArticle = null;
  let currentPlan = null;
  let currentBilingual = false;

  /** Copies the Markdown, or downloads it as a file (a blob URL on a link the reader clicked for). */
  async function onExported({ purpose, markdown, fileName }) {
    if (purpose === 'copy') {
      try {
        await navigator.clipboard.writeText(markdown);
        copyButton.textContent = msg('copied');
      } catch {
        copyButton.textContent = msg('copyFailed');
      }
      setTimeout(() => { copyButton.textContent = msg('copy'); }, 2000);
      return;
    }
    const url = URL.createObjectURL(new Blob([markdown], { type: 'text/markdown;charset=utf-8' }));
    const link = el('a', { href: url, download: fileName, hidden: true });
    root.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  function onArticle({ article }) {
    host.dataset.extractMs = (performance.now() - startedAt).toFixed(2);
    currentArticle = article;
    digest.node.hidden = false;
    translation.node.hidden = false;
    renderOriginal(article);
    if (article.fromSelection) original.status.textContent = msg('fromSelection');
    original.label.textContent = [article.siteName, article.lang, msg('lengthShort', [String(article.wordCount)])].filter(Boolean).join(' · ');
  }

  /**
   * `light` and `dark` are the reader's choice. `auto` follows a page that declares only a dark
   * colour scheme, and otherwise the system's preference (through CSS, so it follows changes).
   */
  function applyTheme(theme) {
    const pageDark = /^\s*dark\s*$/.test(getComputedStyle(document.documentElement).colorScheme || '');
    const chosen = theme === 'light' || theme === 'dark' ? theme : pageDark ? 'dark' : null;
    for (const node of [panel, tab]) {
      if (chosen) node.dataset.theme = chosen;
      else delete node.dataset.theme;
    }
  }

  /** One line at the top: which stored settings could not be used and are at their defaults. */
  function showSettingsNotice(resets) {
    body.querySelector('.settings-notice')?.remove();
    if (!resets?.length) return;
    const { SETTING_LABELS } = globalThis.GlossProtocol;
    const labels = [...new Set(resets.filter((r) => r.field && r.reason !== 'newer_schema').map((r) => r.field))]
      .map((f) => (SETTING_LABELS[f] ? msg(SETTING_LABELS[f]) : f));
    const text = resets.some((r) => r.reason === 'unreadable') ? msg('settingsResetPanelAll') : [
      labels.length ? msg('settingsResetPanel', [labels.join(', ')]) : null,
      resets.some((r) => r.reason === 'newer_schema') ? msg('settingsReset_newer_schema') : null,
    ].filter(Boolean).join(' ');
    body.prepend(el('p', { class: 'settings-notice', role: 'status' }, text, ' ', optionsLink()));
  }

  function onPlan({ plan, bilingual, theme, settingsResets }) {
    applyTheme(theme);
    currentPlan = plan;
    currentBilingual = bilingual;
    showSettingsNotice(settingsResets);
    const article = currentArticle;
    digest.label.textContent = provenanceText(plan.digest);
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
      prepareTranslation(article, bilingual);
      showProgress({ total: plan.total, done: 0, failed: 0 }, false);
    }
  }

  function onDelta(frame) {
    // The local model has started answering: its reading time is no longer news.
    const target = frame.section === SECTION.DIGEST ? digest : translation;
    if (target.status.dataset.reading) {
      delete target.status.dataset.reading;
      target.status.textContent = frame.section === SECTION.DIGEST ? msg('statusWriting') : '';
    }
    if (frame.section === SECTION.DIGEST) {
      renderDigest(frame.digest);
    } else if (frame.section === SECTION.TRANSLATION) {
      for (const b of frame.blocks) fillBlock(b);
      if (frame.partial) fillBlock(frame.partial, true);
    }
  }

  function onDone(frame) {
    if (frame.section === SECTION.DIGEST) {
      if (frame.provenance) digest.label.textContent = provenanceText(frame.provenance);
      renderDigest(frame.digest);
      showSpend(digest, frame);
      if (frame.cached) digest.label.textContent += ` · ${msg('fromCache')}`;
      if (frame.parts) digest.label.textContent += ` · ${msg('inParts', [String(frame.parts)])}`;
      if (!digest.status.querySelector('.error, .offer')) digest.status.textContent = '';
    } else if (frame.section === SECTION.TRANSLATION) {
      showSpend(translation, frame);
      markFailed(frame.failedBlockIds);
      showProgress({ total: articleBlocks.length, done: articleBlocks.length - failedIds.size - countPending(), failed: failedIds.size }, false);
      if (frame.error && frame.error.code !== 'cancelled') {
        const actions = needsOptions(frame.error.code) ? [optionsLink()] : [];
        showError(translation, frame.error, actions);
      } else if (frame.failedBlockIds.length) {
        showError(translation, { code: 'misaligned', message: msg('blocksFailed', [String(frame.failedBlockIds.length)]) },
          [button(msg('retry'), retryTranslation)]);
      } else {
        translation.status.textContent = '';
      }
    }
  }

  const countPending = () => [...slots.values()].filter((s) => s.classList.contains('pending')).length;

  function onError({ section: which, error }) {
    if (which === SECTION.ORIGINAL) {
      const actions = error.code === 'not_readerable'
        ? [el('button', { class: 'retry', type: 'button', onclick: () => {
          original.status.textContent = msg('statusExtracting');
          start(false);
        } }, msg('digestAnyway'))]
        : [];
      showError(original, error, actions);
      original.content.replaceChildren();
      digest.node.hidden = true;
      translation.node.hidden = true;
      return;
    }
    if (which === SECTION.DIGEST) {
      const actions = [];
      if (error.retryable) {
        actions.push(el('button', { class: 'retry', type: 'button', onclick: () => {
          digest.status.textContent = msg('statusWriting');
          port?.postMessage({ type: T.RETRY, section: SECTION.DIGEST });
        } }, msg('retry')));
      }
      if (needsOptions(error.code)) actions.push(optionsLink());
      showError(digest, error, actions);
      return;
    }
    // A chunk failed; the scheduler may still retry it, so this is news, not the verdict (that
    // comes with `done`).
    const note = el('p', { class: 'note' }, msg(`error_${error.code}`) !== `error_${error.code}` ? msg(`error_${error.code}`) : error.message);
    translation.status.replaceChildren(note);
  }
})();
