// Tasks (nhiệm vụ) in the browser (issue 16): a direction on an incoming document becomes a
// task for one of the ward's units, whose leader reports progress on a phone, asks for more
// time and gets it; the unit reports completion, the office accepts it, and the ranking and
// the overview count it as done on time.
//
// The office here is the ward's own (Phường Hạc Thành assigns to its Phòng Văn hóa - Xã hội:
// an authority without an office of its own is its own office): Văn phòng UBND tỉnh, which
// follows the province's tasks in the demo, has no document clerk, so nothing can reach its
// incoming register without an outgoing document of another agency sent to it first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, signIn } from './harness.js';

let platform;
before(async () => { platform = await startPlatform(); });
after(async () => { await platform?.stop(); });

const UNIT = '000.01.60.H56'; // Phòng Văn hóa - Xã hội, Phường Hạc Thành
const WARD = '000.00.60.H56';
const SUBJECT = 'V/v triển khai Tháng hành động vì bình đẳng giới trên địa bàn phường (minh họa)';

const pdf = (name, text) => ({
  name,
  mimeType: 'application/pdf',
  buffer: Buffer.from(`%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n% ${text}\ntrailer<</Root 1 0 R>>\n%%EOF\n`),
});

async function official(email, phone = false) {
  const page = await platform.newPage();
  if (phone) await page.setViewportSize({ width: 360, height: 740 });
  await signIn(page, email);
  await page.waitForURL(/\/office|\/account|\/$/);
  return page;
}

/** A date as the pages print it (dd/mm/yyyy or yyyy-mm-dd), as a UTC Date. */
function parseDate(text) {
  let m = text.match(/(\d{4})-(\d{2})-(\d{2})/);
  if (m) return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  m = text.match(/(\d{2})\/(\d{2})\/(\d{4})/);
  if (m) return new Date(Date.UTC(+m[3], +m[2] - 1, +m[1]));
  throw new Error(`no date in "${text}"`);
}
const iso = (d) => d.toISOString().slice(0, 10);
const printed = (d) => new RegExp(`${iso(d)}|${iso(d).split('-').reverse().join('/')}`);

async function stateOf(page) {
  return (await page.getByTestId('task-state').textContent()).trim();
}

