// The whole one-stop journey in the browser: a citizen applies with a paper, the desk accepts,
// a specialist asks for a supplement, the citizen supplies it, a leader approves, the desk
// returns the result, the citizen downloads it and rates, and the statistics count it on time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, signIn, enrolTotp } from './harness.js';

let platform;
before(async () => { platform = await startPlatform(); });
after(async () => { await platform?.stop(); });

const pdf = (text) => ({ name: 'giay-to.pdf', mimeType: 'application/pdf', buffer: Buffer.from(`%PDF-1.4\n${text}\n%%EOF\n`) });

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

test('a birth registration goes from the citizen through every desk and back, on time', async () => {
  const citizen = await platform.newPage();
  await citizen.setViewportSize({ width: 360, height: 740 });
  await signIn(citizen, 'congdan@tinhso.local');
  await citizen.goto('/procedures/1.001193');
  await citizen.getByRole('link', { name: 'Nộp hồ sơ trực tuyến' }).click();

  // What the account knows is already filled in; the receiving agency is the citizen's choice.
  assert.equal(await citizen.getByLabel('Họ và tên người yêu cầu').inputValue(), 'Nguyễn Văn An');
  assert.equal(await citizen.getByLabel('Cơ quan tiếp nhận').inputValue(), '');
  await citizen.getByLabel('Cơ quan tiếp nhận').selectOption({ label: 'Ủy ban nhân dân phường Hạc Thành' });
  // Part of the form, saved as a draft, then finished.
  await citizen.getByLabel('Họ và tên người yêu cầu').fill('Nguyễn Văn An');
  await citizen.getByLabel('Số căn cước công dân').fill('0380900001');
  await citizen.getByRole('button', { name: 'Lưu nháp', exact: true }).click();
  await citizen.getByText('Đã lưu bản nháp').waitFor();
  assert.equal(await citizen.getByLabel('Họ và tên người yêu cầu').inputValue(), 'Nguyễn Văn An');
  await citizen.getByLabel('Nơi cư trú').fill('Số 5, phố Lê Lai, phường Hạc Thành');
  await citizen.getByLabel('Họ và tên trẻ').fill('Nguyễn Minh Khôi');
  await citizen.getByLabel('Ngày sinh của trẻ').fill('2026-11-20');
  await citizen.getByLabel('Giới tính của trẻ').selectOption('Nam');
  await citizen.getByLabel('Nơi sinh').fill('Bệnh viện Đa khoa tỉnh Thanh Hóa');
  await citizen.getByLabel('Giấy chứng sinh').setInputFiles(pdf('Giay chung sinh'));
  await citizen.getByRole('button', { name: 'Nộp hồ sơ', exact: true }).click();
  // The ID number was two digits short: a clear message, nothing lost.
  await citizen.getByText('phải gồm đúng 12 chữ số').first().waitFor();
  assert.equal(await citizen.getByLabel('Họ và tên trẻ').inputValue(), 'Nguyễn Minh Khôi');
  await citizen.getByText('Đã đính kèm').waitFor();
  await citizen.getByLabel('Số căn cước công dân').fill('038090000111');
  await citizen.getByRole('button', { name: 'Nộp hồ sơ', exact: true }).click();
  await citizen.getByText('Đã nộp hồ sơ thành công').waitFor();
  const code = (await citizen.getByTestId('dossier-code').textContent()).trim();
  assert.match(code, /^000\.00\.60\.H56-\d{6}-0001$/);
  const dossierUrl = citizen.url().split('?')[0];
  // The receipt and appointment slip comes with acceptance, not before.
  assert.equal((await citizen.request.get(`${dossierUrl}/forms/01.pdf`)).status(), 404);
  const trackLink = await platform.linkFromEmail('congdan@tinhso.local', code);
  assert.ok(trackLink.includes(`/track?code=${code}`));

  const clerk = await official('motcua.hacthanh@tinhso.local');
  await openInQueue(clerk, 'new', code);
  await clerk.getByRole('button', { name: 'Tiếp nhận', exact: true }).click();
  await clerk.getByTestId('dossier-state').getByText('Đang xử lý').waitFor();
  const receipt = await citizen.request.get(`${dossierUrl}/forms/01.pdf`);
  assert.equal(receipt.headers()['content-type'], 'application/pdf');
  assert.ok((await receipt.body()).subarray(0, 4).toString() === '%PDF');

  const specialist = await official('chuyenvien.hacthanh@tinhso.local');
  await openInQueue(specialist, 'in_progress', code);
  await specialist.getByLabel('Giấy tờ cần bổ sung và lý do').fill('Bổ sung bản sao giấy chứng nhận kết hôn của cha mẹ');
  await specialist.getByRole('button', { name: 'Yêu cầu bổ sung (mẫu 02)', exact: true }).click();
  await specialist.getByTestId('dossier-state').getByText('Chờ bổ sung hồ sơ').waitFor();

  await platform.linkFromEmail('congdan@tinhso.local', 'cần bổ sung');
  await citizen.goto(dossierUrl);
  await citizen.getByRole('region', { name: 'Hồ sơ cần bổ sung' }).getByText('Bổ sung bản sao giấy chứng nhận kết hôn').waitFor();
  await citizen.getByLabel('Giấy tờ bổ sung').setInputFiles({ ...pdf('Giay chung nhan ket hon'), name: 'ket-hon.pdf' });
  await citizen.getByRole('button', { name: 'Gửi bổ sung', exact: true }).click();
  await citizen.getByTestId('dossier-state').getByText('Đang xử lý').waitFor();

  await specialist.reload();
  await specialist.getByRole('button', { name: 'Hoàn thành bước, chuyển tiếp', exact: true }).click();
  const leader = await official('lanhdao.hacthanh@tinhso.local');
  await openInQueue(leader, 'in_progress', code);
  await leader.getByRole('button', { name: 'Phê duyệt', exact: true }).click();
  await leader.getByTestId('dossier-state').getByText('Đã có kết quả, chờ trả').waitFor();

  // Returning ends the dossier: the result file is attached on the confirmation step.
  await openInQueue(clerk, 'to_return', code);
  await clerk.getByRole('button', { name: 'Trả kết quả', exact: true }).click();
  await clerk.getByRole('heading', { name: 'Trả kết quả và kết thúc hồ sơ?' }).waitFor();
  await clerk.getByLabel('Tệp kết quả giải quyết').setInputFiles({ ...pdf('Trich luc khai sinh'), name: 'trich-luc-khai-sinh.pdf' });
  await clerk.getByRole('button', { name: 'Trả kết quả', exact: true }).click();
  await clerk.getByTestId('dossier-state').getByText('Đã trả kết quả').waitFor();

  // The result is the first thing on the returned dossier, with its download button.
  await citizen.goto(dossierUrl);
  const result = citizen.getByRole('region', { name: 'Kết quả giải quyết' });
  assert.ok(await result.evaluate((el) => el.compareDocumentPosition(document.querySelector('[data-testid=dossier-code]')) & Node.DOCUMENT_POSITION_FOLLOWING));
  const [download] = await Promise.all([
    citizen.waitForEvent('download'),
    result.getByRole('link', { name: /trich-luc-khai-sinh\.pdf/ }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'trich-luc-khai-sinh.pdf');
  await citizen.getByLabel('Rất hài lòng').check();
  await citizen.getByRole('button', { name: 'Gửi đánh giá', exact: true }).click();
  await citizen.getByTestId('rating').getByText('Rất hài lòng').waitFor();

  // The paper and the result are in the citizen's store; the next application reuses the
  // paper instead of uploading it again.
  await citizen.goto('/account');
  await citizen.getByRole('link', { name: 'Kho giấy tờ của tôi' }).click();
  const store = citizen.getByTestId('paper-store');
  await store.getByRole('link', { name: 'giay-to.pdf', exact: true }).waitFor();
  await store.getByRole('link', { name: 'trich-luc-khai-sinh.pdf', exact: true }).waitFor();
  await citizen.goto('/procedures/1.001193/apply');
  await citizen.getByLabel('Cơ quan tiếp nhận').selectOption({ label: 'Ủy ban nhân dân phường Hạc Thành' });
  await citizen.getByLabel('Họ và tên trẻ').fill('Nguyễn Minh Khang');
  await citizen.getByLabel('Ngày sinh của trẻ').fill('2026-11-20');
  await citizen.getByLabel('Giới tính của trẻ').selectOption('Nam');
  await citizen.getByLabel('Nơi sinh').fill('Bệnh viện Đa khoa tỉnh Thanh Hóa');
  await citizen.getByLabel('Nơi cư trú').fill('Số 5, phố Lê Lai, phường Hạc Thành');
  const fromStore = citizen.getByLabel('Hoặc dùng giấy tờ trong kho của tôi (Giấy chứng sinh)');
  await fromStore.selectOption(await fromStore.locator('option', { hasText: 'giay-to.pdf' }).first().getAttribute('value'));
  await citizen.getByRole('button', { name: 'Nộp hồ sơ', exact: true }).click();
  await citizen.getByText('Đã nộp hồ sơ thành công').waitFor();
  await citizen.getByRole('link', { name: 'giay-to.pdf' }).waitFor();
  // Removing it from the store asks first, says the dossiers keep it, and keeps its promise.
  await citizen.goto('/account/papers');
  await citizen.getByRole('link', { name: 'Xóa khỏi kho: giay-to.pdf' }).click();
  await citizen.getByText('vẫn giữ nguyên bản đã nộp').waitFor();
  await citizen.getByRole('button', { name: 'Xóa khỏi kho' }).click();
  await citizen.getByText('Đã xóa giấy tờ khỏi kho.').waitFor();
  assert.equal(await citizen.getByTestId('paper-store').getByRole('link', { name: 'giay-to.pdf', exact: true }).count(), 0);
  await citizen.goto(dossierUrl);
  await citizen.getByRole('link', { name: 'giay-to.pdf' }).waitFor();

  // Anyone with the QR link sees the status, without personal data.
  const stranger = await platform.newPage();
  await stranger.goto(trackLink);
  await stranger.getByTestId('track-state').getByText('Đã trả kết quả').waitFor();
  assert.ok(!(await stranger.locator('main').textContent()).includes('Nguyễn Văn An'));

  await clerk.goto('/office/statistics');
  const total = clerk.locator('tr.total');
  assert.match(await total.getByTestId('on-time-rate').textContent(), /^100,0%$/);
  assert.match(await total.textContent(), /Tổng cộng/);
});

test('one linked request for a newborn makes three dossiers, followed as one', async () => {
  const citizen = await platform.newPage();
  await citizen.setViewportSize({ width: 360, height: 740 });
  await signIn(citizen, 'congdan2@tinhso.local');
  await citizen.goto('/procedures');
  await citizen.getByRole('link', { name: /Liên thông đăng ký khai sinh/ }).click();
  assert.equal(await citizen.getByLabel('Họ và tên người yêu cầu').inputValue(), 'Lê Thị Bích', 'pre-filled from the account');
  await citizen.getByLabel('Cơ quan tiếp nhận').selectOption({ label: 'Ủy ban nhân dân phường Hạc Thành' });
  await citizen.getByLabel('Họ và tên người yêu cầu').fill('Lê Thị Bích');
  await citizen.getByLabel('Số căn cước công dân').fill('038190000222');
  await citizen.getByLabel('Nơi cư trú').fill('Xã Đông Sơn');
  await citizen.getByLabel('Họ và tên trẻ').fill('Lê Gia Hân');
  await citizen.getByLabel('Ngày sinh của trẻ').fill('2026-11-18');
  await citizen.getByLabel('Giới tính của trẻ').selectOption('Nữ');
  await citizen.getByLabel('Nơi sinh').fill('Trạm y tế xã');
  await citizen.getByLabel('Địa chỉ đăng ký thường trú').fill('Xã Đông Sơn');
  await citizen.getByLabel('Giấy chứng sinh').setInputFiles(pdf('Giay chung sinh'));
  await citizen.getByLabel('Giấy tờ chứng minh chỗ ở hợp pháp').setInputFiles({ ...pdf('So ho khau'), name: 'cho-o.pdf' });
  await citizen.getByRole('button', { name: 'Nộp hồ sơ liên thông', exact: true }).click();
  await citizen.getByRole('heading', { name: 'Yêu cầu liên thông' }).waitFor();
  assert.equal(await citizen.getByTestId('linked-dossier').count(), 3);
  await citizen.getByTestId('combined-state').getByText('Đang xử lý').waitFor();
  const codes = await citizen.locator('td.code').allTextContents();
  assert.equal(new Set(codes).size, 3, 'each agency\'s dossier has its own code');

  // Each agency sees its own work in its queue.
  const clerk = await official('motcua.hacthanh@tinhso.local');
  await clerk.goto('/office/dossiers?queue=new');
  for (const code of codes) await clerk.getByRole('link', { name: code.trim() }).waitFor();
});

test('withdrawing a paid dossier asks first, names the fee, and going back changes nothing', async () => {
  const citizen = await platform.newPage();
  await citizen.setViewportSize({ width: 360, height: 740 });
  await signIn(citizen, 'congdan2@tinhso.local');
  await citizen.waitForURL(/\/(dossiers|account)?$/);
  await citizen.goto('/procedures/2.000635/apply');
  await citizen.getByLabel('Cơ quan tiếp nhận').selectOption({ label: 'Ủy ban nhân dân phường Hạc Thành' });
  await citizen.getByLabel('Họ và tên người yêu cầu').fill('Lê Thị Bích');
  await citizen.getByLabel('Số căn cước công dân').fill('038190000222');
  await citizen.getByLabel('Nơi cư trú').fill('Xã Đông Sơn');
  await citizen.getByLabel('Loại trích lục').selectOption('Khai sinh');
  await citizen.getByLabel('Số bản sao').fill('1');
  await citizen.getByRole('button', { name: 'Nộp hồ sơ', exact: true }).click();
  await citizen.getByText('Đã nộp hồ sơ thành công').waitFor();
  const dossierUrl = citizen.url().split('?')[0];

  // The 8,000 đ fee paid at the (test) gateway.
  await citizen.getByRole('button', { name: 'Thanh toán trực tuyến' }).click();
  await citizen.getByRole('button', { name: 'Xác nhận thanh toán' }).click();
  await citizen.getByTestId('fee-paid').getByText(/8[.,]?000/).waitFor();

  // One tap on "Rút hồ sơ" only asks, saying what happens to the fee.
  await citizen.getByRole('button', { name: 'Rút hồ sơ', exact: true }).click();
  await citizen.getByRole('heading', { name: 'Rút hồ sơ?' }).waitFor();
  const fee = await citizen.getByTestId('confirm-fee').textContent();
  assert.match(fee, /8\.000 đ/);
  assert.match(fee, /không tự động hoàn lại/);
  await citizen.getByRole('link', { name: 'Không, quay lại' }).click();
  await citizen.waitForURL(dossierUrl);
  await citizen.getByTestId('dossier-state').getByText('Mới nộp, chờ tiếp nhận').waitFor();

  // Confirmed, it is withdrawn.
  await citizen.getByRole('button', { name: 'Rút hồ sơ', exact: true }).click();
  await citizen.getByRole('button', { name: 'Có, rút hồ sơ' }).click();
  await citizen.getByTestId('dossier-state').getByText('Đã rút hồ sơ').waitFor();
  assert.equal(await citizen.getByRole('button', { name: 'Rút hồ sơ', exact: true }).count(), 0);
});

/** Fails when the page is wider than a 360 px phone (tables must collapse or scroll inside their own box). */
async function fitsPhone(page, url) {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(url);
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
  }));
  assert.ok(scroll <= client, `${url} is ${scroll}px wide on a 360px phone`);
}

