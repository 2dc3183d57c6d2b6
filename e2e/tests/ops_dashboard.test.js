// The leader's dashboard (issue 18 part 2, docs/operations-design.md §5), in the browser: a
// leader of the province's People's Committee opens the dashboard from the navigation, sees
// what is overdue now across the province and the agencies ranked, drills into Sở Tư pháp
// (its own dashboard), opens its overdue dossiers and finds there the dossier past its
// appointment, as many as the tile said; the wall-screen mode shows the same figures in large
// type without the navigation; from the agency's dashboard, the leader downloads the current
// quarter's periodic report (Decree 09 window), read back by python-docx: the Decree 30
// header and the dossier received. A ward's leader cannot open the province's dashboard (404).
// The feedback map: the leader sees the clusters and their table, clicks circles closer until
// two reports of one street are a cluster of their own, and opens its list (not the hidden one).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startPlatform, signIn } from './harness.js';

let platform;
before(async () => { platform = await startPlatform(); });
after(async () => { await platform?.stop(); });

const AGENCY = 'Sở Tư pháp';
/** Made a leader of the province's People's Committee for this journey (the demo has none). */
const PROVINCE_LEADER = 'lanhdao.vhxh.hacthanh@tinhso.local';

/** Runs one SQL statement on the platform's database, as time passing would change it. */
function sql(statement) {
  if (platform.databaseUrl) {
    execFileSync('psql', [platform.databaseUrl, '-qtAc', statement]);
  } else {
    execFileSync('sqlite3', ['-cmd', '.timeout 10000', join(platform.dir, 'tinhso.db'), statement]);
  }
}

async function official(email) {
  const page = await platform.newPage();
  await signIn(page, email);
  await page.waitForURL(/\/office|\/account|\/$/);
  return page;
}

async function openInQueue(page, queue, code) {
  await page.goto(`/office/dossiers?queue=${queue}`);
  await page.getByRole('link', { name: code }).click();
  await page.getByRole('heading', { level: 1 }).waitFor();
}

