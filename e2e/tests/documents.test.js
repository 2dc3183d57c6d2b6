// Official documents (văn bản đi, văn bản đến) in the browser: a decision of Sở Tư pháp drafted,
// reviewed, form-checked, approved and issued, then found in the recipient ward's incoming
// register, presented, directed to a unit, handled and closed there while the sender follows
// its status; and a paper document registered from a scan, twice, through the duplicate warning.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, signIn } from './harness.js';

let platform;
before(async () => { platform = await startPlatform(); });
after(async () => { await platform?.stop(); });

/** A small PDF, as a scanner or a word processor would leave it (read by its content). */
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

/** Opens "Văn bản" from the navigation bar, as an official would. */
async function documentsSection(page) {
  await page.locator('header nav').getByRole('link', { name: 'Văn bản', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Văn bản' }).waitFor();
}

async function openOutgoing(page, subject) {
  await documentsSection(page);
  await page.getByRole('link', { name: subject }).click();
  await page.getByRole('heading', { level: 1, name: subject }).waitFor();
}

async function stateOf(page) {
  return (await page.getByTestId('doc-state').textContent()).trim();
}

const SUBJECT = 'Quyết định công nhận tổ hòa giải ở cơ sở tiêu biểu năm 2026 (minh họa)';

test('a decision goes from the specialist through review, form check and approval to its number, and reaches the ward', async () => {
  // The specialist drafts on a phone.
  const drafter = await official('chuyenvien.tuphap@tinhso.local', true);
  await documentsSection(drafter);
  await drafter.getByRole('link', { name: 'Soạn văn bản mới' }).click();
  await drafter.getByLabel('Loại văn bản').selectOption({ label: 'Quyết định (QĐ)' });
  await drafter.getByLabel('Trích yếu nội dung').fill(SUBJECT);
  await drafter.getByLabel('Độ khẩn').selectOption({ label: 'Khẩn' });
  await drafter.getByLabel('Độ mật').selectOption('MẬT');
  await drafter.getByText('Cơ quan trên hệ thống', { exact: true }).click();
  await drafter.getByLabel(/000\.00\.60\.H56/).check();
  await drafter.getByLabel('Nơi nhận khác').fill('Lưu: VT, PBGDPL');
  await drafter.getByLabel('Chức vụ người ký').fill('Giám đốc');
  await drafter.getByLabel('Họ và tên người ký').fill('Hoàng Văn Bình');
  await drafter.getByLabel('Tệp dự thảo').setInputFiles(pdf('du-thao-v1.pdf', 'Du thao lan 1'));
  await drafter.getByRole('button', { name: 'Tạo dự thảo' }).click();
  // A secret document does not belong here: said in Vietnamese, and nothing typed is lost.
  await drafter.getByText('là văn bản mật').first().waitFor();
  assert.equal(await drafter.getByLabel('Trích yếu nội dung').inputValue(), SUBJECT);
  assert.equal(await drafter.getByLabel('Chức vụ người ký').inputValue(), 'Giám đốc');
  assert.ok(await drafter.getByLabel(/000\.00\.60\.H56/).isChecked());
  await drafter.getByLabel('Độ mật').selectOption('');
  await drafter.getByLabel('Tệp dự thảo').setInputFiles(pdf('du-thao-v1.pdf', 'Du thao lan 1'));
  await drafter.getByRole('button', { name: 'Tạo dự thảo' }).click();
  await drafter.getByText('Đã tạo dự thảo.').waitFor();
  assert.equal(await stateOf(drafter), 'Dự thảo');
  assert.equal((await drafter.getByTestId('doc-number').textContent()).trim(), 'Chưa cấp số');
  await drafter.getByRole('link', { name: /du-thao-v1\.pdf/ }).waitFor();
  const documentUrl = drafter.url().split('?')[0];
  await drafter.getByRole('button', { name: 'Trình duyệt' }).click();
  await drafter.getByText('Đã trình duyệt dự thảo.').waitFor();
  assert.equal(await stateOf(drafter), 'Chờ duyệt nội dung');

  // The head (the Sở's leader: the specialist works in the Sở itself) sends it back once.
  const head = await official('lanhdao.tuphap@tinhso.local');
  await openOutgoing(head, SUBJECT);
  await head.getByLabel('Cần sửa gì').fill('Bổ sung căn cứ Luật Hòa giải ở cơ sở.');
  await head.getByRole('button', { name: 'Trả lại để chỉnh sửa' }).click();
  await head.getByText('Đã trả lại dự thảo để chỉnh sửa.').waitFor();

  // The specialist reads the comment, uploads a second version and submits again.
  await drafter.goto(documentUrl);
  await drafter.getByText('Bổ sung căn cứ Luật Hòa giải ở cơ sở.').waitFor();
  await drafter.getByLabel('Tải lên phiên bản mới').setInputFiles(pdf('du-thao-v2.pdf', 'Du thao lan 2'));
  await drafter.getByRole('button', { name: 'Tải lên', exact: true }).click();
  await drafter.getByText('Đã tải lên phiên bản mới.').waitFor();
  await drafter.getByRole('link', { name: /Phiên bản 2: du-thao-v2\.pdf/ }).waitFor();
  await drafter.getByRole('button', { name: 'Trình duyệt' }).click();
  await drafter.getByText('Đã trình duyệt dự thảo.').waitFor();

  await head.goto(documentUrl);
  await head.getByRole('button', { name: 'Duyệt nội dung' }).click();
  await head.getByText('Đã duyệt nội dung.').waitFor();
  assert.equal(await stateOf(head), 'Chờ kiểm tra thể thức');
  // The leader holds no form check: the page offers no such step.
  assert.equal(await head.getByRole('button', { name: 'Đạt thể thức' }).count(), 0);

  // The clerk (văn thư) checks the form.
  const clerk = await official('vanthu.tuphap@tinhso.local');
  await openOutgoing(clerk, SUBJECT);
  await clerk.getByRole('button', { name: 'Đạt thể thức' }).click();
  await clerk.getByText('Đã kiểm tra thể thức.').waitFor();
  assert.equal(await stateOf(clerk), 'Chờ phê duyệt');

  // A deputy director approves, signing KT. (for the director).
  await head.goto(documentUrl);
  await head.getByLabel('Quyền hạn ký').selectOption('for_the_head');
  await head.getByLabel('Chức vụ người ký').fill('Phó Giám đốc');
  await head.getByRole('button', { name: 'Phê duyệt, ký' }).click();
  await head.getByText('Đã phê duyệt, ký văn bản.').waitFor();
  assert.equal(await stateOf(head), 'Đã ký duyệt');
  assert.match(await head.getByTestId('doc-signer').textContent(), /KT\. Phó Giám đốc — Hoàng Văn Bình/);

  // The clerk issues it, through the confirmation step: numbered and delivered.
  await clerk.goto(documentUrl);
  await clerk.getByRole('button', { name: 'Cấp số, ban hành' }).click();
  await clerk.getByTestId('confirm-step').waitFor();
  await clerk.getByRole('button', { name: 'Cấp số, ban hành' }).click();
  await clerk.getByText('Đã cấp số, ban hành văn bản').waitFor();
  const number = (await clerk.getByTestId('doc-number').textContent()).trim();
  assert.match(number, /^\d+\/QĐ-STP$/);
  assert.equal(await stateOf(clerk), 'Đã ban hành');
  const delivery = clerk.getByTestId('doc-delivery');
  assert.match(await delivery.nth(0).textContent(), /Đã chuyển/);
  assert.match(await delivery.nth(1).textContent(), /Ngoài hệ thống/);

  // The ward's văn thư finds it in the incoming register with an arrival number.
  const ward = await official('vanthu.hacthanh@tinhso.local', true);
  await documentsSection(ward);
  await ward.getByRole('link', { name: 'Văn bản đến', exact: true }).click();
  const row = ward.getByTestId('incoming-register').getByRole('row').filter({ hasText: SUBJECT });
  await row.waitFor();
  assert.match(await row.textContent(), new RegExp(number.replace('/', '\\/')));
  assert.match(await row.getByTestId('arrival-number').textContent(), /^\d+\/\d{4}$/);
  await row.getByRole('link', { name: SUBJECT }).click();
  assert.equal(await stateOf(ward), 'Đã vào sổ');
  assert.match(await ward.getByTestId('doc-arrival-number').textContent(), /^\d+\/\d{4}$/);
  await ward.getByRole('link', { name: /du-thao-v2\.pdf/ }).waitFor();
  // The place of the directions (bút phê) on an incoming document.
  assert.equal(await ward.locator('#directions').count(), 1);

  // The sender sees the ward has it, and may read who opened the document.
  await clerk.goto(documentUrl);
  assert.match(await clerk.getByTestId('doc-delivery').nth(0).textContent(), /Đã chuyển.*Đã vào sổ/s);
  await clerk.getByRole('link', { name: 'Nhật ký truy cập văn bản' }).click();
  await clerk.getByTestId('doc-reads').getByText('Vũ Đức Long').first().waitFor();

  // The ward handles it, and at each step the sender's page shows where it stands there.
  const senderSees = async (label) => {
    await clerk.goto(documentUrl);
    assert.match(await clerk.getByTestId('doc-delivery').nth(0).textContent(), new RegExp(`Đã chuyển.*${label}`, 's'));
  };
  const wardUrl = ward.url().split('?')[0];
  // The văn thư presents it to the leader.
  await ward.getByRole('button', { name: 'Trình lãnh đạo' }).click();
  await ward.getByText('Đã trình lãnh đạo.').waitFor();
  assert.equal(await stateOf(ward), 'Đã trình');
  // The clerk holds no direction.
  assert.equal(await ward.getByRole('button', { name: 'Giao xử lý' }).count(), 0);
  await senderSees('Đã trình');

  // The ward's leader directs it to its Phòng Văn hóa - Xã hội in five working days. A
  // deadline given twice is refused in Vietnamese, and what was typed stays.
  const wardLeader = await official('lanhdao.hacthanh@tinhso.local');
  await wardLeader.goto(wardUrl);
  const DIRECTIONS = 'Giao Phòng Văn hóa - Xã hội chủ trì, phổ biến đến các tổ hòa giải trên địa bàn phường.';
  const leadDeadline = wardLeader.getByRole('group', { name: 'Thời hạn của đơn vị chủ trì' });
  await wardLeader.getByLabel('Ý kiến chỉ đạo (bút phê)').fill(DIRECTIONS);
  await wardLeader.getByLabel('Đơn vị chủ trì').selectOption({ label: 'Phòng Văn hóa - Xã hội' });
  await leadDeadline.getByLabel('Số ngày làm việc').fill('5');
  await leadDeadline.getByLabel('Hạn giải quyết (ngày)').fill('2099-12-31');
  await wardLeader.getByRole('button', { name: 'Giao xử lý' }).click();
  await wardLeader.getByText('Cho mỗi đơn vị một thời hạn').first().waitFor();
  assert.equal(await wardLeader.getByLabel('Ý kiến chỉ đạo (bút phê)').inputValue(), DIRECTIONS);
  assert.equal(await leadDeadline.getByLabel('Số ngày làm việc').inputValue(), '5');
  assert.equal(await stateOf(wardLeader), 'Đã trình');
  await leadDeadline.getByLabel('Hạn giải quyết (ngày)').fill('');
  await wardLeader.getByRole('button', { name: 'Giao xử lý' }).click();
  await wardLeader.getByText('Đã giao xử lý.').waitFor();
  assert.equal(await stateOf(wardLeader), 'Đã có chỉ đạo');
  await wardLeader.getByTestId('doc-directions-text').getByText(DIRECTIONS).waitFor();
  const assignment = wardLeader.getByTestId('doc-assignment');
  assert.match(await assignment.textContent(), /Phòng Văn hóa - Xã hội · Chủ trì/);
  assert.match(await assignment.getByTestId('doc-assignment-due').textContent(), /\d{2}\/\d{2}\/\d{4}.*5 ngày làm việc/s);
  assert.equal((await assignment.getByTestId('doc-assignment-state').textContent()).trim(), 'Chưa xử lý');
  await senderSees('Đã có chỉ đạo');
  // Nothing is overdue yet: the leader's overdue list, from the incoming register, says so.
  await wardLeader.goto('/office/documents/incoming');
  await wardLeader.getByTestId('overdue-link').click();
  await wardLeader.getByTestId('overdue-none').waitFor();

  // The unit's leader finds it among the work given to the unit and passes it to a specialist.
  const unitLeader = await official('lanhdao.vhxh.hacthanh@tinhso.local');
  await documentsSection(unitLeader);
  await unitLeader.getByRole('link', { name: 'Việc được giao', exact: true }).click();
  await unitLeader.getByTestId('assigned').getByRole('link', { name: SUBJECT }).click();
  await unitLeader.getByRole('heading', { level: 1, name: SUBJECT }).waitFor();
  await unitLeader.getByLabel('Chuyên viên của đơn vị').selectOption({ label: 'Cao Thị Mai' });
  await unitLeader.getByRole('button', { name: 'Giao chuyên viên xử lý' }).click();
  await unitLeader.getByText('Đã giao chuyên viên xử lý.').waitFor();
  assert.equal(await stateOf(unitLeader), 'Đang xử lý');
  assert.match(await unitLeader.getByTestId('doc-assignment').textContent(), /Cao Thị Mai/);
  await senderSees('Đang xử lý');

  // The specialist, on a phone, reports progress and completes the unit's part; a result is
  // required first.
  const specialist = await official('chuyenvien.vhxh.hacthanh@tinhso.local', true);
  await documentsSection(specialist);
  await specialist.getByRole('link', { name: 'Việc được giao', exact: true }).click();
  await specialist.getByTestId('assigned').getByRole('link', { name: SUBJECT }).click();
  await specialist.getByLabel('Tiến độ xử lý').fill('Đã gửi quyết định đến 12 tổ hòa giải.');
  await specialist.getByRole('button', { name: 'Báo cáo tiến độ' }).click();
  await specialist.getByText('Đã báo cáo tiến độ.').waitFor();
  await specialist.getByTestId('doc-assignment').getByText('Đã gửi quyết định đến 12 tổ hòa giải.').waitFor();
  await specialist.getByRole('button', { name: 'Hoàn thành phần việc' }).click();
  await specialist.getByText('Thông tin này là bắt buộc.').first().waitFor();
  await specialist.getByLabel('Kết quả xử lý').fill('Đã phổ biến quyết định; tổ hòa giải tiêu biểu đã được khen thưởng.');
  await specialist.getByRole('button', { name: 'Hoàn thành phần việc' }).click();
  await specialist.getByText('Đã hoàn thành phần việc của đơn vị.').waitFor();
  assert.equal(await stateOf(specialist), 'Đã xử lý xong');
  assert.match(await specialist.getByTestId('doc-assignment-state').textContent(), /Đã kết thúc · Đúng hạn/);
  await senderSees('Đã xử lý xong');

  // The văn thư closes it, through the confirmation step.
  await ward.goto(wardUrl);
  await ward.getByRole('button', { name: 'Kết thúc xử lý' }).click();
  await ward.getByTestId('confirm-step').waitFor();
  await ward.getByRole('button', { name: 'Kết thúc xử lý' }).click();
  await ward.getByText('Đã kết thúc xử lý văn bản.').waitFor();
  assert.equal(await stateOf(ward), 'Đã kết thúc');
  assert.equal(await ward.getByTestId('doc-processing').count(), 0, 'nothing left to do');
  await senderSees('Đã kết thúc');
});

test('a paper document registered from a scan is in the register, and registering it again warns first', async () => {
  const clerk = await official('vanthu.tuphap@tinhso.local');
  const register = async () => {
    await documentsSection(clerk);
    await clerk.getByRole('link', { name: 'Vào sổ văn bản đến' }).click();
    await clerk.getByLabel('Số, ký hiệu văn bản').fill('15/QĐ-UBND');
    await clerk.getByLabel(/^Cơ quan ban hành/).fill('Ủy ban nhân dân huyện Minh Họa');
    await clerk.getByLabel('Ngày ban hành').fill('2026-11-20');
    await clerk.getByLabel('Trích yếu nội dung').fill('Về việc kiện toàn Hội đồng phối hợp phổ biến, giáo dục pháp luật (minh họa)');
    await clerk.getByLabel('Nguồn').selectOption('scan');
    await clerk.getByLabel('Tệp văn bản (bản quét)').setInputFiles(pdf('ban-quet.pdf', 'Ban quet'));
    await clerk.getByRole('button', { name: 'Vào sổ', exact: true }).click();
  };
  await register();
  await clerk.getByText('Đã vào sổ văn bản đến.').waitFor();
  const first = (await clerk.getByTestId('doc-arrival-number').textContent()).trim();
  assert.match(first, /^\d+\/\d{4}$/);
  await clerk.getByRole('link', { name: /ban-quet\.pdf/ }).waitFor();

  await clerk.goto('/office/documents/incoming');
  const rows = () => clerk.getByTestId('incoming-register').getByRole('row').filter({ hasText: '15/QĐ-UBND' });
  assert.equal(await rows().count(), 1);

  // The same number, notation and issuer again: a warning, nothing registered yet.
  await register();
  await clerk.getByText('Văn bản này đã được đăng ký. Vẫn đăng ký?').waitFor();
  await clerk.getByTestId('duplicate-warning').getByText(`số đến ${first}`).waitFor();
  await clerk.goto('/office/documents/incoming');
  assert.equal(await rows().count(), 1);

  // Confirmed: a second row with the next arrival number.
  await register();
  await clerk.getByTestId('duplicate-warning').waitFor();
  assert.equal(await clerk.getByLabel('Số, ký hiệu văn bản').inputValue(), '15/QĐ-UBND');
  await clerk.getByLabel('Tệp văn bản (bản quét)').setInputFiles(pdf('ban-quet.pdf', 'Ban quet'));
  await clerk.getByRole('button', { name: 'Vẫn đăng ký' }).click();
  await clerk.getByText('Đã vào sổ văn bản đến.').waitFor();
  const second = (await clerk.getByTestId('doc-arrival-number').textContent()).trim();
  assert.notEqual(second, first);
  await clerk.goto('/office/documents/incoming');
  assert.equal(await rows().count(), 2);
});
