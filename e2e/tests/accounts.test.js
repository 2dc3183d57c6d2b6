// User journeys of the foundation, in headless Chromium against the real binary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPlatform, signIn, enrolTotp, totpCode, DEMO_PASSWORD } from './harness.js';

let platform;
before(async () => { platform = await startPlatform(); });
after(async () => { await platform?.stop(); });

test('a citizen registers, verifies the email, signs in on their applications and opens the account page', async () => {
  const page = await platform.newPage();
  await page.goto('/');
  await page.getByRole('link', { name: 'Đăng ký' }).first().click();
  await page.getByLabel('Họ và tên').fill('Trịnh Thị Thu');
  await page.getByLabel('Email', { exact: true }).fill('thu.e2e@example.vn');
  await page.getByLabel('Số căn cước công dân').fill('0381950');
  await page.getByLabel(/^Mật khẩu/).fill('mật khẩu của Thu');
  await page.getByLabel('Nhập lại mật khẩu').fill('mật khẩu của Thu');
  await page.getByRole('button', { name: 'Đăng ký' }).click();
  // A wrong citizen ID: a clear message, and what was typed is still there.
  await assert.doesNotReject(page.getByText('Số căn cước công dân phải gồm đúng 12 chữ số.').first().waitFor());
  assert.equal(await page.getByLabel('Họ và tên').inputValue(), 'Trịnh Thị Thu');
  await page.getByLabel('Số căn cước công dân').fill('038195012345');
  await page.getByLabel(/^Mật khẩu/).fill('mật khẩu của Thu');
  await page.getByLabel('Nhập lại mật khẩu').fill('mật khẩu của Thu');
  await page.getByRole('button', { name: 'Đăng ký' }).click();
  await page.getByRole('heading', { name: 'Kiểm tra hộp thư của bạn' }).waitFor();

  const link = await platform.linkFromEmail('thu.e2e@example.vn', 'Xác nhận email');
  await page.goto(link);
  await page.getByRole('heading', { name: 'Email đã được xác nhận' }).waitFor();
  await page.getByRole('link', { name: 'Đăng nhập' }).last().click();
  await page.getByLabel('Email hoặc số điện thoại').fill('thu.e2e@example.vn');
  await page.getByLabel(/^Mật khẩu/).fill('mật khẩu của Thu');
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  // Citizens land on their applications; the account is one click away.
  await page.getByRole('heading', { name: 'Hồ sơ của tôi' }).waitFor();
  await page.getByRole('link', { name: 'Tài khoản' }).first().click();
  await page.getByRole('heading', { name: 'Tài khoản', exact: true }).waitFor();
  assert.equal((await page.getByTestId('full-name').textContent()).trim(), 'Trịnh Thị Thu');

  // The page speaks English on request.
  await page.getByRole('link', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'Account', exact: true }).waitFor();
});

