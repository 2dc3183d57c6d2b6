// CKAN Action API conformance (issue 17, slice 4): the demo's published datasets are read by an
// existing third-party CKAN client library (PyPI `ckanapi` 4.11, unchanged), by POST and GET.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPlatform } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
let platform;
before(async () => { platform = await startPlatform(); });
after(async () => { await platform?.stop(); });

test('ckanapi reads the catalogue: search without diacritics, fq, facets, show, lists, errors', async () => {
  const out = execFileSync('python3', [join(here, '..', 'ckan_client_check.py'), platform.base], { encoding: 'utf8' });
  assert.match(out, /post: ok/);
  assert.match(out, /get: ok/);
  assert.match(out.trim(), /ok$/);
});
