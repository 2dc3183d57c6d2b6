// Checking a signed PDF: a citizen on a phone, not signed in, checks the decision they were
// sent and sees who signed it and that it is valid; a copy changed after signing is shown as
// not valid, with the reason; a file that is not a PDF gets a clear message. The PDFs are signed
// by pyHanko with a throw-away PKI whose root the platform is configured to trust.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPlatform, signIn, enrolTotp } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = mkdtempSync(join(tmpdir(), 'tinhso-signed-'));
let platform;
before(async () => {
  execFileSync('python3', [join(here, '..', '..', 'crates', 'pades', 'tests', 'pyhanko', 'pki.py'), fixtures]);
  platform = await startPlatform({ env: { TINHSO_SIGNATURES__TRUST_ANCHORS_FILE: join(fixtures, 'root.pem') } });
});
after(async () => { await platform?.stop(); });

test('a citizen checks a signed decision on a phone; a changed copy and a non-PDF are told apart', async () => {
  const page = await platform.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto('/signatures/verify');
  await page.getByRole('heading', { name: 'Kiểm tra chữ ký số' }).waitFor();

  await page.getByLabel('Tệp PDF').setInputFiles(join(fixtures, 'bt-lt.pdf'));
  await page.getByRole('button', { name: 'Kiểm tra' }).click();
  const overall = page.getByTestId('sig-overall');
  await overall.filter({ hasText: 'Hợp lệ' }).waitFor();
  const signature = page.getByTestId('signature');
  assert.equal(await signature.count(), 1);
  assert.match(await signature.textContent(), /PAdES B-LT/);
  assert.match(await signature.textContent(), /Dấu thời gian/);

  await page.getByLabel('Tệp PDF').setInputFiles(join(fixtures, 'tampered-content.pdf'));
  await page.getByRole('button', { name: 'Kiểm tra' }).click();
  await overall.filter({ hasText: 'Không hợp lệ' }).waitFor();
  assert.match(await page.getByTestId('sig-reasons').first().textContent(), /đã bị sửa đổi sau khi ký/);

  const fake = join(fixtures, 'not-a-pdf.pdf');
  writeFileSync(fake, '<html>this is not a PDF</html>');
  await page.getByLabel('Tệp PDF').setInputFiles(fake);
  await page.getByRole('button', { name: 'Kiểm tra' }).click();
  await page.getByText('Tệp không phải PDF').first().waitFor();
  await page.context().close();
});

test('a system administrator revokes a demo certificate after confirming, and stops trusting the demo CA', async () => {
  const page = await platform.newPage();
  await signIn(page, 'admin@tinhso.local');
  await enrolTotp(page);
  await page.goto('/admin/signatures');
  await page.getByRole('heading', { name: 'Tổ chức chứng thực (CA) demo' }).waitFor();
  assert.equal(await page.getByTestId('pki-authorities').locator('tbody tr').count(), 4);
  await page.getByTestId('pki-trusted').waitFor();

  // The document clerk of Sở Tư pháp's certificate: revoked for a compromised key, asked first.
  const row = page.getByTestId('pki-certificates').locator('tr', { hasText: 'vanthu.tuphap@tinhso.local' });
  const serial = await row.getAttribute('data-serial');
  await row.getByLabel('Lý do thu hồi').selectOption('key_compromise');
  await row.getByRole('button', { name: 'Thu hồi' }).click();
  const step = page.getByTestId('confirm-step');
  await step.getByRole('heading', { name: 'Thu hồi chứng thư số này?' }).waitFor();
  assert.match(await step.textContent(), new RegExp(serial));
  await step.getByRole('button', { name: 'Có, thu hồi' }).click();
  const revoked = page.locator(`tr[data-serial="${serial}"]`);
  await revoked.getByTestId('pki-revoked').waitFor();
  assert.match(await revoked.textContent(), /Lộ khóa bí mật/);
  assert.equal(await revoked.getByRole('button', { name: 'Thu hồi' }).count(), 0, 'no second revocation offered');

  // Trust off: signatures under the demo CA are no longer reported valid.
  await page.getByRole('button', { name: 'Thôi tin cậy CA demo' }).click();
  await page.getByTestId('pki-untrusted').waitFor();
  await page.getByRole('button', { name: 'Tin cậy CA demo' }).waitFor();
  await page.context().close();
});
