// What Gloss reads of a PDF with pdf.js: each page's size and text items (their strings,
// positions and fonts) and the document's Title and Author. Nothing is decided here: the
// core (src/pdf/) turns the items into lines, columns, paragraphs and headings. Shared by the
// reader page and the tests' fixture capture (tests/pdf-fixtures.mjs), so both read alike.

/**
 * pdf.js options that keep a hostile PDF inert: no eval'd font code, no XFA forms, no scripting
 * (the reader page never creates an annotation layer or a scripting sandbox).
 */
export const SAFE_OPTIONS = Object.freeze({
  isEvalSupported: false,
  enableXfa: false,
  disableFontFace: true,
  stopAtErrors: false,
  useSystemFonts: false,
  // Keeps each font's name (e.g. "ABCDEF+LiberationSerif-Bold") for the core's bold and italic.
  fontExtraProperties: true,
});

/**
 * Reads `data` (the PDF's bytes) with `pdfjs` (the pdf.js module); `onPage(done, total)` is
 * told after each page. Resolves to a `PdfDoc` (src/pdf/input.rs); rejects with pdf.js's own
 * error, whose `name` (PasswordException, InvalidPDFException…) says what went wrong.
 * @param {any} pdfjs
 * @param {Uint8Array} data
 * @param {(done: number, total: number) => void} [onPage]
 * @param {Record<string, unknown>} [options] more pdf.js options (the worker, in the reader)
 */
export async function readPdf(pdfjs, data, onPage, options = {}) {
  const task = pdfjs.getDocument({ data, ...SAFE_OPTIONS, ...options });
  try {
    const doc = await task.promise;
    const meta = await doc.getMetadata().catch(() => null);
    const info = /** @type {any} */ (meta?.info ?? {});
    const pages = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const [, , width, height] = page.view;
      const content = await page.getTextContent();
      // The fonts' real names (e.g. "ABCDEF+Serif-Bold") are known once the page's operators
      // are loaded; the core reads bold and italic from them.
      await page.getOperatorList();
      /** @type {Record<string, {name: string, bold: boolean, italic: boolean}>} */
      const fonts = {};
      for (const id of Object.keys(content.styles)) {
        try {
          const font = page.commonObjs.get(id);
          fonts[id] = { name: String(font?.name ?? ''), bold: Boolean(font?.bold || font?.black), italic: Boolean(font?.italic) };
        } catch {
          fonts[id] = { name: '', bold: false, italic: false };
        }
      }
      const items = content.items.filter((it) => 'str' in it).map((it) => ({
        str: it.str, transform: it.transform.map(Number), width: Number(it.width), height: Number(it.height),
        fontName: it.fontName, hasEol: Boolean(it.hasEOL),
      }));
      pages.push({ width: Number(width), height: Number(height), items, fonts });
      page.cleanup();
      onPage?.(n, doc.numPages);
    }
    return {
      pages,
      title: typeof info.Title === 'string' ? info.Title : null,
      author: typeof info.Author === 'string' ? info.Author : null,
    };
  } finally {
    await task.destroy();
  }
}