test('the desk assigns a named specialist, who opens on it in "my work"; office and admin pages fit a phone', async () => {
  const citizen = await platform.newPage();
  await signIn(citizen, 'congdan@tinhso.local');
  await citizen.waitForURL(/\/(dossiers|account)?$/);
  await citizen.goto('/procedures/2.000635/apply');
  await citizen.getByLabel('Cơ quan tiếp nhận').selectOption({ label: 'Ủy ban nhân dân phường Hạc Thành' });
  await citizen.getByLabel('Họ và tên người yêu cầu').fill('Nguyễn Văn An');
  await citizen.getByLabel('Số căn cước công dân').fill('038090000111');
  await citizen.getByLabel('Nơi cư trú').fill('Số 5, phố Lê Lai');
  await citizen.getByLabel('Loại trích lục').selectOption('Kết hôn');
  await citizen.getByLabel('Số bản sao').fill('2');
  await citizen.getByRole('button', { name: 'Nộp hồ sơ', exact: true }).click();
  await citizen.getByText('Đã nộp hồ sơ thành công').waitFor();
  const code = (await citizen.getByTestId('dossier-code').textContent()).trim();

  const clerk = await official('motcua.hacthanh@tinhso.local');
  await openInQueue(clerk, 'new', code);
  await clerk.getByRole('button', { name: 'Tiếp nhận', exact: true }).click();
  await clerk.getByTestId('dossier-state').getByText('Đang xử lý').waitFor();
  const dossierUrl = clerk.url();
  // Each specialist is offered with their current load; the choice is confirmed on the page.
  const assign = clerk.getByRole('region', { name: 'Phân công chuyên viên' });
  assert.match(await assign.getByTestId('load').first().textContent(), /hồ sơ đang giao/);
  await assign.getByLabel(/Trịnh Văn Tuấn/).check();
  await assign.getByRole('button', { name: 'Phân công' }).click();
  await clerk.getByTestId('assignee').getByText('Trịnh Văn Tuấn').waitFor();

  // The specialist opens the office on "my work": the dossier is there, first.
  const specialist = await official('chuyenvien.hacthanh@tinhso.local');
  await specialist.goto('/office');
  const mine = specialist.getByRole('region', { name: 'Việc của tôi' });
  await mine.getByTestId('my-work-row').first().getByRole('link', { name: code }).waitFor();
  await platform.linkFromEmail('chuyenvien.hacthanh@tinhso.local', `Bạn được giao hồ sơ ${code}`);

  // Office tables and pages at 360 px.
  for (const url of ['/office', '/office/dossiers?queue=in_progress', dossierUrl, '/office/feedback', '/office/statistics']) {
    await fitsPhone(clerk, url);
  }
  await fitsPhone(specialist, '/office');
  const admin = await platform.newPage();
  await signIn(admin, 'admin@tinhso.local');
  await enrolTotp(admin);
  await admin.getByText('Đã bật xác thực hai lớp.').waitFor();
  for (const url of ['/admin/officials', '/admin/audit', '/admin/feedback', '/admin/calendar', '/account']) {
    await fitsPhone(admin, url);
  }
});
