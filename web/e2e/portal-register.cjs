// An enterprise registers on a phone (390×844): from the sign-in page's 企业注册 link, types
// its credit code with a wrong check character (told at once which it should be), corrects
// it, fills the rest, chooses its jurisdiction level by level and is shown that it waits for
// activation; signing in before activation shows that state again, not an error.
// Usage: node portal-register.cjs BASE SHOTS WRONG_USCC USCC PASSWORD; prints the report.
const { launch, open, axe, shot, newReport } = require('./lib.cjs');

(async () => {
  const [base, dir, wrong, uscc, password] = process.argv.slice(2);
  const report = newReport();
  const browser = await launch();
  const width = (page) => page.evaluate(() => String(document.documentElement.scrollWidth));
  try {
    const { page } = await open(browser, base, report, 'phone');
    await page.goto(base + '/console/login');
    await page.getByRole('link', { name: '企业注册' }).click();
    await page.getByRole('heading', { name: '企业注册' }).waitFor();
    report.seen.registerURL = new URL(page.url()).pathname;
    const code = page.getByLabel('统一社会信用代码');
    await code.pressSequentially(wrong, { delay: 15 });
    const err = page.locator('.el-form-item', { has: page.locator('#uscc') }).locator('.el-form-item__error');
    await err.waitFor({ timeout: 5000 });
    report.seen.wrong = (await err.innerText()).trim();
    report.seen.wrongWidth = await width(page);
    await shot(page, dir, 'portal-register-wrong');
    await code.press('Backspace');
    await code.press(uscc[uscc.length - 1]);
    await page.getByText('统一社会信用代码校验通过').waitFor({ timeout: 5000 });
    await err.waitFor({ state: 'detached', timeout: 3000 }).catch(() => {});
    report.seen.rightError = String(await err.count());
    // A one-character name passes the page's own checks; the server's error shows at its field.
    await page.getByLabel('企业名称').fill('某');
    await page.getByLabel('法定代表人').fill('王法人');
    await page.getByLabel('联系人').fill('李联系');
    await page.getByLabel('联系电话').fill('13700001111');
    // The jurisdiction, level by level: the first region of each level.
    let levels = 0;
    for (let i = 0; i < 4; i++) {
      const selects = page.locator('.levels .el-select');
      if ((await selects.count()) <= i) break;
      await selects.nth(i).click();
      const option = page.locator('.el-select-dropdown:visible .el-select-dropdown__item').first();
      await option.waitFor({ timeout: 5000 });
      await option.click();
      levels++;
      await page.waitForTimeout(400);
    }
    report.seen.levels = String(levels);
    await page.getByLabel('登录密码').fill(password);
    await page.getByLabel('确认密码').fill(password);
    await axe(page, 'portal-register', report);
    report.seen.formWidth = await width(page);
    await shot(page, dir, 'portal-register');
    await page.getByRole('button', { name: '提交注册' }).click();
    const nameErr = page.locator('.el-form-item', { has: page.locator('#ent-name') }).locator('.el-form-item__error');
    await nameErr.waitFor({ timeout: 15000 });
    report.seen.serverField = (await nameErr.innerText()).trim();
    await axe(page, 'portal-register-errors', report);
    await shot(page, dir, 'portal-register-server-error');
    await page.getByLabel('企业名称').fill('青山区某某餐饮有限公司');
    await page.getByRole('button', { name: '提交注册' }).click();
    await page.getByRole('heading', { name: '等待激活' }).waitFor({ timeout: 15000 });
    report.seen.pending = (await page.locator('.lead').innerText()).trim();
    report.seen.pendingWidth = await width(page);
    await axe(page, 'portal-pending', report);
    await shot(page, dir, 'portal-pending');

    // Signing in before the supervisors activate it: the same state, not an error.
    await page.goto(base + '/console/login');
    await page.getByLabel('用户名').fill(uscc);
    await page.getByLabel('密码', { exact: true }).fill(password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('heading', { name: '等待激活' }).waitFor({ timeout: 15000 });
    report.seen.signInURL = new URL(page.url()).pathname;
    report.seen.signInAlerts = String(await page.locator('[role=alert]').count());
    await shot(page, dir, 'portal-pending-signin');
  } catch (err) {
    report.errors.push('journey: ' + String((err && err.message) || err));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(report));
})();
