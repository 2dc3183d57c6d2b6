// The open data portal's journey (issue 17 item 3, slice 7): Sở Tư pháp's data officer uploads a
// CSV with Vietnamese place names and latitude/longitude columns and submits it; the department's
// leader approves it; an anonymous visitor searches without diacritics, finds it, previews and
// sorts the table, draws a chart, sees the map, and downloads the file, which is counted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, signIn } from './harness.js';

let platform;
before(async () => { platform = await startPlatform(); });
after(async () => { await platform?.stop(); });

const PLACES = [
  ['Trạm y tế phường Hạc Thành', 'Phường Hạc Thành', 120, '19.8075', '105.7764'],
  ['Trạm y tế phường Hàm Rồng', 'Phường Hàm Rồng', 95, '19.8412', '105.7938'],
  ['Trạm y tế xã Đông Sơn', 'Xã Đông Sơn', 60, '19.7951', '105.7102'],
  ['Trạm y tế xã Nga Sơn', 'Xã Nga Sơn', 75, '20.0035', '105.9730'],
  ['Trạm y tế phường Sầm Sơn', 'Phường Sầm Sơn', 140, '19.7356', '105.9041'],
  ['Phòng khám Hạc Thành', 'Phường Hạc Thành', 30, '19.8101', '105.7801'],
  ['Trạm y tế xã Hà Trung', 'Xã Hà Trung', 55, '20.0312', '105.8429'],
];

function csv() {
  const lines = ['Tên điểm tiêm,Phường xã,Số mũi tiêm,Vĩ độ,Kinh độ'];
  for (const p of PLACES) lines.push(p.join(','));
  return `${lines.join('\n')}\n`;
}

test('publish a CSV → approve → found without diacritics → preview, chart and map → download', async () => {
  // The data officer drafts the dataset, uploads the CSV and submits it.
  const officer = await platform.newPage();
  await signIn(officer, 'dulieu.tuphap@tinhso.local');
  await officer.goto('/office/opendata/new');
  await officer.fill('#f-title', 'Điểm tiêm chủng mở rộng tháng 11 (thử nghiệm)');
  await officer.fill('#f-notes', 'Số mũi tiêm theo điểm tiêm và vị trí của từng điểm.');
  await officer.selectOption('#f-field', 'y-te');
  await officer.fill('#f-tags', 'tiêm chủng, bản đồ');
  await officer.getByRole('button', { name: 'Tạo bộ dữ liệu' }).click();
  await officer.waitForURL(/\/office\/opendata\/[^/?]+\?done=create/);
  await officer.fill('#f-name', 'Danh sách điểm tiêm');
  await officer.setInputFiles('#f-file', { name: 'diem-tiem.csv', mimeType: 'text/csv', buffer: Buffer.from(csv()) });
  await officer.getByRole('button', { name: 'Tải lên và kiểm tra' }).click();
  await officer.waitForURL(/done=upload/);
  await officer.getByRole('button', { name: 'Gửi duyệt' }).click();
  await officer.waitForURL(/done=submit/);
  const office = officer.url().split('?')[0];

  // The leader approves it.
  const leader = await platform.newPage();
  await signIn(leader, 'lanhdao.tuphap@tinhso.local');
  await leader.goto(office);
  await leader.getByRole('button', { name: 'Phê duyệt công bố' }).click();
  await leader.waitForURL(/done=approve/);

  // An anonymous visitor finds it without diacritics.
  const visitor = await platform.newPage();
  await visitor.goto('/opendata');
  await visitor.fill('#f-q', 'diem tiem chung');
  await visitor.getByTestId('od-search').getByRole('button', { name: 'Tìm' }).click();
  await visitor.waitForURL(/q=diem/);
  const results = visitor.getByTestId('od-public-list').getByRole('link');
  assert.equal(await results.count(), 1);
  assert.match(await results.first().textContent(), /Điểm tiêm chủng mở rộng/);
  // The facets say what was found.
  const fieldFacet = visitor.locator('ul[data-facet="field"]');
  assert.match(await fieldFacet.textContent(), /Y tế\s*\(1\)/);
  await results.first().click();
  await visitor.waitForURL(/\/opendata\/datasets\//);

  // The preview: every row, then sorted by a header's link, twice (ascending, descending).
  assert.match(await visitor.getByTestId('od-preview-total').textContent(), new RegExp(`/ ${PLACES.length}`));
  assert.equal(await visitor.locator('[data-testid="od-preview"] tbody tr').count(), PLACES.length);
  const header = visitor.getByTestId('od-preview').getByRole('link', { name: 'Số mũi tiêm' });
  await header.click();
  await visitor.waitForURL(/dir=asc/);
  await visitor.getByTestId('od-preview').getByRole('link', { name: 'Số mũi tiêm' }).click();
  await visitor.waitForURL(/dir=desc/);
  const firstRow = visitor.locator('[data-testid="od-preview"] tbody tr').first();
  const most = PLACES.reduce((a, b) => (b[2] > a[2] ? b : a));
  assert.match(await firstRow.textContent(), new RegExp(most[0]));

  // A chart of the doses by commune, as a pie.
  await visitor.selectOption('#c-label', 'Phường xã');
  await visitor.selectOption('#c-value', 'Số mũi tiêm');
  await visitor.selectOption('#c-kind', 'pie');
  await visitor.getByRole('button', { name: 'Vẽ biểu đồ' }).click();
  await visitor.waitForURL(/kind=pie/);
  const communes = new Set(PLACES.map((p) => p[1]));
  assert.equal(await visitor.locator('[data-testid="od-chart"] svg .slice').count(), communes.size);
  const hacThanh = PLACES.filter((p) => p[1] === 'Phường Hạc Thành').reduce((s, p) => s + p[2], 0);
  assert.match(await visitor.getByTestId('od-chart-table').textContent(), new RegExp(`Phường Hạc Thành\\s*${hacThanh}`));

  // The map: a point for every place.
  assert.equal(await visitor.locator('[data-testid="od-map"] svg circle.pt').count(), PLACES.length);
  assert.match(await visitor.getByTestId('od-map-note').textContent(), /Vĩ độ, Kinh độ/);

  // The page stays small: under 60 KB before compression.
  const size = (await (await fetch(visitor.url())).text()).length;
  assert.ok(size < 60_000, `the dataset page is ${size} bytes`);

  // The download is the file as uploaded, and it is counted.
  assert.equal((await visitor.getByTestId('od-downloads').first().textContent()).trim(), '0');
  const [download] = await Promise.all([
    visitor.waitForEvent('download'),
    visitor.getByTestId('od-download').first().click(),
  ]);
  const path = await download.path();
  const { readFileSync } = await import('node:fs');
  assert.equal(readFileSync(path, 'utf8'), csv());
  await visitor.reload();
  assert.equal((await visitor.getByTestId('od-downloads').first().textContent()).trim(), '1');
});
