// `npm start`: serves www/ (the sample article and the playground) and opens Chromium with the
// freshly built Gloss loaded on the sample article. GLOSS_PROVIDER, GLOSS_API_KEY, GLOSS_MODEL
// and GLOSS_BASE_URL pre-fill the settings of that profile; GLOSS_PROVIDER=mock starts the local
// mock LLM and points Gloss at it. Without a display it prints how to load the build by hand.
import { join } from 'node:path';
import { EXTENSION, ROOT, launch, setSettings } from './harness.mjs';
import { startMockLlm } from './mock-llm.mjs';
import { startServer } from './server.mjs';

const PORT = Number(process.env.GLOSS_PORT ?? 8787);

/** Chromium puts a new extension's button in the Extensions (puzzle-piece) menu, not the toolbar. */
const WHERE_THE_BUTTON_IS = 'Gloss\'s button is in the Extensions menu (the puzzle-piece icon right of the '
  + 'address bar): click it, then Gloss, or the pin beside Gloss to keep its button in the toolbar. '
  + 'Alt+Shift+G or the page\'s right-click menu open Gloss too.';

async function serve() {
  try {
    return await startServer({ '/': join(ROOT, 'www') }, { port: PORT });
  } catch {
    return startServer({ '/': join(ROOT, 'www') }); // the usual port is taken: any free one
  }
}

/** Settings from the environment, or null to keep the built-in default. */
async function settingsFromEnv() {
  const env = process.env;
  if (!env.GLOSS_PROVIDER) return { settings: null, mock: null };
  const lang = (env.LANG ?? 'en').slice(0, 2);
  const base = { apiKey: env.GLOSS_API_KEY ?? '', model: env.GLOSS_MODEL ?? '', baseUrl: env.GLOSS_BASE_URL ?? '', digestLang: lang, translateLang: env.GLOSS_TRANSLATE_LANG ?? 'ja' };
  if (env.GLOSS_PROVIDER !== 'mock') return { settings: { ...base, provider: env.GLOSS_PROVIDER }, mock: null };
  const mock = await startMockLlm();
  console.log(`mock LLM at ${mock.url} (answers are canned, for trying the panel out)`);
  return { settings: { ...base, provider: 'openai', apiKey: 'test-key', model: 'gpt-4o-mini', baseUrl: `${mock.url}/v1` }, mock };
}

const site = await serve();
const sample = `${site.url}/samples/lighthouse-keepers.html`;
console.log(`sample article: ${sample}\nplayground:     ${site.url}/`);
const { settings, mock } = await settingsFromEnv();

let gloss = null;
if (process.env.DISPLAY || process.env.WAYLAND_DISPLAY) {
  try {
    gloss = await launch({ headless: false });
  } catch (err) {
    console.warn(`could not launch Chromium: ${err.message.split('\n')[0]}`);
  }
}

if (gloss) {
  if (settings) await setSettings(gloss, settings);
  const page = gloss.context.pages()[0] ?? await gloss.context.newPage();
  await page.goto(sample);
  console.log(`Chromium is open with Gloss loaded on the sample article. ${WHERE_THE_BUTTON_IS}`);
  await new Promise((resolve) => gloss.context.on('close', resolve));
  await site.close();
  await mock?.close();
} else {
  console.log(`
No browser window can be opened here (no display). To try Gloss in your own Chromium or Chrome:
  1. Open chrome://extensions and switch on "Developer mode".
  2. Click "Load unpacked" and choose ${EXTENSION}
  3. Open ${sample}. ${WHERE_THE_BUTTON_IS}
This server keeps running until you press Ctrl+C.`);
}
