// The sysadmin's first minutes: / leads to the sign-in page; a wrong password is told in
// Chinese; signing in reaches the workbench; a reload keeps the session (the refresh cookie,
// nothing in storage); signing out returns to the sign-in page, and a reload stays there.
// Usage: node signin.cjs BASE SHOTS USERNAME PASSWORD; prints the report as JSON.
const { launch, open, axe, shot, newReport } = require('./lib.cjs');

(async () => {
  const [base, dir, username, password] = process.argv.slice(2);
  const report = newReport();
  const browser = await launch();
  try {
    const { page } = await open(browser, base, report);
    // A console opened with no session asks for no refresh (it would only be refused).
    let refused = 0;
    page.on('response', (r) => { if (r.status() === 401) refused++; });
    await page.goto(base + '/');
    await page.getByRole('heading', { name: '执法监督平台' }).waitFor();
    report.seen.loginURL = new URL(page.url()).pathname;
    await axe(page, 'login', report);
    await shot(page, dir, 'login');

    report.seen.refusedBeforeSignIn = String(refused);
    await page.getByLabel('用户名').fill(username);
    await page.getByLabel('密码').fill('not the password');
    await page.getByRole('button', { name: '登录' }).click();
    report.seen.wrong = (await page.getByRole('alert').textContent({ timeout: 10000 })).trim();

    await page.getByLabel('密码').fill(password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('heading', { name: '工作台' }).waitFor({ timeout: 15000 });
    report.seen.home = new URL(page.url()).pathname;
    report.seen.storage = await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie);
    await axe(page, 'home', report);
    await shot(page, dir, 'home');

    await page.reload();
    await page.getByRole('heading', { name: '工作台' }).waitFor({ timeout: 15000 });
    report.seen.afterReload = new URL(page.url()).pathname;

    await page.getByRole('button', { name: '退出登录' }).click();
    await page.getByRole('button', { name: '登录' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: '登录' }).waitFor();
    report.seen.afterSignOut = new URL(page.url()).pathname;
  } catch (err) {
    report.errors.push('journey: ' + String(err && err.message || err));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(report));
})();
