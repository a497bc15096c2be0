// A node:test reporter for scripts/run-tests.mjs, so it can fail a test file that registered no
// test at all (a missing `test(`, a describe never reached), which node's own counts pass silently.
// Writes one line per file: "empty <file>" for a file run in its own process that registered no
// test (node reports such a file as one test named by its own path), and "ran <file>" for the
// file a test was defined in (for files sharing a process; a test defined in a helper module,
// as test/redemption/*-suite.ts define them, names the helper).
export default async function* filesWithTests(source) {
  const seen = new Set();
  for await (const ev of source) {
    if (ev.type !== 'test:pass' && ev.type !== 'test:fail') continue;
    const { file, name, nesting } = ev.data;
    if (!file) continue;
    const line = name === file && nesting === 0 ? `empty ${file}` : `ran ${file}`;
    if (seen.has(line)) continue;
    seen.add(line);
    yield `${line}\n`;
  }
}
