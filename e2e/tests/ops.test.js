// The operations centre's page /ops (issue 18, docs/operations-design.md §5, slice 3), in the
// browser: Sở Tư pháp's leader opens it on a phone and reads the Decision 766 index of the
// agency (the widest scope the leader holds, chosen by default) under the seeded version,
// marked provisional ("trọng số tạm"), with no finished dossier yet; a citizen then asks the
// Sở online for a criminal record certificate, its one-stop desk accepts the dossier, the Sở
// handles it and returns the result, and the citizen rates it; the leader's page, reloaded,
// shows the figures that moved (2.1: one dossier finished on time, its full points; 5.1: one
// satisfied rating) and the total with them, while a leader of a unit of phường Hạc Thành,
// which did not handle it, sees nothing counted and cannot open the Sở's scope. Officials
// without the leader's role get the refusal page (not found): the policy hides a scope not held.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, signIn } from './harness.js';

let platform;
before(async () => { platform = await startPlatform(); });
after(async () => { await platform?.stop(); });

const AGENCY = 'Sở Tư pháp';
const LEADER = 'lanhdao.tuphap@tinhso.local';
const pdf = (name, text) => ({ name, mimeType: 'application/pdf', buffer: Buffer.from(`%PDF-1.4\n${text}\n%%EOF\n`) });

async function official(email, phone = false) {
  const page = await platform.newPage();
  if (phone) await page.setViewportSize({ width: 360, height: 740 });
  await signIn(page, email);
  await page.waitForURL(/\/office|\/account|\/$/);
  return page;
}

async function openInQueue(page, queue, code) {
  await page.goto(`/office/dossiers?queue=${queue}`);
  await page.getByRole('link', { name: code }).click();
  await page.getByRole('heading', { level: 1 }).waitFor();
}

/** The text of a row or cell, its white space folded. */
async function text(locator) {
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

/** What the /ops page says of indicator `key`: its values, points and how it is measured. */
async function indicator(page, key) {
  const row = page.getByTestId(`ops-indicator-${key}`);
  const cells = row.getByRole('cell');
  return {
    all: await text(row),
    values: await text(cells.nth(1)),
    points: await text(cells.nth(2)),
    how: await text(cells.nth(3)),
  };
}

async function groupPoints(page, key) {
  return text(page.getByTestId(`ops-group-${key}`).getByRole('cell').nth(1));
}

/** A citizen asks Sở Tư pháp online for a criminal record certificate; the desk accepts it. */
async function submittedAndAccepted() {
  const citizen = await platform.newPage();
  await citizen.setViewportSize({ width: 360, height: 740 });
  await signIn(citizen, 'congdan@tinhso.local');
  await citizen.goto('/procedures/1.001648/apply');
  await citizen.getByLabel('Cơ quan tiếp nhận').selectOption({ label: AGENCY });
  await citizen.getByLabel('Họ và tên người yêu cầu').fill('Nguyễn Văn An');
  await citizen.getByLabel('Số căn cước công dân').fill('038090000111');
  await citizen.getByLabel('Nơi cư trú').fill('Số 5, phố Lê Lai, phường Hạc Thành');
  await citizen.getByLabel('Loại phiếu').selectOption('Phiếu số 1');
  await citizen.getByLabel('Mục đích sử dụng').fill('Bổ sung hồ sơ xin việc');
  await citizen.getByRole('button', { name: 'Nộp hồ sơ', exact: true }).click();
  await citizen.getByText('Đã nộp hồ sơ thành công').waitFor();
  const code = (await citizen.getByTestId('dossier-code').textContent()).trim();
  const dossierUrl = citizen.url().split('?')[0];

  const desk = await official('motcua.tuphap@tinhso.local');
  await openInQueue(desk, 'new', code);
  await desk.getByRole('button', { name: 'Tiếp nhận', exact: true }).click();
  await desk.getByTestId('dossier-state').getByText('Đang xử lý').waitFor();
  return { code, citizen, dossierUrl, desk };
}

/** Reloads `page` until `ready()` holds: the counters follow the dossier's events a moment later. */
async function reloadUntil(page, ready, what) {
  for (let i = 0; i < 60; i++) {
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 250));
    await page.reload();
  }
  const shown = [(await indicator(page, '2.1')).all, (await indicator(page, '5.1')).all].join('\n');
  assert.fail(`the page never showed ${what}; it shows:\n${shown}`);
}

