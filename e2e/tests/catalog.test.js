// The public catalog: a citizen on a phone finds a procedure without typing diacritics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform } from './harness.js';

let platform;
before(async () => { platform = await startPlatform(); });
after(async () => { await platform?.stop(); });

test('a citizen finds a procedure by typing without diacritics and reads what to bring', async () => {
  const page = await platform.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto('/');
  await page.getByRole('link', { name: 'Thủ tục hành chính' }).first().click();
  await page.getByLabel('Tìm thủ tục').fill('dang ky khai sinh');
  await page.getByRole('button', { name: 'Tìm' }).click();
  await page.getByRole('link', { name: 'Đăng ký khai sinh', exact: true }).click();
  await page.getByRole('heading', { name: 'Đăng ký khai sinh' }).waitFor();
  const main = await page.locator('main').textContent();
  assert.match(main, /1\.001193/);
  assert.match(main, /Giấy chứng sinh/);
  assert.match(main, /1 ngày làm việc/);
  assert.match(main, /1\.001193\.000\.00\.63\.H56/);
  // Its legal basis, conditions and the declaration to download.
  await page.getByRole('heading', { name: 'Căn cứ pháp lý' }).waitFor();
  assert.match(main, /Luật Hộ tịch số 60\/2014\/QH13/);
  assert.match(main, /trong thời hạn 60 ngày/);
  const [template] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: /Tờ khai đăng ký khai sinh/ }).click(),
  ]);
  assert.equal(template.suggestedFilename(), 'to-khai-dang-ky-khai-sinh.docx');
  // Filter by the agency's name, not its code.
  await page.goto('/procedures');
  await page.getByLabel('Cơ quan').selectOption({ label: 'Sở Tư pháp' });
  await page.getByRole('button', { name: 'Tìm' }).click();
  await page.getByRole('link', { name: 'Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam' }).waitFor();
  await page.getByText('Số kết quả: 1').waitFor();
  // Filter by field.
  await page.goto('/procedures');
  await page.getByLabel('Lĩnh vực').selectOption({ label: 'Đất đai (2)' });
  await page.getByRole('button', { name: 'Tìm' }).click();
  await page.getByText('Số kết quả: 2').waitFor();
});
