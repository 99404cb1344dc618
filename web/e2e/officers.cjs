// An agency's admin adds an officer (a password too short is told at its field), resets the
// new officer's password and reads the one-time password once; the officer signs in with it,
// must set a new password first, and then signs in with the new one.
// Usage: node officers.cjs BASE SHOTS ADMIN PASSWORD; prints the report.
const { launch, open, axe, shot, newReport, signIn } = require('./lib.cjs');

(async () => {
  const [base, dir, admin, password] = process.argv.slice(2);
  const report = newReport();
  const browser = await launch();
  try {
    const { page } = await open(browser, base, report);
    await signIn(page, base, admin, password);
    await page.getByRole('menuitem', { name: '执法人员' }).click();
    await page.getByRole('heading', { name: '执法人员' }).waitFor();
    await page.getByRole('button', { name: '新增人员' }).click();
    const dialog = page.getByRole('dialog', { name: '新增人员' });
    await dialog.getByLabel('用户名').fill('console-new');
    await dialog.getByLabel('姓名').fill('赵新');
    await dialog.getByLabel('初始密码').fill('short');
    await dialog.getByRole('button', { name: '保存' }).click();
    await dialog.locator('.el-form-item__error').first().waitFor({ timeout: 10000 });
    report.seen.fieldError = (await dialog.locator('.el-form-item__error').first().textContent()).trim();
    await shot(page, dir, 'officers-add-error');
    await dialog.getByLabel('初始密码').fill('a long enough first password');
    await dialog.getByRole('button', { name: '保存' }).click();
    const row = page.locator('.el-table__row', { hasText: '赵新' });
    await row.waitFor({ timeout: 10000 });
    await axe(page, 'officers', report);
    await shot(page, dir, 'officers');
    await row.getByRole('button', { name: '重置密码' }).click();
    const otpDialog = page.getByRole('dialog', { name: '密码已重置' });
    await otpDialog.waitFor();
    const otp = (await otpDialog.locator('.otp').textContent()).trim();
    report.seen.otpLength = String(otp.length);
    await shot(page, dir, 'officers-one-time-password');
    await otpDialog.getByRole('button', { name: '我已记下' }).click();
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.getByRole('button', { name: '登录' }).waitFor();

    await page.getByLabel('用户名').fill('console-new');
    await page.getByLabel('密码').fill(otp);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('heading', { name: '修改密码' }).waitFor({ timeout: 15000 });
    report.seen.forced = new URL(page.url()).pathname;
    await page.goto(base + '/console/cases');
    await page.getByRole('heading', { name: '修改密码' }).waitFor({ timeout: 15000 });
    report.seen.stillForced = new URL(page.url()).pathname;
    await axe(page, 'password', report);
    await shot(page, dir, 'change-password');
    await page.getByLabel('当前密码').fill(otp);
    await page.getByLabel('新密码', { exact: true }).fill('the officer own password');
    await page.getByLabel('再次输入新密码').fill('the officer own password');
    await page.getByRole('button', { name: '修改密码' }).click();
    await page.getByRole('status').waitFor({ timeout: 15000 });
    report.seen.changed = (await page.getByRole('status').textContent()).trim();
    await signIn(page, base, 'console-new', 'the officer own password');
    report.seen.home = new URL(page.url()).pathname;
  } catch (err) {
    report.errors.push('journey: ' + String(err && err.message || err));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(report));
})();
