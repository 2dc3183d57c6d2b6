// DCAT-AP 3.0.1 (issue 17, slice 5): the running demo server's catalogue and a published
// dataset's description, fetched over HTTP in Turtle, JSON-LD and RDF/XML, read by rdflib
// (isomorphic graphs, media types checked) and validated by pyshacl 0.40.1 against the official
// shapes vendored in crates/server/tests/fixtures/dcat-ap-3.0.1 (e2e/dcat/validate.py).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPlatform } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const shapes = join(here, '..', '..', 'crates', 'server', 'tests', 'fixtures', 'dcat-ap-3.0.1');
let platform;
before(async () => { platform = await startPlatform(); });
after(async () => { await platform?.stop(); });

test('the DCAT-AP documents conform to the official shapes, in three isomorphic formats', async () => {
  const list = await (await fetch(`${platform.base}/api/v1/opendata/datasets`)).json();
  assert.ok(list.length >= 1, 'the demo has published datasets');
  const out = execFileSync('python3', [
    join(here, '..', 'dcat', 'validate.py'), shapes,
    `${platform.base}/opendata/catalog`,
    `${platform.base}/opendata/catalog?page=1`,
    `${platform.base}/opendata/datasets/${list[0].name}`,
  ], { encoding: 'utf8' });
  assert.equal((out.match(/conforms/g) || []).length, 3, out);
  assert.match(out.trim(), /ok$/);
});
