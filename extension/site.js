// Runs before content.js on the pages of a site the reader chose "always on" for (a content
// script the worker registered): it tells content.js that no click opened it.
/** @type {any} */ (globalThis).__glossIntent = 'visit';
