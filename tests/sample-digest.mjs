// The offline extractive digest of www/samples/lighthouse-keepers.html: the sentences the core's
// TF-IDF centrality picks (src/digest/extractive.rs), in document order. The panel and the
// playground must show exactly these; a change to the scoring that picks others shows up here.
// Taken from a run of the panel on 2026-12-01 and checked by hand: every sentence is the
// article's own, the key points are the first three picks and the summary includes them.

export const SAMPLE_KEY_POINTS = [
  'On a granite rock eleven miles off the coast, the lamp of Skarholm lighthouse still turns every night.',
  'No keeper has lived there since 1987, when the last of the lights on this stretch of coast was automated, yet every second weekend a small boat brings two volunteers out to climb its one hundred and forty steps.',
  "The maritime authority pays for the lamp's electronics but nothing else.",
];

export const SAMPLE_SUMMARY = [
  SAMPLE_KEY_POINTS[0],
  SAMPLE_KEY_POINTS[1],
  'The maritime authority reviewed every light on the coast in 2019 and proposed switching off a third of them.',
  "Skarholm survived the review because small fishing boats still use it when their electronics fail, which, according to the society's records, happened at least nine times last winter.",
  SAMPLE_KEY_POINTS[2],
].join(' ');
