// A long article made up on the spot (deterministic), for the tests and the bench that need
// thousands of words: headings, paragraphs and a list, like a real feature story.
const WORDS = ('harbour light keeper island storm winter signal lamp lens rock tide channel vessel crew ' +
  'volunteer society budget review authority coast cliff beacon fog horn battery panel glass rail ' +
  'evening morning season record log report engineer pilot fisher village market bridge river ' +
  'history century decade future question answer reason method result measure change value').split(' ');

/** A pseudo-random generator with a fixed seed, so every run makes the same article. */
function rng(seed) {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 0x100000000;
  };
}

function sentence(next) {
  const length = 8 + Math.floor(next() * 14);
  const words = Array.from({ length }, () => WORDS[Math.floor(next() * WORDS.length)]);
  words[0] = words[0][0].toUpperCase() + words[0].slice(1);
  return `${words.join(' ')}.`;
}

/** An HTML page with about `words` words of article text. */
export function longArticle(words = 10_000, seed = 7) {
  const next = rng(seed);
  const parts = [];
  let count = 0;
  let section = 0;
  while (count < words) {
    if (count % 900 < 120) {
      section += 1;
      parts.push(`<h2>Part ${section}: ${sentence(next).slice(0, -1)}</h2>`);
    }
    const paragraph = Array.from({ length: 5 + Math.floor(next() * 4) }, () => sentence(next)).join(' ');
    count += paragraph.split(' ').length;
    parts.push(`<p>${paragraph}</p>`);
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>The Long Story of the Coast</title>
<meta name="author" content="Test Writer"></head><body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>The Long Story of the Coast</h1>${parts.join('\n')}</article><footer>© Footer text</footer></body></html>`;
}