async function text(locator) {
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

/** The number on an "overdue now" tile. */
async function tile(page, source) {
  return Number(await text(page.getByTestId(`ops-overdue-${source}`).locator('strong')));
}

test('a leader opens the dashboard, drills into an agency and opens its overdue list', async () => {
  // A citizen's request at Sở Tư pháp, accepted at the desk; its appointment then lies in the
  // past (as if the days had gone by), and the specialist's step moves it on, still open.
  const citizen = await platform.newPage();
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
  await citizen.context().close();
  const desk = await official('motcua.tuphap@tinhso.local');
  await openInQueue(desk, 'new', code);
  await desk.getByRole('button', { name: 'Tiếp nhận', exact: true }).click();
  await desk.getByTestId('dossier-state').getByText('Đang xử lý').waitFor();
  await desk.context().close();
  sql(`UPDATE dossiers SET due_local = '2026-01-05T17:00:00' WHERE code = '${code}'`);
  const specialist = await official('chuyenvien.tuphap@tinhso.local');
  await openInQueue(specialist, 'in_progress', code);
  await specialist.getByRole('button', { name: 'Hoàn thành bước, chuyển tiếp', exact: true }).click();
  await specialist.getByRole('heading', { level: 1 }).waitFor();
  await specialist.context().close();

  // The province's leader: from the navigation to the dashboard of the whole province.
  sql(`UPDATE users SET agency_id = (SELECT id FROM agencies WHERE code = '000.00.00.H56') WHERE email = '${PROVINCE_LEADER}'`);
  const leader = await official(PROVINCE_LEADER);
  await leader.getByRole('navigation', { name: 'Menu chính' }).getByRole('link', { name: 'Điều hành', exact: true }).click();
  await leader.getByRole('heading', { level: 1, name: /Bảng điều hành — Toàn tỉnh/ }).waitFor();
  // The counters follow the dossier's events a moment later.
  for (let i = 0; i < 60 && (await tile(leader, 'dossier.open')) < 1; i++) {
    await new Promise((r) => setTimeout(r, 250));
    await leader.reload();
  }
  assert.equal(await tile(leader, 'dossier.open'), 1);
  // Charts come with their figures as tables; the page refreshes itself.
  await leader.getByTestId('ops-dash-groups').waitFor();
  assert.equal(await leader.locator('meta[http-equiv="refresh"]').getAttribute('content'), '60');
  const ranking = leader.getByTestId('ops-ranking');
  const row = ranking.getByRole('row').filter({ hasText: AGENCY });
  assert.equal(await row.count(), 1);

  // Drill into the agency: its own dashboard.
  await row.getByRole('link', { name: AGENCY }).click();
  await leader.getByRole('heading', { level: 1, name: `Bảng điều hành — ${AGENCY}` }).waitFor();
  assert.equal(await tile(leader, 'dossier.open'), 1);

  // Its overdue list: the dossier, as many rows as the tile said.
  await leader.getByTestId('ops-overdue-dossier.open').click();
  await leader.getByRole('heading', { level: 1, name: /^Danh sách/ }).waitFor();
  assert.equal(await text(leader.getByTestId('ops-items-figure')), '1');
  const items = leader.getByTestId('ops-item');
  assert.equal(await items.count(), 1);
  assert.match(await text(items.first()), new RegExp(`${code}.*${AGENCY}.*2026-01-05.*in_progress`));

  // Back on the agency's dashboard, its periodic reports: the current quarter under Decree 09
  // (from the 15th of the month before to the 14th), which holds today's dossier.
  await leader.goBack();
  await leader.getByTestId('ops-reports-link').click();
  await leader.getByRole('heading', { level: 1, name: `Báo cáo định kỳ — ${AGENCY}` }).waitFor();
  const now = new Date(Date.now() + 7 * 3600 * 1000); // Vietnam's day
  let [y, m] = [now.getUTCFullYear(), now.getUTCMonth() + 1];
  if (now.getUTCDate() >= 15) { m += 1; if (m === 13) { m = 1; y += 1; } }
  const form = leader.getByTestId('ops-reports-form');
  await form.getByLabel('Loại báo cáo').selectOption('quarter');
  await form.getByLabel('Năm', { exact: true }).fill(String(y));
  await form.getByLabel('Tháng hoặc quý').fill(String(Math.ceil(m / 3)));
  await form.getByRole('button', { name: 'Xem', exact: true }).click();
  assert.equal(await text(leader.getByTestId('ops-report-received')), '1');
  const [download] = await Promise.all([
    leader.waitForEvent('download'),
    leader.getByTestId('ops-report-docx').click(),
  ]);
  assert.match(download.suggestedFilename(), new RegExp(`^bao-cao-${y}-Q${Math.ceil(m / 3)}-a-.*\\.docx$`));
  const file = join(mkdtempSync(join(tmpdir(), 'ops-report-')), 'report.docx');
  await download.saveAs(file);
  const here = dirname(fileURLToPath(import.meta.url));
  const docx = JSON.parse(execFileSync('python3', [join(here, '..', 'docx_read.py'), file], { encoding: 'utf8' }));
  assert.match(JSON.stringify(docx.tables[0]), /CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM/);
  assert.ok(docx.paragraphs.includes('BÁO CÁO'));
  assert.ok(docx.paragraphs.some((p) => p.includes(AGENCY)));
  assert.ok(docx.tables.some((t) => t.some((r) => r[0] === 'Hồ sơ tiếp nhận' && r[1] === '1')));

  // The wall screen: the same figure, no navigation.
  await leader.goto('/ops/dashboard?wall=1');
  await leader.getByTestId('ops-wall').waitFor();
  assert.equal(await tile(leader, 'dossier.open'), 1);
  assert.equal(await leader.getByRole('navigation', { name: 'Menu chính' }).count(), 0);
  await leader.context().close();

  // A ward's leader sees their ward, never the province.
  const ward = await official('lanhdao.hacthanh@tinhso.local');
  assert.equal((await ward.goto('/ops/dashboard')).status(), 200);
  assert.equal((await ward.goto('/ops/dashboard?scope=p')).status(), 404);
  assert.equal((await ward.goto('/ops/items?scope=p&source=dossier.open&overdue=1')).status(), 404);
  await ward.context().close();
});

test('the leader sees feedback on the map, zooms into a cluster and opens its list', async () => {
  // Two reports about the same street in Hạc Thành this year, and one hidden there: the
  // hidden one is never on the map. They go in behind the platform's back, so they are dated
  // today (Vietnam time): the node keeps the sums of closed months, which such rows would
  // not reach, and counts the running month at each view.
  const now = new Date();
  const today = new Date(now.getTime() + 7 * 3600e3).toISOString().slice(0, 10);
  const stamp = now.toISOString();
  for (const [n, hidden] of [[1, null], [2, null], [3, "'Nội dung không phù hợp'"]]) {
    sql(`INSERT INTO feedback_reports (id, code, category_code, title, description, source,
           admin_unit_code, lat, lon, agency_id, status, received_local, due_local, hidden_reason,
           created_at, updated_at)
         SELECT 'e2e-map-${n}', 'PA-E2EMAP${n}', (SELECT MIN(code) FROM feedback_categories),
           'Ổ gà trên phố Lê Lai ${n}', 'Ổ gà sâu', 'web', '14932', 19.8071, 105.7762,
           (SELECT id FROM agencies WHERE code = '000.00.60.H56'), 'received',
           '${today}T00:00:01', '2099-01-01T17:00:00', ${hidden ?? 'NULL'},
           '${stamp}', '${stamp}'`);
  }
  sql(`UPDATE users SET agency_id = (SELECT id FROM agencies WHERE code = '000.00.00.H56') WHERE email = '${PROVINCE_LEADER}'`);
  const leader = await official(PROVINCE_LEADER);
  await leader.goto('/ops/dashboard?refresh=0');
  const map = leader.getByTestId('ops-map');
  await map.getByRole('heading', { name: 'Bản đồ phản ánh, kiến nghị' }).waitFor();
  await leader.getByTestId('ops-map-svg').waitFor();
  // The table beside the map: one row per circle, its counts adding up to the total.
  const rows = leader.getByTestId('ops-map-table').locator('tbody tr');
  const circles = leader.getByTestId('ops-map-svg').locator('circle');
  assert.equal(await rows.count(), await circles.count());
  const total = Number((await text(map.locator('p').first())).match(/^(\d+) phản ánh/)[1]);
  let sum = 0;
  for (const link of await leader.getByTestId('ops-map-table').locator('a[data-testid^="ops-map-items-"]').all()) {
    sum += Number(await text(link));
  }
  assert.equal(sum, total);
  assert.ok(total >= 2);

  // Zoom in by clicking the circle holding the two reports (plain links) until they are a
  // cluster of their own, then open its list: exactly those two, not the hidden one.
  const ourCell = async () => {
    const key = await leader.getByTestId('ops-map-table').locator('a[data-testid^="ops-map-items-"]').first()
      .getAttribute('data-testid');
    const zoom = Number(key.replace('ops-map-items-', '').split('-')[0]);
    const size = 360 / 2 ** zoom;
    return `${zoom}-${Math.floor((19.8071 + 90) / size)}-${Math.floor((105.7762 + 180) / size)}`;
  };
  let cell = await ourCell();
  for (let i = 0; i < 8; i++) {
    if (Number(await text(leader.getByTestId(`ops-map-items-${cell}`))) === 2) break;
    await leader.getByTestId(`ops-cluster-${cell}`).click();
    await leader.waitForURL(/map=/);
    cell = await ourCell();
  }
  const cluster = leader.getByTestId(`ops-map-items-${cell}`);
  assert.equal(await text(cluster), '2');
  await cluster.click();
  await leader.getByRole('heading', { level: 1, name: /^Danh sách/ }).waitFor();
  assert.equal(await text(leader.getByTestId('ops-items-figure')), '2');
  const items = leader.getByTestId('ops-item');
  assert.equal(await items.count(), 2);
  assert.match(await text(items.nth(0)), /PA-E2EMAP1/);
  assert.match(await text(items.nth(1)), /PA-E2EMAP2/);
  await leader.context().close();

  // The ward's leader sees the ward's map, and not another scope's cluster.
  const ward = await official('lanhdao.hacthanh@tinhso.local');
  await ward.goto('/ops/dashboard?refresh=0');
  await ward.getByTestId('ops-map-svg').waitFor();
  assert.equal((await ward.goto(`/ops/items?scope=p&source=feedback.received&cell=0/0/0`)).status(), 404);
  await ward.context().close();
});
