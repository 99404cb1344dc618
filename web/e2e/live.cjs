// The supervisor's workbench is live: while it is open, an enterprise rates an inspection one
// star (sent by this script through the API, as the enterprise's phone would); the alert shows
// on the page and the bad ratings' count rises, without a reload.
// Usage: node live.cjs BASE SHOTS SUPERVISOR PASSWORD ENTERPRISE_TOKEN INSPECTION_ID
const { launch, open, axe, shot, newReport, signIn } = require('./lib.cjs');

(async () => {
  const [base, dir, user, password, entToken, inspection] = process.argv.slice(2);
  const report = newReport();
  const browser = await launch();
  try {
    const { page } = await open(browser, base, report);
    await signIn(page, base, user, password);
    const bad = page.locator('.group', { hasText: '差评待核查' }).locator('.el-tag');
    await bad.waitFor({ timeout: 15000 });
    report.seen.before = (await bad.textContent()).trim();
    let navigations = 0;
    page.on('framenavigated', () => navigations++);
    const res = await fetch(base + '/v1/enterprise/inspections/' + inspection + '/rating', {
      method: 'POST', headers: { Authorization: 'Bearer ' + entToken, 'Content-Type': 'application/json' },
      body: JSON.stringify({ rating: 1, comment: '检查时态度生硬' }),
    });
    report.seen.rating = String(res.status);
    await page.locator('.live li').first().waitFor({ timeout: 20000 });
    report.seen.alert = (await page.locator('.live li').first().textContent()).trim();
    await page.waitForFunction(() => {
      const g = [...document.querySelectorAll('.group')].find((e) => e.textContent.includes('差评待核查'));
      return g && g.querySelector('.el-tag').textContent.trim() !== '0';
    }, null, { timeout: 15000 });
    report.seen.after = (await bad.textContent()).trim();
    report.seen.reloads = String(navigations);
    await axe(page, 'live-workbench', report);
    await shot(page, dir, 'supervisor-workbench-live');
  } catch (err) {
    report.errors.push('journey: ' + String(err && err.message || err));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(report));
})();