test('a leader reads the 766 index on a phone, and sees a dossier handled by the agency move its figures', async () => {
  // Before: the seeded version, provisional, nothing finished yet.
  const leader = await official(LEADER, true);
  const response = await leader.goto('/ops');
  assert.equal(response.status(), 200);
  await leader.getByRole('heading', { level: 1, name: 'Chỉ số phục vụ người dân, doanh nghiệp' }).waitFor();
  const index = leader.getByTestId('ops-index');
  // The widest scope the leader holds is chosen for them, and shown in the filter.
  const agencyScope = await leader.getByLabel('Phạm vi').inputValue();
  assert.ok(agencyScope, 'a scope is filled in');
  assert.match(await text(index.getByRole('paragraph').first()), /Phiên bản: 766-2022-tam — .*Quyết định 766\/QĐ-TTg/);
  assert.equal(await text(leader.getByTestId('ops-provisional')), 'trọng số tạm');
  const year = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric' }).format(new Date());
  assert.match(await text(index.getByRole('paragraph').first()), new RegExp(`Kỳ: ${year}-Y \\(${year}-01-01 → ${year}-12-31\\)`));
  let progress = await indicator(leader, '2.1');
  assert.match(progress.values, /dossier\.finished_on_time = 0 dossier\.finished = 0/);
  assert.match(progress.points, /^chưa có số liệu \/ 20\.0$/);
  assert.match(progress.how, /đo từ hệ thống/);
  let satisfaction = await indicator(leader, '5.1');
  assert.match(satisfaction.values, /dossier\.rated_satisfied = 0 dossier\.rated = 0/);
  assert.equal(await groupPoints(leader, 'progress'), 'chưa có số liệu');
  const totalBefore = await text(leader.getByTestId('ops-total'));
  assert.match(totalBefore, /^Tổng điểm: 0\.0 \/ 100/);
  // Readable on the phone: nothing runs off the side of the screen.
  const overflow = await leader.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);

  // A dossier submitted online and accepted at the desk; the Sở handles it and returns it.
  const { code, citizen, dossierUrl, desk } = await submittedAndAccepted();
  const specialist = await official('chuyenvien.tuphap@tinhso.local');
  await openInQueue(specialist, 'in_progress', code);
  await specialist.getByRole('button', { name: 'Hoàn thành bước, chuyển tiếp', exact: true }).click();
  await specialist.getByRole('heading', { level: 1 }).waitFor();
  await specialist.context().close();
  const approver = await official(LEADER);
  await openInQueue(approver, 'in_progress', code);
  await approver.getByRole('button', { name: 'Phê duyệt', exact: true }).click();
  await approver.getByTestId('dossier-state').getByText('Đã có kết quả, chờ trả').waitFor();
  await approver.context().close();
  await openInQueue(desk, 'to_return', code);
  await desk.getByRole('button', { name: 'Trả kết quả', exact: true }).click();
  await desk.getByRole('heading', { name: 'Trả kết quả và kết thúc hồ sơ?' }).waitFor();
  await desk.getByLabel('Tệp kết quả giải quyết').setInputFiles(pdf('phieu-ly-lich-tu-phap.pdf', 'Phieu ly lich tu phap so 1'));
  await desk.getByRole('button', { name: 'Trả kết quả', exact: true }).click();
  await desk.getByTestId('dossier-state').getByText('Đã trả kết quả').waitFor();
  await desk.context().close();
  await citizen.goto(dossierUrl);
  await citizen.getByLabel('Rất hài lòng').check();
  await citizen.getByRole('button', { name: 'Gửi đánh giá', exact: true }).click();
  await citizen.getByTestId('rating').getByText('Rất hài lòng').waitFor();
  await citizen.context().close();

  // After: 2.1 counts one dossier finished on time (full points), 5.1 one satisfied rating.
  await reloadUntil(leader, async () => {
    const p = await indicator(leader, '2.1');
    const s = await indicator(leader, '5.1');
    return /dossier\.finished = 1/.test(p.values) && /dossier\.rated = 1/.test(s.values);
  }, 'the returned and rated dossier counted');
  progress = await indicator(leader, '2.1');
  assert.match(progress.values, /^dossier\.finished_on_time = 1 dossier\.finished = 1 /);
  assert.match(progress.points, /^20\.0 \/ 20\.0$/);
  assert.equal(await groupPoints(leader, 'progress'), '20.0');
  satisfaction = await indicator(leader, '5.1');
  assert.match(satisfaction.values, /dossier\.rated_satisfied = 1 dossier\.rated = 1/);
  assert.match(satisfaction.points, /^6\.0 \/ 6\.0/);
  const totalAfter = await text(leader.getByTestId('ops-total'));
  assert.notEqual(totalAfter, totalBefore);
  const total = Number(totalAfter.match(/Tổng điểm: ([\d.]+)/)[1]);
  assert.ok(total > 0 && total <= 100, totalAfter);
  // Still the provisional version.
  assert.equal(await text(leader.getByTestId('ops-provisional')), 'trọng số tạm');
  assert.ok(await leader.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  await leader.context().close();

  // Another agency's leader: its own scope, where nothing moved.
  const other = await official('lanhdao.vhxh.hacthanh@tinhso.local', true);
  assert.equal((await other.goto('/ops')).status(), 200);
  assert.match((await indicator(other, '2.1')).values, /dossier\.finished = 0/);
  assert.match(await text(other.getByTestId('ops-total')), /^Tổng điểm: 0\.0 \/ 100/);
  // Nor may it ask for the Sở's scope by name: what it does not hold does not exist for it.
  assert.equal((await other.goto(`/ops?scope=${encodeURIComponent(agencyScope)}`)).status(), 404);
  await other.getByRole('heading', { level: 1, name: 'Không tìm thấy trang' }).waitFor();
  await other.context().close();
});

test('an official who is not a leader gets the refusal page at /ops', async () => {
  for (const email of ['motcua.hacthanh@tinhso.local', 'chuyenvien.hacthanh@tinhso.local']) {
    const page = await official(email, true);
    const response = await page.goto('/ops');
    assert.equal(response.status(), 404, email);
    await page.getByRole('heading', { level: 1, name: 'Không tìm thấy trang' }).waitFor();
    await page.getByText('Không tìm thấy trang hoặc dữ liệu yêu cầu.').waitFor();
    assert.equal(await page.getByTestId('ops-index').count(), 0);
    assert.equal(await page.getByTestId('ops-total').count(), 0);
    await page.context().close();
  }
  // Signed out, the page asks for sign-in instead.
  const anyone = await platform.newPage();
  await anyone.goto('/ops');
  assert.equal(await anyone.getByTestId('ops-index').count(), 0);
  await anyone.getByLabel('Email hoặc số điện thoại').waitFor();
  await anyone.context().close();
});
