// The offline extractive digest of www/samples/lighthouse-keepers.html (src/digest/extractive.rs):
// three key points, one from each third of the article and cut to their main clause, then a
// summary in the article's order that repeats none of them. The panel and the playground must show
// exactly these; a change to the scoring that picks others shows up here. Taken from
// `gloss digest` on 2026-12-01 and checked by hand: every key point is the article's own sentence
// or its main clause, and no summary sentence is a key point.

export const SAMPLE_KEY_POINTS = [
  'On a granite rock eleven miles off the coast, the lamp of Skarholm lighthouse still turns every night.',
  'Skarholm survived the review because small fishing boats still use it when their electronics fail.',
  "The maritime authority pays for the lamp's electronics but nothing else.",
];

export const SAMPLE_SUMMARY = [
  'No keeper has lived there since 1987, when the last of the lights on this stretch of coast was automated, yet every second weekend a small boat brings two volunteers out to climb its one hundred and forty steps.',
  'The maritime authority reviewed every light on the coast in 2019 and proposed switching off a third of them.',
  'Record battery voltage, charge current and lamp hours in the log.',
  'Run the backup lamp for ten minutes.',
].join(' ');
