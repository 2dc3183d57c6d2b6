// Open311 conformance: a report filed through the public form is read back through the
// GeoReport v2 API by an existing third-party client library (PyPI `georeport`), in JSON and XML.
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

test('an existing Open311 client reads services and requests in JSON and XML', async () => {
  const page = await platform.newPage();
  await page.goto('/feedback/new');
  await page.getByLabel('Lĩnh vực').selectOption({ label: 'Giao thông, đường sá' });
  await page.getByLabel('Tiêu đề').fill('Đèn tín hiệu hỏng ở ngã tư');
  await page.getByLabel('Nội dung phản ánh').fill('Đèn tín hiệu ở ngã tư Lê Lai – Trần Phú không sáng từ sáng nay.');
  await page.getByLabel('Vĩ độ').fill('19.8067');
  await page.getByLabel('Kinh độ').fill('105.7852');
  await page.getByLabel('Email').fill('nguoi.di.duong@example.com');
  await page.getByRole('button', { name: 'Gửi phản ánh', exact: true }).click();
  const code = (await page.getByTestId('feedback-code').textContent()).trim();
  const out = execFileSync('python3', [join(here, '..', 'open311_client_check.py'), `${platform.base}/open311/v2`, code], { encoding: 'utf8' });
  assert.match(out, /json: \d+ services/);
  assert.match(out, /xml: \d+ services/);
  assert.match(out.trim(), /ok$/);
});