test('an admin creates an official, who sets a password and signs in with a one-time code', async () => {
  const admin = await platform.newPage();
  await signIn(admin, 'quantri.tuphap@tinhso.local');
  // Administrators must turn on two-step verification before they reach the back office.
  await admin.getByRole('heading', { name: 'Xác thực hai lớp' }).waitFor();
  assert.match(admin.url(), /\/account/);
  await enrolTotp(admin);
  await admin.getByText('Đã bật xác thực hai lớp.').waitFor();
  await admin.goto('/admin/officials/new');
  await admin.getByLabel('Họ và tên').fill('Mai Văn Tiến');
  await admin.getByLabel('Email').fill('tien.e2e@tinhso.local');
  await admin.getByLabel('Chuyên viên').check();
  await admin.getByRole('button', { name: 'Tạo' }).click();
  await admin.getByRole('cell', { name: 'Mai Văn Tiến' }).waitFor();

  const official = await platform.newPage();
  const link = await platform.linkFromEmail('tien.e2e@tinhso.local', 'cán bộ');
  await official.goto(link);
  await official.getByLabel('Mật khẩu mới').fill('mật khẩu của Tiến');
  await official.getByLabel('Nhập lại mật khẩu').fill('mật khẩu của Tiến');
  await official.getByRole('button', { name: 'Lưu' }).click();
  await official.getByRole('heading', { name: 'Đã đặt mật khẩu' }).waitFor();
  await signIn(official, 'tien.e2e@tinhso.local', 'mật khẩu của Tiến');
  await official.getByRole('heading', { name: 'Xin chào, Mai Văn Tiến' }).waitFor();
  const secret = await enrolTotp(official);
  await official.getByRole('button', { name: 'Đăng xuất' }).click();

  await signIn(official, 'tien.e2e@tinhso.local', 'mật khẩu của Tiến');
  await official.getByRole('heading', { name: 'Xác thực hai lớp' }).waitFor();
  await official.getByLabel('Mã xác thực').fill('000000');
  await official.getByRole('button', { name: 'Xác nhận' }).click();
  await official.getByText('Mã xác thực không đúng hoặc đã được dùng.').first().waitFor();
  // The enrolment code cannot be replayed; wait for the next 30-second step.
  const step = Math.floor(Date.now() / 30000);
  while (Math.floor(Date.now() / 30000) === step) await new Promise((r) => setTimeout(r, 500));
  await official.getByLabel('Mã xác thực').fill(totpCode(secret));
  await official.getByRole('button', { name: 'Xác nhận' }).click();
  await official.getByRole('heading', { name: 'Xin chào, Mai Văn Tiến' }).waitFor();
  assert.match(await official.locator('main').textContent(), /Sở Tư pháp/);
});

test('a system admin imports agencies from CSV and reads the error report', async () => {
  const page = await platform.newPage();
  await signIn(page, 'admin@tinhso.local');
  await enrolTotp(page);
  await page.goto('/admin/agencies/import');
  const file = join(platform.dir, 'agencies.csv');
  writeFileSync(file, [
    'code,name,kind,parent_code',
    '000.04.14.H56,Phòng Bổ trợ tư pháp,unit,000.00.14.H56',
    '000.04.99.H56,Đơn vị sai cha,unit,000.00.14.H56',
    '000.05.14.H56,,unit,000.00.14.H56',
  ].join('\n'));
  await page.getByLabel('Tệp CSV').setInputFiles(file);
  await page.getByRole('button', { name: 'Nhập' }).click();
  await page.getByText('Chưa nhập dòng nào').waitFor();
  const report = page.getByRole('table');
  await report.getByRole('cell', { name: '000.04.99.H56', exact: true }).waitFor();
  assert.match(await report.textContent(), /Vui lòng nhập tên cơ quan/);
  // Nothing was written: the good row is not in the directory yet.
  await page.goto('/agencies?q=bo+tro+tu+phap');
  await page.getByText('Không có kết quả.').waitFor();
  // Import the good rows only.
  await page.goto('/admin/agencies/import');
  await page.getByLabel('Tệp CSV').setInputFiles(file);
  await page.getByLabel('Vẫn nhập các dòng đúng').check();
  await page.getByRole('button', { name: 'Nhập' }).click();
  await page.getByText('Đã nhập hoặc cập nhật: 1 / 3').waitFor();
  await page.goto('/agencies?q=bo+tro+tu+phap');
  await page.getByRole('link', { name: 'Phòng Bổ trợ tư pháp' }).waitFor();
  // The audit log shows who did it.
  await page.goto('/admin/audit?entity_id=000.04.14.H56');
  await page.getByRole('cell', { name: 'agency.create' }).waitFor();
});