test('a direction on an incoming document becomes a task, extended, completed and ranked on time', async () => {
  // The ward's văn thư registers a paper document from the province.
  const clerk = await official('vanthu.hacthanh@tinhso.local');
  await clerk.locator('header nav').getByRole('link', { name: 'Văn bản', exact: true }).click();
  await clerk.getByRole('link', { name: 'Vào sổ văn bản đến' }).click();
  await clerk.getByLabel('Số, ký hiệu văn bản').fill('88/UBND-VX');
  await clerk.getByLabel(/^Cơ quan ban hành/).fill('Ủy ban nhân dân tỉnh Thanh Hóa');
  await clerk.getByLabel('Ngày ban hành').fill('2026-11-20');
  await clerk.getByLabel('Trích yếu nội dung').fill(SUBJECT);
  await clerk.getByLabel('Nguồn').selectOption('scan');
  await clerk.getByLabel('Tệp văn bản (bản quét)').setInputFiles(pdf('cong-van.pdf', 'Cong van'));
  await clerk.getByRole('button', { name: 'Vào sổ', exact: true }).click();
  await clerk.getByText('Đã vào sổ văn bản đến.').waitFor();
  const documentUrl = clerk.url().split('?')[0];
  const documentId = documentUrl.split('/').pop();

  // The ward's leader (the assigning office) opens it and makes a task of it.
  const office = await official('lanhdao.hacthanh@tinhso.local');
  await office.goto(documentUrl);
  await office.getByRole('link', { name: 'Tạo nhiệm vụ' }).click();
  await office.waitForURL(new RegExp(`/office/tasks/new\\?document=${documentId}`));
  // Prefilled from the document: its subject as the title, the document named as the source.
  assert.equal(await office.getByLabel('Tên nhiệm vụ').inputValue(), SUBJECT);
  assert.match(await office.getByTestId('task-source').textContent(), /88\/UBND-VX/);
  await office.getByLabel('Cơ quan giao').selectOption(WARD);
  await office.getByLabel('Người giao').selectOption('chair');
  // Each unit has its own "Vai trò" and "Số ngày làm việc": the same label per unit, reached by id.
  await office.locator(`[id="f-role_${UNIT}"]`).selectOption('lead');
  await office.locator(`[id="f-days_${UNIT}"]`).fill('5');
  await office.getByRole('button', { name: 'Giao nhiệm vụ', exact: true }).click();
  await office.getByText('Đã giao nhiệm vụ.').waitFor();
  assert.equal(await stateOf(office), 'Mới giao');
  const code = (await office.getByTestId('task-code').textContent()).trim();
  assert.match(code, /^NV-\d{4}-\d{4}$/);
  assert.match(await office.getByTestId('task-source').textContent(), /88\/UBND-VX/);
  const taskUrl = office.url().split('?')[0];

  // The unit's leader, on a phone, finds it on the unit's board and reports 50%.
  const unit = await official('lanhdao.vhxh.hacthanh@tinhso.local', true);
  await unit.goto('/office/tasks');
  const mine = unit.getByTestId('task-board-mine');
  await mine.getByTestId('mine-assigned').getByRole('link', { name: SUBJECT }).click();
  await unit.getByRole('heading', { level: 1, name: SUBJECT }).waitFor();
  await unit.getByLabel('Loại báo cáo').selectOption('progress');
  await unit.getByLabel('Tiến độ (%)').fill('50');
  await unit.getByLabel('Nội dung báo cáo').fill('Đã xây dựng kế hoạch, đang tổ chức truyền thông tại 12 khu phố.');
  await unit.getByRole('button', { name: 'Gửi báo cáo' }).click();
  await unit.getByText('Đã gửi báo cáo.').waitFor();
  assert.equal(await stateOf(unit), 'Đang thực hiện');
  assert.match(await unit.getByTestId('task-units').textContent(), /50%/);
  await unit.getByTestId('task-timeline').getByText('đang tổ chức truyền thông tại 12 khu phố').waitFor();

  // It asks for three more days, with a reason.
  const ask = unit.getByTestId('task-extension-ask');
  const hint = await unit.getByText('Chỉ được đề nghị trước khi hết hạn').textContent();
  const due = parseDate(hint);
  const asked = new Date(due.getTime() + 3 * 86400000);
  await ask.getByLabel('Hạn mới đề nghị').fill(iso(asked));
  await ask.getByLabel('Lý do').fill('Chờ kết quả khảo sát của Hội Liên hiệp Phụ nữ phường.');
  await ask.getByRole('button', { name: 'Gửi đề nghị gia hạn' }).click();
  await unit.getByText('Đã gửi đề nghị gia hạn.').waitFor();
  const request = unit.getByTestId('task-extension');
  assert.equal(await request.getAttribute('data-decision'), 'pending');
  assert.match(await request.textContent(), /Chờ quyết định/);

  // The office grants it as asked.
  await office.goto(taskUrl);
  const decision = office.getByTestId('task-extension-decision');
  assert.equal(await decision.getByLabel('Hạn được gia hạn đến').inputValue(), iso(asked));
  await decision.getByRole('button', { name: 'Đồng ý gia hạn' }).click();
  await office.getByText('Đã đồng ý gia hạn.').waitFor();
  const granted = office.getByTestId('task-extension');
  assert.equal(await granted.getAttribute('data-decision'), 'granted');
  assert.match(await granted.textContent(), /Đồng ý, hạn mới/);
  assert.match(await granted.textContent(), printed(asked));

  // The unit sees its new deadline and reports completion.
  await unit.goto(taskUrl);
  assert.match(await unit.getByTestId('task-units').textContent(), printed(asked));
  await unit.getByLabel('Loại báo cáo').selectOption('completion');
  await unit.getByLabel('Tiến độ (%)').fill('100');
  await unit.getByLabel('Nội dung báo cáo').fill('Đã tổ chức Tháng hành động; báo cáo kết quả kèm theo.');
  await unit.getByRole('button', { name: 'Gửi báo cáo' }).click();
  await unit.getByText('Đã gửi báo cáo.').waitFor();
  assert.equal(await stateOf(unit), 'Chờ đánh giá kết quả');
  // The unit cannot accept its own work.
  assert.equal(await unit.getByRole('button', { name: 'Chấp nhận hoàn thành' }).count(), 0);

  // The office accepts.
  await office.goto(taskUrl);
  await office.getByTestId('task-decision').getByLabel(/^Ý kiến/).fill('Đạt yêu cầu.');
  await office.getByRole('button', { name: 'Chấp nhận hoàn thành' }).click();
  await office.getByText('Đã chấp nhận kết quả: nhiệm vụ hoàn thành.').waitFor();
  assert.equal(await stateOf(office), 'Hoàn thành');

  // The ranking of the year shows the unit with the task done on time.
  const year = asked.getUTCFullYear();
  await office.goto('/office/tasks');
  await office.getByTestId('task-overview-links').getByRole('link', { name: 'Xếp hạng đơn vị' }).click();
  await office.waitForURL(/\/office\/tasks\/ranking/);
  if (year !== new Date().getUTCFullYear()) await office.goto(`/office/tasks/ranking?year=${year}`);
  await office.getByRole('heading', { level: 1, name: `Xếp hạng đơn vị thực hiện nhiệm vụ ${year}` }).waitFor();
  const row = office.getByTestId('task-ranking').locator(`tr[data-unit="${UNIT}"]`);
  assert.match(await row.textContent(), /Phòng Văn hóa - Xã hội/);
  const cell = (label) => row.locator(`td[data-label="${label}"]`);
  assert.equal((await cell('Hoàn thành đúng hạn').textContent()).trim(), '1');
  assert.equal((await cell('Hoàn thành quá hạn').textContent()).trim(), '0');
  assert.equal((await cell('Chưa hoàn thành, quá hạn').textContent()).trim(), '0');

  // The overview puts it in the on-time bucket, and lists the task there.
  await office.goto('/office/tasks/overview');
  const ovRow = office.getByTestId('task-overview').locator(`tbody tr[data-unit="${UNIT}"]`);
  assert.equal((await ovRow.locator('td[data-bucket="done_on_time"]').textContent()).trim(), '1');
  assert.equal((await ovRow.locator('td[data-bucket="open_overdue"]').textContent()).trim(), '0');
  const line = office.getByTestId('task-overview-lines').getByRole('row').filter({ hasText: code });
  assert.match(await line.textContent(), /Hoàn thành đúng hạn/);
});
