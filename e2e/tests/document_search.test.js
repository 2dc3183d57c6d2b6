// Searching documents: a specialist types without diacritics, finds the drafts they handle with
// the words marked, narrows by type, saves the search and finds it again; an official of another
// agency finds nothing of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, signIn } from './harness.js';

let platform;
before(async () => { platform = await startPlatform(); });
after(async () => { await platform?.stop(); });

const DECISION = 'Quyết định công nhận báo cáo viên pháp luật tỉnh năm 2026 (dự thảo minh họa)';

test('a specialist finds a document without diacritics, narrows, saves the search', async () => {
  const page = await platform.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  await signIn(page, 'chuyenvien.tuphap@tinhso.local');
  await page.goto('/office/documents');
  await page.getByRole('link', { name: 'Tìm văn bản' }).click();
  await page.getByLabel('Từ khóa').fill('bao cao vien phap luat');
  await page.getByRole('button', { name: 'Tìm', exact: true }).click();
  const results = page.getByTestId('search-results');
  await results.getByRole('link', { name: DECISION }).waitFor();
  // The words are marked on the subject as written, diacritics kept.
  const marked = await results.locator('mark').allTextContents();
  assert.ok(marked.includes('báo') && marked.includes('pháp'), `marked: ${marked}`);
  // Narrow to decisions: the công văn of the same drafter is not among them.
  await page.getByRole('link', { name: 'Quyết định', exact: true }).click();
  await results.getByRole('link', { name: DECISION }).waitFor();
  await page.getByTestId('search-total').filter({ hasText: 'Số văn bản tìm thấy: 1' }).waitFor();
  // Saved, then found again in the list.
  await page.getByLabel('Lưu tìm kiếm này với tên').fill('Báo cáo viên pháp luật');
  await page.getByRole('button', { name: 'Lưu', exact: true }).click();
  await page.goto('/office/documents/search');
  await page.getByTestId('saved-searches').getByRole('link', { name: 'Báo cáo viên pháp luật' }).click();
  await results.getByRole('link', { name: DECISION }).waitFor();
  await page.context().close();

  // Another agency's official: the same words find nothing of Sở Tư pháp's drafts.
  const other = await platform.newPage();
  await signIn(other, 'chuyenvien.hacthanh@tinhso.local');
  await other.goto('/office/documents/search?q=bao+cao+vien+phap+luat');
  await other.getByTestId('search-total').filter({ hasText: 'Số văn bản tìm thấy: 0' }).waitFor();
  await other.context().close();
});