test('the citizen home page is small for weak connections', async () => {
  const page = await platform.newPage();
  let bytes = 0;
  page.on('response', async (r) => { try { bytes += (await r.body()).length; } catch { /* redirects */ } });
  await page.goto('/');
  await page.getByRole('heading', { name: 'Cổng chính quyền số của tỉnh' }).waitFor();
  assert.ok(bytes < 100 * 1024, `home page weighs ${bytes} bytes`);
  await page.getByLabel('Tìm thủ tục, cơ quan, phản ánh hoặc mã hồ sơ').fill('so tu phap');
  await page.getByRole('button', { name: 'Tìm' }).click();
  await page.getByRole('link', { name: 'Sở Tư pháp', exact: true }).waitFor();
});

test('the home search finds procedures first, and a dossier code opens its tracking page', async () => {
  const page = await platform.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto('/');
  // Quick links to what people come for; the developers' API sits in the footer.
  await page.getByRole('link', { name: 'Tra cứu hồ sơ' }).waitFor();
  await page.getByRole('link', { name: 'Gửi phản ánh' }).waitFor();
  assert.equal(await page.locator('main').getByRole('link', { name: 'API mở' }).count(), 0);
  await page.locator('footer').getByRole('link', { name: 'API mở' }).waitFor();

  for (const typed of ['khai sinh', 'giấy khai sinh', 'khaisinh']) {
    await page.goto('/');
    await page.getByLabel('Tìm thủ tục, cơ quan, phản ánh hoặc mã hồ sơ').fill(typed);
    await page.getByRole('button', { name: 'Tìm' }).click();
    const first = page.locator('section[aria-labelledby=found-procedures] li a').first();
    assert.equal((await first.textContent()).trim(), 'Đăng ký khai sinh', `searching "${typed}"`);
  }

  await page.goto('/');
  await page.getByLabel('Tìm thủ tục, cơ quan, phản ánh hoặc mã hồ sơ').fill('000.00.14.H56-261128-0999');
  await page.getByRole('button', { name: 'Tìm' }).click();
  await page.getByRole('heading', { name: 'Tra cứu hồ sơ' }).waitFor();
  assert.match(page.url(), /\/track\?code=000\.00\.14\.H56-261128-0999$/);
  await page.getByText('Không tìm thấy hồ sơ với mã này.').waitFor();
});

test('a citizen signs in through the province single sign-on (OpenID Connect)', async () => {
  const page = await platform.newPage();
  await page.goto('/login');
  await page.getByRole('link', { name: 'Đăng nhập bằng SSO Thanh Hóa' }).click();
  // The provider's own sign-in and consent pages.
  await page.locator('input[name=login]').fill('suong');
  await page.locator('input[name=password]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Hồ sơ của tôi' }).waitFor();
  await page.goto('/account');
  await page.getByRole('heading', { name: 'Tài khoản', exact: true }).waitFor();
  assert.equal((await page.getByTestId('full-name').textContent()).trim(), 'Hoàng Thị Sương');
  assert.match(await page.locator('main').textContent(), /suong@sso\.thanhhoa\.example/);
  // A forged callback is refused with a clear message.
  await page.goto('/login/oidc/callback?code=forged&state=forged');
  await page.getByText('Phiên đăng nhập một lần đã hết hạn hoặc không hợp lệ').waitFor();
});

test('an anonymous "Nộp hồ sơ trực tuyến" is told why to sign in and comes back to the form', async () => {
  const page = await platform.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto('/procedures/1.001193');
  await page.getByRole('link', { name: 'Nộp hồ sơ trực tuyến' }).click();
  const reason = page.getByTestId('sign-in-reason');
  await reason.waitFor();
  assert.match(await reason.textContent(), /Nộp hồ sơ trực tuyến cần tài khoản/);
  await page.getByLabel('Email hoặc số điện thoại').fill('congdan2@tinhso.local');
  await page.getByLabel(/^Mật khẩu/).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.getByRole('heading', { name: 'Nộp hồ sơ trực tuyến' }).waitFor();
  assert.match(new URL(page.url()).pathname, /^\/procedures\/1\.001193\/apply$/);
});
